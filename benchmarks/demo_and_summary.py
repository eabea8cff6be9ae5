"""Benchmark: the demo generator at program scale and `summary` on the result.

    .venv/bin/python benchmarks/demo_and_summary.py [--mentors 5000] [--mentees 10000]

Runs the real CLI in subprocesses (what a person or a scheduled job runs) and prints wall times.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(*argv: str) -> tuple[float, str]:
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mentorship", *argv], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return time.perf_counter() - start, result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--mentees", type=int, default=10000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{tmp}/bench.db"
        seconds, out = timed(
            "demo", "--db", db, "--mentors", str(args.mentors), "--mentees", str(args.mentees)
        )
        print(f"demo --mentors {args.mentors} --mentees {args.mentees}: {seconds:.2f} s  ({out})")
        runs = [timed("summary", "--db", db, "--json")[0] for _ in range(3)]
        print(f"summary --json: best {min(runs):.2f} s of 3 (process start included)")
        size = Path(tmp, "bench.db").stat().st_size / 1e6
        print(f"store size: {size:.1f} MB")


if __name__ == "__main__":
    main()
