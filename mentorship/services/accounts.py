"""Accounts, and the demo program (which brings its sign-ins)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import auth, demo, queries
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import LoginSession, Role, User, utcnow
from mentorship.services.core import operation
from mentorship.values import check_email, normalise_email


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
    with operation(engine, actor=actor, action="demo.load") as op:
        session = op.session
        if not queries.is_empty(session):
            raise Refused("The store already has registrations; demo data goes only into an empty store.")
        data = demo.generate(mentors=mentors, mentees=mentees, seed=seed, today=today, fresh=fresh)
        counts = demo.write(session, data)
        for email, role, password in demo.DEMO_ACCOUNTS:
            if session.execute(sa.select(User.id).where(User.email == email)).first() is None:
                session.add(User(email=email, role=Role(role), password_hash=auth.hash_password(password)))
        op.record(f"demo data, seed {seed}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return counts


# --- Accounts ---
def add_user(engine: Engine, *, actor: Actor, email: str, role: Role | str, password: str | None) -> Actor:
    """Create an account (or reactivate one); `password` None means university sign-in only."""
    with operation(engine, actor=actor, action="user.add", entity="user") as op:
        session = op.session
        try:
            email = check_email(email)
            role = Role(role)
        except ValueError as exc:
            message = str(exc) if "email" in str(exc) else "The role must be leader or committee."
            raise Refused(message) from None
        if password is not None:
            auth.check_password_strength(password)
        user = session.execute(sa.select(User).where(User.email == email)).scalars().first()
        if user is not None and user.is_active:
            raise Refused("An active account already has that email.")
        user = user or User(email=email, role=role)
        user.role, user.is_active, user.failed_logins = role, True, 0
        user.password_hash = auth.hash_password(password) if password is not None else None
        session.add(user)
        session.flush()
        op.record(f"account with role {role.value}", entity_id=user.id)
        return Actor.of(user)


def deactivate_user(engine: Engine, *, actor: Actor, email: str) -> None:
    """An account that can no longer sign in; its sessions end at once. Kept for the audit trail."""
    with operation(engine, actor=actor, action="user.deactivate", entity="user") as op:
        session = op.session
        user = session.execute(sa.select(User).where(User.email == normalise_email(email))).scalars().first()
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
        op.record("account deactivated", entity_id=user.id)
