"""The Admin page's controls (leader only): accounts and the backup download."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from mentorship import auth, services, web
from mentorship.errors import Refused
from mentorship.ui.core import PageContext, after_write, run_write


def _add_account(ctx: PageContext) -> None:
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
    if not typed:
        st.session_state["shown-password"] = (user.email, password)
    after_write()
    st.toast(f"Account ready: {user.email} ({user.role.value}).")


def accounts_panel(ctx: PageContext, accounts: pd.DataFrame) -> None:
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
    with st.form("add-account"):
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
        st.form_submit_button("Add account", on_click=_add_account, args=(ctx,))
    if problem := st.session_state.get("account-problem"):
        st.error(problem)
    if shown := st.session_state.pop("shown-password", None):  # shown once: gone at the next rerun
        st.info("The generated password, shown this once; pass it on privately:")
        st.text(shown[0])
        st.code(shown[1], language=None)
    active = accounts.loc[accounts["is_active"], "email"].tolist()
    chosen = st.selectbox("Deactivate an account", active, index=None, placeholder="Choose an account")
    if chosen:
        st.button(
            f"Deactivate {chosen}",
            type="primary",
            on_click=run_write,
            args=(
                partial(services.deactivate_user, ctx.engine, actor=ctx.user, email=chosen),
                "The account can no longer sign in.",
            ),
        )


def backup_panel(ctx: PageContext, *, is_sqlite: bool) -> None:
    if not is_sqlite:
        st.info("This store is PostgreSQL: back it up with `pg_dump` on the database server.")
        return
    st.warning("A backup holds every registration, including contacts and demographics. Keep it safe.")
    # Made and served by the server's own route, to this signed-in leader's browser only (never a
    # /media address that anyone holding it could fetch).
    st.link_button("Download a backup", web.BACKUP_PATH, icon=":material/backup:")


def audit_download(actions: list[str], outcome: str | None, since: date | None, until: date | None) -> None:
    st.link_button(
        "Download these events (CSV)",
        web.audit_log_url(actions, outcome, since, until),
        icon=":material/download:",
    )
