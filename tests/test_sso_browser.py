"""Single sign-on in Chromium against a real OpenID Connect provider on localhost (oidc-provider-mock),
with password sign-in off (MENTORSHIP_PASSWORD_SIGNIN=off), as an institution that requires its own sign-in
runs the dashboard. The `[auth]` secrets are deploy/auth.example.toml's keys, in a file of the test's own
(the developer's .streamlit/secrets.toml is never read). tests/test_deploy.py signs in the same way through
the HTTPS deployment, with password sign-in on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from devtools.servers import dashboard_server, free_port, wait_for_app
from mentorship import auth, db, web
from mentorship.cli import main
from mentorship.models import AuditEvent, LoginSession, User
from mentorship.ui.core import HANDOFF_FAILED

from .oidc_provider import (
    NO_ACCESS,
    SSO_BUTTON,
    auth_secrets,
    expect_committee_view,
    expect_signed_out,
    oidc_provider,
    sign_in_at_provider,
    sign_out_at_provider,
)

pytestmark = pytest.mark.browser

MEMBER = "member@umn.edu"
LEADER = "leader@umn.edu"


@dataclass(frozen=True)
class Dashboard:
    url: str  # as browsers reach it: the host of `[auth]`'s redirect_uri, so its cookies come back
    provider: str
    store: str


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def sso_only(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """The dashboard with password sign-in off and the provider as its single sign-on; a committee account
    and a leader's, added as an operator would (`users add`, no password)."""
    folder = tmp_path_factory.mktemp("sso")
    store = f"sqlite:///{folder / 'store.db'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(auth.PASSWORD_SIGN_IN_ENV, "off")
        assert main(["init", "--db", store]) == 0
        assert main(["users", "add", MEMBER, "--role", "committee", "--db", store]) == 0
        assert main(["users", "add", LEADER, "--role", "leader", "--db", store]) == 0
    port = free_port()
    url = f"http://localhost:{port}"
    auth_secrets(folder / "secrets.toml", dashboard=url, provider=provider)
    settings = {"STREAMLIT_SECRETS_FILES": str(folder / "secrets.toml"), auth.PASSWORD_SIGN_IN_ENV: "off"}
    with dashboard_server(store, port=port, env=settings):
        yield Dashboard(url, provider, store)


def sessions_of(dashboard: Dashboard, email: str) -> list[tuple[bool, bool]]:
    """(made by single sign-on, ended) for each of the account's sessions in the store."""
    engine = db.make_engine(dashboard.store)
    try:
        with db.read_session(engine) as session:
            rows = session.execute(
                sa.select(LoginSession.institution, LoginSession.ended_at.is_not(None))
                .join(User, User.id == LoginSession.user_id)
                .where(User.email == email)
                .order_by(LoginSession.id)
            ).all()
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def audited(dashboard: Dashboard, action: str) -> list[tuple[str, str, str]]:
    engine = db.make_engine(dashboard.store)
    try:
        with db.read_session(engine) as session:
            rows = session.execute(
                sa.select(AuditEvent.actor, AuditEvent.outcome, AuditEvent.summary)
                .where(AuditEvent.action == action)
                .order_by(AuditEvent.id)
            ).all()
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def download(page, url: str):
    """A GET with the browser's own cookies, as its link does."""
    return page.request.get(url, max_redirects=0)


def test_with_passwords_off_a_committee_member_signs_in_through_the_institution_and_signs_out(
    sso_only: Dashboard, browser_page
):
    page = browser_page
    page.goto(sso_only.url)
    wait_for_app(page)
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)  # no email, no password
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)

    # A made-up code gives no session (a password's is refused: tests/test_password_sign_in.py)
    made_up = page.request.post(
        f"{sso_only.url}{web.BEGIN_PATH}", form={"code": "made-up", "next": "/"}, max_redirects=0
    )
    assert made_up.status == 303 and "set-cookie" not in made_up.headers

    sign_in_at_provider(page, sso_only.provider, MEMBER)
    expect_committee_view(page, MEMBER)
    assert sessions_of(sso_only, MEMBER) == [(True, False)]

    # The browser holds the member's own session: a leader's file is refused to the member by name
    refused = download(page, f"{sso_only.url}{web.BACKUP_PATH}")
    assert (refused.status, refused.text()) == (403, web.NOT_SIGNED_IN)
    assert audited(sso_only, "store.backup")[-1] == (MEMBER, "refused", "refused: committee role")

    sign_out_at_provider(page, sso_only.provider)
    expect_signed_out(page, sso_only.url)
    assert sessions_of(sso_only, MEMBER) == [(True, True)]


def test_with_passwords_off_the_leader_signed_in_through_the_institution_downloads_until_signing_out(
    sso_only: Dashboard, browser_page
):
    page = browser_page
    # This browser still carries a live session of another account (the committee member's)
    engine = db.make_engine(sso_only.store)
    try:
        earlier = auth.begin_session(engine, auth.begin_single_sign_on(engine, MEMBER))
    finally:
        engine.dispose()
    page.context.add_cookies([{"name": web.SESSION_COOKIE, "value": earlier.session, "url": sso_only.url}])
    page.goto(sso_only.url)
    wait_for_app(page)
    sign_in_at_provider(page, sso_only.provider, LEADER)
    page.get_by_text(f"Signed in as {LEADER} (leader)").wait_for()
    wait_for_app(page)
    assert audited(sso_only, "auth.sign_in")[-1] == (LEADER, "done", "signed in through the institution")
    assert sessions_of(sso_only, MEMBER)[-1] == (True, True)  # signed out, never used

    page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Admin").click()
    addresses = []
    for tab, name in (("Backup", "Download a backup"), ("Audit log", "Download these events (CSV)")):
        page.get_by_role("tab", name=tab).click(timeout=30_000)
        link = page.get_by_role("link", name=name)
        expect(link).to_be_visible()
        addresses.append(sso_only.url + link.get_attribute("href"))
    backup_url, audit_url = addresses

    backup = download(page, backup_url)
    assert backup.status == 200 and backup.body().startswith(b"SQLite format 3\x00")
    log = download(page, audit_url)
    assert log.status == 200 and log.headers["content-type"].startswith("text/csv")
    assert "signed in through the institution" in log.text()

    sign_out_at_provider(page, sso_only.provider)
    expect_signed_out(page, sso_only.url)
    assert sessions_of(sso_only, LEADER) == [(True, True)]
    for url in (backup_url, audit_url):
        after = download(page, url)
        assert (after.status, after.text()) == (403, web.NOT_SIGNED_IN)


def test_an_email_without_an_account_gets_one_sentence_and_nothing_else(sso_only: Dashboard, browser_page):
    page = browser_page
    page.goto(sso_only.url)
    wait_for_app(page)
    sign_in_at_provider(page, sso_only.provider, "stranger@umn.edu")
    page.wait_for_url(f"{sso_only.url}/")
    wait_for_app(page)
    expect(page.get_by_text(NO_ACCESS)).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(0)
    expect(page.get_by_text("Signed in as")).to_have_count(0)


def test_a_browser_that_does_not_keep_the_session_is_told_once_and_not_asked_again(
    sso_only: Dashboard, browser_page
):
    page = browser_page

    def without_cookies(route) -> None:  # as a browser blocking this site's cookies
        answer = route.fetch(max_redirects=0)  # the server's real answer (it keeps the cookie it sets)
        page.context.clear_cookies(name=web.SESSION_COOKIE)
        headers = {k: v for k, v in answer.headers.items() if k.lower() != "set-cookie"}
        route.fulfill(response=answer, headers=headers)

    page.route(f"**{web.BEGIN_PATH}", without_cookies)
    page.goto(sso_only.url)
    wait_for_app(page)
    before = len(audited(sso_only, "auth.sign_in"))
    sign_in_at_provider(page, sso_only.provider, MEMBER)
    expect_committee_view(page, MEMBER)
    expect(page.locator('[data-testid="stSidebar"]').get_by_text(HANDOFF_FAILED)).to_be_visible()
    page.get_by_role("link", name="Cadence").click()  # another page, the same tab: no second attempt
    wait_for_app(page)
    expect(page.locator('[data-testid="stSidebar"]').get_by_text(HANDOFF_FAILED)).to_be_visible()
    assert audited(sso_only, "auth.sign_in")[before:] == [
        (MEMBER, "done", "signed in through the institution")
    ]
    refused = download(page, f"{sso_only.url}{web.export_url('nudges')}")
    assert (refused.status, refused.text()) == (403, web.NOT_SIGNED_IN)
