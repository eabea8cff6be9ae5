"""The demo store's paths to medical school: plausible for past years, mostly unknown for recent ones, the
same for the same seed, and in the store as the leader's or an import's."""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa

from mentorship import db, demo
from mentorship.models import EndReason, Milestone

from .conftest import load_demo
from .factories import TODAY

SIZE = {"mentors": 150, "mentees": 400}


def known_share(data: demo.DemoData, *, at_least: int, below: int) -> float:
    """The share of mentees registered `at_least`..`below` years before TODAY with any milestone."""
    told = {m["mentee"] for m in data.milestones}
    group = [
        i
        for i, mentee in enumerate(data.mentees)
        if at_least <= (TODAY - mentee["registered_on"]).days // 365 < below
    ]
    return sum(i in told for i in group) / len(group)


def test_past_years_mostly_known_recent_ones_mostly_not():
    data = demo.generate(today=TODAY, **SIZE)
    assert known_share(data, at_least=2, below=99) > 0.65
    assert known_share(data, at_least=0, below=1) < 0.15
    kinds = Counter(m["kind"] for m in data.milestones)
    assert kinds["applied"] > kinds["interviewed"] > kinds["accepted"] >= kinds["matriculated"] > 0
    assert min(kinds[k] for k in ("mcat", "reapplying", "other_profession", "left_premed")) > 0
    assert all(m["on"] <= TODAY for m in data.milestones)
    schools = {m["school"] for m in data.milestones if m["kind"] == "matriculated"}
    assert schools and schools <= {school for school, _ in demo.MEDICAL_SCHOOLS}
    assert {m["school"] for m in data.milestones if m["kind"] != "matriculated"} == {""}
    steps = Counter((m["mentee"], m["kind"]) for m in data.milestones)
    assert max(steps.values()) == 1  # one of each step per mentee
    matriculated_pairs = {
        m["mentee"]
        for m in data.matches
        if m["end_reason"] == EndReason.matriculated and m["ended_on"].month <= 8
    }
    reached = {m["mentee"] for m in data.milestones if m["kind"] == "matriculated"}
    assert matriculated_pairs <= reached  # a pair that ended for medical school says so in the path


def test_the_same_seed_gives_the_same_paths():
    first, again = (demo.generate(today=TODAY, seed=11, **SIZE) for _ in range(2))
    assert first.milestones == again.milestones and first.milestones
    other = demo.generate(today=TODAY, seed=12, **SIZE)
    assert other.milestones != first.milestones


def test_the_demo_store_holds_them_from_the_leader_or_an_import(engine):
    counts = load_demo(engine, **SIZE)
    with db.read_session(engine) as session:
        rows = session.execute(sa.select(Milestone.source, sa.func.count()).group_by(Milestone.source)).all()
    sources = {source.value: n for source, n in rows}
    assert set(sources) == {"leader", "import"} and sources["import"] > sources["leader"]
    assert sum(sources.values()) == counts["milestones"] == len(demo.generate(today=TODAY, **SIZE).milestones)
