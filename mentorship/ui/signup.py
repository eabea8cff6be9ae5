"""The public registration page's widgets: the form (expectations, statement, fields, consent), and a
person's own link (confirm, update, withdraw). The words and rules are in `mentorship.signup`, the reads
in `queries`, the writes in `services.signups`.

Nothing typed here is ever drawn as markdown or HTML: answers go back into their own widgets, problems into
a table, and the only greeting is plain text.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from mentorship import clock, formatting, intake, outbox, queries, registrations, services, signup
from mentorship.errors import Refused
from mentorship.ui.core import client_address, read
from mentorship.ui.registrations import LABELS, field

log = logging.getLogger(__name__)
TITLES = {"mentors": "Register as a mentor", "mentees": "Register as a mentee"}
PROBLEM_LABELS = LABELS | {"consent": "Consent", "attests_values": "Values", "registration": "Registration"}
# The hidden field: filled in by form-filling bots, never by people. `display:none` takes it out of the Tab
# order and the accessibility tree too (moved off-screen only, a keyboard reached it and a screen reader read
# it out; `!important` over Streamlit's own display rule for the block). The CSS is ours, never user text.
HONEYPOT_CSS = "<style>.st-key-register-trap{display:none !important}</style>"


def _write(prefix: str, action: Callable[[], str]) -> bool:
    """Run one write from a callback and keep its outcome for the page: the sentence `action` returns, each
    field's problem, a rule's one sentence, or — for anything unexpected — one neutral sentence (only the
    error's type goes to the server's log, never data). Returns whether it was done."""
    state = st.session_state
    for outcome in ("errors", "problem", "done"):
        state.pop(f"{prefix}-{outcome}", None)
    try:
        state[f"{prefix}-done"] = action()
    except intake.InvalidRegistration as exc:
        state[f"{prefix}-errors"] = exc.errors
    except Refused as exc:
        state[f"{prefix}-problem"] = str(exc)
    except Exception as exc:  # the public page must not show a traceback or anything the store holds
        log.error("registration page: unexpected %s", type(exc).__name__)
        state[f"{prefix}-problem"] = signup.UNEXPECTED
    return f"{prefix}-done" in state


def _problems(errors: list[str]) -> pd.DataFrame:
    rows = registrations.error_rows(errors)
    rows["field"] = rows["field"].map(lambda c: PROBLEM_LABELS.get(c, c))
    return rows


def _show_outcome(prefix: str) -> None:
    state = st.session_state
    if problem := state.get(f"{prefix}-problem"):
        st.warning(problem, icon=":material/info:")
    if errors := state.get(f"{prefix}-errors"):
        st.error("Nothing was sent yet: please correct the answers named below.", icon=":material/error:")
        st.dataframe(_problems(errors), hide_index=True, width="stretch")


def _answers(kind: str, prefix: str) -> dict[str, str]:
    values = {c: st.session_state.get(f"{prefix}-{c}") for c in signup.form_columns(kind)}
    return registrations.form_cells(kind, values)


def _statement(kind: str, form: signup.FormState, prefix: str, attested: bool = False) -> None:
    if kind != "mentors":
        return
    st.header("The program's values")
    with st.container(border=True):
        st.text(form.statement)
    st.checkbox(
        "I attest that I hold these values, as stated above",
        value=attested,
        key=f"{prefix}-attest",
    )


# The form
def _send(engine: Engine, kind: str, version: int) -> None:
    state = st.session_state
    client = state.setdefault("register-client", secrets.token_hex(16))
    sent = _write(
        "register",
        lambda: (
            services.submit_registration(
                engine,
                kind=kind,
                cells=_answers(kind, "register"),
                consent=bool(state.get("register-consent")),
                attest=bool(state.get("register-attest")),
                statement_version=version,
                honeypot=str(state.get("register-hp") or ""),
                client=client,
                address=client_address(),
                now=clock.now(),
                today=clock.today(),
                mail=outbox.mail_configured(),
            ).message
        ),
    )
    if sent:  # an empty form for the next registration
        for column in (*signup.form_columns(kind), "consent", "attest", "hp"):
            state.pop(f"register-{column}", None)


def registration_form(engine: Engine, kind: str) -> None:
    form = read(engine, queries.form_state, kind)
    st.title(TITLES[kind])
    if not form.open:
        contact = f" Questions: {form.contact_email}" if form.contact_email else ""
        st.info(f"{signup.CLOSED}{contact}", icon=":material/schedule:")
        return
    if done := st.session_state.get("register-done"):
        st.success(done, icon=":material/check_circle:")
        if st.button("Send another registration"):
            st.session_state.pop("register-done", None)
            st.rerun()
        return
    st.markdown("**What the program asks of a pair**\n\n" + "\n".join(f"- {e}" for e in signup.EXPECTATIONS))
    _statement(kind, form, "register")
    st.html(HONEYPOT_CSS)  # before the form: the field is never drawn, even for a moment, without it
    with st.form("register", border=False, enter_to_submit=False):
        st.header("About you")
        empty = registrations.form_defaults(None, kind)
        for column in signup.form_columns(kind):
            field(st, kind, column, empty[column], f"register-{column}", clock.today())
            if column == "bipoc_mentor_preference":
                st.caption(signup.BIPOC_WAIT)
        with st.container(key="register-trap"):
            st.text_input("Website (leave this empty)", key="register-hp", label_visibility="collapsed")
        st.caption(
            signup.consent_notice(
                form.contact_email, mail=outbox.mail_configured(), yearly_update=form.yearly_update
            )
        )
        st.checkbox("I agree to the program keeping my answers as described above", key="register-consent")
        st.form_submit_button(
            "Send my registration",
            type="primary",
            on_click=_send,
            args=(engine, kind, form.statement_version),
        )
    _show_outcome("register")


# A person's own link
def _confirm(engine: Engine, token: str) -> None:
    def run() -> str:
        services.confirm_registration(
            engine, token=token, now=clock.now(), today=clock.today(), address=client_address()
        )
        return "Thank you: your registration is confirmed."

    _write("mine", run)


def _update(engine: Engine, token: str, kind: str, version: int) -> None:
    def run() -> str:
        changed = services.update_own_registration(
            engine,
            token=token,
            cells=_answers(kind, "mine"),
            attest=bool(st.session_state.get("mine-attest")),
            statement_version=version,
            now=clock.now(),
            today=clock.today(),
            address=client_address(),
        )
        return "Your changes are saved." if changed else "Saved: nothing had changed."

    _write("mine", run)


def _withdraw(engine: Engine, token: str) -> None:
    def run() -> str:
        services.withdraw_own_registration(engine, token=token, now=clock.now(), address=client_address())
        return "Your registration is withdrawn. Thank you for your interest in the program."

    _write("mine", run)


def _withdraw_pending(engine: Engine, token: str) -> None:
    def run() -> str:
        services.withdraw_own_registration(engine, token=token, now=clock.now(), address=client_address())
        return signup.PENDING_WITHDRAWN

    _write("mine", run)


def _pending(engine: Engine, token: str, state: signup.LinkState) -> None:
    """A waiting registration: what confirming would register (in words, as plain text in a table), then
    Confirm or Withdraw. Whoever typed the email may not own it, so nothing is confirmed unseen."""
    answers = read(engine, queries.pending_answers, state.signup_id)
    st.text(signup.PENDING_SHOWN)
    rows = [
        (PROBLEM_LABELS.get(column, column), str(formatting.choice_labels(column, answers.get(column, ""))))
        for column in signup.form_columns(state.kind)
        if answers.get(column)
    ]
    st.dataframe(pd.DataFrame(rows, columns=["Question", "Answer"]), hide_index=True)
    st.text(signup.PENDING_NOT_MINE)
    st.button("Confirm my registration", type="primary", on_click=_confirm, args=(engine, token))
    st.button("Withdraw this registration", on_click=_withdraw_pending, args=(engine, token))
    _show_outcome("mine")


def personal_link(engine: Engine, token: str) -> None:
    now = clock.now()
    state = read(engine, queries.link_state, token, now)
    person = (
        None
        if state is None or state.pending
        else read(engine, queries.own_registration, state.kind, state.person_id)
    )
    form = read(engine, queries.form_state, state.kind) if state else None
    st.title("Your registration")
    if done := st.session_state.get("mine-done"):
        st.success(done, icon=":material/check_circle:")
    if state is None:
        st.info(signup.INACTIVE_LINK, icon=":material/link_off:")
        return
    if state.pending:
        _pending(engine, token, state)
        return
    if person is None or state.person_status == "withdrawn":
        st.info("This registration is withdrawn or no longer kept.", icon=":material/info:")
        return
    st.text(f"Hi {person['first_name']}! Here you can update your details or withdraw.")
    _statement(state.kind, form, "mine", attested=person.get("values_version") == form.statement_version)
    defaults = registrations.form_defaults(person, state.kind)
    with st.form("mine", border=False, enter_to_submit=False):
        for column in signup.form_columns(state.kind):
            if column == "email":
                st.text_input("Email", value=defaults["email"], disabled=True, key="mine-email-shown")
                continue
            field(st, state.kind, column, defaults[column], f"mine-{column}", clock.today())
            if column == "bipoc_mentor_preference":
                st.caption(signup.BIPOC_WAIT)
        st.form_submit_button(
            "Save changes",
            type="primary",
            on_click=_update,
            args=(engine, token, state.kind, form.statement_version),
        )
    _show_outcome("mine")
    st.divider()
    st.button("Withdraw my registration", on_click=_withdraw, args=(engine, token))
