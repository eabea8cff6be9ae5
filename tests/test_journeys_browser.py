"""Whole journeys in one real browser session each, against one dashboard on a demo store.

The leader imports, pairs, logs a meeting and records a decision, as a person would; a committee member
finds no control that changes anything, and what the browser receives (the websocket frames, not only what
is drawn) carries no one's email or race/ethnicity; nobody signed out gets any data from any page address.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.engine import Engine

from devtools.servers import dashboard_server, sign_in, wait_for_app
from mentorship import db
from mentorship.models import Mentee, Mentor
from mentorship.privacy import mask_email
from mentorship.values import split_identities

from .browser_steps import (
    EXCEPTION,
    PAGES,
    choose,
    grid_row,
    grid_rows,
    metric,
    number,
    open_page,
    open_pair,
    open_tab,
    options_of,
    selectbox,
    shown,
)
from .cadence_store import add_pair, days_ago, meetings_of
from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD, ROOT, add_accounts, load_demo

pytestmark = pytest.mark.browser

LEADER_ONLY = ("Messages", "Admin")
CADENCE_STATUSES = ("New", "On track", "Due", "Overdue", "Not yet met")
# Every control the leader uses below, and the others that change something: none is for the committee.
WRITE_CONTROL = re.compile(
    r"\b(confirm|import|decision|log meeting|pair them|reject|end the pair|save|add|set status|"
    r"check-in link|replace|revoke|resolve|deactivate|backup|load demo|reset|undo)\b",
    re.IGNORECASE,
)
DUE_PAIR = "Yaradoc Mentorlast & Yarakid Studentlast"  # a year less five days: its decision is due
NEW_MENTEES = [  # (first, last, email, race/ethnicity) of the CSV the leader uploads
    ("Zainab", "Testimport", "zainab.testimport@school.example.edu", "Garifuna"),
    ("Tomas", "Testimport", "tomas.testimport@school.example.edu", ""),
]


@dataclass(frozen=True)
class Program:
    engine: Engine
    base: str


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Program]:
    """The demo program as of today, the two accounts and a pair due its one-year decision, served by
    one dashboard for the whole module (each test reads what it expects from the store when it runs)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('journeys') / 'store.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    load_demo(engine, today=date.today())
    add_accounts(engine)
    add_pair(engine, "yara", confirmed_on=days_ago(360), met_on=(days_ago(20),))
    with dashboard_server(url) as base:
        yield Program(engine, base)
    engine.dispose()


# What the store holds
@dataclass(frozen=True)
class Person:
    name: str
    email: str
    race_ethnicity: str


def people(engine: Engine) -> list[Person]:
    with db.read_session(engine) as session:
        return [
            Person(f"{first} {last}", email, race)
            for model in (Mentor, Mentee)
            for first, last, email, race in session.execute(
                sa.select(model.first_name, model.last_name, model.email, model.race_ethnicity)
            )
        ]


# What the browser received
def record_frames(page) -> list[bytes]:
    """Every websocket message the page receives from now on (Streamlit's protobuf deltas, as bytes)."""
    frames: list[bytes] = []
    page.on(
        "websocket",
        lambda ws: ws.on("framereceived", lambda f: frames.append(f if isinstance(f, bytes) else f.encode())),
    )
    return frames


def race_values(everyone: list[Person]) -> set[str]:
    """Each person's race/ethnicity as stored, and each identity it names."""
    return {v for p in everyone for v in [p.race_ethnicity, *split_identities(p.race_ethnicity)] if v}


def personal_values_in(frames: list[bytes], everyone: list[Person]) -> dict[str, list[str]]:
    """The emails and race/ethnicity values of `everyone` that occur in `frames`.

    Strings travel as plain UTF-8 inside protobuf and Arrow, so a byte search finds them (Arrow packs a
    column's strings end to end, so no word boundary can be asked for). Names may be shown to whoever is
    signed in and can hold a value ("White" in "Whitebird"): those names are taken out before the search."""
    received = b"\n".join(frames)
    values = race_values(everyone)
    for word in sorted({w for p in everyone for w in p.name.split()}, key=len, reverse=True):
        if any(v in word for v in values):
            received = received.replace(word.encode(), b"")
    return {
        "emails": sorted({p.email for p in everyone if p.email.encode() in received}),
        "race_ethnicity": sorted(v for v in values if v.encode() in received),
    }


# What the page shows


def button_names(page) -> list[str]:
    """Every button in the page, shown or not, by its label and its text without its icon's name."""
    return page.locator("button").evaluate_all(
        """bs => bs.map(b => {
            const text = b.cloneNode(true);
            text.querySelectorAll('[data-testid="stIconMaterial"]').forEach(icon => icon.remove());
            return [b.getAttribute('aria-label') || '', text.textContent].join(' ').trim();
        })"""
    )


def write_controls(page) -> list[str]:
    return [b for b in button_names(page) if WRITE_CONTROL.search(b)]


def mentees_csv() -> bytes:
    """Two new mentees in the columns of data/templates/mentees.csv."""
    header = (ROOT / "data/templates/mentees.csv").read_text(encoding="utf-8").strip()
    cells = {
        "school": "University of Minnesota",
        "class_year": "2028",
        "major": "Biology",
        "identifies_bipoc": "yes",
        "bipoc_mentor_preference": "none",
        "specialty_interests": "pediatrics",
        "meeting_formats": "virtual; phone",
        "registered_on": days_ago(3).isoformat(),
    }
    rows = []
    for first, last, email, race in NEW_MENTEES:
        row = {**cells, "first_name": first, "last_name": last, "email": email, "race_ethnicity": race}
        rows.append(",".join(row.get(column, "") for column in header.split(",")))
    return ("\n".join([header, *rows]) + "\n").encode()


def test_the_leader_imports_pairs_logs_a_meeting_and_decides_in_one_session(program, browser_page):
    page, engine = browser_page, program.engine
    frames = record_frames(page)
    page.goto(program.base)
    sign_in(page, LEADER_EMAIL, PASSWORD)
    page.get_by_role("heading", name="Mentorship program").wait_for()
    expect(metric(page, "Active pairs")).to_be_visible()
    waiting, active = number(page, "Mentees waiting"), number(page, "Active pairs")
    expect(page.locator(EXCEPTION)).to_have_count(0)

    # Registrations: upload a CSV, read the preview, import it
    open_page(page, "Registrations")
    page.get_by_role("tab", name="Import and export").click()
    choose(page, selectbox(page, "The file holds"), "Mentees")
    wait_for_app(page)
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": "new-mentees.csv", "mimeType": "text/csv", "buffer": mentees_csv()}
    )
    import_button = page.get_by_role("button", name="Import 2 rows")
    import_button.wait_for()
    wait_for_app(page)
    assert {f: number(page, f) for f in ("Rows", "New", "Updated", "Unchanged", "Invalid")} == {
        "Rows": 2,
        "New": 2,
        "Updated": 0,
        "Unchanged": 0,
        "Invalid": 0,
    }
    preview = page.locator('[data-testid="stDataFrame"]').filter(visible=True).last
    assert [row[1:3] for row in grid_rows(preview)] == [
        ["created", f"{first} {last} <{email}>"] for first, last, email, _ in NEW_MENTEES
    ]
    assert "Import 2 rows" in write_controls(page)
    import_button.click()
    page.get_by_text(
        "Imported mentees: 2 created, 0 updated, 0 unchanged, 0 invalid rows not imported."
    ).first.wait_for()
    wait_for_app(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)
    assert {p.email for p in people(engine)} >= {email for *_, email, _ in NEW_MENTEES}
    open_tab(page, "Mentees")  # only the open tab is drawn
    expect(page.locator(EXCEPTION)).to_have_count(0)

    open_page(page, "Overview")
    expect(metric(page, "Mentees waiting")).to_have_text(str(waiting + 2))

    # Pairings: confirm the best suggested pair, then the pair the picker moves on to (the button confirms
    # the pair on the screen); each leaves the suggestions
    open_page(page, "Pairings")
    picker = selectbox(page, "Suggested pair")
    table = page.locator('[data-testid="stDataFrame"]').filter(visible=True).first
    students = number(page, "Students waiting")
    assert {"Confirm", "Reject"} <= set(write_controls(page))
    assert [b for b in write_controls(page) if b.startswith("Confirm")] == ["Confirm"]  # one way to confirm
    for confirmed in (1, 2):
        suggested = shown(picker)  # "Mentor & Mentee (score 12.83 points)"
        pair = suggested.rsplit(" (", 1)[0]
        expect(grid_row(table, *pair.split(" & "))).to_have_count(1)
        page.get_by_role("button", name="Confirm", exact=True).click()
        page.get_by_text(f"Confirmed: {pair}.").wait_for()
        wait_for_app(page)
        expect(metric(page, "Students waiting")).to_have_text(str(students - confirmed))
        expect(picker.get_by_role("combobox")).not_to_have_value(suggested)
        assert suggested not in options_of(page, picker)
        expect(grid_row(table, *pair.split(" & "))).to_have_count(0)
        match = open_pair(engine, pair)
        assert (match.status, match.source, match.confirmed_on) == ("active", "suggested", date.today())
        expect(page.locator(EXCEPTION)).to_have_count(0)

    open_page(page, "Overview")
    expect(metric(page, "Active pairs")).to_have_text(str(active + 2))
    expect(metric(page, "Mentees waiting")).to_have_text(str(waiting + 2 - 2))

    # Cadence: log a meeting for the pair longest without one
    open_page(page, "Cadence")
    before = {s: number(page, s) for s in CADENCE_STATUSES}
    longest = shown(selectbox(page, "Pair"))
    pair_met = open_pair(engine, longest)
    met_before = meetings_of(engine, pair_met.id)
    page.get_by_role("tab", name="Log a meeting").click()
    form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_role("button", name="Log meeting"))
    choose(page, selectbox(form, "Pair"), longest)
    assert "Log meeting" in write_controls(page)
    form.get_by_role("button", name="Log meeting").click()
    page.get_by_text("Meeting logged.").wait_for()
    wait_for_app(page)
    expect(metric(page, "On track")).to_have_text(str(before["On track"] + 1))
    after = {s: number(page, s) for s in CADENCE_STATUSES}
    moved = {s: after[s] - before[s] for s in CADENCE_STATUSES if after[s] != before[s]}
    assert sorted(moved.values()) == [-1, 1] and moved["On track"] == 1, moved
    assert meetings_of(engine, pair_met.id) == [*met_before, (date.today(), "leader")]
    expect(page.locator(EXCEPTION)).to_have_count(0)

    # Retention: the pair at its one-year mark continues
    open_page(page, "Retention")
    decide = page.locator('[data-testid="stForm"]').filter(
        has=page.get_by_role("button", name="Record decision")
    )
    due_picker = selectbox(decide, "Pair")
    due = [o for o in options_of(page, due_picker) if o.startswith(DUE_PAIR)]
    assert len(due) == 1
    choose(page, due_picker, due[0])
    decide.get_by_role("radio", name="Continue").click()
    expect(decide.get_by_role("radio", name="Continue")).to_be_checked()
    assert "Record decision" in write_controls(page)
    decide.get_by_role("button", name="Record decision").click()
    page.get_by_text("Recorded: the pair continues past its first year.").wait_for()
    wait_for_app(page)
    decided = open_pair(engine, DUE_PAIR)
    assert (decided.status, decided.decided_on) == ("continued", date.today())
    assert not [o for o in options_of(page, due_picker) if o.startswith(DUE_PAIR)]
    expect(page.locator(EXCEPTION)).to_have_count(0)

    open_page(page, "Admin")
    page.get_by_role("tab", name="Audit log").click()
    expect(page.get_by_text(re.compile(r"^\d+ events, newest first"))).to_be_visible()

    # The leader's pages carry everyone's contacts and demographics: the search below finds them all,
    # so its finding nothing for the committee means something.
    everyone = people(engine)
    assert personal_values_in(frames, everyone) == {
        "emails": sorted({p.email for p in everyone}),
        "race_ethnicity": sorted(race_values(everyone)),
    }


def test_the_committee_finds_no_controls_and_receives_no_contacts_or_demographics(program, browser_page):
    page = browser_page
    frames = record_frames(page)
    page.goto(program.base)
    sign_in(page, COMMITTEE_EMAIL, PASSWORD)
    page.get_by_role("heading", name="Mentorship program").wait_for()
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar.locator('[data-testid="stPageLink"]')).to_have_text(  # each after its icon's name
        [re.compile(f"{label}$") for label in PAGES if label not in LEADER_ONLY]
    )
    for label in PAGES:
        if label in LEADER_ONLY:
            page.goto(f"{program.base}/{PAGES[label][0]}")
            page.get_by_text("This page is for the program leader.").wait_for()
            wait_for_app(page)
            assert page.locator('[data-testid="stDataFrame"]').count() == 0
            continue
        open_page(page, label)
        for tab in page.get_by_role("tab").all():
            open_tab(page, tab.inner_text().strip())
        assert write_controls(page) == [], label
        expect(page.locator(EXCEPTION)).to_have_count(0)

    open_page(page, "Registrations")
    rows = grid_rows(page.locator('[data-testid="stDataFrame"]').filter(visible=True).first)
    assert rows and all(re.fullmatch(r".\*\*\*@[\w.-]+", row[1]) for row in rows), rows[:3]

    everyone = people(program.engine)
    received = b"\n".join(frames)
    assert COMMITTEE_EMAIL.encode() in received  # the frames are read as they should be...
    assert all(mask_email(p.email).encode() in received for p in everyone)  # ...and carry the tables
    assert personal_values_in(frames, everyone) == {"emails": [], "race_ethnicity": []}


def test_no_page_address_gives_data_to_someone_signed_out(program, browser_page):
    page = browser_page
    frames = record_frames(page)
    everyone = people(program.engine)
    for label, (path, _) in PAGES.items():
        page.goto(f"{program.base}/{path}")
        wait_for_app(page)
        page.get_by_role("button", name="Sign in").wait_for()
        expect(page.get_by_role("textbox", name="Password")).to_be_visible()
        for element in ("stDataFrame", "stTable", "stMetric", "stVegaLiteChart", "stSidebar", "stException"):
            assert page.locator(f'[data-testid="{element}"]').count() == 0, (label, element)
        text = page.locator("body").inner_text()
        assert [p.name for p in everyone if p.name in text] == [], label
    assert personal_values_in(frames, everyone) == {"emails": [], "race_ethnicity": []}
    assert not any(p.name.encode() in b"\n".join(frames) for p in everyone)
