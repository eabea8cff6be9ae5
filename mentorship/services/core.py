"""The write machinery every service shares: one audited transaction per operation, refusals audited."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import audit, auth, db
from mentorship.audit import count_signed_out
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import AuditOutcome
from mentorship.values import check_text

LEADER_ONLY = "Only the program leader can make this change."


@dataclass(frozen=True)
class Operation:
    """One write in progress: its transaction, and the audit event it was opened for."""

    session: Session
    actor: Actor
    action: str
    entity: str
    entity_id: int | None

    def record(self, summary: str, *, entity: str | None = None, entity_id: int | None = None) -> None:
        """The operation's audit event, in the same transaction (`summary`: counts and ids only). `entity` and
        `entity_id` default to those the operation was opened with."""
        audit.record(
            self.session,
            actor=self.actor,
            action=self.action,
            entity=self.entity if entity is None else entity,
            entity_id=self.entity_id if entity_id is None else entity_id,
            summary=summary,
        )


@contextmanager
def operation(
    engine: Engine,
    *,
    actor: Actor,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    leader_only: bool = True,
    signed_out: tuple[str, datetime] | None = None,
) -> Iterator[Operation]:
    """One write transaction for `actor`, named once by its audit `action` (`Operation.record` writes the
    event); refusals (a role, a rule, capacity) are audited under the same action, then raised. A public
    page's write names its client (`signed_out`: the address and the time): its refusals are counted per
    client and window (`record_signed_out_refusal`), not audited one by one."""
    try:
        if leader_only and not actor.is_leader:
            raise PermissionDenied(LEADER_ONLY, audit=f"refused: {actor.role} role")
        with db.write_session(engine) as session:
            if reason := auth.still_allowed(session, actor):
                raise PermissionDenied(reason, audit="refused: account or session no longer valid")
            yield Operation(session, actor, action, entity, entity_id)
    except Refused as exc:
        if signed_out is not None:
            address, now = signed_out
            record_signed_out_refusal(
                engine, action=action, address=address, now=now, summary=exc.audit_summary
            )
        else:
            record_refusal(
                engine,
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                summary=exc.audit_summary,
            )
        raise


def typed_text(text: str | None, field: str, error: type[Exception] = Refused) -> str:
    """Text typed into a form, trimmed; `error` (one sentence naming the field) when values.check_text
    refuses it, as an import's row error names its column."""
    text = (text or "").strip()
    try:
        return check_text(text)
    except ValueError as exc:
        raise error(f"The {field} {exc}.") from None


@contextmanager
def operation_session(engine: Engine, **kwargs) -> Iterator[Session]:
    """`operation`'s audited transaction as its session, for a service that records its own audit events
    (one write may record several, as the outbox's and the registration forms' do)."""
    with operation(engine, **kwargs) as op:
        yield op.session


def record_refusal(
    engine: Engine,
    *,
    actor: Actor | str,
    action: str,
    summary: str,
    entity: str = "",
    entity_id: int | None = None,
) -> None:
    """A refused attempt, in a transaction of its own (the refused one was rolled back)."""
    with db.write_session(engine) as session:
        audit.record(
            session,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            outcome=AuditOutcome.refused,
            summary=summary,
        )


def record_signed_out_refusal(
    engine: Engine, *, action: str, address: str, now: datetime, summary: str = "not signed in"
) -> int:
    """A request refused to a browser that is not signed in, counted per client (`address`, stored as its
    keyed hash), action and REFUSAL_WINDOW (`count_signed_out`), in a transaction of its own."""
    with db.write_session(engine) as session:
        return count_signed_out(session, action=action, address=address, now=now, summary=summary)


def select_ids(session: Session, statement: sa.Select) -> list[int]:
    return list(session.execute(statement).scalars())
