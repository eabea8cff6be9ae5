"""Rules the database itself enforces, whoever writes."""

from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db
from mentorship.models import AuditEvent, Match, MatchStatus

from .concurrency import confirm_at_once
from .factories import add, make_match, make_mentee, make_mentor


def mentor(email="dr.yang@clinic.example.org", capacity=2):
    return make_mentor(email=email, capacity=capacity)


def mentee(email: str):
    return make_mentee(email=email, bipoc_mentor_preference="required")


def test_one_email_per_person(engine):
    add(engine, mentor())
    with pytest.raises(sa.exc.IntegrityError, match="UNIQUE"):
        add(engine, mentor())


def test_emails_must_be_stored_normalised(engine):
    with pytest.raises(sa.exc.IntegrityError, match="ck_mentors_email_normalised"):
        add(engine, mentor(email=" Dr.Yang@Clinic.example.org"))


def test_a_mentee_has_at_most_one_open_match(engine):
    (m1,) = add(engine, mentor(capacity=3))
    (m2,) = add(engine, mentor(email="dr.lee@clinic.example.org"))
    (s,) = add(engine, mentee("pa@school.example.edu"))
    add(
        engine,
        make_match(
            m1,
            s,
            confirmed_on=date(2023, 1, 5),
            status=MatchStatus.ended,
            ended_on=date(2023, 5, 1),
        ),
    )
    add(engine, make_match(m1, s, confirmed_on=date(2025, 10, 1)))
    with pytest.raises(sa.exc.IntegrityError, match="UNIQUE"):
        add(engine, make_match(m2, s, confirmed_on=date(2025, 10, 2)))


def test_a_mentor_is_never_above_capacity(engine):
    (m,) = add(engine, mentor(capacity=2))
    students = add(engine, *(mentee(f"s{i}@school.example.edu") for i in range(3)))
    add(engine, make_match(m, students[0], confirmed_on=date(2025, 10, 1)))
    add(
        engine,
        make_match(m, students[1], confirmed_on=date(2025, 10, 1), status=MatchStatus.continued),
    )
    with pytest.raises(sa.exc.IntegrityError, match="mentor at capacity"):
        add(engine, make_match(m, students[2], confirmed_on=date(2025, 10, 1)))
    # closed matches do not count, and reopening one is checked too
    add(
        engine,
        make_match(
            m,
            students[2],
            confirmed_on=date(2022, 1, 1),
            status=MatchStatus.completed,
            ended_on=date(2023, 1, 1),
        ),
    )
    with pytest.raises(sa.exc.IntegrityError, match="mentor at capacity"):
        with db.write_session(engine) as session:
            session.execute(
                sa.update(Match)
                .where(Match.status == MatchStatus.completed)
                .values(status=MatchStatus.active, ended_on=None)
            )


def test_simultaneous_confirmations_never_overbook(engine, store_url):
    """20 processes open a match with one capacity-2 mentor at the same moment: exactly 2 succeed."""
    (m,) = add(engine, mentor(capacity=2))
    students = add(engine, *(mentee(f"s{i}@school.example.edu") for i in range(20)))
    engine.dispose()
    assert confirm_at_once(store_url, m, students) == ["confirmed"] * 2 + ["full"] * 18
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Match.id))).scalar() == 2


def test_the_audit_log_is_append_only(engine):
    (event_id,) = add(engine, AuditEvent(actor="cli", action="demo.load", summary="demo data"))
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        with db.write_session(engine) as session:
            session.execute(sa.update(AuditEvent).values(summary="changed"))
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        with db.write_session(engine) as session:
            session.execute(sa.delete(AuditEvent).where(AuditEvent.id == event_id))
