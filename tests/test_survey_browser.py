"""In a real browser: the leader turns on the mid-year survey and sends it; the mentee's mail (through a real
SMTP server) opens her own survey, which axe finds no serious violation on; she answers, one low safety
answer and the contact box; the leader sees the new concern and her response on the pair; the mentor's own
link shows nothing of her answers; the committee's Feedback page shows no figure while fewer than 5 responses
are in by a closed month's end, then the aggregates, and never her words nor anyone's single answer."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from devtools.servers import dashboard_server, free_port, new_page, sign_in, wait_for_app
from mentorship import db
from mentorship.privacy import last_closed_month_end

from .browser_steps import send_kind_now
from .cadence_store import add_pair, days_ago
from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD, add_accounts
from .feedback_store import answered_pairs
from .mailserver import start_mail_server
from .test_accessibility_browser import serious_violations

pytestmark = pytest.mark.browser
COMMENT = "Sometimes my background is brushed aside."
EARLIER = "Dr Yang is kind"  # the free text of the earlier answers, which the committee never reads


def main_text(page) -> str:
    """Everything the page's main area holds, the tables' cells (kept hidden for screen readers) included."""
    return page.locator('[data-testid="stMain"]').text_content()


def table_rows(page, first_column: str) -> list[list[str]]:
    """The rows (headers left out) of the page's table whose first column is `first_column`."""
    for table in page.locator('[data-testid="stDataFrame"] table').all():
        rows = [
            [cell.text_content() for cell in row.locator("th, td").all()] for row in table.locator("tr").all()
        ]
        if rows and rows[0][:1] == [first_column]:
            return rows[1:]
    raise AssertionError(f"No table starting with {first_column!r}")


def earlier_answers(engine, count: int, *, on: date) -> None:
    """`count` more mentees answered the mid-year survey (respect 5, safe space 4) on `on`, their mentors
    not."""
    answers = {"respect": 5, "safe_space": 4, "curious": 5, "comments": EARLIER}
    answered_pairs(engine, [(dict(answers), None) for _ in range(count)], on=on)


def test_a_mentee_answers_her_survey_the_leader_sees_it_the_mentor_not_the_committee_only_from_5(
    store_url, browser_page
):
    engine = db.make_engine(store_url)
    db.upgrade(engine)
    add_accounts(engine)
    add_pair(engine, "mid", confirmed_on=days_ago(185), met_on=(days_ago(20),))  # six months: mid-year due
    controller, mail = start_mail_server()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page = browser_page
    try:
        with dashboard_server(store_url, port=port, env={**mail.environ(), "MENTORSHIP_PUBLIC_URL": base}):
            page.goto(base)
            sign_in(page, LEADER_EMAIL, PASSWORD)
            send_kind_now(page, base, "Survey: mid-year", "Queued 2; sent 2, failed 0, waiting to retry 0.")

            links = {
                m.recipients[0]: re.search(rf"{re.escape(base)}/Survey\?token=[\w-]+(?=\s)", m.body).group(0)
                for m in mail.received
            }
            assert set(links) == {"mmid@clinic.example.org", "smid@school.example.edu"}

            survey = page.context.new_page()
            survey.goto(links["smid@school.example.edu"])
            wait_for_app(survey)
            survey.get_by_text("Hi Midkid! You are about halfway through the year.").wait_for()
            assert survey.locator('[data-testid="stSidebar"]').count() == 0
            assert serious_violations(survey) == []
            survey.get_by_role(
                "radiogroup", name="I am treated with respect in this mentorship."
            ).get_by_text("5 – Agree").click()
            survey.get_by_role("radiogroup", name="I can be myself in our conversations.").get_by_text(
                "2", exact=True
            ).click()
            survey.get_by_role(
                "textbox", name="Anything else you would like the program to know? (optional)"
            ).fill(COMMENT)
            survey.get_by_text("I would like the program leader to contact me.").click()
            survey.get_by_role("button", name="Save my answers").click()
            survey.get_by_text("The program leader will reach out to you.").wait_for()
            wait_for_app(survey)
            assert serious_violations(survey) == []
            survey.close()

            page.goto(f"{base}/Cadence")
            wait_for_app(page)
            page.get_by_role("tab", name="Asked to hear from you (1)").click()
            page.get_by_text(
                "Mid-year survey, the mentee: Safe space 2 of 5; asked to be contacted."
            ).wait_for()
            page.get_by_role("link", name="Email the mentee").wait_for()
            page.get_by_role("tab", name="Pairs", exact=True).click()
            wait_for_app(page)
            page.get_by_text("Mid-year · the mentee, Midkid Studentlast: answered").click()
            page.get_by_text(COMMENT).wait_for(state="attached")  # a cell of the answers' table (a canvas)
            page.get_by_text("Mid-year · the mentor, Middoc Mentorlast: sent").wait_for()

            mentor = page.context.new_page()
            mentor.goto(links["mmid@clinic.example.org"])
            wait_for_app(mentor)
            mentor.get_by_text("Hi Middoc! You are about halfway through the year.").wait_for()
            text = mentor.locator('[data-testid="stMain"]').inner_text()
            assert "Midkid" not in text and COMMENT not in text and "answered already" not in text
            assert mentor.get_by_role("radio", checked=True).count() == 0
            mentor.close()

            # The committee: the server's clock is the real one, so the earlier answers are dated in the last
            # closed month; hers (today) waits for this month's end.
            closed = last_closed_month_end(date.today())
            month = closed.replace(day=1)
            earlier_answers(engine, 4, on=month + timedelta(days=5))
            committee = new_page(page.context.browser)
            committee.goto(base)
            sign_in(committee, COMMITTEE_EMAIL, PASSWORD)
            committee.goto(f"{base}/Feedback")
            wait_for_app(committee)
            committee.get_by_text("Not shown yet. The survey figures move only").wait_for()
            shown = main_text(committee)
            for figure in ("Response rates", "Respect", "Safe space", "100%"):  # 4 answers: no figure at all
                assert figure not in shown

            earlier_answers(engine, 1, on=month + timedelta(days=6))  # the fifth: the month makes a release
            committee.reload()
            wait_for_app(committee)
            committee.get_by_text(f"As of {closed:%-d %B %Y}.").wait_for()
            committee.get_by_text("Show the numbers: Share agreeing").click()
            committee.get_by_text("57%–100%").first.wait_for(state="attached")
            assert table_rows(committee, "Survey") == [
                ["Mid-year", "Mentors", "5", "fewer than 5", "fewer than 5"],
                ["Mid-year", "Mentees", "5", "5", "100%"],  # hers, sent and answered today, is not in yet
            ]
            assert table_rows(committee, "Statement") == [
                ["Respect", "5", "5", "100%", "57%–100%"],
                ["Safe space", "5", "5", "100%", "57%–100%"],  # her 2 is not among them
                ["Mentor curious", "5", "5", "100%", "57%–100%"],
            ]
            shown = main_text(committee)
            for private in (COMMENT, EARLIER, "Midkid", "Mentee0", "asked to be contacted", "attention"):
                assert private not in shown
            committee.context.close()
    finally:
        controller.stop()
        engine.dispose()
