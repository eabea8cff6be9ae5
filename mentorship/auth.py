"""Accounts, password hashing, sign-in sessions and roles (no streamlit here).

Passwords are hashed with argon2id (argon2-cffi) and never stored or logged in clear. A signed-in browser
holds a random token; the store keeps only its SHA-256, so a copy of the store cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mentorship import audit, db
from mentorship.errors import Refused
from mentorship.models import AuditOutcome, LoginSession, Role, User, utcnow
from mentorship.values import normalise_email

IDLE_TIMEOUT = timedelta(minutes=30)
FREE_ATTEMPTS = 5  # failed sign-ins before each further attempt must wait
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(minutes=15)
SEEN_EVERY = timedelta(seconds=60)  # how often a running session refreshes last_seen_at

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so both answers take the same time."""
    return _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class Actor:
    """Who is acting: an account (by email and role), or the command-line operator."""

    email: str
    role: Role
    id: int | None = None
    login_id: int | None = None  # the browser session it acts through, when signed in with a password

    @property
    def is_leader(self) -> bool:
        return self.role == Role.leader

    @classmethod
    def operator(cls) -> Actor:
        """The CLI without --as: whoever has shell access to the store, which is already full access."""
        return cls(email="cli", role=Role.leader)

    @classmethod
    def of(cls, user: User, login_id: int | None = None) -> Actor:
        return cls(email=user.email, role=Role(user.role), id=user.id, login_id=login_id)


# Passwords
def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    """A strong password to print once: 20 characters from a URL-safe alphabet (about 120 bits)."""
    return secrets.token_urlsafe(15)


def check_password_strength(password: str) -> None:
    if len(password) < 12:
        raise Refused("A password needs at least 12 characters.")


# Accounts
def active_user(session: Session, email: str) -> User | None:
    return session.exec(
        select(User).where(User.email == normalise_email(email), User.is_active.is_(True))
    ).first()


def actor_for_email(session: Session, email: str) -> Actor:
    """The acting account named by an email (the CLI's --as, a university sign-in)."""
    user = active_user(session, email)
    if user is None:
        raise Refused("No active account has that email.")
    return Actor.of(user)


# Signing in
def wait_before_next_attempt(user: User, now: datetime) -> timedelta:
    """After a few failures, each further attempt must wait, doubling up to a quarter of an hour."""
    if user.failed_logins < FREE_ATTEMPTS or user.last_failed_at is None:
        return timedelta(0)
    wait = min(FIRST_WAIT * 2 ** (user.failed_logins - FREE_ATTEMPTS), LONGEST_WAIT)
    return max(timedelta(0), user.last_failed_at + wait - now)


def sign_in(engine: Engine, *, email: str, password: str, now: datetime | None = None) -> tuple[Actor, str]:
    """Check a password; on success start a session and return (actor, browser token).

    Every failure is written to the audit log and refused with the same sentence, whether the email is
    unknown, the account deactivated or the password wrong.
    """
    now = now or utcnow()
    wrong = Refused("That email and password do not match an active account.")
    address = normalise_email(email)
    # The password is checked before the write transaction opens: argon2 is slow by design, and the store's
    # write lock held meanwhile would queue every other write behind it (ten simultaneous sign-ins queued
    # past SQLite's busy timeout). The transaction then acts only if the account is as it was checked.
    with db.read_session(engine) as session:
        seen = session.exec(select(User).where(User.email == address)).first()
        known = seen is not None and seen.is_active
        checked_hash = seen.password_hash if known else None
        throttled = known and wait_before_next_attempt(seen, now) > timedelta(0)
    verified = not throttled and verify_password(checked_hash, password)
    with db.write_session(engine) as session:
        user = session.exec(select(User).where(User.email == address)).first()
        if user is not None and user.is_active:

            def note(summary: str, outcome: AuditOutcome = AuditOutcome.done) -> None:
                audit.record(
                    session,
                    actor=user.email,
                    action="auth.sign_in",
                    entity="user",
                    entity_id=user.id,
                    outcome=outcome,
                    summary=summary,
                )

            wait = wait_before_next_attempt(user, now)
            if wait > timedelta(0):
                minutes = max(1, round(wait.total_seconds() / 60))
                note("sign-in refused: too many failed attempts", AuditOutcome.refused)
                refused = Refused(
                    f"Too many failed sign-ins; try again in about {minutes} minute"
                    f"{'s' if minutes != 1 else ''}."
                )
            elif verified and user.password_hash == checked_hash:
                user.failed_logins = 0
                user.last_login_at = now
                session.add(user)
                token = secrets.token_urlsafe(32)
                login = LoginSession(
                    user_id=user.id, token_hash=_token_hash(token), created_at=now, last_seen_at=now
                )
                session.add(login)
                session.flush()
                note("signed in with a password")
                return Actor.of(user, login.id), token
            else:
                user.failed_logins += 1
                user.last_failed_at = now
                session.add(user)
                note(f"wrong password (failure {user.failed_logins} in a row)", AuditOutcome.refused)
                refused = wrong
        else:
            audit.record(
                session,
                actor="unknown account",
                action="auth.sign_in",
                outcome=AuditOutcome.refused,
                summary="sign-in with an unknown or inactive account",
            )
            refused = wrong
    raise refused


def resume(
    engine: Engine, token: str, *, now: datetime | None = None, idle_timeout: timedelta = IDLE_TIMEOUT
) -> Actor | None:
    """The account behind a browser token, if its session is live and the account still active."""
    now = now or utcnow()
    with db.read_session(engine) as session:
        row = session.exec(
            select(LoginSession, User)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.token_hash == _token_hash(token), LoginSession.ended_at.is_(None))
        ).first()
    if row is None:
        return None
    login, user = row
    if not user.is_active:
        return None
    if now - login.last_seen_at > idle_timeout:
        end_session(engine, token, now=now)
        return None
    if now - login.last_seen_at > SEEN_EVERY:
        with db.write_session(engine) as session:
            session.execute(
                sa.update(LoginSession).where(LoginSession.id == login.id).values(last_seen_at=now)
            )
    return Actor.of(user, login.id)


def still_allowed(session: Session, actor: Actor, *, now: datetime | None = None) -> str | None:
    """Why an account may no longer act (deactivated, role changed, session ended), or None.

    Checked inside every write: a page's button may have been drawn before any of these happened.
    """
    if actor.id is None:
        return None
    user = session.get(User, actor.id)
    if user is None or not user.is_active or Role(user.role) != actor.role:
        return "Your account can no longer make this change; please sign in again."
    if actor.login_id is not None:
        login = session.get(LoginSession, actor.login_id)
        now = now or utcnow()
        if login is None or login.ended_at is not None or now - login.last_seen_at > IDLE_TIMEOUT:
            return "Your session has ended; please sign in again."
    return None


def end_session(engine: Engine, token: str, *, now: datetime | None = None) -> None:
    with db.write_session(engine) as session:
        session.execute(
            sa.update(LoginSession)
            .where(LoginSession.token_hash == _token_hash(token), LoginSession.ended_at.is_(None))
            .values(ended_at=now or utcnow())
        )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
