"""Accounts, password hashing, sign-in sessions and roles (no streamlit here).

Passwords are hashed with argon2id (argon2-cffi) and never stored or logged in clear. A signed-in browser
holds a random token; the store keeps only its SHA-256, so a copy of the store cannot sign anyone in.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from mentorship import audit, db, settings
from mentorship.errors import Refused, UnusableInput
from mentorship.models import AuditOutcome, LoginSession, Role, SignInDevice, SignInThrottle, User, utcnow
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
    login_id: int | None = None  # the dashboard's browser session it acts through (its session cookie's)

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


NO_ACCOUNT = "No active account has that email."


def actor_for_email(session: Session, email: str) -> Actor:
    """The acting account named by an email (the CLI's --as, a university sign-in)."""
    user = active_user(session, email)
    if user is None:
        raise Refused(NO_ACCOUNT)
    return Actor.of(user)


# Password sign-in, or the institution's single sign-on only
PASSWORD_SIGN_IN_ENV = "MENTORSHIP_PASSWORD_SIGNIN"
PASSWORD_OFF = (
    "Password sign-in is off for this dashboard (MENTORSHIP_PASSWORD_SIGNIN=off): "
    "sign in with your institution's account."
)
NO_PASSWORD_NEEDED = (
    "Password sign-in is off (MENTORSHIP_PASSWORD_SIGNIN=off): accounts sign in with the institution's "
    "account and need no password."
)


def password_sign_in(environ: Mapping[str, str] | None = None) -> bool:
    """Whether accounts may sign in with a password: MENTORSHIP_PASSWORD_SIGNIN `on` (the default) or `off`,
    when the institution's single sign-on (and its multi-factor rules) is the only way in. From the
    environment, never the store, so a copy of the store cannot turn passwords back on. UnusableInput says
    what any other value should be."""
    raw = (os.environ if environ is None else environ).get(PASSWORD_SIGN_IN_ENV, "")
    value = raw.strip().lower()
    if value in ("", "on"):
        return True
    if value == "off":
        return False
    raise UnusableInput(f"{PASSWORD_SIGN_IN_ENV} must be on or off (it is {raw.strip()!r}).")


# Signing in
WRONG = (
    "That email and password do not match an active account, or too many sign-ins have failed; "
    "check them, or wait a few minutes and try again."
)
HANDOFF_TIME = timedelta(seconds=60)  # a sign-in's one-time code must reach /auth/begin within this
DEVICE_LIFETIME = timedelta(days=180)


def wait_before_next_attempt(failed_logins: int, last_failed_at: datetime | None, now: datetime) -> timedelta:
    """After a few failures, each further attempt must wait, doubling up to a quarter of an hour."""
    if failed_logins < FREE_ATTEMPTS or last_failed_at is None:
        return timedelta(0)
    wait = min(FIRST_WAIT * 2 ** (failed_logins - FREE_ATTEMPTS), LONGEST_WAIT)
    return max(timedelta(0), last_failed_at + wait - now)


def sign_in(
    engine: Engine,
    *,
    email: str,
    password: str,
    device: str | None = None,
    address: str = "",
    now: datetime | None = None,
) -> tuple[Actor, str]:
    """Check a password; on success start a session and return (actor, one-time code for /auth/begin).

    Every failure gets the same sentence after the same work (one argon2 verification, against a dummy
    hash when the email is unknown or the attempt is throttled), so no answer tells whether an account
    exists. Failures are counted per browser that has signed in to the account before (`device`, its
    device cookie), and apart from that per client address (`address`, `clients.client_address`; the store
    keeps its keyed hash): strangers guessing can slow down only themselves, never the account's own
    browsers nor a new browser elsewhere (OWASP's device cookies). Without an address (the command line),
    every other browser counts together.

    The count is atomic: each attempt is counted as a failure before its password is checked, under a lock
    on the account, so simultaneous guesses each see the ones before them; at most FREE_ATTEMPTS passwords
    are really checked before the waits begin, and each failure's number is recorded once.

    With password sign-in off (`password_sign_in`), every attempt is refused with PASSWORD_OFF and no
    password is checked.
    """
    now = now or utcnow()
    email = normalise_email(email)
    if not password_sign_in():
        with db.write_session(engine) as session:
            _refusal(session, "password sign-in while it is off", address, now)
        raise Refused(PASSWORD_OFF)
    # The password is checked between two short write transactions, never inside one: argon2 is slow by
    # design, and the store's write lock held meanwhile would queue every other write behind it (ten
    # simultaneous sign-ins queued past SQLite's busy timeout).
    attempt = _count_attempt(engine, email, device, address, now)
    correct = verify_password(attempt.checked_hash, password)
    with db.write_session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or not user.is_active or attempt.counter is None:
            _refusal(session, "sign-in with an unknown or inactive account", address, now)
            refused = Refused(WRONG)
        else:
            db.serialise(session, f"sign-in {user.id}")
            counter = session.get(type(attempt.counter), attempt.counter.id) or user  # gone: pruned
            where = " from a known browser" if attempt.known else ""
            if correct and user.password_hash == attempt.checked_hash:
                counter.failed_logins, counter.last_failed_at = 0, None
                session.add(counter)
                login, code = _start_session(session, user, now, institution=False)
                _note(session, user, f"signed in with a password{where}")
                return Actor.of(user, login.id), code
            if attempt.failure is None:  # no password was checked: counted like the unknown account's
                summary = "sign-in refused: too many failed attempts"
                if address:
                    _refusal(session, summary + where, address, now)
                else:
                    _note(session, user, summary + where, AuditOutcome.refused)
            else:
                summary = f"wrong password (failure {attempt.failure} in a row)"
                _note(session, user, summary + where, AuditOutcome.refused)
            refused = Refused(WRONG)
    raise refused


def begin_single_sign_on(
    engine: Engine, email: str, *, address: str = "", now: datetime | None = None
) -> str:
    """For an account the institution's single sign-on has signed in (`email`, its verified claim): start
    the dashboard's own session for it and return its one-time code for /auth/begin, as a password
    sign-in does, so the routes that answer only a session cookie (the downloads) answer this browser too,
    and signing out can end it in the store. No password is checked, whether or not password sign-in is
    on; the sign-in is audited. An unknown or inactive account is refused as `actor_for_email` refuses it
    (and counted as a refused sign-in, per client like `sign_in`'s)."""
    now = now or utcnow()
    with db.write_session(engine) as session:
        user = active_user(session, email)
        if user is not None:
            _, code = _start_session(session, user, now, institution=True)
            _note(session, user, "signed in through the institution")
            return code
        _refusal(session, "institution sign-in with an unknown or inactive account", address, now)
    raise Refused(NO_ACCOUNT)


def _start_session(session, user: User, now: datetime, *, institution: bool) -> tuple[LoginSession, str]:
    """A signed-in browser's session for `user` (a password's, or the institution's sign-in's), in the
    caller's transaction, and its one-time code for /auth/begin (the store keeps only the code's hash)."""
    user.last_login_at = now
    code = secrets.token_urlsafe(32)
    login = LoginSession(
        user_id=user.id,
        token_hash=_token_hash(code),
        created_at=now,
        last_seen_at=now,
        handoff_until=now + HANDOFF_TIME,
        institution=institution,
    )
    session.add_all([user, login])
    session.flush()
    return login, code


@dataclass(frozen=True)
class _Attempt:
    """One sign-in attempt, counted before its password is checked."""

    checked_hash: str | None  # None: check against the dummy hash (unknown account, or throttled)
    counter: User | SignInDevice | SignInThrottle | None = None  # where its failures are counted
    failure: int | None = None  # its number as a failure in a row; None when throttled
    known: bool = False  # from a browser that signed in to the account before


def _count_attempt(engine: Engine, email: str, device: str | None, address: str, now: datetime) -> _Attempt:
    """Count the attempt as a failure in its counter (a success sets it back), unless that counter makes it
    wait; in one short transaction serialised per account."""
    with db.write_session(engine) as session:
        user = session.exec(select(User).where(User.email == email)).first()
        if user is None or not user.is_active:
            return _Attempt(None)
        db.serialise(session, f"sign-in {user.id}")
        session.refresh(user)
        known = _device(session, user, device)
        counter = known or _throttle(session, user, address) or user
        if wait_before_next_attempt(counter.failed_logins, counter.last_failed_at, now):
            return _Attempt(None, counter, None, known is not None)
        counter.failed_logins += 1
        counter.last_failed_at = now
        session.add(counter)
        session.flush()
        return _Attempt(user.password_hash, counter, counter.failed_logins, known is not None)


def _throttle(session: Session, user: User, address: str) -> SignInThrottle | None:
    """This account's failure count for browsers at `address` it has not signed in from (made on first
    use); None without an address."""
    if not address:
        return None
    key = settings.client_key(session, address)
    row = session.exec(
        select(SignInThrottle).where(SignInThrottle.user_id == user.id, SignInThrottle.address == key)
    ).first()
    if row is None:
        row = SignInThrottle(user_id=user.id, address=key)
        session.add(row)
        session.flush()
    return row


def _refusal(session: Session, summary: str, address: str, now: datetime) -> None:
    """An attempt whose password was not checked (an unknown or inactive account, or one that must wait):
    from a page (`address`), counted per client and window (`audit.count_signed_out`), so a flood of them
    cannot grow the audit log; from the command line, audited."""
    if address:
        audit.count_signed_out(session, action="auth.sign_in", address=address, now=now, summary=summary)
    else:
        audit.record(
            session,
            actor="unknown account",
            action="auth.sign_in",
            outcome=AuditOutcome.refused,
            summary=summary,
        )


def _note(session: Session, user: User, summary: str, outcome: AuditOutcome = AuditOutcome.done) -> None:
    audit.record(
        session,
        actor=user.email,
        action="auth.sign_in",
        entity="user",
        entity_id=user.id,
        outcome=outcome,
        summary=summary,
    )


def _device(session: Session, user: User, device: str | None) -> SignInDevice | None:
    """This account's record of the browser holding `device`, if that browser signed in to it before."""
    if not device:
        return None
    return session.exec(
        select(SignInDevice).where(
            SignInDevice.token_hash == _token_hash(device), SignInDevice.user_id == user.id
        )
    ).first()


@dataclass(frozen=True)
class Cookies:
    """What /auth/begin sets: the session's token, and the device cookie (None: keep the one sent)."""

    session: str
    device: str | None


def begin_session(
    engine: Engine, code: str, *, device: str | None = None, now: datetime | None = None
) -> Cookies | None:
    """Exchange a sign-in's one-time code for the session token the browser keeps (in an HttpOnly
    cookie); None when the code is unknown, used or expired. A password sign-in's code is refused with
    PASSWORD_OFF while password sign-in is off; a code `begin_single_sign_on` made is not. After a password
    the browser also gets (or keeps) a device cookie for the account."""
    now = now or utcnow()
    passwords = password_sign_in()
    with db.write_session(engine) as session:
        login = session.exec(
            select(LoginSession).where(
                LoginSession.token_hash == _token_hash(code or ""),
                LoginSession.handoff_until.is_not(None),
                LoginSession.ended_at.is_(None),
            )
        ).first()
        if login is None:
            return None
        if not (login.institution or passwords):
            raise Refused(PASSWORD_OFF)
        if login.handoff_until < now:
            login.ended_at = now
            session.add(login)
            return None
        token = secrets.token_urlsafe(32)
        login.token_hash, login.handoff_until, login.last_seen_at = _token_hash(token), None, now
        session.add(login)
        if login.institution:  # no password: no failures to count per browser
            return Cookies(session=token, device=None)
        user = session.get(User, login.user_id)
        known = _device(session, user, device) if user is not None else None
        if known is not None:
            known.last_used_at = now
            session.add(known)
            return Cookies(session=token, device=None)
        new_device = secrets.token_urlsafe(32)
        session.add(
            SignInDevice(
                user_id=login.user_id, token_hash=_token_hash(new_device), created_at=now, last_used_at=now
            )
        )
        return Cookies(session=token, device=new_device)


def resume(
    engine: Engine, token: str, *, now: datetime | None = None, idle_timeout: timedelta = IDLE_TIMEOUT
) -> Actor | None:
    """The account behind a browser token, if its session is live and the account still active, and
    whatever made it still allowed: password sign-in still on, or the institution's single sign-on."""
    now = now or utcnow()
    live = [
        LoginSession.token_hash == _token_hash(token),
        LoginSession.ended_at.is_(None),
        LoginSession.handoff_until.is_(None),
    ]
    if not password_sign_in():
        live.append(LoginSession.institution.is_(True))
    with db.read_session(engine) as session:
        row = session.exec(
            select(LoginSession, User).join(User, User.id == LoginSession.user_id).where(*live)
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
