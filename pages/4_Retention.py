"""Retention: how long pairs last, for whom, and why they end; the one-year decisions."""

import streamlit as st

from mentorship import formatting, queries
from mentorship.ui import cached_read, page_setup
from mentorship.ui import retention as retention_ui

ctx = page_setup("retention")
leader = ctx.user.is_leader
st.title("Retention")
st.caption(
    "How long pairs last from confirmation, for whom, and why they end. Open pairs count for as long as "
    "they have lasted so far. A month is 30.44 days; the shaded band is the 95% confidence band."
)

view = cached_read(ctx, queries.retention_view, ctx.today, ctx.user.role)
if view.empty:
    st.info("No pair has been confirmed yet, so there is nothing to measure.", icon=":material/info:")
    st.stop()

for column, figure in zip(st.columns(4), view.figures, strict=True):
    column.metric(figure.label, figure.value, help=figure.help, border=True)
    column.caption(figure.behind)
retention_ui.survival_tabs(view.breakdowns)
retention_ui.end_reasons(view)

st.header("One-year decisions due")
due = view.decisions_due
if due.empty:
    st.success("No pair is waiting for its one-year decision.", icon=":material/check_circle:")
else:
    st.dataframe(
        due[formatting.DUE_COLUMNS],
        hide_index=True,
        width="stretch",
        column_config=formatting.DUE_COLUMN_CONFIG,
    )
if leader and not due.empty:
    retention_ui.decision_form(ctx, due)
if leader and len(view.open_pairs):
    with st.expander("End a pair, before or after its year", icon=":material/link_off:"):
        st.caption("Its mentor's place is freed and its check-in link is closed.")
        retention_ui.end_form(ctx, view.open_pairs)

st.caption(
    "What became of the mentees (applied, interviewed, accepted, matriculated) is on the Outcomes page."
)
