"""In a real browser: the leader turns on check-in invitations and sends due messages now; the test SMTP
server receives one invitation per person of each open pair, and each one's link opens that pair's check-in
page; a mentee's own stop link stops hers and not her mentor's."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from devtools.servers import dashboard_server, free_port, sign_in, wait_for_app
from mentorship import db, outbox

from .cadence_store import add_pair, days_ago
from .conftest import LEADER_EMAIL, PASSWORD, add_accounts
from .mailserver import start_mail_server

pytestmark = pytest.mark.browser


def test_the_leader_turns_on_invitations_and_each_open_pair_gets_its_working_link(store_url, browser_page):
    engine = db.make_engine(store_url)
    db.upgrade(engine)
    add_accounts(engine)
    pairs = {
        key: add_pair(engine, key, confirmed_on=days_ago(days), met_on=met)
        for key, days, met in (("ana", 200, (days_ago(10),)), ("bo", 300, ()), ("cy", 40, (days_ago(35),)))
    }
    add_pair(engine, "done", confirmed_on=days_ago(500), status="completed", ended_on=days_ago(100))
    controller, mail = start_mail_server()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page = browser_page
    try:
        with dashboard_server(store_url, port=port, env={**mail.environ(), "MENTORSHIP_PUBLIC_URL": base}):
            page.goto(base)
            sign_in(page, LEADER_EMAIL, PASSWORD)
            page.locator('[data-testid="stSidebar"]').get_by_role("link", name="Messages").click()
            page.get_by_role("heading", name="Messages").first.wait_for()
            wait_for_app(page)

            page.get_by_role("tab", name="Schedule", exact=True).click()
            wait_for_app(page)
            page.get_by_text("Check-in invitation", exact=True).click()  # the toggle's label
            page.get_by_role("button", name="Save the schedule").click()
            page.get_by_text("Schedule saved.").wait_for()
            wait_for_app(page)

            page.get_by_role("button", name="Send due messages now").click()
            page.get_by_text("Queued 6; sent 6, failed 0, waiting to retry 0.").wait_for()
            wait_for_app(page)
            page.get_by_role("tab", name="Outbox", exact=True).click()
            wait_for_app(page)
            expect(page.locator('[data-testid="stMetric"]').filter(has_text="Sent")).to_contain_text("6")

            assert sorted(tuple(m.recipients) for m in mail.received) == sorted(
                [(f"m{key}@clinic.example.org",) for key in pairs]
                + [(f"s{key}@school.example.edu",) for key in pairs]
            )
            for message in mail.received:
                link = re.search(rf"{re.escape(base)}/Check_in\?token=[\w-]+(?=\s)", message.body).group(0)
                key = message.recipients[0][1:].split("@")[0]
                checkin = page.context.new_page()
                checkin.goto(link)
                wait_for_app(checkin)
                checkin.get_by_text(
                    f"Hi {key.title()}doc and {key.title()}kid! Let the program know when you met."
                ).wait_for()
                checkin.close()

            # Bo's mentee follows her own "stop these reminders": nobody asks who she is, and only she stops
            hers = next(m for m in mail.received if m.recipients == ["sbo@school.example.edu"])
            stop = page.context.new_page()
            stop.goto(str(hers.message["List-Unsubscribe"]).strip("<>"))
            wait_for_app(stop)
            stop.get_by_text("Hi Bokid! This stops the program's check-in invitations").wait_for()
            assert stop.get_by_role("radio").count() == 0
            stop.get_by_role("button", name="Stop these reminders for me").click()
            stop.get_by_text("Done: you will get no more check-in invitations, nudges or surveys.").wait_for()
            with db.read_session(engine) as session:
                assert outbox.opted_out(session, ["mbo@clinic.example.org", "sbo@school.example.edu"]) == {
                    "sbo@school.example.edu"
                }
    finally:
        controller.stop()
        engine.dispose()
