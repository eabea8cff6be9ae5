"""Personal links in mail: a stand-in while the message waits in the outbox, the link made as it is sent.

The outbox is in every backup, so a queued or sent message keeps no usable token. Its body (and its
List-Unsubscribe header) holds a readable stand-in where a link goes, and the row says what the link opens
(`link_kind`, `link_ref`). The sender makes a fresh token just before it hands the message to the mail
server, stores only its SHA-256 on the link's record (in a transaction of its own, committed before the mail
leaves), and puts the link in the outgoing mail only.

A send that fails after the link was made leaves a link nobody received, which expires unused; the next
attempt makes another. A registration has one personal link at a time: a newer mail's link replaces the
older mail's. A pair's check-in links and a person's stop links are many: each mail's keeps working until
it expires (see `links.*_LIFETIME`). A mentee's yearly update has one link at a time too, and that mail's
stop link carries the same token to the Update page's stop address (the same one person; it works a year).

Queuing a message with a link (for other modules): render the template with `STAND_INS` for the link
placeholders, and pass `**registration_link(signup_id)` or `**pair_links(role)` to `store.queue_message`.
"""

from __future__ import annotations

import json
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import db, links
from mentorship.errors import Refused
from mentorship.models import ReminderStopLink, Signup, SignupStatus

CHECKIN_LINK = "(the pair's check-in link, made when the message is sent)"
STOP_LINK = "(your own link to stop these reminders, made when the message is sent)"
PERSONAL_LINK = "(personal link, made when the message is sent)"
SURVEY_LINK = "(your own survey link, made when the message is sent)"
UPDATE_LINK = "(your own link to tell us where you are, made when the message is sent)"
YEARLY_STOP_LINK = "(your own link to stop these yearly emails, made when the message is sent)"
STAND_INS = {
    "checkin_link": CHECKIN_LINK,
    "stop_link": STOP_LINK,
    "confirm_link": PERSONAL_LINK,
    "survey_link": SURVEY_LINK,
    "update_link": UPDATE_LINK,
}

REGISTRATION = "registration"
PAIR = "pair"
SURVEY = "survey"
ANNUAL = "annual"
REMINDER_SUFFIX = ":reminder"
ROLES = ("mentor", "mentee")
NO_REGISTRATION = "The registration is no longer waiting or registered, so its link was not made."
PAIR_CLOSED = "The pair is no longer open, so its check-in link was not made."
SURVEY_CLOSED = "The survey has closed or is gone, so its link was not made."


class Unsendable(Exception):
    """The link cannot be made (what it opens is gone): the message is cancelled with this sentence."""


def registration_link(signup_id: int) -> dict[str, str]:
    """A message whose PERSONAL_LINK stand-in becomes the registration's personal link (confirm, then
    update or withdraw); each sending makes a fresh one, which replaces the registration's previous link."""
    return {"link_kind": REGISTRATION, "link_ref": str(signup_id)}


def pair_links(role: str = "") -> dict[str, str]:
    """A pair's message (the pair is the message's match_id): CHECKIN_LINK becomes a fresh check-in link, and
    with `role` ("mentor" or "mentee", the one recipient) STOP_LINK becomes that person's own stop link."""
    if role and role not in ROLES:
        raise ValueError(f"no such role: {role}")
    return {"link_kind": PAIR, "link_ref": role}


def survey_links(invitation_id: int, *, reminder: bool = False) -> dict[str, str]:
    """A survey mail to one person: SURVEY_LINK becomes their own link to the invitation's survey (a fresh
    token, replacing their previous one; the first sending opens the survey for 30 days), and STOP_LINK their
    own stop link. A reminder's sending is noted on the invitation."""
    return {"link_kind": SURVEY, "link_ref": f"{invitation_id}{REMINDER_SUFFIX if reminder else ''}"}


def annual_links(update_id: int) -> dict[str, str]:
    """A yearly "Where are you now?" mail to one mentee (no pair): UPDATE_LINK becomes their own link to the
    year's update (a fresh token, replacing their previous one; the first sending opens it for 60 days), and
    YEARLY_STOP_LINK their own link to stop the yearly mails. Not made (the message is cancelled with the
    reason) when the mentee stopped the yearly mails or withdrew after it was queued."""
    return {"link_kind": ANNUAL, "link_ref": str(update_id)}


def mint(
    session: Session, *, link_kind: str, link_ref: str, match_id: int | None, now: datetime
) -> dict[str, str]:
    """Make the message's links in the caller's transaction (hashes stored); returns each stand-in's URL.
    Unsendable when what the link opens is gone."""
    if link_kind == REGISTRATION:
        return {PERSONAL_LINK: links.personal_url(_mint_registration(session, int(link_ref), now))}
    if link_kind == PAIR:
        from mentorship.services.cadence import mint_checkin_link  # services import the outbox package

        if match_id is None:
            raise Unsendable(PAIR_CLOSED)
        try:
            _, token = mint_checkin_link(session, match_id, now)
            urls = {CHECKIN_LINK: links.checkin_url(token)}
        except Refused:
            raise Unsendable(PAIR_CLOSED) from None
        if link_ref in ROLES:
            urls[STOP_LINK] = links.stop_reminders_url(_mint_stop(session, match_id, link_ref, now))
        return urls
    if link_kind == SURVEY:
        return _mint_survey(session, link_ref, now)
    if link_kind == ANNUAL:
        from mentorship.services.annual import mint_update_link  # services import the outbox package

        try:
            token = mint_update_link(session, int(link_ref), now)
        except Refused as exc:
            raise Unsendable(str(exc)) from None
        return {UPDATE_LINK: links.update_url(token), YEARLY_STOP_LINK: links.stop_yearly_url(token)}
    return {}


def with_links(engine: Engine, message: dict, now: datetime) -> dict:
    """A claimed message (a row of the outbox, as a dict) as it leaves: its stand-ins replaced by fresh links,
    whose hashes are committed before the mail is handed over; the row itself keeps the stand-ins."""
    if not message.get("link_kind"):
        return message
    with db.write_session(engine) as session:
        urls = mint(
            session,
            link_kind=message["link_kind"],
            link_ref=message["link_ref"],
            match_id=message["match_id"],
            now=now,
        )
    headers = {name: fill(value, urls) for name, value in json.loads(message["headers"] or "{}").items()}
    return message | {"body": fill(message["body"], urls), "headers": json.dumps(headers)}


def fill(text: str, urls: dict[str, str]) -> str:
    """The text as it leaves: each stand-in replaced by its link."""
    for stand_in, url in urls.items():
        text = text.replace(stand_in, url)
    return text


def _mint_registration(session: Session, signup_id: int, now: datetime) -> str:
    token = links.new_token()
    changed = session.execute(
        sa.update(Signup)
        .where(Signup.id == signup_id, Signup.status.in_((SignupStatus.pending, SignupStatus.accepted)))
        .values(token_hash=links.token_hash(token), link_issued_at=now)
    ).rowcount
    if not changed:
        raise Unsendable(NO_REGISTRATION)
    return token


def _mint_stop(session: Session, match_id: int, role: str, now: datetime) -> str:
    token = links.new_token()
    session.add(
        ReminderStopLink(
            token_hash=links.token_hash(token),
            match_id=match_id,
            role=role,
            created_at=now,
            expires_at=now + links.STOP_LINK_LIFETIME,
        )
    )
    session.flush()
    return token


def _mint_survey(session: Session, link_ref: str, now: datetime) -> dict[str, str]:
    from mentorship.models import SurveyInvitation
    from mentorship.services.surveys import mint_survey_link  # services import the outbox package

    invitation_id, reminder = int(link_ref.removesuffix(REMINDER_SUFFIX)), link_ref.endswith(REMINDER_SUFFIX)
    try:
        token = mint_survey_link(session, invitation_id, now, reminder=reminder)
    except Refused:
        raise Unsendable(SURVEY_CLOSED) from None
    invitation = session.get(SurveyInvitation, invitation_id)
    return {
        SURVEY_LINK: links.survey_url(token),
        STOP_LINK: links.stop_reminders_url(_mint_stop(session, invitation.match_id, invitation.role, now)),
    }
