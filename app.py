"""Overview: the program at a glance."""

import streamlit as st

from mentorship import charts, clock, formatting, queries
from mentorship.ui import cached_read, page_setup, plot, read

ctx = page_setup("overview")
st.title("Mentorship program")

overview = cached_read(ctx, queries.overview, ctx.today, ctx.user.role)
waiting_review = read(ctx, queries.registrations_waiting, clock.now())  # fresh: expiry moves with the clock
if waiting_review:
    st.info(
        f"{waiting_review} registration{'s wait' if waiting_review > 1 else ' waits'} for review "
        "(Registrations → New).",
        icon=":material/how_to_reg:",
    )

if overview is None:
    st.info(
        "There are no registrations yet. Import the mentors' and mentees' registration forms on the "
        "Registrations page. To explore the dashboard on synthetic people instead, start it on a separate "
        "demo store (`bash scripts/start.sh`).",
        icon=":material/info:",
    )
    st.stop()

kpis = formatting.overview_kpis(overview.summary, requests_hidden=overview.requests_hidden)
for row in (kpis[:4], kpis[4:]):
    for column, kpi in zip(st.columns(len(row)), row, strict=True):
        column.metric(kpi.label, kpi.value, help=kpi.help, border=True)
if as_of := overview.requests_as_of.caption():
    st.caption(f"BIPOC-mentor requests met: {as_of[0].lower()}{as_of[1:]}")

left, right = st.columns(2)
plot(charts.registrations_over_time, overview.registrations_by_quarter, where=left)
plot(charts.cadence_status, overview.cadence_counts, where=right)
if overview.summary.waiting_mentees:
    plot(charts.waiting_times, overview.days_waiting, where=left)
else:
    left.success("No mentee is waiting for a mentor.", icon=":material/check_circle:")
