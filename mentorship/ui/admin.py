"""The Admin page's controls (leader only): accounts, the backup download, the registration forms."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from mentorship import auth, clock, formatting, links, services, web
from mentorship.errors import Refused
from mentorship.settings import RegistrationSettings
from mentorship.ui.core import PageContext, run_write


def _add_account(ctx: PageContext) -> None:
    typed = st.session_state.get("new-password", "")
    passwords = auth.password_sign_in()
    password = (typed or auth.generate_password()) if passwords else None
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
    if passwords and not typed:
        st.session_state["shown-password"] = (user.email, password)
    st.toast(f"Account ready: {user.email} ({user.role.value}).")


def accounts_panel(ctx: PageContext, accounts: pd.DataFrame) -> None:
    st.dataframe(
        formatting.with_moments(accounts, "created_at", "last_login_at"),
        hide_index=True,
        width="stretch",
        column_config={
            "email": "Email",
            "role": "Role",
            "is_active": st.column_config.CheckboxColumn("Active"),
            "created_at": "Created",
            "last_login_at": "Last sign-in",
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
        if auth.password_sign_in():
            st.text_input(
                "Password (leave empty to generate one; empty is also right for university sign-in)",
                type="password",
                key="new-password",
            )
        else:
            st.caption(auth.NO_PASSWORD_NEEDED)
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


# Registration through the program's public forms
def _toggle_form(ctx: PageContext, kind: str) -> None:
    is_open = bool(st.session_state[f"registration-open-{kind}"])
    run_write(
        partial(services.set_form_open, ctx.engine, actor=ctx.user, kind=kind, is_open=is_open),
        f"The {kind.removesuffix('s')} form is {'open' if is_open else 'closed'}.",
    )


def _save_registration_settings(ctx: PageContext) -> None:
    state = st.session_state
    run_write(
        partial(
            services.save_registration_settings,
            ctx.engine,
            actor=ctx.user,
            contact_email=state["registration-contact"],
            per_session=int(state["registration-per-session"]),
            per_address=int(state["registration-per-address"]),
            per_hour=int(state["registration-per-hour"]),
        ),
        "Registration settings saved.",
    )


def _save_statement(ctx: PageContext) -> None:
    run_write(
        partial(
            services.save_statement,
            ctx.engine,
            actor=ctx.user,
            text=st.session_state["registration-statement"],
            now=clock.now(),
        ),
        lambda version: f"The values statement is now version {version}.",
    )


def registration_panel(ctx: PageContext, chosen: RegistrationSettings, version: int, text: str) -> None:
    """The two public addresses, each form open or closed, the contact email, the limits, the statement."""
    st.caption(
        "Share these addresses. They are built on MENTORSHIP_PUBLIC_URL, the address people reach "
        "the dashboard at."
    )
    for kind, form in (("mentors", "mentor"), ("mentees", "mentee")):
        address, toggle = st.columns([4, 1], vertical_alignment="center")
        address.code(links.register_url(form), language=None)
        toggle.toggle(
            f"{form.title()} form open",
            value=chosen.mentor_open if kind == "mentors" else chosen.mentee_open,
            key=f"registration-open-{kind}",
            on_change=_toggle_form,
            args=(ctx, kind),
        )
    if (chosen.mentor_open or chosen.mentee_open) and not chosen.contact_email:
        st.warning(
            "A form is open and no program contact email is set: the forms give people no address to write "
            "to about their data (only their personal link, when mail is configured).",
            icon=":material/contact_mail:",
        )
    with st.form("registration-settings", border=True):
        st.text_input(
            "Program contact email",
            value=chosen.contact_email,
            key="registration-contact",
            help="Shown to the public on both forms (in the consent notice, and on a closed form) and in "
            "the registration emails, as where to ask about one's data. Empty: none is shown.",
        )
        left, middle, right = st.columns(3)
        left.number_input(
            "Submissions per browser session",
            min_value=1,
            max_value=100,
            value=chosen.per_session,
            key="registration-per-session",
        )
        middle.number_input(
            "Submissions per hour, one client address",
            min_value=1,
            max_value=9_999,
            value=chosen.per_address,
            key="registration-per-address",
            help="Below the whole program's hourly cap, so that no single client can use it up.",
        )
        right.number_input(
            "Submissions per hour, whole program",
            min_value=2,
            max_value=10_000,
            value=chosen.per_hour,
            key="registration-per-hour",
        )
        st.form_submit_button("Save settings", on_click=_save_registration_settings, args=(ctx,))
    with st.form("registration-statement-form", border=True):
        st.text_area(
            f"The values statement mentors attest (version {version})",
            value=text,
            max_chars=4000,
            height=160,
            key="registration-statement",
            help="Saving a changed text makes a new version; mentors keep the version they attested.",
        )
        st.form_submit_button("Save as a new version", on_click=_save_statement, args=(ctx,))
