"""Cadence and check-ins on PostgreSQL: the same figures as SQLite, and both people reporting at once."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from mentorship import db, queries, services
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import Meeting, utcnow

from .cadence_store import add_pair, days_ago
from .conftest import TODAY, load_demo

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg(pg_url):
    engine = db.make_engine(pg_url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


def test_the_cadence_report_and_view_match_sqlite(pg, engine):
    load_demo(pg, seed=5)
    load_demo(engine, seed=5)
    with db.read_session(pg) as a, db.read_session(engine) as b:
        assert queries.cadence_report(a, TODAY) == queries.cadence_report(b, TODAY)
        mix_pg, mix_sqlite = (
            queries.cadence_view(a, TODAY, "leader"),
            queries.cadence_view(b, TODAY, "leader"),
        )
    assert mix_pg.status_mix.equals(mix_sqlite.status_mix)
    assert mix_pg.meetings_per_month.equals(mix_sqlite.meetings_per_month)


def test_both_people_reporting_the_same_meeting_at_once_record_it_once(pg):
    match_id = add_pair(pg, "hodan", confirmed_on=days_ago(100))
    token = services.issue_checkin_link(pg, actor=Actor.operator(), match_id=match_id, now=utcnow())
    start, receipts = threading.Barrier(2), []

    def report() -> None:
        start.wait()
        receipts.append(
            services.submit_checkin(
                pg, token=token, met_on=days_ago(3), format="virtual", today=date.today(), now=utcnow()
            )
        )

    threads = [threading.Thread(target=report) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.recorded for r in receipts) == [False, True]
    with db.read_session(pg) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(Meeting)).scalar_one() == 1


def test_the_rate_limit_holds_on_postgres(pg):
    match_id = add_pair(pg, "abdi", confirmed_on=days_ago(100))
    token = services.issue_checkin_link(pg, actor=Actor.operator(), match_id=match_id, now=utcnow())
    now = datetime.now(UTC)
    for n in range(services.CHECKINS_PER_HOUR):
        services.submit_checkin(
            pg, token=token, met_on=days_ago(n + 1), format="phone", today=date.today(), now=now
        )
    with pytest.raises(Refused, match="used many times recently"):
        services.submit_checkin(
            pg, token=token, met_on=days_ago(20), format="phone", today=date.today(), now=now
        )
    later = now + timedelta(minutes=61)
    assert services.submit_checkin(
        pg, token=token, met_on=days_ago(20), format="phone", today=date.today(), now=later
    ).recorded
