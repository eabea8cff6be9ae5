"""Benchmark: retention figures at program scale, through the CLI and the page's own read.

    .venv/bin/python benchmarks/retention.py [--mentors 5000] [--mentees 10000]

Builds a demo store, then prints wall times for `retention --json` (process start included) and for
`queries.retention_data` (what the Retention page reads and computes on every run).
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date

from common import best_of, demo_store, program_size, run_cli

from mentorship import db, queries


def main() -> None:
    args = program_size(argparse.ArgumentParser()).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
        engine = db.make_engine(url)

        def read_page() -> None:
            with db.read_session(engine) as session:
                queries.retention_data(session, date.today())

        page_seconds = best_of(3, read_page)
        with db.read_session(engine) as session:
            pairs = queries.retention_data(session, date.today()).report.overall.pairs
        print(f"store: {args.mentors} mentors, {args.mentees} mentees, {pairs} pairs")
        print(f"queries.retention_data (the page's read and every figure): best {page_seconds:.2f} s of 3")
        best = best_of(3, lambda: run_cli("retention", "--db", url, "--json"))
        print(f"retention --json: best {best:.2f} s of 3 (process start included)")
        engine.dispose()


if __name__ == "__main__":
    main()
