"""The Cadence page's panels: the pair table and picker, and the leader's write controls.

Names, notes and emails are people's own text: they go into widgets, tables and `st.text`, never markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pandas as pd
import streamlit as st

from mentorship import cadence, clock, formatting, links, queries, services, values, web
from mentorship.cadence import STATUS_LABELS, STATUS_ORDER, CadenceStatus
from mentorship.settings import CadenceThresholds
from mentorship.ui.core import PageContext, kept_for, read, run_write

PAIR_KEY = "cadence-pair"
PAIR_COLUMNS = [
    "health",
    "days_since_last",
    "last_met_on",
    "meetings",
    "last_12_months",
    "mentor",
    "mentee",
    "confirmed_on",
    "mentor_email",
    "mentee_email",
]
TABLE_KEY = "cadence-table"


def status_metrics(counts: dict[str, int], thresholds: CadenceThresholds) -> None:
    meaning = cadence.describe_thresholds(thresholds)
    for column, status in zip(st.columns(len(STATUS_ORDER)), STATUS_ORDER, strict=True):
        label = STATUS_LABELS[status]
        column.metric(label, counts[status.value], help=f"{label}: {meaning[status.value]}.", border=True)
    st.caption(" · ".join(f"**{STATUS_LABELS[s]}**: {meaning[s.value]}" for s in STATUS_ORDER))


def _picked(match_ids: list[int]) -> None:
    rows = st.session_state[TABLE_KEY].selection.rows
    if rows:
        st.session_state[PAIR_KEY] = match_ids[rows[0]]


def _shown(pairs: pd.DataFrame) -> pd.DataFrame:
    # Only the columns shown: hidden columns would still reach the browser.
    return pairs.assign(
        health=pairs["status"].map(lambda s: STATUS_LABELS[CadenceStatus(s)]),
        last_met_on=pairs["last_met_on"].map(formatting.last_met),
    )[PAIR_COLUMNS]


def _match_ids(pairs: pd.DataFrame) -> list[int]:
    return pairs["match_id"].tolist()


def pair_table(pairs: pd.DataFrame) -> None:
    """Every open pair, longest without a meeting first; choosing a row shows its timeline."""
    st.dataframe(
        kept_for(_shown, pairs),
        column_config={
            "health": "Status",
            "days_since_last": st.column_config.NumberColumn(
                "Days since last meeting", help="Since confirmation when the pair has not met yet."
            ),
            "last_met_on": st.column_config.TextColumn("Last met"),
            "meetings": st.column_config.NumberColumn("Meetings"),
            "last_12_months": st.column_config.BarChartColumn(
                "Last 12 months", help="Meetings in each of the last twelve months.", y_min=0
            ),
            "mentor": "Mentor",
            "mentor_email": "Mentor email",
            "mentee": "Mentee",
            "mentee_email": "Mentee email",
            "confirmed_on": st.column_config.DateColumn("Paired on"),
        },
        hide_index=True,
        width="stretch",
        key=TABLE_KEY,
        on_select=partial(_picked, kept_for(_match_ids, pairs)),
        selection_mode="single-row",
    )


def pair_picker(pairs: pd.DataFrame) -> pd.Series:
    """The pair whose timeline (and check-in link) is shown: the chosen row, else the first."""
    labels = kept_for(formatting.pair_labels, pairs)
    if st.session_state.get(PAIR_KEY) not in labels:
        st.session_state.pop(PAIR_KEY, None)
    match_id = st.selectbox("Pair", list(labels), format_func=labels.__getitem__, key=PAIR_KEY)
    return pairs[pairs["match_id"] == match_id].iloc[0]


# The leader's controls
FRESH_LINK = "cadence-fresh-link"  # (pair, token) just made: shown to this leader once (only a hash is kept)


def _on_picked_pair(ctx: PageContext, service: Callable[..., object], done: str) -> None:
    """Run `service` on the pair the picker shows as the button is pressed (the browser sends the two
    together), not on the pair it showed when the page was last drawn: a leader who chooses another pair
    and presses "Revoke the link" at once never revokes the link of the pair before."""
    match_id = st.session_state.get(PAIR_KEY)
    if match_id is None:
        st.toast("Choose the pair first.", icon=":material/info:")
        return

    def act() -> object:
        token = service(ctx.engine, actor=ctx.user, match_id=int(match_id), now=clock.now())
        st.session_state[FRESH_LINK] = (int(match_id), token)
        return token

    run_write(act, done)


def checkin_link(ctx: PageContext, pair: pd.Series) -> None:
    """The pair's check-in links: a new one is shown once, as it is made (the store keeps only its hash)."""
    match_id = int(pair["match_id"])
    state = read(ctx, queries.checkin_links, match_id, clock.now())
    fresh = st.session_state.get(FRESH_LINK)
    token = fresh[1] if fresh and fresh[0] == match_id else None
    st.markdown("**Check-in link**")
    if token is None and not state.live:
        st.caption("The pair reports its meetings through a personal link; none is live.")
        st.button(
            "Create the pair's check-in link",
            key="issue-link",
            icon=":material/add_link:",
            on_click=_on_picked_pair,
            args=(ctx, services.issue_checkin_link, "Link ready."),
        )
        return
    if token is not None:
        url = links.checkin_url(token)
        st.code(url, language=None)
        st.caption(
            "Copy it now: the dashboard keeps only a fingerprint of it and cannot show it again. "
            f"It works for {links.CHECKIN_LINK_LIFETIME.days} days."
        )
        draft = links.checkin_invitation(
            to=[pair["mentor_email"], pair["mentee_email"]],
            mentor_first=pair["mentor_first_name"],
            mentee_first=pair["mentee_first_name"],
            url=url,
        )
        st.link_button("Email the link to the pair", draft, icon=":material/mail:")
    else:
        until = f", the newest until {clock.day_of(state.newest_until)}" if state.newest_until else ""
        st.caption(
            f"{state.live} live link{'s' if state.live != 1 else ''}{until} (each invitation mail makes "
            "one). The dashboard keeps only their fingerprints: make a new link to copy one."
        )
    left, middle, right = st.columns(3)
    left.button(
        "Make a new link",
        key="issue-link",
        help="A new link to copy or email; the pair's other links keep working.",
        width="stretch",
        on_click=_on_picked_pair,
        args=(ctx, services.issue_checkin_link, "Link ready."),
    )
    middle.button(
        "Replace the link",
        key="replace-link",
        help="Every link of the pair stops working and a new one is issued.",
        width="stretch",
        on_click=_on_picked_pair,
        args=(ctx, services.replace_checkin_link, "A new link replaces the old one."),
    )
    right.button(
        "Revoke the link",
        key="revoke-link",
        width="stretch",
        on_click=_on_picked_pair,
        args=(ctx, services.revoke_link, "The link no longer works."),
    )


def nudge_list(nudges: pd.DataFrame) -> None:
    if nudges.empty:
        st.success("Every open pair is on track or new.", icon=":material/check_circle:")
        return
    drafts = nudges.assign(
        health=nudges["status"].map(lambda s: STATUS_LABELS[CadenceStatus(s)]),
        draft=[
            links.nudge(
                to=[r.mentor_email, r.mentee_email],
                mentor_first=r.mentor_first_name,
                mentee_first=r.mentee_first_name,
                days=int(r.days_since_last),
                has_met=bool(r.has_met),
            )
            for r in nudges.itertuples()
        ],
    )
    st.dataframe(
        drafts,
        column_order=[
            "health",
            "days_since_last",
            "mentor",
            "mentor_email",
            "mentee",
            "mentee_email",
            "draft",
        ],
        column_config={
            "health": "Status",
            "days_since_last": st.column_config.NumberColumn("Days since last meeting"),
            "mentor": "Mentor",
            "mentor_email": "Mentor email",
            "mentee": "Mentee",
            "mentee_email": "Mentee email",
            "draft": st.column_config.LinkColumn("Email", display_text="Draft a nudge"),
        },
        hide_index=True,
        width="stretch",
        key="nudge-table",
    )
    st.link_button("Download the nudge list (CSV)", web.export_url("nudges"), icon=":material/download:")


def concerns(ctx: PageContext, open_concerns: pd.DataFrame) -> None:
    if open_concerns.empty:
        st.caption("No pair has asked you to reach out.")
        return
    for row in open_concerns.itertuples():
        with st.container(border=True, key=f"concern-{row.concern_id}"):
            st.text(f"{formatting.pair_label(row.mentor, row.mentee)} · asked on {row.raised_on:%b %d, %Y}")
            st.text(row.note or "(no note)")
            left, right = st.columns(2)
            if row.survey_role:  # a survey's answers: written to that person alone, never to the pair
                email = row.mentor_email if row.survey_role == "mentor" else row.mentee_email
                left.link_button(
                    f"Email the {row.survey_role}",
                    links.mailto([email], "Checking in", ""),
                    icon=":material/mail:",
                    width="stretch",
                )
            else:
                left.link_button(
                    "Email the pair",
                    links.mailto([row.mentor_email, row.mentee_email], "Checking in", ""),
                    icon=":material/mail:",
                    width="stretch",
                )
            concern_id = int(row.concern_id)
            right.button(
                "Mark resolved",
                key=f"resolve-{concern_id}",
                width="stretch",
                on_click=run_write,
                args=(
                    partial(services.resolve_concern, ctx.engine, actor=ctx.user, concern_id=concern_id),
                    "Marked resolved.",
                ),
            )


def _log_meeting(ctx: PageContext) -> None:
    state = st.session_state
    if state.get("log-pair") is None:
        st.toast("Choose the pair that met.", icon=":material/block:")
        return

    logged = run_write(
        partial(
            services.log_meeting,
            ctx.engine,
            actor=ctx.user,
            match_id=state["log-pair"],
            met_on=state["log-date"],
            format=state["log-format"],
            duration_minutes=state["log-minutes"],
            notes=state["log-note"],
            today=ctx.today,
        ),
        "Meeting logged.",
    )
    if logged:
        state["log-pair"], state["log-minutes"], state["log-note"] = None, None, ""


def log_meeting_form(ctx: PageContext, pairs: pd.DataFrame) -> None:
    labels = kept_for(formatting.pair_labels, pairs)
    with st.form("log-meeting"):
        st.selectbox(
            "Pair",
            list(labels),
            format_func=labels.__getitem__,
            index=None,
            key="log-pair",
            placeholder="Choose",
        )
        when, how, minutes = st.columns(3)
        when.date_input("Date met", value=ctx.today, max_value=ctx.today, key="log-date", format="YYYY-MM-DD")
        how.selectbox(
            "Format", values.MEETING_FORMATS, format_func=formatting.FORMAT_LABELS.get, key="log-format"
        )
        minutes.number_input(
            "Minutes (optional)", min_value=1, max_value=600, value=None, step=5, key="log-minutes"
        )
        st.text_area("Note (optional)", max_chars=services.MAX_MEETING_NOTE, key="log-note")
        st.form_submit_button("Log meeting", type="primary", on_click=_log_meeting, args=(ctx,))


THRESHOLD_KEYS = {"new_days": "t-new", "on_track_days": "t-on-track", "due_days": "t-due"}


def _save_thresholds(ctx: PageContext, thresholds: CadenceThresholds | None = None) -> None:
    """Save the form's thresholds, or `thresholds` (the defaults) and show them in the form."""
    state = st.session_state
    chosen = thresholds or CadenceThresholds(**{field: state[key] for field, key in THRESHOLD_KEYS.items()})
    saved = run_write(
        partial(services.set_cadence_thresholds, ctx.engine, actor=ctx.user, thresholds=chosen),
        "Thresholds saved.",
    )
    if saved and thresholds is not None:
        for field, key in THRESHOLD_KEYS.items():
            state[key] = getattr(thresholds, field)


def threshold_editor(ctx: PageContext, current: CadenceThresholds) -> None:
    for field, key in THRESHOLD_KEYS.items():
        st.session_state.setdefault(key, getattr(current, field))
    with st.form("cadence-thresholds"):
        new, on_track, due = st.columns(3)
        new.number_input("New: not met, paired at most (days ago)", min_value=1, max_value=730, key="t-new")
        on_track.number_input(
            "On track: last met at most (days ago)", min_value=1, max_value=730, key="t-on-track"
        )
        due.number_input("Due: last met at most (days ago)", min_value=1, max_value=730, key="t-due")
        st.form_submit_button("Save thresholds", on_click=_save_thresholds, args=(ctx,))
    defaults = CadenceThresholds()
    st.button(
        f"Reset to the defaults ({defaults.new_days}, {defaults.on_track_days}, {defaults.due_days} days)",
        key="reset-thresholds",
        on_click=_save_thresholds,
        args=(ctx, defaults),
    )
