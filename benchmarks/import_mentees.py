"""Benchmark: importing 10,000 mentee registrations end to end (target: under 5 s).

    .venv/bin/python benchmarks/import_mentees.py [--mentees 10000]

Writes a realistic form export (the demo generator's students, in the template's columns) and times the
import as a person runs it: decoding, validation of every row, the plan and the one write transaction.
Also times the dry run and a second import of the same file (every row unchanged).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorship import db, demo, intake, services  # noqa: E402


def mentee_file(n: int) -> bytes:
    data = demo.generate(mentors=1, mentees=n, seed=11, today=date.today(), fresh=True)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=intake.TEMPLATES["mentees"], extrasaction="ignore")
    writer.writeheader()
    for mentee in data.mentees:
        writer.writerow({**mentee, "first_generation": "yes" if mentee["first_generation"] else "no"})
    return out.getvalue().encode("utf-8")


def timed(engine, data: bytes, *, dry_run: bool = False) -> tuple[float, dict]:
    start = time.perf_counter()
    plan = services.import_registrations(
        engine, actor="benchmark", kind="mentees", data=data, dry_run=dry_run
    )
    return time.perf_counter() - start, plan.report()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentees", type=int, default=10_000)
    args = parser.parse_args()
    data = mentee_file(args.mentees)
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{tmp}/bench.db")
        db.upgrade(engine)
        for label, dry_run in (("dry run", True), ("import", False), ("same file again", False)):
            seconds, report = timed(engine, data, dry_run=dry_run)
            counts = ", ".join(f"{report[k]} {k}" for k in ("created", "updated", "unchanged"))
            print(
                f"{label} of {args.mentees:,} mentees ({len(data) / 1e6:.1f} MB): {seconds:.2f} s  ({counts})"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
