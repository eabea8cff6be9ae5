"""Several senders at once, on SQLite and on PostgreSQL, against a real SMTP server (aiosmtpd): the
per-minute cap holds across them, a sender whose lease expired sends nothing another sender re-claimed,
and a message about a pair that ended after it was queued is cancelled, not sent."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentorship import db, outbox, queries, services
from mentorship.models import OutboxMessage
from mentorship.outbox import actions, sending
from mentorship.outbox.sending import CLAIM_LEASE, PAIR_NOT_OPEN, send_due
from mentorship.outbox.store import queue_many

from .conftest import TODAY, add_accounts
from .outbox_store import NOW, three_pairs, turn_on
from .test_outbox_cli import run


def smtp_of(mail_server):
    return outbox.smtp_settings(mail_server.environ())


@pytest.fixture
def smtp(mail_server):
    return smtp_of(mail_server)


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


def test_a_sender_whose_lease_ran_out_sends_nothing_another_sender_took_over(each_store, mail_server, smtp):
    queue_registrations(each_store, 5)
    mail_server.handler.hold()  # sender A stalls in the middle of its first message
    moments = [NOW]
    reports: dict[str, object] = {}

    def sender_a() -> None:
        reports["a"] = send_due(each_store, smtp=smtp, now=NOW, clock=lambda: moments[0])

    a = threading.Thread(target=sender_a)
    a.start()
    assert mail_server.handler.holding.wait(30)
    later = NOW + CLAIM_LEASE + timedelta(minutes=1)
    moments[0] = later  # A's lease is over; sender B re-claims what A had not handed over, and sends it
    reports["b"] = send_due(each_store, smtp=smtp, now=later)
    mail_server.handler.release()  # A resumes
    a.join(60)

    subjects = sorted(received.subject for received in mail_server.received)
    assert subjects == [f"Please confirm your registration ({n})" for n in range(5)]  # each exactly once
    assert (reports["a"].sent, reports["a"].lost, reports["b"].sent) == (1, 4, 4)
    assert statuses(each_store) == {"sent": 5}


def test_an_invitation_queued_before_its_pair_ended_is_cancelled_not_sent(
    each_url, each_store, mail_server, capsys, monkeypatch
):
    accounts = add_accounts(each_store)
    pairs = three_pairs(each_store)
    turn_on(each_store, accounts["leader"], "invitation")
    actions.plan_messages(
        each_store, actor=accounts["leader"], today=TODAY, now=NOW, smtp=smtp_of(mail_server)
    )
    services.decide(
        each_store,
        actor=accounts["leader"],
        decision="end",
        match_id=pairs["late"],
        reason="schedules",
        today=TODAY,
    )

    code, out, err = run(capsys, monkeypatch, mail_server.environ(), "outbox", "send", "--db", each_url)
    assert (code, out, err) == (0, "Sent 4, failed 0, deferred 0.\n", "")  # one message per person
    delivered = {address for received in mail_server.received for address in received.recipients}
    assert "mlate@clinic.example.org" not in delivered and "slate@school.example.edu" not in delivered
    assert "mfresh@clinic.example.org" in delivered
    with db.read_session(each_store) as session:
        shown = queries.outbox_messages(session, "leader").set_index(
            "recipients"
        )  # the Messages page's table
    for person in ("mlate@clinic.example.org", "slate@school.example.edu"):
        assert (shown.loc[person, "status"], shown.loc[person, "last_error"]) == ("cancelled", PAIR_NOT_OPEN)


def test_a_message_whose_outcome_was_never_written_is_not_resent_and_the_leader_is_told(
    each_store, mail_server, smtp
):
    leader = add_accounts(each_store)["leader"]
    queue_registrations(each_store, 1)
    # a sender marks the message `sending` and dies before it can write what the mail server answered
    (message,) = sending._claim(each_store, token="died", now=NOW, count=1, retry_now=False, cap=20)
    assert sending._start_sending(each_store, message, "died", NOW) == "go"

    assert send_due(each_store, smtp=smtp, now=NOW + timedelta(minutes=5)).attempted == 0  # not yet over
    later = NOW + CLAIM_LEASE + timedelta(minutes=1)
    assert send_due(each_store, smtp=smtp, now=later).attempted == 0
    assert mail_server.received == []  # never resent by itself
    with db.read_session(each_store) as session:
        row = session.get(OutboxMessage, message["id"])
    assert (str(row.status), row.last_error) == ("failed", sending.ABANDONED)

    assert actions.retry(each_store, actor=leader, ids=[message["id"]], now=later) == 1
    assert send_due(each_store, smtp=smtp, now=later).sent == 1
    assert len(mail_server.received) == 1
