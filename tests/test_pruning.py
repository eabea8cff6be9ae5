"""Personal data past its retention is pruned: check-in reports after 180 days, ended sessions after 30."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from mentorship import db, pruning, services
from mentorship.cli import main
from mentorship.errors import PermissionDenied
from mentorship.models import (
    AuditEvent,
    CheckinSubmission,
    Concern,
    LoginSession,
    Meeting,
    SignInDevice,
    utcnow,
)

from .cadence_store import add_pair, days_ago

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@pytest.fixture
def kept_long(engine, accounts):
    """A pair with check-in reports and concerns of every age, and sign-in sessions and devices."""
    pair = add_pair(engine, "hodan", confirmed_on=days_ago(400), met_on=(days_ago(300), days_ago(10)))
    leader = accounts["leader"].id
    services.issue_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=utcnow())
    with db.write_session(engine) as session:
        link = session.execute(sa.text("SELECT id FROM checkin_links")).scalar_one()
        session.add_all(CheckinSubmission(link_id=link, at=ago(d)) for d in (400, 181, 179, 1))
        session.add_all(
            [
                Concern(match_id=pair, raised_on=ago(300).date(), note="old words", resolved_at=ago(200)),
                Concern(match_id=pair, raised_on=ago(100).date(), note="recent words", resolved_at=ago(90)),
                Concern(match_id=pair, raised_on=ago(300).date(), note="still open"),
            ]
        )
        session.add_all(
            [
                LoginSession(user_id=leader, token_hash="a" * 64, last_seen_at=ago(40), ended_at=ago(31)),
                LoginSession(user_id=leader, token_hash="b" * 64, last_seen_at=ago(29), ended_at=ago(29)),
                LoginSession(user_id=leader, token_hash="c" * 64, last_seen_at=ago(45)),  # timed out
                LoginSession(user_id=leader, token_hash="d" * 64, last_seen_at=NOW),  # live
                SignInDevice(user_id=leader, token_hash="e" * 64, last_used_at=ago(181)),
                SignInDevice(user_id=leader, token_hash="f" * 64, last_used_at=ago(10)),
            ]
        )
    return pair


def left(engine):
    with db.read_session(engine) as session:
        return {
            "submissions": sorted(
                (NOW - at).days for at in session.execute(sa.select(CheckinSubmission.at)).scalars()
            ),
            "notes": sorted(session.execute(sa.select(Concern.note)).scalars()),
            "sessions": sorted(session.execute(sa.select(LoginSession.token_hash)).scalars()),
            "devices": sorted(session.execute(sa.select(SignInDevice.token_hash)).scalars()),
            "meetings": session.execute(sa.select(sa.func.count(Meeting.id))).scalar_one(),
        }


def test_prune_removes_only_what_is_past_its_retention_and_audits_counts(engine, accounts, kept_long):
    meetings = left(engine)["meetings"]
    pruned = pruning.prune(engine, actor=accounts["leader"], now=NOW)
    assert pruned.to_dict() == {
        "checkin_submissions": 2,
        "concern_notes": 1,
        "sign_in_sessions": 2,
        "sign_in_devices": 1,
        "client_addresses": 0,
    }
    assert left(engine) == {
        "submissions": [1, 179],
        "notes": ["", "recent words", "still open"],
        "sessions": ["b" * 64, "d" * 64],
        "devices": ["f" * 64],
        "meetings": meetings,  # the cadence history stays
    }
    with db.read_session(engine) as session:
        event = session.execute(
            sa.select(AuditEvent.actor, AuditEvent.summary).where(AuditEvent.action == "store.prune")
        ).one()
    assert tuple(event) == (
        accounts["leader"].email,
        "checkin submissions: 2, concern notes: 1, sign in sessions: 2, sign in devices: 1, "
        "client addresses: 0",
    )
    assert pruning.prune(engine, actor=accounts["leader"], now=NOW).to_dict() == dict.fromkeys(
        pruned.to_dict(), 0
    )


def test_a_committee_account_cannot_prune(engine, accounts, kept_long):
    before = left(engine)
    with pytest.raises(PermissionDenied):
        pruning.prune(engine, actor=accounts["committee"], now=NOW)
    assert left(engine) == before


def test_the_prune_command_for_a_cron_line(capsys, engine, store_url, accounts):
    with db.write_session(engine) as session:
        session.add(
            LoginSession(
                user_id=accounts["leader"].id,
                token_hash="a" * 64,
                last_seen_at=datetime(2025, 1, 1, tzinfo=UTC),
                ended_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )
    assert main(["prune", "--json", "--db", store_url]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert json.loads(out) == {
        "checkin_submissions": 0,
        "concern_notes": 0,
        "sign_in_sessions": 1,
        "sign_in_devices": 0,
        "client_addresses": 0,
    }
    assert main(["prune", "--db", store_url]) == 0
    assert capsys.readouterr().out == (
        "Pruned: 0 checkin submissions, 0 concern notes, 0 sign in sessions, 0 sign in devices, "
        "0 client addresses.\n"
    )
