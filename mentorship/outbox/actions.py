"""The leader's outbox operations (the page's buttons and the CLI): each one transaction, role checked,
audited in the same commit. The clock is an argument."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import audit, db, queries
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.models import (
    Match,
    Mentee,
    Mentor,
    MessageStatus,
    OutboxMessage,
    ReminderOptOut,
)
from mentorship.outbox import config, templates
from mentorship.outbox.config import SmtpSettings
from mentorship.outbox.planning import PlanReport, plan
from mentorship.outbox.sending import SendReport, _close, _Temporary, connect, send_due
from mentorship.outbox.store import new_message_id
from mentorship.services import CHECKIN_ACTOR, operation

NO_MAIL = (
    "MENTORSHIP_SMTP_HOST is not set: no mail account is configured, so nothing is sent "
    "(the dashboard's email drafts still work)."
)


def require_smtp(environ=None) -> SmtpSettings:
    """The mail account, or UnusableInput in one sentence naming the setting (none configured, or wrong)."""
    smtp = config.smtp_settings(environ)
    if smtp is None:
        raise UnusableInput(NO_MAIL)
    return smtp


def _only_the_leader(engine: Engine, actor: Actor, action: str) -> None:
    """Refuse (and audit) anyone but an active leader before a connection is made; nothing is written."""
    with operation(engine, actor=actor, action=action, entity="outbox"):
        pass


def plan_messages(
    engine: Engine, *, actor: Actor, today: date, now: datetime, smtp: SmtpSettings
) -> PlanReport:
    """Queue what is due today; one audit event with the counts."""
    with operation(engine, actor=actor, action="outbox.plan", entity="outbox") as op:
        session = op.session
        report = plan(session, today=today, now=now, smtp=smtp)
        audit.record(session, actor=actor, action="outbox.plan", entity="outbox", summary=report.summary())
    return report


def send_messages(
    engine: Engine,
    *,
    actor: Actor,
    now: datetime,
    smtp: SmtpSettings,
    clock: Callable[[], datetime] | None = None,
    limit: int | None = None,
    retry_now: bool = False,
) -> SendReport:
    """Send what is queued and due (see sending.send_due); the leader (or the operator) only."""
    _only_the_leader(engine, actor, "outbox.send")
    if limit is not None and limit < 1:
        raise UnusableInput("--limit must be at least 1.")
    return send_due(engine, smtp=smtp, now=now, clock=clock, actor=actor, limit=limit, retry_now=retry_now)


def set_kind(
    engine: Engine, *, actor: Actor, kind: str, on: bool, every_days: int | None = None, today: date
) -> config.OutboxSchedule:
    """Turn a kind of message on or off, and set its rhythm."""
    with operation(engine, actor=actor, action="outbox.schedule", entity="outbox") as op:
        session = op.session
        current = config.switched(config.schedule(session), kind, on, every_days, today)
        config.save_schedule(session, current)
        every = current.every_days(kind)
        audit.record(
            session,
            actor=actor,
            action="outbox.schedule",
            entity="outbox",
            summary=f"{kind} {'on' if on else 'off'}" + (f", every {every} days" if every else ""),
        )
        return current


def set_annual_day(engine: Engine, *, actor: Actor, on: str) -> config.OutboxSchedule:
    """The day of the year ("MM-DD") on or after which the yearly update goes out."""
    month, day = config.annual_day(on)
    with operation(engine, actor=actor, action="outbox.schedule", entity="outbox") as op:
        session = op.session
        current = replace(config.schedule(session), annual_update_on=f"{month:02d}-{day:02d}")
        config.save_schedule(session, current)
        audit.record(
            session,
            actor=actor,
            action="outbox.schedule",
            entity="outbox",
            summary=f"annual-update on or after {current.annual_update_on}",
        )
        return current


def set_sending(
    engine: Engine, *, actor: Actor, per_minute: int, leader_name: str, program_contact: str
) -> config.OutboxSchedule:
    """The per-minute cap and the signature every template can use."""
    low, high = config.PER_MINUTE_RANGE
    if not (isinstance(per_minute, int) and low <= per_minute <= high):
        raise UnusableInput(f"The cap must be a whole number of messages per minute from {low} to {high:,}.")
    leader_name, program_contact = " ".join(leader_name.split()), program_contact.strip()
    if len(leader_name) > 100 or len(program_contact) > 300:
        raise UnusableInput("The name can have 100 characters and the contact 300.")
    with operation(engine, actor=actor, action="outbox.settings", entity="outbox") as op:
        session = op.session
        current = replace(
            config.schedule(session),
            per_minute=per_minute,
            leader_name=leader_name,
            program_contact=program_contact,
        )
        config.save_schedule(session, current)
        audit.record(
            session,
            actor=actor,
            action="outbox.settings",
            entity="outbox",
            summary=f"cap {per_minute} per minute",
        )
        return current


def save_template(engine: Engine, *, actor: Actor, kind: str, subject: str, body: str) -> None:
    with operation(engine, actor=actor, action="outbox.template", entity="outbox") as op:
        session = op.session
        templates.save(session, kind, subject, body)
        audit.record(session, actor=actor, action="outbox.template", entity="outbox", summary=f"{kind} saved")


def reset_template(engine: Engine, *, actor: Actor, kind: str) -> None:
    with operation(engine, actor=actor, action="outbox.template", entity="outbox") as op:
        session = op.session
        templates.reset(session, kind)
        audit.record(session, actor=actor, action="outbox.template", entity="outbox", summary=f"{kind} reset")


def _change_messages(
    engine: Engine,
    *,
    actor: Actor,
    ids: list[int],
    action: str,
    allowed: tuple[MessageStatus, ...],
    values: dict,
) -> int:
    with operation(engine, actor=actor, action=action, entity="outbox") as op:
        session = op.session
        changed = session.execute(
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.status.in_(allowed),
                # not in a sender's hands (a failed message is in none: one left `sending` may keep its
                # sender's token, so that a late outcome is still recorded)
                sa.or_(OutboxMessage.claimed_by == "", OutboxMessage.status == MessageStatus.failed),
            )
            .values(**values)
        ).rowcount
        audit.record(
            session, actor=actor, action=action, entity="outbox", summary=f"{changed} of {len(ids)} messages"
        )
        return changed or 0


def retry(engine: Engine, *, actor: Actor, ids: list[int], now: datetime) -> int:
    """Failed or waiting messages go out at the next sending, with their attempts counted from zero."""
    return _change_messages(
        engine,
        actor=actor,
        ids=ids,
        action="outbox.retry",
        allowed=(MessageStatus.queued, MessageStatus.failed),
        values={
            "status": MessageStatus.queued,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "claimed_by": "",
        },
    )


def cancel(engine: Engine, *, actor: Actor, ids: list[int]) -> int:
    """Queued messages that have not gone yet are not sent (one being sent right now is left alone)."""
    return _change_messages(
        engine,
        actor=actor,
        ids=ids,
        action="outbox.cancel",
        allowed=(MessageStatus.queued,),
        values={"status": MessageStatus.cancelled},
    )


def send_test(engine: Engine, *, actor: Actor, smtp: SmtpSettings, to: str, now: datetime) -> None:
    """Send one message straight to `to` (the leader), to prove the settings; nothing is queued."""
    _only_the_leader(engine, actor, "outbox.test")
    email = EmailMessage()
    email["From"], email["To"] = smtp.mail_from, to
    email["Subject"] = "Test email from the mentorship dashboard"
    email["Date"], email["Message-ID"] = format_datetime(now), new_message_id("test")
    email.set_content(
        f"This test shows the dashboard can send the program's email through {smtp.host}:{smtp.port} "
        f"({smtp.security}).\n"
    )
    outcome = "failed"
    try:
        connection = connect(smtp)
        try:
            connection.send_message(email)
        finally:
            _close(connection)
        outcome = "sent"
    except (_Temporary, OSError, smtplib.SMTPException) as exc:
        raise Refused(f"The test email could not be sent: {str(exc).rstrip('.')}.") from None
    finally:
        with db.write_session(engine) as session:
            audit.record(session, actor=actor, action="outbox.test", entity="outbox", summary=outcome)


STOP_LINK_INACTIVE = (
    "This link to stop reminders is not active; the newest invitation or nudge has a working one, or "
    "write to the program leader."
)


def stop_reminders(engine: Engine, *, token: str, now: datetime) -> bool:
    """The person whose own stop link this is wants no more invitations or nudges (for any of their
    pairs); the other person of the pair is not affected. Returns False when they had already asked."""
    with operation(engine, actor=CHECKIN_ACTOR, action="outbox.opt_out", leader_only=False) as op:
        session = op.session
        person = queries.stop_link_person(session, token, now)
        if person is None:
            raise Refused(STOP_LINK_INACTIVE, audit="refused: unknown or expired stop link")
        table, column = (Mentor, Match.mentor_id) if person.role == "mentor" else (Mentee, Match.mentee_id)
        email = session.execute(
            sa.select(table.email).join(Match, column == table.id).where(Match.id == person.match_id)
        ).scalar_one()
        if not email or session.get(ReminderOptOut, email) is not None:
            return False
        session.add(ReminderOptOut(email=email, match_id=person.match_id, created_at=now))
        audit.record(
            session,
            actor=CHECKIN_ACTOR,
            action="outbox.opt_out",
            entity="match",
            entity_id=person.match_id,
            summary=f"{person.role} stopped reminders through their own link",
        )
        return True
