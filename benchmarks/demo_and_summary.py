"""Benchmark: the demo generator at program scale and `summary` on the result.

    .venv/bin/python benchmarks/demo_and_summary.py [--mentors 5000] [--mentees 10000]

Runs the real CLI in subprocesses (what a person or a scheduled job runs) and prints wall times.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from common import best_of, demo_store, program_size, run_cli


def main() -> None:
    args = program_size(argparse.ArgumentParser()).parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        url, loaded = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
        print(
            f"demo --mentors {args.mentors} --mentees {args.mentees}: "
            f"{time.perf_counter() - start:.2f} s  ({loaded})"
        )
        seconds = best_of(3, lambda: run_cli("summary", "--db", url, "--json"))
        print(f"summary --json: best {seconds:.2f} s of 3 (process start included)")
        print(f"store size: {Path(tmp, 'bench.db').stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
