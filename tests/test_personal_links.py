"""Personal links as an attacker with a copy of the store, or with her own mail, would try them (issue 24,
items 7 and 9): no usable token at rest, links that expire, and each person's stop link their own."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from mentorship import clock, db, links, outbox, queries, services, signup
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import Match, OutboxMessage, ReminderOptOut
from mentorship.outbox import actions, linking
from mentorship.outbox.sending import send_due

from .conftest import TODAY
from .factories import make_match, make_mentee, make_mentor
from .mailserver import Received
from .outbox_store import NOW, three_pairs, turn_on

CHECKIN_PAGE = "pages/6_Check_in.py"
LINK = re.compile(r"https?://\S+/(?:Check_in|Register)\?\S+")
MENTOR_CELLS = {
    "first_name": "Amara",
    "last_name": "Okafor",
    "email": "amara.okafor@clinic.example.org",
    "specialty": "Family Medicine",
    "meeting_formats": "virtual",
    "capacity": "2",
    "bipoc_identity": "yes",
}


@pytest.fixture
def smtp(mail_server):
    return outbox.smtp_settings(mail_server.environ())


def links_in(received: Received) -> list[str]:
    """Every personal link a delivered mail carries: in its body and in its List-Unsubscribe header."""
    found = LINK.findall(received.body)
    header = received.message["List-Unsubscribe"]
    return found + ([str(header).strip("<>")] if header else [])


def tokens_in(received: Received) -> list[str]:
    tokens = []
    for link in links_in(received):
        query = parse_qs(urlsplit(link).query)
        tokens += query.get("token", []) + query.get("stop", [])
    return tokens


def store_dump(engine) -> str:
    """The whole SQLite store as SQL text: what a backup holds."""
    with sqlite3.connect(engine.url.database) as connection:
        return "\n".join(connection.iterdump())


def assert_no_token_at_rest(engine, received: list[Received]) -> None:
    tokens = [t for r in received for t in tokens_in(r)]
    assert tokens, "the mail carries its personal links"
    dump = store_dump(engine)
    assert [t for t in tokens if t in dump] == []


def open_page(app, link: str) -> AppTest:
    at = app(CHECKIN_PAGE)
    for name, values in parse_qs(urlsplit(link).query).items():
        at.query_params[name] = values[0]
    return at.run()


def mentor_with_three_pairs(engine) -> tuple[list[int], str, list[str]]:
    """One mentor (Kofi) with three open pairs; returns the pairs, his email and the mentees'."""
    with db.write_session(engine) as session:
        mentor = make_mentor("kofi", first_name="Kofi", capacity=3)
        mentees = [make_mentee(key, first_name=key.title()) for key in ("ama", "efua", "yaa")]
        session.add_all([mentor, *mentees])
        session.flush()
        matches = [make_match(mentor.id, m.id, confirmed_on=TODAY - timedelta(days=100)) for m in mentees]
        session.add_all(matches)
        session.flush()
        return [m.id for m in matches], mentor.email, [m.email for m in mentees]


def opted_out(engine) -> set[str]:
    with db.read_session(engine) as session:
        return set(session.execute(sa.select(ReminderOptOut.email)).scalars())


# Item 7: no usable token at rest
@pytest.mark.parametrize("kind", ["invitation", "nudge", "introduction"])
def test_no_row_of_the_store_holds_the_tokens_a_delivered_pair_mail_carries(
    engine, accounts, mail_server, smtp, kind
):
    """A copy of the store (a backup) opens nothing: the mails' check-in and stop links exist only in the
    mails; and the delivered links work."""
    pairs = three_pairs(engine)
    turn_on(engine, accounts["leader"], kind)
    if kind == "introduction":  # for pairs confirmed since introductions were turned on
        with db.write_session(engine) as session:
            session.execute(sa.update(Match).values(confirmed_on=TODAY))
    actions.plan_messages(engine, actor=accounts["leader"], today=TODAY, now=NOW, smtp=smtp)
    actions.send_messages(engine, actor=accounts["leader"], now=NOW, smtp=smtp)
    assert mail_server.received

    assert_no_token_at_rest(engine, mail_server.received)
    with db.read_session(engine) as session:
        for received in mail_server.received:
            checkin, *stop = links_in(received)
            pair = queries.checkin_pair(session, parse_qs(urlsplit(checkin).query)["token"][0], NOW)
            assert pair is not None and pair.match_id in pairs.values()
            for link in stop:  # invitations and nudges: the one recipient's own stop link
                person = queries.stop_link_person(session, parse_qs(urlsplit(link).query)["stop"][0], NOW)
                assert person.match_id == pair.match_id
        bodies = list(session.execute(sa.select(OutboxMessage.body)).scalars())
    assert all(linking.CHECKIN_LINK in body for body in bodies)  # what the Messages page shows


def test_no_row_holds_the_registration_link_the_mail_carries_and_the_link_confirms(engine, mail_server, smtp):
    services.set_form_open(engine, actor=Actor.operator(), kind="mentors", is_open=True)
    receipt = services.submit_registration(
        engine,
        kind="mentors",
        cells=MENTOR_CELLS,
        consent=True,
        attest=True,
        statement_version=1,
        client="browser-1",
        now=NOW,
        today=TODAY,
        mail=True,
    )
    with db.read_session(engine) as session:
        (body,) = session.execute(sa.select(OutboxMessage.body)).scalars()
    assert linking.PERSONAL_LINK in body and "token=" not in body

    assert send_due(engine, smtp=smtp, now=NOW).sent == 1
    assert_no_token_at_rest(engine, mail_server.received)
    (token,) = tokens_in(mail_server.received[0])
    assert token != receipt.token  # made as the mail left
    person_id = services.confirm_registration(engine, token=token, now=NOW + timedelta(hours=1), today=TODAY)
    assert person_id is not None


def test_a_send_that_fails_after_its_link_was_made_makes_a_fresh_one_that_works(
    engine, accounts, mail_server, smtp
):
    three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    actions.plan_messages(engine, actor=accounts["leader"], today=TODAY, now=NOW, smtp=smtp)
    mail_server.handler.data_replies = ["451 4.3.0 try again later"]
    first = actions.send_messages(engine, actor=accounts["leader"], now=NOW, smtp=smtp)
    assert first.to_json() == {"sent": 5, "failed": 0, "deferred": 1}
    later = NOW + timedelta(minutes=10)
    assert actions.send_messages(engine, actor=accounts["leader"], now=later, smtp=smtp).sent == 1
    assert len(mail_server.received) == 6
    assert_no_token_at_rest(engine, mail_server.received)
    with db.read_session(engine) as session:
        last_token = parse_qs(urlsplit(links_in(mail_server.received[-1])[0]).query)["token"][0]
        assert queries.checkin_pair(session, last_token, later) is not None


def test_expired_personal_links_are_refused_with_one_sentence(
    app, engine, accounts, mail_server, smtp, monkeypatch
):
    # a confirmed registration's personal link: 90 days after its mail
    services.set_form_open(engine, actor=Actor.operator(), kind="mentors", is_open=True)
    services.submit_registration(
        engine,
        kind="mentors",
        cells=MENTOR_CELLS,
        consent=True,
        attest=True,
        statement_version=1,
        client="browser-1",
        now=NOW,
        today=TODAY,
        mail=True,
    )
    send_due(engine, smtp=smtp, now=NOW)
    (personal,) = tokens_in(mail_server.received[-1])
    services.confirm_registration(engine, token=personal, now=NOW, today=TODAY)
    late = NOW + links.PERSONAL_LINK_LIFETIME + timedelta(seconds=1)
    with db.read_session(engine) as session:
        assert queries.link_state(session, personal, late - timedelta(days=1)) is not None
    with pytest.raises(Refused, match=re.escape(signup.INACTIVE_LINK)):
        services.withdraw_own_registration(engine, token=personal, now=late)

    pair = three_pairs(engine)["late"]
    token = services.issue_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=NOW)
    expired = NOW + links.CHECKIN_LINK_LIFETIME + timedelta(seconds=1)
    with pytest.raises(Refused, match=re.escape(services.INACTIVE_LINK)):
        services.submit_checkin(engine, token=token, met_on=TODAY, format="virtual", today=TODAY, now=expired)
    with db.read_session(engine) as session:
        assert queries.checkin_pair(session, token, NOW) is not None
        assert queries.checkin_pair(session, token, expired) is None

    # the check-in page, opened on the expired day, says one sentence and nothing else
    at = open_page(app, links.checkin_url(token))
    assert [i.value for i in at.info] == []  # today (the page's clock) the link still works
    monkeypatch.setattr(clock, "now", lambda: expired)
    at = open_page(app, links.checkin_url(token))
    assert [i.value for i in at.info] == [services.INACTIVE_LINK]
    assert len(at.button) == 0 and len(at.text) == 0


# Item 9: each person's stop link is their own
def test_a_mentee_cannot_stop_her_mentors_reminders_from_her_own_mail(
    app, engine, accounts, mail_server, smtp
):
    """The attack: the mentee opens the stop link of her own invitation (and her pair's check-in link with
    stop=reminders), chooses "I am the mentor" if the page offers it, and presses Stop."""
    pairs, mentor, mentees = mentor_with_three_pairs(engine)
    turn_on(engine, accounts["leader"], "invitation")
    actions.plan_messages(engine, actor=accounts["leader"], today=TODAY, now=NOW, smtp=smtp)
    actions.send_messages(engine, actor=accounts["leader"], now=NOW, smtp=smtp)
    hers = next(r for r in mail_server.received if mentees[0] in r.recipients)
    assert hers.recipients == [mentees[0]]  # her own message: the mentor's is another one
    stop_link = str(hers.message["List-Unsubscribe"]).strip("<>")
    checkin = links_in(hers)[0]

    for link in (stop_link, checkin + "&stop=reminders"):
        at = open_page(app, link)
        for radio in at.radio:  # "Who are you?" -> "I am the mentor"
            radio.set_value("mentor")
        buttons = [b for b in at.button if b.label == "Stop these reminders for me"]
        for button in buttons:
            at = button.click().run()
    assert mentor not in opted_out(engine)
    assert opted_out(engine) == {mentees[0]}
    at = open_page(app, stop_link)
    assert len(at.radio) == 0
    assert [t.value for t in at.text][0].startswith("Hi Ama!")

    # the next invitations still reach the mentor for all three pairs; her own are stopped
    later = NOW + timedelta(days=30)
    actions.plan_messages(engine, actor=accounts["leader"], today=later.date(), now=later, smtp=smtp)
    actions.send_messages(engine, actor=accounts["leader"], now=later, smtp=smtp)
    again = mail_server.received[6:]
    assert sorted(r.recipients[0] for r in again) == sorted([mentor] * 3 + mentees[1:])

    # the mentor's own link stops his (for every pair), and nobody else's
    his = next(r for r in again if r.recipients == [mentor])
    at = open_page(app, str(his.message["List-Unsubscribe"]).strip("<>"))
    at = at.button[0].click().run()
    assert [s.value for s in at.success] == [
        "Done: you will get no more check-in invitations, nudges or surveys."
    ]
    assert opted_out(engine) == {mentees[0], mentor}
    third = NOW + timedelta(days=60)
    actions.plan_messages(engine, actor=accounts["leader"], today=third.date(), now=third, smtp=smtp)
    actions.send_messages(engine, actor=accounts["leader"], now=third, smtp=smtp)
    assert sorted(r.recipients[0] for r in mail_server.received[11:]) == sorted(mentees[1:])


def test_an_unknown_or_expired_stop_link_says_one_sentence(app, engine):
    at = open_page(app, links.stop_reminders_url("not-a-real-token"))
    assert [i.value for i in at.info] == [actions.STOP_LINK_INACTIVE]
    assert len(at.button) == 0 and len(at.radio) == 0


# The migration: links handed out before keep working, and no token stays in the outbox
def test_the_migration_hashes_live_check_in_tokens_and_takes_tokens_out_of_stored_mail(each_store):
    from alembic import command

    from .cadence_store import add_pair

    pair = add_pair(
        each_store, "olga", confirmed_on=TODAY - timedelta(days=100)
    )  # the models' schema: HEAD's
    with each_store.execution_options(mentorship_write=True).begin() as connection:
        command.downgrade(db._alembic_config(connection), "0005_signin")
    token = links.new_token()
    body = f"Hi!\n\n{links.checkin_url(token)}\n\nNo longer want these reminders? "
    stop = f"http://localhost:8501/Check_in?token={token}&stop=reminders"
    with each_store.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO checkin_links (match_id, token, created_at) VALUES (:m, :t, :at)"),
            {"m": pair, "t": token, "at": NOW},
        )
        for number, status in enumerate(("sent", "queued")):
            connection.execute(
                sa.text(
                    "INSERT INTO outbox_messages (kind, match_id, recipients, subject, body, headers, "
                    "dedupe_key, message_id, status, attempts, last_error, next_attempt_at, claimed_by, "
                    "created_at) VALUES ('invitation', :m, 'a@b.org', 'Check-in', :body, :headers, :key, "
                    ":mid, :status, 0, '', :at, '', :at)"
                ),
                {
                    "m": pair,
                    "body": body + stop,
                    "headers": f'{{"List-Unsubscribe": "<{stop}>"}}',
                    "key": f"invitation:{number}",
                    "mid": f"<{number}@x>",
                    "status": status,
                    "at": NOW,
                },
            )
    db.upgrade(each_store)

    with db.read_session(each_store) as session:
        assert queries.checkin_pair(session, token, NOW).match_id == pair  # the link in people's mail works
        stored = session.execute(
            sa.select(OutboxMessage.status, OutboxMessage.body, OutboxMessage.headers).order_by(
                OutboxMessage.id
            )
        ).all()
    assert [str(status) for status, _, _ in stored] == ["sent", "cancelled"]
    for _, stored_body, headers in stored:
        assert token not in stored_body and token not in headers
        assert "(personal link, removed from the stored copy)" in stored_body
    if db.is_sqlite(each_store):
        assert token not in store_dump(each_store)
