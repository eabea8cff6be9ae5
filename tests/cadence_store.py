"""Pairs with a meeting history, built in a test's store (for the cadence and check-in tests)."""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db
from mentorship.models import Meeting

from .factories import make_match, make_mentee, make_mentor


def days_ago(n: int, today: date | None = None) -> date:
    return (today or date.today()) - timedelta(days=n)


def add_pair(
    engine: Engine,
    key: str,
    *,
    confirmed_on: date,
    met_on: tuple[date, ...] = (),
    status: str = "active",
    ended_on: date | None = None,
) -> int:
    """A mentor `<key>` (Dr. Key Mentor) and a mentee `<key>` (Key Student) paired, with their meetings."""
    with db.write_session(engine) as session:
        mentor = make_mentor(f"m{key}", first_name=f"{key.title()}doc", last_name="Mentorlast")
        mentee = make_mentee(f"s{key}", first_name=f"{key.title()}kid", last_name="Studentlast")
        session.add_all([mentor, mentee])
        session.flush()
        match = make_match(
            mentor.id,
            mentee.id,
            status=status,
            confirmed_on=confirmed_on,
            ended_on=ended_on,
        )
        session.add(match)
        session.flush()
        session.add_all([Meeting(match_id=match.id, met_on=d, source="imported") for d in met_on])
        return match.id


def meetings_of(engine: Engine, match_id: int) -> list[tuple[date, str]]:
    """A pair's meetings in the store, as (met_on, source), oldest first."""
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(Meeting.met_on, Meeting.source)
            .where(Meeting.match_id == match_id)
            .order_by(Meeting.met_on, Meeting.id)
        )
        return [(met_on, str(source)) for met_on, source in rows]
