"""The Retention page's drawing helpers and the leader's controls: decisions, ending a pair."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from mentorship import charts, formatting, privacy, queries, retention, services
from mentorship.ui.core import PageContext, run_write
from mentorship.ui.plots import plot

# What everyone sees
WITHHELD_NOTE = (
    f"{privacy.WITHHELD.capitalize()}: a figure on 5 or more pairs, held back so that one on fewer than 5 "
    "cannot be worked out by subtracting the others from the total."
)


def survival_tabs(breakdowns: dict[str, queries.RetentionBreakdown]) -> None:
    """Survival curves overall and by group (the groups the viewer may see), each breakdown with its table."""
    for tab, shown in zip(st.tabs(list(breakdowns)), breakdowns.values(), strict=True):
        if len(shown.curves):
            plot(charts.survival_curves, shown.curves, shown.title, where=tab)
        elif shown.as_of and shown.as_of.day is None:
            pass  # nothing released yet: its caption below says so
        elif shown.group_withheld:
            tab.info(
                "No group here can be drawn without giving away one of fewer than 5 pairs.",
                icon=":material/visibility_off:",
            )
        else:
            tab.info(f"Every group here has {privacy.FEWER_THAN_5} pairs.", icon=":material/visibility_off:")
        if shown.table is not None:
            tab.dataframe(shown.table, hide_index=True, width="stretch")
            if shown.figure_withheld:
                tab.caption(WITHHELD_NOTE)
        if shown.as_of and (as_of := shown.as_of.caption()):
            tab.caption(as_of)


def end_reasons(view: queries.RetentionView) -> None:
    """Why pairs end: the counts the viewer may see as a chart, the others named in a caption."""
    if not view.any_ended:
        st.info("No pair has ended yet.", icon=":material/info:")
        return
    if as_of := view.reasons_as_of.caption():
        st.caption(as_of)
    if len(view.end_reasons):
        plot(charts.end_reasons, view.end_reasons)
    if view.few_reasons:
        st.caption(f"{privacy.FEWER_THAN_5.capitalize()} pairs each: {', '.join(view.few_reasons)}.")
    if view.withheld_reasons:
        withheld = ", ".join(view.withheld_reasons)
        st.caption(f"Withheld, so that those cannot be worked out from the total: {withheld}.")


# The leader's controls
def _decide(ctx: PageContext, form: str) -> None:
    """Submit `form`: "decide" (a due pair's decision) or "end" (ending any open pair)."""
    state = st.session_state
    if state[f"{form}-pair"] is None:
        st.toast("Choose the pair first.", icon=":material/block:")
        return
    recorded = run_write(
        partial(
            services.decide,
            ctx.engine,
            actor=ctx.user,
            decision=state.get(f"{form}-decision", services.Decision.end),
            today=ctx.today,
            match_id=state[f"{form}-pair"],
            reason=state[f"{form}-reason"],
            note=state[f"{form}-note"],
            on=state[f"{form}-on"],
        ),
        formatting.decision_recorded,
    )
    if recorded:
        state[f"{form}-note"] = ""
        if form == "end":
            state["end-pair"] = state["end-reason"] = None


def _ending_inputs(ctx: PageContext, form: str, reason_label: str) -> None:
    left, right = st.columns(2)
    left.selectbox(
        reason_label,
        [None, *retention.END_CHOICES],
        key=f"{form}-reason",
        format_func=lambda r: "—" if r is None else retention.END_REASON_LABELS[r],
    )
    right.date_input("Takes effect on", value=ctx.today, max_value=ctx.today, key=f"{form}-on")
    st.text_input("Note (when the reason is Other)", max_chars=services.NOTE_MAX, key=f"{form}-note")


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
        _ending_inputs(ctx, "decide", "Reason (ending only)")
        st.form_submit_button("Record decision", type="primary", on_click=_decide, args=(ctx, "decide"))


def end_form(ctx: PageContext, pairs: pd.DataFrame) -> None:
    """End any open pair, whatever its age, with a reason (Other needs a note)."""
    pair_labels = formatting.due_pair_labels(pairs)  # "Mentor & Mentee (one-year mark …)"
    with st.form("end", border=False):
        st.selectbox(
            "Pair",
            list(pair_labels),
            format_func=pair_labels.get,
            index=None,
            placeholder="Choose the pair to end",
            key="end-pair",
        )
        _ending_inputs(ctx, "end", "Reason")
        st.form_submit_button("End the pair", type="primary", on_click=_decide, args=(ctx, "end"))
