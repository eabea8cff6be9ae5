"""Benchmark: planning the yearly "Where are you now?" at program scale.

    .venv/bin/python benchmarks/annual_update.py [--mentors 5000] [--mentees 10000]

The 5,000-mentor / 10,000-mentee demo with the yearly update turned on and its day set to today, so planning
asks at once every mentee not withdrawn who registered before today (one mail and one yearly-update record
each): the year's largest plan. `outbox plan --json` runs through the real CLI (process start included),
then again (nothing new: each mentee is asked once a year).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import date

from common import demo_store, run_cli

LEADER = "leader@program.example.org"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--mentees", type=int, default=10000)
    args = parser.parse_args()
    os.environ.update(MENTORSHIP_SMTP_HOST="127.0.0.1", MENTORSHIP_MAIL_FROM="mentorship@program.example.org")
    with tempfile.TemporaryDirectory() as directory:
        url, printed = demo_store(directory, mentors=args.mentors, mentees=args.mentees)
        print(printed)
        today = date.today()
        day = "02-28" if (today.month, today.day) == (2, 29) else f"{today:%m-%d}"
        run_cli("outbox", "enable", "annual-update", "--on", day, "--as", LEADER, "--db", url)
        seconds, out = run_cli("outbox", "plan", "--as", LEADER, "--db", url, "--json")
        print(
            f"outbox plan --json, the yearly update: {seconds:.2f} s (process start included) "
            f"-> {json.loads(out)}"
        )
        seconds, out = run_cli("outbox", "plan", "--as", LEADER, "--db", url, "--json")
        print(f"again, nothing new: {seconds:.2f} s -> {json.loads(out)}")


if __name__ == "__main__":
    main()
