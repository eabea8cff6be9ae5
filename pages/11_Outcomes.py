"""Outcomes: what became of the mentees on the path to medical school, by the year they registered."""

import streamlit as st

from mentorship import queries
from mentorship.ui import cached_read, page_setup
from mentorship.ui import outcomes as outcomes_ui
from mentorship.ui.report import report_download

ctx = page_setup("outcomes")
st.title("Outcomes")
st.caption(
    "For each registration year, how many mentees were paired, had a year with a mentor, applied to medical "
    "school, interviewed, were accepted and matriculated, and how many have no known status."
)

view = cached_read(ctx, queries.outcomes_view, ctx.today, ctx.user.role)
if view.empty:
    st.info("No mentee has registered yet, so there is no path to show.", icon=":material/info:")
    st.stop()
if caption := view.as_of.caption():
    st.caption(caption)

if view.as_of.day is not None:
    st.header("The path to medical school")
    outcomes_ui.funnel(view)

    st.header("Comparisons")
    outcomes_ui.comparisons(view)

if ctx.user.is_leader:
    st.header("The year's report")
    st.caption(
        "One file for the program's partners, holding only what the committee may see: no name, contact, "
        "free text or small group. It prints to a clean PDF from the browser."
    )
    report_download(ctx)
