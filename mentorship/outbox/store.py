"""Adding messages to the outbox, and who has asked for no more reminders."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from mentorship import links
from mentorship.models import MessageStatus, OutboxMessage, ReminderOptOut, ReminderStopLink
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
    link_kind: str = "",
    link_ref: str = "",
) -> bool:
    """Add one message in the caller's transaction; False when a message with that dedupe key exists.

    The key is unique in the database, so two planners at the same moment still queue it once. A personal
    link is never passed in the body: put a stand-in there and say what it opens (`outbox.linking`).
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
        link_kind=link_kind,
        link_ref=link_ref,
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


def queue_many(session: Session, messages: list[dict], *, now: datetime) -> set[str]:
    """Add many messages (queue_message's keyword arguments, less `now`) in one statement; returns the dedupe
    keys it added. Keys already there are left alone, whoever added them and whenever."""
    if not messages:
        return set()
    keys = [m["dedupe_key"] for m in messages]
    taken: set[str] = set()
    for start in range(0, len(keys), 5000):  # under every database's limit of bound parameters
        chunk = keys[start : start + 5000]
        found = session.execute(
            sa.select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(chunk))
        )
        taken.update(found.scalars())
    rows = [
        {
            "kind": m["kind"],
            "match_id": m.get("match_id"),
            "recipients": RECIPIENT_SEPARATOR.join(m["recipients"]),
            "subject": m["subject"],
            "body": m["body"],
            "headers": json.dumps(m.get("headers") or {}),
            "dedupe_key": m["dedupe_key"],
            "message_id": new_message_id(m["kind"]),
            "status": MessageStatus.queued.value,
            "attempts": 0,
            "last_error": "",
            "next_attempt_at": now,
            "claimed_by": "",
            "created_at": now,
            "link_kind": m.get("link_kind", ""),
            "link_ref": m.get("link_ref", ""),
        }
        for m in messages
        if m["dedupe_key"] not in taken
    ]
    if not rows:
        return set()
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OutboxMessage)
    # another planner at the same moment may add some of these first: theirs stand, ours are dropped
    session.execute(insert.on_conflict_do_nothing(index_elements=["dedupe_key"]), rows)
    ours = {row["message_id"]: row["dedupe_key"] for row in rows}
    added: set[str] = set()
    ids = list(ours)
    for start in range(0, len(ids), 5000):
        found = session.execute(
            sa.select(OutboxMessage.message_id).where(OutboxMessage.message_id.in_(ids[start : start + 5000]))
        )
        added.update(ours[message_id] for message_id in found.scalars())
    return added


def split_recipients(recipients: str) -> list[str]:
    return [address for address in recipients.split(RECIPIENT_SEPARATOR) if address]


def opted_out(session: Session, emails: Iterable[str]) -> set[str]:
    """Which of these addresses asked for no more invitations and nudges."""
    wanted = {normalise_email(e) for e in emails}
    if not wanted:
        return set()
    rows = session.execute(sa.select(ReminderOptOut.email).where(ReminderOptOut.email.in_(wanted)))
    return set(rows.scalars())


def erase_messages(session: Session, address: str, match_ids: list[int]) -> int:
    """An erased person's messages (to them, or about their pairs) and opt-out go; returns how many."""
    removed = session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(
                OutboxMessage.match_id.in_(match_ids),
                OutboxMessage.recipients.contains(address, autoescape=True),
            )
        )
    ).rowcount
    session.execute(sa.delete(ReminderOptOut).where(ReminderOptOut.email == address))
    session.execute(sa.delete(ReminderStopLink).where(ReminderStopLink.match_id.in_(match_ids)))
    return removed or 0
