"""Registration through the program's own public forms: a submission, its confirmation by link or by the
leader, a decline, a person's own update or withdrawal, and the leader's settings. Each is one transaction
with its audit event (ids only). The words and the form's rules are `mentorship.signup`'s.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import audit, clock, db, intake, links, outbox, queries, settings
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import Mentee, Mentor, PersonStatus, Role, Signup, SignupStatus, ValuesStatement
from mentorship.outbox.linking import PERSONAL_LINK, registration_link
from mentorship.services.core import count_signed_out
from mentorship.services.core import operation_session as _operation
from mentorship.signup import (
    ALREADY_REGISTERED,
    ALREADY_REGISTERED_REFUSAL,
    CLOSED,
    DEFAULT_STATEMENT,
    INACTIVE_LINK,
    KINDS,
    REGISTRATION_WAITING,
    STATEMENT_CHANGED,
    TOO_MANY,
    LinkState,
    Receipt,
    form_cells,
    validate,
)
from mentorship.values import check_email

ACTION = "registration form"
HIDDEN_FIELD = "registration form: hidden field"  # the tally of submissions the hidden field discarded
FORM_ACTOR = Actor(email="registration form", role=Role.committee)
LINK_ACTOR = Actor(email="registration link", role=Role.committee)


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


def _expire(session: Session, now: datetime) -> int:
    """Mark a week-old unconfirmed submission expired and forget its answers; returns how many."""
    result = session.execute(
        sa.update(Signup)
        .where(queries.signup_stale(now))
        .values(status=SignupStatus.expired, answers="{}", decided_at=now)
    )
    return result.rowcount or 0


def _check_limits(
    session: Session, chosen: settings.RegistrationSettings, client: str, address: str, now: datetime
) -> None:
    """Refused when the hour's program-wide count, this client address's hour (`address`, its keyed
    hash) or this browser session's count is reached. Every kept submission counts (one for an email
    already registered too); a hidden-field one is never kept, only tallied. The counts are taken under
    `db.serialise`, so simultaneous submissions (PostgreSQL's included) never pass the cap together."""
    db.serialise(session, "registration limits")
    hour = Signup.created_at > now - timedelta(hours=1)

    def count(*where) -> int:
        return session.execute(sa.select(sa.func.count(Signup.id)).where(*where)).scalar_one()

    recent = count(hour)
    if recent >= chosen.per_hour:
        raise Refused(TOO_MANY, audit=f"refused: {recent} submissions in the last hour")
    if address and (mine := count(hour, Signup.address == address)) >= chosen.per_address:
        raise Refused(TOO_MANY, audit=f"refused: {mine} submissions from one client address in the last hour")
    if client and (mine := count(Signup.client == client)) >= chosen.per_session:
        raise Refused(TOO_MANY, audit=f"refused: {mine} submissions from one browser session")


def submit_registration(
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
    says the form is closed or the limits are reached). With `mail`, a confirmation link is queued in the
    same transaction.

    An email already registered on this form (any status) or already waiting for confirmation changes
    nothing: neither the registration nor the pending answers. With `mail`, that address alone is told so,
    with a personal link to update their own details (at most one such message a day). The receipt, and so
    the page, is the same either way: it never tells whether an email is registered.

    `client` is the browser session's id, `address` the client's address (`clients.client_address`; only
    its keyed hash is stored)."""
    if kind not in KINDS.values():
        raise Refused("There is no such registration form.")
    with _operation(
        engine,
        actor=FORM_ACTOR,
        action=ACTION,
        entity="signup",
        leader_only=False,
        signed_out=(address, now),
    ) as session:
        chosen = settings.registration_settings(session)
        if not (chosen.mentor_open if kind == "mentors" else chosen.mentee_open):
            raise Refused(CLOSED, audit=f"refused: the {kind} form is closed")
        if honeypot:  # thanked, kept nowhere, counted toward no limit: only tallied per client and window
            summary = f"{kind}: hidden field filled in"
            count_signed_out(session, action=HIDDEN_FIELD, address=address, now=now, summary=summary)
            return Receipt(None, mail)
        address_key = settings.client_key(session, address)
        _check_limits(session, chosen, client, address_key, now)  # first: it serialises the submissions
        _expire(session, now)
        version, _ = queries.values_statement(session)
        _check_statement(kind, attest, statement_version, version)
        values, errors = validate(kind, cells, today=today, consent=consent, attest=attest)
        if errors:
            raise intake.InvalidRegistration(errors)
        email = values["email"]
        if known := _known(session, kind, email, now):
            return _answer_known(
                session, kind, email, known, client, address_key, mail, chosen.contact_email, now, today
            )
        token = links.new_token()
        signup = Signup(
            kind=kind,
            email=email,
            answers=json.dumps(form_cells(kind, cells, attest=attest)),
            token_hash=links.token_hash(token),
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


def _known(session: Session, kind: str, email: str, now: datetime) -> Mentor | Mentee | Signup | None:
    """The registration on this form with this email (any status), else the submission that waits for it."""
    table = intake.PEOPLE[kind]
    person = session.execute(sa.select(table).where(table.email == email)).scalars().first()
    if person is not None:
        return person
    waiting = sa.and_(Signup.kind == kind, Signup.email == email, queries.signup_waiting(now))
    return session.execute(sa.select(Signup).where(waiting).order_by(Signup.id.desc())).scalars().first()


def _answer_known(
    session: Session,
    kind: str,
    email: str,
    known: Mentor | Mentee | Signup,
    client: str,
    address: str,
    mail: bool,
    contact: str,
    now: datetime,
    today: date,
) -> Receipt:
    """A submission for an email that is registered or pending: nothing of theirs changes. It is kept as an
    empty discarded submission (it counts toward the limits), or — when a message goes out — as the record
    of the personal link it carries: a registered person's link is an accepted submission pointing at them
    (an imported person had none), a pending one's link is its own (made anew as the message is sent, which
    replaces the earlier link; its answers stay as they are)."""
    pending = isinstance(known, Signup)
    record = Signup(kind=kind, status=SignupStatus.discarded, client=client, address=address, created_at=now)
    session.add(record)
    session.flush()
    sent = mail and _queue_known(
        session, email, known.id if pending else record.id, pending, contact, now, today
    )
    if sent and not pending:
        record.email, record.status, record.person_id = email, SignupStatus.accepted, known.id
        record.link_sent, record.decided_at = True, now
        session.add(record)
    state = "pending" if pending else "registered"
    _audit(
        session,
        FORM_ACTOR,
        ACTION,
        record.id,
        f"{kind}: already {state}, nothing changed" + (", personal link queued" if sent else ""),
        entity="signup",
    )
    return Receipt(None, mail)


def _queue_known(
    session: Session, email: str, signup_id: int, pending: bool, contact: str, now: datetime, today: date
) -> bool:
    """The "you are already registered" message with the personal link of submission `signup_id` (made as
    it is sent), to that address alone; False when one went to it today already (so the form cannot be used
    to flood anyone's inbox). It carries nothing that was typed into the form."""
    subject, body = outbox.render(
        session,
        "registered",
        {
            "registration_status": REGISTRATION_WAITING if pending else ALREADY_REGISTERED,
            "personal_link": PERSONAL_LINK,
            "program_contact": contact,
        },
    )
    return outbox.queue_message(
        session,
        kind="registered",
        recipients=[email],
        subject=subject,
        body=body,
        dedupe_key=f"registered-{links.token_hash(email)[:32]}-{today.isoformat()}",
        now=now,
        **registration_link(signup_id),
    )


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
    """Write the submission as a new registration through the import's plan; returns the person's id.
    InvalidRegistration when the rules now refuse it; Refused when its email is registered meanwhile (a
    submission only ever creates a person: the person updates their own details through their link)."""
    cells = json.loads(signup.answers)
    plan = intake.plan(session, intake.sheet_of(signup.kind, cells), today=today)
    (row,) = plan.rows
    if row.action == intake.INVALID:
        raise intake.InvalidRegistration(row.errors)
    if row.action != intake.CREATE:  # registered meanwhile (an import, the leader): never overwritten
        raise Refused(ALREADY_REGISTERED_REFUSAL, audit="refused: the email is registered already")
    row.values["registered_on"] = min(clock.day_of(signup.created_at), today)
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


def accept_registration(engine: Engine, *, actor: Actor, signup_id: int, now: datetime, today: date) -> int:
    """The leader accepts a pending registration; returns the new person's id."""
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


def decline_registration(engine: Engine, *, actor: Actor, signup_id: int, now: datetime) -> None:
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
def _by_link(session: Session, token: str, now: datetime) -> tuple[Signup, LinkState]:
    state = queries.link_state(session, token, now)
    if state is None:
        raise Refused(INACTIVE_LINK, audit="refused: unknown or inactive link")
    signup = session.get(Signup, state.signup_id)
    return signup, state


def _link_operation(engine: Engine, action: str, address: str, now: datetime):
    """A personal link's write: no account, so from the public page (`address`, the client's) its refusals
    are counted per client and window rather than audited one by one (as the form's are)."""
    signed_out = (address, now) if address else None
    return _operation(
        engine, actor=LINK_ACTOR, action=action, entity="signup", leader_only=False, signed_out=signed_out
    )


def confirm_registration(engine: Engine, *, token: str, now: datetime, today: date, address: str = "") -> int:
    """The person follows their link: the pending registration is written; returns the person's id."""
    with _link_operation(engine, "registration.confirm", address, now) as session:
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


def update_own_registration(
    engine: Engine,
    *,
    token: str,
    cells: dict[str, Any],
    attest: bool,
    statement_version: int | None,
    now: datetime,
    today: date,
    address: str = "",
) -> tuple[str, ...]:
    """A person changes their own registration through their link (the email stays: it is who they are);
    returns the columns that changed. The same rules as the form; a mentor attests the current statement."""
    with _link_operation(engine, "registration.update", address, now) as session:
        signup, state = _by_link(session, token, now)
        if state.pending or state.person_id is None:
            raise Refused("Please confirm your registration first.")
        version, _ = queries.values_statement(session)
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


def withdraw_own_registration(engine: Engine, *, token: str, now: datetime, address: str = "") -> None:
    """A person withdraws through their link; with an open pair, the leader ends the pair first."""
    with _link_operation(engine, "registration.withdraw", address, now) as session:
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


def save_registration_settings(
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
        version, current = queries.values_statement(session)
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
