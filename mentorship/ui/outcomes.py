"""The Outcomes page's drawing helpers: the funnel by registration year and the comparisons, each chart with
its numbers."""

from __future__ import annotations

import streamlit as st

from mentorship import charts, formatting, milestones, privacy, queries
from mentorship.ui.plots import plot


def funnel(view: queries.OutcomesView) -> None:
    """The funnel chart (the years' counts the viewer may see) and, beside its numbers, the table with the
    mentees of no known status and the hidden counts in words."""
    if len(view.funnel):
        plot(charts.outcomes_funnel, view.funnel, view.cohorts)
    else:
        st.info("Every count is on fewer than 5 mentees so far.", icon=":material/visibility_off:")
    st.dataframe(formatting.outcome_cohorts(view.cohorts), hide_index=True, width="stretch")
    st.caption(
        "A mentee counts in a stage when any step at or past it is recorded (an acceptance counts as applied "
        "and interviewed too; reapplying counts as applied). No known status: no step recorded at all; "
        "these mentees are never counted as not having applied. Choosing another health profession or "
        "leaving the pre-med path makes a status known without reaching a stage."
    )
    if view.cohorts.isin([privacy.FEWER_THAN_5, privacy.WITHHELD]).any().any():
        st.caption(
            "“fewer than 5”: a count on fewer than 5 mentees, not shown; “withheld”: a larger count left "
            "out so that a hidden one cannot be worked out from the All years row."
        )


def comparisons(view: queries.OutcomesView) -> None:
    """The groups of 5 or more mentees of known status, with their 95% intervals, and the groups left out."""
    st.caption(milestones.ASSOCIATIONS)
    if len(view.comparisons):
        plot(charts.outcomes_comparisons, view.comparisons)
    else:
        st.info(
            f"Nothing to compare yet: a group is shown only when at least {privacy.MIN_COMPARED_MENTEES} of "
            "its mentees have a known status.",
            icon=":material/visibility_off:",
        )
    if len(view.too_few):
        groups = ", ".join(sorted(set(view.too_few["group"])))
        st.caption(f"Fewer than {privacy.MIN_COMPARED_MENTEES} mentees of known status, not shown: {groups}.")
