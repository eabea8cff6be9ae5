"""Retention: how long pairs last, for whom, and why they end; the one-year decisions."""

import streamlit as st

from mentorship import charts, formatting, queries, retention
from mentorship.db import read_session
from mentorship.privacy import viewer_frame
from mentorship.ui import page_setup
from mentorship.ui import retention as retention_ui

ctx = page_setup("Retention", ":material/timeline:")
role, leader = ctx.user.role, ctx.user.is_leader
st.title("Retention")
st.caption(
    "How long pairs last from confirmation, for whom, and why they end. Open pairs count for as long as "
    "they have lasted so far. A month is 30.44 days; the shaded band is the 95% confidence band."
)

with read_session(ctx.engine) as session:
    data = queries.retention_data(session, ctx.today)
report = data.report
if report.overall.pairs == 0:
    st.info("No pair has been confirmed yet, so there is nothing to measure.", icon=":material/info:")
    st.stop()

for column, figure in zip(st.columns(4), formatting.retention_figures(report, role), strict=True):
    column.metric(figure.label, figure.value, help=figure.help, border=True)
    column.caption(figure.behind)


def survival(tab, groups: list[retention.GroupFigures], column: str, title: str) -> None:
    curves = retention.visible_curves(groups, role)
    if len(curves):
        tab.altair_chart(charts.survival_curves(curves, title), width="stretch")
    else:
        tab.info(f"Every group here has {retention.FEWER_THAN_5} pairs.", icon=":material/visibility_off:")
    if column:
        tab.dataframe(formatting.retention_groups(groups, role, column), hide_index=True, width="stretch")


overall, cohort, concordance, meeting = st.tabs(
    ["All pairs", "By cohort", "By BIPOC-mentor request", "By format"]
)
survival(overall, [report.overall], "", "Pairs still going, by months since confirmation")
survival(cohort, report.by_cohort, "Cohort", "Pairs still going, by the year they were confirmed")
survival(concordance, report.by_concordance, "Request", "Pairs still going, by BIPOC-mentor request")
survival(meeting, report.by_format, "Usual format", "Pairs still going, by the format they met in most")

reasons, few = retention.visible_counts(report.end_reasons, role, label="reason", count="pairs")
if len(reasons):
    st.altair_chart(charts.end_reasons(reasons), width="stretch")
if few:
    st.caption(f"{retention.FEWER_THAN_5.capitalize()} pairs each: {', '.join(few)}.")
if report.end_reasons.empty:
    st.info("No pair has ended yet.", icon=":material/info:")


st.subheader("One-year decisions due")
due = report.decisions_due
if due.empty:
    st.success("No pair is waiting for its one-year decision.", icon=":material/check_circle:")
else:
    st.dataframe(
        viewer_frame(due[formatting.DUE_COLUMNS], role),
        hide_index=True,
        width="stretch",
        column_config=formatting.DUE_COLUMN_CONFIG,
    )
if leader and not due.empty:
    retention_ui.decision_form(ctx, due)

st.subheader("Mentee outcomes by cohort")
known = data.cohort_yield[data.cohort_yield["recorded"] > 0]
shown, few = retention.visible_counts(known, role, label="cohort", count="recorded")
if len(shown):
    st.altair_chart(charts.cohort_yield(shown), width="stretch")
if few:
    cohorts = ", ".join(map(str, sorted(set(few))))
    st.caption(f"{retention.FEWER_THAN_5.capitalize()} outcomes recorded at some stages: cohorts {cohorts}.")
if known.empty:
    st.info("No mentee outcomes are recorded yet.", icon=":material/info:")


if leader and len(data.outcomes):
    with st.expander("Record a mentee's outcomes", icon=":material/school:"):
        retention_ui.outcomes_form(ctx, data.outcomes)
