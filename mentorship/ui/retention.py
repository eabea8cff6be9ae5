"""The leader's write controls on the Retention page: the one-year decision and mentee outcomes."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mentorship import formatting, retention, services
from mentorship.errors import Refused, UnusableInput
from mentorship.ui.core import PageContext, after_write


def _record_decision(ctx: PageContext) -> None:
    state = st.session_state
    try:
        result = services.decide(
            ctx.engine,
            actor=ctx.user,
            decision=state["decide-decision"],
            today=ctx.today,
            match_id=state["decide-pair"],
            reason=state["decide-reason"],
            note=state["decide-note"],
            on=state["decide-on"],
        )
    except (Refused, UnusableInput) as exc:
        st.toast(str(exc), icon=":material/block:")
        return
    after_write()
    state["decide-note"] = ""
    st.toast(formatting.decision_recorded(result), icon=":material/check_circle:")


def decision_form(ctx: PageContext, due: pd.DataFrame) -> None:
    """Record one due pair's decision: continue, complete, or end with a reason (services check the rules)."""
    pair_labels = formatting.due_pair_labels(due)
    with st.form("decide", border=True):
        st.selectbox("Pair", list(pair_labels), format_func=pair_labels.get, key="decide-pair")
        st.segmented_control(
            "Decision",
            list(services.Decision),
            default=services.Decision.continue_,
            key="decide-decision",
            format_func=formatting.DECISION_LABELS.get,
            required=True,
        )
        left, right = st.columns(2)
        left.selectbox(
            "Reason (ending only)",
            [None, *retention.END_CHOICES],
            key="decide-reason",
            format_func=lambda r: "—" if r is None else retention.END_REASON_LABELS[r],
        )
        right.date_input("Takes effect on", value=ctx.today, max_value=ctx.today, key="decide-on")
        st.text_input("Note (when the reason is Other)", max_chars=services.NOTE_MAX, key="decide-note")
        st.form_submit_button("Record decision", type="primary", on_click=_record_decision, args=(ctx,))


def _save_outcomes(ctx: PageContext, mentee_id: int) -> None:
    values = {stage: st.session_state[f"outcome-{stage}-{mentee_id}"] for stage in retention.OUTCOME_STAGES}
    try:
        services.record_outcomes(ctx.engine, actor=ctx.user, mentee_id=mentee_id, outcomes=values)
    except (Refused, UnusableInput) as exc:
        st.toast(str(exc), icon=":material/block:")
        return
    after_write()
    st.toast("Outcomes saved.", icon=":material/check_circle:")


def outcomes_form(ctx: PageContext, outcomes: pd.DataFrame) -> None:
    """Pick a mentee who has had a pair, then set what is known of their applications."""
    people = formatting.mentee_labels(outcomes)
    mentee_id = st.selectbox("Mentee", list(people), format_func=people.get, key="outcome-mentee")
    current = outcomes.set_index("mentee_id").loc[mentee_id]
    choices = list(formatting.OUTCOME_CHOICES)
    with st.form(f"outcomes-{mentee_id}", border=False):
        for column, stage in zip(st.columns(4), retention.OUTCOME_STAGES, strict=True):
            column.selectbox(
                stage.capitalize(),
                choices,
                index=choices.index(current[stage]),
                format_func=formatting.OUTCOME_CHOICES.get,
                key=f"outcome-{stage}-{mentee_id}",
            )
        st.form_submit_button("Save outcomes", on_click=_save_outcomes, args=(ctx, mentee_id))
