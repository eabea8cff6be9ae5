"""The yearly "Where are you now?"'s writes: a mentee's answer through their link, their stop of the yearly
mails, and the link made as the mail leaves.

Each is one transaction with its audit event (ids and counts only, never a milestone or a school). The
words and rules are in `mentorship.annual`; the reads in `mentorship.queries`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import annual as rules
from mentorship import links, queries
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import AnnualUpdate, Mentee, MilestoneSource, PersonStatus, Role
from mentorship.services.core import operation
from mentorship.services.milestones import record_steps
from mentorship.services.surveys import SAVES_PER_HOUR, TOO_MANY_SAVES, recent_saves

# The public Update page acts as this: no account, no leader rights, nothing personal in its audit trail.
UPDATE_ACTOR = Actor(email="update link", role=Role.committee)
ANSWER_ACTION = "annual_update.answer"
STOP_ACTION = "annual_update.stop"
# Why a queued yearly mail was not sent (the leader reads it on Messages)
STOPPED_SINCE = "Not sent: the mentee stopped the yearly emails after it was queued."
WITHDRAWN_SINCE = "Not sent: the mentee withdrew after it was queued."
GONE = "Not sent: this yearly update no longer exists."


@dataclass(frozen=True)
class UpdateReceipt:
    steps: int  # steps in the answer (0: "nothing new")
    added: int  # of them, new to the store
    closes_at: datetime


def submit_annual_update(
    engine: Engine,
    *,
    token: str,
    steps: list[dict[str, Any]] | list[rules.Typed],
    now: datetime,
    today: date,
    address: str = "",
) -> UpdateReceipt:
    """A mentee tells the program, through their own link (no account), what happened on their path since:
    the steps (none: "nothing new") are recorded as from the mentee (`record_steps`: a step told twice is
    one row) and the update is marked answered, in one transaction. Bad input: UnusableInput in one sentence,
    nothing saved. Refusals (a link unknown, replaced or closed; too many saves) are counted per client."""
    with operation(
        engine,
        actor=UPDATE_ACTOR,
        action=ANSWER_ACTION,
        entity="annual_update",
        leader_only=False,
        signed_out=(address, now),
    ) as op:
        session = op.session
        live = sa.select(AnnualUpdate).where(*queries.live_update(token, now))
        update = session.execute(live).scalar_one_or_none() if token else None
        if update is None:
            raise Refused(rules.CLOSED, audit="refused: unknown, replaced or closed update link")
        saves = recent_saves(session, action=ANSWER_ACTION, entity_id=update.id, now=now)
        if saves >= SAVES_PER_HOUR:
            raise Refused(TOO_MANY_SAVES, audit=f"refused: update {update.id} saved {saves} times")
        checked = rules.check_steps(steps, today=today)
        added, changed = record_steps(
            session, mentee_id=update.mentee_id, steps=checked, source=MilestoneSource.mentee, now=now
        )
        update.answered_at = now
        session.add(update)
        op.record(
            f"yearly update answered: {len(checked)} steps, {added} added, {changed} changed",
            entity_id=update.id,
        )
        return UpdateReceipt(steps=len(checked), added=added, closes_at=update.closes_at)


def stop_yearly_updates(engine: Engine, *, token: str, now: datetime, address: str = "") -> bool:
    """The mentee whose link this is (the Update page's button, or the mail's own stop link, for a year
    after it was sent) wants no more yearly mails. Returns False when they had already asked."""
    with operation(
        engine,
        actor=UPDATE_ACTOR,
        action=STOP_ACTION,
        entity="mentee",
        leader_only=False,
        signed_out=(address, now),
    ) as op:
        session = op.session
        whose = sa.select(AnnualUpdate.mentee_id).where(*queries.yearly_stop(token, now))
        mentee_id = session.execute(whose).scalar() if token else None
        if mentee_id is None:
            raise Refused(rules.STOP_INACTIVE, audit="refused: unknown or expired yearly stop link")
        mentee = session.get(Mentee, mentee_id)
        if mentee.yearly_update_stopped_at is not None:
            return False
        mentee.yearly_update_stopped_at = now
        session.add(mentee)
        op.record("yearly emails stopped through the mentee's own link", entity_id=mentee_id)
        return True


def mint_update_link(session: Session, update_id: int, now: datetime) -> str:
    """A fresh token for the mentee's yearly update, in the caller's transaction (the sender's): the store
    keeps its SHA-256 (replacing the previous link's), and the update opens now if it had not (closing
    annual.OPEN_FOR later). Refused, with the sentence the leader reads on Messages, when the mentee stopped
    the yearly mails or withdrew since it was queued, or the update has closed. Returns the token."""
    update = session.get(AnnualUpdate, update_id)
    if update is None:
        raise Refused(GONE)
    mentee = session.get(Mentee, update.mentee_id)
    if mentee.yearly_update_stopped_at is not None:
        raise Refused(STOPPED_SINCE)
    if mentee.status == PersonStatus.withdrawn:
        raise Refused(WITHDRAWN_SINCE)
    if update.closes_at is not None and update.closes_at <= now:
        raise Refused(f"Not sent: this yearly update closed on {update.closes_at:%Y-%m-%d}.")
    token = links.new_token()
    update.token_hash = links.token_hash(token)
    if update.sent_at is None:
        update.sent_at, update.closes_at = now, now + rules.OPEN_FOR
    session.add(update)
    session.flush()
    return token
