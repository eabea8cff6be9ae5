"""A mentee's path to medical school on their record in Registrations (the leader): the milestones recorded,
one added, one recorded in error removed. The rules are `milestones.check`'s (through
`services.record_milestone`); the read is `queries.mentee_milestones`, which gives other roles no row.
Widgets have stable keys: `milestone-<mentee id>-<what>`.
"""

from __future__ import annotations

import streamlit as st

from mentorship import clock, formatting, queries, services
from mentorship import milestones as rules
from mentorship.errors import Refused, UnusableInput
from mentorship.ui.core import PageContext, read

FIELDS = ("kind", "on", "school", "note")
COLUMN_CONFIG = {
    "milestone": st.column_config.TextColumn("Milestone"),
    "on": st.column_config.DateColumn("Date", format="YYYY-MM-DD"),
    "school": st.column_config.TextColumn("School"),
    "note": st.column_config.TextColumn("Note", width="large"),
    "source": st.column_config.TextColumn("From"),
    "recorded_at": st.column_config.TextColumn("Recorded"),  # in the program's zone, naming it
}


DATE_HELP = "; ".join(f"{rules.LABELS[kind]}: {means}" for kind, means in rules.DATE_MEANS.items()) + "."


def _key(mentee_id: int, what: str) -> str:
    return f"milestone-{mentee_id}-{what}"


def _add(ctx: PageContext, mentee_id: int) -> None:
    state = st.session_state
    answers = {f: state.get(_key(mentee_id, f)) for f in FIELDS}
    kind = answers["kind"] or ""
    try:
        changed = services.record_milestone(
            ctx.engine,
            actor=ctx.user,
            mentee_id=mentee_id,
            kind=kind,
            on=answers["on"],
            school=(answers["school"] or "") if kind == rules.WITH_SCHOOL else "",
            note=answers["note"] or "",
            today=ctx.today,
            now=clock.now(),
        )
    except (Refused, UnusableInput) as exc:
        state[_key(mentee_id, "error")] = str(exc)  # the form keeps what was typed
        return
    state.pop(_key(mentee_id, "error"), None)
    for f in FIELDS:
        state.pop(_key(mentee_id, f), None)  # an empty form for the next one
    label = rules.LABELS[kind]
    st.toast(f"Recorded: {label}." if changed else f"{label} was recorded already.", icon=":material/flag:")


def _remove(ctx: PageContext, mentee_id: int) -> None:
    milestone_id = st.session_state.get(_key(mentee_id, "remove-pick"))
    try:
        services.remove_milestone(ctx.engine, actor=ctx.user, milestone_id=milestone_id)
    except Refused as exc:
        st.toast(str(exc), icon=":material/block:")
        return
    st.toast("The milestone is removed.", icon=":material/delete:")


def panel(ctx: PageContext, mentee_id: int) -> None:
    """The mentee's milestones (what, when, school, where it came from, when recorded), a form to add one and
    a way to remove one recorded in error."""
    st.markdown("**Path to medical school**")
    recorded = read(ctx, queries.mentee_milestones, mentee_id, ctx.user.role)
    if recorded.empty:
        st.caption("No milestone is recorded for this mentee.")
    else:
        st.dataframe(
            formatting.with_moments(recorded.drop(columns="id"), "recorded_at"),
            hide_index=True,
            column_config=COLUMN_CONFIG,
            width="stretch",
            key=_key(mentee_id, "table"),
        )
    kind_column, on_column, school_column = st.columns(3)
    kind = kind_column.selectbox(
        "Milestone",
        rules.KINDS,
        index=None,
        format_func=rules.LABELS.get,
        placeholder="Choose a milestone",
        key=_key(mentee_id, "kind"),
    )
    on_column.date_input(
        "Date",
        value=None,
        max_value=ctx.today,
        min_value=rules.EARLIEST,
        help=DATE_HELP,  # one text whatever the milestone: a widget whose help changes may lose its value
        key=_key(mentee_id, "on"),
    )
    if kind == rules.WITH_SCHOOL:
        school_column.text_input("School", max_chars=rules.SCHOOL_MAX, key=_key(mentee_id, "school"))
    st.text_input(
        "Note (the leader's; never shown to the committee)",
        max_chars=rules.NOTE_MAX,
        key=_key(mentee_id, "note"),
    )
    st.button(
        "Record milestone",
        icon=":material/flag:",
        key=_key(mentee_id, "add"),
        on_click=_add,
        args=(ctx, mentee_id),
    )
    if error := st.session_state.get(_key(mentee_id, "error")):
        st.error(f"{error} Nothing was recorded.", icon=":material/error:")
    if recorded.empty:
        return
    labels = {
        int(r["id"]): f"{r['milestone']}, {r['on']:%Y-%m-%d} (from {r['source']})"
        for _, r in recorded.iterrows()
    }
    pick, button = st.columns([3, 1], vertical_alignment="bottom")
    pick.selectbox(
        "Recorded in error", list(labels), format_func=labels.get, key=_key(mentee_id, "remove-pick")
    )
    button.button("Remove milestone", key=_key(mentee_id, "remove"), on_click=_remove, args=(ctx, mentee_id))
