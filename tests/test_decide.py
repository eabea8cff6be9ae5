"""The one-year decision and mentee outcomes: the services, their rules, their audit trail, and the CLI."""

import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from mentorship import db, queries, retention, services
from mentorship.auth import Actor
from mentorship.cli import main
from mentorship.errors import PermissionDenied, Refused, UnusableInput
from mentorship.models import AuditEvent, CheckinLink, Match

from .conftest import TODAY
from .factories import make_match, make_mentee, make_mentor

pytestmark = pytest.mark.usefixtures("today")  # pages and commands measure as of TODAY
CONFIRMED = TODAY - timedelta(days=375)
PAIR_MARK = CONFIRMED + timedelta(days=365)  # ten days ago


@pytest.fixture
def pair(engine):
    """A mentor with one place, filled by an active pair 10 days past its one-year mark, with a live link."""
    with db.write_session(engine) as s:
        mentor = make_mentor("ada", capacity=1)
        mentee = make_mentee("bo")
        waiting = make_mentee("cy")
        s.add_all([mentor, mentee, waiting])
        s.flush()
        match = make_match(mentor.id, mentee.id, confirmed_on=CONFIRMED)
        s.add(match)
        s.flush()
        s.add(CheckinLink(match_id=match.id, token_hash="t" * 40))
        return {"match": match.id, "mentor": mentor.id, "waiting": waiting.id}


def match_row(engine, match_id: int) -> dict:
    with db.read_session(engine) as s:
        m = s.get(Match, match_id)
        return {
            "status": m.status,
            "decided_on": m.decided_on,
            "ended_on": m.ended_on,
            "end_reason": m.end_reason,
            "end_note": m.end_note,
        }


def audit_rows(engine) -> list[dict]:
    with db.read_session(engine) as s:
        events = s.execute(sa.select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
        return [
            {
                "actor": e.actor,
                "action": e.action,
                "entity_id": e.entity_id,
                "outcome": e.outcome,
                "summary": e.summary,
            }
            for e in events
        ]


def live_links(engine, match_id: int) -> int:
    with db.read_session(engine) as s:
        return s.execute(
            sa.select(sa.func.count(CheckinLink.id)).where(
                CheckinLink.match_id == match_id, CheckinLink.revoked_at.is_(None)
            )
        ).scalar_one()


def test_ending_a_pair_frees_its_mentor_closes_its_link_and_is_audited(engine, accounts, pair):
    leader = accounts["leader"]
    with db.read_session(engine) as s:
        assert queries.program_summary(s, TODAY).capacity_used == 1
    result = services.decide(
        engine,
        actor=leader,
        decision="end",
        today=TODAY,
        match_id=pair["match"],
        reason="other",
        note="Moved to Duluth for a job",
        on=TODAY - timedelta(days=2),
    )
    assert (result.status, result.links_revoked) == ("ended", 1)
    assert match_row(engine, pair["match"]) == {
        "status": "ended",
        "decided_on": TODAY - timedelta(days=2),
        "ended_on": TODAY - timedelta(days=2),
        "end_reason": "other",
        "end_note": "Moved to Duluth for a job",
    }
    assert live_links(engine, pair["match"]) == 0
    with db.read_session(engine) as s:
        assert queries.program_summary(s, TODAY).capacity_used == 0
    # the freed place takes a new pair (the database's capacity rule would refuse it otherwise)
    with db.write_session(engine) as s:
        s.add(make_match(pair["mentor"], pair["waiting"], confirmed_on=TODAY))
    assert audit_rows(engine) == [
        {
            "actor": "leader@program.example.org",
            "action": "pair.decide",
            "entity_id": pair["match"],
            "outcome": "done",
            "summary": "decision end, reason other, +8 days from the one-year mark, "
            "check-in links revoked: 1",
        }
    ]


def test_continue_then_end_in_the_second_year_counts_as_continued(engine, accounts, pair):
    leader = accounts["leader"]
    services.decide(engine, actor=leader, decision="continue", today=TODAY, match_id=pair["match"])
    assert match_row(engine, pair["match"])["status"] == "continued"
    assert live_links(engine, pair["match"]) == 1  # a continuing pair keeps reporting its meetings
    later = TODAY + timedelta(days=200)
    services.decide(
        engine, actor=leader, decision="end", today=later, match_id=pair["match"], reason="matriculated"
    )
    assert match_row(engine, pair["match"]) == {
        "status": "ended",
        "decided_on": TODAY,  # the continue decision stays on record
        "ended_on": later,
        "end_reason": "matriculated",
        "end_note": "",
    }
    with db.read_session(engine) as s:
        report = retention.analyse(queries.retention_pairs(s), later)
    assert report.overall.continuation == retention.Rate(1.0, 1)


def test_completing_on_or_after_the_mark(engine, accounts, pair):
    services.decide(
        engine, actor=accounts["leader"], decision="complete", today=TODAY, match_id=pair["match"]
    )
    assert match_row(engine, pair["match"]) == {
        "status": "completed",
        "decided_on": TODAY,
        "ended_on": TODAY,
        "end_reason": "completed_year",
        "end_note": "",
    }
    assert live_links(engine, pair["match"]) == 0


@pytest.mark.parametrize(
    ("decision", "on", "message"),
    [
        ("complete", PAIR_MARK - timedelta(days=1), "A pair completes on or after its one-year mark"),
        ("continue", PAIR_MARK - timedelta(days=31), "A pair can decide to continue from"),
    ],
)
def test_the_one_year_rules_refuse_early_decisions_and_audit_them(
    engine, accounts, pair, decision, on, message
):
    with pytest.raises(Refused, match=message):
        services.decide(
            engine, actor=accounts["leader"], decision=decision, today=TODAY, match_id=pair["match"], on=on
        )
    assert match_row(engine, pair["match"])["status"] == "active"
    [event] = audit_rows(engine)
    assert (event["outcome"], event["action"], event["summary"].startswith(message)) == (
        "refused",
        "pair.decide",
        True,
    )


def test_the_committee_cannot_decide_and_the_attempt_is_audited(engine, accounts, pair):
    with pytest.raises(PermissionDenied, match="Only the program leader can make this change."):
        services.decide(
            engine,
            actor=accounts["committee"],
            decision="end",
            today=TODAY,
            match_id=pair["match"],
            reason="moved",
        )
    assert match_row(engine, pair["match"])["status"] == "active"
    assert live_links(engine, pair["match"]) == 1
    assert audit_rows(engine) == [
        {
            "actor": "committee@program.example.org",
            "action": "pair.decide",
            "entity_id": pair["match"],
            "outcome": "refused",
            "summary": "refused: committee role",
        }
    ]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"decision": "end"}, "Ending a pair needs a reason."),
        ({"decision": "end", "reason": "other"}, "Ending a pair for another reason needs a note"),
        (
            {"decision": "end", "reason": "completed_year"},
            "A pair that finished its year is completed, not ended.",
        ),
        ({"decision": "continue", "reason": "moved"}, "A reason goes only with ending a pair."),
        ({"decision": "end", "reason": "moved", "on": TODAY + timedelta(days=1)}, "not in the future"),
        ({"decision": "end", "reason": "moved", "on": date(2020, 1, 1)}, "before the pair was confirmed"),
        ({"decision": "pause"}, "The decision must be continue, complete or end."),
    ],
)
def test_unusable_decisions_say_why_and_change_nothing(engine, accounts, pair, fields, message):
    with pytest.raises(UnusableInput, match=message):
        services.decide(engine, actor=accounts["leader"], today=TODAY, match_id=pair["match"], **fields)
    assert match_row(engine, pair["match"])["status"] == "active"
    assert live_links(engine, pair["match"]) == 1


def test_a_closed_pair_cannot_be_decided_again(engine, accounts, pair):
    leader = accounts["leader"]
    services.decide(engine, actor=leader, decision="end", today=TODAY, match_id=pair["match"], reason="moved")
    with pytest.raises(Refused, match="There is no open pair between that mentor and that mentee."):
        services.decide(
            engine, actor=leader, decision="end", today=TODAY, match_id=pair["match"], reason="moved"
        )


# The command line
def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def pair_args(store_url: str) -> list[str]:
    return ["--db", store_url, "--mentor", "ADA@clinic.example.org ", "--mentee", "bo@school.example.edu"]


def test_cli_decide_end_with_a_reason(capsys, engine, store_url, accounts, pair):
    code, out, err = run(
        capsys,
        "decide",
        *pair_args(store_url),
        "--decision",
        "end",
        "--reason",
        "Left the pre-med path",
        "--on",
        (TODAY - timedelta(days=1)).isoformat(),
        "--as",
        "leader@program.example.org",
    )
    assert (code, out, err) == (
        0,
        "Recorded: the pair ended; its mentor's place is free and its check-in link is closed.\n",
        "",
    )
    assert match_row(engine, pair["match"])["end_reason"] == "left_premed"


def test_cli_decide_refusals_are_one_sentence(capsys, store_url, accounts, pair):
    args = pair_args(store_url)
    committee = ["--as", "committee@program.example.org"]
    leader = ["--as", "leader@program.example.org"]
    assert run(capsys, "decide", *args, "--decision", "end", "--reason", "moved", *committee) == (
        1,
        "",
        "Only the program leader can make this change.\n",
    )
    assert run(capsys, "decide", *args, "--decision", "end", "--reason", "schedule", *leader)[::2] == (
        2,
        "The reason must be one of schedules, moved, mismatch, matriculated, left_premed, unresponsive, "
        "other (other with a note: 'other: ...').\n",
    )
    assert run(capsys, "decide", *args, "--decision", "end", "--reason", "other", *leader)[::2] == (
        2,
        "Say why in a note: --reason 'other: <what happened>'.\n",
    )
    assert run(capsys, "decide", *args, "--decision", "end", "--on", "25/11/2026", *leader)[::2] == (
        2,
        "--on must be a date like 2026-03-05.\n",
    )
    other = ["--db", store_url, "--mentor", "ada@clinic.example.org", "--mentee", "cy@school.example.edu"]
    assert run(capsys, "decide", *other, "--decision", "continue", *leader)[::2] == (
        1,
        "There is no open pair between that mentor and that mentee.\n",
    )


def test_cli_retention_json_is_exactly_the_contract(capsys, engine, store_url):
    from .conftest import TODAY, load_demo

    load_demo(engine, today=TODAY)
    code, out, err = run(capsys, "retention", "--db", store_url, "--json")
    assert (code, err) == (0, "")
    payload = json.loads(out)
    assert list(payload) == [
        "pairs",
        "one_year_completion_rate",
        "continuation_rate",
        "median_months",
        "survival",
        "by_cohort",
    ]
    with db.read_session(engine) as s:
        report = retention.analyse(queries.retention_pairs(s), TODAY)
    assert payload == report.to_json()
    assert payload["survival"][0] == {"month": 0, "survival": 1.0}
    assert all(list(row) == ["cohort", "pairs", "one_year_completion_rate"] for row in payload["by_cohort"])
    assert sum(row["pairs"] for row in payload["by_cohort"]) == payload["pairs"]


def test_cli_retention_text(capsys, engine, store_url, pair):
    code, out, _ = run(capsys, "retention", "--db", store_url)
    assert code == 0
    assert out.splitlines()[:4] == [
        "Pairs                 1 ever confirmed",
        "One-year completion   100% of 1 pair confirmed at least a year ago",
        "Continuation          0% of 1 pair that reached a year",
        "Median duration       not reached over 1 pair",
    ]
    assert out.splitlines()[-1] == "One-year decisions due: 1"


def test_a_decision_names_the_pair_by_both_emails(engine, accounts, pair):
    with db.write_session(engine) as s:
        s.add(make_mentor("eve", capacity=1))
    with pytest.raises(Refused, match="There is no open pair between that mentor and that mentee."):
        services.decide(
            engine,
            actor=accounts["leader"],
            decision="continue",
            today=TODAY,
            emails=("eve@clinic.example.org", "bo@school.example.edu"),
        )
    assert match_row(engine, pair["match"])["status"] == "active"
    services.decide(
        engine,
        actor=accounts["leader"],
        decision="continue",
        today=TODAY,
        emails=(" Ada@Clinic.example.org", "bo@school.example.edu"),
    )
    assert match_row(engine, pair["match"])["status"] == "continued"


# The same on PostgreSQL
@pytest.mark.postgres
def test_retention_and_decide_on_postgres(pg_url, engine):
    from .conftest import load_demo

    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    load_demo(pg, seed=21, today=TODAY)
    load_demo(engine, seed=21, today=TODAY)
    with db.read_session(pg) as a, db.read_session(engine) as b:
        on_pg = queries.retention_data(a, TODAY)
        on_sqlite = queries.retention_data(b, TODAY)
    assert on_pg.report.to_json() == on_sqlite.report.to_json()
    assert on_pg.report.end_reasons.equals(on_sqlite.report.end_reasons)

    with db.write_session(pg) as s:
        mentor = make_mentor("pgada", capacity=1)
        mentee, waiting = make_mentee("pgbo"), make_mentee("pgcy")
        s.add_all([mentor, mentee, waiting])
        s.flush()
        match = make_match(mentor.id, mentee.id, confirmed_on=CONFIRMED)
        s.add(match)
        s.flush()
        ids = {"match": match.id, "mentor": mentor.id, "waiting": waiting.id}
    with pytest.raises(sa.exc.DBAPIError, match="capacity"):  # the mentor's one place is taken
        with db.write_session(pg) as s:
            s.add(make_match(ids["mentor"], ids["waiting"], confirmed_on=TODAY))
    operator = Actor.operator()
    services.decide(pg, actor=operator, decision="complete", today=TODAY, match_id=ids["match"])
    with db.write_session(pg) as s:  # and now it is free
        s.add(make_match(ids["mentor"], ids["waiting"], confirmed_on=TODAY))
    pg.dispose()
