"""The year's report in real Chromium: it opens with no request but its own, prints to PDF with every chart
on its pages, and the leader's download route serves it to the leader alone."""

from __future__ import annotations

import io
import re
import unicodedata

import pytest
from pypdf import PdfReader

from mentorship import services, web

from .conftest import COMMITTEE_EMAIL
from .factories import TODAY, events
from .test_web import request, signed_in_cookie

ADDRESS = "http://report.invalid/mentorship-report-2025.html"  # nobody answers there but the test
MM = 96 / 25.4  # CSS pixels per millimetre
PRINTABLE_MM = {"A4": (297 - 30), "Letter": (279.4 - 30)}  # the page's height less the 15 mm margins


@pytest.fixture
def report_html(demo_engine, accounts) -> str:
    return services.year_report(demo_engine, actor=accounts["leader"], year=2025, today=TODAY)


@pytest.mark.browser
def test_the_report_opens_with_no_request_but_its_own_and_prints_every_chart(browser_page, report_html):
    page = browser_page
    asked: list[str] = []

    def answer(route):
        asked.append(route.request.url)
        if route.request.url == ADDRESS:
            route.fulfill(body=report_html, content_type="text/html; charset=utf-8")
        else:
            route.abort()

    page.context.route("**/*", answer)  # every request the page makes, to any address, comes here
    page.goto(ADDRESS, wait_until="networkidle")
    titles = page.locator("figure.report-chart h3").all_inner_texts()
    assert len(titles) >= 8
    assert page.locator("figure.report-chart svg").count() == len(titles)
    assert page.locator("figure.report-chart figcaption").count() == len(titles)
    sections = page.locator("main h2").all_inner_texts()
    assert sections[-1] == "The path to medical school" and len(sections) == 6

    page.emulate_media(media="print")
    for paper, printable in PRINTABLE_MM.items():
        # no chart is taller than a printed page, so `break-inside: avoid` keeps each one whole
        heights = page.locator("figure.report-chart .chart").evaluate_all(
            "charts => charts.map(c => c.getBoundingClientRect().height)"
        )
        assert max(heights) < printable * MM
        pdf = PdfReader(io.BytesIO(page.pdf(format=paper, print_background=True)))
        # NFKC: the printed "fi" ligature reads back as one character
        text = unicodedata.normalize("NFKC", "\n".join(p.extract_text() for p in pdf.pages))
        flat = re.sub(r"\s+", " ", text)
        for title in [*sections, *titles]:
            assert title in flat, f"{title!r} is not in the {paper} PDF"
        # the header, then each section from a page of its own
        assert len(pdf.pages) >= len(sections) + 1
        first_lines = [
            re.sub(r"\s+", " ", unicodedata.normalize("NFKC", p.extract_text())).strip() for p in pdf.pages
        ]
        for section in sections:
            assert any(line.startswith(section) for line in first_lines), f"{section} starts no page"
    assert asked == [ADDRESS]


@pytest.mark.browser
def test_the_years_report_is_downloaded_by_the_leader_alone(engine, accounts, dashboard):
    from .conftest import load_demo

    load_demo(engine)
    path = web.report_url(2025)
    assert path == "/downloads/report/2025.html"
    leader = signed_in_cookie(engine, dashboard)
    committee = signed_in_cookie(engine, dashboard, COMMITTEE_EMAIL)

    status, headers, body = request(dashboard, path, headers={"Cookie": f"{web.SESSION_COOKIE}={leader}"})
    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["cache-control"] == "no-store"
    assert headers["content-disposition"] == 'attachment; filename="mentorship-report-2025.html"'
    html = body.decode()
    assert html.startswith("<!DOCTYPE html>") and "Mentorship program: the year 2025" in html
    assert html.count("<svg") >= 8

    for cookie in (f"{web.SESSION_COOKIE}={committee}", ""):
        status, headers, body = request(dashboard, path, headers={"Cookie": cookie} if cookie else {})
        assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)
    status, _, body = request(
        dashboard, "/downloads/report/1999.html", headers={"Cookie": f"{web.SESSION_COOKIE}={leader}"}
    )
    assert status == 400 and body.decode().startswith("The year must be from ")

    trail = events(engine, "report.year")
    assert [(actor, outcome) for actor, outcome, _ in trail][:2] == [
        ("leader@program.example.org", "done"),
        (COMMITTEE_EMAIL, "refused"),
    ]
