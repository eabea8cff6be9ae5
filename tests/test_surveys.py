"""Surveys end to end: planning each moment's mail on its day, once per person, with one reminder; the mail
through a real SMTP server (aiosmtpd) carrying that person's own link; the public page answering; the
leader's view and concern; links that close; no token at rest."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from mentorship import clock, db, outbox, queries, services
from mentorship import surveys as rules
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import Concern, OutboxMessage, ReminderOptOut, SurveyInvitation, SurveyResponse
from mentorship.outbox import actions

from .cadence_store import add_pair
from .conftest import TODAY, signed_in
from .mailserver import Received
from .outbox_store import NOW, turn_on
from .test_personal_links import store_dump

SURVEY_PAGE = "pages/9_Survey.py"
SURVEY_LINK = re.compile(r"https?://\S+/Survey\?token=\S+")
KINDS = ("survey-start", "survey-mid", "survey-year")


@pytest.fixture
def smtp(mail_server):
    return outbox.smtp_settings(mail_server.environ())


@pytest.fixture
def pairs(engine) -> dict[str, int]:
    """One pair at each moment's day (TODAY), one that ended early, and two with nothing due."""
    return {
        "start": add_pair(engine, "start", confirmed_on=TODAY - timedelta(days=30)),
        "mid": add_pair(engine, "mid", confirmed_on=TODAY.replace(month=5)),  # six months ago to the day
        "year": add_pair(engine, "year", confirmed_on=TODAY - timedelta(days=365)),
        "ended": add_pair(
            engine,
            "ended",
            confirmed_on=TODAY - timedelta(days=100),
            status="ended",
            ended_on=TODAY - timedelta(days=3),
        ),
        "new": add_pair(engine, "new", confirmed_on=TODAY - timedelta(days=29)),
        "past": add_pair(engine, "past", confirmed_on=TODAY - timedelta(days=70)),  # its start is long past
    }


@pytest.fixture
def pinned(monkeypatch):
    """The pages' clock on the test's day (a survey sent at NOW is open on it)."""
    monkeypatch.setattr(clock, "now", lambda: NOW + timedelta(hours=1))
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def queued(engine) -> list[tuple[str, str, str]]:
    with db.read_session(engine) as session:
        return sorted(
            (m.kind, m.recipients, m.subject) for m in session.execute(sa.select(OutboxMessage)).scalars()
        )


def plan(engine, leader, smtp, *, days: int = 0):
    return actions.plan_messages(
        engine, actor=leader, today=TODAY + timedelta(days=days), now=NOW + timedelta(days=days), smtp=smtp
    )


def send(engine, leader, smtp, *, days: int = 0):
    return actions.send_messages(engine, actor=leader, now=NOW + timedelta(days=days), smtp=smtp)


def survey_link(received: Received) -> str:
    found = SURVEY_LINK.findall(received.body)
    assert len(found) == 1, received.body
    return found[0]


def mail_to(server, address: str) -> Received:
    (mail,) = [r for r in server.received if r.recipients == [address]]
    return mail


def open_survey(app, link: str) -> AppTest:
    at = app(SURVEY_PAGE)
    for name, values in parse_qs(urlsplit(link).query).items():
        at.query_params[name] = values[0]
    return at.run()


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def radio(at: AppTest, key: str):
    return at.radio(key=f"survey-{key}")


# Planning
def test_each_moment_is_queued_on_its_day_to_each_person_once(engine, accounts, pairs, smtp):
    leader = accounts["leader"]
    assert plan(engine, leader, smtp).queued == {}  # every survey starts off
    turn_on(engine, leader, *KINDS)
    report = plan(engine, leader, smtp)
    assert dict(report.queued) == {"survey-start": 2, "survey-mid": 2, "survey-year": 4}
    recipients = {(kind, to) for kind, to, _ in queued(engine)}
    assert recipients == {
        ("survey-start", "mstart@clinic.example.org"),
        ("survey-start", "sstart@school.example.edu"),
        ("survey-mid", "mmid@clinic.example.org"),
        ("survey-mid", "smid@school.example.edu"),
        ("survey-year", "myear@clinic.example.org"),
        ("survey-year", "syear@school.example.edu"),
        ("survey-year", "mended@clinic.example.org"),  # ended before its year: asked now, and why
        ("survey-year", "sended@school.example.edu"),
    }
    again = plan(engine, leader, smtp)
    assert again.queued == {} and len(queued(engine)) == 8
    # the day after: only the pair that reaches its 30 days (the key names the person and the moment)
    assert plan(engine, leader, smtp, days=1).queued == {"survey-start": 2}
    assert {to for kind, to, _ in queued(engine)} >= {"mnew@clinic.example.org", "snew@school.example.edu"}
    with db.read_session(engine) as session:
        bodies = [m.body for m in session.execute(sa.select(OutboxMessage)).scalars()]
    assert all("(your own survey link, made when the message is sent)" in b for b in bodies)
    assert "Hi Startkid," in "".join(bodies)


def test_a_person_who_opted_out_gets_no_survey_and_the_other_still_does(engine, accounts, pairs, smtp):
    with db.write_session(engine) as session:
        session.add(ReminderOptOut(email="sstart@school.example.edu"))
    turn_on(engine, accounts["leader"], "survey-start")
    report = plan(engine, accounts["leader"], smtp)
    assert report.queued == {"survey-start": 1} and report.skipped["opted_out"] == 1
    assert [to for _, to, _ in queued(engine)] == ["mstart@clinic.example.org"]


def test_one_reminder_a_week_after_sending_to_whoever_has_not_answered(engine, accounts, smtp, mail_server):
    add_pair(engine, "start", confirmed_on=TODAY - timedelta(days=30))
    leader = accounts["leader"]
    turn_on(engine, leader, "survey-start")
    plan(engine, leader, smtp)
    assert send(engine, leader, smtp).sent == 2
    mentee_link = survey_link(mail_to(mail_server, "sstart@school.example.edu"))
    services.submit_survey(
        engine,
        token=token_of(mentee_link),
        answers={"met": "yes", "agreed_rhythm": "no"},
        now=NOW + timedelta(days=2),
        today=TODAY,
    )
    assert plan(engine, leader, smtp, days=6).queued == {}  # not a week yet
    assert plan(engine, leader, smtp, days=7).queued == {"survey-start": 1}
    assert send(engine, leader, smtp, days=7).sent == 1
    reminder = mail_server.received[-1]
    assert reminder.recipients == ["mstart@clinic.example.org"]
    assert reminder.subject == "Reminder: How is your mentorship starting?"
    assert "A short reminder: we have not heard from you yet" in reminder.body
    assert f"It closes on {(NOW + timedelta(days=30)):%B %d, %Y}." in reminder.body
    assert plan(engine, leader, smtp, days=8).queued == {}  # one reminder only
    assert plan(engine, leader, smtp, days=14).queued == {}
    # the reminder's link is the mentor's own, and the one that works now
    mentor_link = survey_link(reminder)
    with db.read_session(engine) as session:
        assert queries.survey_page(session, token_of(mentor_link), NOW + timedelta(days=8)).role == "mentor"


# The mail, the page, the leader
def test_a_survey_mail_opens_that_persons_survey_and_the_leader_sees_the_answers_and_concern(
    app, engine, accounts, pairs, smtp, mail_server, pinned
):
    leader = accounts["leader"]
    turn_on(engine, leader, "survey-mid")
    plan(engine, leader, smtp)
    assert send(engine, leader, smtp).sent == 2
    mail = mail_to(mail_server, "smid@school.example.edu")
    assert mail.subject == "Halfway through your mentorship: how does it feel?"
    assert mail.body.startswith("Hi Midkid,")
    assert "the other person in your pair never sees them" in mail.body

    at = open_survey(app, survey_link(mail))
    assert not at.exception
    assert at.title[0].value == "Mid-year: your mentorship"
    assert at.text[0].value.startswith("Hi Midkid! You are about halfway through the year.")
    assert [r.label for r in at.radio] == [
        "I am treated with respect in this mentorship.",
        "I can be myself in our conversations.",
        "My mentor is curious about my experience and background, and does not make assumptions.",
        "How useful has the mentorship been for the medical-school application?",
        "How useful has it been for interviews?",
        "How useful has it been for education and career goals?",
    ]
    assert radio(at, "respect").options[-1] == "Prefer not to say"
    assert "Middoc" not in json.dumps([t.value for t in at.text])  # nothing of the other person
    radio(at, "respect").set_value(5)
    radio(at, "safe_space").set_value(2)
    radio(at, "curious").set_value(rules.PREFER_NOT)
    radio(at, "useful_goals").set_value(4)
    at.text_area(key="survey-comments").input("Sometimes my background is brushed aside.")
    at.checkbox(key="survey-contact_me").check()
    at.button[0].click().run()
    assert at.success[0].value.startswith("Thank you. Your answers are saved")
    assert at.success[0].value.endswith("The program leader will reach out to you.")

    # the leader: the concern in Cadence → "Asked to hear from you", the response on the pair
    cadence = signed_in(app("pages/3_Cadence.py")).run()
    assert not cadence.exception
    assert any(t.label == "Asked to hear from you (1)" for t in cadence.tabs)
    notes = [t.value for t in cadence.text]
    assert "Mid-year survey, the mentee: Safe space 2 of 5; asked to be contacted." in notes
    with db.read_session(engine) as session:
        shown = queries.pair_surveys(session, pairs["mid"], leader.role)
        concerns = queries.open_concerns(session)
    mentee = shown[shown["role"] == "mentee"].iloc[0]
    assert mentee["answers"]["safe_space"] == 2 and mentee["answers"]["contact_me"] is True
    assert mentee["answers"]["curious"] is None
    assert list(concerns["survey_role"]) == ["mentee"]
    # the committee sees no one's answers
    with db.read_session(engine) as session:
        assert queries.pair_surveys(session, pairs["mid"], accounts["committee"].role).empty

    # the mentor's own link: the mentor's questions, empty, nothing of the mentee's answers
    mentor_page = open_survey(app, survey_link(mail_to(mail_server, "mmid@clinic.example.org")))
    assert mentor_page.text[0].value.startswith("Hi Middoc!")
    labels = [r.label for r in mentor_page.radio]
    assert "I have learned something about my mentee's experience that I did not know before." in labels
    assert all(r.value is None for r in mentor_page.radio)
    assert mentor_page.text_area(key="survey-comments").value == ""
    assert mentor_page.checkbox(key="survey-contact_me").value is False
    everything = json.dumps(
        [e.value for e in (*mentor_page.text, *mentor_page.markdown, *mentor_page.caption)]
    )
    assert "brushed aside" not in everything and "Midkid" not in everything


def test_a_second_save_changes_the_one_response_and_the_page_shows_it(app, engine, accounts, pairs, pinned):
    token = services.issue_survey_link(
        engine, actor=accounts["leader"], match_id=pairs["start"], role="mentee", moment="start", now=NOW
    )
    first = services.submit_survey(
        engine, token=token, answers={"met": "no", "agreed_rhythm": "no"}, now=NOW, today=TODAY
    )
    second = services.submit_survey(
        engine,
        token=token,
        answers={"met": "yes", "agreed_rhythm": "yes", "obstacles": "  Exams  "},
        now=NOW + timedelta(days=1),
        today=TODAY,
    )
    assert (first.changed, second.changed) == (False, True)
    with db.read_session(engine) as session:
        (response,) = session.execute(sa.select(SurveyResponse)).scalars()
    assert json.loads(response.answers) == {"met": "yes", "agreed_rhythm": "yes", "obstacles": "Exams"}
    at = open_survey(app, f"http://x/Survey?token={token}")
    assert radio(at, "met").value == "yes"
    assert at.text_area(key="survey-obstacles").value == "Exams"
    assert at.text[1].value.startswith("You answered already; change anything below and save again")


def test_the_link_stops_working_thirty_days_after_sending(app, engine, accounts, pairs, monkeypatch):
    token = services.issue_survey_link(
        engine, actor=accounts["leader"], match_id=pairs["start"], role="mentor", moment="start", now=NOW
    )
    closes = NOW + timedelta(days=30)
    monkeypatch.setattr(clock, "now", lambda: closes - timedelta(minutes=1))
    assert (
        open_survey(app, f"http://x/Survey?token={token}").title[0].value
        == "Getting started: your mentorship"
    )
    monkeypatch.setattr(clock, "now", lambda: closes)
    closed = open_survey(app, f"http://x/Survey?token={token}")
    assert [i.value for i in closed.info] == [rules.CLOSED]
    assert len(closed.radio) == len(closed.button) == len(closed.title) == 0
    with pytest.raises(Refused, match="not valid or the survey has closed"):
        services.submit_survey(engine, token=token, answers={}, now=closes, today=TODAY)
    with pytest.raises(Refused, match="This survey closed on"):
        services.issue_survey_link(
            engine,
            actor=accounts["leader"],
            match_id=pairs["start"],
            role="mentor",
            moment="start",
            now=closes,
        )


def test_an_unknown_link_gets_one_sentence(app, engine, pinned):
    at = open_survey(app, "http://x/Survey?token=not-a-real-token")
    assert [i.value for i in at.info] == [rules.CLOSED]
    assert len(at.radio) == len(at.text) == 0
    assert len(app(SURVEY_PAGE).run().info) == 1  # no token at all


def test_a_newer_link_replaces_the_older_for_that_person_only(engine, accounts, pairs):
    leader = accounts["leader"]
    make = {"engine": engine, "actor": leader, "match_id": pairs["start"], "moment": "start", "now": NOW}
    old = services.issue_survey_link(**make, role="mentee")
    mentor = services.issue_survey_link(**make, role="mentor")
    new = services.issue_survey_link(**{**make, "now": NOW + timedelta(days=3)}, role="mentee")
    with db.read_session(engine) as session:
        assert queries.survey_page(session, old, NOW + timedelta(days=3)) is None
        assert queries.survey_page(session, mentor, NOW + timedelta(days=3)).role == "mentor"
        page = queries.survey_page(session, new, NOW + timedelta(days=3))
    assert page.closes_at == NOW + timedelta(days=30)  # opened at the first link, not the newest


def test_only_the_leader_makes_links_and_rewords(engine, accounts, pairs):
    with pytest.raises(PermissionDenied):
        services.issue_survey_link(
            engine,
            actor=accounts["committee"],
            match_id=pairs["start"],
            role="mentee",
            moment="start",
            now=NOW,
        )
    with pytest.raises(PermissionDenied):
        services.save_survey_wording(
            engine, actor=accounts["committee"], moment="start", words=rules.DEFAULT_QUESTIONS["start"]
        )


def test_a_reworded_survey_is_a_new_version_and_answers_keep_theirs(app, engine, accounts, pairs, pinned):
    leader = accounts["leader"]
    token = services.issue_survey_link(
        engine, actor=leader, match_id=pairs["start"], role="mentee", moment="start", now=NOW
    )
    services.submit_survey(engine, token=token, answers={"met": "yes"}, now=NOW, today=TODAY)
    words = {**rules.DEFAULT_QUESTIONS["start"], "met": "Have you had a first conversation?"}
    assert services.save_survey_wording(engine, actor=leader, moment="start", words=words) == 2
    assert services.save_survey_wording(engine, actor=leader, moment="start", words=words) == 2
    at = open_survey(app, f"http://x/Survey?token={token}")
    assert radio(at, "met").label == "Have you had a first conversation?"
    other = services.issue_survey_link(
        engine, actor=leader, match_id=pairs["start"], role="mentor", moment="start", now=NOW
    )
    services.submit_survey(engine, token=other, answers={"met": "no"}, now=NOW, today=TODAY)
    with db.read_session(engine) as session:
        versions = session.execute(
            sa.select(SurveyInvitation.role, SurveyResponse.version).join(
                SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id
            )
        ).all()
    assert sorted(versions) == [("mentee", 1), ("mentor", 2)]


def test_answers_not_offered_are_refused_and_unasked_ones_dropped(engine, accounts, pairs):
    token = services.issue_survey_link(
        engine, actor=accounts["leader"], match_id=pairs["mid"], role="mentor", moment="mid", now=NOW
    )
    with pytest.raises(Exception, match="not one of its choices"):
        services.submit_survey(engine, token=token, answers={"respect": 7}, now=NOW, today=TODAY)
    services.submit_survey(
        engine, token=token, answers={"respect": "4", "curious": 1, "why_ended": "x"}, now=NOW, today=TODAY
    )
    with db.read_session(engine) as session:
        (response,) = session.execute(sa.select(SurveyResponse)).scalars()
        assert session.execute(sa.select(Concern)).first() is None
    kept = json.loads(response.answers)
    assert kept["respect"] == 4 and "curious" not in kept and "why_ended" not in kept


def test_the_store_keeps_no_survey_token(engine, accounts, pairs, smtp, mail_server):
    leader = accounts["leader"]
    turn_on(engine, leader, *KINDS)
    plan(engine, leader, smtp)
    assert send(engine, leader, smtp).sent == 8
    tokens = [token_of(survey_link(r)) for r in mail_server.received]
    made = services.issue_survey_link(
        engine, actor=leader, match_id=pairs["new"], role="mentee", moment="start", now=NOW
    )
    dump = store_dump(engine)
    assert len(tokens) == 8
    assert [t for t in [*tokens, made] if t in dump] == []


# The demo store, erasure, migrations
def test_the_demo_has_survey_answers_deterministic_per_seed_with_silence_and_low_answers(engine):
    from mentorship import demo

    first = demo.generate(today=TODAY, seed=11)
    assert first.surveys == demo.generate(today=TODAY, seed=11).surveys
    assert first.surveys != demo.generate(today=TODAY, seed=12).surveys
    with db.write_session(engine) as session:
        counts = demo.write(session, first)
    answered = [s for s in first.surveys if s["answers"] is not None]
    assert counts["survey_responses"] == len(answered) > 100
    assert 0.25 < 1 - len(answered) / len(first.surveys) < 0.45  # about a third never answer
    mid = [s["answers"][0] for s in answered if s["moment"] == "mid"]
    assert any(a["safe_space"] in (1, 2) or a["respect"] in (1, 2) for a in mid)
    assert any(a["respect"] is None for a in mid)  # "prefer not to say"
    with db.read_session(engine) as session:
        raised = session.execute(
            sa.select(sa.func.count(Concern.id)).where(Concern.survey_response_id.is_not(None))
        ).scalar_one()
        tokens = session.execute(
            sa.select(SurveyInvitation.token_hash).where(SurveyInvitation.token_hash.is_not(None))
        )
    assert raised > 0 and tokens.first() is None


def test_erasing_a_person_empties_their_pairs_survey_words_and_keeps_the_scales(engine, accounts, pairs):
    token = services.issue_survey_link(
        engine, actor=accounts["leader"], match_id=pairs["mid"], role="mentee", moment="mid", now=NOW
    )
    services.submit_survey(
        engine,
        token=token,
        answers={"respect": 5, "comments": "My mentor Middoc is kind."},
        now=NOW,
        today=TODAY,
    )
    services.erase_person(engine, actor=accounts["leader"], email="smid@school.example.edu", today=TODAY)
    with db.read_session(engine) as session:
        (stored,) = session.execute(sa.select(SurveyResponse.answers)).scalars()
        assert queries.survey_page(session, token, NOW) is None
    assert json.loads(stored)["respect"] == 5 and json.loads(stored)["comments"] is None
    assert "Middoc is kind" not in store_dump(engine)


def test_the_survey_migration_keeps_data_and_its_downgrade_keeps_the_concerns(each_url):
    """On SQLite and PostgreSQL: a store at 0008 keeps its rows through 0009; back down, the concerns stay."""
    from alembic import command

    from .factories import add, make_mentor

    engine = db.make_engine(each_url)

    def to(revision: str, *, down: bool = False) -> None:
        with engine.execution_options(mentorship_write=True).begin() as connection:
            (command.downgrade if down else command.upgrade)(db._alembic_config(connection), revision)

    to("0008_outbox")
    add(engine, make_mentor("kou"))  # mentors are the same at 0008 and at head
    to("head")
    (mentor_id,) = add_rows(engine)
    with db.read_session(engine) as session:
        assert queries.survey_wording(session, "mid")[0] == 1
        assert session.execute(sa.text("SELECT email FROM mentors")).scalars().all() == [
            "kou@clinic.example.org"
        ]
        assert session.execute(sa.text("SELECT note FROM concerns")).scalars().all() == ["Mid-year survey"]
    to("0008_outbox", down=True)
    with db.read_session(engine) as session:
        assert session.execute(sa.text("SELECT note FROM concerns")).scalars().all() == ["Mid-year survey"]
    to("head")
    with db.read_session(engine) as session:
        assert queries.survey_wording(session, "start")[0] == 1
    engine.dispose()


def add_rows(engine) -> tuple[int]:
    """A pair, a mid-year survey answered and the concern it raised, on the store at head."""
    from .factories import make_match, make_mentee

    with db.write_session(engine) as session:
        mentor_id = session.execute(sa.text("SELECT id FROM mentors")).scalar_one()
        mentee = make_mentee("pa")
        session.add(mentee)
        session.flush()
        match = make_match(mentor_id, mentee.id, confirmed_on=TODAY - timedelta(days=200))
        session.add(match)
        session.flush()
        invitation = SurveyInvitation(match_id=match.id, role="mentee", moment="mid", created_at=NOW)
        session.add(invitation)
        session.flush()
        response = SurveyResponse(invitation_id=invitation.id, version=1, answers='{"respect": 1}')
        session.add(response)
        session.flush()
        session.add(
            Concern(
                match_id=match.id, raised_on=TODAY, note="Mid-year survey", survey_response_id=response.id
            )
        )
    return (mentor_id,)


# The leader's controls on the pages
def test_the_leader_makes_a_survey_link_on_the_pair_view_shown_once(
    app, engine, accounts, pinned, monkeypatch
):
    monkeypatch.setenv("MENTORSHIP_TIMEZONE", "America/Chicago")
    add_pair(engine, "solo", confirmed_on=TODAY - timedelta(days=40))
    at = signed_in(app("pages/3_Cadence.py")).run()
    assert "No survey has been sent to this pair yet." in [c.value for c in at.caption]
    at.radio(key="survey-link-role").set_value("mentee")
    at.radio(key="survey-link-moment").set_value("start")
    at.button(key="survey-link-make").click().run()
    assert not at.exception
    (url,) = [c.value for c in at.code if "/Survey?token=" in c.value]
    assert "Getting started: your mentorship" in open_survey(app, url).title[0].value
    with db.read_session(engine) as session:
        assert queries.survey_page(session, token_of(url), NOW + timedelta(hours=1)).first_name == "Solokid"
    again = signed_in(app("pages/3_Cadence.py")).run()  # a new visit: the link is not shown again
    assert not [c for c in again.code if "/Survey?token=" in c.value]
    closes = "2026-12-25 04:00 CST"  # 30 days after the link was made at 04:00 CST, in the program's zone
    assert f"Getting started, the mentee: a live link until {closes}." in [c.value for c in again.caption]
    assert "Getting started · the mentee, Solokid Studentlast: sent" in again.text[-1].value


def test_the_leader_rewords_a_survey_on_messages(app, engine, accounts, pinned):
    at = signed_in(app("pages/7_Messages.py"))
    at.session_state["messages-tab"] = "Surveys"
    at.run()
    at.radio(key="wording-moment").set_value("mid").run()
    assert "Version 1." in [c.value for c in at.caption]
    at.text_area(key="wording-mid-safe_space").input("I feel safe being myself with my mentorship partner.")
    next(b for b in at.button if b.label == "Save the wording").click().run()
    assert not at.exception
    assert "Version 2." in [c.value for c in at.caption]
    with db.read_session(engine) as session:
        assert queries.survey_wording(session, "mid") == (
            2,
            {
                **rules.DEFAULT_QUESTIONS["mid"],
                "safe_space": "I feel safe being myself with my mentorship partner.",
            },
        )


def test_refused_answers_are_counted_per_client_and_audited_once(engine):
    from mentorship.models import AuditEvent, RefusalTally

    for _ in range(3):
        with pytest.raises(Refused):
            services.submit_survey(
                engine, token="guessed", answers={}, now=NOW, today=TODAY, address="203.0.113.9"
            )
    with db.read_session(engine) as session:
        counts = session.execute(sa.select(RefusalTally.action, RefusalTally.count)).all()
        audited = session.execute(
            sa.select(AuditEvent.actor, AuditEvent.summary).where(AuditEvent.action == "survey.answer")
        ).all()
    assert counts == [("survey.answer", 3)]
    assert len(audited) == 1 and audited[0][0] == "signed-out browser"
    assert "203.0.113.9" not in audited[0][1]


def test_planning_sending_answering_and_reminding_on_each_store(each_store, mail_server, smtp):
    """The same round on SQLite and PostgreSQL: queued once, sent with its own link, answered, reminded."""
    from .conftest import add_accounts

    engine = each_store
    leader = add_accounts(engine)["leader"]
    match_id = add_pair(engine, "both", confirmed_on=TODAY - timedelta(days=365))
    turn_on(engine, leader, "survey-year")
    assert plan(engine, leader, smtp).queued == {"survey-year": 2}
    assert plan(engine, leader, smtp).queued == {}
    assert send(engine, leader, smtp).sent == 2
    link = survey_link(mail_to(mail_server, "sboth@school.example.edu"))
    receipt = services.submit_survey(
        engine,
        token=token_of(link),
        answers={"overall": 2, "recommend": 3, "continue": "unsure", "change": "More check-ins"},
        now=NOW + timedelta(days=1),
        today=TODAY,
    )
    assert receipt.closes_at == NOW + timedelta(days=30) and not receipt.concern_raised
    assert plan(engine, leader, smtp, days=7).queued == {"survey-year": 1}  # the mentor's reminder
    assert send(engine, leader, smtp, days=7).sent == 1
    assert mail_server.received[-1].recipients == ["mboth@clinic.example.org"]
    with db.read_session(engine) as session:
        shown = queries.pair_surveys(session, match_id, leader.role)
    assert shown.set_index("role").loc["mentee", "answers"]["change"] == "More check-ins"
    assert pd.notna(shown.set_index("role").loc["mentor", "reminded_at"])


def test_answers_keep_the_wording_the_page_showed_when_it_changes_meanwhile(
    app, engine, accounts, pairs, pinned
):
    leader = accounts["leader"]
    token = services.issue_survey_link(
        engine, actor=leader, match_id=pairs["start"], role="mentee", moment="start", now=NOW
    )
    at = open_survey(app, f"http://x/Survey?token={token}")  # drawn with version 1
    words = {**rules.DEFAULT_QUESTIONS["start"], "met": "Have you had a first conversation?"}
    services.save_survey_wording(engine, actor=leader, moment="start", words=words)
    radio(at, "met").set_value("yes")
    next(b for b in at.button if b.label == "Save my answers").click().run()
    assert at.success[0].value.startswith("Thank you.")
    with db.read_session(engine) as session:
        assert session.execute(sa.select(SurveyResponse.version)).scalars().all() == [1]


def test_the_cadence_page_kept_read_moves_when_a_survey_raises_a_concern(
    app, engine, accounts, pairs, pinned
):
    cadence = signed_in(app("pages/3_Cadence.py")).run()
    assert any(t.label == "Asked to hear from you (0)" for t in cadence.tabs)
    token = services.issue_survey_link(
        engine, actor=accounts["leader"], match_id=pairs["mid"], role="mentor", moment="mid", now=NOW
    )
    services.submit_survey(engine, token=token, answers={"respect": 1}, now=NOW, today=TODAY)
    cadence.run()
    assert any(t.label == "Asked to hear from you (1)" for t in cadence.tabs)
    assert "Mid-year survey, the mentor: Respect 1 of 5." in [t.value for t in cadence.text]
