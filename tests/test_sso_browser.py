"""Single sign-on in Chromium against a real OpenID Connect provider on localhost (oidc-provider-mock),
with password sign-in off (MENTORSHIP_PASSWORD_SIGNIN=off), as an institution that requires its own sign-in
runs the dashboard. The `[auth]` secrets are deploy/auth.example.toml's keys, in a file of the test's own
(the developer's .streamlit/secrets.toml is never read). tests/test_deploy.py signs in the same way through
the HTTPS deployment, with password sign-in on."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from devtools.servers import dashboard_server, free_port, wait_for_app
from mentorship import auth
from mentorship.cli import main

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


@dataclass(frozen=True)
class Dashboard:
    url: str  # as browsers reach it: the host of `[auth]`'s redirect_uri, so its cookies come back
    provider: str


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def sso_only(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """The dashboard with password sign-in off and the provider as its single sign-on; one committee
    account, added as an operator would (`users add`, no password)."""
    folder = tmp_path_factory.mktemp("sso")
    store = f"sqlite:///{folder / 'store.db'}"
    with pytest.MonkeyPatch.context() as env:
        env.setenv(auth.PASSWORD_SIGN_IN_ENV, "off")
        assert main(["init", "--db", store]) == 0
        assert main(["users", "add", MEMBER, "--role", "committee", "--db", store]) == 0
    port = free_port()
    url = f"http://localhost:{port}"
    auth_secrets(folder / "secrets.toml", dashboard=url, provider=provider)
    settings = {"STREAMLIT_SECRETS_FILES": str(folder / "secrets.toml"), auth.PASSWORD_SIGN_IN_ENV: "off"}
    with dashboard_server(store, port=port, env=settings):
        yield Dashboard(url, provider)


def test_with_passwords_off_a_committee_member_signs_in_through_the_institution_and_signs_out(
    sso_only: Dashboard, browser_page
):
    page = browser_page
    page.goto(sso_only.url)
    wait_for_app(page)
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)  # no email, no password
    expect(page.get_by_role("button", name="Sign in", exact=True)).to_have_count(0)

    # The password route refuses too, not only the page
    refused = page.request.post(f"{sso_only.url}/auth/begin", form={"code": "made-up", "next": "/"})
    assert (refused.status, refused.text()) == (403, auth.PASSWORD_OFF)

    sign_in_at_provider(page, sso_only.provider, MEMBER)
    expect_committee_view(page, MEMBER)

    sign_out_at_provider(page, sso_only.provider)
    expect_signed_out(page, sso_only.url)


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
