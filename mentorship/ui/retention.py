"""The Retention page's drawing helpers and the leader's controls: decisions, ending a pair, outcomes."""

from __future__ import annotations

from functools import partial

import pandas as pd
import streamlit as st

from mentorship import charts, formatting, retention, services
from mentorship.ui.core import PageContext, kept_chart, run_write

# What everyone sees
WITHHELD_NOTE = (
    f"{retention.WITHHELD.capitalize()}: a figure on 5 or more pairs, held back so that one on fewer than 5 "
    "cannot be worked out by subtracting the others from the total."
)


def survival_tabs(ctx: PageContext, report: retention.Report) -> None:
    """Survival curves overall and by group (the groups the viewer may see), each breakdown with its table."""
    role = ctx.user.role
    breakdowns = {  # tab: (groups, the table's first column, the chart's title)
        "All pairs": ([report.overall], "", "Pairs still going, by months since confirmation"),
        "By cohort": (report.by_cohort, "Cohort", "Pairs still going, by the year they were confirmed"),
        "By BIPOC-mentor request": (
            report.by_concordance,
            "Request",
            "Pairs still going, by BIPOC-mentor request",
        ),
        "By format": (report.by_format, "Usual format", "Pairs still going, by the format they met in most"),
    }
    for tab, (groups, column, title) in zip(st.tabs(list(breakdowns)), breakdowns.values(), strict=True):
        masks = retention.group_masks(groups, report.overall, role)
        curves = retention.visible_curves(groups, masks)
        if len(curves):
            kept_chart(charts.survival_curves, curves, title, where=tab)
        elif any(m.pairs == retention.WITHHELD for m in masks):
            tab.info(
                "No group here can be drawn without giving away one of fewer than 5 pairs.",
                icon=":material/visibility_off:",
            )
        else:
            tab.info(
                f"Every group here has {retention.FEWER_THAN_5} pairs.", icon=":material/visibility_off:"
            )
        if column:
            tab.dataframe(
                formatting.retention_groups(groups, column, masks), hide_index=True, width="stretch"
            )
            if any(retention.WITHHELD in (m.pairs, m.one_year_completion, m.continuation) for m in masks):
                tab.caption(WITHHELD_NOTE)


def end_reasons(ctx: PageContext, reasons: pd.DataFrame) -> None:
    """Why pairs end: the counts the viewer may see as a chart, the others named in a caption."""
    role = ctx.user.role
    if reasons.empty:
        st.info("No pair has ended yet.", icon=":material/info:")
        return
    shown, few, withheld = retention.visible_reasons(reasons, role)
    if len(shown):
        kept_chart(charts.end_reasons, shown)
    if few:
        st.caption(f"{retention.FEWER_THAN_5.capitalize()} pairs each: {', '.join(few)}.")
    if withheld:
        st.caption(f"Withheld, so that those cannot be worked out from the total: {', '.join(withheld)}.")


def cohort_yield(ctx: PageContext, rows: pd.DataFrame) -> None:
    """Mentee outcomes by cohort, for the cohorts and stages with enough outcomes recorded for the viewer."""
    role = ctx.user.role
    known = rows[rows["recorded"] > 0]
    if known.empty:
        st.info("No mentee outcomes are recorded yet.", icon=":material/info:")
        return
    shown, few = retention.visible_counts(known, role, label="cohort", count="recorded")
    if len(shown):
        kept_chart(charts.cohort_yield, shown)
    if few:
        cohorts = ", ".join(map(str, sorted(set(few))))
        st.caption(
            f"{retention.FEWER_THAN_5.capitalize()} outcomes recorded at some stages: cohorts {cohorts}."
        )


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


def _save_outcomes(ctx: PageContext, mentee_id: int) -> None:
    values = {stage: st.session_state[f"outcome-{stage}-{mentee_id}"] for stage in retention.OUTCOME_STAGES}
    run_write(
        partial(services.record_outcomes, ctx.engine, actor=ctx.user, mentee_id=mentee_id, outcomes=values),
        "Outcomes saved.",
    )


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
