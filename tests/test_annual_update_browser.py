"""In a real browser: the leader turns on the yearly "Where are you now?" and sends it; a mentee whose pair
has ended opens her mail's link (through a real SMTP server), which axe finds no serious violation on, adds
"Accepted" with a date and "Matriculated" with a school, and sees them on her path; the store has them as
told by the mentee; a link that has closed shows one sentence and nothing else."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from devtools.servers import dashboard_server, free_port, sign_in, wait_for_app
from mentorship import annual, db, services
from mentorship.models import AnnualUpdate, Milestone, utcnow

from .browser_steps import EXCEPTION, choose, selectbox, send_kind_now
from .cadence_store import add_pair
from .conftest import LEADER_EMAIL, PASSWORD, add_accounts
from .factories import make_mentee
from .mailserver import start_mail_server
from .test_accessibility_browser import serious_violations

pytestmark = pytest.mark.browser
SCHOOL = "Morehouse School of Medicine"


def fill_date(page, label: str, day: date) -> None:
    """Type a day into a date field (year, month and day segments; each moves on to the next when full)."""
    page.get_by_role("spinbutton", name=f"year, {label}").click()
    page.keyboard.type(f"{day:%Y%m%d}")
    page.keyboard.press("Tab")
    wait_for_app(page)


def test_a_mentee_adds_her_steps_through_the_yearly_mail_and_a_closed_link_shows_one_sentence(
    store_url, browser_page
):
    engine = db.make_engine(store_url)
    db.upgrade(engine)
    add_accounts(engine)
    today = date.today()
    add_pair(
        engine,
        "ada",
        confirmed_on=today - timedelta(days=800),
        status="ended",
        ended_on=today - timedelta(days=400),
    )
    with db.write_session(engine) as session:
        late = make_mentee("late", first_name="Latekid")
        session.add(late)
        session.flush()
        closed = AnnualUpdate(mentee_id=late.id, year=today.year - 1)
        session.add(closed)
        session.flush()
        old_token = services.mint_update_link(session, closed.id, utcnow() - timedelta(days=61))
    controller, mail = start_mail_server()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    page = browser_page
    try:
        with dashboard_server(store_url, port=port, env={**mail.environ(), "MENTORSHIP_PUBLIC_URL": base}):
            page.goto(base)
            sign_in(page, LEADER_EMAIL, PASSWORD)
            send_kind_now(
                page,
                base,
                "Yearly update: where are you now?",
                "Queued 2; sent 2, failed 0, waiting to retry 0.",
            )

            (received,) = [m for m in mail.received if m.recipients == ["sada@school.example.edu"]]
            assert received.subject == "Where are you now?"
            link = re.search(rf"{re.escape(base)}/Update\?token=[\w-]+(?=\s)", received.body).group(0)

            update = page.context.new_page()
            update.goto(link)
            wait_for_app(update)
            update.get_by_role("heading", name="Where are you now?").wait_for()
            update.get_by_text("Hi Adakid! Once a year the program asks").wait_for()
            update.get_by_text("Nothing recorded yet.").wait_for()
            assert update.locator('[data-testid="stSidebar"]').count() == 0
            assert serious_violations(update) == []

            choose(update, selectbox(update, "Step 1: what happened"), "Accepted (at least one offer)")
            wait_for_app(update)
            fill_date(update, "Step 1: when", date(today.year, 1, 15))
            update.get_by_role("button", name="Add another step").click()
            wait_for_app(update)
            choose(update, selectbox(update, "Step 2: what happened"), "Matriculated")
            wait_for_app(update)
            fill_date(update, "Step 2: when", date(today.year, 1, 20))
            update.get_by_role("textbox", name="Step 2: medical school").fill(SCHOOL)
            update.get_by_role("textbox", name="Step 2: medical school").press("Enter")
            wait_for_app(update)
            update.get_by_role("button", name="Save", exact=True).click()
            update.get_by_text("Thank you: 2 steps added to your path.").wait_for()
            wait_for_app(update)
            path = update.locator('[data-testid="stText"]').nth(1)
            expect(path).to_have_text(
                f"Accepted (at least one offer): {today.year}-01-15\nMatriculated: {today.year}-01-20"
            )
            expect(update.locator(EXCEPTION)).to_have_count(0)
            assert serious_violations(update) == []
            assert (
                SCHOOL not in update.locator('[data-testid="stMain"]').inner_text()
            )  # labels and dates only
            update.close()

            with db.read_session(engine) as session:
                rows = session.execute(
                    sa.select(
                        Milestone.kind, Milestone.happened_on, Milestone.school, Milestone.source
                    ).order_by(Milestone.happened_on)
                ).all()
            assert [(str(k), on, school, str(source)) for k, on, school, source in rows] == [
                ("accepted", date(today.year, 1, 15), "", "mentee"),
                ("matriculated", date(today.year, 1, 20), SCHOOL, "mentee"),
            ]

            expired = page.context.new_page()
            expired.goto(f"{base}/Update?token={old_token}")
            wait_for_app(expired)
            expired.get_by_text(annual.CLOSED).wait_for()
            main = expired.locator('[data-testid="stMain"]')
            assert main.inner_text().replace("link_off", "").strip() == annual.CLOSED  # the icon's ligature
            expect(main.get_by_role("button")).to_have_count(0)
            expect(main.get_by_role("heading")).to_have_count(0)
            expired.close()
    finally:
        controller.stop()
        engine.dispose()
