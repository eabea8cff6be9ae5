"""Benchmark: `suggest` against the strongest exact dense baselines, and the command line's start.

    .venv/bin/python benchmarks/pairing.py [--sizes 5000x2500 20000x10000] [--runs 7]

Each size gets a fresh demo store (`demo --fresh`: registrations only, the moment before a cohort is
matched). Every part runs in its own process, so its peak memory is its own:
- suggest: from opening the read to the explained, proven pairing (`queries.pairing_suggestions`), in
  process. Cold: the first call in a fresh process (imports and caches included). Warm: the later calls,
  with what the process loaded until then kept out of the collector's full passes (`gc.freeze`), as the
  server does after its start (server.py); the dense solves run in the same state.
- the tight dense SciPy solve: `linear_sum_assignment` on the same score matrix in the tight form (one
  column per mentor place, a disallowed pair worth -1, an allowed one big + points), the solve alone.
- the fastest other exact dense solver installed (lapx's Jonker-Volgenant variants, float64), the solve
  alone on the same tight matrix (as costs to minimise).
- the command line as whole processes: `--help`, `summary --json`, `suggest --json`, from compiled
  bytecode as an installed program starts (see `_cli`).
The warm suggest and the dense solves are timed in turn in one process, so that a busy machine slows
them alike; the minimum and the median of the runs are printed, with the load average, and each part's
CPU seconds (the process's, so suggest's two threads both count), which a busy machine disturbs less.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date

from common import ROOT, demo_store, run_cli

DENSE_LIMIT = (
    6_000  # waiting mentees beyond which the dense matrix (float64, one column per place) is too big
)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _stats(times: list[float]) -> dict:
    return {"min": min(times), "median": statistics.median(times)}


def _suggest(engine):
    from mentorship import db, queries

    with db.read_session(engine) as session:
        return queries.pairing_suggestions(session, date.today())


def worker_suggest(url: str, runs: int) -> dict:
    start = time.perf_counter()
    from mentorship import db

    engine = db.make_engine(url)
    result = _suggest(engine)
    cold = time.perf_counter() - start
    gc.freeze()  # as the server does once it has loaded: start-up objects stay out of full collections
    warm = []
    for _ in range(runs):
        start = time.perf_counter()
        result = _suggest(engine)
        warm.append(time.perf_counter() - start)
    report = result.report
    return {
        "cold_s": cold,
        "warm_s": _stats(warm),
        "peak_mb": _peak_mb(),
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


def _lapx_solvers():
    try:
        import lap
    except ImportError:
        return {}
    return {
        name: getattr(lap, name)
        for name in ("lapjvx", "lapjvh", "lapjvr")  # the float64 exact ones; the float32 kernels round `big`
        if hasattr(lap, name)
    }


def worker_dense(url: str, runs: int) -> dict:
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    from mentorship import assignment, db, matching, queries
    from mentorship.settings import match_weights

    engine = db.make_engine(url)
    with db.read_session(engine) as session:
        cohort = queries.pairing_cohort(session, date.today())
        weights = match_weights(session)
    scores, _, _, places = matching.score_matrix(cohort, weights)
    gain, slots, points = assignment.tight_matrix(scores, places)
    cost = np.ascontiguousarray(gain.max() - gain)
    solvers = _lapx_solvers()
    times: dict[str, list[float]] = {"suggest": [], "scipy": [], **{name: [] for name in solvers}}
    cpu: dict[str, list[float]] = {name: [] for name in times}
    answers = {}
    _suggest(engine)
    gc.freeze()  # as in worker_suggest (and the server)

    def timed(name: str, work):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = work()
        times[name].append(time.perf_counter() - start)
        cpu[name].append(time.process_time() - start_cpu)
        return result

    for _ in range(runs):  # in turn, so that the machine's load falls on each alike
        ours = timed("suggest", lambda: _suggest(engine))
        rows, cols = timed("scipy", lambda: linear_sum_assignment(gain, maximize=True))
        answers["scipy"] = assignment.placed_total(gain, slots, points, rows, cols)[:2]
        for name, solve in solvers.items():
            rows, cols = timed(name, lambda solve=solve: solve(cost, extend_cost=True, return_cost=False))
            answers[name] = assignment.placed_total(gain, slots, points, rows, cols)[:2]
    return {
        "shape": list(gain.shape),
        "times": {name: _stats(t) for name, t in times.items()},
        "cpu": {name: _stats(t) for name, t in cpu.items()},
        "answers": {"suggest": (len(ours.pairs), ours.total_points), **answers},
        "peak_mb": _peak_mb(),
    }


def run_worker(*argv: str) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--worker", *argv], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout)


def _load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def _cli(url: str, runs: int) -> None:
    # An installed program starts from compiled bytecode: Python writes it at the first run, or `compileall`
    # does at installation where the service cannot write (README, Deploying). This machine's environment
    # sets PYTHONDONTWRITEBYTECODE, which would make every run compile the package again: compile it once.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "mentorship"], cwd=ROOT, check=True)
    for argv in (["--help"], ["summary", "--json", "--db", url], ["suggest", "--json", "--db", url]):
        times = [run_cli(*argv)[0] for _ in range(runs)]
        print(
            f"    python -m mentorship {argv[0]}{' --json' if len(argv) > 1 else ''} (whole process): "
            f"min {min(times):.2f} s, median {statistics.median(times):.2f} s ({_load()})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["5000x2500", "20000x10000"])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each part")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        mode, url, runs = args.worker
        print(json.dumps((worker_suggest if mode == "suggest" else worker_dense)(url, int(runs))))
        return

    print(f"{os.cpu_count()} cores; {_load()} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            mentees, mentors = (int(x) for x in size.split("x"))
            url, _ = demo_store(tmp, mentors=mentors, mentees=mentees, fresh=True, name=f"pairing-{size}.db")
            ours = run_worker("suggest", url, str(args.runs))
            warm = ours["warm_s"]
            print(
                f"{mentees:,} waiting x {mentors:,} mentors ({ours['mentors']:,} available, "
                f"{ours['places']:,} places, {ours['allowed']:,} allowed pairs) [{_load()}]\n"
                f"    suggest, from opening the read to the proven pairing: warm min {warm['min']:.3f} s, "
                f"median {warm['median']:.3f} s; cold (fresh process, imports included) "
                f"{ours['cold_s']:.2f} s; peak RSS {ours['peak_mb']:.0f} MB\n"
                f"    placed {ours['placed']:,}, total {ours['total']:.3f} points; "
                f"{ours['solves']} solves on {ours['shortlisted']:,} pairs; proven optimal: {ours['proven']}"
            )
            if ours["waiting"] <= DENSE_LIMIT:
                dense = run_worker("dense", url, str(args.runs))
                times, answers = dense["times"], dense["answers"]
                rows, cols = dense["shape"]
                print(f"    in turn in one process (peak RSS {dense['peak_mb']:.0f} MB) [{_load()}]:")
                for name, t in times.items():
                    placed, total = answers[name]
                    gap = total - answers["scipy"][1]
                    label = {
                        "suggest": "suggest (warm)",
                        "scipy": f"tight dense SciPy {rows:,}x{cols:,}",
                    }.get(name, f"lapx.{name} {rows:,}x{cols:,}")
                    c, scipy_cpu = dense["cpu"][name], dense["cpu"]["scipy"]
                    print(
                        f"      {label:<34} min {t['min']:.3f} s, median {t['median']:.3f} s; "
                        f"placed {placed:,}, total {total:.3f} (gap to SciPy {gap:+.3f}); "
                        f"{t['min'] / times['scipy']['min']:.2f} of SciPy's min, "
                        f"{t['median'] / times['scipy']['median']:.2f} of its median; "
                        f"CPU min {c['min']:.3f} s ({c['min'] / scipy_cpu['min']:.2f} of SciPy's)"
                    )
            if mentees <= DENSE_LIMIT:
                _cli(url, max(3, args.runs // 2))


if __name__ == "__main__":
    main()
