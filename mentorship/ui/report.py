"""The leader's "Download the year's report": a year, and a link to the signed-in download route."""

from __future__ import annotations

import streamlit as st

from mentorship import queries, web
from mentorship.ui.core import PageContext, read


def report_download(ctx: PageContext) -> None:
    """For the leader only (nothing for anyone else): choose a year, download its report. The file is made
    by the server's own route when this signed-in browser asks (never a `/media` address)."""
    if not ctx.user.is_leader:
        return
    years = read(ctx, queries.report_years, ctx.today)
    if not years:
        st.caption("The year's report can be made once someone has registered.")
        return
    year = st.selectbox("Year", years, key="report-year")
    st.link_button("Download the year's report", web.report_url(year), icon=":material/description:")
    st.caption(
        "One HTML file with the committee's figures only (no name, contact, free text or group of fewer than "
        "5), safe to forward to the program's partners. Open it in a browser and print it to PDF. A past "
        "year is counted as the committee's pages showed it on 1 January of the next year. To add a "
        "paragraph of your own at the top: `python -m mentorship report --year YYYY --out FILE.html "
        "--intro FILE`."
    )
