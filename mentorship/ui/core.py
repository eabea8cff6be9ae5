"""What every page does first: page config, the cached engine, the access guard, the sidebar."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import sqlalchemy as sa
import streamlit as st
from sqlalchemy.engine import Engine
from streamlit.errors import StreamlitPageNotFoundError

from mentorship import auth, clients, clock, db, queries, settings, web
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.ui import kept

T = TypeVar("T")
A = TypeVar("A")
APP_TITLE = "Mentorship program"
# The tab's icon. An emoji is drawn in the browser; a `:material/...:` icon would make every visitor's
# browser fetch it from fonts.gstatic.com, telling Google who opens the dashboard, the check-in and the
# registration forms (the sidebar's material icons come with Streamlit and fetch nothing).
FAVICON = "🩺"
SIGNED_IN, LEADER, PUBLIC = "signed in", "leader", "public"  # who may open a page


@dataclass(frozen=True)
class Page:
    script: str
    title: str
    icon: str
    access: str = SIGNED_IN  # PUBLIC pages need no sign-in and are never in the sidebar


# Every page, in the sidebar's order: each script opens with `page_setup(KEY)` (`public_page_setup(KEY)`).
PAGES = {
    "overview": Page("app.py", "Overview", ":material/dashboard:"),
    "registrations": Page("pages/1_Registrations.py", "Registrations", ":material/group:"),
    "pairings": Page("pages/2_Pairings.py", "Pairings", ":material/handshake:"),
    "cadence": Page("pages/3_Cadence.py", "Cadence", ":material/event_repeat:"),
    "retention": Page("pages/4_Retention.py", "Retention", ":material/timeline:"),
    "feedback": Page("pages/10_Feedback.py", "Feedback", ":material/reviews:"),
    "outcomes": Page("pages/11_Outcomes.py", "Outcomes", ":material/school:"),
    "messages": Page("pages/7_Messages.py", "Messages", ":material/outgoing_mail:", LEADER),  # --- Outbox ---
    "admin": Page("pages/5_Admin.py", "Admin", ":material/admin_panel_settings:", LEADER),
    "check_in": Page("pages/6_Check_in.py", "Check in", ":material/event_available:", PUBLIC),
    "register": Page("pages/8_Register.py", "Register", ":material/how_to_reg:", PUBLIC),
    "survey": Page("pages/9_Survey.py", "Survey", ":material/rate_review:", PUBLIC),
    "update": Page("pages/12_Update.py", "Update", ":material/route:", PUBLIC),
}


def may_open(page: Page, user: Actor) -> bool:
    return page.access == SIGNED_IN or (page.access == LEADER and user.is_leader)


# Sends the browser to one of the dashboard's own routes (mentorship/web.py) with a form post: the only
# way the server's answer, not a script, sets the HttpOnly session cookie.
_POST_JS = """
export default function (component) {
  const { data } = component;
  if (!data || !data.action) return;
  const form = document.createElement("form");
  form.method = "POST";
  form.action = data.action;
  form.style.display = "none";
  for (const [name, value] of Object.entries(data.fields || {})) {
    const input = document.createElement("input");
    input.type = "hidden";
    input.name = name;
    input.value = value;
    form.appendChild(input);
  }
  document.body.appendChild(form);
  form.submit();
}
"""


# Streamlit's date fields draw day and month as 18-pixel targets; WCAG 2.2 AA (2.5.8) asks for 24. A fixed
# style sheet, nobody's text: it goes to Streamlit's event container and takes no room on the page.
_TARGET_SIZE_CSS = """<style>
[data-testid="stDateInput"] [role="spinbutton"] {
  min-width: 24px; min-height: 24px; display: inline-flex; align-items: center; justify-content: center;
}
</style>"""


@dataclass(frozen=True)
class PageContext:
    engine: Engine
    today: date
    user: Actor
    version: str  # the store's version as this run began (`queries.store_version`)


def _open_store() -> Engine:
    try:
        return kept.engine(db.resolve_url())
    except (db.DatabaseUnavailable, sa.exc.SQLAlchemyError) as exc:
        reason = (
            str(exc)
            if isinstance(exc, db.DatabaseUnavailable)
            else ("Check MENTORSHIP_DATABASE_URL and that the database server is running.")
        )
        st.error(f"The program's store cannot be opened. {reason}", icon=":material/error:")
        st.stop()


def page_setup(key: str) -> PageContext:
    """The first call of every signed-in page (`PAGES[key]`): config, store, sign-in. Stops the script for
    anyone not allowed."""
    page = PAGES[key]
    st.set_page_config(page_title=f"{page.title} · {APP_TITLE}", page_icon=FAVICON, layout="wide")
    st.html(_TARGET_SIZE_CSS)
    engine = _open_store()
    if problem := sign_in_setup_problem():
        st.title(APP_TITLE)
        st.error(problem, icon=":material/error:")
        st.stop()
    user = current_user(engine)
    if user is None:
        _sign_in_form(engine)
        st.stop()
    if _post_pending():  # single sign-on's session handed to the browser: the page comes back with it
        st.stop()
    _sidebar(engine, user)
    if not may_open(page, user):
        st.title(page.title)  # a page still has its heading, for a screen reader's outline
        st.warning("This page is for the program leader.", icon=":material/lock:")
        st.stop()
    version = read(engine, queries.store_version)
    return PageContext(engine=engine, today=clock.today(), user=user, version=version)


def public_page_setup(key: str) -> Engine:
    """For the public pages (`PAGES[key]`, such as the pairs' check-in): no sign-in, no sidebar, nothing
    else from the program."""
    page = PAGES[key]
    st.set_page_config(
        page_title=page.title, page_icon=FAVICON, layout="centered", initial_sidebar_state="collapsed"
    )
    st.html(_TARGET_SIZE_CSS)
    return _open_store()


def cached_read(ctx: PageContext, query: Callable[..., T], *args) -> T:
    """`query(session, *args)`, read once per version of what it reads and kept for every viewer who asks the
    same question: a page's rerun (a click, a filter) then costs one small version query, not the read, and
    a change to tables the read did not touch (a meeting logged, for the registrations) leaves it in place.

    `args` must hold everything the answer depends on besides the store, the viewer's role included for a
    query that cuts its answer down to the role; what is kept stays in this server's memory (`kept`), where
    no client can clear it. The answer is shared, not copied (unpickling 15,000 registrations on every rerun
    would cost more than the page): callers treat it as read-only and build new frames from it.
    """

    def kept_read() -> kept.Stamped[T]:
        statements: list[str] = []

        def noted(connection, cursor, statement: str, *_) -> None:
            statements.append(statement)

        with db.read_session(ctx.engine) as session:
            connection = session.connection()
            sa.event.listen(connection, "before_cursor_execute", noted)
            try:
                answer = query(session, *args)
            finally:
                sa.event.remove(connection, "before_cursor_execute", noted)
        # kept at the versions of the tables it read: a change elsewhere in the store leaves it in place
        return kept.Stamped(answer, queries.versions_read(ctx.version, statements))

    question = (str(ctx.engine.url), f"{query.__module__}.{query.__qualname__}", *args)
    return kept.reads.get(question, ctx.version, kept_read, fresh=partial(queries.still_at, ctx.version))


def kept_for(build: Callable[[A], T], answer: A) -> T:
    """`build(answer)` made once for each answer `cached_read` keeps (a table as the page shows it, a
    picker's labels), not on every rerun: `build` is a pure function of `answer`, whose result is shared
    like the answer itself and treated as read-only."""
    question = (f"{build.__module__}.{build.__qualname__}", id(answer))
    return kept.shown.get(question, kept.Same(answer), lambda: build(answer))


def read(where: PageContext | Engine, query: Callable[..., T], *args) -> T:
    """`query(session, *args)` (a `queries` function) in a read session of its own, not kept: for what must
    be fresh on every run. Pages and panels read only this way or through `cached_read`."""
    engine = where.engine if isinstance(where, PageContext) else where
    with db.read_session(engine) as session:
        return query(session, *args)


def run_write(action: Callable[[], T], done: str | Callable[[T], str | list[str]]) -> bool:
    """Run one write from a callback: a toast saying it is done (`done` may build it, or one toast per
    result, from the action's result), or the one-sentence refusal (a rule's, or the input's). Returns
    whether the write happened."""
    try:
        result = action()
    except (Refused, UnusableInput) as exc:
        st.toast(str(exc), icon=":material/block:")
        return False
    said = done if isinstance(done, str) else done(result)
    for message in [said] if isinstance(said, str) else said:
        st.toast(message, icon=":material/check_circle:")
    return True


# Who is signed in
def current_user(engine: Engine) -> Actor | None:
    """The university sign-in (OIDC) first, then this browser's session cookie (HttpOnly: set and cleared
    only by the server's /auth routes, read here as the browser sent it when this tab connected)."""
    if st.user.get("is_logged_in", False):
        return _institution_user(engine)
    if not auth.password_sign_in():
        return None  # no browser session is made or resumed: the institution's sign-in is the only way in
    if st.query_params.get(web.SIGNED_OUT):
        del st.query_params[web.SIGNED_OUT]
        st.session_state["sign_in_problem"] = "You have signed out."
        st.session_state["signed_out"] = True
    if st.session_state.get("signed_out"):
        return None
    token = _cookie(web.SESSION_COOKIE)
    if not token:
        return None
    actor = auth.resume(engine, token)
    if actor is None:
        st.session_state["signed_out"] = True
        st.session_state["sign_in_problem"] = "Your session has ended; please sign in again."
    return actor


NO_ACCESS = (
    "Your university account has no access to this dashboard. Ask the program leader to add your email."
)
# The query parameter /auth/begin sends the browser back with after single sign-on's handoff
HANDOFF = "session_handoff"
HANDOFF_FAILED = (
    "This browser did not keep the dashboard's own session, so its downloads will not work here: "
    "allow cookies for this site, then reload the page."
)


def _institution_user(engine: Engine) -> Actor | None:
    """The account the institution's sign-in (st.user) names, acting through the dashboard's own session
    in this browser when it has one of that account. Without one, the dashboard makes it
    (`auth.begin_single_sign_on`) and hands it to the browser as a password sign-in does (a post to
    /auth/begin, which this run leaves pending for `page_setup`): once per browser tab, and never again
    when the browser comes back from that post without it (`HANDOFF_FAILED` then says so). A session of
    another account in this browser is ended first, never used."""
    try:
        actor = read(engine, auth.actor_for_email, str(st.user.get("email") or ""))
    except Refused:
        st.session_state["sign_in_problem"] = NO_ACCESS
        return None
    returned = bool(st.query_params.get(HANDOFF))
    if returned:
        del st.query_params[HANDOFF]
    token = _cookie(web.SESSION_COOKIE)
    own = auth.resume(engine, token) if token else None
    if own is not None and own.id == actor.id:
        return own
    if own is not None:
        auth.end_session(engine, token)  # another account's session: signed out, never used
    if returned:  # back from /auth/begin without it: this tab never tries again
        st.session_state["handoff_problem"] = HANDOFF_FAILED
        st.session_state["handoff_tried"] = True
    if st.session_state.get("handoff_tried") or not isinstance(st.context.url, str):
        return actor  # (no browser connected, as in AppTest, has cookies to keep)
    st.session_state["handoff_tried"] = True
    try:
        code = auth.begin_single_sign_on(engine, actor.email, address=client_address())
    except Refused:  # deactivated since the read above
        st.session_state["sign_in_problem"] = NO_ACCESS
        return None
    st.session_state["post"] = (web.BEGIN_PATH, {"code": code, "next": f"{_here()}?{HANDOFF}=1"})
    return actor


def _cookie(name: str) -> str | None:
    value = st.context.cookies.get(name)  # not a str where no browser connected (AppTest)
    return value if isinstance(value, str) and value else None


def client_address() -> str:
    """This browser's address as the deployment can know it (`clients.client_address`): the peer of its
    WebSocket, which Streamlit gives as None when it is this machine (a proxy here, or no browser at all),
    and the headers of the WebSocket's opening request."""
    peer = st.context.ip_address  # not a str where no browser connected (AppTest)
    headers = st.context.headers
    return clients.client_address(peer if isinstance(peer, str) else "127.0.0.1", headers or {})


def _here() -> str:
    url = st.context.url
    return (urlsplit(url).path or "/") if isinstance(url, str) else "/"


def sso_configured() -> bool:
    """Whether the institution's single sign-on is set up: an `[auth]` table in Streamlit's secrets."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


NOBODY_CAN_SIGN_IN = (
    "Nobody can sign in: password sign-in is off (MENTORSHIP_PASSWORD_SIGNIN=off) and no single sign-on is "
    "configured (no [auth] in .streamlit/secrets.toml); the operator must set up one of them."
)


def sign_in_setup_problem() -> str | None:
    """Why nobody could sign in as this server is configured (one sentence for the operator), or None: a bad
    MENTORSHIP_PASSWORD_SIGNIN, or password sign-in off without a single sign-on to take its place."""
    try:
        passwords = auth.password_sign_in()
    except UnusableInput as exc:
        return str(exc)
    return None if passwords or sso_configured() else NOBODY_CAN_SIGN_IN


def _sign_in(engine: Engine) -> None:
    try:
        _, code = auth.sign_in(
            engine,
            email=st.session_state.get("sign_in_email", ""),
            password=st.session_state.get("sign_in_password", ""),
            device=_cookie(web.DEVICE_COOKIE),
            address=client_address(),
        )
    except Refused as exc:
        st.session_state["sign_in_problem"] = str(exc)
        return
    finally:
        st.session_state["sign_in_password"] = ""
    st.session_state["post"] = (web.BEGIN_PATH, {"code": code, "next": _here()})
    st.session_state.pop("sign_in_problem", None)


def _sign_out_of_institution(engine: Engine) -> None:
    """Sign-out after single sign-on: the dashboard's own session ends in the store, then Streamlit's."""
    if token := _cookie(web.SESSION_COOKIE):
        auth.end_session(engine, token)
    st.logout()


def _sign_out(engine: Engine) -> None:
    if token := _cookie(web.SESSION_COOKIE):
        auth.end_session(engine, token)  # ended here at once; /auth/end then clears the cookie
    st.session_state["signed_out"] = True
    st.session_state["post"] = (web.END_PATH, {"next": _here()})


def _post_pending() -> bool:
    """Send the browser to the route a sign-in or sign-out left pending, if any (True then)."""
    post = st.session_state.pop("post", None)
    if post is None:
        return False
    action, fields = post
    st.info("Signing you in…" if action == web.BEGIN_PATH else "Signing you out…", icon=":material/lock:")
    component = st.components.v2.component("mentorship_post", js=_POST_JS)
    component(data={"action": action, "fields": fields}, key="post")
    return True


def _sign_in_form(engine: Engine) -> None:
    st.title(APP_TITLE)
    if _post_pending():
        return
    problem = st.session_state.get("sign_in_problem")
    if problem:
        st.warning(problem, icon=":material/lock:")
    if not auth.password_sign_in():  # the institution's sign-in only (sign_in_setup_problem: it is set up)
        st.header("Sign in")
        st.button("Sign in with your university account", type="primary", on_click=st.login)
        return
    with st.form("sign-in", border=True, width=420):
        st.header("Sign in")  # h2 under the page's h1: no level skipped
        st.text_input("Email", key="sign_in_email", autocomplete="username")
        st.text_input("Password", type="password", key="sign_in_password", autocomplete="current-password")
        st.form_submit_button("Sign in", type="primary", on_click=_sign_in, args=(engine,))
    if sso_configured():
        st.button("Sign in with your university account", on_click=st.login)


def _sidebar(engine: Engine, user: Actor) -> None:
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        for page in PAGES.values():
            if may_open(page, user):
                try:
                    st.page_link(page.script, label=page.title, icon=page.icon)
                except StreamlitPageNotFoundError:
                    # Only when a page script runs as the entry point itself (AppTest of one page).
                    continue
        st.divider()
        st.caption(f"Signed in as {user.email} ({user.role.value})")
        with db.read_session(engine) as session:
            if settings.is_demo_store(session):
                st.caption(":material/science: A demo store: every person in it is synthetic.")
        if problem := st.session_state.get("handoff_problem"):
            st.warning(problem, icon=":material/warning:")
        if st.user.get("is_logged_in", False):
            st.button("Sign out", on_click=_sign_out_of_institution, args=(engine,), key="sign-out")
        else:
            st.button("Sign out", on_click=_sign_out, args=(engine,), key="sign-out")
