"""Admin (leader only): accounts, the audit log, backup, the registration forms."""

import streamlit as st

from mentorship import db, formatting, queries
from mentorship.formatting import plural
from mentorship.ui import page_setup, read
from mentorship.ui.admin import accounts_panel, audit_download, backup_panel, registration_panel

ctx = page_setup("admin")
st.title("Admin")
accounts_tab, audit_tab, backup_tab, registration_tab = st.tabs(
    ["Accounts", "Audit log", "Backup", "Registration"]
)

admin = read(ctx, queries.admin_view, ctx.user.role)
registration = read(ctx, queries.registration_admin)

with accounts_tab:
    accounts_panel(ctx, admin.accounts)

with audit_tab:
    left, middle, right = st.columns([2, 1, 2])
    chosen_actions = left.multiselect("Actions", admin.actions, key="audit-actions")
    outcome = middle.selectbox("Outcome", ["any", "done", "refused"], key="audit-outcome")
    period = right.date_input("Between", value=(), max_value=ctx.today)
    since, until = (tuple(period) + (None, None))[:2]
    events = read(
        ctx,
        queries.audit_view,
        ctx.user.role,
        chosen_actions or None,
        None if outcome == "any" else outcome,
        since,
        until,
    )
    st.caption(f"{plural(len(events), 'event')}, newest first (the log is append-only).")
    st.dataframe(
        formatting.with_moments(events, "at", seconds=True),
        hide_index=True,
        width="stretch",
        column_config={"at": "When"},
    )
    audit_download(chosen_actions, None if outcome == "any" else outcome, since, until)
    st.header("Refused requests")  # h2 under the page's h1
    st.caption(
        "Requests refused to signed-out browsers are counted per client and 10 minutes: the first is in the "
        "log above, every one is counted here."
    )
    refused = read(ctx, queries.refused_requests, ctx.user.role)
    st.dataframe(
        formatting.with_moments(refused, "window_start"),
        hide_index=True,
        width="stretch",
        column_config={
            "window_start": "10 minutes from",
            "action": "Action",
            "requests": "Requests",
            "clients": "Clients",
        },
    )

with backup_tab:
    backup_panel(ctx, is_sqlite=db.is_sqlite(ctx.engine))

with registration_tab:
    registration_panel(ctx, registration.settings, registration.statement_version, registration.statement)
