"""The write operations. Each is one transaction that records its audit event in the same commit."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import db, demo, intake, queries
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


# --- Registrations import ---
def import_registrations(
    engine: Engine,
    *,
    actor: str,
    kind: str,
    data: bytes,
    dry_run: bool = False,
    today: date | None = None,
    progress: intake.Progress | None = None,
) -> intake.ImportPlan:
    """Import a form export (mentors, mentees) or the program's history (pairs, meetings).

    The file is read first (UnusableInput when it cannot be used at all); then every row is planned and the
    valid ones written in one transaction with the audit event (batch id and file hash, counts only).
    A dry run plans the same rows and writes nothing.
    """
    sheet = intake.read(data, kind)
    today = today or date.today()
    if dry_run:
        with db.read_session(engine) as session:
            return intake.plan(session, sheet, today=today)
    batch = uuid.uuid4().hex[:12]
    try:
        with db.write_session(engine) as session:
            plan = intake.plan(session, sheet, today=today)
            intake.write(session, plan, today=today, progress=progress)
            audit(
                session,
                actor=actor,
                action=f"import.{kind}",
                entity=kind,
                summary=(
                    f"batch {batch}, file sha256 {sheet.sha256}: {len(plan.rows)} rows, "
                    f"{plan.count(intake.CREATE)} created, {plan.count(intake.UPDATE)} updated, "
                    f"{plan.count(intake.UNCHANGED)} unchanged, {plan.count(intake.INVALID)} invalid"
                ),
            )
    except sa.exc.IntegrityError as exc:
        raise Refused(
            "The store changed while the file was being imported, so nothing was written; import it again."
        ) from exc
    plan.written, plan.batch = True, batch
    return plan
