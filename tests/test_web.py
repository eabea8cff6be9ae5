"""The dashboard's own routes on the real server (`streamlit run server.py`): the sign-in cookie is set by
the server, HttpOnly, and the leader's downloads answer only a signed-in leader's browser."""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import pytest
import sqlalchemy as sa

from devtools.servers import session_cookie, sign_in, wait_for_app
from mentorship import auth, clock, db, web
from mentorship.models import AuditEvent

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def request(base: str, path: str, *, form: dict | None = None, headers: dict | None = None):
    """(status, headers, body) of one request, redirects not followed."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(urllib.request.Request(base + path, data=data, headers=headers or {})) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read()


def set_cookies(headers) -> dict[str, str]:
    """Each Set-Cookie header by cookie name, as sent."""
    return {SimpleCookie(h).popitem()[0]: h for h in headers.get_all("set-cookie") or []}


def signed_in_cookie(engine, base: str, email: str = LEADER_EMAIL) -> str:
    """A browser's session cookie, obtained as the page obtains it: sign in, post the code to /auth/begin."""
    _, code = auth.sign_in(engine, email=email, password=PASSWORD)
    status, headers, _ = request(base, web.BEGIN_PATH, form={"code": code, "next": "/"})
    assert status == 303
    return SimpleCookie(set_cookies(headers)[web.SESSION_COOKIE])[web.SESSION_COOKIE].value


@pytest.mark.browser
def test_the_session_cookie_is_set_by_the_server_httponly_and_strict(engine, accounts, dashboard):
    _, code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)
    status, headers, _ = request(dashboard, web.BEGIN_PATH, form={"code": code, "next": "/Cadence"})
    assert (status, headers["location"]) == (303, "/Cadence")
    cookies = set_cookies(headers)
    session = cookies[web.SESSION_COOKIE]
    for flag in ("HttpOnly", "Path=/", "SameSite=strict", "Max-Age=28800"):
        assert flag in session
    assert "Secure" not in session  # plain HTTP here: a Secure cookie would never come back
    assert "HttpOnly" in cookies[web.DEVICE_COOKIE] and "Max-Age=15552000" in cookies[web.DEVICE_COOKIE]
    token = SimpleCookie(session)[web.SESSION_COOKIE].value
    assert auth.resume(engine, token).email == LEADER_EMAIL

    # the code works once
    status, headers, _ = request(dashboard, web.BEGIN_PATH, form={"code": code, "next": "/Cadence"})
    assert status == 303 and set_cookies(headers) == {}


@pytest.mark.browser
def test_behind_an_https_proxy_the_cookies_are_secure(engine, accounts, dashboard):
    _, code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)
    status, headers, _ = request(
        dashboard, web.BEGIN_PATH, form={"code": code, "next": "/"}, headers={"X-Forwarded-Proto": "https"}
    )
    assert status == 303
    assert all("Secure" in cookie for cookie in set_cookies(headers).values())


@pytest.mark.browser
def test_a_forged_post_or_a_redirect_elsewhere_gets_nothing(engine, accounts, dashboard):
    _, code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)
    status, headers, _ = request(
        dashboard,
        web.BEGIN_PATH,
        form={"code": code, "next": "/"},
        headers={"Origin": "https://attacker.example"},
    )
    assert status == 403 and set_cookies(headers) == {}
    status, headers, _ = request(
        dashboard, web.BEGIN_PATH, form={"code": code, "next": "/"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert status == 403 and set_cookies(headers) == {}
    status, headers, _ = request(
        dashboard, web.BEGIN_PATH, form={"code": code, "next": "//attacker.example/x"}
    )
    assert (status, headers["location"]) == (303, "/")  # only ever a path on this site
    status, headers, _ = request(dashboard, web.BEGIN_PATH, form={"code": "made-up", "next": "/"})
    assert status == 303 and set_cookies(headers) == {}


@pytest.mark.browser
def test_in_chromium_no_script_can_read_the_sign_in_and_sign_out_ends_it(
    engine, accounts, dashboard, browser_page
):
    page = browser_page
    page.goto(f"{dashboard}/Cadence")
    sign_in(page, LEADER_EMAIL, PASSWORD)
    assert page.url == f"{dashboard}/Cadence"  # back on the page the sign-in was made from
    cookie = session_cookie(page)
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    assert "mentorship" not in page.evaluate("document.cookie")
    page.reload()
    page.get_by_text(f"Signed in as {LEADER_EMAIL}").wait_for()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    assert session_cookie(page) is None
    assert auth.resume(engine, cookie["value"]) is None
    page.reload()
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    assert "Signed in as" not in page.inner_text("body")


@pytest.mark.browser
def test_in_chromium_a_browser_that_signed_in_before_is_not_locked_out_by_a_stranger(
    engine, accounts, dashboard, chromium, browser_page
):
    from devtools.servers import new_page

    own = browser_page
    own.goto(dashboard)
    sign_in(own, LEADER_EMAIL, PASSWORD)
    own.get_by_role("button", name="Sign out").click()
    own.get_by_text("You have signed out.").wait_for()

    stranger = new_page(chromium)
    try:
        stranger.goto(dashboard)
        for attempt in range(6):
            sign_in(stranger, LEADER_EMAIL, f"guess {attempt}", remembered=False)
            stranger.get_by_text(auth.WRONG).wait_for()
        sign_in(stranger, LEADER_EMAIL, PASSWORD, remembered=False)  # even the right password, elsewhere
        stranger.get_by_text(auth.WRONG).wait_for()
        assert session_cookie(stranger) is None
    finally:
        stranger.context.close()

    sign_in(own, LEADER_EMAIL, PASSWORD)  # the leader's own browser still signs in
    own.get_by_text(f"Signed in as {LEADER_EMAIL}").wait_for()


def audit_of(engine, action: str) -> list[tuple]:
    with db.read_session(engine) as session:
        return [
            tuple(r)
            for r in session.execute(
                sa.select(AuditEvent.actor, AuditEvent.outcome, AuditEvent.summary)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.id)
            )
        ]


@pytest.mark.browser
def test_the_backup_is_served_only_to_a_signed_in_leaders_browser(engine, accounts, dashboard, tmp_path):
    leader = signed_in_cookie(engine, dashboard)
    committee = signed_in_cookie(engine, dashboard, COMMITTEE_EMAIL)

    status, headers, body = request(
        dashboard, web.BACKUP_PATH, headers={"Cookie": f"{web.SESSION_COOKIE}={leader}"}
    )
    assert status == 200 and headers["content-type"] == "application/x-sqlite3"
    assert headers["cache-control"] == "no-store"
    copy = tmp_path / "copy.db"
    copy.write_bytes(body)
    with sqlite3.connect(copy) as conn:
        emails = [r[0] for r in conn.execute("SELECT email FROM users ORDER BY email")]
    assert emails == [COMMITTEE_EMAIL, LEADER_EMAIL]

    for cookie in ("", f"{web.SESSION_COOKIE}={committee}", f"{web.SESSION_COOKIE}=guessed"):
        status, _, body = request(dashboard, web.BACKUP_PATH, headers={"Cookie": cookie} if cookie else {})
        assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)

    # after sign-out the same browser's cookie (or a copy of it) gets nothing
    status, _, _ = request(
        dashboard, web.END_PATH, form={"next": "/Admin"}, headers={"Cookie": f"{web.SESSION_COOKIE}={leader}"}
    )
    assert status == 303
    status, _, body = request(
        dashboard, web.BACKUP_PATH, headers={"Cookie": f"{web.SESSION_COOKIE}={leader}"}
    )
    assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)
    # the committee member's refusal is audited as hers; a signed-out browser's are audited once per client
    # and 10 minutes, the others counted (tests/test_throttle.py)
    refusals = [
        (actor, outcome, summary.split(";")[0])
        for actor, outcome, summary in audit_of(engine, "store.backup")
    ]
    assert refusals[0] == (LEADER_EMAIL, "done", "backup written")
    assert (COMMITTEE_EMAIL, "refused", "refused: committee role") in refusals
    assert refusals.count(("signed-out browser", "refused", "not signed in")) in (1, 2)
    assert len(refusals) in (3, 4)


@pytest.mark.browser
def test_the_audit_log_download_follows_the_filters_for_the_leader_only(engine, accounts, dashboard):
    leader = signed_in_cookie(engine, dashboard)
    url = web.audit_log_url(["auth.sign_in"], "done", None, None)
    status, headers, body = request(dashboard, url, headers={"Cookie": f"{web.SESSION_COOKIE}={leader}"})
    assert status == 200 and headers["content-type"].startswith("text/csv")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == f"at ({clock.zone().key}),actor,action,entity,entity_id,outcome,summary"
    assert len(lines) == 2 and f"{LEADER_EMAIL},auth.sign_in,user," in lines[1]
    assert audit_of(engine, "audit.export")[-1] == (LEADER_EMAIL, "done", "1 events")
    status, _, body = request(dashboard, url)
    assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)


def test_the_admin_page_links_to_the_routes_and_hands_out_no_media_file(app, engine, accounts):
    from .conftest import signed_in as as_user

    auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)  # an event to filter by
    at = as_user(app("pages/5_Admin.py")).run()
    assert len(at.get("download_button")) == 0
    links = {b.proto.label: b.proto.url for b in at.get("link_button")}
    assert links == {
        "Download these events (CSV)": web.AUDIT_LOG_PATH,
        "Download a backup": web.BACKUP_PATH,
    }
    at.multiselect(key="audit-actions").select("auth.sign_in").run()
    at.selectbox(key="audit-outcome").select("refused").run()
    links = {b.proto.label: b.proto.url for b in at.get("link_button")}
    assert links["Download these events (CSV)"] == f"{web.AUDIT_LOG_PATH}?action=auth.sign_in&outcome=refused"
