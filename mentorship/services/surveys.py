"""Surveys' writes: a person's answers through their link, the leader's survey links and wordings.

Each is one transaction with its audit event (ids and counts only, never an answer). The words, moments and
rules are in `mentorship.surveys`; the reads in `mentorship.queries`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import clock, links, queries
from mentorship import surveys as rules
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import (
    OPEN_MATCH_STATUSES,
    AuditEvent,
    Concern,
    Match,
    Role,
    SurveyInvitation,
    SurveyResponse,
    SurveyVersion,
)
from mentorship.services.core import operation

# The public survey page acts as this: no account, no leader rights, nothing personal in its audit trail.
SURVEY_ACTOR = Actor(email="survey link", role=Role.committee)
ANSWER_ACTION = "survey.answer"
SAVES_PER_HOUR = 10  # saves through one link: changing one's mind a few times fits easily
TOO_MANY_SAVES = "These answers have been saved many times recently; please try again later."


@dataclass(frozen=True)
class SurveyReceipt:
    changed: bool  # False: the first answers; True: answers saved before were changed
    concern_raised: bool  # the leader was asked to reach out (a new concern)
    closes_at: datetime


def submit_survey(
    engine: Engine,
    *,
    token: str,
    answers: dict,
    now: datetime,
    today: date,
    address: str = "",
    version: int | None = None,
) -> SurveyReceipt:
    """A person answers their survey through their link (no account): one response per person per moment,
    changed in place until the survey closes. A 1 or 2 on respect or safety, or the contact box, raises a
    concern for the leader (once per response while one is open). Refusals are counted per client.

    `version` is the wording the page showed (kept with the answers, even if the leader rewords the survey
    meanwhile); the newest when not given."""
    with operation(
        engine,
        actor=SURVEY_ACTOR,
        action=ANSWER_ACTION,
        entity="survey_invitation",
        leader_only=False,
        signed_out=(address, now),
    ) as op:
        session = op.session
        row = (
            session.execute(
                sa.select(SurveyInvitation, Match.status)
                .join(Match, Match.id == SurveyInvitation.match_id)
                .where(*queries.live_survey(token, now))
            ).first()
            if token
            else None
        )
        if row is None:
            raise Refused(rules.CLOSED, audit="refused: unknown, replaced or closed survey link")
        invitation, status = row
        saves = recent_saves(session, action=ANSWER_ACTION, entity_id=invitation.id, now=now)
        if saves >= SAVES_PER_HOUR:
            raise Refused(TOO_MANY_SAVES, audit=f"refused: invitation {invitation.id} saved {saves} times")
        kept, contact = rules.check_answers(
            invitation.moment, invitation.role, answers, ended=str(status) == "ended"
        )
        newest, _ = queries.survey_wording(session, invitation.moment)
        version = newest if version is None or not 1 <= version <= newest else version
        response = session.execute(
            sa.select(SurveyResponse).where(SurveyResponse.invitation_id == invitation.id)
        ).scalar_one_or_none()
        changed = response is not None
        if response is None:
            response = SurveyResponse(
                invitation_id=invitation.id, submitted_at=now, version=version, answers=""
            )
        response.version, response.answers, response.contact_me = version, json.dumps(kept), contact
        response.updated_at = now
        session.add(response)
        session.flush()
        raised = False
        if rules.raises_concern(kept, contact):
            already = session.execute(
                sa.select(Concern.id).where(
                    Concern.survey_response_id == response.id, Concern.resolved_at.is_(None)
                )
            ).first()
            if already is None:
                note = rules.concern_note(invitation.moment, invitation.role, kept, contact)
                session.add(
                    Concern(
                        match_id=invitation.match_id,
                        raised_on=today,
                        note=note,
                        survey_response_id=response.id,
                        created_at=now,
                    )
                )
                raised = True
        op.record(
            f"{invitation.moment} survey {'answers changed' if changed else 'answered'}"
            + ("; reach-out requested" if raised else ""),
            entity_id=invitation.id,
        )
        return SurveyReceipt(changed=changed, concern_raised=raised, closes_at=invitation.closes_at)


def recent_saves(session: Session, *, action: str, entity_id: int, now: datetime) -> int:
    """How many times a public link's answers (audited as `action` on `entity_id`) were saved in the last
    hour: a link's saves are limited to SAVES_PER_HOUR."""
    return session.execute(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == action,
            AuditEvent.entity_id == entity_id,
            AuditEvent.at > now - timedelta(hours=1),
        )
    ).scalar_one()


def invitation_for(
    session: Session, match_id: int, role: str, moment: str, now: datetime
) -> SurveyInvitation:
    """The person's invitation for the moment, made (unsent) when there is none, in the caller's
    transaction."""
    found = session.execute(
        sa.select(SurveyInvitation).where(
            SurveyInvitation.match_id == match_id,
            SurveyInvitation.role == role,
            SurveyInvitation.moment == moment,
        )
    ).scalar_one_or_none()
    if found is not None:
        return found
    invitation = SurveyInvitation(match_id=match_id, role=role, moment=moment, created_at=now)
    session.add(invitation)
    session.flush()
    return invitation


def mint_survey_link(session: Session, invitation_id: int, now: datetime, *, reminder: bool = False) -> str:
    """A fresh token for the invitation, in the caller's transaction: the store keeps its SHA-256 (replacing
    the previous link's), and the survey opens now if it had not (closing OPEN_FOR later). Refused when the
    survey has closed. Returns the token."""
    invitation = session.get(SurveyInvitation, invitation_id)
    if invitation is None:
        raise Refused("That survey no longer exists.")
    if invitation.closes_at is not None and invitation.closes_at <= now:
        raise Refused(f"This survey closed on {clock.day_of(invitation.closes_at)}.")
    token = links.new_token()
    invitation.token_hash = links.token_hash(token)
    if invitation.sent_at is None:
        invitation.sent_at, invitation.closes_at = now, now + rules.OPEN_FOR
    if reminder:
        invitation.reminded_at = now
    session.add(invitation)
    session.flush()
    return token


def issue_survey_link(
    engine: Engine, *, actor: Actor, match_id: int, role: str, moment: str, now: datetime
) -> str:
    """The leader makes a person's survey link to copy (without mail): shown once, the store keeps its hash;
    it replaces that person's previous link for the moment. Returns the token."""
    if role not in rules.ROLES or moment not in rules.MOMENTS:
        raise Refused("There is no such survey.")
    with operation(engine, actor=actor, action="survey.link", entity="match", entity_id=match_id) as op:
        session = op.session
        match = session.get(Match, match_id)
        if match is None:
            raise Refused("That pair does not exist.")
        if moment != "year" and match.status not in OPEN_MATCH_STATUSES:
            raise Refused("This pair has ended: only its one-year survey can be sent.")
        invitation = invitation_for(session, match_id, role, moment, now)
        token = mint_survey_link(session, invitation.id, now)
        op.record(f"{moment} survey link made for the {role} (invitation {invitation.id})")
        return token


def save_survey_wording(engine: Engine, *, actor: Actor, moment: str, words: dict[str, str]) -> int:
    """The leader rewords a moment's survey: a new version (answers keep the version they answered).
    Returns the new version; saving the same words again changes nothing."""
    checked = rules.check_wording(moment, words)
    with operation(engine, actor=actor, action="survey.wording", entity="survey") as op:
        session = op.session
        current, wording = queries.survey_wording(session, moment)
        if wording == checked:
            return current
        session.add(
            SurveyVersion(
                moment=moment,
                version=current + 1,
                questions=json.dumps(checked),
                created_by_id=actor.id,
            )
        )
        op.record(f"{moment} survey worded anew as version {current + 1}")
        return current + 1


def forget_survey_text(session: Session, match_ids: list[int]) -> int:
    """An erasure: the pairs' survey answers in people's own words are emptied (the scales stay, anonymous,
    for the figures) and their survey links stop working, in the caller's transaction. Returns how many
    responses lost text."""
    if not match_ids:
        return 0
    session.execute(
        sa.update(SurveyInvitation).where(SurveyInvitation.match_id.in_(match_ids)).values(token_hash=None)
    )
    texts = {q.key for qs in rules.QUESTIONS.values() for q in qs if q.kind == rules.TEXT}
    rows = session.execute(
        sa.select(SurveyResponse.id, SurveyResponse.answers)
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(SurveyInvitation.match_id.in_(match_ids))
    ).all()
    changed = 0
    for response_id, stored in rows:
        answers = json.loads(stored)
        if any(answers.get(key) is not None for key in texts):
            answers.update(dict.fromkeys(texts & answers.keys()))
            session.execute(
                sa.update(SurveyResponse)
                .where(SurveyResponse.id == response_id)
                .values(answers=json.dumps(answers))
            )
            changed += 1
    return changed
