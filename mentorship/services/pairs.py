"""Pairing: confirming (one or several), rejecting and undoing it, the weights."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import queries, settings
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.models import OPEN_STATUS_VALUES, Exclusion, Match, MatchSource, MatchStatus
from mentorship.services.core import operation

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
    with operation(engine, actor=actor, action="pair.confirm", entity="match") as op:
        session = op.session
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
        try:
            check = queries.pair_check(session, today, mentor_id, mentee_id)
        except ValueError:
            raise Refused(
                "That mentor or mentee is no longer registered.", audit=f"refused: not found; {ids}"
            ) from None
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
        op.record(summary, entity_id=match.id)
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
    with operation(engine, actor=actor, action="pair.reject", entity="exclusion") as op:
        session = op.session
        mentor_id, mentee_id = _pair_ids(session, mentor_id, mentee_id, emails)
        found = session.execute(
            sa.select(Exclusion.id).where(Exclusion.mentor_id == mentor_id, Exclusion.mentee_id == mentee_id)
        ).first()
        if found is not None:
            return False
        exclusion = Exclusion(mentor_id=mentor_id, mentee_id=mentee_id, created_by_id=actor.id)
        session.add(exclusion)
        session.flush()
        op.record(f"mentor {mentor_id}, mentee {mentee_id}", entity_id=exclusion.id)
        return True


def undo_rejection(engine: Engine, *, actor: Actor, mentor_id: int, mentee_id: int) -> None:
    """The pair may be suggested again."""
    with operation(engine, actor=actor, action="pair.unreject", entity="exclusion") as op:
        session = op.session
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
        op.record(f"mentor {mentor_id}, mentee {mentee_id}", entity_id=exclusion.id)


def set_match_weights(engine: Engine, *, actor: Actor, weights: settings.MatchWeights) -> None:
    """Change the points each score component adds (`MatchWeights()` restores the defaults)."""
    values = [getattr(weights, f.name) for f in fields(settings.MatchWeights)]
    with operation(engine, actor=actor, action="settings.weights", entity="setting") as op:
        session = op.session
        if not all(isinstance(v, int | float) and 0 <= v <= settings.MAX_WEIGHT for v in values):
            raise Refused(WEIGHT_RANGE)
        if weights == settings.MatchWeights():
            settings.reset_setting(session, "weights")
        else:
            settings.save_setting(session, "weights", weights)
        op.record(
            "pairing weights: "
            + ", ".join(f"{f.name} {v:g}" for f, v in zip(fields(weights), values, strict=True))
        )
