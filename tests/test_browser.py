"""The real dashboard in headless Chromium: what a person sees on the Overview."""

import pytest

from .conftest import load_demo
from .servers import chromium_page, dashboard_server, wait_for_app

pytestmark = pytest.mark.browser


def test_overview_in_a_browser(engine, store_url):
    load_demo(engine)
    with dashboard_server(store_url) as base, chromium_page() as page:
        page.goto(base)
        wait_for_app(page)
        metrics = page.locator('[data-testid="stMetric"]')
        metrics.first.wait_for()
        assert metrics.count() == 8
        assert "Mentors registered" in metrics.nth(0).inner_text()
        assert "60" in page.locator('[data-testid="stMetricValue"]').nth(0).inner_text()
        charts = page.locator('[data-testid="stVegaLiteChart"]')
        charts.nth(2).wait_for()
        assert charts.count() == 3
        assert page.title().startswith("Overview")


def test_empty_store_guidance_in_a_browser(engine, store_url):
    with dashboard_server(store_url) as base, chromium_page() as page:
        page.goto(base)
        wait_for_app(page)
        page.get_by_text("There are no registrations yet").wait_for()
        page.get_by_role("button", name="Load demo data").click()
        page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
        assert page.locator('[data-testid="stMetric"]').count() == 8
