"""Registrations: mentors and mentees, searchable and filterable; import, add, edit, status, export."""

import streamlit as st

from mentorship import clock, queries, registrations
from mentorship.ui import cached_read, page_setup, read
from mentorship.ui import registrations as panel

ctx = page_setup("registrations")
st.title("Registrations")

names = ["Mentors", "Mentees", "New", "Import and export" if ctx.user.is_leader else "Export"]
# Only the open tab is drawn: each kind's table is thousands of rows the browser need not receive twice.
panel.keep_choices()
tabs = st.tabs(names, on_change="rerun", key="registrations-tab")
for tab, kind in zip(tabs, ("mentors", "mentees", "new", None), strict=True):
    if not tab.open:
        continue
    with tab:
        if kind == "new":  # sent through the public forms; the read is small and time-dependent (expiry)
            panel.new_panel(ctx, read(ctx, queries.new_registrations, clock.now(), ctx.user.role))
            continue
        if kind is None:
            if ctx.user.is_leader:
                panel.import_panel(ctx)
                st.divider()
            panel.export_buttons(ctx)
            continue
        # Cut down for the viewer's role before any table is built from it.
        view = cached_read(ctx, queries.registration_view, kind, ctx.today, ctx.user.role)
        everyone = shown = view.people
        if everyone.empty:
            st.info(f"No {kind} are registered yet.", icon=":material/info:")
        else:
            shown = registrations.filter_frame(everyone, panel.filters(kind, everyone))
            panel.people_table(kind, view.rows.loc[shown.index], len(everyone))
        if kind == "mentors":
            panel.outdated_attestations(cached_read(ctx, queries.outdated_attestations))
        if ctx.user.is_leader:
            panel.manage(ctx, kind, shown)
