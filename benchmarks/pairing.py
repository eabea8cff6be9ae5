"""Benchmark: `suggest` end to end (load the store -> explained, proven-optimal suggestions).

    .venv/bin/python benchmarks/pairing.py [--sizes 1000x500 5000x2500 20000x10000] [--runs 5]

Each size gets a fresh demo store (`demo --fresh`: registrations only, the moment before a cohort is
matched). Every measurement runs in its own process, so its peak memory is its own:
- suggest: the time from opening the store to the explained suggestions, the first call in a fresh process
  (cold: imports and caches) and the best of the following calls (what the page sees after each confirm);
- dense: SciPy's exact `linear_sum_assignment` on the same score matrix, expanded to one column per mentor
  place (where that fits in memory), for the time and the objective to compare with.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date

from common import ROOT, demo_store

DENSE_LIMIT = 6_000  # waiting mentees beyond which the dense solver does not fit in memory here


def worker_suggest(url: str, runs: int) -> dict:
    from mentorship import db, queries

    engine = db.make_engine(url)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with db.read_session(engine) as session:
            result = queries.pairing_suggestions(session, date.today())
        times.append(time.perf_counter() - start)
    report = result.report
    return {
        "cold_s": times[0],
        "best_s": min(times[1:] or times),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "waiting": report.waiting_mentees,
        "mentors": report.available_mentors,
        "places": report.places,
        "allowed": report.allowed_pairs,
        "shortlisted": report.shortlisted_pairs,
        "solves": report.solves,
        "proven": report.proven_optimal,
        "placed": len(result.pairs),
        "total": result.total_points,
    }


def worker_dense(url: str) -> dict:
    from mentorship import db, matching, queries
    from mentorship.settings import match_weights

    engine = db.make_engine(url)
    with db.read_session(engine) as session:
        cohort = queries.pairing_cohort(session, date.today())
        weights = match_weights(session)
    start = time.perf_counter()
    scores, _, _, places = matching.score_matrix(cohort, weights)
    scored = time.perf_counter()
    placed, total, _ = matching.dense_optimum(scores, places)
    solved = time.perf_counter()
    return {
        "score_s": scored - start,
        "solve_s": solved - scored,
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "placed": placed,
        "total": total,
    }


def run_worker(*argv: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", *argv], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["1000x500", "5000x2500", "20000x10000"])
    parser.add_argument("--runs", type=int, default=5, help="suggest calls per process (the first is cold)")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        mode, url, *rest = args.worker
        out = worker_suggest(url, int(rest[0])) if mode == "suggest" else worker_dense(url)
        print(json.dumps(out))
        return

    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            mentees, mentors = (int(x) for x in size.split("x"))
            url, _ = demo_store(tmp, mentors=mentors, mentees=mentees, fresh=True, name=f"pairing-{size}.db")
            ours = run_worker("suggest", url, str(args.runs))
            print(
                f"{mentees:,} waiting x {mentors:,} mentors ({ours['mentors']:,} available, "
                f"{ours['places']:,} places, {ours['allowed']:,} allowed pairs): "
                f"suggest {ours['best_s']:.3f} s (cold {ours['cold_s']:.2f} s), "
                f"peak RSS {ours['rss_mb']:.0f} MB; "
                f"placed {ours['placed']:,}, total {ours['total']:.3f} points; "
                f"{ours['solves']} solves on {ours['shortlisted']:,} pairs, proven optimal: {ours['proven']}"
            )
            if ours["waiting"] > DENSE_LIMIT:
                continue
            dense = run_worker("dense", url)
            gap = 0.0 if not dense["total"] else (ours["total"] - dense["total"]) / dense["total"]
            print(
                f"    exact dense SciPy on the same score matrix: {dense['solve_s']:.2f} s "
                f"(+{dense['score_s']:.2f} s to build the matrix), peak RSS {dense['rss_mb']:.0f} MB; "
                f"placed {dense['placed']:,}, total {dense['total']:.3f}; suggest takes "
                f"{ours['best_s'] / dense['solve_s']:.0%} of its time, objective gap {gap:+.4%}"
            )


if __name__ == "__main__":
    main()
