"""Benchmark: the year's report at program scale.

    .venv/bin/python benchmarks/report.py [--mentors 5000] [--mentees 10000] [--runs 3]

Builds a demo store with the real CLI (registrations, pairs, meetings, survey answers and milestones, as the
demo makes them), then prints:
- `report --year LAST_YEAR --out FILE.html` and the same for this year, as a person or a job runs it: wall
  and CPU seconds of the whole command (process start, imports, the reads, the ten or so charts drawn as
  SVG by vl-convert, the HTML written), best of `--runs`;
- `services.year_report` in this process (warm: imports done, vl-convert started): wall and CPU seconds
  (`time.process_time`, every thread of the process), best of `--runs`, with the report's size and charts.
The target is 10 s for the command.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

from common import best_of, demo_store, program_size, run_cli

from mentorship import db, services
from mentorship.auth import Actor


def _children_cpu() -> float:
    """CPU seconds (user and system, every thread) of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    parser = program_size(argparse.ArgumentParser())
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", metavar="URL", help="an existing store instead of a new demo store")
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        if args.db:
            url, made = args.db, f"the store at {args.db}"
        else:
            url, made = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
        print(f"store: {made}")
        engine = db.make_engine(url)
        for year in (today.year - 1, today.year):
            out = Path(tmp) / f"report-{year}.html"
            walls, cpus = [], []
            for _ in range(args.runs):
                before = _children_cpu()
                wall, _ = run_cli("report", "--db", url, "--year", str(year), "--out", str(out))
                walls.append(wall)
                cpus.append(_children_cpu() - before)
            html = out.read_text(encoding="utf-8")
            print(
                f"report --year {year}: {min(walls):.2f} s wall, {min(cpus):.2f} s CPU, best of {args.runs} "
                f"(process start included); {len(html.encode()) / 1024:.0f} KiB, {html.count('<svg')} charts"
            )

            def make(year=year) -> None:
                services.year_report(engine, actor=Actor.operator(), year=year, today=today)

            make()  # warm: imports and vl-convert's first start
            wall = best_of(args.runs, make)
            cpu = best_of(args.runs, make, time.process_time)
            print(
                f"services.year_report({year}), warm: {wall:.2f} s wall, {cpu:.2f} s CPU, best of {args.runs}"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
