"""Small builders for tests: registrations, pairs and rows in a store, CSV files; only what a test cares
about needs saying."""

import csv
import io
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db, services
from mentorship.auth import Actor
from mentorship.models import AuditEvent, Match, Mentee, Mentor

MENTEE_HEADER = ["first_name", "last_name", "email", "meeting_formats"]
NAMES = [MENTEE_HEADER, ["José", "Núñez", "jose.nunez@umn.example.edu", "virtual"]]
TODAY = date(2026, 11, 25)  # conftest.TODAY: the day every test that names one is set on


def make_mentor(key: str = "kou", **fields) -> Mentor:
    base = {
        "first_name": key.title(),
        "last_name": "Yang",
        "email": f"{key}@clinic.example.org",
        "meeting_formats": "virtual",
        "registered_on": date(2023, 1, 1),
        "capacity": 2,
        "attests_values": True,
        "identifies_bipoc": "yes",
        "status": "active",
    }
    return Mentor(**{**base, **fields})


def make_mentee(key: str = "pa", **fields) -> Mentee:
    base = {
        "first_name": key.title(),
        "last_name": "Vang",
        "email": f"{key}@school.example.edu",
        "meeting_formats": "virtual",
        "registered_on": date(2023, 1, 1),
        "identifies_bipoc": "yes",
        "status": "active",
        "bipoc_mentor_preference": "none",
    }
    return Mentee(**{**base, **fields})


def make_match(mentor_id: int, mentee_id: int, **fields) -> Match:
    """An open pair confirmed on 5 January 2026, unless `fields` say otherwise."""
    return Match(
        **{"mentor_id": mentor_id, "mentee_id": mentee_id, "confirmed_on": date(2026, 1, 5), **fields}
    )


def add(engine: Engine, *rows) -> list[int]:
    """Store `rows` (registrations, matches, anything with an id) in one transaction; returns their ids."""
    with db.write_session(engine) as session:
        session.add_all(rows)
        session.flush()
        return [r.id for r in rows]


def people(engine: Engine, table) -> list[dict]:
    """Every row of `table` (Mentor, Mentee), as stored, without its timestamps."""
    with db.read_session(engine) as session:
        rows = session.execute(sa.select(table).order_by(table.id)).scalars().all()
        return [r.model_dump(exclude={"created_at", "updated_at"}) for r in rows]


def events(engine: Engine, action: str) -> list[tuple[str, str, str]]:
    """The audit trail of one action: (actor, outcome, summary), oldest first."""
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(AuditEvent.actor, AuditEvent.outcome, AuditEvent.summary)
            .where(AuditEvent.action == action)
            .order_by(AuditEvent.id)
        ).all()
    return [(actor, str(outcome), summary) for actor, outcome, summary in rows]


def to_csv(rows: list[list[str]], *, encoding: str = "utf-8", delimiter: str = ",") -> bytes:
    """A CSV file of `rows`, as a spreadsheet writes it (CRLF)."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def import_file(engine: Engine, kind: str, data: bytes, **options) -> dict:
    """Import a file as the CLI without --as does (the operator), as of TODAY; the import's report."""
    options.setdefault("today", TODAY)
    return services.import_registrations(
        engine, actor=Actor.operator(), kind=kind, data=data, **options
    ).report()
