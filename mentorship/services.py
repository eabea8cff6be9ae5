"""The write operations. Each is one transaction that records its audit event in the same commit.

Every write takes the acting account and checks its role here, not only in the page: hiding a button is
not authorisation. A refusal is itself written to the audit log, in a transaction of its own.
"""

from __future__ import annotations

import enum
import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import (
    audit,
    auth,
    cadence,
    db,
    demo,
    intake,
    links,
    matching,
    privacy,
    queries,
    retention,
    settings,
)
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused, UnusableInput
from mentorship.models import (
    OPEN_MATCH_STATUSES,
    OPEN_STATUS_VALUES,
    AuditOutcome,
    CheckinLink,
    CheckinSubmission,
    Concern,
    EndReason,
    Exclusion,
    LoginSession,
    Match,
    MatchSource,
    MatchStatus,
    Meeting,
    MeetingSource,
    Mentee,
    Mentor,
    Role,
    User,
    utcnow,
)
from mentorship.settings import CadenceThresholds
from mentorship.values import check_email, check_text, normalise_email

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
            if reason := auth.still_allowed(session, actor):
                raise PermissionDenied(reason, audit="refused: account or session no longer valid")
            yield session
    except Refused as exc:
        record_refusal(
            engine, actor=actor, action=action, entity=entity, entity_id=entity_id, summary=exc.audit_summary
        )
        raise


def typed_text(text: str | None, field: str, error: type[Exception] = Refused) -> str:
    """Text typed into a form, trimmed; `error` (one sentence naming the field) when values.check_text
    refuses it, as an import's row error names its column."""
    text = (text or "").strip()
    try:
        return check_text(text)
    except ValueError as exc:
        raise error(f"The {field} {exc}.") from None


def record_refusal(
    engine: Engine,
    *,
    actor: Actor | str,
    action: str,
    summary: str,
    entity: str = "",
    entity_id: int | None = None,
) -> None:
    """A refused attempt, in a transaction of its own (the refused one was rolled back)."""
    with db.write_session(engine) as session:
        audit.record(
            session,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            outcome=AuditOutcome.refused,
            summary=summary,
        )


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
    with operation(engine, actor=actor, action="user.add", entity="user") as session:
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
    # A connection outside any transaction: the backup API cannot copy from inside a write transaction.
    source = engine.raw_connection()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        destination = sqlite3.connect(target)
        try:
            source.driver_connection.backup(destination)
        finally:
            destination.close()
    except (OSError, sqlite3.Error):
        raise UnusableInput(
            f"The backup cannot be written to {target}; choose a folder you can write to."
        ) from None
    finally:
        source.close()
    with operation(engine, actor=actor, action="store.backup") as session:
        audit.record(session, actor=actor, action="store.backup", summary="backup written")
    return target.stat().st_size


ERASED = "Erased"


def erase_person(engine: Engine, *, actor: Actor, email: str) -> list[str]:
    """Remove a mentor's or mentee's personal data on request; anonymised pairs and meetings stay.

    Kept for the statistics: registration date, capacity, meeting formats, BIPOC identity and preference
    (no longer linked to anyone), and the pairs' dates and outcomes. Open pairs end; links are revoked;
    free-text notes on their meetings and concerns are cleared. Someone registered both as a mentor and as
    a mentee is erased in both. Returns the kinds erased ("mentor", "mentee").
    """
    address = normalise_email(email)
    erased = []
    with operation(engine, actor=actor, action="person.erase") as session:
        for kind, table, key in (("mentor", Mentor, Match.mentor_id), ("mentee", Mentee, Match.mentee_id)):
            person_id = session.execute(sa.select(table.id).where(table.email == address)).scalar()
            if person_id is None:
                continue
            session.execute(
                sa.update(table)
                .where(table.id == person_id)
                .values(
                    first_name=ERASED,
                    last_name=ERASED,
                    email=f"erased-{kind}-{person_id}@erased.invalid",
                    status="withdrawn",
                    updated_at=utcnow(),
                    **dict.fromkeys(_ERASABLE_TEXT[kind], ""),
                )
            )
            match_ids = select_ids(session, sa.select(Match.id).where(key == person_id))
            _anonymise_pairs(session, match_ids)
            audit.record(
                session,
                actor=actor,
                action="person.erase",
                entity=kind,
                entity_id=person_id,
                summary=f"personal data erased; {len(match_ids)} pair(s) kept anonymised",
            )
            erased.append(kind)
        if not erased:
            raise Refused("No mentor or mentee has that email.")
    db.purge_old_row_versions(engine)
    return erased


def _anonymise_pairs(session: Session, match_ids: list[int]) -> None:
    """End the open ones, and clear every note and stored reason on them and their meetings."""
    session.execute(
        sa.update(Match)
        .where(Match.id.in_(match_ids), Match.status.in_(OPEN_STATUS_VALUES))
        .values(
            status=MatchStatus.ended, ended_on=date.today(), end_reason=EndReason.other, updated_at=utcnow()
        )
    )
    session.execute(sa.update(Match).where(Match.id.in_(match_ids)).values(end_note="", reasons="[]"))
    session.execute(sa.update(Meeting).where(Meeting.match_id.in_(match_ids)).values(notes=""))
    session.execute(sa.update(Concern).where(Concern.match_id.in_(match_ids)).values(note=""))
    revoke_checkin_links(session, match_ids)


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


# --- Retention ---
NOTE_MAX = 500


class Decision(enum.StrEnum):
    continue_ = "continue"
    complete = "complete"
    end = "end"


@dataclass(frozen=True)
class DecisionResult:
    match_id: int
    decision: Decision
    status: MatchStatus
    links_revoked: int


def _open_pair(session: Session, *, match_id: int | None, emails: tuple[str, str] | None) -> Match:
    statement = sa.select(Match).where(Match.status.in_(OPEN_STATUS_VALUES))
    if match_id is not None:
        statement = statement.where(Match.id == match_id)
    elif emails is not None:
        mentor_email, mentee_email = (normalise_email(e) for e in emails)
        statement = (
            statement.join(Mentor, Mentor.id == Match.mentor_id)
            .join(Mentee, Mentee.id == Match.mentee_id)
            .where(Mentor.email == mentor_email, Mentee.email == mentee_email)
        )
    else:
        raise UnusableInput("Name the pair: its mentor's and its mentee's emails.")
    match = session.execute(statement.with_for_update()).scalars().first()
    if match is None:
        raise Refused("There is no open pair between that mentor and that mentee.")
    return match


def decide(
    engine: Engine,
    *,
    actor: Actor,
    decision: Decision | str,
    today: date,
    match_id: int | None = None,
    emails: tuple[str, str] | None = None,
    reason: EndReason | str | None = None,
    note: str = "",
    on: date | None = None,
) -> DecisionResult:
    """Record a pair's one-year decision: continue, complete (it ends after its year), or end with a reason.

    `on` (default today) is when it takes effect. Completing or ending closes the pair, which frees its
    mentor's place, and revokes its check-in link. One transaction with its audit event.
    """
    try:
        decision = Decision(decision)
    except ValueError:
        raise UnusableInput("The decision must be continue, complete or end.") from None
    on = on or today
    with operation(engine, actor=actor, action="pair.decide", entity="match", entity_id=match_id) as session:
        note = typed_text(note, "note", UnusableInput)
        match = _open_pair(session, match_id=match_id, emails=emails)
        end_reason = _check_decision(match, decision, reason=reason, note=note, on=on, today=today)
        mark = match.confirmed_on + timedelta(days=retention.ONE_YEAR_DAYS)
        revoked = 0
        if decision == Decision.continue_:
            match.status = MatchStatus.continued
            match.decided_on, match.decided_by_id = on, actor.id
        else:
            match.status = MatchStatus.completed if decision == Decision.complete else MatchStatus.ended
            match.ended_on, match.end_reason, match.end_note = on, end_reason, note
            if match.decided_on is None:  # a pair that decided to continue keeps that decision on record
                match.decided_on, match.decided_by_id = on, actor.id
            revoked = revoke_checkin_links(session, [match.id])
        match.updated_at = utcnow()
        session.add(match)
        summary = f"decision {decision.value}"
        if end_reason is not None and decision == Decision.end:
            summary += f", reason {end_reason.value}"
        summary += f", {(on - mark).days:+d} days from the one-year mark"
        if decision != Decision.continue_:
            summary += f", check-in links revoked: {revoked}"
        audit.record(
            session, actor=actor, action="pair.decide", entity="match", entity_id=match.id, summary=summary
        )
        return DecisionResult(
            match_id=match.id, decision=decision, status=match.status, links_revoked=revoked
        )


def _check_decision(
    match: Match, decision: Decision, *, reason: EndReason | str | None, note: str, on: date, today: date
) -> EndReason | None:
    """The end reason the decision records; refuses what the one-year rules do not allow."""
    if on > today:
        raise UnusableInput("A decision takes effect today or on a past date, not in the future.")
    if on < match.confirmed_on:
        raise UnusableInput("The date is before the pair was confirmed.")
    if match.decided_on is not None and on < match.decided_on:
        raise UnusableInput(f"The pair decided to continue on {match.decided_on}; pick that day or later.")
    mark = match.confirmed_on + timedelta(days=retention.ONE_YEAR_DAYS)
    if decision != Decision.end and (reason or note):
        raise UnusableInput("A reason goes only with ending a pair.")
    if decision == Decision.continue_:
        if match.status == MatchStatus.continued:
            raise Refused("This pair has already decided to continue.")
        opens = mark - timedelta(days=retention.DECISION_WINDOW_DAYS)
        if on < opens:
            raise Refused(
                f"A pair can decide to continue from {opens.isoformat()}, 30 days before its one-year mark."
            )
        return None
    if decision == Decision.complete:
        if on < mark:
            raise Refused(
                f"A pair completes on or after its one-year mark ({mark.isoformat()}); to stop sooner, "
                "end it with a reason."
            )
        return EndReason.completed_year
    if not reason:
        raise UnusableInput("Ending a pair needs a reason.")
    try:
        end_reason = EndReason(reason)
    except ValueError:
        raise UnusableInput("That is not one of the reasons a pair can end for.") from None
    if end_reason not in retention.END_CHOICES:
        raise UnusableInput("A pair that finished its year is completed, not ended.")
    if end_reason == EndReason.other and not note:
        raise UnusableInput("Ending a pair for another reason needs a note saying what happened.")
    if len(note) > NOTE_MAX:
        raise UnusableInput(f"The note can hold {NOTE_MAX} characters.")
    return end_reason


def record_outcomes(engine: Engine, *, actor: Actor, mentee_id: int, outcomes: dict[str, bool | None]) -> int:
    """Record a mentee's outcomes (applied, interviewed, accepted, matriculated; None = not known).

    A stage cannot be "yes" after an earlier one is "no" (accepted without having applied). Returns how many
    outcomes are now known.
    """
    unknown = set(outcomes) - set(retention.OUTCOME_STAGES)
    if unknown:
        raise UnusableInput(f"Outcomes are {', '.join(retention.OUTCOME_STAGES)}.")
    with operation(
        engine, actor=actor, action="mentee.outcomes", entity="mentee", entity_id=mentee_id
    ) as session:
        mentee = session.get(Mentee, mentee_id, with_for_update=True)
        if mentee is None:
            raise Refused("That mentee is not in the store.")
        values = {stage: outcomes.get(stage, getattr(mentee, stage)) for stage in retention.OUTCOME_STAGES}
        said_no = None
        for stage in retention.OUTCOME_STAGES:
            if values[stage] is True and said_no:
                raise Refused(f"A mentee who did not get as far as '{said_no}' cannot have '{stage}' as yes.")
            if values[stage] is False and said_no is None:
                said_no = stage
        for stage, value in values.items():
            setattr(mentee, stage, value)
        mentee.updated_at = utcnow()
        session.add(mentee)
        known = sum(v is not None for v in values.values())
        audit.record(
            session,
            actor=actor,
            action="mentee.outcomes",
            entity="mentee",
            entity_id=mentee_id,
            summary=f"outcomes recorded: {known} of {len(values)} known",
        )
        return known


# --- Cadence ---
# The public check-in page acts as this: no account, no leader rights, nothing personal in its audit trail.
CHECKIN_ACTOR = Actor(email="check-in link", role=Role.committee)
CHECKINS_PER_HOUR = 5  # reports through one link; two people reporting a few meetings fit easily
CHECKINS_PER_DAY = 12
INACTIVE_LINK = "This check-in link is not active. If you need a new one, please ask the program leader."
TOO_MANY_CHECKINS = "This link has been used many times recently; please try again later."
MAX_MEETING_MINUTES = 600
MAX_MEETING_NOTE = 2000
MAX_CONCERN_NOTE = 1000


def _check_meeting(
    *, met_on: date, confirmed_on: date, ended_on: date | None, today: date, format: str, minutes: int | None
) -> None:
    if met_on > today:
        raise Refused("The meeting date cannot be in the future.")
    if met_on < confirmed_on:
        raise Refused("The meeting date cannot be before the mentorship began.")
    if ended_on is not None and met_on > ended_on:
        raise Refused("The meeting date cannot be after the mentorship ended.")
    if format not in cadence.MEETING_FORMATS:
        raise Refused("The format must be virtual, phone or in person.")
    if minutes is not None and not (isinstance(minutes, int) and 1 <= minutes <= MAX_MEETING_MINUTES):
        raise Refused(f"Minutes must be a whole number from 1 to {MAX_MEETING_MINUTES}.")


def _add_meeting_once(session: Session, meeting: Meeting) -> bool:
    """Insert a meeting unless the pair already has one that day (the same meeting reported twice)."""
    try:
        with session.begin_nested():
            session.add(meeting)
            session.flush()
    except sa.exc.IntegrityError:
        return False
    return True


def log_meeting(
    engine: Engine,
    *,
    actor: Actor,
    match_id: int,
    met_on: date,
    format: str,
    today: date,
    duration_minutes: int | None = None,
    notes: str = "",
) -> int:
    """The leader records a pair's meeting; returns its id. One meeting per pair per day."""
    with operation(engine, actor=actor, action="meeting.log", entity="match", entity_id=match_id) as session:
        notes = typed_text(notes, "meeting note")
        match = session.get(Match, match_id)
        if match is None:
            raise Refused("That pair does not exist.")
        _check_meeting(
            met_on=met_on,
            confirmed_on=match.confirmed_on,
            ended_on=match.ended_on,
            today=today,
            format=format,
            minutes=duration_minutes,
        )
        if len(notes) > MAX_MEETING_NOTE:
            raise Refused(f"A meeting note can have at most {MAX_MEETING_NOTE} characters.")
        meeting = Meeting(
            match_id=match_id,
            met_on=met_on,
            format=format,
            duration_minutes=duration_minutes,
            notes=notes,
            source=MeetingSource.leader,
        )
        if not _add_meeting_once(session, meeting):
            raise Refused("This pair already has a meeting recorded on that day.")
        audit.record(
            session,
            actor=actor,
            action="meeting.log",
            entity="match",
            entity_id=match_id,
            summary=f"meeting {meeting.id} logged",
        )
        return meeting.id


def revoke_checkin_links(session: Session, match_ids: list[int]) -> int:
    """Revoke pairs' live check-in links, in the caller's transaction (which audits); returns how many."""
    result = session.execute(
        sa.update(CheckinLink)
        .where(CheckinLink.match_id.in_(match_ids), CheckinLink.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def _issue_link(session: Session, match_id: int) -> CheckinLink:
    match = session.get(Match, match_id)
    if match is None or match.status not in OPEN_MATCH_STATUSES:
        raise Refused("Check-in links are only for open pairs.")
    link = CheckinLink(match_id=match_id, token=links.new_token())
    session.add(link)
    session.flush()
    return link


def _change_link(
    engine: Engine, *, actor: Actor, match_id: int, action: str, revoke: bool, issue: bool
) -> str | None:
    """Revoke the pair's live link and/or issue one, in one audited transaction; returns the new token."""
    with operation(engine, actor=actor, action=action, entity="match", entity_id=match_id) as session:
        if issue and not revoke:
            token = queries.live_checkin_token(session, match_id)
            if token is not None:
                return token
        revoked = revoke_checkin_links(session, [match_id]) if revoke else 0
        link = _issue_link(session, match_id) if issue else None
        done = [f"{revoked} check-in link revoked"] if revoke else []
        done += [f"check-in link {link.id} issued"] if link else []
        audit.record(
            session, actor=actor, action=action, entity="match", entity_id=match_id, summary=", ".join(done)
        )
        return link.token if link else None


def issue_checkin_link(engine: Engine, *, actor: Actor, match_id: int) -> str:
    """The pair's live check-in token, issued the first time the leader asks for it."""
    return _change_link(
        engine, actor=actor, match_id=match_id, action="checkin.issue", revoke=False, issue=True
    )


def replace_checkin_link(engine: Engine, *, actor: Actor, match_id: int) -> str:
    """Revoke the pair's link (shared too widely, say) and issue a new one; the old one stops working."""
    return _change_link(
        engine, actor=actor, match_id=match_id, action="checkin.replace", revoke=True, issue=True
    )


def revoke_link(engine: Engine, *, actor: Actor, match_id: int) -> None:
    """The leader stops a pair's check-in link without issuing another."""
    _change_link(engine, actor=actor, match_id=match_id, action="checkin.revoke", revoke=True, issue=False)


@dataclass(frozen=True)
class CheckinReceipt:
    recorded: bool  # False: the pair already had a meeting that day (the other person reported it)
    concern_raised: bool


def submit_checkin(
    engine: Engine,
    *,
    token: str,
    met_on: date,
    format: str,
    today: date,
    duration_minutes: int | None = None,
    reach_out: bool = False,
    note: str = "",
    now: datetime | None = None,
) -> CheckinReceipt:
    """A pair reports a meeting through its check-in link (no account). Reports per link are limited."""
    now = now or utcnow()
    with operation(engine, actor=CHECKIN_ACTOR, action="checkin.report", leader_only=False) as session:
        note = typed_text(note, "note")
        row = session.execute(
            sa.select(CheckinLink.id, Match.id, Match.confirmed_on)
            .join(Match, Match.id == CheckinLink.match_id)
            .where(
                CheckinLink.token == (token or ""),
                CheckinLink.revoked_at.is_(None),
                Match.status.in_(OPEN_STATUS_VALUES),
            )
        ).first()
        if row is None:
            raise Refused(INACTIVE_LINK, audit="refused: unknown or revoked link")
        link_id, match_id, confirmed_on = row
        for window, limit in ((timedelta(hours=1), CHECKINS_PER_HOUR), (timedelta(days=1), CHECKINS_PER_DAY)):
            used = session.execute(
                sa.select(sa.func.count(CheckinSubmission.id)).where(
                    CheckinSubmission.link_id == link_id, CheckinSubmission.at > now - window
                )
            ).scalar_one()
            if used >= limit:
                raise Refused(TOO_MANY_CHECKINS, audit=f"refused: link {link_id} used {used} times recently")
        _check_meeting(
            met_on=met_on,
            confirmed_on=confirmed_on,
            ended_on=None,
            today=today,
            format=format,
            minutes=duration_minutes,
        )
        if reach_out and len(note) > MAX_CONCERN_NOTE:
            raise Refused(f"The note can have at most {MAX_CONCERN_NOTE} characters.")
        session.add(CheckinSubmission(link_id=link_id, at=now))
        recorded = _add_meeting_once(
            session,
            Meeting(
                match_id=match_id,
                met_on=met_on,
                format=format,
                duration_minutes=duration_minutes,
                source=MeetingSource.checkin,
            ),
        )
        if reach_out:
            session.add(Concern(match_id=match_id, raised_on=today, note=note))
        audit.record(
            session,
            actor=CHECKIN_ACTOR,
            action="checkin.report",
            entity="match",
            entity_id=match_id,
            summary=f"link {link_id}: "
            + ("meeting recorded" if recorded else "meeting already recorded")
            + ("; reach-out requested" if reach_out else ""),
        )
    return CheckinReceipt(recorded=recorded, concern_raised=reach_out)


def resolve_concern(engine: Engine, *, actor: Actor, concern_id: int) -> None:
    """The leader has reached out: the flag leaves the open list (marking it twice changes nothing)."""
    with operation(
        engine, actor=actor, action="concern.resolve", entity="concern", entity_id=concern_id
    ) as session:
        concern = session.get(Concern, concern_id)
        if concern is None:
            raise Refused("That concern does not exist.")
        if concern.resolved_at is not None:
            return
        concern.resolved_at = utcnow()
        concern.resolved_by_id = actor.id
        session.add(concern)
        audit.record(
            session,
            actor=actor,
            action="concern.resolve",
            entity="concern",
            entity_id=concern_id,
            summary=f"concern on match {concern.match_id} resolved",
        )


def set_cadence_thresholds(engine: Engine, *, actor: Actor, thresholds: CadenceThresholds) -> None:
    """Change the days that separate the cadence statuses (`CadenceThresholds()` restores the defaults)."""
    values = (thresholds.new_days, thresholds.on_track_days, thresholds.due_days)
    with operation(engine, actor=actor, action="settings.cadence", entity="setting") as session:
        if not all(isinstance(v, int) and 1 <= v <= 730 for v in values):
            raise Refused("Each threshold must be a whole number of days from 1 to 730.")
        if thresholds.on_track_days >= thresholds.due_days:
            raise Refused("The on-track limit must be fewer days than the due limit.")
        settings.save_setting(session, "cadence", thresholds)
        audit.record(
            session,
            actor=actor,
            action="settings.cadence",
            entity="setting",
            summary="cadence thresholds: new {}, on track {}, due {} days".format(*values),
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
        person_id = queries.person_id(session, kind.removesuffix("s"), row.values["email"])
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

    Returns the file and its row count. A committee member gets the registrations only, masked like the
    pages (`privacy.may_export`).
    """
    if kind not in intake.KINDS:
        raise UnusableInput(f"There is no {kind!r} export; choose one of {', '.join(intake.KINDS)}.")
    with operation(engine, actor=actor, action=f"export.{kind}", entity=kind, leader_only=False) as session:
        if not privacy.may_export(kind, actor.role):
            raise PermissionDenied(privacy.HISTORY_IS_THE_LEADERS, audit=f"refused: {actor.role} role")
        frame = queries.export_view(session, kind, actor.role)
        view = "full" if actor.is_leader else "masked"
        audit.record(
            session, actor=actor, action=f"export.{kind}", entity=kind, summary=f"{len(frame)} rows, {view}"
        )
    return intake.to_csv(frame), len(frame)


def export_audit_log(
    engine: Engine,
    *,
    actor: Actor,
    actions: list[str] | None = None,
    outcome: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> bytes:
    """The audit events the filters pick (as the Admin page lists them) as CSV; the leader's only, audited."""
    with operation(engine, actor=actor, action="audit.export") as session:
        events = queries.audit_log(session, actions=actions, outcome=outcome, since=since, until=until)
        audit.record(session, actor=actor, action="audit.export", summary=f"{len(events)} events")
    return privacy.spreadsheet_csv(events)


# --- Pairing ---
WEIGHT_RANGE = "Each weight must be a number from 0 to 10."


@dataclass(frozen=True)
class Confirmed:
    match_id: int
    mentor_id: int
    mentee_id: int
    score: float | None
    reasons: tuple[str, ...]  # as stored with the pair, in the leader's words
    warnings: tuple[str, ...]  # soft shortfalls of a hand-picked pair
    already: bool = False  # this very pair was already open (a second click): nothing was written


@dataclass(frozen=True)
class PairOutcome:
    mentor_id: int
    mentee_id: int
    confirmed: Confirmed | None
    refused: str | None


def _pair_ids(
    session: Session, mentor_id: int | None, mentee_id: int | None, emails: tuple[str, str] | None
) -> tuple[int, int]:
    if emails is not None:
        mentor_id = queries.person_id(session, "mentor", emails[0])
        mentee_id = queries.person_id(session, "mentee", emails[1])
        if mentor_id is None:
            raise Refused("No mentor is registered with that email.", audit="refused: unknown mentor email")
        if mentee_id is None:
            raise Refused("No mentee is registered with that email.", audit="refused: unknown mentee email")
    if mentor_id is None or mentee_id is None:
        raise UnusableInput("Name the pair: its mentor and its mentee.")
    return int(mentor_id), int(mentee_id)


def _integrity_refusal(exc: sa.exc.IntegrityError, ids: str) -> Refused:
    """The database's own guarantees, said in words (they hold when two confirmations race)."""
    text = str(exc.orig)
    if "mentor at capacity" in text:
        return Refused("The mentor is at capacity.", audit=f"refused: mentor at capacity; {ids}")
    if "ux_matches_open_mentee" in text or "matches.mentee_id" in text:
        return Refused(
            "The mentee already has an open match.", audit=f"refused: mentee has an open match; {ids}"
        )
    raise exc


def confirm_pair(
    engine: Engine,
    *,
    actor: Actor,
    today: date,
    mentor_id: int | None = None,
    mentee_id: int | None = None,
    emails: tuple[str, str] | None = None,
    by_hand: bool = False,
) -> Confirmed:
    """Open a match, storing its score and reasons as they are now; refused when a hard rule fails.

    A second confirmation of the same open pair changes nothing and says so. Capacity and one open
    match per mentee are enforced by the database inside this transaction, so simultaneous
    confirmations cannot overbook a mentor. `by_hand`: the leader picked the pair (soft shortfalls are
    returned as warnings; hard rules block all the same).
    """
    with operation(engine, actor=actor, action="pair.confirm", entity="match") as session:
        mentor_id, mentee_id = _pair_ids(session, mentor_id, mentee_id, emails)
        ids = f"mentor {mentor_id}, mentee {mentee_id}"
        existing = (
            session.execute(
                sa.select(Match).where(
                    Match.mentor_id == mentor_id,
                    Match.mentee_id == mentee_id,
                    Match.status.in_(OPEN_STATUS_VALUES),
                )
            )
            .scalars()
            .first()
        )
        if existing is not None:
            return Confirmed(
                existing.id,
                mentor_id,
                mentee_id,
                existing.score,
                tuple(json.loads(existing.reasons)),
                (),
                True,
            )
        cohort = queries.pairing_cohort(session, today, mentor_ids=[mentor_id], mentee_ids=[mentee_id])
        if cohort.mentors.empty or cohort.mentees.empty:
            raise Refused(
                "That mentor or mentee is no longer registered.", audit=f"refused: not found; {ids}"
            )
        check = matching.assess_pair(cohort, mentor_id, mentee_id, settings.match_weights(session))
        if check.blockers:
            raise Refused(check.blockers[0], audit=f"refused: {check.codes[0]}; {ids}")
        reasons = tuple(r.text for r in check.reasons)
        match = Match(
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            status=MatchStatus.active,
            source=MatchSource.hand if by_hand else MatchSource.suggested,
            confirmed_on=today,
            confirmed_by_id=actor.id,
            score=check.score,
            reasons=json.dumps(list(reasons)),
        )
        session.add(match)
        try:
            session.flush()
        except sa.exc.IntegrityError as exc:
            raise _integrity_refusal(exc, ids) from None
        summary = ids  # no score: it is built from demographic components
        if by_hand:
            summary += f", paired by hand with {len(check.warnings)} soft shortfalls"
        audit.record(
            session, actor=actor, action="pair.confirm", entity="match", entity_id=match.id, summary=summary
        )
        return Confirmed(
            match.id, mentor_id, mentee_id, check.score, reasons, check.warnings if by_hand else ()
        )


def confirm_selected(
    engine: Engine, *, actor: Actor, today: date, pairs: list[tuple[int, int]]
) -> list[PairOutcome]:
    """Confirm several suggested pairs, each on its own: one refusal does not stop the others."""
    if not actor.is_leader:
        with operation(engine, actor=actor, action="pair.confirm", entity="match"):
            pass  # refuses, and audits the attempt once
    outcomes = []
    for mentor_id, mentee_id in pairs:
        try:
            done = confirm_pair(engine, actor=actor, today=today, mentor_id=mentor_id, mentee_id=mentee_id)
            outcomes.append(PairOutcome(mentor_id, mentee_id, done, None))
        except Refused as exc:
            outcomes.append(PairOutcome(mentor_id, mentee_id, None, str(exc)))
    return outcomes


def reject_pair(
    engine: Engine,
    *,
    actor: Actor,
    mentor_id: int | None = None,
    mentee_id: int | None = None,
    emails: tuple[str, str] | None = None,
) -> bool:
    """Remember that the leader does not want this pair: it is not suggested again until undone.

    Returns False when it was already rejected (nothing written)."""
    with operation(engine, actor=actor, action="pair.reject", entity="exclusion") as session:
        mentor_id, mentee_id = _pair_ids(session, mentor_id, mentee_id, emails)
        found = session.execute(
            sa.select(Exclusion.id).where(Exclusion.mentor_id == mentor_id, Exclusion.mentee_id == mentee_id)
        ).first()
        if found is not None:
            return False
        exclusion = Exclusion(mentor_id=mentor_id, mentee_id=mentee_id, created_by_id=actor.id)
        session.add(exclusion)
        session.flush()
        audit.record(
            session,
            actor=actor,
            action="pair.reject",
            entity="exclusion",
            entity_id=exclusion.id,
            summary=f"mentor {mentor_id}, mentee {mentee_id}",
        )
        return True


def undo_rejection(engine: Engine, *, actor: Actor, mentor_id: int, mentee_id: int) -> None:
    """The pair may be suggested again."""
    with operation(engine, actor=actor, action="pair.unreject", entity="exclusion") as session:
        exclusion = (
            session.execute(
                sa.select(Exclusion).where(Exclusion.mentor_id == mentor_id, Exclusion.mentee_id == mentee_id)
            )
            .scalars()
            .first()
        )
        if exclusion is None:
            raise Refused("That pair is not rejected.")
        session.delete(exclusion)
        audit.record(
            session,
            actor=actor,
            action="pair.unreject",
            entity="exclusion",
            entity_id=exclusion.id,
            summary=f"mentor {mentor_id}, mentee {mentee_id}",
        )


def set_match_weights(engine: Engine, *, actor: Actor, weights: settings.MatchWeights) -> None:
    """Change the points each score component adds (`MatchWeights()` restores the defaults)."""
    values = [getattr(weights, f.name) for f in fields(settings.MatchWeights)]
    with operation(engine, actor=actor, action="settings.weights", entity="setting") as session:
        if not all(isinstance(v, int | float) and 0 <= v <= settings.MAX_WEIGHT for v in values):
            raise Refused(WEIGHT_RANGE)
        if weights == settings.MatchWeights():
            settings.reset_setting(session, "weights")
        else:
            settings.save_setting(session, "weights", weights)
        audit.record(
            session,
            actor=actor,
            action="settings.weights",
            entity="setting",
            summary="pairing weights: "
            + ", ".join(f"{f.name} {v:g}" for f, v in zip(fields(weights), values, strict=True)),
        )
