"""Real servers for tests, scripts and benchmarks: a throwaway PostgreSQL cluster, the dashboard under
`streamlit run server.py`, and Chromium.

Each is skipped when its program is missing, unless CI asks for it (MENTORSHIP_REQUIRE_SERVERS=1),
in which case a missing program fails the run instead of silently skipping.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from deploy import stack
from deploy.stack import free_port

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def unavailable(reason: str) -> None:
    if os.environ.get("MENTORSHIP_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{reason} (CI requires it: MENTORSHIP_REQUIRE_SERVERS=1)")
    pytest.skip(reason)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start PostgreSQL in a temporary directory on a free port; yields a URL to its `postgres` db."""
    try:
        with stack.postgres_server() as url:
            yield url
    except stack.MissingProgram as exc:
        unavailable(str(exc))


@contextmanager
def dashboard_server(
    database_url: str, *, port: int | None = None, env: dict[str, str] | None = None
) -> Iterator[str]:
    """`streamlit run server.py` (the pages and the dashboard's own routes) on `port` (a free one by
    default) against `database_url`, with `env` added to its environment; yields the base URL."""
    with dashboard_process(database_url, port=port, env=env) as (base, _):
        yield base


@contextmanager
def dashboard_process(
    database_url: str,
    script: Path = ROOT / "server.py",
    *,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run SCRIPT` as `dashboard_server` starts server.py, answering once this yields (its base
    URL, its process)."""
    port = port or free_port()
    env = {**os.environ, **(env or {}), "MENTORSHIP_DATABASE_URL": database_url}
    env["FORWARDED_ALLOW_IPS"] = env.get("MENTORSHIP_TRUSTED_PROXIES", "")  # as deploy/run-instance sets it
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("The dashboard did not start:\n" + (server.communicate()[0] or ""))
            time.sleep(0.2)
        yield base, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def chromium_browser() -> Iterator:
    """Debian's Chromium driven by Playwright (never `playwright install`: nothing is downloaded)."""
    if not Path(CHROMIUM).exists():
        unavailable("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser):
    """A page in a context of its own: no cookie, so no sign-in, carries over from another page."""
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    page.set_default_timeout(60_000)  # a loaded 2-core CI machine can be slow to draw a page
    return page


@contextmanager
def chromium_page() -> Iterator:
    with chromium_browser() as browser:
        yield new_page(browser)


def wait_for_app(page) -> None:
    """Streamlit's own e2e rule: wait until the script has finished running."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=30_000)


SESSION_COOKIE = "mentorship_session"


def session_cookie(page) -> dict | None:
    """The browser's sign-in cookie as the browser keeps it (HttpOnly: no script in the page can see it)."""
    return next((c for c in page.context.cookies() if c["name"] == SESSION_COOKIE), None)


def sign_in(page, email: str, password: str, *, remembered: bool = True) -> None:
    """Fill in and send the sign-in form; with `remembered`, wait until the server has set the sign-in
    cookie and the page has come back signed in, so that opening another page's address finds the reader
    signed in."""
    wait_for_app(page)
    before = session_cookie(page)
    page.get_by_role("textbox", name="Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()  # not the university sign-in button
    wait_for_app(page)
    if remembered:
        deadline = time.monotonic() + 60
        while session_cookie(page) in (None, before):
            if time.monotonic() > deadline:
                raise AssertionError("The sign-in cookie was never set.")
            page.wait_for_timeout(100)
        page.get_by_text("Signed in as").wait_for()
        wait_for_app(page)


def screenshot(page, path: Path) -> str:
    """Save what the page shows now (its full length) to `path`; says where, or why it could not."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=path, full_page=True, timeout=15_000)
    except Exception as exc:  # a crashed or closed page: the test's own failure still matters most
        return f"no screenshot ({type(exc).__name__}: {exc})"
    return f"screenshot saved: {path}"
