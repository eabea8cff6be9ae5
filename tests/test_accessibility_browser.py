"""WCAG 2.2 AA in a real browser: axe-core on every page, for the leader and for the committee, and on the
pairs' check-in page and the sign-in form; and the leader's main decisions made with the keyboard alone."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy.engine import Engine

from devtools.servers import dashboard_server, sign_in, wait_for_app
from mentorship import db, services
from mentorship.models import utcnow

from .cadence_store import add_pair, days_ago
from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD, add_accounts, load_demo
from .feedback_store import answer_existing_pairs

pytestmark = pytest.mark.browser

# address → what the page is called in a failure message
PAGES = {
    "": "Overview",
    "Registrations": "Registrations",
    "Pairings": "Pairings",
    "Cadence": "Cadence",
    "Retention": "Retention",
    "Feedback": "Feedback",
    "Outcomes": "Outcomes",
    "Messages": "Messages",
    "Admin": "Admin",
}
SERIOUS = ("serious", "critical")
ALSO_FAILING = {"heading-order"}  # moderate to axe, but a skipped level misleads a screen reader's outline
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@dataclass(frozen=True)
class Program:
    engine: Engine
    base: str
    checkin_token: str


@pytest.fixture(scope="module")
def program(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Program]:
    url = f"sqlite:///{tmp_path_factory.mktemp('a11y') / 'store.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    load_demo(engine, today=date.today())
    actors = add_accounts(engine)
    answer_existing_pairs(engine, on=date.today().replace(day=1) - timedelta(days=40))
    match_id = add_pair(engine, "yara", confirmed_on=days_ago(360), met_on=(days_ago(20),))
    token = services.issue_checkin_link(engine, actor=actors["leader"], match_id=match_id, now=utcnow())
    for kind in ("mentors", "mentees"):
        services.set_form_open(engine, actor=actors["leader"], kind=kind, is_open=True)
    with dashboard_server(url) as base:
        yield Program(engine, base, token)
    engine.dispose()


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings (and skipped heading levels) on the page as it is now,
    one line per element."""
    # Some checks (target size) look only at what is in view: the window is made as tall as the page.
    scrolled = "[data-testid=stMain], [data-testid=stSidebarContent]"
    heights = page.evaluate(f"Array.from(document.querySelectorAll('{scrolled}'), e => e.scrollHeight)")
    tallest = max([1000, *heights])
    page.set_viewport_size({"width": 1400, "height": min(tallest + 50, 16000)})
    page.wait_for_timeout(500)  # charts draw after the script has finished, and again at the new size
    results = Axe().run(page, options=AXE_OPTIONS)
    page.set_viewport_size({"width": 1400, "height": 1000})
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in SERIOUS or violation["id"] in ALSO_FAILING:
            for node in violation["nodes"]:
                found.append(
                    f"{violation['id']} ({violation['impact']}): {violation['help']} — "
                    f"{' '.join(map(str, node['target']))}: {node.get('failureSummary', '')[:300]}"
                )
    return found


def test_the_public_pages_have_no_serious_violation(program, browser_page):
    page = browser_page
    page.goto(program.base)
    wait_for_app(page)
    page.get_by_role("button", name="Sign in").wait_for()
    found = {"sign-in": serious_violations(page)}
    page.goto(f"{program.base}/Check_in?token={program.checkin_token}")
    wait_for_app(page)
    page.get_by_role("button", name="Send").wait_for()
    found["check-in"] = serious_violations(page)
    for kind in ("mentor", "mentee"):
        page.goto(f"{program.base}/Register?as={kind}")
        wait_for_app(page)
        page.get_by_role("button", name="Send my registration").wait_for()
        found[f"register as {kind}"] = serious_violations(page)
    assert found == dict.fromkeys(found, []), "\n".join(f"{k}: {v}" for k, vs in found.items() for v in vs)


@pytest.mark.parametrize("email", [LEADER_EMAIL, COMMITTEE_EMAIL], ids=["leader", "committee"])
def test_every_page_has_no_serious_violation(program, browser_page, email):
    page = browser_page
    page.goto(program.base)
    sign_in(page, email, PASSWORD)
    found = {}
    for path, name in PAGES.items():
        page.goto(f"{program.base}/{path}")
        wait_for_app(page)
        page.locator("h1").first.wait_for()
        found[name] = serious_violations(page)
        tabs = [t.inner_text().strip() for t in page.get_by_role("tab").all()]
        for tab in tabs[1:]:  # a closed tab's content is hidden, so axe sees it only once it is open
            page.get_by_role("tab", name=tab, exact=True).first.click()
            wait_for_app(page)
            found[f"{name} › {tab}"] = serious_violations(page)
    assert len(found) > len(PAGES)  # the tabs were opened
    assert found == dict.fromkeys(found, []), "\n".join(
        f"{name}: {line}" for name, lines in found.items() for line in lines
    )


# The keyboard alone
def tab_to(page, target, limit: int = 200) -> None:
    """Press Tab until `target` (a locator) has the focus, as a keyboard user moves through the page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("e => e === document.activeElement || e.contains(document.activeElement)"):
            return
    raise AssertionError(f"{limit} presses of Tab never reached {target}")


def open_pair_status(engine: Engine, mentor: str, mentee: str) -> tuple[str, date | None] | None:
    import sqlalchemy as sa

    from mentorship.models import Match, Mentee, Mentor

    with db.read_session(engine) as session:
        return session.execute(
            sa.select(Match.status, Match.decided_on)
            .join(Mentor, Mentor.id == Match.mentor_id)
            .join(Mentee, Mentee.id == Match.mentee_id)
            .where(
                (Mentor.first_name + " " + Mentor.last_name) == mentor,
                (Mentee.first_name + " " + Mentee.last_name) == mentee,
            )
            .order_by(Match.id.desc())  # the newest: the same two may have met in an earlier year
        ).first()


def test_the_leader_confirms_a_pair_and_records_a_decision_with_the_keyboard_alone(program, browser_page):
    from playwright.sync_api import expect

    page, engine = browser_page, program.engine
    page.goto(program.base)
    sign_in(page, LEADER_EMAIL, PASSWORD)  # typing into the form and pressing its button
    page.goto(f"{program.base}/Pairings")
    wait_for_app(page)

    # Pairings: the second suggested pair, chosen from the list with the arrow keys, confirmed with Enter
    picker = page.get_by_role("combobox", name="Suggested pair", exact=True)
    tab_to(page, picker)
    first = picker.input_value()
    page.keyboard.press("ArrowDown")  # opens the list on the chosen pair
    page.get_by_role("listbox").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(picker).not_to_have_value(first)
    second = picker.input_value()  # "Mentor & Mentee (score … points)"
    mentor, mentee = second.rsplit(" (", 1)[0].split(" & ")
    tab_to(page, page.get_by_role("button", name="Confirm", exact=True))
    page.keyboard.press("Enter")
    page.get_by_text(f"Confirmed: {mentor} & {mentee}.").wait_for()
    wait_for_app(page)
    assert open_pair_status(engine, mentor, mentee) == ("active", None)

    # Retention: the pair at its one-year mark, found by typing its name, continues
    page.goto(f"{program.base}/Retention")
    wait_for_app(page)
    form = page.locator('[data-testid="stForm"]').filter(
        has=page.get_by_role("button", name="Record decision")
    )
    due = form.get_by_role("combobox", name="Pair", exact=True)
    tab_to(page, due)
    page.keyboard.type("Yaradoc")
    page.get_by_role("option").filter(has_text="Yaradoc Mentorlast & Yarakid Studentlast").first.wait_for()
    page.keyboard.press("Enter")
    wait_for_app(page)
    expect(due).to_have_value(re_start("Yaradoc Mentorlast & Yarakid Studentlast"))
    tab_to(page, form.get_by_role("button", name="Record decision"))
    page.keyboard.press("Enter")
    page.get_by_text("Recorded: the pair continues past its first year.").wait_for()
    wait_for_app(page)
    assert open_pair_status(engine, "Yaradoc Mentorlast", "Yarakid Studentlast") == (
        "continued",
        date.today(),
    )


def re_start(text: str):
    import re

    return re.compile("^" + re.escape(text))


def test_a_row_of_the_suggestions_table_chooses_the_pair_under_confirm(program, browser_page):
    """The table and the list are one control for the mouse and the keyboard: a row clicked is the pair that
    Confirm and Reject act on."""
    from playwright.sync_api import expect

    from .browser_steps import grid_rows

    page = browser_page
    page.goto(program.base)
    sign_in(page, LEADER_EMAIL, PASSWORD)
    page.goto(f"{program.base}/Pairings")
    wait_for_app(page)
    grid = page.locator('[data-testid="stDataFrame"]').first
    third = grid_rows(grid)[2]  # [score, mentor, mentee, why, ...] as drawn
    box = grid.bounding_box()
    row_height = 35  # Streamlit's rows, under a header row as tall
    page.mouse.click(box["x"] + 15, box["y"] + row_height * 3 + row_height / 2)  # the third row's selector
    wait_for_app(page)
    picker = page.get_by_role("combobox", name="Suggested pair", exact=True)
    expect(picker).to_have_value(re_start(f"{third[1]} & {third[2]} (score {float(third[0]):.2f} points)"))
    expect(page.get_by_role("button", name="Confirm", exact=True)).to_be_visible()


def test_the_registration_forms_hidden_field_is_out_of_reach_of_keyboard_and_screen_reader(
    program, browser_page
):
    """Issue 24: the anti-spam field ("Website (leave this empty)") took a Tab stop and was read aloud.
    Tab from the first field to the send button never lands in it, and it is not in the accessibility tree."""
    page = browser_page
    page.goto(f"{program.base}/Register?as=mentee")
    page.get_by_role("button", name="Send my registration").wait_for()
    wait_for_app(page)
    # the page's style sheet hides it (st.html applies it just after the elements are drawn)
    page.wait_for_function(
        "() => { const e = document.querySelector('.st-key-register-trap');"
        " return e !== null && getComputedStyle(e).display === 'none'; }"
    )
    page.get_by_role("textbox", name="First name *").focus()
    visited = []
    for _ in range(80):
        page.keyboard.press("Tab")
        here = page.evaluate(
            """() => { const e = document.activeElement;
                return [e.closest('.st-key-register-trap') ? 'TRAP' : '',
                        e.getAttribute('aria-label') || e.innerText || e.tagName]; }"""
        )
        visited.append(here)
        if here[1].strip() == "Send my registration":
            break
    assert visited[-1][1].strip() == "Send my registration", visited
    assert [v for v in visited if v[0] == "TRAP"] == []
    assert page.get_by_role("textbox", name="Website (leave this empty)").count() == 0
    assert page.get_by_label("Website (leave this empty)").count() == 1  # still on the page, for bots
    assert serious_violations(page) == []
