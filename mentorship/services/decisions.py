"""The one-year decision (continue, complete, end) and mentee outcomes."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import retention
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.models import OPEN_STATUS_VALUES, EndReason, Match, MatchStatus, Mentee, Mentor, utcnow
from mentorship.services.cadence import revoke_checkin_links
from mentorship.services.core import operation, typed_text
from mentorship.values import normalise_email

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
    with operation(engine, actor=actor, action="pair.decide", entity="match", entity_id=match_id) as op:
        note = typed_text(note, "note", UnusableInput)
        session = op.session
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
        op.record(summary, entity_id=match.id)
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
