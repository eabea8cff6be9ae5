"""Rules the database itself enforces, whoever writes."""

from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db
from mentorship.models import AuditEvent, Match, MatchStatus

from .concurrency import in_processes
from .factories import make_mentee, make_mentor


def mentor(email="dr.yang@clinic.example.org", capacity=2):
    return make_mentor(email=email, capacity=capacity)


def mentee(email: str):
    return make_mentee(email=email, bipoc_mentor_preference="required")


def add(engine, *rows):
    with db.write_session(engine) as session:
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


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
        Match(
            mentor_id=m1,
            mentee_id=s,
            confirmed_on=date(2023, 1, 5),
            status=MatchStatus.ended,
            ended_on=date(2023, 5, 1),
        ),
    )
    add(engine, Match(mentor_id=m1, mentee_id=s, confirmed_on=date(2025, 10, 1)))
    with pytest.raises(sa.exc.IntegrityError, match="UNIQUE"):
        add(engine, Match(mentor_id=m2, mentee_id=s, confirmed_on=date(2025, 10, 2)))


def test_a_mentor_is_never_above_capacity(engine):
    (m,) = add(engine, mentor(capacity=2))
    students = add(engine, *(mentee(f"s{i}@school.example.edu") for i in range(3)))
    add(engine, Match(mentor_id=m, mentee_id=students[0], confirmed_on=date(2025, 10, 1)))
    add(
        engine,
        Match(
            mentor_id=m, mentee_id=students[1], confirmed_on=date(2025, 10, 1), status=MatchStatus.continued
        ),
    )
    with pytest.raises(sa.exc.IntegrityError, match="mentor at capacity"):
        add(engine, Match(mentor_id=m, mentee_id=students[2], confirmed_on=date(2025, 10, 1)))
    # closed matches do not count, and reopening one is checked too
    add(
        engine,
        Match(
            mentor_id=m,
            mentee_id=students[2],
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


def _insert_match(url: str, mentor_id: int, mentee_id: int) -> str:
    engine = db.make_engine(url)
    try:
        with db.write_session(engine) as session:
            session.add(Match(mentor_id=mentor_id, mentee_id=mentee_id, confirmed_on=date(2026, 1, 5)))
        return "confirmed"
    except sa.exc.IntegrityError as exc:
        return "full" if "mentor at capacity" in str(exc) else f"error: {exc}"
    except sa.exc.OperationalError as exc:
        return f"error: {exc}"
    finally:
        engine.dispose()


def confirm_at_once(url: str, mentor_id: int, mentee_ids: list[int]) -> list[str]:
    """One process per mentee, all released at the same moment, each inserting a match directly."""
    return sorted(in_processes(_insert_match, [(url, mentor_id, m) for m in mentee_ids]))


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
