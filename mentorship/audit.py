"""Appending to the audit log. There is no update or delete path, and the database refuses both."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlmodel import Session

from mentorship import db, settings
from mentorship.models import AuditEvent, AuditOutcome, RefusalTally

if TYPE_CHECKING:
    from mentorship.auth import Actor


def record(
    session: Session,
    *,
    actor: Actor | str,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    summary: str = "",
    outcome: AuditOutcome = AuditOutcome.done,
) -> None:
    """Add one event in the caller's transaction. Summaries hold counts and ids, never personal data."""
    label = actor if isinstance(actor, str) else actor.email
    session.add(
        AuditEvent(
            actor=label,
            action=action,
            entity=entity,
            entity_id=entity_id,
            summary=summary[:500],
            outcome=outcome,
        )
    )


REFUSAL_WINDOW = timedelta(minutes=10)
SIGNED_OUT = "signed-out browser"


def refusal_window(now: datetime) -> datetime:
    """The start of the REFUSAL_WINDOW that `now` falls in (windows start on the hour's tenth minutes)."""
    span = int(REFUSAL_WINDOW.total_seconds())
    return now - timedelta(seconds=(now.minute * 60 + now.second) % span, microseconds=now.microsecond)


def count_signed_out(session: Session, *, action: str, address: str, now: datetime, summary: str) -> int:
    """Count one signed-out request refused (or discarded) per client, action and REFUSAL_WINDOW: the first
    of each is audited (`summary`: no personal data), the others only counted in their `RefusalTally`, so a
    flood of requests cannot grow the append-only log. Atomic on both stores (one insert-or-increment).
    Returns the count in the window so far."""
    key = settings.client_key(session, address)
    start = refusal_window(now)
    count = session.execute(
        db.insert(session, RefusalTally)
        .values(action=action, address=key, window_start=start, count=1, last_at=now)
        .on_conflict_do_update(
            index_elements=["action", "address", "window_start"],
            set_={"count": RefusalTally.count + 1, "last_at": now},
        )
        .returning(RefusalTally.count)
    ).scalar_one()
    if count == 1:
        until = start + REFUSAL_WINDOW
        record(
            session,
            actor=SIGNED_OUT,
            action=action,
            outcome=AuditOutcome.refused,
            summary=f"{summary}; this client's refusals until {until:%H:%M} UTC are counted "
            "under Refused requests",
        )
    return count
