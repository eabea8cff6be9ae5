"""Every signed-in page, per role: the committee sees masked contacts, no individual demographics and no
write controls; the leader sees contacts and controls."""

import re

import pandas as pd
import pytest

from mentorship.privacy import SENSITIVE_COLUMNS

from .conftest import ROOT, load_demo, signed_in

PAGES = [
    "app.py",
    *sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "pages").glob("*.py")
        # public pages, and leader-only pages (Admin, Messages) that have tests of their own
        if not any(name in p.name for name in ("Check_in", "Register", "Survey", "Admin", "Messages"))
    ),
]
# Pages of figures with nothing to change and no contacts (the leader's lists there name pairs, with no
# address): tested in their own files (tests/test_feedback_page.py, tests/test_outcomes.py)
READ_ONLY = ("pages/10_Feedback.py", "pages/11_Outcomes.py")
RAW_EMAIL = re.compile(r"^[^*@\s]{2,}@[\w.-]+$")
RAW_PHONE = re.compile(r"\d{3}\D*\d{3}\D*\d{4}")


def frames(at) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


@pytest.fixture
def demo_store(engine, accounts):
    load_demo(engine)
    return engine


@pytest.mark.parametrize("page", PAGES)
def test_committee_sees_masked_contacts_no_demographics_and_no_controls(app, demo_store, page):
    at = signed_in(app(page), "committee").run()
    assert not at.exception
    for frame in frames(at):
        assert not SENSITIVE_COLUMNS & set(frame.columns), page
        for column in frame.columns:
            values = frame[column].dropna().astype(str)
            assert not values.str.match(RAW_EMAIL).any(), f"{page}: raw email in {column}"
            if "phone" in column:
                assert not values.str.contains(RAW_PHONE).any(), f"{page}: raw phone in {column}"
    assert [b.label for b in at.button] == ["Sign out"], page
    assert len(at.get("form")) == 0 and len(at.text_area) == 0, page


@pytest.mark.parametrize("page", [p for p in PAGES if p != "app.py" and p not in READ_ONLY])
def test_leader_sees_contacts_and_controls(app, demo_store, page):
    at = signed_in(app(page), "leader").run()
    assert not at.exception
    assert [b.label for b in at.button if b.label != "Sign out"], f"{page}: the leader has no controls"
    emails = [frame[c].astype(str) for frame in frames(at) for c in frame.columns if "email" in c]
    assert any(column.str.match(RAW_EMAIL).any() for column in emails), page


def test_what_a_role_may_see_is_decided_in_privacy_alone():
    """Issue 24, item 13: no read and no ui helper compares roles itself; the rules live in `privacy`
    (write controls ask `Actor.is_leader`, and the services check roles themselves)."""
    sources = [ROOT / "mentorship" / "queries.py", *(ROOT / "mentorship" / "ui").glob("*.py")]
    comparing = re.compile(r"Role\(|Role\.leader|Role\.committee")
    found = [
        f"{p.name}:{n}"
        for p in sources
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if comparing.search(line)
    ]
    assert found == []


def test_nudges_and_concerns_follow_privacys_rule(demo_store, monkeypatch):
    from mentorship import db, privacy, queries

    from .conftest import TODAY

    with db.read_session(demo_store) as session:
        leader, committee = (queries.cadence_view(session, TODAY, role) for role in ("leader", "committee"))
        assert leader.nudges is not None and leader.concerns is not None
        assert committee.nudges is None and committee.concerns is None
        monkeypatch.setattr(privacy, "sees_nudges", lambda role: True)
        assert queries.cadence_view(session, TODAY, "committee").nudges is not None
