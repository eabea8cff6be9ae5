"""A real OpenID Connect provider for the single sign-on tests: oidc-provider-mock on a free localhost port;
the dashboard's `[auth]` secrets for it, written from deploy/auth.example.toml (the operator's example, so
the two cannot drift apart); and the steps a person takes on its sign-in form."""

from __future__ import annotations

import re
import secrets
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import expect

from devtools.servers import ROOT, wait_for_app

EXAMPLE = ROOT / "deploy" / "auth.example.toml"
SSO_BUTTON = "Sign in with your university account"
NO_ACCESS = (  # what an email without an account sees
    "Your university account has no access to this dashboard. Ask the program leader to add your email."
)


@contextmanager
def oidc_provider() -> Iterator[str]:
    """The provider, answering any client; whoever signs in on its form is the `sub` typed there, with that
    as their `email` claim. Yields its address (its discovery document is under /.well-known/)."""
    from oidc_provider_mock import run_server_in_thread

    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


def auth_secrets(path: Path, *, dashboard: str, provider: str) -> dict[str, str]:
    """Write a secrets file at `path` that is deploy/auth.example.toml with each of its values filled in for
    `dashboard` (the address browsers reach it at) and `provider`; returns the `[auth]` table written. A key
    the example adds or drops fails here, before any browser starts."""
    values = {
        "redirect_uri": f"{dashboard}/oauth2callback",
        "cookie_secret": secrets.token_urlsafe(32),
        "client_id": "mentorship-dashboard",
        "client_secret": secrets.token_urlsafe(16),
        "server_metadata_url": f"{provider}/.well-known/openid-configuration",
    }
    text = EXAMPLE.read_text()
    example = tomllib.loads(text)
    assert list(example) == ["auth"] and sorted(example["auth"]) == sorted(values), (
        f"{EXAMPLE.name} holds {example}, the test fills in {sorted(values)}"
    )
    for key, value in values.items():
        text, replaced = re.subn(rf'(?m)^{key} = ".*"$', f'{key} = "{value}"', text)
        assert replaced == 1, f"{EXAMPLE.name} should set {key} on one line of its own"
    path.write_text(text)
    written = tomllib.loads(text)["auth"]
    assert written == values
    return written


def offline(page) -> None:
    """The provider's pages style themselves from a CDN: nothing leaves this machine."""
    page.context.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), lambda route: route.abort())


def sign_in_at_provider(page, provider: str, email: str) -> None:
    """On the dashboard's sign-in page: the institution's button, then the provider's form as `email`."""
    offline(page)
    page.get_by_role("button", name=SSO_BUTTON).click()
    page.wait_for_url(f"{provider}/oauth2/authorize*")
    page.locator('input[name="sub"]').fill(email)
    page.get_by_role("button", name="Authorize").click()


def sign_out_at_provider(page, provider: str) -> None:
    """ "Sign out" in the dashboard's sidebar, then the provider's own end of its session."""
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{provider}/oauth2/end_session*")
    page.get_by_role("button", name="End session").click()


COMMITTEE_PAGES = ["Overview", "Registrations", "Pairings", "Cadence", "Retention", "Feedback", "Outcomes"]


def expect_committee_view(page, email: str) -> None:
    """Back from the provider signed in as the committee account `email`: the committee's sidebar (no
    Messages, no Admin)."""
    page.get_by_text(f"Signed in as {email} (committee)").wait_for()
    wait_for_app(page)
    links = page.locator('[data-testid="stSidebar"] [data-testid="stPageLink"]')
    expect(links).to_have_text(  # each after its icon's name; a loaded machine may be slow to draw them
        [re.compile(f"{label}$") for label in COMMITTEE_PAGES], timeout=30_000
    )


def expect_signed_out(page, dashboard: str) -> None:
    """On the dashboard's sign-in page with no sign-in left in the browser, even after a reload."""
    page.wait_for_url(f"{dashboard}/")
    for _ in range(2):
        wait_for_app(page)
        expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible()
        expect(page.get_by_text("Signed in as")).to_have_count(0)
        expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
        assert not [c for c in page.context.cookies() if c["name"].startswith("_streamlit_user")]
        page.reload()
