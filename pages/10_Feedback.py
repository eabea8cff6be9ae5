"""Feedback: what mentors and mentees say in the surveys (the committee sees aggregates only)."""

import streamlit as st

from mentorship import formatting, queries
from mentorship.ui import cached_read, page_setup
from mentorship.ui import feedback as feedback_ui

ctx = page_setup("feedback")
st.title("Feedback")
st.caption(
    "What mentors and mentees answer in the surveys at 30 days, mid-year and one year. Agreeing is a 4 or 5 "
    "of 5; every share has its 95% interval (Wilson). Figures on fewer than 5 answers are not shown."
)

view = cached_read(ctx, queries.feedback_view, ctx.user.role, ctx.today)
if view.empty:
    st.info(
        "No survey has been sent yet. The program leader turns the surveys on in Messages → Schedule "
        "(Survey: getting started, mid-year, one year; or `outbox enable survey-start --as EMAIL`), or "
        "copies a person's survey link from their pair on the Cadence page. Figures appear here as answers "
        "come in.",
        icon=":material/info:",
    )
    st.stop()
if caption := view.as_of.caption():
    st.caption(caption)

if view.as_of.day is not None:
    st.header("Response rates")
    st.dataframe(formatting.feedback_rates(view.rates), hide_index=True, width="stretch")

    st.header("Statements")
    feedback_ui.statements(view)

    st.header("Meeting, and going on")
    if len(view.yes):
        st.dataframe(formatting.feedback_shares(view.yes, yes=True), hide_index=True, width="stretch")
    if view.few_yes:
        st.caption(f"Fewer than 5 answers so far, not shown: {formatting.answer_labels(view.few_yes)}.")

    st.header("Would you recommend the program?")
    if view.recommendation is not None:
        st.metric("Recommendation score", formatting.recommendation_text(view.recommendation), border=True)
        st.caption("The share answering 9–10 less the share answering 0–6, in points from −100 to +100.")
    else:
        st.info("Fewer than 5 answers so far.", icon=":material/visibility_off:")

    st.header("Comparisons")
    feedback_ui.comparisons(view)

if view.attention is not None:
    st.header("Responses needing attention")
    st.caption("The last 90 days: a 1 or 2 on respect or a safe space, or a request to be contacted.")
    if view.attention.empty:
        st.success("No recent response asks for attention.", icon=":material/check_circle:")
    else:
        st.dataframe(formatting.feedback_list(view.attention), hide_index=True, width="stretch")
if view.why_ended is not None and len(view.why_ended):
    st.header("Why pairs ended, in their words")
    st.dataframe(formatting.feedback_list(view.why_ended), hide_index=True, width="stretch")
