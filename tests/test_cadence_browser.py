"""The Cadence page and a pair's check-in link in headless Chromium, against the real server."""

from datetime import date

import pytest
from playwright.sync_api import expect

from devtools.servers import sign_in, wait_for_app

from .cadence_store import add_pair, days_ago, meetings_of
from .conftest import LEADER_EMAIL, PASSWORD

pytestmark = pytest.mark.browser
ROW_HEIGHT = 35  # Streamlit's dataframe rows and header, in pixels


def test_leader_picks_a_pair_issues_its_link_and_the_pair_checks_in(
    engine, accounts, dashboard, browser_page
):
    add_pair(engine, "olga", confirmed_on=days_ago(300), met_on=(days_ago(120),))
    dawit = add_pair(engine, "dawit", confirmed_on=days_ago(300), met_on=(days_ago(70),))
    page, base = browser_page, dashboard
    page.goto(base)
    sign_in(page, LEADER_EMAIL, PASSWORD)
    page.get_by_role("link", name="Cadence").click()
    page.get_by_role("heading", name="Meeting cadence").wait_for()
    wait_for_app(page)
    metrics = page.locator('[data-testid="stMetric"]')
    shown = [metrics.nth(i).inner_text().split("\n") for i in range(metrics.count())]
    assert [(lines[0], lines[-1]) for lines in shown] == [
        ("New", "0"),
        ("On track", "0"),
        ("Due", "1"),
        ("Overdue", "1"),
        ("Not yet met", "0"),
    ]
    picker = page.locator('[data-testid="stSelectbox"]').first
    expect(picker.locator("input")).to_have_value("Olgadoc Mentorlast & Olgakid Studentlast")

    grid = page.locator('[data-testid="stDataFrame"]').first
    grid.click(position={"x": 18, "y": ROW_HEIGHT + ROW_HEIGHT + ROW_HEIGHT // 2})  # the second row
    expect(picker.locator("input")).to_have_value("Dawitdoc Mentorlast & Dawitkid Studentlast")
    wait_for_app(page)

    page.get_by_role("button", name="Create the pair's check-in link").click()
    page.locator('[data-testid="stCode"]').wait_for()
    url = page.locator('[data-testid="stCode"]').inner_text().strip()
    assert url.startswith("http://localhost:8501/Check_in?token=")
    mail = page.get_by_role("link", name="Email the link to the pair")
    assert mail.get_attribute("href").startswith(
        "mailto:mdawit@clinic.example.org,sdawit@school.example.edu?"
    )

    page.goto(url.replace("http://localhost:8501", base))
    wait_for_app(page)
    page.get_by_text("Hi Dawitdoc and Dawitkid!").wait_for()
    assert (
        page.locator('[data-testid="stSidebar"]').count() == 0
        or not page.locator('[data-testid="stSidebar"]').is_visible()
    )
    assert meetings_of(engine, dawit) == [(days_ago(70), "imported")]
    page.locator('[data-testid="stRadio"]').get_by_text(
        "Video call", exact=True
    ).click()  # none chosen for them
    page.get_by_role("button", name="Send").click()
    wait_for_app(page)
    page.get_by_text("Thanks — your meeting is recorded.").first.wait_for()
    assert meetings_of(engine, dawit) == [(days_ago(70), "imported"), (date.today(), "checkin")]

    page.goto(f"{base}/Check_in?token=not-a-token")
    wait_for_app(page)
    page.get_by_text("This check-in link is not active.").wait_for()
    assert page.get_by_role("button", name="Send").count() == 0
