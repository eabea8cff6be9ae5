"""Registration through the program's own public forms: what the forms say, their one rule set (the import's),
and the writes — a submission, its confirmation by link or by the leader, a decline, a person's own update or
withdrawal, and the leader's settings. Each write is one transaction with its audit event (ids only).

A submission never touches the registrations: it is kept as a `Signup` (pending) and written through the
import's own plan only when its link is followed or the leader accepts it, so a pending registration is never
suggested for pairing and the same email registering again never overwrites anyone until then.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import audit, db, intake, links, outbox, settings
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import (
    Mentor,
    PersonStatus,
    Role,
    Signup,
    SignupStatus,
    ValuesStatement,
)
from mentorship.outbox.linking import PERSONAL_LINK, registration_link
from mentorship.services import operation_session as _operation
from mentorship.values import check_email

KINDS = {"mentor": "mentors", "mentee": "mentees"}  # the address's ?as= → the import kind
ACTION = "registration form"
FORM_ACTOR = Actor(email="registration form", role=Role.committee)
LINK_ACTOR = Actor(email="registration link", role=Role.committee)
EXPIRY = timedelta(days=7)
MAX_ANSWERS = 20_000  # characters of all answers together (the store's column)

# What the public pages say, in plain words
EXPECTATIONS = (
    "A mentorship lasts at least one year, and the pair may choose to continue after that.",
    "Pairs meet every one to two months, usually by video call or phone.",
    "Mentors advise on the medical-school application, the interview process, and educational and career "
    "goals.",
    "Pairs keep a space of mutual respect and cultural humility, safe for both.",
)
DEFAULT_STATEMENT = (
    "As a mentor in this program I commit to the values of anti-racism and cultural humility: I will listen "
    "to my mentee's experience without judgement, recognise the barriers that racism places in the path of "
    "BIPOC students and physicians, keep learning about my own assumptions, and keep our conversations a "
    "safe space built on mutual respect."
)
CONSENT_NOTICE = (
    "What we keep: the answers on this form, and when you sent it. Who sees them: the program leader sees "
    "everything; the program committee sees your name and your answers about the program, but not your "
    "contact details, race/ethnicity, gender or other personal details. We use them only to pair mentors "
    "and mentees and to run the program. To see, correct or erase your data, write to the program contact "
    "below, or use your personal link."
)
BIPOC_WAIT = (
    "We honour a BIPOC-mentor preference wherever we can; a required preference may mean a longer wait for a "
    "mentor while we recruit one."
)
CLOSED = "Registration is closed for now."
RECEIVED = "Thank you: your registration has reached the program."
RECEIVED_MAIL = (
    "We have sent a confirmation link to the email address you gave; please follow it within 7 days."
)
RECEIVED_LEADER = "The program leader will review it and be in touch by email."
TOO_MANY = "We have received many registrations in a short time; please try again in an hour."
STATEMENT_CHANGED = "The values statement changed while you were reading it; please read it again below."
INACTIVE_LINK = "This link is not active. If you need help, please write to the program."
UNEXPECTED = "Something went wrong on our side and nothing was saved; please try again later."
EXPIRED = "This confirmation link has expired; please register again."


# The form's own fields and its rule set (the import's, plus consent and the attestation)
def form_columns(kind: str) -> tuple[str, ...]:
    """The template columns a person types: the registration date is the day they send it, and a mentor
    attests the values beside the statement itself."""
    return tuple(c for c in intake.TEMPLATES[kind] if c not in ("registered_on", "attests_values"))


def form_cells(kind: str, cells: dict[str, Any], *, attest: bool) -> dict[str, str]:
    """Every form column as an import cell (missing ones empty), the attestation as the import writes it."""
    out = {c: str(cells.get(c) or "") for c in form_columns(kind)}
    if kind == "mentors":
        out["attests_values"] = "yes" if attest else "no"
    return out


def validate(
    kind: str, cells: dict[str, Any], *, today: date, consent: bool, attest: bool
) -> tuple[dict[str, Any], list[str]]:
    """The values a registration would be stored with, and every problem as `column: why` — exactly an
    imported row's rules, and on top of them the form's consent and (mentors) the values attestation."""
    typed = form_cells(kind, cells, attest=attest)
    errors: list[str] = []
    if sum(len(v) for v in typed.values()) > MAX_ANSWERS:
        return {}, [f"registration: the answers are longer than {MAX_ANSWERS} characters together"]
    values, errors = intake.parse_row(kind, typed, today=today)
    if kind == "mentors" and not attest:
        errors.append("attests_values: the program asks every mentor to attest its values")
    if not consent:
        errors.append("consent: please agree to the program keeping your answers")
    return values, errors


# Reads the public pages need
@dataclass(frozen=True)
class FormState:
    kind: str
    open: bool
    contact_email: str
    statement_version: int
    statement: str


def statement(session: Session) -> tuple[int, str]:
    """The current values statement and its version (1, the default, until the leader edits it)."""
    row = session.execute(
        sa.select(ValuesStatement.version, ValuesStatement.text).order_by(ValuesStatement.version.desc())
    ).first()
    return (row[0], row[1]) if row else (1, DEFAULT_STATEMENT)


def form_state(session: Session, kind: str) -> FormState:
    chosen = settings.registration_settings(session)
    version, text = statement(session)
    is_open = chosen.mentor_open if kind == "mentors" else chosen.mentee_open
    return FormState(kind, is_open, chosen.contact_email, version, text)


token_hash = links.token_hash


def _stale(now: datetime):
    """A pending submission whose mailed link was not followed within the week."""
    return sa.and_(
        Signup.status == SignupStatus.pending, Signup.link_sent.is_(True), Signup.created_at <= now - EXPIRY
    )


def waiting(now: datetime):
    """The condition of a submission that waits for its link or for the leader."""
    return sa.and_(Signup.status == SignupStatus.pending, sa.not_(_stale(now)))


# Writes
def _audit(
    session: Session, actor: Actor, action: str, entity_id, summary: str, *, entity: str = "signup"
) -> None:
    audit.record(session, actor=actor, action=action, entity=entity, entity_id=entity_id, summary=summary)


def _retire(signup: Signup, status: SignupStatus, now: datetime) -> None:
    """The submission is done with: its answers are forgotten, its ids and times kept."""
    signup.status, signup.answers, signup.decided_at = status, "{}", now


def _check_statement(kind: str, attest: bool, read: int | None, current: int) -> None:
    if kind == "mentors" and attest and read != current:
        raise Refused(STATEMENT_CHANGED, audit="refused: the statement changed while it was read")


@dataclass(frozen=True)
class Receipt:
    signup_id: int | None
    mailed: bool
    token: str = ""  # the personal link's token (the caller mails it; never shown on the page)

    @property
    def message(self) -> str:
        return f"{RECEIVED} {RECEIVED_MAIL if self.mailed else RECEIVED_LEADER}"


def _expire(session: Session, now: datetime) -> int:
    """Mark a week-old unconfirmed submission expired and forget its answers; returns how many."""
    result = session.execute(
        sa.update(Signup).where(_stale(now)).values(status=SignupStatus.expired, answers="{}", decided_at=now)
    )
    return result.rowcount or 0


def _check_limits(
    session: Session, chosen: settings.RegistrationSettings, client: str, address: str, now: datetime
) -> None:
    """Refused when the hour's program-wide count, this client address's hour (`address`, its keyed
    hash) or this browser session's count is reached. Submissions the hidden field discarded count toward
    none. The counts are taken under `db.serialise`, so simultaneous submissions (PostgreSQL's included)
    never pass the cap together."""
    db.serialise(session, "registration limits")
    counted = Signup.status != SignupStatus.discarded
    hour = Signup.created_at > now - timedelta(hours=1)

    def count(*where) -> int:
        return session.execute(sa.select(sa.func.count(Signup.id)).where(counted, *where)).scalar_one()

    recent = count(hour)
    if recent >= chosen.per_hour:
        raise Refused(TOO_MANY, audit=f"refused: {recent} submissions in the last hour")
    if address and (mine := count(hour, Signup.address == address)) >= chosen.per_address:
        raise Refused(TOO_MANY, audit=f"refused: {mine} submissions from one client address in the last hour")
    if client and (mine := count(Signup.client == client)) >= chosen.per_session:
        raise Refused(TOO_MANY, audit=f"refused: {mine} submissions from one browser session")


def submit(
    engine: Engine,
    *,
    kind: str,
    cells: dict[str, Any],
    consent: bool,
    attest: bool,
    statement_version: int | None,
    client: str,
    now: datetime,
    today: date,
    address: str = "",
    honeypot: str = "",
    mail: bool = False,
) -> Receipt:
    """A public registration form sent: kept as pending (InvalidRegistration names every problem, Refused
    says the form is closed or the limits are reached). The answer never depends on whether the email is
    already registered. With `mail`, a confirmation link is queued in the same transaction. `client` is
    the browser session's id, `address` the client's address (`clients.client_address`; only its keyed
    hash is stored)."""
    if kind not in KINDS.values():
        raise Refused("There is no such registration form.")
    with _operation(engine, actor=FORM_ACTOR, action=ACTION, entity="signup", leader_only=False) as session:
        chosen = settings.registration_settings(session)
        if not (chosen.mentor_open if kind == "mentors" else chosen.mentee_open):
            raise Refused(CLOSED, audit=f"refused: the {kind} form is closed")
        address_key = settings.client_key(session, address)
        _check_limits(session, chosen, client, address_key, now)  # first: it serialises the submissions
        _expire(session, now)
        if honeypot:
            signup = Signup(
                kind=kind, status=SignupStatus.discarded, client=client, address=address_key, created_at=now
            )
            session.add(signup)
            session.flush()
            _audit(
                session,
                FORM_ACTOR,
                ACTION,
                signup.id,
                f"{kind}: discarded (hidden field filled in)",
                entity="signup",
            )
            return Receipt(None, mail)
        version, _ = statement(session)
        _check_statement(kind, attest, statement_version, version)
        values, errors = validate(kind, cells, today=today, consent=consent, attest=attest)
        if errors:
            raise intake.InvalidRegistration(errors)
        email = values["email"]
        session.execute(
            sa.update(Signup)
            .where(Signup.kind == kind, Signup.email == email, Signup.status == SignupStatus.pending)
            .values(status=SignupStatus.superseded, answers="{}", decided_at=now)
        )
        token = links.new_token()
        signup = Signup(
            kind=kind,
            email=email,
            answers=json.dumps(form_cells(kind, cells, attest=attest)),
            token_hash=token_hash(token),
            client=client,
            address=address_key,
            statement_version=version if kind == "mentors" else None,
            attested_at=now if kind == "mentors" else None,
            consented_at=now,
            link_sent=mail,
            created_at=now,
        )
        session.add(signup)
        session.flush()
        if mail:
            _queue_confirmation(session, signup, values["first_name"], chosen.contact_email, now)
        _audit(
            session,
            FORM_ACTOR,
            ACTION,
            signup.id,
            f"{kind}: pending" + (", confirmation link queued" if mail else ""),
            entity="signup",
        )
        return Receipt(signup.id, mail, token)


def _queue_confirmation(
    session: Session, signup: Signup, first_name: str, contact: str, now: datetime
) -> None:
    """The confirmation message, queued in the submission's transaction (the outbox sends it); plain text, so
    whatever the name holds arrives as text. The person's own link is made as it is sent (outbox.linking)."""
    subject, body = outbox.render(
        session,
        "registration",
        {"first_name": first_name, "confirm_link": PERSONAL_LINK, "program_contact": contact},
    )
    outbox.queue_message(
        session,
        kind="registration",
        recipients=[signup.email],
        subject=subject,
        body=body,
        dedupe_key=f"registration-{signup.id}",
        now=now,
        **registration_link(signup.id),
    )


def _apply(session: Session, signup: Signup, *, now: datetime, today: date) -> int:
    """Write the submission as a registration (a new person, or an update of the one with its email)
    through the import's plan; returns the person's id. InvalidRegistration when the rules now refuse it."""
    cells = json.loads(signup.answers)
    plan = intake.plan(session, intake.sheet_of(signup.kind, cells), today=today)
    (row,) = plan.rows
    if row.action == intake.INVALID:
        raise intake.InvalidRegistration(row.errors)
    if row.action == intake.CREATE:
        row.values["registered_on"] = min(signup.created_at.date(), today)
    intake.write(session, plan, today=today)
    table = intake.PEOPLE[signup.kind]
    person_id = session.execute(sa.select(table.id).where(table.email == signup.email)).scalar_one()
    if signup.kind == "mentors":
        session.execute(
            sa.update(Mentor)
            .where(Mentor.id == person_id)
            .values(values_version=signup.statement_version, attested_at=signup.attested_at)
        )
    # Written: the answers now live in the registration alone (the email stays, for the personal link).
    _retire(signup, SignupStatus.accepted, now)
    signup.person_id = person_id
    session.add(signup)
    return person_id


def _pending(session: Session, signup_id: int, now: datetime) -> Signup:
    _expire(session, now)
    signup = session.get(Signup, signup_id)
    if signup is None or signup.status != SignupStatus.pending:
        raise Refused("That registration no longer waits for review.")
    return signup


def accept(engine: Engine, *, actor: Actor, signup_id: int, now: datetime, today: date) -> int:
    """The leader accepts a pending registration (or pending update); returns the person's id."""
    with _operation(
        engine, actor=actor, action="registration.accept", entity="signup", entity_id=signup_id
    ) as session:
        signup = _pending(session, signup_id, now)
        signup.decided_by_id = actor.id
        person_id = _apply(session, signup, now=now, today=today)
        _audit(
            session,
            actor,
            "registration.accept",
            signup_id,
            f"{signup.kind} {person_id} written",
            entity="signup",
        )
        return person_id


def decline(engine: Engine, *, actor: Actor, signup_id: int, now: datetime) -> None:
    """The leader declines a pending registration: it is kept without its answers."""
    with _operation(
        engine, actor=actor, action="registration.decline", entity="signup", entity_id=signup_id
    ) as session:
        signup = _pending(session, signup_id, now)
        _retire(signup, SignupStatus.declined, now)
        signup.decided_by_id = actor.id
        session.add(signup)
        _audit(session, actor, "registration.decline", signup_id, f"{signup.kind}: declined", entity="signup")


# The personal link: confirm, then update one's own details or withdraw
@dataclass(frozen=True)
class LinkState:
    """What a personal link opens: a submission to confirm, or the registration it became."""

    kind: str
    signup_id: int
    pending: bool
    person_id: int | None
    person_status: str | None


def link_state(session: Session, token: str, now: datetime) -> LinkState | None:
    """None for an unknown, declined, expired or superseded link, or one whose person was erased."""
    if not token:
        return None
    signup = (
        session.execute(sa.select(Signup).where(Signup.token_hash == token_hash(token))).scalars().first()
    )
    if signup is None:
        return None
    if signup.status == SignupStatus.pending:
        stale = signup.link_sent and signup.created_at <= now - EXPIRY
        return None if stale else LinkState(signup.kind, signup.id, True, None, None)
    if signup.status != SignupStatus.accepted or signup.person_id is None:
        return None
    if (signup.link_issued_at or signup.created_at) <= now - links.PERSONAL_LINK_LIFETIME:
        return None  # a new mail (registering again with the same email) brings a fresh link
    table = intake.PEOPLE[signup.kind]
    status = session.execute(sa.select(table.status).where(table.id == signup.person_id)).scalar()
    if status is None:
        return None
    return LinkState(signup.kind, signup.id, False, signup.person_id, getattr(status, "value", status))


def _by_link(session: Session, token: str, now: datetime) -> tuple[Signup, LinkState]:
    state = link_state(session, token, now)
    if state is None:
        raise Refused(INACTIVE_LINK, audit="refused: unknown or inactive link")
    signup = session.get(Signup, state.signup_id)
    return signup, state


def confirm(engine: Engine, *, token: str, now: datetime, today: date) -> int:
    """The person follows their link: the pending registration is written; returns the person's id."""
    with _operation(
        engine, actor=LINK_ACTOR, action="registration.confirm", entity="signup", leader_only=False
    ) as session:
        signup, state = _by_link(session, token, now)
        if not state.pending:
            return state.person_id
        person_id = _apply(session, signup, now=now, today=today)
        _audit(
            session,
            LINK_ACTOR,
            "registration.confirm",
            signup.id,
            f"{signup.kind} {person_id} written",
            entity="signup",
        )
        return person_id


def update_own(
    engine: Engine,
    *,
    token: str,
    cells: dict[str, Any],
    attest: bool,
    statement_version: int | None,
    now: datetime,
    today: date,
) -> tuple[str, ...]:
    """A person changes their own registration through their link (the email stays: it is who they are);
    returns the columns that changed. The same rules as the form; a mentor attests the current statement."""
    with _operation(
        engine, actor=LINK_ACTOR, action="registration.update", entity="signup", leader_only=False
    ) as session:
        signup, state = _by_link(session, token, now)
        if state.pending or state.person_id is None:
            raise Refused("Please confirm your registration first.")
        version, _ = statement(session)
        _check_statement(signup.kind, attest, statement_version, version)
        table = intake.PEOPLE[signup.kind]  # their email as registered now (the leader may have corrected it)
        email = session.execute(sa.select(table.email).where(table.id == state.person_id)).scalar_one()
        typed = dict(cells) | {"email": email}
        _, errors = validate(signup.kind, typed, today=today, consent=True, attest=attest)
        if errors:
            raise intake.InvalidRegistration(errors)
        changes = intake.update_person(
            session, signup.kind, state.person_id, form_cells(signup.kind, typed, attest=attest), today=today
        )
        if signup.kind == "mentors":
            session.execute(
                sa.update(Mentor)
                .where(Mentor.id == state.person_id)
                .values(values_version=version, attested_at=now)
            )
        _audit(
            session,
            LINK_ACTOR,
            "registration.update",
            state.person_id,
            "changed: " + (", ".join(changes) or "nothing"),
            entity=intake.ENTITY[signup.kind],
        )
        return changes


def withdraw_own(engine: Engine, *, token: str, now: datetime) -> None:
    """A person withdraws through their link; with an open pair, the leader ends the pair first."""
    with _operation(
        engine, actor=LINK_ACTOR, action="registration.withdraw", entity="signup", leader_only=False
    ) as session:
        signup, state = _by_link(session, token, now)
        if state.pending:
            _retire(signup, SignupStatus.declined, now)
            session.add(signup)
            _audit(
                session,
                LINK_ACTOR,
                "registration.withdraw",
                signup.id,
                "pending registration withdrawn",
                entity="signup",
            )
            return
        if intake.open_pair_count(session, signup.kind, state.person_id):
            contact = settings.registration_settings(session).contact_email
            raise Refused(
                "You are in a mentorship pair that is still open; please ask the program leader"
                + (f" ({contact})" if contact else "")
                + " to end it first, then withdraw here.",
                audit=f"refused: {intake.ENTITY[signup.kind]} {state.person_id} has an open pair",
            )
        intake.set_status(session, signup.kind, state.person_id, PersonStatus.withdrawn.value)
        _audit(
            session,
            LINK_ACTOR,
            "registration.withdraw",
            state.person_id,
            "withdrawn through the personal link",
            entity=intake.ENTITY[signup.kind],
        )


# The leader's settings
def set_form_open(engine: Engine, *, actor: Actor, kind: str, is_open: bool) -> None:
    """Open or close one public form (`kind` mentors or mentees)."""
    if kind not in KINDS.values():
        raise Refused("The form must be mentor or mentee.")
    with _operation(
        engine, actor=actor, action="registration.open" if is_open else "registration.close", entity="setting"
    ) as session:
        chosen = settings.registration_settings(session)
        field = "mentor_open" if kind == "mentors" else "mentee_open"
        settings.save_setting(session, "registration", replace(chosen, **{field: is_open}))
        audit.record(
            session,
            actor=actor,
            action="registration.open" if is_open else "registration.close",
            entity="setting",
            summary=f"{kind} form {'opened' if is_open else 'closed'}",
        )


def save_settings(
    engine: Engine,
    *,
    actor: Actor,
    contact_email: str,
    per_session: int,
    per_hour: int,
    per_address: int | None = None,
) -> None:
    """The program's contact email and the submission limits. One client address may send fewer than the
    program-wide hourly cap (`per_address` < `per_hour`), so no single client can close registration for
    everyone; without `per_address` the current one stays, lowered below `per_hour` if need be."""
    with _operation(engine, actor=actor, action="settings.registration", entity="setting") as session:
        contact = ""
        if contact_email.strip():
            try:
                contact = check_email(contact_email)
            except ValueError as exc:
                raise Refused(str(exc)) from None
        if not (isinstance(per_session, int) and 1 <= per_session <= 100):
            raise Refused("Submissions per browser session must be a whole number from 1 to 100.")
        if not (isinstance(per_hour, int) and 2 <= per_hour <= 10_000):
            raise Refused("Submissions per hour must be a whole number from 2 to 10000.")
        chosen = settings.registration_settings(session)
        if per_address is None:
            per_address = min(chosen.per_address, per_hour - 1)
        if not (isinstance(per_address, int) and 1 <= per_address < per_hour):
            raise Refused(
                "Submissions per client address must be a whole number from 1 to one less than the "
                "submissions per hour, so that no single client can use up the hour."
            )
        settings.save_setting(
            session,
            "registration",
            replace(
                chosen,
                contact_email=contact,
                per_session=per_session,
                per_address=per_address,
                per_hour=per_hour,
            ),
        )
        audit.record(
            session,
            actor=actor,
            action="settings.registration",
            entity="setting",
            summary=f"limits {per_session} per session, {per_address} per address an hour, {per_hour} per "
            "hour; contact " + ("set" if contact else "empty"),
        )


def save_statement(engine: Engine, *, actor: Actor, text: str, now: datetime) -> int:
    """A new version of the values statement (earlier attestations keep theirs); returns its version.
    The same text again makes no new version."""
    text = (text or "").strip()
    with _operation(engine, actor=actor, action="registration.statement", entity="statement") as session:
        if not text:
            raise Refused("The values statement cannot be empty.")
        if len(text) > 4000:
            raise Refused("The values statement can have at most 4000 characters.")
        version, current = statement(session)
        if text == current:
            return version
        stored = session.execute(sa.select(sa.func.count(ValuesStatement.version))).scalar_one()
        if not stored:  # keep the default's words as version 1: someone may have attested them
            session.add(ValuesStatement(version=1, text=DEFAULT_STATEMENT, created_at=now))
        session.add(ValuesStatement(version=version + 1, text=text, created_at=now, created_by_id=actor.id))
        _audit(
            session,
            actor,
            "registration.statement",
            version + 1,
            f"values statement version {version + 1}",
            entity="statement",
        )
        return version + 1
