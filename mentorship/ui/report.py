"""The leader's "Download the year's report": a year, the leader's own paragraph for it, and a link to the
signed-in download route."""

from __future__ import annotations

from functools import partial

import streamlit as st

from mentorship import queries, report, services, web
from mentorship.ui.core import PageContext, read, run_write


def _save(ctx: PageContext, year: int) -> None:
    run_write(
        partial(
            services.save_report_intro,
            ctx.engine,
            actor=ctx.user,
            year=year,
            text=st.session_state[f"report-intro-{year}"],
        ),
        f"The paragraph for {year} is saved: it opens that year's report.",
    )


def report_download(ctx: PageContext) -> None:
    """For the leader only (nothing for anyone else): choose a year, write a paragraph for its report if
    wanted, download it. The file is made by the server's own route when this signed-in browser asks
    (never a `/media` address)."""
    if not ctx.user.is_leader:
        return
    years = read(ctx, queries.report_years, ctx.today)
    if not years:
        st.caption("The year's report can be made once someone has registered.")
        return
    year = st.selectbox("Year", years, key="report-year")
    with st.form(f"report-intro-form-{year}", border=False):
        st.text_area(
            "Your paragraph at the top of the report (optional, plain text; a blank line starts a new one)",
            value=read(ctx, queries.report_intro, year),
            max_chars=report.INTRO_MAX,
            key=f"report-intro-{year}",
        )
        st.form_submit_button("Save the paragraph", on_click=_save, args=(ctx, year))
    st.link_button("Download the year's report", web.report_url(year), icon=":material/description:")
    st.caption(
        "One HTML file with the committee's figures only (no name, contact, free text or group of fewer than "
        "5), safe to forward to the program's partners. Open it in a browser and print it to PDF. A past "
        "year is counted as the committee's pages showed it on 1 January of the next year; this year, as "
        "they show it today."
    )
