"""The Feedback page's drawing helpers: the statements' shares, overall and compared, each chart with its
numbers."""

from __future__ import annotations

import streamlit as st

from mentorship import charts, feedback, formatting, queries
from mentorship.ui.plots import plot


def statements(view: queries.FeedbackView) -> None:
    """Each statement's share agreeing, with the statements of fewer than 5 responses named."""
    if len(view.statements):
        table = view.statements
        plot(
            charts.agreement,
            formatting.agreement_rows(table, None),
            formatting.feedback_shares(table),
            "Share agreeing",
            False,
        )
    else:
        st.info("No statement has 5 or more answers yet.", icon=":material/visibility_off:")
    if view.few_statements:
        st.caption(
            f"Fewer than 5 answers so far, not shown: {formatting.answer_labels(view.few_statements)}."
        )


def comparisons(view: queries.FeedbackView) -> None:
    """One tab per breakdown: the statements whose every group has at least 5 responses. Only the open tab
    is drawn (a chart's spec is most of what a view after a change costs)."""
    st.caption(feedback.ASSOCIATIONS)
    tabs = st.tabs([c.title for c in view.comparisons], on_change="rerun", key="feedback-comparison")
    for tab, compared in zip(tabs, view.comparisons, strict=True):
        if not tab.open:
            continue
        if len(compared.table):
            plot(
                charts.agreement,
                formatting.agreement_rows(compared.table, compared.by),
                formatting.feedback_shares(compared.table, compared.by),
                f"Share agreeing, {compared.title[0].lower()}{compared.title[1:]}",
                True,
                where=tab,
            )
        else:
            tab.info(
                f"Nothing to compare yet: a comparison is shown only when every group has at least "
                f"{feedback.MIN_GROUP} answers.",
                icon=":material/visibility_off:",
            )
        if compared.too_few:
            named = formatting.answer_labels(compared.too_few)
            tab.caption(f"Not compared, some group has fewer than {feedback.MIN_GROUP} answers: {named}.")
