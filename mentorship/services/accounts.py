"""Accounts, and the demo program (a demo store, and the CLI's guarded demo sign-ins)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import auth, demo, queries, settings
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import LoginSession, Mentee, Mentor, Role, User, utcnow
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
    """Fill an empty store with the demo program and mark it a demo store; refused when it already has
    registrations. No account is created here (`add_demo_accounts` is the CLI's separate, guarded step)."""
    with operation(engine, actor=actor, action="demo.load") as op:
        session = op.session
        if not queries.is_empty(session):
            raise Refused("The store already has registrations; demo data goes only into an empty store.")
        data = demo.generate(mentors=mentors, mentees=mentees, seed=seed, today=today, fresh=fresh)
        counts = demo.write(session, data)
        settings.save_setting(session, "demo", settings.DemoStore(seed=seed))
        op.record(f"demo data, seed {seed}: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return counts


NOT_A_DEMO_STORE = (
    "The store holds registrations that are not demo data; the demo's sign-ins, whose passwords are "
    "published, go only into a demo store."
)


def add_demo_accounts(engine: Engine, *, actor: Actor) -> list[str]:
    """Create the demo's sign-ins that are missing, in a demo store holding only synthetic people (a store
    an earlier version's `demo` filled, unmarked, is recognised by that and marked). Returns the emails
    created; refused, and nothing written, for any store with a real registration."""
    with operation(engine, actor=actor, action="demo.accounts") as op:
        session = op.session
        emails = [email for table in (Mentor, Mentee) for (email,) in session.execute(sa.select(table.email))]
        if not emails or not all(demo.is_synthetic_email(e) for e in emails):
            raise Refused(NOT_A_DEMO_STORE, audit="refused: not a demo store")
        if not settings.is_demo_store(session):
            settings.save_setting(session, "demo", settings.DemoStore())
        created = []
        for email, role, password in demo.DEMO_ACCOUNTS:
            if session.execute(sa.select(User.id).where(User.email == email)).first() is None:
                session.add(User(email=email, role=Role(role), password_hash=auth.hash_password(password)))
                created.append(email)
        op.record(f"{len(created)} demo accounts created")
    return created


# --- Accounts ---
def add_user(engine: Engine, *, actor: Actor, email: str, role: Role | str, password: str | None) -> Actor:
    """Create an account (or reactivate one); `password` None means university sign-in only, the one kind
    there is while password sign-in is off (`auth.password_sign_in`): a password then is refused, not kept
    where it could never be used."""
    with operation(engine, actor=actor, action="user.add", entity="user") as op:
        session = op.session
        try:
            email = check_email(email)
            role = Role(role)
        except ValueError as exc:
            message = str(exc) if "email" in str(exc) else "The role must be leader or committee."
            raise Refused(message) from None
        if password is not None:
            if not auth.password_sign_in():
                raise Refused(auth.NO_PASSWORD_NEEDED)
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
