"""Registrations: mentors and mentees, searchable and filterable; import, add, edit, status, export."""

import streamlit as st

from mentorship import queries, registrations
from mentorship.ui import cached_read, page_setup
from mentorship.ui import registrations as panel

ctx = page_setup("Registrations", ":material/group:")
st.title("Registrations")

# Each kind is cut down for the viewer's role before any table is built from it.
views = {
    k: cached_read(ctx, queries.registration_view, k, ctx.today, ctx.user.role)
    for k in ("mentors", "mentees")
}

names = ["Mentors", "Mentees", "Import and export" if ctx.user.is_leader else "Export"]
for tab, kind in zip(st.tabs(names), ("mentors", "mentees", None), strict=True):
    with tab:
        if kind is None:
            if ctx.user.is_leader:
                panel.import_panel(ctx)
                st.divider()
            panel.export_buttons(ctx)
            continue
        everyone = shown = views[kind].people
        if everyone.empty:
            st.info(f"No {kind} are registered yet.", icon=":material/info:")
        else:
            shown = registrations.filter_frame(everyone, panel.filters(kind, everyone))
            panel.people_table(kind, views[kind].rows.loc[shown.index], len(everyone))
        if ctx.user.is_leader:
            panel.manage(ctx, kind, shown)
