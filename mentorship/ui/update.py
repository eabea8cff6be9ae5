"""The public Update page: a mentee's yearly "Where are you now?" through their own link, and the yearly
mail's stop link. It shows the mentee's own first name and path (each step's label and date) and nothing
else: no other person, nothing of any pair. Nothing typed here is rendered as markdown or HTML (the school
goes only into a text field).
"""

from __future__ import annotations

from datetime import date

import streamlit as st
from sqlalchemy.engine import Engine

from mentorship import annual as rules
from mentorship import clock, milestones, queries, services
from mentorship.errors import Refused, UnusableInput
from mentorship.ui.core import client_address, read

OUTCOME = "update-outcome"
ROWS = "update-rows"
STOP_OUTCOME = "update-stop-outcome"
DATE_HELP = (
    "Any day will do where only a month or a year matters: for the MCAT, a day in the month of the test; for "
    "applying, a day in the application cycle's year; for starting medical school, a day in that year."
)


def _key(part: str, row: int) -> str:
    return f"update-{part}-{row}"


def _typed(rows: int) -> list[rules.Typed]:
    state = st.session_state
    typed = []
    for row in range(rows):
        kind = state.get(_key("kind", row))
        school = state.get(_key("school", row), "") if kind == milestones.WITH_SCHOOL else ""
        typed.append(rules.Typed(kind, state.get(_key("on", row)), school or ""))
    return typed


def _clear(rows: int) -> None:
    for row in range(rows):
        for part in ("kind", "on", "school"):
            st.session_state.pop(_key(part, row), None)
    st.session_state[ROWS] = 1


def _save(engine: Engine, token: str, *, nothing_new: bool) -> None:
    state = st.session_state
    rows = state.get(ROWS, 1)
    typed = [] if nothing_new else _typed(rows)
    if not nothing_new and not any(t.kind or t.on or t.school for t in typed):  # Save with nothing chosen
        state[OUTCOME] = ("warning", rules.NOTHING_TYPED)
        return
    try:
        receipt = services.submit_annual_update(
            engine,
            token=token,
            steps=typed,
            now=clock.now(),
            today=clock.today(),
            address=client_address(),
        )
    except (Refused, UnusableInput) as exc:
        state[OUTCOME] = ("warning", str(exc))
        return
    closes = f"{receipt.closes_at:%B %d, %Y}"
    if receipt.steps == 0:
        state[OUTCOME] = ("success", rules.NOTHING_NEW.format(closes=closes))
    else:
        added = f"{receipt.steps} step" + ("" if receipt.steps == 1 else "s")
        state[OUTCOME] = ("success", rules.SAVED.format(added=added, closes=closes))
    _clear(rows)


def _more() -> None:
    st.session_state[ROWS] = min(st.session_state.get(ROWS, 1) + 1, rules.MAX_STEPS)


def _stop(engine: Engine, token: str) -> None:
    try:
        fresh = services.stop_yearly_updates(engine, token=token, now=clock.now(), address=client_address())
    except Refused as exc:
        st.session_state[STOP_OUTCOME] = ("warning", str(exc))
        return
    st.session_state[STOP_OUTCOME] = ("success", rules.STOPPED if fresh else rules.ALREADY_STOPPED)


def _show(key: str) -> None:
    if key in st.session_state:
        kind, message = st.session_state[key]
        (st.success if kind == "success" else st.warning)(message)


def _step_row(row: int, today: date) -> None:
    what, when, school = st.columns([3, 2, 3])
    kind = what.selectbox(
        f"Step {row + 1}: what happened",
        milestones.KINDS,
        index=None,
        format_func=milestones.LABELS.get,
        placeholder="Choose a step",
        key=_key("kind", row),
    )
    when.date_input(
        f"Step {row + 1}: when",
        value=None,
        min_value=milestones.EARLIEST,
        max_value=date(today.year + 1, 12, 31),  # a day after today is refused in words, not silently
        format="YYYY-MM-DD",
        help=DATE_HELP,
        key=_key("on", row),
    )
    if kind == milestones.WITH_SCHOOL:
        school.text_input(
            f"Step {row + 1}: medical school", max_chars=milestones.SCHOOL_MAX, key=_key("school", row)
        )


def update_page(engine: Engine, token: str) -> None:
    """The page a yearly update link opens: that mentee's path so far, and what happened since."""
    page = read(engine, queries.update_page, token, clock.now())
    if page is None:  # unknown, replaced or closed: one sentence, and nothing else
        st.info(rules.CLOSED, icon=":material/link_off:")
        return
    st.title("Where are you now?")
    st.text(
        f"Hi {page.first_name}! Once a year the program asks where you are on the path to medical school. "
        "Add what has happened since, or tell us nothing is new."
    )
    st.caption(rules.PRIVACY_NOTE)
    st.header("Your path so far")
    if page.path:
        st.text("\n".join(f"{label}: {on:%Y-%m-%d}" for label, on in page.path))
    else:
        st.text("Nothing recorded yet.")
    st.header("Since then")
    today = clock.today()
    for row in range(st.session_state.get(ROWS, 1)):
        _step_row(row, today)
    left, middle, right = st.columns(3)
    left.button("Add another step", on_click=_more, disabled=st.session_state.get(ROWS, 1) >= rules.MAX_STEPS)
    middle.button("Save", type="primary", on_click=_save, args=(engine, token), kwargs={"nothing_new": False})
    right.button("Nothing new since then", on_click=_save, args=(engine, token), kwargs={"nothing_new": True})
    _show(OUTCOME)
    st.caption(f"This link works until {page.closes_at:%B %d, %Y}.")
    st.header("The yearly emails")
    if page.stopped:
        st.text("You have stopped the yearly emails: this is the last one you were sent.")
    else:
        st.button("Stop these yearly emails", on_click=_stop, args=(engine, token))
    _show(STOP_OUTCOME)


def stop_page(engine: Engine, token: str) -> None:
    """The page a yearly mail's stop link opens: it names the one mentee it was made for, and stops only
    theirs, once they press the button (a mail scanner that opens the link stops nothing)."""
    person = read(engine, queries.yearly_stop_person, token, clock.now())
    if person is None:  # unknown or older than a year: one sentence, and nothing else
        st.info(rules.STOP_INACTIVE, icon=":material/link_off:")
        return
    first_name, stopped = person
    st.title("Stop the yearly emails")
    st.text(
        f"Hi {first_name}! This stops the program's yearly “Where are you now?” emails to you. The program "
        "leader can still write to you."
    )
    if stopped and STOP_OUTCOME not in st.session_state:
        st.text(rules.ALREADY_STOPPED)
        return
    st.button("Stop these yearly emails", type="primary", on_click=_stop, args=(engine, token))
    _show(STOP_OUTCOME)
