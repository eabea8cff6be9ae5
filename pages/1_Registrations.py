"""Registrations: mentors and mentees, searchable and filterable; import, add, edit, status, export."""

import streamlit as st

from mentorship import privacy, queries, registrations
from mentorship.db import read_session
from mentorship.ui import page_setup
from mentorship.ui import registrations as panel

ctx = page_setup("Registrations", ":material/group:")
st.title("Registrations")

with read_session(ctx.engine) as session:
    # Cut down for the viewer's role before any table is built from it.
    people = {
        k: privacy.viewer_frame(queries.registrations(session, k, ctx.today), ctx.user.role)
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
        everyone = shown = people[kind]
        if everyone.empty:
            st.info(f"No {kind} are registered yet.", icon=":material/info:")
        else:
            shown = registrations.filter_frame(everyone, panel.filters(kind, everyone))
            panel.people_table(kind, shown, len(everyone))
        if ctx.user.is_leader:
            panel.manage(ctx, kind, shown)
