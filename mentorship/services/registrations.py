"""Registrations: imports, adding and editing one, status, exports."""

from __future__ import annotations

import uuid
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db, intake, privacy, queries
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused, UnusableInput
from mentorship.services.core import operation


def import_registrations(
    engine: Engine,
    *,
    actor: Actor,
    kind: str,
    data: bytes,
    today: date,
    dry_run: bool = False,
    progress: intake.Progress | None = None,
) -> intake.ImportPlan:
    """Import a form export (mentors, mentees) or the program's history (pairs, meetings, milestones); leader
    only.

    The file is read first (UnusableInput when it cannot be used at all); then every row is planned and the
    valid ones written in one transaction with the audit event (batch id and file hash, counts only).
    A dry run plans the same rows and writes nothing.
    """
    action = f"import.{kind}"
    if not actor.is_leader:
        with operation(engine, actor=actor, action=action, entity=kind):
            pass  # refused and audited before anything is read
    sheet = intake.read(data, kind)
    if dry_run:
        with db.read_session(engine) as session:
            return intake.plan(session, sheet, today=today)
    batch = uuid.uuid4().hex[:12]
    with operation(engine, actor=actor, action=action, entity=kind) as op:
        session = op.session
        try:
            plan = intake.plan(session, sheet, today=today)
            intake.write(session, plan, today=today, progress=progress)
        except sa.exc.IntegrityError as exc:
            raise Refused(
                "The store changed while the file was being imported, so nothing was written; "
                "import it again."
            ) from exc
        op.record(
            f"batch {batch}, file sha256 {sheet.sha256}: {len(plan.rows)} rows, "
            f"{plan.count(intake.CREATE)} created, {plan.count(intake.UPDATE)} updated, "
            f"{plan.count(intake.UNCHANGED)} unchanged, {plan.count(intake.INVALID)} invalid"
        )
    plan.written, plan.batch = True, batch
    return plan


def add_registration(engine: Engine, *, actor: Actor, kind: str, cells: dict[str, str], today: date) -> int:
    """One mentor or mentee typed in by the leader, through the import's own validation; returns its id."""
    entity = intake.ENTITY[kind]
    with operation(engine, actor=actor, action=f"{entity}.add", entity=entity) as op:
        session = op.session
        plan = intake.plan(session, intake.sheet_of(kind, cells), today=today)
        (row,) = plan.rows
        if row.action == intake.INVALID:
            raise intake.InvalidRegistration(row.errors)
        if row.action != intake.CREATE:
            raise Refused(
                f"A {entity} with this email is already registered; edit that registration instead."
            )
        intake.write(session, plan, today=today)
        person_id = queries.person_id(session, kind.removesuffix("s"), row.values["email"])
        op.record("added", entity_id=person_id)
    return person_id


def update_registration(
    engine: Engine,
    *,
    actor: Actor,
    kind: str,
    person_id: int,
    cells: dict[str, str],
    today: date,
) -> tuple[str, ...]:
    """Edit one registration with the import's validation; returns the columns that changed."""
    entity = intake.ENTITY[kind]
    with operation(engine, actor=actor, action=f"{entity}.edit", entity=entity, entity_id=person_id) as op:
        session = op.session
        changes = intake.update_person(session, kind, person_id, cells, today=today)
        if changes:
            op.record("changed: " + ", ".join(changes))
    return changes


def set_registration_status(engine: Engine, *, actor: Actor, kind: str, person_id: int, status: str) -> None:
    """Active, paused or withdrawn; someone with an open pair cannot be withdrawn until it ends."""
    entity = intake.ENTITY[kind]
    with operation(engine, actor=actor, action=f"{entity}.status", entity=entity, entity_id=person_id) as op:
        session = op.session
        previous = intake.set_status(session, kind, person_id, status)
        op.record(f"status {previous} -> {status}")


def export_registrations(engine: Engine, *, actor: Actor, kind: str) -> tuple[bytes, int]:
    """Every record of one kind as a CSV file in its template's columns, as `actor` may see it (audited).

    Returns the file and its row count. A committee member gets the registrations only, masked like the
    pages (`privacy.may_export`).
    """
    if kind not in intake.KINDS:
        raise UnusableInput(f"There is no {kind!r} export; choose one of {', '.join(intake.KINDS)}.")
    with operation(engine, actor=actor, action=f"export.{kind}", entity=kind, leader_only=False) as op:
        if not privacy.may_export(kind, actor.role):
            raise PermissionDenied(privacy.HISTORY_IS_THE_LEADERS, audit=f"refused: {actor.role} role")
        frame = queries.export_view(op.session, kind, actor.role)
        view = "full" if actor.is_leader else "masked"
        op.record(f"{len(frame)} rows, {view}")
    return intake.to_csv(frame), len(frame)
