"""Steps a browser test takes on the dashboard's pages (Playwright), shared by the browser test modules."""

from __future__ import annotations

import re

import sqlalchemy as sa
from playwright.sync_api import expect
from sqlalchemy.engine import Engine

from devtools.servers import wait_for_app
from mentorship import db
from mentorship.models import Match, Mentee, Mentor

# Sidebar label → the page's address and its title
PAGES = {
    "Overview": ("", "Mentorship program"),
    "Registrations": ("Registrations", "Registrations"),
    "Pairings": ("Pairings", "Pairings"),
    "Cadence": ("Cadence", "Meeting cadence"),
    "Retention": ("Retention", "Retention"),
    "Messages": ("Messages", "Messages"),
    "Admin": ("Admin", "Admin"),
    "Feedback": ("Feedback", "Feedback"),
    "Outcomes": ("Outcomes", "Outcomes"),
}
EXCEPTION = '[data-testid="stException"]'


def open_pair(engine: Engine, label: str) -> Match:
    """The open pair a page names "Mentor Name & Mentee Name"."""
    mentor, mentee = label.split(" & ")
    with db.read_session(engine) as session:
        (match,) = session.scalars(
            sa.select(Match)
            .join(Mentor, Mentor.id == Match.mentor_id)
            .join(Mentee, Mentee.id == Match.mentee_id)
            .where(
                (Mentor.first_name + " " + Mentor.last_name) == mentor,
                (Mentee.first_name + " " + Mentee.last_name) == mentee,
                Match.status.in_(["active", "continued"]),
            )
        ).all()
        session.expunge(match)
        return match


def open_page(page, label: str) -> None:
    """Follow the sidebar's link to a page; wait until it has run; it shows no exception."""
    page.locator('[data-testid="stSidebar"]').get_by_role("link", name=label).click()
    page.get_by_role("heading", name=PAGES[label][1]).first.wait_for()
    wait_for_app(page)
    expect(page.locator(EXCEPTION)).to_have_count(0)


def open_tab(page, label: str) -> None:
    """Click a tab and wait for what it draws (Registrations draws only its open tab, on a rerun)."""
    page.get_by_role("tab", name=label, exact=True).click()
    expect(page.get_by_role("tab", name=label, exact=True)).to_have_attribute("aria-selected", "true")
    if label in ("Mentors", "Mentees"):
        page.get_by_text(re.compile(rf"^\d+ (of \d+ )?{label.lower()[:-1]}s?$")).wait_for()  # "1 mentor"
    wait_for_app(page)


def metric(page, label: str):
    """The value of the metric card labelled `label`."""
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]').get_by_text(label, exact=True)
    )
    return card.locator('[data-testid="stMetricValue"]')


def number(page, label: str) -> int:
    return int(metric(page, label).inner_text())


def grid_rows(grid) -> list[list[str]]:
    """A dataframe's rows as drawn (the canvas has an accessible table of the rows in view)."""
    grid.locator("td").first.wait_for(state="attached")
    return grid.evaluate(
        "g => Array.from(g.querySelectorAll('tbody tr'),"
        " r => Array.from(r.querySelectorAll('td'), c => c.textContent))"
    )


def selectbox(scope, label: str):
    """The select box labelled `label` in `scope` (the page, or a form on it)."""
    page = getattr(scope, "page", scope)  # `has` is looked for inside each select box, not from `scope`
    return scope.locator('[data-testid="stSelectbox"]').filter(
        has=page.get_by_role("combobox", name=label, exact=True)
    )


def shown(box) -> str:
    return box.get_by_role("combobox").input_value()


def grid_row(grid, *cells: str):
    """The drawn rows of a dataframe that hold each of `cells` exactly, as a locator (so `expect` waits)."""
    rows = grid.locator("tbody tr")
    for cell in cells:
        rows = rows.filter(has=grid.page.locator("td").filter(has_text=re.compile(f"^{re.escape(cell)}$")))
    return rows


def open_list(page, box):
    """Open a select box's list of options. The box is scrolled into view and the scroll let settle
    first: a scroll event that arrives after the list opens closes it again."""
    box.scroll_into_view_if_needed()
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    box.get_by_role("button", name="Open").click()
    listbox = page.get_by_role("listbox")
    listbox.get_by_role("option").first.wait_for()
    return listbox


def options_of(page, box) -> list[str]:
    options = open_list(page, box).get_by_role("option").all_inner_texts()
    page.keyboard.press("Escape")
    expect(page.get_by_role("listbox")).to_have_count(0)
    return options


def choose(page, box, option: str) -> None:
    open_list(page, box).get_by_role("option", name=option, exact=True).click()
    expect(box.get_by_role("combobox")).to_have_value(option)
