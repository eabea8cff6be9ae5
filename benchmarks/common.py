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


def page_runs(
    script: str, url: str, runs: int, email: str, change: Callable[[object, int], None]
) -> tuple[float, float, float]:
    """A page's script (`pages/...`) run in AppTest as `email` on the store at `url`: (the first, with the
    imports; the median of `runs` after one `change(engine, step)` each; the median of `runs` warm reruns),
    server CPU seconds (`time.process_time`)."""
    import os
    import statistics

    from streamlit.testing.v1 import AppTest

    from mentorship import db
    from mentorship.ui import kept

    os.environ["MENTORSHIP_DATABASE_URL"] = url
    kept.forget_everything()
    engine = db.make_engine(url)
    at = AppTest.from_file(str(ROOT / script), default_timeout=300)
    at.user = {"is_logged_in": True, "email": email}

    def timed() -> float:
        start = time.process_time()
        at.run()
        assert not at.exception, at.exception
        return time.process_time() - start

    first = timed()
    changed = []
    for step in range(runs):
        change(engine, step)
        changed.append(timed())
    warm = [timed() for _ in range(runs)]
    engine.dispose()
    return first, statistics.median(changed), statistics.median(warm)
