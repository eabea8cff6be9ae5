"""Registration journeys in a real browser: physicians and students register on the public page; the leader
accepts (no mail) or the person confirms through the link a real SMTP server received; then they are
suggested for pairing. Also a closed form, the limits, the hidden field, and a hostile name shown as text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.engine import Engine

from devtools.servers import dashboard_server, free_port, sign_in, wait_for_app
from mentorship import db, outbox, services, signup
from mentorship.auth import Actor
from mentorship.models import Mentee, Mentor, RefusalTally, Signup, SignupStatus
from mentorship.outbox.sending import send_due

from .browser_steps import EXCEPTION, choose, grid_row, open_page, open_tab, selectbox
from .conftest import LEADER_EMAIL, PASSWORD, add_accounts
from .factories import make_mentee, make_mentor

pytestmark = pytest.mark.browser
LEADER = Actor.operator()
HOSTILE = '<img src=x onerror="hostile=1">**Bold** =HYPERLINK("x")'  # a valid one-line name
WAITING = ("Wanjiru", "Waiting", "wanjiru@school.example.edu")


@dataclass(frozen=True)
class Program:
    engine: Engine
    base: str


def _store(tmp_path_factory, name: str) -> tuple[str, Engine]:
    url = f"sqlite:///{tmp_path_factory.mktemp(name) / 'store.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    add_accounts(engine)
    first, last, email = WAITING
    with db.write_session(engine) as session:
        session.add(
            make_mentee("wanjiru", first_name=first, last_name=last, email=email, identifies_bipoc="no")
        )
    services.set_form_open(engine, actor=LEADER, kind="mentors", is_open=True)
    services.save_registration_settings(
        engine, actor=LEADER, contact_email="mentoring@program.example.org", per_session=5, per_hour=60
    )
    return url, engine


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> Iterator[Program]:
    """A program without mail: the leader reviews every registration."""
    url, engine = _store(tmp_path_factory, "plain")
    with dashboard_server(url, env={"MENTORSHIP_SMTP_HOST": ""}) as base:
        yield Program(engine, base)
    engine.dispose()


@pytest.fixture(scope="module")
def mailed(tmp_path_factory) -> Iterator[tuple[Program, object]]:
    """A program whose mail goes to a real SMTP server; its public address is the dashboard's own."""
    from .mailserver import start_mail_server

    controller, server = start_mail_server()
    url, engine = _store(tmp_path_factory, "mailed")
    port = free_port()
    env = server.environ(MENTORSHIP_PUBLIC_URL=f"http://127.0.0.1:{port}")
    with dashboard_server(url, port=port, env=env) as base:
        yield Program(engine, base), server
    controller.stop()
    engine.dispose()


def fill_form(page, first: str, last: str, email: str, *, mentor: bool, **choices: str) -> None:
    wait_for_app(page)
    page.get_by_role("textbox", name="First name *").fill(first)
    page.get_by_role("textbox", name="Last name *").fill(last)
    page.get_by_role("textbox", name="Email *").fill(email)
    formats = page.locator('[data-testid="stMultiSelect"]').filter(has_text="Meeting formats")
    formats.get_by_role("combobox").click()
    page.keyboard.type("Video call")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(formats.get_by_text("Video call", exact=True)).to_be_visible()
    for label, option in choices.items():
        choose(page, selectbox(page, label), option)
    if mentor:
        page.get_by_text("I attest that I hold these values, as stated above").click()
    page.get_by_text("I agree to the program keeping my answers as described above").click()


def typed_choice(page, label: str, option: str) -> None:
    """Choose in a select box by typing, as a keyboard user does (no list to keep open on a busy machine)."""
    box = selectbox(page, label).get_by_role("combobox")
    box.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    expect(box).to_have_value(option)


def send(page) -> None:
    page.get_by_role("button", name="Send my registration").click()
    wait_for_app(page)


def accept_on_registrations(page, program: Program, label: str) -> None:
    page.goto(program.base)
    sign_in(page, LEADER_EMAIL, PASSWORD)
    open_page(page, "Registrations")
    open_tab(page, "New")
    choose(page, selectbox(page, "Registration"), label)
    page.get_by_role("button", name="Accept", exact=True).click()
    page.get_by_text("Accepted: the registration is written.").wait_for()
    wait_for_app(page)


def suggestions(page):
    open_page(page, "Pairings")
    return page.locator('[data-testid="stDataFrame"]').filter(visible=True).first


def person(engine: Engine, table, email: str):
    with db.read_session(engine) as session:
        return session.execute(sa.select(table).where(table.email == email)).scalars().first()


def test_a_physician_registers_the_leader_accepts_and_they_are_suggested_for_a_waiting_student(
    plain, browser_page
):
    page, engine = browser_page, plain.engine
    page.goto(f"{plain.base}/Register?as=mentor")
    page.get_by_role("heading", name="Register as a mentor").wait_for()
    expect(page.get_by_text(signup.DEFAULT_STATEMENT)).to_be_visible()
    expect(page.get_by_text("A mentorship lasts at least one year", exact=False)).to_be_visible()
    expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
    fill_form(page, "Kwame", "Asante", "kwame.asante@clinic.example.org", mentor=True)
    send(page)
    page.get_by_text(f"{signup.RECEIVED} {signup.RECEIVED_LEADER}").wait_for()
    assert person(engine, Mentor, "kwame.asante@clinic.example.org") is None  # pending: not registered yet

    accept_on_registrations(page, plain, "Kwame Asante <kwame.asante@clinic.example.org> (mentor, new)")
    mentor = person(engine, Mentor, "kwame.asante@clinic.example.org")
    assert (mentor.status, mentor.attests_values, mentor.values_version) == ("active", True, 1)
    open_tab(page, "Mentors")
    listed = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    expect(grid_row(listed, "Kwame Asante", "kwame.asante@clinic.example.org")).to_have_count(1)
    table = suggestions(page)
    expect(grid_row(table, "Kwame Asante", "Wanjiru Waiting")).to_have_count(1)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def test_a_student_who_requires_a_bipoc_mentor_is_suggested_only_bipoc_mentors(plain, browser_page):
    page, engine = browser_page, plain.engine
    with db.write_session(engine) as session:
        session.add(
            make_mentor("olaf", first_name="Olaf", last_name="Other", identifies_bipoc="no", capacity=3)
        )
        session.add(
            make_mentor("nnamdi", first_name="Nnamdi", last_name="Bipoc", identifies_bipoc="yes", capacity=1)
        )
    services.set_form_open(engine, actor=LEADER, kind="mentees", is_open=True)
    page.goto(f"{plain.base}/Register?as=mentee")
    page.get_by_role("heading", name="Register as a mentee").wait_for()
    expect(page.get_by_text(signup.BIPOC_WAIT)).to_be_visible()
    fill_form(
        page,
        "Ayana",
        "Student",
        "ayana@school.example.edu",
        mentor=False,
        **{"Identifies as BIPOC": "Yes", "BIPOC mentor": "Need a BIPOC mentor"},
    )
    send(page)
    page.get_by_text(signup.RECEIVED, exact=False).wait_for()
    accept_on_registrations(page, plain, "Ayana Student <ayana@school.example.edu> (mentee, new)")
    assert person(engine, Mentee, "ayana@school.example.edu").bipoc_mentor_preference == "required"
    table = suggestions(page)
    expect(grid_row(table, "Nnamdi Bipoc", "Ayana Student")).to_have_count(1)
    for other in ("Olaf Other", "Kwame Asante"):
        expect(grid_row(table, other, "Ayana Student")).to_have_count(0)


def test_a_closed_form_says_so_with_the_contact(plain, browser_page):
    page = browser_page
    services.set_form_open(plain.engine, actor=LEADER, kind="mentees", is_open=False)
    page.goto(f"{plain.base}/Register?as=mentee")
    page.get_by_text("Registration is closed for now. Questions: mentoring@program.example.org").wait_for()
    expect(page.get_by_role("textbox")).to_have_count(0)
    expect(page.get_by_role("button", name="Send my registration")).to_have_count(0)


def test_the_hidden_field_and_the_limit_per_browser_session(plain, browser_page):
    page, engine = browser_page, plain.engine
    services.save_registration_settings(
        engine, actor=LEADER, contact_email="mentoring@program.example.org", per_session=2, per_hour=60
    )
    try:
        page.goto(f"{plain.base}/Register?as=mentor")
        fill_form(page, "Bot", "Filler", "bot@spam.example", mentor=True)
        trap = page.locator(".st-key-register-trap input")
        expect(trap).to_be_hidden()  # people never see it (nor reach it by Tab: see the accessibility tests)
        # A bot fills every input of the page's HTML, hidden or not, as a script does.
        trap.evaluate(
            """el => { Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set.call(el,
                'http://spam.example'); el.dispatchEvent(new Event('input', {bubbles: true})); }"""
        )
        send(page)
        page.get_by_text(signup.RECEIVED, exact=False).wait_for()  # the bot learns nothing
        with db.read_session(engine) as session:
            assert (
                session.execute(sa.select(Signup.status).where(Signup.email == "bot@spam.example")).all()
                == []
            )
            assert (
                session.execute(
                    sa.select(sa.func.sum(RefusalTally.count)).where(
                        RefusalTally.action == "registration form: hidden field"
                    )
                ).scalar_one()
                == 1
            )
        page.get_by_role("button", name="Send another registration").click()
        fill_form(page, "Second", "Try", "second@clinic.example.org", mentor=True)
        send(page)
        page.get_by_text(signup.RECEIVED, exact=False).wait_for()
        page.get_by_role("button", name="Send another registration").click()
        fill_form(
            page, "Third", "Try", "third@clinic.example.org", mentor=True
        )  # the discarded one counts not
        send(page)
        page.get_by_text(signup.RECEIVED, exact=False).wait_for()
        page.get_by_role("button", name="Send another registration").click()
        fill_form(page, "Fourth", "Try", "fourth@clinic.example.org", mentor=True)
        send(page)
        page.get_by_text(signup.TOO_MANY).wait_for()
        expect(page.get_by_role("textbox", name="First name *")).to_have_value("Fourth")  # nothing lost
        assert person(engine, Mentor, "fourth@clinic.example.org") is None
        with db.read_session(engine) as session:  # the page's client address, kept only as its keyed hash
            addresses = set(session.execute(sa.select(Signup.address)).scalars())
        assert len(addresses) == 1 and len(addresses.pop()) == 32
    finally:
        services.save_registration_settings(
            engine, actor=LEADER, contact_email="mentoring@program.example.org", per_session=5, per_hour=60
        )


def test_a_physician_confirms_through_the_mailed_link_and_a_hostile_name_stays_text(
    mailed, browser_page, monkeypatch
):
    (program, server), page = mailed, browser_page
    monkeypatch.setenv("MENTORSHIP_PUBLIC_URL", program.base)  # the sender makes the link, on this address
    engine = program.engine
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{program.base}/Register?as=mentor")
    fill_form(page, HOSTILE[:100], "Okafor", "amara.okafor@clinic.example.org", mentor=True)
    send(page)
    page.get_by_text(f"{signup.RECEIVED} {signup.RECEIVED_MAIL}").wait_for()
    assert person(engine, Mentor, "amara.okafor@clinic.example.org") is None
    report = send_due(engine, smtp=outbox.smtp_settings(server.environ()), now=datetime.now(UTC))
    assert report.sent == 1
    (received,) = server.received
    assert received.recipients == ["amara.okafor@clinic.example.org"]
    assert received.body.startswith(f"Hi {HOSTILE[:100]},")
    link = next(line.strip() for line in received.body.splitlines() if "/Register?token=" in line)
    assert link.startswith(f"{program.base}/Register?token=")

    page.goto(link)
    page.get_by_role("button", name="Confirm my registration").click()
    page.get_by_text("Thank you: your registration is confirmed.").wait_for()
    page.get_by_text(f"Hi {HOSTILE[:100]}! Here you can update your details or withdraw.").wait_for()
    mentor = person(engine, Mentor, "amara.okafor@clinic.example.org")
    assert (mentor.first_name, mentor.values_version) == (HOSTILE[:100], 1)

    page.goto(program.base)
    sign_in(page, LEADER_EMAIL, PASSWORD)
    open_page(page, "Registrations")
    listed = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    expect(grid_row(listed, f"{HOSTILE[:100]} Okafor", "amara.okafor@clinic.example.org")).to_have_count(1)
    table = suggestions(page)
    expect(grid_row(table, f"{HOSTILE[:100]} Okafor", "Wanjiru Waiting")).to_have_count(1)
    for label in ("Overview", "Registrations", "Pairings", "Cadence", "Retention", "Admin"):
        open_page(page, label)
        expect(page.locator("img[src='x']")).to_have_count(0)
        expect(page.locator("strong", has_text=re.compile("^Bold$"))).to_have_count(0)
    assert page.evaluate("() => window.hostile === undefined") and dialogs == []


REGISTERED = {
    "first_name": "Imani",
    "last_name": "Mwangi",
    "email": "imani.mwangi@school.example.edu",
    "phone": "555 0100",
    "pronouns": "she/her",
    "school": "State University",
    "race_ethnicity": "Black; Kenyan",
    "gender": "woman",
    "languages": "English; Swahili",
    "bipoc_mentor_preference": "preferred",
}
SEEN = ("last_name", "phone", "race_ethnicity", "bipoc_mentor_preference", "gender", "languages", "school")


def _as_stored(engine: Engine, email: str) -> dict:
    stored = person(engine, Mentee, email)
    return {c: getattr(stored, c) for c in (*SEEN, "pronouns", "first_name", "meeting_formats")}


def test_a_stranger_cannot_rewrite_a_registered_student_through_the_public_form(
    mailed, browser_page, monkeypatch
):
    """Issue 24, item 1: the form sent with a registered student's email and other answers changes nothing;
    the page answers as always; she alone is mailed that she is registered, with her own working link."""
    (program, server), page = mailed, browser_page
    monkeypatch.setenv("MENTORSHIP_PUBLIC_URL", program.base)  # the sender makes the link, on this address
    engine = program.engine
    with db.write_session(engine) as session:
        session.add(make_mentee("imani", **REGISTERED))
    before = _as_stored(engine, REGISTERED["email"])
    services.set_form_open(engine, actor=LEADER, kind="mentees", is_open=True)

    page.goto(f"{program.base}/Register?as=mentee")
    page.get_by_role("heading", name="Register as a mentee").wait_for()
    page.get_by_role("textbox", name="Phone").fill("555 6666")
    page.get_by_role("textbox", name="Race/ethnicity").fill("Stranger's answer")
    fill_form(page, "Imani", "Stranger", REGISTERED["email"], mentor=False)
    typed_choice(page, "BIPOC mentor", "Need a BIPOC mentor")
    send(page)
    page.get_by_text(f"{signup.RECEIVED} {signup.RECEIVED_MAIL}", exact=True).wait_for()
    assert _as_stored(engine, REGISTERED["email"]) == before

    already = len(server.received)
    report = send_due(engine, smtp=outbox.smtp_settings(server.environ()), now=datetime.now(UTC))
    assert report.sent == 1
    received = server.received[already]
    assert received.recipients == [REGISTERED["email"]]
    link = next(line.strip() for line in received.body.splitlines() if "/Register?token=" in line)
    assert link.startswith(f"{program.base}/Register?token=")
    page.goto(link)  # she follows the link she was sent, and confirms if she is asked to
    page.get_by_role("heading", name="Your registration").wait_for()
    wait_for_app(page)
    if page.get_by_role("button", name="Confirm my registration").count():
        page.get_by_role("button", name="Confirm my registration").click()
        wait_for_app(page)
    assert _as_stored(engine, REGISTERED["email"]) == before
    # The mail said so, and carried nothing the stranger typed; the link is her own page, with her details.
    assert "You are already registered with the mentorship program." in received.body
    assert "Stranger" not in received.body and "555 6666" not in received.body
    page.get_by_text("Hi Imani! Here you can update your details or withdraw.").wait_for()
    expect(page.get_by_role("textbox", name="Last name *")).to_have_value("Mwangi")

    # Sent again the same day: still nothing changed, and no second message to her.
    page.goto(f"{program.base}/Register?as=mentee")
    fill_form(page, "Imani", "Stranger", REGISTERED["email"], mentor=False)
    send(page)
    page.get_by_text(f"{signup.RECEIVED} {signup.RECEIVED_MAIL}", exact=True).wait_for()
    assert send_due(engine, smtp=outbox.smtp_settings(server.environ()), now=datetime.now(UTC)).sent == 0
    assert _as_stored(engine, REGISTERED["email"]) == before
    with db.read_session(engine) as session:
        waiting = session.execute(sa.select(Signup).where(Signup.status == SignupStatus.pending)).all()
        assert waiting == []
