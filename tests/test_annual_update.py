"""The yearly "Where are you now?": planned once a year on or after the leader's day to every mentee not
withdrawn and not stopped (pair ended or never paired alike); sent through a real SMTP server (aiosmtpd)
with the mentee's own link made as it leaves (only its hash at rest); the public Update page recording
milestones from the mentee; the stop link; the opt-out honoured at send time; the consent line."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from mentorship import annual, clock, db, links, outbox, services, signup
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.models import (
    AnnualUpdate,
    AuditEvent,
    Mentee,
    MessageStatus,
    Milestone,
    OutboxMessage,
    RefusalTally,
)
from mentorship.outbox import actions, linking
from mentorship.services.surveys import SAVES_PER_HOUR

from .cadence_store import add_pair
from .conftest import TODAY, add_accounts, signed_in
from .factories import make_mentee
from .mailserver import Received
from .outbox_store import NOW, turn_on
from .test_personal_links import assert_no_token_at_rest, store_dump

UPDATE_PAGE = "pages/12_Update.py"
UPDATE_LINK = re.compile(r"https?://\S+/Update\?token=[\w-]+")
STOP_LINK = re.compile(r"https?://\S+/Update\?stop=[\w-]+")
KIND = "annual-update"
SCHOOL = "Howard University College of Medicine"
ASKED = {"sactive@school.example.edu", "sended@school.example.edu", "never@school.example.edu"}


@pytest.fixture
def smtp(mail_server):
    return outbox.smtp_settings(mail_server.environ())


@pytest.fixture
def mentees(engine) -> dict[str, int]:
    """A mentee in an open pair, one whose pair ended, one never paired (asked); one withdrawn, one who
    stopped the yearly mails, one registered after this year's day (not asked)."""
    add_pair(engine, "active", confirmed_on=TODAY - timedelta(days=200))
    add_pair(engine, "ended", confirmed_on=date(2024, 9, 1), status="ended", ended_on=date(2025, 9, 1))
    with db.write_session(engine) as session:
        session.add_all(
            [
                make_mentee("never", first_name="Neverkid"),
                make_mentee("gone", status="withdrawn"),
                make_mentee("stopped", yearly_update_stopped_at=NOW - timedelta(days=400)),
                make_mentee("late", registered_on=date(2026, 9, 1)),
            ]
        )
    with db.read_session(engine) as session:
        return {email.split("@")[0]: i for i, email in session.execute(sa.select(Mentee.id, Mentee.email))}


@pytest.fixture
def pinned(monkeypatch):
    """The pages' clock on the test's day (an update sent at NOW is open on it)."""
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=1))
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def plan(engine, leader, smtp, *, on: date = TODAY):
    now = datetime.combine(on, NOW.timetz())
    return actions.plan_messages(engine, actor=leader, today=on, now=now, smtp=smtp)


def send(engine, leader, smtp, *, days: int = 0):
    return actions.send_messages(engine, actor=leader, now=NOW + timedelta(days=days), smtp=smtp)


def messages(engine) -> list[OutboxMessage]:
    with db.read_session(engine) as session:
        rows = list(session.execute(sa.select(OutboxMessage).order_by(OutboxMessage.id)).scalars())
        session.expunge_all()
        return rows


def mail_to(server, address: str) -> Received:
    (mail,) = [r for r in server.received if r.recipients == [address]]
    return mail


def token_of(link: str, name: str = "token") -> str:
    return parse_qs(urlsplit(link).query)[name][0]


def update_link(mail: Received) -> str:
    (link,) = UPDATE_LINK.findall(mail.body)
    return link


def minted(engine, mentee_id: int, *, now: datetime = NOW, year: int = TODAY.year) -> str:
    """A mentee's update as the sender makes its link (no mail): the token."""
    with db.write_session(engine) as session:
        update = AnnualUpdate(mentee_id=mentee_id, year=year, created_at=now)
        session.add(update)
        session.flush()
        return services.mint_update_link(session, update.id, now)


def milestones_of(engine, mentee_id: int) -> list[tuple[str, date, str, str]]:
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(Milestone.kind, Milestone.happened_on, Milestone.school, Milestone.source)
            .where(Milestone.mentee_id == mentee_id)
            .order_by(Milestone.happened_on)
        )
        return [(str(k), on, school, str(source)) for k, on, school, source in rows]


def open_update(app, query: dict[str, str]) -> AppTest:
    at = app(UPDATE_PAGE)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def save(at: AppTest) -> AppTest:
    (button,) = [b for b in at.button if b.label == "Save"]
    return button.click().run()


# Planning
def test_the_yearly_update_is_planned_once_a_year_on_or_after_its_day_to_every_mentee_still_on_the_list(
    engine, accounts, mentees, smtp
):
    leader = accounts["leader"]
    assert plan(engine, leader, smtp).queued == {}  # off until the leader turns it on
    turn_on(engine, leader, KIND)
    actions.set_annual_day(engine, actor=leader, on="12-01")
    report = plan(engine, leader, smtp)  # 25 November: before this year's day
    assert report.queued == {} and report.skipped["not_due"] == 1
    actions.set_annual_day(engine, actor=leader, on="06-01")
    assert plan(engine, leader, smtp).queued == {KIND: 3}
    queued = messages(engine)
    assert {m.recipients for m in queued} == ASKED  # the ended pair's and the never-paired mentee too
    assert all(m.match_id is None and m.kind == KIND for m in queued)
    never = next(m for m in queued if m.recipients == "never@school.example.edu")
    assert never.subject == "Where are you now?"
    assert never.body.startswith("Hi Neverkid,\n\nOnce a year the mentorship program asks")
    assert linking.UPDATE_LINK in never.body and linking.YEARLY_STOP_LINK in never.body
    assert never.dedupe_key == f"annual-update:mentee:{mentees['never']}:2026"
    with db.read_session(engine) as session:
        updates = session.execute(sa.select(AnnualUpdate.year, AnnualUpdate.token_hash, AnnualUpdate.sent_at))
        assert sorted(updates) == [(2026, None, None)] * 3  # no link until the mail is sent

    # twice in a year: never
    assert plan(engine, leader, smtp).queued == {}
    assert plan(engine, leader, smtp, on=date(2026, 12, 31)).queued == {}
    # next year, before the day nothing; on it, each again (and the one registered in September now too)
    assert plan(engine, leader, smtp, on=date(2027, 5, 31)).queued == {}
    assert plan(engine, leader, smtp, on=date(2027, 6, 1)).queued == {KIND: 4}
    assert "late@school.example.edu" in {m.recipients for m in messages(engine)}


def test_the_day_and_the_kind_are_the_leaders_and_a_day_not_in_every_year_is_refused(engine, accounts):
    leader = accounts["leader"]
    assert outbox.OutboxSchedule().annual_update is False
    assert actions.set_annual_day(engine, actor=leader, on="3-7").annual_update_on == "03-07"
    for bad in ("02-29", "13-01", "June 1", ""):
        with pytest.raises(UnusableInput, match="as MM-DD"):
            actions.set_annual_day(engine, actor=leader, on=bad)
    with pytest.raises(UnusableInput, match="The yearly update goes once a year; --every does not apply"):
        turn_on(engine, leader, KIND, every=30)
    with pytest.raises(Refused):
        actions.set_annual_day(engine, actor=accounts["committee"], on="06-01")


# Sending
def test_the_mail_carries_the_mentees_own_links_made_as_it_leaves_and_the_store_keeps_only_hashes(
    engine, accounts, mentees, smtp, mail_server
):
    leader = accounts["leader"]
    turn_on(engine, leader, KIND)
    plan(engine, leader, smtp)
    report = send(engine, leader, smtp)
    assert (report.sent, report.cancelled) == (3, 0)  # the ended pair's mentee is not held back
    assert {r.recipients[0] for r in mail_server.received} == ASKED
    mail = mail_to(mail_server, "sended@school.example.edu")
    assert mail.body.startswith("Hi Endedkid,")
    link = update_link(mail)
    (stop,) = STOP_LINK.findall(mail.body)
    assert "No longer want these yearly emails? " + stop in mail.body
    assert str(mail.message["List-Unsubscribe"]) == f"<{stop}>"
    assert linking.UPDATE_LINK not in mail.body
    with db.read_session(engine) as session:
        update = session.execute(
            sa.select(AnnualUpdate).where(AnnualUpdate.mentee_id == mentees["sended"])
        ).scalar_one()
    assert update.token_hash == links.token_hash(token_of(link))
    assert (update.sent_at, update.closes_at) == (NOW, NOW + timedelta(days=60))
    assert_no_token_at_rest(engine, mail_server.received)
    sent = next(m for m in messages(engine) if m.recipients == "sended@school.example.edu")
    assert (
        sent.status == MessageStatus.sent and linking.UPDATE_LINK in sent.body
    )  # the row keeps its stand-in


def test_a_mentee_who_stops_after_planning_is_not_sent_it_and_the_leader_reads_why(
    engine, accounts, mentees, smtp, mail_server
):
    leader = accounts["leader"]
    turn_on(engine, leader, KIND)
    plan(engine, leader, smtp)
    with db.write_session(engine) as session:  # through an earlier year's stop link, after today's plan
        session.get(Mentee, mentees["never"]).yearly_update_stopped_at = NOW
        session.get(Mentee, mentees["sactive"]).status = "withdrawn"
    report = send(engine, leader, smtp)
    assert (report.sent, report.cancelled) == (1, 2)
    assert [r.recipients for r in mail_server.received] == [["sended@school.example.edu"]]
    why = {m.recipients: (m.status, m.last_error) for m in messages(engine)}
    assert why["never@school.example.edu"] == (
        MessageStatus.cancelled,
        "Not sent: the mentee stopped the yearly emails after it was queued.",
    )
    assert why["sactive@school.example.edu"] == (
        MessageStatus.cancelled,
        "Not sent: the mentee withdrew after it was queued.",
    )
    with db.read_session(engine) as session:
        hashes = session.execute(sa.select(AnnualUpdate.token_hash).where(AnnualUpdate.sent_at.is_(None)))
        assert list(hashes.scalars()) == [None, None]  # no link was made for them


def test_the_mails_stop_link_stops_the_yearly_mails_for_that_mentee_only(
    engine, accounts, mentees, smtp, mail_server
):
    leader = accounts["leader"]
    turn_on(engine, leader, KIND)
    plan(engine, leader, smtp)
    send(engine, leader, smtp)
    stop = token_of(STOP_LINK.findall(mail_to(mail_server, "never@school.example.edu").body)[0], "stop")
    later = NOW + timedelta(days=200)  # the update has closed; its stop link still works (a year)
    assert services.stop_yearly_updates(engine, token=stop, now=later) is True
    assert services.stop_yearly_updates(engine, token=stop, now=later) is False  # already
    with db.read_session(engine) as session:
        stopped = session.execute(
            sa.select(Mentee.email).where(Mentee.yearly_update_stopped_at.is_not(None))
        ).scalars()
        assert sorted(stopped) == ["never@school.example.edu", "stopped@school.example.edu"]
        (summary,) = session.execute(
            sa.select(AuditEvent.summary).where(AuditEvent.action == "annual_update.stop")
        ).scalars()
    assert summary == "yearly emails stopped through the mentee's own link"
    with pytest.raises(Refused, match="not active"):
        services.stop_yearly_updates(engine, token=stop, now=NOW + timedelta(days=366))
    with pytest.raises(Refused, match="not active"):
        services.stop_yearly_updates(engine, token="made-up", now=later)
    before = len(messages(engine))
    assert plan(engine, leader, smtp, on=date(2027, 6, 1)).queued == {KIND: 3}
    assert {m.recipients for m in messages(engine)[before:]} == {
        "sactive@school.example.edu",
        "sended@school.example.edu",
        "late@school.example.edu",
    }


# The mentee's answer
def test_the_mentee_adds_steps_in_one_transaction_from_source_mentee_and_nothing_new_is_an_answer(
    engine, mentees
):
    mentee = mentees["never"]
    token = minted(engine, mentee)
    receipt = services.submit_annual_update(
        engine,
        token=token,
        steps=[
            {"kind": "accepted", "on": date(2026, 3, 2)},
            {
                "kind": "matriculated",
                "on": date(2026, 8, 1),
                "school": "Howard University College of Medicine",
            },
            {"kind": None, "on": None, "school": ""},  # a row left empty
        ],
        now=NOW + timedelta(days=1),
        today=TODAY,
        address="203.0.113.7",
    )
    assert (receipt.steps, receipt.added, receipt.closes_at) == (2, 2, NOW + timedelta(days=60))
    assert milestones_of(engine, mentee) == [
        ("accepted", date(2026, 3, 2), "", "mentee"),
        ("matriculated", date(2026, 8, 1), SCHOOL, "mentee"),
    ]
    with db.read_session(engine) as session:
        answered = session.execute(sa.select(AnnualUpdate.answered_at)).scalar_one()
        summaries = list(
            session.execute(
                sa.select(AuditEvent.summary).where(AuditEvent.action == "annual_update.answer")
            ).scalars()
        )
    assert answered == NOW + timedelta(days=1)
    assert summaries == ["yearly update answered: 2 steps, 2 added, 0 changed"]  # counts, no school

    again = services.submit_annual_update(
        engine, token=token, steps=[], now=NOW + timedelta(days=2), today=TODAY
    )
    assert (again.steps, again.added) == (0, 0)
    assert len(milestones_of(engine, mentee)) == 2
    with db.read_session(engine) as session:
        assert session.execute(sa.select(AnnualUpdate.answered_at)).scalar_one() == NOW + timedelta(days=2)


def test_bad_steps_are_refused_in_one_sentence_and_nothing_is_saved(engine, mentees):
    token = minted(engine, mentees["never"])
    cases = {
        "Accepted (at least one offer): The date is in the future.": [
            {"kind": "accepted", "on": date(2026, 3, 2)},
            {"kind": "accepted", "on": TODAY + timedelta(days=1)},
        ],
        "Took the MCAT: The school is only for a matriculation.": [
            {"kind": "mcat", "on": date(2026, 1, 10), "school": "Somewhere"}
        ],
        "Step 1: choose what happened.": [{"kind": None, "on": date(2026, 1, 10)}],
        "Interviewed: The date is required (a date, YYYY-MM-DD).": [{"kind": "interviewed", "on": None}],
    }
    for sentence, steps in cases.items():
        with pytest.raises(UnusableInput) as refused:
            services.submit_annual_update(engine, token=token, steps=steps, now=NOW, today=TODAY)
        assert str(refused.value) == sentence
    assert milestones_of(engine, mentees["never"]) == []
    with db.read_session(engine) as session:
        assert session.execute(sa.select(AnnualUpdate.answered_at)).scalar_one() is None


def test_a_closed_replaced_or_unknown_link_is_refused_and_counted_per_client(engine, mentees):
    token = minted(engine, mentees["never"])
    with db.write_session(engine) as session:  # a second sending (a retry) replaces the link
        newer = services.mint_update_link(
            session, session.execute(sa.select(AnnualUpdate.id)).scalar_one(), NOW
        )
    steps = [{"kind": "applied", "on": date(2026, 6, 1)}]
    for old, now in ((token, NOW), ("made-up", NOW), (newer, NOW + timedelta(days=60))):
        with pytest.raises(Refused, match=re.escape(annual.CLOSED)):
            services.submit_annual_update(
                engine, token=old, steps=steps, now=now, today=TODAY, address="198.51.100.4"
            )
    assert milestones_of(engine, mentees["never"]) == []
    with db.read_session(engine) as session:
        refused = session.execute(
            sa.select(AuditEvent.summary).where(AuditEvent.action == "annual_update.answer")
        ).scalars()
        assert "198.51.100.4" not in " ".join(refused)
        tallies = session.execute(
            sa.select(RefusalTally.count).where(RefusalTally.action == "annual_update.answer")
        ).scalars()
        assert sum(tallies) == 3  # the three refusals, counted for this client
    assert "198.51.100.4" not in store_dump(engine)


def test_a_links_saves_are_limited_like_the_surveys(engine, mentees):
    token = minted(engine, mentees["never"])
    for minute in range(SAVES_PER_HOUR):
        services.submit_annual_update(
            engine, token=token, steps=[], now=NOW + timedelta(minutes=minute), today=TODAY
        )
    with pytest.raises(Refused, match="saved many times recently"):
        services.submit_annual_update(
            engine,
            token=token,
            steps=[{"kind": "applied", "on": date(2026, 6, 1)}],
            now=NOW + timedelta(minutes=30),
            today=TODAY,
        )
    assert milestones_of(engine, mentees["never"]) == []


# The page
def test_the_page_lists_the_path_so_far_and_refuses_a_future_date_in_one_sentence(
    app, engine, mentees, pinned
):
    mentee = mentees["never"]
    token = minted(engine, mentee)
    with db.write_session(engine) as session:
        services.record_steps(
            session,
            mentee_id=mentee,
            steps=[annual.milestones.Step("mcat", date(2025, 4, 1))],
            source="leader",
            now=NOW,
        )
    at = open_update(app, {"token": token})
    assert not at.exception
    assert at.title[0].value == "Where are you now?"
    assert at.text[0].value.startswith("Hi Neverkid! Once a year the program asks")
    assert at.text[1].value == "Took the MCAT: 2025-04-01"
    save(at)  # nothing chosen: not taken as "nothing new"
    assert [w.value for w in at.warning] == [annual.NOTHING_TYPED]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(AnnualUpdate.answered_at)).scalar_one() is None
    at.selectbox(key="update-kind-0").set_value("accepted")
    at.date_input(key="update-on-0").set_value(TODAY + timedelta(days=3))
    save(at)
    assert [w.value for w in at.warning] == ["Accepted (at least one offer): The date is in the future."]
    assert milestones_of(engine, mentee) == [("mcat", date(2025, 4, 1), "", "leader")]

    at.date_input(key="update-on-0").set_value(date(2026, 3, 2))
    at.run()
    save(at)
    assert [w.value for w in at.success] == [
        "Thank you: 1 step added to your path. You can add more with this link until January 24, 2027."
    ]
    assert at.text[1].value == "Took the MCAT: 2025-04-01\nAccepted (at least one offer): 2026-03-02"
    assert at.selectbox(key="update-kind-0").value is None  # an empty row for the next step
    (nothing_new,) = [b for b in at.button if b.label == "Nothing new since then"]
    nothing_new.click().run()
    assert [w.value for w in at.success] == [
        "Thank you for letting us know. You can still add a step with this link until January 24, 2027."
    ]
    assert len(milestones_of(engine, mentee)) == 2


def test_an_unknown_or_closed_link_shows_one_sentence_and_nothing_else(app, engine, mentees, monkeypatch):
    token = minted(engine, mentees["never"], now=NOW - timedelta(days=61))
    monkeypatch.setattr(clock, "now", lambda: NOW)
    for query in ({"token": token}, {"token": "made-up"}, {}):
        at = open_update(app, query)
        assert [i.value for i in at.info] == [annual.CLOSED]
        assert len(at.title) == len(at.text) == len(at.button) == len(at.selectbox) == 0
    at = open_update(app, {"stop": "made-up"})
    assert [i.value for i in at.info] == [annual.STOP_INACTIVE] and len(at.button) == 0


def test_the_stop_link_page_stops_only_when_pressed(app, engine, mentees, pinned):
    token = minted(engine, mentees["never"])
    at = open_update(app, {"stop": token})
    assert at.title[0].value == "Stop the yearly emails"
    with db.read_session(engine) as session:
        assert session.get(Mentee, mentees["never"]).yearly_update_stopped_at is None  # opening stops nothing
    at.button[0].click().run()
    assert [s.value for s in at.success] == [annual.STOPPED]
    with db.read_session(engine) as session:
        assert session.get(Mentee, mentees["never"]).yearly_update_stopped_at == NOW + timedelta(hours=1)
    page = open_update(app, {"token": token})
    assert "You have stopped the yearly emails" in page.text[-1].value
    assert "Stop these yearly emails" not in [b.label for b in page.button]


# The registration form's consent line
def test_the_mentee_forms_consent_notice_names_the_yearly_mail_only_when_it_is_on(
    app, engine, accounts, monkeypatch
):
    monkeypatch.setenv("MENTORSHIP_SMTP_HOST", "smtp.program.example.org")
    for kind in ("mentors", "mentees"):
        services.set_form_open(engine, actor=Actor.operator(), kind=kind, is_open=True)

    def notice(form: str) -> str:
        at = app("pages/8_Register.py")
        at.query_params["as"] = form
        (found,) = [c.value for c in at.run().caption if c.value.startswith("What we keep")]
        return found

    assert signup.YEARLY_UPDATE not in notice("mentee")
    turn_on(engine, accounts["leader"], KIND)
    assert signup.YEARLY_UPDATE in notice("mentee")
    assert signup.YEARLY_UPDATE not in notice("mentor")  # mentors' form unchanged
    assert signup.YEARLY_UPDATE == (
        "Once a year, also after your mentorship ends, the program emails you to ask where you are on the "
        "path to medical school; each of those emails has a link to stop them."
    )
    monkeypatch.delenv("MENTORSHIP_SMTP_HOST")  # no mail account: no yearly mail to promise
    assert signup.YEARLY_UPDATE not in notice("mentee")


# The leader's Messages page
def test_the_leader_turns_the_yearly_update_on_and_sets_its_day_on_messages(app, engine, accounts):
    at = signed_in(app("app.py")).run().switch_page("pages/7_Messages.py")
    at.session_state["messages-tab"] = "Schedule"
    at.run()
    assert at.toggle(key="sched-annual-update").label == "Yearly update: where are you now?"
    assert at.toggle(key="sched-annual-update").value is False
    assert (at.selectbox(key="sched-annual-month").value, at.number_input(key="sched-annual-day").value) == (
        "June",
        1,
    )
    at.toggle(key="sched-annual-update").set_value(True)
    at.selectbox(key="sched-annual-month").set_value("September")
    at.number_input(key="sched-annual-day").set_value(15)
    (save,) = [b for b in at.button if b.label == "Save the schedule"]
    save.click().run()
    with db.read_session(engine) as session:
        current = outbox.schedule(session)
    assert (current.annual_update, current.annual_update_on) == (True, "09-15")

    at.toggle(key="sched-annual-update").set_value(False)
    at.number_input(key="sched-annual-day").set_value(31)  # the 31st of September: nothing is saved
    (save,) = [b for b in at.button if b.label == "Save the schedule"]
    save.click().run()
    assert [t.value for t in at.toast] == [
        "The yearly update's day must be a month and a day that every year has, as MM-DD (06-01)."
    ]
    with db.read_session(engine) as session:
        assert outbox.schedule(session) == current

    at.session_state["messages-tab"] = "Templates"
    at.run()
    at.selectbox(key="tpl-kind").set_value(KIND).run()
    preview = [t.value for t in at.text if t.value.startswith("Subject: Where are you now?")]
    assert len(preview) == 1 and linking.UPDATE_LINK in preview[0] and linking.YEARLY_STOP_LINK in preview[0]


def test_erasing_a_mentee_closes_their_yearly_update_link(engine, accounts, mentees):
    token = minted(engine, mentees["never"])
    services.erase_person(engine, actor=accounts["leader"], email="never@school.example.edu", today=TODAY)
    with pytest.raises(Refused, match=re.escape(annual.CLOSED)):
        services.submit_annual_update(engine, token=token, steps=[], now=NOW, today=TODAY)
    with pytest.raises(Refused, match="not active"):
        services.stop_yearly_updates(engine, token=token, now=NOW)


def test_the_command_line_turns_the_yearly_update_on_with_its_day(capsys, engine, store_url, accounts):
    from mentorship.cli import main

    argv = ["outbox", "enable", KIND, "--db", store_url, "--as", "leader@program.example.org"]
    assert main([*argv, "--on", "02-29"]) == 2
    assert capsys.readouterr().err == (
        "The yearly update's day must be a month and a day that every year has, as MM-DD (06-01).\n"
    )
    assert main([*argv, "--every", "30"]) == 2
    assert "The yearly update goes once a year" in capsys.readouterr().err
    with db.read_session(engine) as session:
        assert outbox.schedule(session) == outbox.OutboxSchedule()  # nothing was written
    assert main([*argv, "--on", "09-01"]) == 0
    assert capsys.readouterr().out == (
        "Annual-update messages are on, once a year on or after 09-01 (MM-DD).\n"
    )
    assert main(["outbox", "enable", "nudge", "--on", "09-01", "--db", store_url, "--as", "x@y.org"]) == 2
    assert capsys.readouterr().err == "--on applies only to annual-update, the yearly update.\n"


def test_planned_sent_and_answered_on_sqlite_and_postgresql(each_store, mail_server):
    engine = each_store
    leader = add_accounts(engine)["leader"]
    smtp = outbox.smtp_settings(mail_server.environ())
    add_pair(engine, "ended", confirmed_on=date(2024, 9, 1), status="ended", ended_on=date(2025, 9, 1))
    with db.write_session(engine) as session:
        session.add_all([make_mentee("never"), make_mentee("gone", status="withdrawn")])
    turn_on(engine, leader, KIND)
    assert plan(engine, leader, smtp).queued == {KIND: 2}
    assert plan(engine, leader, smtp).queued == {}
    assert send(engine, leader, smtp).sent == 2
    token = token_of(update_link(mail_to(mail_server, "sended@school.example.edu")))
    receipt = services.submit_annual_update(
        engine,
        token=token,
        steps=[{"kind": "matriculated", "on": date(2026, 8, 1), "school": SCHOOL}],
        now=NOW + timedelta(days=1),
        today=TODAY,
    )
    assert (receipt.steps, receipt.added) == (1, 1)
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Milestone.school, Milestone.source)).one() == (SCHOOL, "mentee")


def test_the_leader_sees_who_stopped_the_yearly_mails_on_messages(app, engine, accounts, mentees):
    services.stop_yearly_updates(engine, token=minted(engine, mentees["never"]), now=NOW)
    at = signed_in(app("app.py")).run().switch_page("pages/7_Messages.py")
    at.session_state["messages-tab"] = "Opted out"
    at.run()
    assert any(
        c.value.startswith("2 mentees stopped the yearly “Where are you now?” emails") for c in at.caption
    )
    stopped = at.dataframe[-1].value
    assert list(stopped["email"]) == ["never@school.example.edu", "stopped@school.example.edu"]
    assert list(stopped["name"]) == ["Neverkid Vang", "Stopped Vang"]
