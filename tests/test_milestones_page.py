"""The leader records a mentee's milestones on their record in Registrations; the committee sees none."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db, queries
from mentorship.models import Milestone

from .factories import add, events, make_mentee
from .registrations_page import open_page, open_tab


@pytest.fixture
def mentee(engine, accounts, today) -> int:
    (pa,) = add(engine, make_mentee("pa", first_name="Pa", email="pa@umn.example.edu"))
    return pa


def recorded(engine) -> list[tuple]:
    with db.read_session(engine) as session:
        statement = sa.select(
            Milestone.kind, Milestone.happened_on, Milestone.school, Milestone.note, Milestone.source
        ).order_by(Milestone.id)
        return [
            (k.value, on, school, note, source.value)
            for k, on, school, note, source in session.execute(statement)
        ]


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def open_record(app, mentee_id: int, role: str = "leader"):
    at = open_tab(open_page(app, role), "Mentees")
    if role == "leader":
        at.selectbox(key="mentees-pick").set_value(mentee_id).run()
    return at


def test_the_leader_adds_a_milestone_is_refused_bad_input_and_removes_one(app, engine, mentee):
    at = open_record(app, mentee)
    assert not at.exception
    assert "No milestone is recorded for this mentee." in [c.value for c in at.caption]
    assert f"milestone-{mentee}-school" not in [t.key for t in at.text_input]  # for a matriculation only

    # A milestone without its date: one sentence, nothing stored, and what was typed is still there
    at.selectbox(key=f"milestone-{mentee}-kind").set_value("applied").run()
    at.text_input(key=f"milestone-{mentee}-note").set_value("Applied to 12 schools")
    button(at, "Record milestone").click().run()
    assert [e.value for e in at.error] == ["The date is required (a date, YYYY-MM-DD). Nothing was recorded."]
    assert recorded(engine) == []
    assert at.selectbox(key=f"milestone-{mentee}-kind").value == "applied"
    assert at.text_input(key=f"milestone-{mentee}-note").value == "Applied to 12 schools"

    at.date_input(key=f"milestone-{mentee}-on").set_value(date(2025, 6, 1))
    button(at, "Record milestone").click().run()
    assert not at.exception and len(at.error) == 0
    assert [t.value for t in at.toast] == ["Recorded: Applied to medical school."]
    assert at.selectbox(key=f"milestone-{mentee}-kind").value is None  # an empty form for the next one

    # A matriculation names its school (the date typed first is kept when the school's field appears)
    at.date_input(key=f"milestone-{mentee}-on").set_value(date(2026, 8, 3))
    at.selectbox(key=f"milestone-{mentee}-kind").set_value("matriculated").run()
    assert at.date_input(key=f"milestone-{mentee}-on").value == date(2026, 8, 3)
    at.text_input(key=f"milestone-{mentee}-school").set_value("University of Minnesota Medical School")
    button(at, "Record milestone").click().run()
    assert recorded(engine) == [
        ("applied", date(2025, 6, 1), "", "Applied to 12 schools", "leader"),
        ("matriculated", date(2026, 8, 3), "University of Minnesota Medical School", "", "leader"),
    ]
    shown = next(d.value for d in at.dataframe if "milestone" in d.value)
    assert shown[["milestone", "on", "school", "source"]].to_dict("records") == [
        {
            "milestone": "Applied to medical school",
            "on": date(2025, 6, 1),
            "school": "",
            "source": "the leader",
        },
        {
            "milestone": "Matriculated",
            "on": date(2026, 8, 3),
            "school": "University of Minnesota Medical School",
            "source": "the leader",
        },
    ]
    assert shown["recorded_at"].notna().all()

    # Removing the one recorded in error
    picked = at.selectbox(key=f"milestone-{mentee}-remove-pick")
    first = picked.options[0]
    assert first == "Applied to medical school, 2025-06-01 (from the leader)"
    picked.set_value(picked.value)  # the first, as shown
    button(at, "Remove milestone").click().run()
    assert [t.value for t in at.toast] == ["The milestone is removed."]
    assert [r[0] for r in recorded(engine)] == ["matriculated"]
    assert [s for _, _, s in events(engine, "milestone.record")] == [
        "milestone applied: 1 added, 0 changed",
        "milestone matriculated: 1 added, 0 changed",
    ]
    assert [s for _, _, s in events(engine, "milestone.remove")] == [
        f"milestone applied of mentee {mentee} removed"
    ]


def test_the_committee_sees_no_milestone_of_a_mentee(app, engine, mentee, accounts):
    with db.write_session(engine) as session:
        session.add(
            Milestone(
                mentee_id=mentee,
                kind="matriculated",
                happened_on=date(2026, 8, 3),
                school="Mayo Clinic Alix School of Medicine",
                source="import",
            )
        )
    with db.read_session(engine) as session:
        assert len(queries.mentee_milestones(session, mentee, accounts["leader"].role)) == 1
        assert queries.mentee_milestones(session, mentee, accounts["committee"].role).empty
    at = open_record(app, mentee, "committee")
    assert not at.exception
    page = " ".join(str(e.value) for e in (*at.markdown, *at.caption, *at.text))
    assert "Path to medical school" not in page and "Mayo" not in page
    assert not [b.label for b in at.button if "milestone" in b.label.lower()]
    assert all("Mayo" not in d.value.to_string() for d in at.dataframe)


def test_the_leader_imports_milestones_on_the_import_tab(app, engine, mentee):
    at = open_tab(open_page(app), "Import and export")
    assert "Milestones template" in [b.label for b in at.get("download_button")]
    at.selectbox(key="import-kind").set_value("milestones").run()
    file = (
        b"mentee_email,milestone,on,school,note\r\n"
        b"pa@umn.example.edu,Took the MCAT,2024-04-01,,\r\n"
        b"pa@umn.example.edu,matriculated,2025-08-01,Meharry Medical College,\r\n"
        b"pa@umn.example.edu,accepted,2025-02-01,Meharry Medical College,\r\n"
    )
    at.file_uploader[0].set_value(("paths.csv", file, "text/csv")).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {
        "Rows": "3",
        "New": "2",
        "Updated": "0",
        "Unchanged": "0",
        "Invalid": "1",
    }
    invalid, changes = (d.value for d in at.dataframe if "problem" in d.value or "action" in d.value)
    assert invalid.to_dict("records") == [
        {
            "row": 4,
            "who": "pa@umn.example.edu: accepted 2025-02-01",
            "column": "school",
            "problem": "is only for a matriculation",
        }
    ]
    assert changes["who"].tolist() == [
        "pa@umn.example.edu: mcat 2024-04-01",
        "pa@umn.example.edu: matriculated 2025-08-01",
    ]
    assert recorded(engine) == []  # the preview wrote nothing
    button(at, "Import 2 rows").click().run()
    message = "Imported milestones: 2 created, 0 updated, 0 unchanged, 1 invalid row not imported."
    assert [s.value for s in at.success] == [message]
    assert recorded(engine) == [
        ("mcat", date(2024, 4, 1), "", "", "import"),
        ("matriculated", date(2025, 8, 1), "Meharry Medical College", "", "import"),
    ]
