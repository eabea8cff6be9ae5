"""The real dashboard in headless Chromium: signing in and what a person sees on the Overview."""

import pytest

from devtools.servers import sign_in, wait_for_app
from mentorship import auth
from mentorship.models import utcnow

from .conftest import LEADER_EMAIL, PASSWORD, load_demo

pytestmark = pytest.mark.browser


def test_overview_in_a_browser_and_sign_in_survives_a_reload(engine, accounts, dashboard, browser_page):
    load_demo(engine)
    page = browser_page
    page.goto(dashboard)
    wait_for_app(page)
    assert page.locator('[data-testid="stMetric"]').count() == 0  # nothing without signing in
    sign_in(page, LEADER_EMAIL, PASSWORD)
    metrics = page.locator('[data-testid="stMetric"]')
    metrics.first.wait_for()
    assert metrics.count() == 8
    assert "Mentors registered" in metrics.nth(0).inner_text()
    assert "60" in page.locator('[data-testid="stMetricValue"]').nth(0).inner_text()
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(2).wait_for()
    assert charts.count() == 3
    assert page.title().startswith("Overview")

    page.reload()
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
    assert f"Signed in as {LEADER_EMAIL}" in page.locator('[data-testid="stSidebar"]').inner_text()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    page.reload()
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    assert page.locator('[data-testid="stMetric"]').count() == 0


def test_a_wrong_password_is_refused_in_a_browser(engine, accounts, dashboard, browser_page):
    page = browser_page
    page.goto(dashboard)
    sign_in(page, LEADER_EMAIL, "not the password", remembered=False)
    page.get_by_text(auth.WRONG).wait_for()
    assert page.locator('[data-testid="stMetric"]').count() == 0


def test_empty_store_guidance_in_a_browser(engine, accounts, dashboard, browser_page):
    page = browser_page
    page.goto(dashboard)
    sign_in(page, LEADER_EMAIL, PASSWORD)
    page.get_by_text("There are no registrations yet").wait_for()
    page.get_by_text("Registrations page").wait_for()
    assert page.get_by_role("button", name="Load demo data").count() == 0
    assert page.locator('[data-testid="stMetric"]').count() == 0


def test_a_visitors_browser_asks_nothing_of_any_other_site(engine, accounts, dashboard, browser_page):
    """Signed out, signed in, and on the pairs' check-in page: every request goes to the dashboard itself
    (a material-icon favicon made every visitor's browser ask Google's font server for it)."""
    load_demo(engine)
    page = browser_page
    elsewhere = []
    local = (dashboard, "blob:", "data:")  # blob: and data: addresses are the page's own, not a request out
    page.on("request", lambda r: None if r.url.startswith(local) else elsewhere.append(r.url))
    page.goto(dashboard)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    sign_in(page, LEADER_EMAIL, PASSWORD)
    page.locator('[data-testid="stVegaLiteChart"]').nth(2).wait_for()
    page.goto(f"{dashboard}/Check_in?token=not-a-token")
    wait_for_app(page)
    page.wait_for_timeout(500)  # the tab's icon is set after the page has drawn
    assert elsewhere == []
    assert page.evaluate("document.querySelector(\"link[rel='shortcut icon']\").href").startswith("data:")


XSS_FIRST = "<img src=x onerror=alert(1)>"
XSS_LAST = "<script>alert(2)</script>"


def test_a_name_with_html_shows_as_text_and_runs_nothing(engine, accounts, dashboard, browser_page):
    """User text is never rendered as HTML: on the public check-in page and on the Registrations page."""

    from mentorship import db, services

    from .factories import make_match, make_mentee, make_mentor

    with db.write_session(engine) as session:
        mentor = make_mentor("dr")
        mentee = make_mentee("xss", first_name=XSS_FIRST, last_name=XSS_LAST)
        session.add_all([mentor, mentee])
        session.flush()
        match = make_match(mentor.id, mentee.id)
        session.add(match)
        session.flush()
        match_id = match.id
    token = services.issue_checkin_link(engine, actor=accounts["leader"], match_id=match_id, now=utcnow())
    page, base = browser_page, dashboard
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{base}/Check_in?token={token}")
    wait_for_app(page)
    page.get_by_text(f"Hi Dr and {XSS_FIRST}!", exact=False).wait_for()
    assert page.locator("img[src='x']").count() == 0

    page.goto(base)
    sign_in(page, LEADER_EMAIL, PASSWORD)
    page.goto(f"{base}/Registrations")
    wait_for_app(page)
    page.get_by_role("tab", name="Mentees").click()  # only the open tab is drawn
    wait_for_app(page)
    page.get_by_text("1 mentee", exact=True).wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.wait_for_timeout(1000)
    assert page.locator("img[src='x']").count() == 0
    assert not page.evaluate("Array.from(document.scripts).some(s => s.text.includes('alert(2)'))")
    assert dialogs == []
