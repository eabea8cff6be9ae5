"""The same store on PostgreSQL, the deployment for several users."""

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorship import db, queries
from mentorship.models import AuditEvent, Match, Role

from .concurrency import confirm_at_once
from .conftest import TODAY, load_demo
from .factories import make_match, make_mentee, make_mentor

pytestmark = pytest.mark.postgres


def test_schema_demo_and_summary_match_sqlite(pg_url, engine):
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    db.upgrade(pg)
    assert db.schema_revision(pg) == db.head_revision()
    load_demo(pg, seed=21)
    load_demo(engine, seed=21)
    with db.read_session(pg) as a, db.read_session(engine) as b:
        assert queries.program_summary(a, TODAY) == queries.program_summary(b, TODAY)
        # read as the driver gives it: a day is a date on PostgreSQL, text on SQLite; the chart is the same
        for role in Role:  # the committee's requests met as of the same release point on both
            on_pg, on_sqlite = queries.overview(a, TODAY, role), queries.overview(b, TODAY, role)
            assert on_pg.summary == on_sqlite.summary and on_pg.requests_as_of == on_sqlite.requests_as_of
        pd.testing.assert_frame_equal(on_pg.registrations_by_quarter, on_sqlite.registrations_by_quarter)
        assert len(on_pg.registrations_by_quarter) > 8
    pg.dispose()


def test_the_pairing_suggested_on_postgres_is_the_one_suggested_on_sqlite(pg_url, engine):
    """The pairing reads its people as each driver gives them (a day is a date on PostgreSQL, text on
    SQLite): the suggestions, their scores and reasons, and the unmatched are the same."""
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    load_demo(pg, seed=21)
    load_demo(engine, seed=21)
    with db.read_session(pg) as a, db.read_session(engine) as b:
        on_pg, on_sqlite = queries.pairing_suggestions(a, TODAY), queries.pairing_suggestions(b, TODAY)
    assert on_pg.pairs == on_sqlite.pairs and on_pg.unmatched == on_sqlite.unmatched
    assert len(on_pg.pairs) > 10 and on_pg.report.proven_optimal
    assert any(r.component == "waiting_time" for p in on_pg.pairs for r in p.reasons)
    pg.dispose()


def test_capacity_and_one_open_match_hold_on_postgres(pg_url):
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    with db.write_session(pg) as s:
        mentor = make_mentor(capacity=2)
        students = [make_mentee(f"s{i}") for i in range(20)]
        s.add_all([mentor, *students])
        s.flush()
        mentor_id, student_ids = mentor.id, [x.id for x in students]
    pg.dispose()  # no connection crosses the fork
    results = confirm_at_once(pg_url, mentor_id, student_ids)
    assert sorted(results) == ["confirmed"] * 2 + ["full"] * 18
    with db.read_session(pg) as s:
        paired = s.scalars(sa.select(Match.mentee_id)).first()
    with pytest.raises(sa.exc.IntegrityError, match="ux_matches_open_mentee"):
        with db.write_session(pg) as s:
            other = make_mentor("other", capacity=3)
            s.add(other)
            s.flush()
            s.add(make_match(other.id, paired, confirmed_on=date(2026, 2, 1)))
    pg.dispose()


def test_audit_log_is_append_only_on_postgres(pg_url):
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    with db.write_session(pg) as s:
        s.add(AuditEvent(actor="cli", action="demo.load"))
    with pytest.raises(sa.exc.IntegrityError, match="append-only"):
        with db.write_session(pg) as s:
            s.execute(sa.delete(AuditEvent))
    pg.dispose()
