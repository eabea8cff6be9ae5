"""Benchmark: the outbox at program scale.

    .venv/bin/python benchmarks/outbox.py [--pairs 2000] [--rows 50000] [--runs 5]

1. A store with `--pairs` open pairs (every one due an invitation), a leader account, invitations on and the
   per-minute cap raised to 10,000. An SMTP server that accepts and discards (`python -m aiosmtpd`, Sink
   handler) runs in a process of its own on a free localhost port.
2. `outbox plan --json` and `outbox send --json` through the real CLI (process start included): one
   invitation per pair queued (check-in links issued), then sent over one connection.
   Baseline: the same number of equal messages sent by a bare smtplib loop over one connection, with no
   store at all — the floor any sender pays for the SMTP conversation itself.
3. The Messages page with `--rows` outbox rows in the store (the sent invitations plus older sent ones), in
   AppTest as the leader: the first run and the median of `--runs` warm reruns. Target: under 0.25 s warm.
"""

from __future__ import annotations

import argparse
import json
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

from common import ROOT, run_cli

LEADER = "leader@program.example.org"


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_store(url: str, pairs: int) -> None:
    import sqlalchemy as sa

    from mentorship import db
    from mentorship.auth import Actor
    from mentorship.models import Match, Mentee, Mentor, Role, User
    from mentorship.outbox import actions

    engine = db.make_engine(url)
    db.upgrade(engine)
    today = date.today()
    with db.write_session(engine) as session:
        person = {
            "last_name": "Bench",
            "meeting_formats": "virtual",
            "registered_on": today - timedelta(days=400),
        }
        session.execute(
            sa.insert(Mentor),
            [
                {
                    **person,
                    "first_name": f"Doc{i}",
                    "email": f"doc{i}@clinic.example.org",
                    "capacity": 1,
                    "attests_values": True,
                    "identifies_bipoc": "yes",
                    "status": "active",
                }
                for i in range(pairs)
            ],
        )
        session.execute(
            sa.insert(Mentee),
            [
                {
                    **person,
                    "first_name": f"Kid{i}",
                    "email": f"kid{i}@school.example.edu",
                    "identifies_bipoc": "yes",
                    "status": "active",
                    "bipoc_mentor_preference": "none",
                }
                for i in range(pairs)
            ],
        )
        session.execute(
            sa.insert(Match),
            [
                {
                    "mentor_id": i + 1,
                    "mentee_id": i + 1,
                    "status": "active",
                    "source": "hand",
                    "confirmed_on": today - timedelta(days=100 + i % 200),
                    "reasons": "[]",
                    "confirmed_at": datetime.now(UTC),
                    "updated_at": datetime.now(UTC),
                }
                for i in range(pairs)
            ],
        )
        session.add(User(email=LEADER, role=Role.leader))
    leader = Actor(email=LEADER, role=Role.leader, id=1)
    actions.set_kind(engine, actor=leader, kind="invitation", on=True, today=today)
    actions.set_sending(engine, actor=leader, per_minute=10_000, leader_name="Bench", program_contact="")
    engine.dispose()


def add_old_rows(url: str, rows: int) -> None:
    import sqlalchemy as sa

    from mentorship import db
    from mentorship.models import OutboxMessage

    engine = db.make_engine(url)
    with db.write_session(engine) as session:
        have = session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)).scalar_one()
        at = datetime.now(UTC) - timedelta(days=60)
        missing = max(rows - have, 0)
        if missing:  # (an INSERT of no rows at all is refused)
            session.execute(
                sa.insert(OutboxMessage),
                [
                    {
                        "kind": "invitation",
                        "match_id": 1 + i % 2000,
                        "recipients": f"doc{i}@clinic.example.org, kid{i}@school.example.edu",
                        "subject": "Your monthly mentorship check-in",
                        "body": "Hi Doc and Kid,\n\n" + "x" * 600,
                        "headers": "{}",
                        "dedupe_key": f"old:{i}",
                        "message_id": f"<{uuid.uuid4().hex}@bench>",
                        "status": "sent",
                        "attempts": 1,
                        "last_error": "",
                        "next_attempt_at": at,
                        "claimed_by": "",
                        "created_at": at,
                        "sent_at": at,
                    }
                    for i in range(missing)
                ],
            )
    engine.dispose()


def bare_smtplib(port: int, count: int) -> float:
    messages = []
    for i in range(count):
        email = EmailMessage()
        email["From"], email["To"] = (
            "mentorship@program.example.org",
            f"doc{i}@clinic.example.org, kid{i}@school.example.edu",
        )
        email["Subject"], email["Message-ID"] = (
            "Your monthly mentorship check-in",
            f"<{uuid.uuid4().hex}@bench>",
        )
        email.set_content("Hi Doc and Kid,\n\n" + "x" * 600)
        messages.append(email)
    start = time.perf_counter()
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for email in messages:
            connection.send_message(email)
    return time.perf_counter() - start


def page_runs(url: str, runs: int) -> tuple[float, float]:
    from streamlit.testing.v1 import AppTest

    from mentorship.ui import kept

    os.environ["MENTORSHIP_DATABASE_URL"] = url
    kept.forget_everything()
    at = AppTest.from_file(str(ROOT / "pages" / "7_Messages.py"), default_timeout=120)
    at.user = {"is_logged_in": True, "email": LEADER}
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    at.run()  # warm-up
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - start)
    caption = next(c.value for c in at.caption if "messages" in c.value)
    print(f"  page shows: {caption}")
    return first, statistics.median(warm)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.environ.update(
        MENTORSHIP_SMTP_HOST="127.0.0.1",
        MENTORSHIP_SMTP_PORT=str(port),
        MENTORSHIP_SMTP_SECURITY="none",
        MENTORSHIP_MAIL_FROM="mentorship@program.example.org",
    )
    try:
        time.sleep(1.0)
        with tempfile.TemporaryDirectory() as directory:
            url = f"sqlite:///{Path(directory) / 'outbox.db'}"
            build_store(url, args.pairs)
            print(f"Store: {args.pairs:,} open pairs, invitations on, cap 10,000 per minute (SQLite)")
            seconds, _ = run_cli("--help")
            print(f"process start alone (`python -m mentorship --help`): {seconds:.2f} s")
            seconds, out = run_cli("outbox", "plan", "--db", url, "--json")
            print(f"outbox plan --json: {seconds:.2f} s (process start included) -> {json.loads(out)}")
            seconds, out = run_cli("outbox", "send", "--db", url, "--json")
            print(f"outbox send --json: {seconds:.2f} s (process start included) -> {json.loads(out)}")
            bare = bare_smtplib(port, args.pairs)
            print(f"bare smtplib, {args.pairs:,} messages over one connection, no store: {bare:.2f} s")
            seconds, _ = run_cli("outbox", "send", "--db", url, "--json")
            print(f"outbox send with nothing due: {seconds:.2f} s (process start included)")
            add_old_rows(url, args.rows)
            first, warm = page_runs(url, args.runs)
            print(
                f"Messages page, {args.rows:,} outbox rows: first run {first:.3f} s, warm rerun {warm:.3f} s"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
