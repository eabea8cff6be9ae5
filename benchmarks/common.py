"""What the benchmark scripts share: the real CLI in a subprocess, demo stores, best-of timing."""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run_cli(*argv: str) -> tuple[float, str]:
    """`python -m mentorship ARGV` as a person or a scheduled job runs it: (wall seconds, stdout)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "mentorship", *argv], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return time.perf_counter() - start, result.stdout


def best_of(runs: int, work: Callable[[], object], clock: Callable[[], float] = time.perf_counter) -> float:
    """The least time `work` took in `runs` runs, by `clock` (wall time; `time.process_time` for CPU)."""
    times = []
    for _ in range(runs):
        start = clock()
        work()
        times.append(clock() - start)
    return min(times)


def demo_store(
    directory: str | Path, *, mentors: int, mentees: int, fresh: bool = False, name: str = "bench.db"
) -> tuple[str, str]:
    """A new demo store in `directory`: (its URL, what `demo` printed first)."""
    url = f"sqlite:///{Path(directory) / name}"
    _, out = run_cli(
        "demo",
        "--db",
        url,
        "--mentors",
        str(mentors),
        "--mentees",
        str(mentees),
        *(["--fresh"] if fresh else []),
    )
    return url, out.splitlines()[0]


def program_size(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--mentees", type=int, default=10000)
    return parser
