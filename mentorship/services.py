"""The write operations. Each is one transaction that records its audit event in the same commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import db, demo, queries
from mentorship.errors import Refused
from mentorship.models import AuditEvent, AuditOutcome


def audit(
    session: Session,
    *,
    actor: str,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    summary: str = "",
    outcome: AuditOutcome = AuditOutcome.done,
) -> None:
    """Append one event to the audit log; summaries never hold personal data."""
    session.add(
        AuditEvent(
            actor=actor, action=action, entity=entity, entity_id=entity_id, summary=summary, outcome=outcome
        )
    )


def load_demo(
    engine: Engine,
    *,
    actor: str,
    today: date,
    mentors: int = 60,
    mentees: int = 120,
    seed: int = 7,
    fresh: bool = False,
) -> dict[str, int]:
    """Fill an empty store with the demo program; refused when it already has registrations."""
    with db.write_session(engine) as session:
        if not queries.is_empty(session):
            raise Refused("The store already has registrations; demo data goes only into an empty store.")
        data = demo.generate(mentors=mentors, mentees=mentees, seed=seed, today=today, fresh=fresh)
        counts = demo.write(session, data)
        audit(
            session,
            actor=actor,
            action="demo.load",
            summary=f"demo data, seed {seed}: " + ", ".join(f"{v} {k}" for k, v in counts.items()),
        )
    return counts
