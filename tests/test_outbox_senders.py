"""Several senders at once, on SQLite and on PostgreSQL, against a real SMTP server (aiosmtpd): the
per-minute cap holds across them, a sender whose lease expired sends nothing another sender re-claimed,
and a message about a pair that ended after it was queued is cancelled, not sent."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentorship import db, outbox
from mentorship.models import MessageStatus, OutboxMessage
from mentorship.outbox import actions
from mentorship.outbox.sending import CLAIM_LEASE, send_due
from mentorship.outbox.store import queue_many

from .conftest import add_accounts
from .outbox_store import NOW


@pytest.fixture
def smtp(mail_server):
    return outbox.smtp_settings(mail_server.environ())


def queue_registrations(engine, count: int) -> None:
    """`count` due messages to `count` different people (one each)."""
    with db.write_session(engine) as session:
        queue_many(
            session,
            [
                {
                    "kind": "registration",
                    "recipients": [f"person{n}@school.example.edu"],
                    "subject": f"Please confirm your registration ({n})",
                    "body": "Hi,\n",
                    "dedupe_key": f"registration:test:{n}",
                }
                for n in range(count)
            ],
            now=NOW,
        )


def statuses(engine) -> dict[str, int]:
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    return {str(status): n for status, n in rows}


def test_parallel_senders_keep_the_per_minute_cap_and_send_each_message_once(each_store, mail_server, smtp):
    leader = add_accounts(each_store)["leader"]
    actions.set_sending(each_store, actor=leader, per_minute=20, leader_name="", program_contact="")
    queue_registrations(each_store, 60)
    senders, start, reports = 6, threading.Barrier(6), []

    def sender() -> None:
        start.wait()
        reports.append(send_due(each_store, smtp=smtp, now=NOW))

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    subjects = [received.subject for received in mail_server.received]
    assert len(subjects) == 20
    assert len(set(subjects)) == 20
    assert sum(report.sent for report in reports) == 20
    assert statuses(each_store) == {"sent": 20, "queued": 40}
    # the next minute, the next 20
    assert send_due(each_store, smtp=smtp, now=NOW + timedelta(seconds=61)).sent == 20
    assert len({received.subject for received in mail_server.received}) == 40
