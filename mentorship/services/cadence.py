"""Meetings and check-ins: logging a meeting, check-in links and reports, concerns, the thresholds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import cadence, links, queries, settings
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import (
    OPEN_MATCH_STATUSES,
    CheckinLink,
    CheckinSubmission,
    Concern,
    Match,
    Meeting,
    MeetingSource,
    Role,
    utcnow,
)
from mentorship.services.core import operation, typed_text
from mentorship.settings import CadenceThresholds
from mentorship.values import MEETING_FORMATS

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
    if format not in MEETING_FORMATS:
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
    with operation(engine, actor=actor, action="meeting.log", entity="match", entity_id=match_id) as op:
        notes = typed_text(notes, "meeting note")
        session = op.session
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
        op.record(f"meeting {meeting.id} logged")
        return meeting.id


def revoke_checkin_links(session: Session, match_ids: list[int]) -> int:
    """Revoke pairs' live check-in links, in the caller's transaction (which audits); returns how many."""
    result = session.execute(
        sa.update(CheckinLink)
        .where(CheckinLink.match_id.in_(match_ids), CheckinLink.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount or 0


def mint_checkin_link(session: Session, match_id: int, now: datetime) -> tuple[int, str]:
    """A fresh check-in token for an open pair, in the caller's transaction: the store keeps its SHA-256
    and when it expires; the token itself exists only in what the caller hands out. Refused for a pair
    that is no longer open. Returns the link's id and its token."""
    match = session.get(Match, match_id)
    if match is None or match.status not in OPEN_MATCH_STATUSES:
        raise Refused("Check-in links are only for open pairs.")
    token = links.new_token()
    link = CheckinLink(
        match_id=match_id,
        token_hash=links.token_hash(token),
        created_at=now,
        expires_at=now + links.CHECKIN_LINK_LIFETIME,
    )
    session.add(link)
    session.flush()
    return link.id, token


def _change_link(
    engine: Engine, *, actor: Actor, match_id: int, action: str, revoke: bool, issue: bool, now: datetime
) -> str | None:
    """Revoke the pair's live links and/or issue one, in one audited transaction; returns the new token
    (shown to the leader once: the store keeps only its hash)."""
    with operation(engine, actor=actor, action=action, entity="match", entity_id=match_id) as op:
        session = op.session
        revoked = revoke_checkin_links(session, [match_id]) if revoke else 0
        link_id, token = mint_checkin_link(session, match_id, now) if issue else (None, None)
        done = [f"{revoked} check-in link revoked"] if revoke else []
        done += [f"check-in link {link_id} issued"] if issue else []
        op.record(", ".join(done))
        return token


def issue_checkin_link(engine: Engine, *, actor: Actor, match_id: int, now: datetime) -> str:
    """A new check-in token for the pair (its other live links keep working until they expire)."""
    return _change_link(
        engine, actor=actor, match_id=match_id, action="checkin.issue", revoke=False, issue=True, now=now
    )


def replace_checkin_link(engine: Engine, *, actor: Actor, match_id: int, now: datetime) -> str:
    """Revoke the pair's links (shared too widely, say) and issue a new one; the old ones stop working."""
    return _change_link(
        engine, actor=actor, match_id=match_id, action="checkin.replace", revoke=True, issue=True, now=now
    )


def revoke_link(engine: Engine, *, actor: Actor, match_id: int, now: datetime) -> None:
    """The leader stops a pair's check-in links without issuing another."""
    _change_link(
        engine, actor=actor, match_id=match_id, action="checkin.revoke", revoke=True, issue=False, now=now
    )


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
    now: datetime,
    reach_out: bool = False,
    note: str = "",
    address: str = "",
) -> CheckinReceipt:
    """A pair reports a meeting through its check-in link (no account). Reports per link are limited.
    From the public page (`address`, the client's, `clients.client_address`) refusals are counted per client
    and window, not audited one by one: anyone holding the link could otherwise grow the log without bound."""
    signed_out = (address, now) if address else None
    with operation(
        engine, actor=CHECKIN_ACTOR, action="checkin.report", leader_only=False, signed_out=signed_out
    ) as op:
        note = typed_text(note, "note")
        session = op.session
        row = session.execute(
            sa.select(CheckinLink.id, Match.id, Match.confirmed_on)
            .join(Match, Match.id == CheckinLink.match_id)
            .where(*queries.live_checkin(token, now))
        ).first()
        if row is None:
            raise Refused(INACTIVE_LINK, audit="refused: unknown, revoked or expired link")
        link_id, match_id, confirmed_on = row
        for window, limit in ((timedelta(hours=1), CHECKINS_PER_HOUR), (timedelta(days=1), CHECKINS_PER_DAY)):
            used = session.execute(  # the pair's reports through any of its links
                sa.select(sa.func.count(CheckinSubmission.id))
                .join(CheckinLink, CheckinLink.id == CheckinSubmission.link_id)
                .where(CheckinLink.match_id == match_id, CheckinSubmission.at > now - window)
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
        op.record(
            f"link {link_id}: "
            + ("meeting recorded" if recorded else "meeting already recorded")
            + ("; reach-out requested" if reach_out else ""),
            entity="match",
            entity_id=match_id,
        )
    return CheckinReceipt(recorded=recorded, concern_raised=reach_out)


def resolve_concern(engine: Engine, *, actor: Actor, concern_id: int) -> None:
    """The leader has reached out: the flag leaves the open list (marking it twice changes nothing)."""
    with operation(
        engine, actor=actor, action="concern.resolve", entity="concern", entity_id=concern_id
    ) as op:
        session = op.session
        concern = session.get(Concern, concern_id)
        if concern is None:
            raise Refused("That concern does not exist.")
        if concern.resolved_at is not None:
            return
        concern.resolved_at = utcnow()
        concern.resolved_by_id = actor.id
        session.add(concern)
        op.record(f"concern on match {concern.match_id} resolved")


def set_cadence_thresholds(engine: Engine, *, actor: Actor, thresholds: CadenceThresholds) -> None:
    """Change the days that separate the cadence statuses (`CadenceThresholds()` restores the defaults)."""
    values = (thresholds.new_days, thresholds.on_track_days, thresholds.due_days)
    with operation(engine, actor=actor, action="settings.cadence", entity="setting") as op:
        session = op.session
        if not all(isinstance(v, int) and 1 <= v <= 730 for v in values):
            raise Refused("Each threshold must be a whole number of days from 1 to 730.")
        if thresholds.on_track_days >= thresholds.due_days:
            raise Refused("The on-track limit must be fewer days than the due limit.")
        settings.save_setting(session, "cadence", thresholds)
        op.record("cadence thresholds: new {}, on track {}, due {} days".format(*values))


def export_nudges(engine: Engine, *, actor: Actor, today: date) -> tuple[bytes, int]:
    """The pairs to nudge as the Cadence page lists them (names and contacts): a CSV file and its row
    count, for the leader only (audited, counts only)."""
    with operation(engine, actor=actor, action="export.nudges", entity="nudges") as op:
        nudges = cadence.nudges(queries.cadence_pairs(op.session, today))
        op.record(f"{len(nudges)} rows, full")
    return cadence.nudge_csv(nudges), len(nudges)
