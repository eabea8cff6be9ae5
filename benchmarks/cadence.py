"""Benchmark: cadence at program scale — the `cadence --json` command, the Cadence page's read, a check-in.

    .venv/bin/python benchmarks/cadence.py [--mentors 5000] [--mentees 10000]

Builds a demo store with the real CLI, then prints wall times: the CLI in a subprocess (what a scheduled job
runs), `queries.cadence_view` in process (everything the Cadence page reads and computes, the status mix
over the program's life included), and one check-in report through the service.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, timedelta

from common import best_of, demo_store, program_size, run_cli

from mentorship import clock, db, queries, services
from mentorship.auth import Actor


def main() -> None:
    args = program_size(argparse.ArgumentParser()).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
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

        seconds = best_of(3, lambda: run_cli("cadence", "--db", url, "--json"))
        print(f"cadence --json: best {seconds:.2f} s of 3 (process start included)")

        def read_page() -> None:
            with db.read_session(engine) as session:
                queries.cadence_view(session, today, "leader")

        print(f"cadence_view (the page's read, leader): best {best_of(3, read_page):.2f} s of 3")

        match_id = int(view.pairs["match_id"].iloc[0])
        token = services.issue_checkin_link(
            engine, actor=Actor.operator(), match_id=match_id, now=clock.now()
        )
        day = iter(range(1, 10))

        def check_in() -> None:
            services.submit_checkin(
                engine,
                token=token,
                met_on=today - timedelta(days=next(day)),
                format="phone",
                today=today,
                now=clock.now(),
            )

        print(f"one check-in report: best {best_of(3, check_in) * 1000:.0f} ms of 3")


if __name__ == "__main__":
    main()
