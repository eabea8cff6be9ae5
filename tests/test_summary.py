"""`summary`'s figures against values worked out by hand on a small store."""

from datetime import date

import pytest

from mentorship import db, queries
from mentorship.models import MatchStatus, Meeting

from .conftest import TODAY
from .factories import make_match, make_mentee, make_mentor


@pytest.fixture
def small_store(engine):
    with db.write_session(engine) as s:
        a = make_mentor("a", capacity=2)
        b = make_mentor("b", capacity=1, identifies_bipoc="no")
        c = make_mentor("c", capacity=3, attests_values=False)
        d = make_mentor("d", capacity=2, status="withdrawn")
        s1 = make_mentee("s1", bipoc_mentor_preference="required")
        s2 = make_mentee("s2", bipoc_mentor_preference="preferred")
        s3 = make_mentee("s3")
        s4 = make_mentee("s4", registered_on=date(2026, 10, 26))
        s5 = make_mentee("s5", registered_on=date(2026, 8, 27))
        s6 = make_mentee("s6", status="withdrawn")
        s7 = make_mentee("s7", status="withdrawn")
        s.add_all([a, b, c, d, s1, s2, s3, s4, s5, s6, s7])
        s.flush()
        m1 = make_match(a.id, s1.id, confirmed_on=date(2026, 10, 1))
        m2 = make_match(b.id, s2.id, confirmed_on=date(2026, 6, 1))
        m3 = make_match(a.id, s3.id, confirmed_on=date(2025, 6, 1), status=MatchStatus.continued)
        m6 = make_match(
            b.id,
            s6.id,
            confirmed_on=date(2024, 1, 10),
            ended_on=date(2024, 6, 1),
            status=MatchStatus.ended,
        )
        m7 = make_match(
            d.id,
            s7.id,
            confirmed_on=date(2023, 9, 1),
            ended_on=date(2024, 9, 15),
            status=MatchStatus.completed,
        )
        s.add_all([m6, m7])
        s.flush()
        s.add_all([m1, m2, m3])
        s.flush()
        s.add_all(
            [
                Meeting(match_id=m1.id, met_on=date(2026, 11, 1)),
                Meeting(match_id=m3.id, met_on=date(2026, 3, 1)),
                Meeting(match_id=m3.id, met_on=date(2026, 7, 1)),
            ]
        )
    return engine


def test_each_summary_figure(small_store):
    with db.read_session(small_store) as session:
        summary = queries.program_summary(session, TODAY)
    assert summary.to_dict() == {
        "mentors": 4,
        "mentees": 7,
        "active_mentors": 2,  # a and b: c has not attested, d withdrew
        "waiting_mentees": 2,  # s4 (30 days) and s5 (90 days)
        "waiting_median_days": 60,
        "waiting_longest_days": 90,
        "active_pairs": 3,
        "capacity_total": 3,  # a 2 + b 1
        "capacity_used": 3,
        "bipoc_preference_requests": 2,  # s1 required, s2 preferred
        "bipoc_preference_met": 1,  # s1 has a BIPOC mentor, s2 does not
        "overdue_pairs": 2,  # s2 never met, confirmed 177 days ago; s3 last met 147 days ago
        "overdue_after_days": 90,
        "pairs_ever": 5,
        "one_year_eligible_pairs": 3,  # m3, m6, m7 were confirmed a year ago or more
        "one_year_completion_rate": 0.6667,  # m3 (open, 542 days) and m7 (380 days) lasted
    }


def test_an_empty_store_has_no_completion_rate(engine):
    with db.read_session(engine) as session:
        summary = queries.program_summary(session, TODAY)
        assert queries.is_empty(session)
    assert summary.one_year_completion_rate is None
    assert summary.mentors == summary.mentees == summary.active_pairs == 0
    assert summary.waiting_median_days is None
