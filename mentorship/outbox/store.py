"""Adding messages to the outbox, and who has asked for no more reminders."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlmodel import Session

from mentorship import links
from mentorship.models import MessageStatus, OutboxMessage, ReminderOptOut
from mentorship.values import normalise_email

RECIPIENT_SEPARATOR = ", "


def new_message_id(kind: str) -> str:
    """A Message-ID made once, when the message is queued: every attempt sends the same one, so a resend
    after a dropped connection is recognisable as the same message."""
    domain = urlsplit(links.public_base_url()).hostname or "localhost"
    return f"<{uuid.uuid4().hex}.{kind}@{domain}>"


def queue_message(
    session: Session,
    *,
    kind: str,
    recipients: list[str],
    subject: str,
    body: str,
    dedupe_key: str,
    now: datetime,
    headers: dict[str, str] | None = None,
    match_id: int | None = None,
) -> bool:
    """Add one message in the caller's transaction; False when a message with that dedupe key exists.

    The key is unique in the database, so two planners at the same moment still queue it once.
    """
    exists = sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    if session.execute(exists).first() is not None:
        return False
    message = OutboxMessage(
        kind=kind,
        match_id=match_id,
        recipients=RECIPIENT_SEPARATOR.join(recipients),
        subject=subject,
        body=body,
        headers=json.dumps(headers or {}),
        dedupe_key=dedupe_key,
        message_id=new_message_id(kind),
        status=MessageStatus.queued,
        next_attempt_at=now,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except sa.exc.IntegrityError:
        return False  # another planner queued it between our look and our insert
    return True


def split_recipients(recipients: str) -> list[str]:
    return [address for address in recipients.split(RECIPIENT_SEPARATOR) if address]


def opted_out(session: Session, emails: Iterable[str]) -> set[str]:
    """Which of these addresses asked for no more invitations and nudges."""
    wanted = {normalise_email(e) for e in emails}
    if not wanted:
        return set()
    rows = session.execute(sa.select(ReminderOptOut.email).where(ReminderOptOut.email.in_(wanted)))
    return set(rows.scalars())
