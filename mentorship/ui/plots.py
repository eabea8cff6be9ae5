"""Drawing a chart with its numbers: the chart, and under it a table of what it draws, for anyone who
cannot see the chart (a screen reader, a keyboard) or wants the exact figures."""

from __future__ import annotations

import streamlit as st

from mentorship.charts import Plot


def plot(drawn: Plot, where=st) -> None:
    """`drawn` in `where` (the page, a tab or a column), with "Show the numbers" under it."""
    where.altair_chart(drawn.chart, width="stretch")
    with where.expander(f"Show the numbers: {drawn.title}", icon=":material/table:"):
        st.dataframe(drawn.numbers, hide_index=True, width="stretch")
