"""Cadence: how often each open pair meets, who to nudge, and what pairs have asked for."""

import streamlit as st

from mentorship import charts, queries
from mentorship.ui import cached_read, page_setup, plot
from mentorship.ui import cadence as panels
from mentorship.ui import survey as surveys

ctx = page_setup("cadence")
leader = ctx.user.is_leader
st.title("Meeting cadence")
st.caption(
    "Pairs are asked to meet every one to two months. Each open pair's status comes from the days since its "
    "last meeting (or since it was paired, before the first one)."
)

view = cached_read(ctx, queries.cadence_view, ctx.today, ctx.user.role)

panels.status_metrics(view.counts, view.thresholds)
if view.pairs.empty:
    st.info("There are no open pairs yet: confirm pairings first.", icon=":material/info:")

tab_names = ["Pairs", "Over time"]
if leader:
    tab_names += [
        f"To nudge ({len(view.nudges)})",
        f"Asked to hear from you ({len(view.concerns)})",
        "Log a meeting",
        "Thresholds",
    ]
tabs = st.tabs(tab_names)

with tabs[0]:
    if not view.pairs.empty:
        panels.pair_table(view.pairs)
        pair = panels.pair_picker(view.pairs)
        timeline = view.meetings[view.meetings["match_id"] == pair["match_id"]]
        if timeline.empty:
            st.caption("This pair has no meetings recorded yet.")
        plot(charts.meeting_timeline, timeline, confirmed_on=pair["confirmed_on"], today=ctx.today)
        if leader:
            panels.checkin_link(ctx, pair)
            surveys.pair_surveys(ctx, pair)

with tabs[1]:
    if view.meetings_per_month.empty:
        st.caption("No meetings recorded yet.")
    else:
        plot(charts.meetings_per_month, view.meetings_per_month)
    if not view.status_mix.empty:
        plot(charts.status_mix_over_time, view.status_mix)

if leader:
    with tabs[2]:
        panels.nudge_list(view.nudges)
    with tabs[3]:
        panels.concerns(ctx, view.concerns)
    with tabs[4]:
        if view.pairs.empty:
            st.caption("Meetings are logged for open pairs.")
        else:
            panels.log_meeting_form(ctx, view.pairs)
    with tabs[5]:
        panels.threshold_editor(ctx, view.thresholds)
