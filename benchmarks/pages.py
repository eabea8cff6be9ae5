"""Benchmark: every page at program scale — its script run (AppTest) and a warm load in Chromium.

    .venv/bin/python benchmarks/pages.py [--mentors 5000] [--mentees 10000] [--runs 5] [--no-browser]

Builds a demo store with the real CLI, then for each page of the navigation, signed in as the leader:

- script run: AppTest, the first run (cold: the page's read is computed) and the median of `--runs` reruns
  after a warm-up (warm: the read is kept for this version of the store). Target: under 0.25 s warm.
- browser: `streamlit run server.py` on the store and headless Chromium, signed in once; each page's
  address is opened once to warm the server, then `--runs` times, timing navigation until the app is idle
  with the page's table (or, on the Overview, its figures) visible. Target: under 2 s.

Then the import of 10,000 mentee rows and `suggest` on the same store, through the real CLI. Needs Chromium
at /usr/bin/chromium for the browser part (`scripts/test.sh` installs it).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from common import ROOT, demo_store, program_size, run_cli
from import_mentees import mentee_file

from mentorship.ui.core import PAGES, PUBLIC

NAVIGATION = [p for p in PAGES.values() if p.access != PUBLIC]  # the sidebar's pages

LEADER = ("leader@program.example.org", "demo-leader-password")  # the demo's documented sign-in
# What must be on screen before a page counts as loaded.
SHOWN = {"app.py": '[data-testid="stMetric"]'}
TABLE = '[data-testid="stDataFrame"]'


def path_of(script: str) -> str:
    """The address Streamlit gives a page script: `pages/1_Registrations.py` → `/Registrations`."""
    return "/" if script == "app.py" else "/" + Path(script).stem.split("_", 1)[1]


def script_runs(url: str, runs: int) -> list[tuple[str, float, float]]:
    """(script, first run, median warm rerun) for every page, in AppTest as the leader."""
    from streamlit.testing.v1 import AppTest

    from mentorship.ui import kept

    os.environ["MENTORSHIP_DATABASE_URL"] = url
    kept.forget_everything()
    results = []
    for script in (p.script for p in NAVIGATION):
        at = AppTest.from_file(str(ROOT / script), default_timeout=300)
        at.user = {"is_logged_in": True, "email": LEADER[0]}
        start = time.perf_counter()
        at.run()
        first = time.perf_counter() - start
        if at.exception:
            raise RuntimeError(f"{script} raised: {at.exception[0].value}")
        at.run()  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - start)
        results.append((script, first, statistics.median(times)))
    return results


def browser_loads(url: str, runs: int) -> dict[str, float]:
    """The median warm load of every page's address in headless Chromium, signed in as the leader."""
    from devtools.servers import chromium_page, dashboard_server, sign_in, wait_for_app

    loads = {}
    with dashboard_server(url) as base, chromium_page() as page:
        page.goto(base)
        sign_in(page, *LEADER)
        for script in (p.script for p in NAVIGATION):
            address = base + path_of(script)
            shown = page.locator(SHOWN.get(script, TABLE) + " >> visible=true").first

            def load(address: str = address, shown=shown) -> float:
                start = time.perf_counter()
                page.goto(address)
                shown.wait_for()
                wait_for_app(page)
                return time.perf_counter() - start

            load()  # warms the server's kept reads for this page
            loads[script] = statistics.median(load() for _ in range(runs))
    return loads


def main() -> None:
    parser = program_size(argparse.ArgumentParser())
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, loaded = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
        print(loaded)
        runs = script_runs(url, args.runs)
        loads = {} if args.no_browser else browser_loads(url, args.runs)
        print(
            f"\n| page | script run, first | script run, warm (median of {args.runs}) | browser load, warm |"
        )
        print("| --- | --- | --- | --- |")
        for (script, first, warm), label in zip(runs, (p.title for p in NAVIGATION), strict=True):
            load = f"{loads[script]:.2f} s" if script in loads else "not measured"
            print(f"| {label} | {first:.2f} s | {warm:.3f} s | {load} |")

        seconds, out = run_cli("suggest", "--db", url, "--json")
        pairs = len(json.loads(out)["pairs"])
        print(f"\nsuggest --json on this store: {seconds:.2f} s, process start included ({pairs} pairs)")
        path = Path(tmp) / "mentees.csv"
        path.write_bytes(mentee_file(10_000))
        store = f"sqlite:///{tmp}/import.db"
        run_cli("init", "--db", store)
        seconds, out = run_cli("import", "mentees", str(path), "--db", store, "--json")
        created = json.loads(out)["created"]
        print(f"import mentees of 10,000 rows: {seconds:.2f} s, process start included ({created} created)")


if __name__ == "__main__":
    main()
