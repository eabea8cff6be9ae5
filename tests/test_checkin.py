"""A pair reports its meetings through its personal check-in link: the services, then the public page."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from mentorship import db, links, services
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import AuditEvent, CheckinLink, CheckinSubmission, Concern, Meeting, utcnow

from .cadence_store import add_pair, days_ago

CHECKIN_PAGE = "pages/6_Check_in.py"
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def rows(engine, statement):
    with db.read_session(engine) as session:
        return [tuple(r) for r in session.execute(statement).all()]


def audit_trail(engine, action_prefix="checkin"):
    return rows(
        engine,
        sa.select(
            AuditEvent.actor, AuditEvent.action, AuditEvent.entity_id, AuditEvent.outcome, AuditEvent.summary
        )
        .where(AuditEvent.action.startswith(action_prefix))
        .order_by(AuditEvent.id),
    )


@pytest.fixture
def pair(engine, accounts):
    return add_pair(engine, "hodan", confirmed_on=days_ago(100), met_on=(days_ago(80),))


@pytest.fixture
def token(engine, accounts, pair):
    return services.issue_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=utcnow())


def report(engine, token, met_on, **extra):
    return services.submit_checkin(
        engine,
        token=token,
        met_on=met_on,
        format=extra.pop("format", "virtual"),
        today=date.today(),
        now=extra.pop("now", utcnow()),
        **extra,
    )


# Issuing and revoking links
def test_each_issued_link_works_and_the_store_keeps_only_its_hash(engine, accounts, pair):
    first = services.issue_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=utcnow())
    again = services.issue_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=utcnow())
    assert first != again and len(first) == 43
    assert rows(engine, sa.select(CheckinLink.match_id, CheckinLink.revoked_at)) == [
        (pair, None),
        (pair, None),
    ]
    hashes = {h for (h,) in rows(engine, sa.select(CheckinLink.token_hash))}
    assert hashes == {links.token_hash(first), links.token_hash(again)}
    assert report(engine, first, days_ago(3)).recorded and report(engine, again, days_ago(2)).recorded
    assert audit_trail(engine)[:2] == [
        ("leader@program.example.org", "checkin.issue", pair, "done", "check-in link 1 issued"),
        ("leader@program.example.org", "checkin.issue", pair, "done", "check-in link 2 issued"),
    ]


def test_committee_cannot_issue_a_link_and_the_refusal_is_audited(engine, accounts, pair):
    with pytest.raises(PermissionDenied, match="Only the program leader can make this change."):
        services.issue_checkin_link(engine, actor=accounts["committee"], match_id=pair, now=utcnow())
    assert rows(engine, sa.select(CheckinLink.id)) == []
    assert audit_trail(engine) == [
        ("committee@program.example.org", "checkin.issue", pair, "refused", "refused: committee role")
    ]


def test_no_link_for_a_pair_that_has_ended(engine, accounts):
    ended = add_pair(engine, "abdi", confirmed_on=days_ago(400), status="completed", ended_on=days_ago(20))
    with pytest.raises(Refused, match="Check-in links are only for open pairs."):
        services.issue_checkin_link(engine, actor=accounts["leader"], match_id=ended, now=utcnow())


def test_replacing_a_link_stops_the_old_one(engine, accounts, pair, token):
    new = services.replace_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=utcnow())
    assert new != token
    with pytest.raises(Refused, match=services.INACTIVE_LINK):
        report(engine, token, days_ago(3))
    assert report(engine, new, days_ago(3)).recorded
    assert [a[1:] for a in audit_trail(engine)][1] == (
        "checkin.replace",
        pair,
        "done",
        "1 check-in link revoked, check-in link 2 issued",
    )


def test_revoke_checkin_links_runs_in_the_callers_transaction(engine, pair, token):
    """Ending a pair (the retention work) revokes its link inside its own transaction."""
    with db.write_session(engine) as session:
        assert services.revoke_checkin_links(session, [pair]) == 1
        assert services.revoke_checkin_links(session, [pair]) == 0
    with pytest.raises(Refused, match=services.INACTIVE_LINK):
        report(engine, token, days_ago(3))


# Reporting meetings
def test_a_report_records_the_meeting_and_audits_without_personal_data(engine, pair, token):
    receipt = report(engine, token, days_ago(3), format="phone", duration_minutes=40)
    assert receipt == services.CheckinReceipt(recorded=True, concern_raised=False)
    assert rows(
        engine,
        sa.select(Meeting.met_on, Meeting.format, Meeting.duration_minutes, Meeting.source).order_by(
            Meeting.id
        ),
    ) == [(days_ago(80), "virtual", None, "imported"), (days_ago(3), "phone", 40, "checkin")]
    assert audit_trail(engine)[-1] == (
        "check-in link",
        "checkin.report",
        pair,
        "done",
        "link 1: meeting recorded",
    )


def test_the_same_meeting_reported_by_both_people_counts_once(engine, pair, token):
    assert report(engine, token, days_ago(3)).recorded
    assert not report(engine, token, days_ago(3), format="phone").recorded
    assert rows(
        engine, sa.select(sa.func.count()).select_from(Meeting).where(Meeting.met_on == days_ago(3))
    ) == [(1,)]
    assert audit_trail(engine)[-1][-1] == "link 1: meeting already recorded"


def test_asking_the_leader_to_reach_out_raises_a_concern(engine, pair, token):
    receipt = report(engine, token, days_ago(3), reach_out=True, note="  Schedules are hard this term.  ")
    assert receipt.concern_raised
    assert rows(
        engine, sa.select(Concern.match_id, Concern.raised_on, Concern.note, Concern.resolved_at)
    ) == [(pair, date.today(), "Schedules are hard this term.", None)]
    summary = audit_trail(engine)[-1][-1]
    assert summary == "link 1: meeting recorded; reach-out requested"  # the note stays out of the audit log


@pytest.mark.parametrize(
    ("met_on", "message"),
    [
        (days_ago(-1), "The meeting date cannot be in the future."),
        (days_ago(101), "The meeting date cannot be before the mentorship began."),
    ],
)
def test_impossible_dates_are_refused(engine, pair, token, met_on, message):
    with pytest.raises(Refused, match=message):
        report(engine, token, met_on)
    assert rows(engine, sa.select(sa.func.count()).select_from(Meeting)) == [(1,)]
    assert audit_trail(engine)[-1] == ("check-in link", "checkin.report", None, "refused", message)


def test_a_wrong_token_is_refused_with_the_neutral_sentence(engine, token):
    with pytest.raises(Refused) as refused:
        report(engine, token[:-1] + ("A" if token[-1] != "A" else "B"), days_ago(2))
    assert str(refused.value) == services.INACTIVE_LINK
    assert audit_trail(engine)[-1] == (
        "check-in link",
        "checkin.report",
        None,
        "refused",
        "refused: unknown, revoked or expired link",
    )


def test_reports_per_link_are_limited_per_hour_and_per_day(engine, pair, token):
    for n in range(services.CHECKINS_PER_HOUR):
        report(engine, token, days_ago(10 + n), now=NOW + timedelta(minutes=n))
    with pytest.raises(Refused, match="This link has been used many times recently; please try again later."):
        report(engine, token, days_ago(30), now=NOW + timedelta(minutes=30))
    assert audit_trail(engine)[-1][-1] == "refused: link 1 used 5 times recently"

    an_hour_later = NOW + timedelta(minutes=61)
    for n in range(services.CHECKINS_PER_DAY - services.CHECKINS_PER_HOUR):
        report(engine, token, days_ago(40 + n), now=an_hour_later + timedelta(hours=n // 4, minutes=n % 4))
    with pytest.raises(Refused, match="used many times recently"):
        report(engine, token, days_ago(60), now=NOW + timedelta(hours=20))
    assert report(engine, token, days_ago(60), now=NOW + timedelta(hours=24, minutes=30)).recorded
    assert rows(engine, sa.select(sa.func.count()).select_from(CheckinSubmission)) == [(13,)]


# The public page
def open_checkin(app, token: str | None):
    at = app(CHECKIN_PAGE)
    if token is not None:
        at.query_params["token"] = token
    return at.run()


def everything_shown(at) -> str:
    """Every text and label the page put on the screen, as one string."""
    parts = []
    for node in at.main.children.values():
        stack = [node]
        while stack:
            element = stack.pop()
            for attribute in ("value", "label", "body", "placeholder", "help"):
                value = getattr(getattr(element, "proto", None), attribute, None)
                if isinstance(value, str):
                    parts.append(value)
            stack.extend(getattr(element, "children", {}).values())
    return " ".join(parts)


def test_the_page_greets_by_first_name_and_shows_nothing_else_about_the_pair(app, engine, pair, token):
    at = open_checkin(app, token)
    assert not at.exception
    assert [t.value for t in at.text] == ["Hi Hodandoc and Hodankid! Let the program know when you met."]
    shown = everything_shown(at)
    assert "Hodandoc" in shown and "How did you meet?" in shown
    for private in ("Mentorlast", "Studentlast", "@", "clinic", "school"):
        assert private not in shown
    assert len(at.sidebar.children) == 0


def test_the_form_starts_with_no_format_and_asks_for_one(app, engine, pair, token):
    at = open_checkin(app, token)
    assert at.radio(key="format").value is None  # a pair that does not look reports no video call
    at.button[0].click().run()
    assert [w.value for w in at.warning] == ["Choose how you met: a video call, a phone call or in person."]
    assert rows(engine, sa.select(sa.func.count()).select_from(Meeting)) == [
        (1,)
    ]  # the pair's one, as before
    at.radio(key="format").set_value("in person")
    at.button[0].click().run()
    assert [s.value for s in at.success] == ["Thanks — your meeting is recorded."]
    assert rows(engine, sa.select(Meeting.format).where(Meeting.source == "checkin")) == [("in person",)]
    assert at.radio(key="format").value is None  # ready for the next report


def test_reporting_through_the_page_end_to_end(app, engine, pair, token):
    at = open_checkin(app, token)
    at.date_input(key="met-on").set_value(days_ago(4))
    at.radio(key="format").set_value("phone")
    at.number_input(key="minutes").set_value(45)
    at.checkbox(key="reach-out").check().run()
    at.text_area(key="note").input("Could you help us find a time?")
    at.button[0].click().run()
    assert not at.exception
    message = "Thanks — your meeting is recorded. The program leader will reach out to you."
    assert [s.value for s in at.success] == [message]
    assert [t.value for t in at.toast] == [message]
    assert (
        rows(
            engine, sa.select(Meeting.met_on, Meeting.format, Meeting.duration_minutes, Meeting.source)
        ).count((days_ago(4), "phone", 45, "checkin"))
        == 1
    )
    assert rows(engine, sa.select(Concern.note)) == [("Could you help us find a time?",)]
    assert at.checkbox(key="reach-out").value is False  # ready for the next report


def test_the_other_person_reporting_the_same_meeting_is_thanked(app, engine, pair, token):
    mentor, mentee = open_checkin(app, token), open_checkin(app, token)
    for at in (mentor, mentee):
        at.date_input(key="met-on").set_value(days_ago(2))
        at.radio(key="format").set_value("virtual")
        at.button[0].click().run()
    assert [s.value for s in mentor.success] == ["Thanks — your meeting is recorded."]
    assert [s.value for s in mentee.success] == ["Thanks — this meeting was already recorded."]
    assert rows(
        engine, sa.select(sa.func.count()).select_from(Meeting).where(Meeting.met_on == days_ago(2))
    ) == [(1,)]


@pytest.mark.parametrize("which", ["wrong", "revoked", "missing", "ended"])
def test_an_inactive_link_shows_one_neutral_message_and_nothing_else(
    app, engine, accounts, pair, token, which
):
    if which == "revoked":
        services.revoke_link(engine, actor=accounts["leader"], match_id=pair, now=utcnow())
    if which == "ended":
        with db.write_session(engine) as session:
            session.execute(
                sa.text("UPDATE matches SET status = 'ended', ended_on = :d"), {"d": date.today()}
            )
    at = open_checkin(app, {"wrong": "not-a-real-token", "missing": None}.get(which, token))
    assert not at.exception
    assert [i.value for i in at.info] == [services.INACTIVE_LINK]
    assert len(at.main.children) == 1
    assert "Hodan" not in everything_shown(at)


def test_the_page_says_when_a_link_has_been_used_too_often(app, engine, pair, token):
    with db.write_session(engine) as session:
        session.add_all([CheckinSubmission(link_id=1) for _ in range(services.CHECKINS_PER_HOUR)])
    at = open_checkin(app, token)
    at.radio(key="format").set_value("virtual")
    at.button[0].click().run()
    assert [w.value for w in at.warning] == [
        "This link has been used many times recently; please try again later."
    ]
    assert len(at.success) == 0
    assert rows(engine, sa.select(sa.func.count()).select_from(Meeting)) == [(1,)]


def test_the_page_refuses_a_date_before_the_pair_began(app, engine, pair, token):
    at = open_checkin(app, token)
    at.date_input(key="met-on").set_value(days_ago(150))
    at.radio(key="format").set_value("phone")
    at.button[0].click().run()
    assert [w.value for w in at.warning] == ["The meeting date cannot be before the mentorship began."]
    assert at.date_input(key="met-on").value == days_ago(150)  # nothing the person entered is lost


def test_pressing_send_again_and_again_on_a_used_up_link_does_not_grow_the_audit_log(
    app, engine, pair, token
):
    """Issue 24, item 6, on the check-in page: whoever holds a pair's link (no account; a forwarded mail is
    enough) pressed Send 30 times once the link's hourly reports were used up, and each refusal was a
    permanent audit row. A signed-out page's refusals are counted per client and window instead."""
    from mentorship.models import RefusalTally

    with db.write_session(engine) as session:
        session.add_all([CheckinSubmission(link_id=1) for _ in range(services.CHECKINS_PER_HOUR)])
    at = open_checkin(app, token)
    for _ in range(30):
        at.radio(key="format").set_value("virtual")
        at = at.button[0].click().run()
        assert [w.value for w in at.warning] == [services.TOO_MANY_CHECKINS]
    refused = [row for row in audit_trail(engine) if row[3] == "refused"]
    assert len(refused) == 1
    assert rows(engine, sa.select(RefusalTally.action, RefusalTally.count)) == [("checkin.report", 30)]
