"""The outbox end to end against a real SMTP server (aiosmtpd): planning, sending, faults, opt-outs."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from mentorship import db, outbox, queries
from mentorship.errors import PermissionDenied
from mentorship.models import AuditEvent, Match, Mentee, OutboxMessage, ReminderOptOut
from mentorship.outbox import actions
from mentorship.outbox.sending import MAX_ATTEMPTS

from .conftest import LEADER_EMAIL, TODAY
from .mailserver import DROP
from .outbox_store import NOW, three_pairs, turn_on


def rows(engine) -> list[OutboxMessage]:
    with db.read_session(engine) as session:
        return list(session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())


def audit_events(engine, action: str) -> list[str]:
    with db.read_session(engine) as session:
        return list(
            session.execute(
                sa.select(AuditEvent.summary).where(AuditEvent.action == action).order_by(AuditEvent.id)
            ).scalars()
        )


def plan_and_send(engine, leader, smtp, *, now=NOW, retry_now=False):
    planned = actions.plan_messages(engine, actor=leader, today=now.date(), now=now, smtp=smtp)
    sent = actions.send_messages(engine, actor=leader, now=now, smtp=smtp, retry_now=retry_now)
    return planned, sent


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


@pytest.fixture
def pairs(engine):
    return three_pairs(engine)


@pytest.fixture
def smtp(mail_server):
    return outbox.smtp_settings(mail_server.environ())


def test_invitations_reach_both_people_of_every_open_pair_with_their_working_link(
    engine, accounts, pairs, mail_server, smtp
):
    """Each person gets their own message (their own stop link), with a check-in link that works."""
    turn_on(engine, accounts["leader"], "invitation")
    planned, sent = plan_and_send(engine, accounts["leader"], smtp)
    assert planned.to_json() == {"queued": {"invitation": 6}, "skipped": {}}
    assert sent.to_json() == {"sent": 6, "failed": 0, "deferred": 0}

    by_pair: dict[int, list] = {}
    for received in mail_server.received:
        assert received.mail_from == "mentorship@program.example.org"
        assert received.subject == "Your monthly mentorship check-in"
        link = next(line for line in received.body.splitlines() if "/Check_in?token=" in line)
        with db.read_session(engine) as session:
            pair = queries.checkin_pair(session, token_of(link.strip()), NOW)
        by_pair.setdefault(pair.match_id, []).append(received)
        assert received.body.startswith(f"Hi {pair.mentor_first_name} and {pair.mentee_first_name},")
        assert received.message["List-Unsubscribe"].startswith("<http://localhost:8501/Check_in?stop=")
    assert sorted(by_pair) == sorted(pairs.values())
    late = by_pair[pairs["late"]]
    assert sorted(r.recipients[0] for r in late) == ["mlate@clinic.example.org", "slate@school.example.edu"]
    assert sorted(r.message["To"] for r in late) == ["mlate@clinic.example.org", "slate@school.example.edu"]

    stored = {row.message_id: row for row in rows(engine)}
    assert {row.status.value for row in stored.values()} == {"sent"}
    assert {r.message["Message-ID"] for r in mail_server.received} == set(stored)
    assert audit_events(engine, "outbox.plan") == ["queued: invitation 6; skipped: none"]
    assert audit_events(engine, "outbox.send") == ["sent 6, failed 0, deferred 0"]


def test_planning_twice_the_same_day_queues_and_sends_each_message_once(
    engine, accounts, pairs, mail_server, smtp
):
    turn_on(engine, accounts["leader"], "invitation", "nudge")
    first, _ = plan_and_send(engine, accounts["leader"], smtp)
    again, sent_again = plan_and_send(engine, accounts["leader"], smtp, now=NOW + timedelta(hours=3))
    assert first.to_json() == {"queued": {"invitation": 6, "nudge": 4}, "skipped": {}}
    assert again.to_json() == {"queued": {}, "skipped": {"not_due": 5}}
    assert sent_again.to_json() == {"sent": 0, "failed": 0, "deferred": 0}
    assert len(mail_server.received) == 10
    nudged = sorted({r.match_id for r in rows(engine) if r.kind == "nudge"})
    assert nudged == sorted([pairs["late"], pairs["quiet"]])  # the on-track pair is not nudged

    # the rhythm: 29 days later nothing is due, at 30 days the invitations are; nudges every 14 days
    later, _ = plan_and_send(engine, accounts["leader"], smtp, now=NOW + timedelta(days=29))
    assert later.queued == {"nudge": 4}
    month, _ = plan_and_send(engine, accounts["leader"], smtp, now=NOW + timedelta(days=30))
    assert month.queued == {"invitation": 6}


def test_a_451_defers_the_message_which_then_goes_once(engine, accounts, pairs, mail_server, smtp):
    turn_on(engine, accounts["leader"], "invitation")
    mail_server.handler.data_replies.append("451 4.3.0 Mailbox busy, try again later")
    _, sent = plan_and_send(engine, accounts["leader"], smtp)
    assert sent.to_json() == {"sent": 5, "failed": 0, "deferred": 1}
    waiting = [r for r in rows(engine) if r.status.value == "queued"]
    assert len(waiting) == 1
    assert (waiting[0].attempts, waiting[0].last_error) == (
        1,
        "Not accepted yet: 451 4.3.0 Mailbox busy, try again later",
    )
    assert waiting[0].next_attempt_at == NOW + timedelta(minutes=5)

    too_soon = actions.send_messages(
        engine, actor=accounts["leader"], now=NOW + timedelta(minutes=4), smtp=smtp
    )
    assert too_soon.to_json() == {"sent": 0, "failed": 0, "deferred": 0}
    retried = actions.send_messages(
        engine, actor=accounts["leader"], now=NOW + timedelta(minutes=5), smtp=smtp
    )
    assert retried.to_json() == {"sent": 1, "failed": 0, "deferred": 0}
    assert len(mail_server.received) == 6
    assert len({r.message["Message-ID"] for r in mail_server.received}) == 6
    assert {r.status.value for r in rows(engine)} == {"sent"}


def test_a_550_for_a_recipient_fails_that_message_at_once_and_says_why(
    engine, accounts, pairs, mail_server, smtp
):
    turn_on(engine, accounts["leader"], "invitation")
    refused = {"mlate@clinic.example.org", "slate@school.example.edu", "squiet@school.example.edu"}
    mail_server.handler.refuse |= refused
    _, sent = plan_and_send(engine, accounts["leader"], smtp)
    assert sent.to_json() == {"sent": 3, "failed": 3, "deferred": 0}
    stored = {r.recipients: r for r in rows(engine)}
    late = stored["mlate@clinic.example.org"]
    assert (late.status.value, late.attempts) == ("failed", 1)
    assert late.last_error.startswith(
        "Refused by the mail server: mlate@clinic.example.org: 550 5.1.1 No such user"
    )
    assert {a for a, r in stored.items() if r.status.value == "failed"} == refused
    assert stored["mquiet@clinic.example.org"].status.value == "sent"  # the mentor still gets his
    assert sorted(r.recipients for r in mail_server.received) == [
        ["mfresh@clinic.example.org"],
        ["mquiet@clinic.example.org"],
        ["sfresh@school.example.edu"],
    ]
    # a later sending does not try the failed messages again
    assert (
        actions.send_messages(engine, actor=accounts["leader"], now=NOW, smtp=smtp, retry_now=True).sent == 0
    )


def test_with_the_server_down_every_message_waits_and_fails_after_five_attempts(
    engine, accounts, pairs, smtp
):
    from devtools.servers import free_port

    down = outbox.smtp_settings({**_environ(smtp), "MENTORSHIP_SMTP_PORT": str(free_port())})
    turn_on(engine, accounts["leader"], "invitation")
    _, sent = plan_and_send(engine, accounts["leader"], down)
    assert sent.to_json() == {"sent": 0, "failed": 0, "deferred": 6}
    assert all(r.last_error.startswith("The mail server could not be reached") for r in rows(engine))
    waits = []
    now = NOW
    for _ in range(MAX_ATTEMPTS - 1):
        message = rows(engine)[0]
        waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at
        report = actions.send_messages(engine, actor=accounts["leader"], now=now, smtp=down)
    assert waits == [timedelta(minutes=m) for m in (5, 10, 20, 40)]
    assert report.to_json() == {"sent": 0, "failed": 6, "deferred": 0}
    final = rows(engine)
    assert {(r.status.value, r.attempts) for r in final} == {("failed", 5)}
    assert final[0].last_error.startswith("Gave up after 5 attempts: The mail server could not be reached")


def _environ(smtp) -> dict[str, str]:
    return {
        "MENTORSHIP_SMTP_HOST": smtp.host,
        "MENTORSHIP_SMTP_PORT": str(smtp.port),
        "MENTORSHIP_SMTP_SECURITY": smtp.security,
        "MENTORSHIP_MAIL_FROM": smtp.mail_from,
    }


def test_a_connection_dropped_mid_message_is_resent_with_the_same_message_id(
    engine, accounts, pairs, mail_server, smtp
):
    turn_on(engine, accounts["leader"], "invitation")
    mail_server.handler.data_replies.append(DROP)
    _, sent = plan_and_send(engine, accounts["leader"], smtp)
    assert sent.to_json() == {"sent": 5, "failed": 0, "deferred": 1}  # a new connection for the others
    dropped = next(r for r in rows(engine) if r.status.value == "queued")
    assert dropped.last_error.startswith("The connection was dropped")
    again = actions.send_messages(engine, actor=accounts["leader"], now=NOW, smtp=smtp, retry_now=True)
    assert again.sent == 1
    assert len(mail_server.received) == 6
    assert mail_server.received[-1].message["Message-ID"] == dropped.message_id


def test_the_per_minute_cap_holds_back_the_rest_until_the_next_minute(
    engine, accounts, pairs, mail_server, smtp
):
    actions.set_sending(engine, actor=accounts["leader"], per_minute=2, leader_name="", program_contact="")
    turn_on(engine, accounts["leader"], "invitation")
    _, sent = plan_and_send(engine, accounts["leader"], smtp)
    assert sent.sent == 2 and len(mail_server.received) == 2
    assert (
        actions.send_messages(
            engine, actor=accounts["leader"], now=NOW + timedelta(seconds=30), smtp=smtp
        ).sent
        == 0
    )
    assert (
        actions.send_messages(
            engine, actor=accounts["leader"], now=NOW + timedelta(seconds=61), smtp=smtp
        ).sent
        == 2
    )
    assert len(mail_server.received) == 4


def test_stop_these_reminders_stops_invitations_and_nudges_but_not_introductions(
    engine, accounts, pairs, mail_server, smtp
):
    turn_on(engine, accounts["leader"], "invitation")
    plan_and_send(engine, accounts["leader"], smtp)
    hers = next(r for r in mail_server.received if r.recipients == ["slate@school.example.edu"])
    stop = parse_qs(urlsplit(hers.message["List-Unsubscribe"].strip("<>")).query)["stop"][0]
    assert actions.stop_reminders(engine, token=stop, now=NOW) is True
    assert actions.stop_reminders(engine, token=stop, now=NOW) is False

    later = NOW + timedelta(days=30)
    plan_and_send(engine, accounts["leader"], smtp, now=later)
    assert [r.recipients for r in mail_server.received[6:] if "late" in r.recipients[0]] == [
        ["mlate@clinic.example.org"]
    ]
    his = next(r for r in mail_server.received[6:] if r.recipients == ["mlate@clinic.example.org"])
    actions.stop_reminders(
        engine,
        token=parse_qs(urlsplit(his.message["List-Unsubscribe"].strip("<>")).query)["stop"][0],
        now=later,
    )
    planned, _ = plan_and_send(engine, accounts["leader"], smtp, now=later + timedelta(days=30))
    assert planned.skipped["opted_out"] == 1
    assert audit_events(engine, "outbox.opt_out") == [
        "mentee stopped reminders through their own link",
        "mentor stopped reminders through their own link",
    ]


def test_introductions_go_once_to_pairs_confirmed_since_they_were_turned_on(
    engine, accounts, pairs, mail_server, smtp
):
    from .cadence_store import add_pair

    turn_on(engine, accounts["leader"], "introduction")
    new = add_pair(engine, "new", confirmed_on=TODAY)
    planned, sent = plan_and_send(engine, accounts["leader"], smtp)
    again, _ = plan_and_send(engine, accounts["leader"], smtp, now=NOW + timedelta(days=1))
    assert (planned.queued, sent.sent, again.queued) == ({"introduction": 1}, 1, {})
    (intro,) = mail_server.received
    assert intro.subject == "Introducing your mentorship pair"
    assert "Newdoc Mentorlast, meet Newkid Studentlast" in intro.body
    assert intro.message["List-Unsubscribe"] is None
    assert rows(engine)[0].match_id == new


def test_the_decision_reminder_goes_to_the_leader(engine, accounts, mail_server, smtp):
    from .cadence_store import add_pair

    add_pair(engine, "year", confirmed_on=TODAY - timedelta(days=350), met_on=(TODAY - timedelta(days=20),))
    turn_on(engine, accounts["leader"], "reminder")
    planned, _ = plan_and_send(engine, accounts["leader"], smtp)
    assert planned.queued == {"reminder": 1}
    (reminder,) = mail_server.received
    assert reminder.recipients == [LEADER_EMAIL]
    assert reminder.subject == "1 mentorship pairs need a one-year decision"
    assert (
        "- Yeardoc Mentorlast and Yearkid Studentlast: one-year mark 2026-12-10 (in 15 days)" in reminder.body
    )


def test_committee_members_cannot_switch_or_send_and_the_refusal_is_audited(engine, accounts, smtp):
    with pytest.raises(PermissionDenied):
        actions.set_kind(engine, actor=accounts["committee"], kind="invitation", on=True, today=TODAY)
    with pytest.raises(PermissionDenied):
        actions.send_messages(engine, actor=accounts["committee"], now=NOW, smtp=smtp)
    with db.read_session(engine) as session:
        outcomes = session.execute(
            sa.select(AuditEvent.action, AuditEvent.outcome).where(AuditEvent.action.like("outbox.%"))
        ).all()
    assert [(a, o.value) for a, o in outcomes] == [("outbox.schedule", "refused"), ("outbox.send", "refused")]


def test_nothing_is_planned_while_every_kind_is_off(engine, accounts, pairs, mail_server, smtp):
    planned, sent = plan_and_send(engine, accounts["leader"], smtp)
    assert (planned.to_json(), sent.sent, rows(engine)) == ({"queued": {}, "skipped": {}}, 0, [])


def test_erasing_a_person_removes_their_messages_and_opt_out(engine, accounts, pairs, mail_server, smtp):
    from mentorship import services

    turn_on(engine, accounts["leader"], "invitation")
    plan_and_send(engine, accounts["leader"], smtp)
    hers = next(r for r in mail_server.received if r.recipients == ["slate@school.example.edu"])
    stop = parse_qs(urlsplit(hers.message["List-Unsubscribe"].strip("<>")).query)["stop"][0]
    actions.stop_reminders(engine, token=stop, now=NOW)
    services.erase_person(engine, actor=accounts["leader"], email="slate@school.example.edu", today=TODAY)
    left = rows(engine)
    assert sorted({r.match_id for r in left}) == sorted([pairs["fresh"], pairs["quiet"]])
    assert not any("slate" in r.recipients or "Latekid" in r.body for r in left)
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(ReminderOptOut)).scalar_one() == 0
    assert audit_events(engine, "person.erase")[-1] == "outbox messages removed: 2"  # hers and her mentor's


def test_names_beyond_ascii_arrive_intact(engine, accounts, mail_server, smtp):
    from .cadence_store import add_pair

    match_id = add_pair(engine, "nguyen", confirmed_on=TODAY - timedelta(days=40))
    with db.write_session(engine) as session:
        mentee_id = session.get(Match, match_id).mentee_id
        session.get(Mentee, mentee_id).first_name = "Nguyễn Thị"
    actions.save_template(
        engine,
        actor=accounts["leader"],
        kind="invitation",
        subject="Café chat for {{ mentee_first_name }}",
        body="Hi {{ mentee_first_name }} — {{ checkin_link }}",
    )
    turn_on(engine, accounts["leader"], "invitation")
    plan_and_send(engine, accounts["leader"], smtp)
    assert len(mail_server.received) == 2  # the mentor's and the mentee's own
    received = mail_server.received[0]
    assert received.subject == "Café chat for Nguyễn Thị"
    assert received.body.startswith("Hi Nguyễn Thị — http://localhost:8501/Check_in?token=")
