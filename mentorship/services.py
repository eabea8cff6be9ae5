"""The write operations. Each is one transaction that records its audit event in the same commit.

Every write takes the acting account and checks its role here, not only in the page: hiding a button is
not authorisation. A refusal is itself written to the audit log, in a transaction of its own.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import audit, auth, db, demo, queries
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import (
    OPEN_MATCH_STATUSES,
    AuditOutcome,
    CheckinLink,
    Concern,
    EndReason,
    LoginSession,
    Match,
    MatchStatus,
    Meeting,
    Mentee,
    Mentor,
    Role,
    User,
    utcnow,
)
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


# --- Stewardship: backup and erasure ---
def backup(engine: Engine, *, actor: Actor, target: Path) -> int:
    """A consistent copy of a SQLite store through SQLite's online backup API; returns its size in bytes.

    Copying the .db file of a WAL store while it is written gives a broken copy; the backup API does not.
    """
    with operation(engine, actor=actor, action="store.backup"):
        if not db.is_sqlite(engine):
            raise Refused("Back up a PostgreSQL store with pg_dump; this command copies SQLite stores.")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    # A connection outside any transaction: the backup API cannot copy from inside a write transaction.
    source = engine.raw_connection()
    destination = sqlite3.connect(target)
    try:
        source.driver_connection.backup(destination)
    finally:
        destination.close()
        source.close()
    with operation(engine, actor=actor, action="store.backup") as session:
        audit.record(session, actor=actor, action="store.backup", summary="backup written")
    return target.stat().st_size


ERASED = "Erased"


def erase_person(engine: Engine, *, actor: Actor, email: str) -> str:
    """Remove a mentor's or mentee's personal data on request; anonymised pairs and meetings stay.

    Kept for the statistics: registration date, capacity, meeting formats, BIPOC identity and preference
    (no longer linked to anyone), and the pairs' dates and outcomes. Open pairs end; links are revoked;
    free-text notes on their meetings and concerns are cleared. Returns "mentor" or "mentee".
    """
    address = email.strip().lower()
    with operation(engine, actor=actor, action="person.erase") as session:
        found = [
            (kind, table, session.execute(sa.select(table).where(table.email == address)).scalars().first())
            for kind, table in (("mentor", Mentor), ("mentee", Mentee))
        ]
        found = [(kind, table, person) for kind, table, person in found if person is not None]
        if not found:
            raise Refused("No mentor or mentee has that email.")
        kind, table, person = found[0]
        blank = dict.fromkeys(_ERASABLE_TEXT[kind], "")
        session.execute(
            sa.update(table)
            .where(table.id == person.id)
            .values(
                first_name=ERASED,
                last_name=ERASED,
                email=f"erased-{kind}-{person.id}@erased.invalid",
                status="withdrawn",
                updated_at=utcnow(),
                **blank,
            )
        )
        key = Match.mentor_id if kind == "mentor" else Match.mentee_id
        match_ids = select_ids(session, sa.select(Match.id).where(key == person.id))
        today = date.today()
        session.execute(
            sa.update(Match)
            .where(Match.id.in_(match_ids), Match.status.in_([s.value for s in OPEN_MATCH_STATUSES]))
            .values(
                status=MatchStatus.ended,
                ended_on=today,
                end_reason=EndReason.other,
                end_note="",
                updated_at=utcnow(),
            )
        )
        session.execute(sa.update(Match).where(Match.id.in_(match_ids)).values(end_note="", reasons="[]"))
        session.execute(sa.update(Meeting).where(Meeting.match_id.in_(match_ids)).values(notes=""))
        session.execute(sa.update(Concern).where(Concern.match_id.in_(match_ids)).values(note=""))
        session.execute(
            sa.update(CheckinLink)
            .where(CheckinLink.match_id.in_(match_ids), CheckinLink.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        audit.record(
            session,
            actor=actor,
            action="person.erase",
            entity=kind,
            entity_id=person.id,
            summary=f"personal data erased; {len(match_ids)} pair(s) kept anonymised",
        )
    db.purge_old_row_versions(engine)
    return kind


_ERASABLE_TEXT = {
    "mentor": (
        "phone",
        "pronouns",
        "race_ethnicity",
        "gender",
        "languages",
        "specialty",
        "organization",
        "career_stage",
    ),
    "mentee": (
        "phone",
        "pronouns",
        "race_ethnicity",
        "gender",
        "languages",
        "school",
        "class_year",
        "major",
        "mentor_gender_preference",
        "specialty_interests",
        "goals",
    ),
}


def select_ids(session: Session, statement: sa.Select) -> list[int]:
    return list(session.execute(statement).scalars())
