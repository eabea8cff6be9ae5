"""The write operations. Each is one transaction that records its audit event in the same commit.

Every write takes the acting account and checks its role here, not only in the page: hiding a button is
not authorisation. A refusal is itself written to the audit log, in a transaction of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import audit, auth, db, demo, intake, privacy, queries
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused, UnusableInput
from mentorship.models import AuditOutcome, LoginSession, Role, User, utcnow
from mentorship.values import check_email

LEADER_ONLY = "Only the program leader can make this change."


@contextmanager
def operation(
    engine: Engine,
    *,
    actor: Actor,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    leader_only: bool = True,
) -> Iterator[Session]:
    """One write transaction for `actor`; refusals (a role, a rule, capacity) are audited, then raised."""
    try:
        if leader_only and not actor.is_leader:
            raise PermissionDenied(LEADER_ONLY, audit=f"refused: {actor.role} role")
        with db.write_session(engine) as session:
            yield session
    except Refused as exc:
        with db.write_session(engine) as session:
            audit.record(
                session,
                actor=actor,
                action=action,
                entity=entity,
                entity_id=entity_id,
                outcome=AuditOutcome.refused,
                summary=exc.audit_summary,
            )
        raise


def load_demo(
    engine: Engine,
    *,
    actor: Actor,
    today: date,
    mentors: int = 60,
    mentees: int = 120,
    seed: int = 7,
    fresh: bool = False,
) -> dict[str, int]:
    """Fill an empty store with the demo program; refused when it already has registrations."""
    with operation(engine, actor=actor, action="demo.load") as session:
        if not queries.is_empty(session):
            raise Refused("The store already has registrations; demo data goes only into an empty store.")
        data = demo.generate(mentors=mentors, mentees=mentees, seed=seed, today=today, fresh=fresh)
        counts = demo.write(session, data)
        for email, role, password in demo.DEMO_ACCOUNTS:
            if session.execute(sa.select(User.id).where(User.email == email)).first() is None:
                session.add(User(email=email, role=Role(role), password_hash=auth.hash_password(password)))
        audit.record(
            session,
            actor=actor,
            action="demo.load",
            summary=f"demo data, seed {seed}: " + ", ".join(f"{v} {k}" for k, v in counts.items()),
        )
    return counts


# --- Accounts ---
def add_user(engine: Engine, *, actor: Actor, email: str, role: Role | str, password: str | None) -> Actor:
    """Create an account (or reactivate one); `password` None means university sign-in only."""
    try:
        email = check_email(email)
        role = Role(role)
    except ValueError as exc:
        raise Refused(str(exc) if "email" in str(exc) else "The role must be leader or committee.") from None
    if password is not None:
        auth.check_password_strength(password)
    with operation(engine, actor=actor, action="user.add", entity="user") as session:
        user = session.execute(sa.select(User).where(User.email == email)).scalars().first()
        if user is not None and user.is_active:
            raise Refused("An active account already has that email.")
        user = user or User(email=email, role=role)
        user.role, user.is_active, user.failed_logins = role, True, 0
        user.password_hash = auth.hash_password(password) if password is not None else None
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="user.add",
            entity="user",
            entity_id=user.id,
            summary=f"account with role {role.value}",
        )
        return Actor.of(user)


def deactivate_user(engine: Engine, *, actor: Actor, email: str) -> None:
    """An account that can no longer sign in; its sessions end at once. Kept for the audit trail."""
    with operation(engine, actor=actor, action="user.deactivate", entity="user") as session:
        user = session.execute(sa.select(User).where(User.email == email.strip().lower())).scalars().first()
        if user is None or not user.is_active:
            raise Refused("No active account has that email.")
        if user.role == Role.leader:
            leaders = session.execute(
                sa.select(sa.func.count(User.id)).where(User.role == Role.leader, User.is_active.is_(True))
            ).scalar_one()
            if leaders <= 1:
                raise Refused("The last active leader account cannot be deactivated.")
        user.is_active = False
        session.add(user)
        session.execute(
            sa.update(LoginSession)
            .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
            .values(ended_at=utcnow())
        )
        audit.record(
            session,
            actor=actor,
            action="user.deactivate",
            entity="user",
            entity_id=user.id,
            summary="account deactivated",
        )


# --- Registrations ---
def import_registrations(
    engine: Engine,
    *,
    actor: Actor,
    kind: str,
    data: bytes,
    dry_run: bool = False,
    today: date | None = None,
    progress: intake.Progress | None = None,
) -> intake.ImportPlan:
    """Import a form export (mentors, mentees) or the program's history (pairs, meetings); leader only.

    The file is read first (UnusableInput when it cannot be used at all); then every row is planned and the
    valid ones written in one transaction with the audit event (batch id and file hash, counts only).
    A dry run plans the same rows and writes nothing.
    """
    action = f"import.{kind}"
    if not actor.is_leader:
        with operation(engine, actor=actor, action=action, entity=kind):
            pass  # refused and audited before anything is read
    sheet = intake.read(data, kind)
    today = today or date.today()
    if dry_run:
        with db.read_session(engine) as session:
            return intake.plan(session, sheet, today=today)
    batch = uuid.uuid4().hex[:12]
    with operation(engine, actor=actor, action=action, entity=kind) as session:
        try:
            plan = intake.plan(session, sheet, today=today)
            intake.write(session, plan, today=today, progress=progress)
        except sa.exc.IntegrityError as exc:
            raise Refused(
                "The store changed while the file was being imported, so nothing was written; "
                "import it again."
            ) from exc
        audit.record(
            session,
            actor=actor,
            action=action,
            entity=kind,
            summary=(
                f"batch {batch}, file sha256 {sheet.sha256}: {len(plan.rows)} rows, "
                f"{plan.count(intake.CREATE)} created, {plan.count(intake.UPDATE)} updated, "
                f"{plan.count(intake.UNCHANGED)} unchanged, {plan.count(intake.INVALID)} invalid"
            ),
        )
    plan.written, plan.batch = True, batch
    return plan


def add_registration(
    engine: Engine, *, actor: Actor, kind: str, cells: dict[str, str], today: date | None = None
) -> int:
    """One mentor or mentee typed in by the leader, through the import's own validation; returns its id."""
    entity = intake.ENTITY[kind]
    today = today or date.today()
    with operation(engine, actor=actor, action=f"{entity}.add", entity=entity) as session:
        plan = intake.plan(session, intake.sheet_of(kind, cells), today=today)
        (row,) = plan.rows
        if row.action == intake.INVALID:
            raise intake.InvalidRegistration(row.errors)
        if row.action != intake.CREATE:
            raise Refused(
                f"A {entity} with this email is already registered; edit that registration instead."
            )
        intake.write(session, plan, today=today)
        person_id = intake.person_id(session, kind, row.values["email"])
        audit.record(
            session, actor=actor, action=f"{entity}.add", entity=entity, entity_id=person_id, summary="added"
        )
    return person_id


def update_registration(
    engine: Engine,
    *,
    actor: Actor,
    kind: str,
    person_id: int,
    cells: dict[str, str],
    today: date | None = None,
) -> tuple[str, ...]:
    """Edit one registration with the import's validation; returns the columns that changed."""
    entity = intake.ENTITY[kind]
    today = today or date.today()
    with operation(
        engine, actor=actor, action=f"{entity}.edit", entity=entity, entity_id=person_id
    ) as session:
        changes = intake.update_person(session, kind, person_id, cells, today=today)
        if changes:
            audit.record(
                session,
                actor=actor,
                action=f"{entity}.edit",
                entity=entity,
                entity_id=person_id,
                summary="changed: " + ", ".join(changes),
            )
    return changes


def set_registration_status(engine: Engine, *, actor: Actor, kind: str, person_id: int, status: str) -> None:
    """Active, paused or withdrawn; someone with an open pair cannot be withdrawn until it ends."""
    entity = intake.ENTITY[kind]
    with operation(
        engine, actor=actor, action=f"{entity}.status", entity=entity, entity_id=person_id
    ) as session:
        previous = intake.set_status(session, kind, person_id, status)
        audit.record(
            session,
            actor=actor,
            action=f"{entity}.status",
            entity=entity,
            entity_id=person_id,
            summary=f"status {previous} -> {status}",
        )


def export_registrations(engine: Engine, *, actor: Actor, kind: str) -> tuple[bytes, int]:
    """Every record of one kind as a CSV file in its template's columns, as `actor` may see it (audited).

    Returns the file and its row count. A committee member's copy is masked like the pages.
    """
    if kind not in intake.KINDS:
        raise UnusableInput(f"There is no {kind!r} export; choose one of {', '.join(intake.KINDS)}.")
    with operation(engine, actor=actor, action=f"export.{kind}", entity=kind, leader_only=False) as session:
        frame = privacy.viewer_frame(queries.registrations_export(session, kind), actor.role)
        view = "full" if actor.is_leader else "masked"
        audit.record(
            session, actor=actor, action=f"export.{kind}", entity=kind, summary=f"{len(frame)} rows, {view}"
        )
    return intake.to_csv(frame), len(frame)
