"""Admin (leader only): accounts, the audit log, backup."""

import tempfile
from pathlib import Path

import streamlit as st

from mentorship import auth, db, privacy, queries, services
from mentorship.errors import Refused
from mentorship.ui import after_write, page_setup

ctx = page_setup("Admin", ":material/admin_panel_settings:", leader_only=True)
st.title("Admin")
accounts_tab, audit_tab, backup_tab = st.tabs(["Accounts", "Audit log", "Backup"])


def add_account() -> None:
    typed = st.session_state["new-password"]
    password = typed or auth.generate_password()
    try:
        user = services.add_user(
            ctx.engine,
            actor=ctx.user,
            email=st.session_state["new-email"],
            role=st.session_state["new-role"],
            password=password,
        )
    except Refused as exc:
        st.session_state["account-problem"] = str(exc)
        return
    st.session_state.pop("account-problem", None)
    st.session_state["new-password"] = ""
    st.session_state["shown-password"] = None if typed else (user.email, password)
    after_write()
    st.toast(f"Account ready: {user.email} ({user.role.value}).")


def deactivate(email: str) -> None:
    try:
        services.deactivate_user(ctx.engine, actor=ctx.user, email=email)
    except Refused as exc:
        st.toast(str(exc), icon=":material/block:")
        return
    after_write()
    st.toast(f"{email} can no longer sign in.")


with db.read_session(ctx.engine) as session:
    accounts = queries.accounts(session)
    actions = queries.audit_actions(session)

with accounts_tab:
    st.dataframe(
        accounts,
        hide_index=True,
        width="stretch",
        column_config={
            "email": "Email",
            "role": "Role",
            "is_active": st.column_config.CheckboxColumn("Active"),
            "created_at": st.column_config.DatetimeColumn("Created (UTC)", format="YYYY-MM-DD HH:mm"),
            "last_login_at": st.column_config.DatetimeColumn("Last sign-in (UTC)", format="YYYY-MM-DD HH:mm"),
        },
    )
    with st.form("add-account", clear_on_submit=False):
        st.markdown("**Add an account**")
        st.text_input("Email", key="new-email")
        st.radio(
            "Role",
            ["committee", "leader"],
            key="new-role",
            horizontal=True,
            captions=["browses; contacts masked", "every change"],
        )
        st.text_input(
            "Password (leave empty to generate one; empty is also right for university sign-in)",
            type="password",
            key="new-password",
        )
        st.form_submit_button("Add account", on_click=add_account)
    if problem := st.session_state.get("account-problem"):
        st.error(problem)
    if shown := st.session_state.get("shown-password"):
        st.info(f"Password for {shown[0]}, shown once; pass it on privately:")
        st.code(shown[1], language=None)
    active = accounts.loc[accounts["is_active"], "email"].tolist()
    chosen = st.selectbox("Deactivate an account", active, index=None, placeholder="Choose an account")
    if chosen:
        st.button(f"Deactivate {chosen}", on_click=deactivate, args=(chosen,), type="primary")

with audit_tab:
    left, middle, right = st.columns([2, 1, 2])
    chosen_actions = left.multiselect("Actions", actions, key="audit-actions")
    outcome = middle.selectbox("Outcome", ["any", "done", "refused"], key="audit-outcome")
    period = right.date_input("Between", value=(), max_value=ctx.today)
    since, until = (period + (None, None))[:2] if period else (None, None)
    with db.read_session(ctx.engine) as session:
        events = queries.audit_log(
            session,
            actions=chosen_actions or None,
            outcome=None if outcome == "any" else outcome,
            since=since,
            until=until,
        )
    st.caption(f"{len(events)} events, newest first (the log is append-only).")
    st.dataframe(
        events,
        hide_index=True,
        width="stretch",
        column_config={
            "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
        },
    )
    st.download_button(
        "Download these events (CSV)",
        data=privacy.neutralise_formulas(events).to_csv(index=False).encode("utf-8-sig"),
        file_name="audit-log.csv",
        mime="text/csv",
    )

with backup_tab:
    if not db.is_sqlite(ctx.engine):
        st.info("This store is PostgreSQL: back it up with `pg_dump` on the database server.")
    elif st.button("Prepare a backup", icon=":material/backup:"):
        with tempfile.TemporaryDirectory() as tmp, st.spinner("Copying the store…"):
            target = Path(tmp) / "mentorship-backup.db"
            services.backup(ctx.engine, actor=ctx.user, target=target)
            st.session_state["backup"] = target.read_bytes()
    if "backup" in st.session_state:
        st.warning("The backup holds every registration, including contacts and demographics. Keep it safe.")
        st.download_button(
            "Download the backup",
            data=st.session_state["backup"],
            file_name=f"mentorship-{ctx.today.isoformat()}.db",
            mime="application/x-sqlite3",
        )
