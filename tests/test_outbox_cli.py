"""`python -m mentorship outbox ...`: exit statuses, one JSON object, and two runs at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from mentorship import db
from mentorship.cli import main
from mentorship.models import OutboxMessage

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, ROOT, _upgraded, add_accounts
from .outbox_store import three_pairs


def run(capsys, monkeypatch, environ: dict[str, str], *argv: str) -> tuple[int, str, str]:
    for name in ("HOST", "PORT", "SECURITY", "USER", "PASSWORD"):
        monkeypatch.delenv(f"MENTORSHIP_SMTP_{name}", raising=False)
    monkeypatch.delenv("MENTORSHIP_MAIL_FROM", raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def outbox_rows(engine) -> list[tuple[str, str]]:
    with db.read_session(engine) as session:
        return [(r.kind, r.status.value) for r in session.execute(sa.select(OutboxMessage)).scalars()]


def test_without_a_mail_account_nothing_is_planned_or_sent(capsys, monkeypatch, engine, store_url, accounts):
    three_pairs(engine)
    main(["outbox", "enable", "invitation", "--db", store_url, "--as", LEADER_EMAIL])
    capsys.readouterr()
    code, out, err = run(capsys, monkeypatch, {}, "outbox", "run", "--db", store_url, "--json")
    assert (code, out) == (2, "")
    assert err.strip() == (
        "MENTORSHIP_SMTP_HOST is not set: no mail account is configured, so nothing is sent "
        "(the dashboard's email drafts still work)."
    )
    assert outbox_rows(engine) == []


def test_unusable_settings_exit_2_naming_the_setting(capsys, monkeypatch, store_url, engine, mail_server):
    environ = mail_server.environ(
        MENTORSHIP_SMTP_PORT="twenty-five", MENTORSHIP_SMTP_PASSWORD="hunter2-secret"
    )
    code, out, err = run(capsys, monkeypatch, environ, "outbox", "send", "--db", store_url)
    assert code == 2
    assert err.strip() == "MENTORSHIP_SMTP_PORT must be a port number from 1 to 65535."
    assert "hunter2" not in out + err


def test_enable_and_disable_take_the_leader_and_refuse_anyone_else(
    capsys, monkeypatch, store_url, engine, accounts
):
    code, out, _ = run(
        capsys,
        monkeypatch,
        {},
        "outbox",
        "enable",
        "invitation",
        "--every",
        "21",
        "--db",
        store_url,
        "--as",
        LEADER_EMAIL,
    )
    assert (code, out) == (0, "Invitation messages are on, every 21 days.\n")
    code, _, err = run(
        capsys, monkeypatch, {}, "outbox", "disable", "invitation", "--db", store_url, "--as", COMMITTEE_EMAIL
    )
    assert (code, err) == (1, "Only the program leader can make this change.\n")
    code, _, err = run(
        capsys,
        monkeypatch,
        {},
        "outbox",
        "enable",
        "nudge",
        "--every",
        "0",
        "--db",
        store_url,
        "--as",
        LEADER_EMAIL,
    )
    assert (code, err) == (2, "The rhythm must be a whole number of days from 1 to 365.\n")
    code, out, _ = run(
        capsys, monkeypatch, {}, "outbox", "disable", "invitation", "--db", store_url, "--as", LEADER_EMAIL
    )
    assert (code, out) == (0, "Invitation messages are off.\n")


def test_run_json_prints_one_object_with_what_was_queued_and_sent(
    capsys, monkeypatch, store_url, engine, accounts, mail_server
):
    three_pairs(engine)
    main(["outbox", "enable", "invitation", "--db", store_url, "--as", LEADER_EMAIL])
    capsys.readouterr()
    code, out, err = run(
        capsys, monkeypatch, mail_server.environ(), "outbox", "run", "--db", store_url, "--json"
    )
    assert code == 0, err
    assert json.loads(out) == {
        "queued": {"invitation": 6},
        "skipped": {},
        "sent": 6,
        "failed": 0,
        "deferred": 0,
    }
    code, out, _ = run(
        capsys, monkeypatch, mail_server.environ(), "outbox", "plan", "--db", store_url, "--json"
    )
    assert json.loads(out) == {"queued": {}, "skipped": {"not_due": 3}}
    code, out, _ = run(
        capsys, monkeypatch, mail_server.environ(), "outbox", "send", "--db", store_url, "--now"
    )
    assert (code, out) == (0, "Sent 0, failed 0, deferred 0.\n")


@pytest.mark.parametrize(
    "each_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_two_runs_at_once_send_every_message_exactly_once(each_url, mail_server):
    engine = next(_upgraded(each_url))
    add_accounts(engine)
    three_pairs(engine)
    engine.dispose()
    environ = {**os.environ, **mail_server.environ(), "MENTORSHIP_DATABASE_URL": each_url}
    subprocess.run(
        [sys.executable, "-m", "mentorship", "outbox", "enable", "invitation", "--as", LEADER_EMAIL],
        cwd=ROOT,
        env=environ,
        check=True,
        capture_output=True,
    )
    command = [sys.executable, "-m", "mentorship", "outbox", "run", "--json"]
    runs = [
        subprocess.Popen(command, cwd=ROOT, env=environ, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in runs]
    assert [p.returncode for p in runs] == [0, 0]
    assert sum(r["queued"].get("invitation", 0) for r in results) == 6
    assert sum(r["sent"] for r in results) == 6
    assert len(mail_server.received) == 6
    assert len({tuple(r.recipients) for r in mail_server.received}) == 6
