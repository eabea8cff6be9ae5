"""Drawing a chart with its numbers: the chart, and under it a table of what it draws, for anyone who
cannot see the chart (a screen reader, a keyboard) or wants the exact figures."""

from __future__ import annotations

import copy
import hashlib
import pickle
from collections.abc import Callable

import streamlit as st

from mentorship.charts import Plot
from mentorship.ui import kept


def plot(build: Callable[..., Plot], *data: object, where=st, **options: object) -> None:
    """`build(*data, **options)` in `where` (the page, a tab or a column), with "Show the numbers" under it.

    `build` is a pure function of what it is given (what the viewer may see, already cut to their role); the
    chart is turned into Vega-Lite only when that changes, kept by the builder and the data's content, so a
    chart whose data a change did not touch (the survival curves when a meeting is logged) is not made again.
    Making the spec costs more than the rest of a page.
    """
    name = f"{build.__module__}.{build.__qualname__}"
    question = (name, hashlib.blake2b(pickle.dumps((data, sorted(options.items())))).digest())
    spec, numbers, title = kept.charts.get(question, "", lambda: _made(build(*data, **options)))
    where.vega_lite_chart(spec=copy.deepcopy(spec), width="stretch")
    with where.expander(f"Show the numbers: {title}", icon=":material/table:"):
        st.dataframe(numbers, hide_index=True, width="stretch")


def _made(drawn: Plot) -> tuple[dict, object, str]:
    # Exactly what st.altair_chart sends (its data as Arrow), made once instead of on every run.
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    return _convert_altair_to_vega_lite_spec(drawn.chart), drawn.numbers, drawn.title
