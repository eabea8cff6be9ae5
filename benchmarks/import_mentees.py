"""Benchmark: importing 10,000 mentee registrations end to end (target: under 5 s).

    .venv/bin/python benchmarks/import_mentees.py [--mentees 10000]

Writes a realistic form export (the demo generator's students, in the template's columns, as a Google Forms
export with its Timestamp column) and times the real CLI as a person or a scheduled job runs it: process
start, decoding, validation of every row, the plan and the one write transaction. Also times the dry run
and a second import of the same file (every row unchanged).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import tempfile
from datetime import date
from pathlib import Path

from common import run_cli

from mentorship import demo, intake


def mentee_file(n: int) -> bytes:
    data = demo.generate(mentors=1, mentees=n, seed=11, today=date.today(), fresh=True)
    out = io.StringIO()
    columns = ["Timestamp", *(c for c in intake.TEMPLATES["mentees"] if c != "registered_on")]
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for mentee in data.mentees:
        stamp = mentee["registered_on"].strftime("%-m/%-d/%Y 19:04:12")
        writer.writerow(
            {**mentee, "Timestamp": stamp, "first_generation": "Yes" if mentee["first_generation"] else "No"}
        )
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentees", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mentees.csv"
        path.write_bytes(mentee_file(args.mentees))
        db = f"sqlite:///{tmp}/bench.db"
        run_cli("init", "--db", db)
        size = path.stat().st_size / 1e6
        for label, extra in (
            ("import --dry-run", ["--dry-run"]),
            ("import", []),
            ("import (same file again)", []),
        ):
            seconds, out = run_cli("import", "mentees", str(path), "--db", db, "--json", *extra)
            report = json.loads(out)
            counts = ", ".join(f"{report[k]} {k}" for k in ("created", "updated", "unchanged"))
            print(f"{label} of {args.mentees:,} mentees ({size:.1f} MB): {seconds:.2f} s  ({counts})")


if __name__ == "__main__":
    main()
