"""Benchmark: the Outcomes page at program scale, every mentee's path recorded.

    .venv/bin/python benchmarks/outcomes.py [--mentors 5000] [--mentees 10000] [--runs 5]

Builds a demo store with the real CLI; when the demo holds no milestones, about 60% of the mentees are given
a path (synthetic, seed 26: the MCAT, then applied, interviewed, accepted, matriculated, reapplying, another
profession or leaving pre-med, each step recorded within a month of its day). Then prints, in server CPU
seconds (`time.process_time`): `queries.outcomes_view` for the leader and the committee (the read and every
figure, best of 3); the page's script run in AppTest as the leader and the committee: the first (imports
included), the first view after one milestone recorded (median of `--runs`), and warm (median of `--runs`
reruns: what every later view costs; target ≤ 0.15 s); and `outcomes --json` in wall seconds with process
start.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time

import sqlalchemy as sa
from common import ROOT, best_of, demo_store, program_size, run_cli

from mentorship import db, milestones, queries, services
from mentorship.models import Mentee, Milestone, Role

LEADER = "leader@program.example.org"  # the demo's leader sign-in
COMMITTEE = "committee@program.example.org"  # the demo's committee sign-in
# (probability of going on to the next step) along applied → interviewed → accepted → matriculated
GOES_ON = {"applied": 0.8, "interviewed": 0.6, "accepted": 0.85}


def record_paths(engine, today: date) -> int:
    """About 60% of the mentees get a path of milestones after their registration. Returns the steps made."""
    rng = random.Random(26)
    with db.read_session(engine) as session:
        mentees = session.execute(sa.select(Mentee.id, Mentee.registered_on)).all()
    rows = []

    def step(mentee_id: int, kind: str, on: date) -> None:
        if on <= today:
            at = datetime.combine(
                min(today, on + timedelta(days=rng.randint(0, 30))), clock_time(12), tzinfo=UTC
            )
            rows.append(
                {
                    "mentee_id": mentee_id,
                    "kind": kind,
                    "happened_on": on,
                    "source": "import",
                    "recorded_at": at,
                }
            )

    for mentee_id, registered_on in mentees:
        if rng.random() > 0.6:
            continue
        on = registered_on + timedelta(days=rng.randint(60, 400))
        if rng.random() < 0.7:
            step(mentee_id, "mcat", on)
        if rng.random() < 0.15:
            step(mentee_id, rng.choice(["other_profession", "left_premed"]), on + timedelta(days=30))
            continue
        on += timedelta(days=rng.randint(60, 300))
        step(mentee_id, "applied", on)
        for kind, nxt in (
            ("applied", "interviewed"),
            ("interviewed", "accepted"),
            ("accepted", "matriculated"),
        ):
            if rng.random() > GOES_ON[kind]:
                if kind != "accepted" and rng.random() < 0.4:
                    step(mentee_id, "reapplying", on + timedelta(days=200))
                break
            on += timedelta(days=rng.randint(30, 120))
            step(mentee_id, nxt, on)
    with db.write_session(engine) as session:
        session.execute(sa.insert(Milestone), rows)
    return len(rows)


def record_one(engine, step: int, now: datetime) -> None:
    """One milestone recorded now (what moves the leader's figures between two views)."""
    with db.write_session(engine) as session:
        mentee_id = session.execute(
            sa.select(Mentee.id).order_by(Mentee.id).offset(step).limit(1)
        ).scalar_one()
        done, _ = milestones.check("left_premed", now.date(), today=now.date())
        services.record_steps(session, mentee_id=mentee_id, steps=[done], source="leader", now=now)


def page_runs(url: str, runs: int, email: str) -> tuple[float, float, float]:
    """The page's script run in AppTest as `email`: (the first, with the imports; the median of `runs`
    after one milestone recorded; the median of `runs` warm reruns), CPU seconds."""
    from streamlit.testing.v1 import AppTest

    from mentorship.ui import kept

    os.environ["MENTORSHIP_DATABASE_URL"] = url
    kept.forget_everything()
    engine = db.make_engine(url)
    at = AppTest.from_file(str(ROOT / "pages/11_Outcomes.py"), default_timeout=300)
    at.user = {"is_logged_in": True, "email": email}

    def timed() -> float:
        start = time.process_time()
        at.run()
        assert not at.exception, at.exception
        return time.process_time() - start

    first = timed()
    changed = []
    for step in range(runs):
        record_one(engine, step + (0 if email == LEADER else runs), datetime.now(UTC))
        changed.append(timed())
    warm = [timed() for _ in range(runs)]
    engine.dispose()
    return first, statistics.median(changed), statistics.median(warm)


def main() -> None:
    parser = program_size(argparse.ArgumentParser())
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
        engine = db.make_engine(url)
        with db.read_session(engine) as session:
            made = session.execute(sa.select(sa.func.count(Milestone.id))).scalar()
        if not made:
            made = record_paths(engine, today)
        print(f"store: {args.mentors} mentors, {args.mentees} mentees, {made} milestones")
        for role in (Role.leader, Role.committee):

            def read(role=role) -> None:
                with db.read_session(engine) as session:
                    queries.outcomes_view(session, today, role)

            cpu = best_of(3, read, time.process_time)
            print(f"queries.outcomes_view as {role.value}: best {cpu:.3f} s CPU of 3")
        for email in (LEADER, COMMITTEE):
            first, changed, warm = page_runs(url, args.runs, email)
            print(
                f"Outcomes page as {email}: first run {first:.3f} s CPU (imports included), after one "
                f"milestone recorded {changed:.3f} s CPU, warm {warm:.3f} s CPU (medians of {args.runs})"
            )
        start = time.perf_counter()
        run_cli("outcomes", "--db", url, "--json")
        print(f"outcomes --json: {time.perf_counter() - start:.2f} s wall (process start included)")
        engine.dispose()


if __name__ == "__main__":
    main()
