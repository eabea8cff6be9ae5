"""Appending to the audit log. There is no update or delete path, and the database refuses both."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from mentorship.models import AuditEvent, AuditOutcome

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
