"""`python -m mentorship ...`: the program's command line, a stable contract for scripts and jobs.

Exit status: 0 done; 1 refused (one sentence on stderr); 2 unusable input. `--json` prints exactly
one JSON object on stdout and nothing else there.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db, queries, services
from mentorship.errors import Refused, UnusableInput

CLI_ACTOR = "cli"

Handler = Callable[[argparse.Namespace], int]


def _engine(args: argparse.Namespace, *, create: bool = False) -> Engine:
    """The store named by --db (or the environment), upgraded to the current schema."""
    url = db.resolve_url(args.db)
    sa_url = sa.make_url(url)
    if sa_url.get_backend_name() == "sqlite" and not create:
        path = sa_url.database or ""
        if path not in ("", ":memory:") and not Path(path).exists():
            raise UnusableInput(f"There is no store at {path}; create it with `python -m mentorship init`.")
    try:
        engine = db.make_engine(url)
        db.upgrade(engine)
    except db.DatabaseUnavailable as exc:
        raise UnusableInput(str(exc)) from exc
    except sa.exc.OperationalError as exc:
        raise UnusableInput(f"The store cannot be opened: {exc.orig}.") from exc
    return engine


def _print_json(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")


# Commands
def cmd_init(args: argparse.Namespace) -> int:
    engine = _engine(args, create=True)
    print(f"The store is ready (schema {db.schema_revision(engine)}): {engine.url.render_as_string()}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    if args.mentors < 1 or args.mentees < 0:
        raise UnusableInput("--mentors must be at least 1 and --mentees at least 0.")
    engine = _engine(args, create=True)
    if args.if_empty:
        with db.read_session(engine) as session:
            if not queries.is_empty(session):
                print("The store already has registrations; no demo data added.")
                return 0
    counts = services.load_demo(
        engine,
        actor=CLI_ACTOR,
        today=date.today(),
        mentors=args.mentors,
        mentees=args.mentees,
        seed=args.seed,
        fresh=args.fresh,
    )
    print(
        f"Loaded demo data (seed {args.seed}): {counts['mentors']} mentors, {counts['mentees']} mentees, "
        f"{counts['pairs']} pairs, {counts['meetings']} meetings."
    )
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    engine = _engine(args)
    with db.read_session(engine) as session:
        summary = queries.program_summary(session, date.today())
    if args.json:
        _print_json(summary.to_dict())
        return 0
    s = summary
    rate = "n/a" if s.one_year_completion_rate is None else f"{s.one_year_completion_rate:.0%}"
    lines = [
        ("Mentors registered", f"{s.mentors} ({s.active_mentors} active and attested)"),
        ("Mentees registered", str(s.mentees)),
        (
            "Mentees waiting",
            f"{s.waiting_mentees}"
            + (f" (median {s.waiting_median_days} days)" if s.waiting_median_days is not None else ""),
        ),
        ("Active pairs", str(s.active_pairs)),
        ("Mentor capacity used", f"{s.capacity_used} of {s.capacity_total}"),
        ("BIPOC-mentor requests met", f"{s.bipoc_preference_met} of {s.bipoc_preference_requests}"),
        ("Pairs overdue for a meeting", str(s.overdue_pairs)),
        ("One-year completion", f"{rate} of {s.one_year_eligible_pairs} pairs"),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:<{width}}  {value}")
    return 0


# Parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m mentorship",
        description="The mentorship program's store, from the command line.",
        epilog="Exit status: 0 done, 1 refused, 2 unusable input.",
    )
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument(
        "--db",
        metavar="URL",
        help="database URL or SQLite path (default: $MENTORSHIP_DATABASE_URL, else data/mentorship.db)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[store], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    command("init", cmd_init, "Create the store, or upgrade it to the current schema.")

    sub = command("demo", cmd_demo, "Fill an empty store with realistic synthetic data.")
    sub.add_argument("--mentors", type=int, default=60, help="number of mentors (default 60)")
    sub.add_argument("--mentees", type=int, default=120, help="number of mentees (default 120)")
    sub.add_argument("--seed", type=int, default=7, help="random seed; the same seed gives the same data")
    sub.add_argument(
        "--fresh",
        action="store_true",
        help="registrations only: no pairs and no meetings (a cohort before matching)",
    )
    sub.add_argument(
        "--if-empty",
        action="store_true",
        help="do nothing (and exit 0) when the store already has registrations",
    )

    sub = command("summary", cmd_summary, "The program's KPIs.")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except Refused as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except UnusableInput as exc:
        print(str(exc), file=sys.stderr)
        return 2
