"""The demo program: deterministic per seed, and shaped like the real program."""

from collections import Counter
from datetime import date

import sqlalchemy as sa

from mentorship import db, demo
from mentorship.models import OPEN_MATCH_STATUSES, Match, Mentee, Mentor

from .conftest import TODAY


def test_same_seed_same_program_other_seed_other_program():
    first = demo.generate(seed=11, today=TODAY)
    again = demo.generate(seed=11, today=TODAY)
    other = demo.generate(seed=12, today=TODAY)
    assert first == again
    assert first.mentees != other.mentees


def test_demo_looks_like_the_program():
    data = demo.generate(mentors=60, mentees=120, seed=7, today=TODAY)
    mentees, mentors = data.mentees, data.mentors

    # real-looking, diverse names and safe addresses
    assert not any(m["first_name"].lower().startswith(("mentor", "mentee")) for m in mentors + mentees)
    assert len({m["last_name"] for m in mentees}) > 40
    assert all(m["email"].endswith((".example.edu", ".example.org")) for m in mentors + mentees)
    assert len({m["email"] for m in mentors + mentees}) == 180
    spoken = Counter(lang for m in mentees for lang in m["languages"].split("; "))
    assert {"Spanish", "Somali", "Hmong", "Vietnamese", "Amharic"} <= set(spoken)

    # most students BIPOC, most of those asking for a BIPOC mentor; BIPOC mentors fewer than that demand
    bipoc_mentees = [m for m in mentees if m["identifies_bipoc"] == "yes"]
    asking = [m for m in bipoc_mentees if m["bipoc_mentor_preference"] in ("required", "preferred")]
    assert len(bipoc_mentees) > 0.7 * len(mentees)
    assert len(asking) > 0.6 * len(bipoc_mentees)
    bipoc_capacity = sum(m["capacity"] for m in mentors if m["identifies_bipoc"] == "yes")
    assert bipoc_capacity < len(asking)

    assert 0 < sum(not m["attests_values"] for m in mentors) < 10
    assert {m["capacity"] for m in mentors} == {1, 2, 3}
    formats = Counter(f for m in mentors + mentees for f in m["meeting_formats"].split("; "))
    assert formats["virtual"] > formats["phone"] > formats["in person"] > 0
    assert min(m["registered_on"] for m in mentees) >= date(2021, 1, 1)
    assert min(m["registered_on"] for m in mentees).year == 2021

    # yearly cohorts, endings of every kind, meetings with varied cadence, and a waiting list
    cohorts = Counter(m["confirmed_on"].year for m in data.matches)
    assert set(cohorts) >= {2021, 2022, 2023, 2024, 2025, 2026}
    statuses = Counter(m["status"] for m in data.matches)
    assert all(statuses[s] > 0 for s in ("active", "continued", "completed", "ended"))
    assert len({m["end_reason"] for m in data.matches if m["status"] == "ended"}) >= 4
    met = Counter(m["match"] for m in data.meetings)
    assert any(i not in met for i in range(len(data.matches)))  # some pairs never met
    matched = {m["mentee"] for m in data.matches if m["status"] in OPEN_MATCH_STATUSES}
    waiting = [i for i, m in enumerate(mentees) if m["status"] == "active" and i not in matched]
    assert len(waiting) >= 5


def test_demo_respects_the_pairing_rules(engine):
    data = demo.generate(mentors=300, mentees=600, seed=3, today=TODAY)
    with db.write_session(engine) as session:
        counts = demo.write(session, data)
    assert counts["mentors"] == 300 and counts["mentees"] == 600
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(
                Mentor.capacity,
                Mentor.identifies_bipoc,
                Mentor.meeting_formats,
                Mentor.attests_values,
                Mentee.bipoc_mentor_preference,
                Mentee.meeting_formats,
                Match.mentor_id,
            )
            .join(Mentor, Mentor.id == Match.mentor_id)
            .join(Mentee, Mentee.id == Match.mentee_id)
            .where(Match.status.in_([s.value for s in OPEN_MATCH_STATUSES]))
        ).all()
    load = Counter(r.mentor_id for r in rows)
    for r in rows:
        assert load[r.mentor_id] <= r.capacity
        assert r.attests_values
        assert set(r[2].split("; ")) & set(r[5].split("; "))
        if r.bipoc_mentor_preference == "required":
            assert r.identifies_bipoc == "yes"


def test_fresh_demo_has_registrations_only():
    data = demo.generate(mentors=50, mentees=100, seed=5, today=TODAY, fresh=True)
    assert len(data.mentors) == 50 and len(data.mentees) == 100
    assert data.matches == [] and data.meetings == []
