"""Benchmark: retention figures at program scale, through the CLI and the page's own read.

    .venv/bin/python benchmarks/retention.py [--mentors 5000] [--mentees 10000]

Builds a demo store, then prints wall times for `retention --json` (process start included) and for
`queries.retention_data` (what the Retention page reads and computes on every run).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentorship import db, queries  # noqa: E402


def cli(*argv: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mentorship", *argv], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--mentees", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        cli("demo", "--db", url, "--mentors", str(args.mentors), "--mentees", str(args.mentees))
        engine = db.make_engine(url)
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            with db.read_session(engine) as session:
                data = queries.retention_data(session, date.today())
            runs.append(time.perf_counter() - start)
        pairs = data.report.overall.pairs
        print(f"store: {args.mentors} mentors, {args.mentees} mentees, {pairs} pairs")
        print(f"queries.retention_data (the page's read and every figure): best {min(runs):.2f} s of 3")
        best = min(cli("retention", "--db", url, "--json") for _ in range(3))
        print(f"retention --json: best {best:.2f} s of 3 (process start included)")
        engine.dispose()


if __name__ == "__main__":
    main()
