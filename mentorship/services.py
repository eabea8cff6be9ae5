"""The write operations. Each is one transaction that records its audit event in the same commit.

Every write takes the acting account and checks its role here, not only in the page: hiding a button is
not authorisation. A refusal is itself written to the audit log, in a transaction of its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import audit, auth, db, demo, queries
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused
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
