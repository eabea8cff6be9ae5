"""Benchmark: cadence at program scale — the `cadence --json` command, the Cadence page's read, a check-in.

    .venv/bin/python benchmarks/cadence.py [--mentors 5000] [--mentees 10000]

Builds a demo store with the real CLI, then prints wall times: the CLI in a subprocess (what a scheduled job
runs), `queries.cadence_view` in process (everything the Cadence page reads and computes, the status mix
over the program's life included), and one check-in report through the service.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorship import db, queries, services  # noqa: E402
from mentorship.auth import Actor  # noqa: E402


def best_of(runs: int, work) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--mentees", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        cli = [sys.executable, "-m", "mentorship"]
        subprocess.run(
            [*cli, "demo", "--db", url, "--mentors", str(args.mentors), "--mentees", str(args.mentees)],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        engine = db.make_engine(url)
        today = date.today()
        with db.read_session(engine) as session:
            view = queries.cadence_view(session, today, "leader")
        months = view.status_mix["as_of"].nunique()
        meetings = int(view.meetings_per_month["meetings"].sum())
        print(
            f"store: {args.mentors} mentors, {args.mentees} mentees, {len(view.pairs)} open pairs, "
            f"{meetings} meetings, {months} points in the status mix"
        )

        def run_cli() -> None:
            subprocess.run(
                [*cli, "cadence", "--db", url, "--json"], cwd=ROOT, check=True, capture_output=True
            )

        print(f"cadence --json: best {best_of(3, run_cli):.2f} s of 3 (process start included)")

        def read_page() -> None:
            with db.read_session(engine) as session:
                queries.cadence_view(session, today, "leader")

        print(f"cadence_view (the page's read, leader): best {best_of(3, read_page):.2f} s of 3")

        match_id = int(view.pairs["match_id"].iloc[0])
        token = services.issue_checkin_link(engine, actor=Actor.operator(), match_id=match_id)
        day = iter(range(1, 10))

        def check_in() -> None:
            services.submit_checkin(
                engine, token=token, met_on=today - timedelta(days=next(day)), format="phone", today=today
            )

        print(f"one check-in report: best {best_of(3, check_in) * 1000:.0f} ms of 3")


if __name__ == "__main__":
    main()
