"""Overview: the program at a glance."""

import streamlit as st

from mentorship import charts, formatting, queries, services
from mentorship.errors import Refused
from mentorship.ui import after_write, cached_read, page_setup

ctx = page_setup("overview")
st.title("Mentorship program")

overview = cached_read(ctx, queries.overview, ctx.today)


def load_demo() -> None:
    try:
        counts = services.load_demo(ctx.engine, actor=ctx.user, today=ctx.today)
    except Refused as exc:
        st.toast(str(exc), icon=":material/block:")
        return
    after_write()
    st.toast(f"Demo data loaded: {counts['mentors']} mentors and {counts['mentees']} mentees.")


if overview is None:
    st.info(
        "There are no registrations yet. Import the mentors' and mentees' registration forms "
        "on the Registrations page, or load demo data to explore the dashboard.",
        icon=":material/info:",
    )
    if ctx.user.is_leader:
        st.button("Load demo data", on_click=load_demo, type="primary", icon=":material/science:")
    st.stop()

kpis = formatting.overview_kpis(overview.summary)
for row in (kpis[:4], kpis[4:]):
    for column, kpi in zip(st.columns(len(row)), row, strict=True):
        column.metric(kpi.label, kpi.value, help=kpi.help, border=True)

left, right = st.columns(2)
left.altair_chart(charts.registrations_over_time(overview.registrations_by_quarter), width="stretch")
right.altair_chart(charts.cadence_status(overview.cadence_counts), width="stretch")
if overview.summary.waiting_mentees:
    left.altair_chart(charts.waiting_times(overview.days_waiting), width="stretch")
else:
    left.success("No mentee is waiting for a mentor.", icon=":material/check_circle:")
