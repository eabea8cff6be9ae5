"""The Messages page's panels (leader only): the mail account, the outbox, the schedule, the templates."""

from __future__ import annotations

import calendar

import pandas as pd
import streamlit as st

from mentorship import clock, formatting, outbox, queries
from mentorship.errors import UnusableInput
from mentorship.formatting import plural
from mentorship.outbox import actions, config, planning, templates
from mentorship.outbox.config import SmtpSettings
from mentorship.ui.core import PageContext, read, run_write

SHOWN_ROWS = 500
MONTHS = list(calendar.month_name)[1:]
STATUSES = ["queued", "sending", "sent", "failed", "cancelled"]
COUNTED = ["queued", "sent", "failed", "cancelled"]  # `sending` lasts the moment the mail server takes it


def mail_account() -> tuple[SmtpSettings | None, str | None]:
    """The configured account, and the one sentence saying why it cannot be used (if it cannot)."""
    try:
        return outbox.smtp_settings(), None
    except UnusableInput as exc:
        return None, str(exc)


def _send_due(ctx: PageContext, smtp: SmtpSettings) -> None:
    def send():
        planned = actions.plan_messages(
            ctx.engine, actor=ctx.user, today=ctx.today, now=clock.now(), smtp=smtp
        )
        sent = actions.send_messages(ctx.engine, actor=ctx.user, now=clock.now(), clock=clock.now, smtp=smtp)
        return planned, sent

    def said(result) -> str:
        planned, sent = result
        return (
            f"Queued {sum(planned.queued.values())}; sent {sent.sent}, failed {sent.failed}, "
            f"waiting to retry {sent.deferred}."
        )

    run_write(send, said)


def account_panel(ctx: PageContext) -> SmtpSettings | None:
    smtp, problem = mail_account()
    if problem:
        st.error(f"The mail settings cannot be used: {problem}", icon=":material/error:")
    elif smtp is None:
        st.info(
            "No mail account is configured, so nothing is sent: the email drafts on the Pairings and Cadence "
            "pages work as before. Connect the program's account with the MENTORSHIP_SMTP_* settings "
            "(see the README).",
            icon=":material/mail_off:",
        )
    else:
        st.caption(f"Mail goes from {smtp.mail_from} through {smtp.host}:{smtp.port} ({smtp.security}).")
    left, right = st.columns(2)
    left.button(
        "Send due messages now",
        type="primary",
        disabled=smtp is None,
        on_click=_send_due,
        args=(ctx, smtp),
        key="send-due",
    )
    right.button(
        "Send a test email to me",
        disabled=smtp is None,
        on_click=lambda: run_write(
            lambda: actions.send_test(
                ctx.engine, actor=ctx.user, smtp=smtp, to=ctx.user.email, now=clock.now()
            ),
            f"Test email sent to {ctx.user.email}.",
        ),
        key="send-test",
    )
    return smtp


def outbox_panel(ctx: PageContext, messages: pd.DataFrame, smtp: SmtpSettings | None) -> None:
    counts = messages["status"].value_counts()
    for column, status in zip(st.columns(len(COUNTED)), COUNTED, strict=True):
        column.metric(status.capitalize(), f"{int(counts.get(status, 0)):,}")
    left, right = st.columns(2)
    kinds = left.multiselect(
        "Kind", list(templates.KIND_LABELS), format_func=templates.KIND_LABELS.get, key="ob-kind"
    )
    statuses = right.multiselect("Status", STATUSES, key="ob-status")
    shown = messages
    if kinds:
        shown = shown[shown["kind"].isin(kinds)]
    if statuses:
        shown = shown[shown["status"].isin(statuses)]
    total = len(shown)
    shown = shown.head(SHOWN_ROWS)
    more = f" (the newest {SHOWN_ROWS:,} are listed)" if total > SHOWN_ROWS else ""
    st.caption(f"{plural(total, 'message')}{more}, newest first.")
    st.dataframe(
        formatting.with_moments(shown, "next_attempt_at", "created_at", "sent_at"),
        hide_index=True,
        width="stretch",
        column_config={
            "id": st.column_config.NumberColumn("#", format="%d"),
            "kind": "Kind",
            "status": "Status",
            "recipients": "To",
            "subject": "Subject",
            "attempts": "Attempts",
            "last_error": "Last error",
            "next_attempt_at": "Next attempt",
            "created_at": "Queued",
            "sent_at": "Sent",
        },
    )
    if shown.empty:
        return
    labels = {int(r.id): f"#{r.id} · {r.kind} · {r.status} · {r.subject}"[:100] for r in shown.itertuples()}
    chosen = st.selectbox("Read a message", list(labels), format_func=labels.get, key="ob-message")
    message = read(ctx, queries.outbox_message, chosen, ctx.user.role)
    if message is None:
        return
    st.text(f"To: {message.recipients}\nSubject: {message.subject}\nMessage-ID: {message.message_id}")
    if message.last_error:
        st.warning(message.last_error, icon=":material/warning:")
    st.text(message.body)
    left, right = st.columns(2)
    if message.status.value in ("queued", "failed"):

        def retry() -> None:
            def act():
                actions.retry(ctx.engine, actor=ctx.user, ids=[message.id], now=clock.now())
                if smtp is not None:
                    return actions.send_messages(
                        ctx.engine, actor=ctx.user, now=clock.now(), clock=clock.now, smtp=smtp
                    )
                return None

            run_write(
                act, lambda sent: "Sent." if sent and sent.sent else "Queued to go with the next sending."
            )

        left.button("Retry", on_click=retry, key=f"retry-{message.id}")
    if message.status.value == "queued":
        right.button(
            "Cancel",
            on_click=lambda: run_write(
                lambda: actions.cancel(ctx.engine, actor=ctx.user, ids=[message.id]),
                "Cancelled: it will not be sent.",
            ),
            key=f"cancel-{message.id}",
        )


def _save_schedule(ctx: PageContext, current: config.OutboxSchedule) -> None:
    state = st.session_state
    day = f"{MONTHS.index(state['sched-annual-month']) + 1:02d}-{state['sched-annual-day']:02d}"

    def save():
        config.annual_day(day)  # a day not in every year is refused before anything is saved
        for kind in config.SCHEDULED_KINDS:
            on, every = state[f"sched-{kind}"], state.get(f"sched-{kind}-every")
            if on != current.enabled(kind) or (every is not None and every != current.every_days(kind)):
                actions.set_kind(
                    ctx.engine, actor=ctx.user, kind=kind, on=on, every_days=every, today=ctx.today
                )
        if day != current.annual_update_on:
            actions.set_annual_day(ctx.engine, actor=ctx.user, on=day)
        actions.set_sending(
            ctx.engine,
            actor=ctx.user,
            per_minute=state["sched-cap"],
            leader_name=state["sched-name"],
            program_contact=state["sched-contact"],
        )

    run_write(save, "Schedule saved.")


def schedule_panel(ctx: PageContext) -> None:
    current = read(ctx, config.schedule)
    with st.form("schedule"):
        st.caption("Everything starts off. A registration confirmation is sent whenever mail is configured.")
        for kind in config.SCHEDULED_KINDS:
            left, right = st.columns([2, 1])
            left.toggle(templates.KIND_LABELS[kind], value=current.enabled(kind), key=f"sched-{kind}")
            if current.every_days(kind) is not None:
                low, high = config.EVERY_DAYS_RANGE
                right.number_input(
                    "Every … days (per pair)" if kind != "reminder" else "Every … days",
                    min_value=low,
                    max_value=high,
                    value=current.every_days(kind),
                    key=f"sched-{kind}-every",
                )
            if kind == "annual-update":  # once a year, on or after the leader's day
                month, day = config.annual_day(current.annual_update_on)
                month_column, day_column = right.columns(2)
                month_column.selectbox(
                    "On or after (month)", MONTHS, index=month - 1, key="sched-annual-month"
                )
                day_column.number_input(
                    "Day", min_value=1, max_value=31, value=day, step=1, key="sched-annual-day"
                )
        low, high = config.PER_MINUTE_RANGE
        st.number_input(
            "At most … messages per minute",
            min_value=low,
            max_value=high,
            value=current.per_minute,
            key="sched-cap",
        )
        st.text_input("Signed by (the leader's name)", value=current.leader_name, key="sched-name")
        st.text_input("Program contact (email or phone)", value=current.program_contact, key="sched-contact")
        st.form_submit_button(
            "Save the schedule", type="primary", on_click=_save_schedule, args=(ctx, current)
        )


def templates_panel(ctx: PageContext, pairs: pd.DataFrame, smtp: SmtpSettings | None) -> None:
    kind = st.selectbox("Kind", templates.KINDS, format_func=templates.KIND_LABELS.get, key="tpl-kind")
    stored = read(ctx, templates.template_for, kind)
    if st.session_state.get("tpl-loaded") != kind:  # a new kind: its saved text fills the fields
        st.session_state["tpl-subject"], st.session_state["tpl-body"] = stored.subject, stored.body
        st.session_state["tpl-loaded"] = kind
    st.text_input("Subject", key="tpl-subject")
    st.text_area("Body (plain text)", height=300, key="tpl-body")
    st.caption("Placeholders: " + ", ".join(f"{{{{ {name} }}}}" for name in templates.PLACEHOLDERS[kind]))
    labels = {int(r.match_id): f"{r.mentor} and {r.mentee}" for r in pairs.itertuples()}
    pair_id = st.selectbox("Preview on the pair", list(labels), format_func=labels.get, key="tpl-pair")
    pair = next(pairs[pairs["match_id"] == pair_id].itertuples(), None) if pair_id is not None else None
    try:
        subject, body = read(
            ctx,
            lambda session: planning.preview(
                session,
                kind,
                st.session_state["tpl-subject"],
                st.session_state["tpl-body"],
                pair=pair,
                today=ctx.today,
                smtp=smtp,
            ),
        )
    except UnusableInput as exc:
        st.error(str(exc), icon=":material/error:")
    else:
        with st.container(border=True):
            st.text(f"Subject: {subject}\n\n{body}")
    left, right = st.columns(2)

    def save() -> None:
        run_write(
            lambda: actions.save_template(
                ctx.engine,
                actor=ctx.user,
                kind=kind,
                subject=st.session_state["tpl-subject"],
                body=st.session_state["tpl-body"],
            ),
            "Template saved.",
        )

    def reset() -> None:
        if run_write(
            lambda: actions.reset_template(ctx.engine, actor=ctx.user, kind=kind), "Back to the default."
        ):
            st.session_state.pop("tpl-loaded", None)

    left.button("Save the template", type="primary", on_click=save, key="tpl-save")
    right.button("Back to the default", on_click=reset, key="tpl-reset")


def optouts_panel(optouts: pd.DataFrame, yearly: pd.DataFrame) -> None:
    """Who followed "stop these reminders", and which mentees stopped the yearly update mails."""
    said = {
        "optouts": f"{len(optouts)} people followed “stop these reminders” and get no check-in invitations, "
        "nudges or surveys. Introductions and messages you write yourself still reach them.",
        "yearly": f"{plural(len(yearly), 'mentee')} stopped the yearly “Where are you now?” emails (through "
        "the email's own link or on its page).",
    }
    for key, people in (("optouts", optouts), ("yearly", yearly)):
        st.caption(said[key])
        st.dataframe(
            people.assign(since=clock.days_of(people["since"])),
            hide_index=True,
            width="stretch",
            column_config={
                "email": "Email",
                "name": "Name",
                "since": st.column_config.DateColumn("Since", format="YYYY-MM-DD"),
            },
        )
