"""`python -m mentorship ...`: the program's command line, a stable contract for scripts and jobs.

Exit status: 0 done; 1 refused (one sentence on stderr); 2 unusable input. `--json` prints exactly
one JSON object on stdout and nothing else there.

The rule for a quick start: this module imports only the standard library and `mentorship.errors` at
the top. Each command imports what it needs (pandas, SQLAlchemy, argon2, the pairing engine...) inside
its own function, so `--help` and every command pay only for their own imports. A value list a
command's arguments need from such a module is given as `Later(...)` with a metavar (argparse reads it
only to check a value or to show the help).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from mentorship.errors import Refused, UnusableInput

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from mentorship.auth import Actor

Handler = Callable[[argparse.Namespace], int]


class Later:
    """Choices read from a module only when argparse checks a value or shows them (give a metavar, and
    `%(choices)s` in the help to list them)."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load

    @cached_property
    def values(self) -> list[str]:
        return [str(v) for v in self._load()]

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __contains__(self, value: object) -> bool:
        return value in self.values

    def __len__(self) -> int:
        return len(self.values)

    def __str__(self) -> str:
        return ", ".join(self.values)


def _decisions() -> list[str]:
    from mentorship.services import Decision

    return [d.value for d in Decision]


def _end_reasons() -> list[str]:
    from mentorship.retention import END_CHOICES

    return [r.value for r in END_CHOICES]


def _scheduled_kinds() -> Sequence[str]:
    from mentorship.outbox.config import SCHEDULED_KINDS

    return SCHEDULED_KINDS


def _kinds() -> Sequence[str]:
    from mentorship.intake import KINDS

    return KINDS


def _engine(args: argparse.Namespace, *, create: bool = False) -> Engine:
    """The store named by --db (or the environment), upgraded to the current schema."""
    import sqlalchemy as sa

    from mentorship import db

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
    from mentorship import db

    engine = _engine(args, create=True)
    print(f"The store is ready (schema {db.schema_revision(engine)}): {engine.url.render_as_string()}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from mentorship import db, queries, services
    from mentorship.auth import Actor

    if args.mentors < 1 or args.mentees < 0:
        raise UnusableInput("--mentors must be at least 1 and --mentees at least 0.")
    engine = _engine(args, create=True)
    operator = Actor.operator()
    if args.if_empty:
        with db.read_session(engine) as session:
            if not queries.is_empty(session):
                print("The store already has registrations; no demo data added.")
                try:
                    services.add_demo_accounts(engine, actor=operator)
                except Refused as exc:  # a store of real people: it gets no demo sign-in
                    print(exc)
                    return 0
                _print_demo_sign_ins(engine)
                return 0
    counts = services.load_demo(
        engine,
        actor=operator,
        today=args.today,
        mentors=args.mentors,
        mentees=args.mentees,
        seed=args.seed,
        fresh=args.fresh,
    )
    print(
        f"Loaded demo data (seed {args.seed}): {counts['mentors']} mentors, {counts['mentees']} mentees, "
        f"{counts['pairs']} pairs, {counts['meetings']} meetings."
    )
    services.add_demo_accounts(engine, actor=operator)
    _print_demo_sign_ins(engine)
    return 0


def _print_demo_sign_ins(engine: Engine) -> None:
    from mentorship import db, demo

    with db.read_session(engine) as session:
        accounts = demo.sign_ins(session)
    if accounts:
        print("Demo sign-ins (synthetic data only):")
    for email, role, password in accounts:
        print(f"  {role:<9}  {email}  password: {password}")


def acting(args: argparse.Namespace, engine: Engine) -> Actor:
    """`--as EMAIL` names an active account whose role is checked; without it, the operator acts."""
    from mentorship import auth, db, services
    from mentorship.auth import Actor

    email = getattr(args, "as_email", None)
    if not email:
        return Actor.operator()
    with db.read_session(engine) as session:
        try:
            return auth.actor_for_email(session, email)
        except Refused:
            services.record_refusal(
                engine,
                actor="unknown account",
                action=f"cli.{args.command}",
                summary="--as names no active account",
            )
            raise


def cmd_users(args: argparse.Namespace) -> int:
    from mentorship import auth, db, formatting, queries, services

    engine = _engine(args)
    actor = acting(args, engine)
    if args.users_command == "add":
        generated = auth.password_sign_in() and not args.password_stdin
        password = None  # password sign-in off: the institution's sign-in only
        if args.password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        elif generated:
            password = auth.generate_password()
        user = services.add_user(engine, actor=actor, email=args.email, role=args.role, password=password)
        print(f"Account ready: {user.email} ({user.role.value}).")
        if generated:
            print(f"Password (shown once; pass it on privately): {password}")
        elif password is None:
            print(auth.NO_PASSWORD_NEEDED)
    elif args.users_command == "deactivate":
        services.deactivate_user(engine, actor=actor, email=args.email)
        print("Account deactivated; its sessions have ended.")
    else:
        import pandas as pd

        with db.read_session(engine) as session:
            users = queries.accounts(session)
        for row in users.itertuples():
            state = "active" if row.is_active else "deactivated"
            # Beside an account that has signed in, one that never did holds NaT (truthy), not None.
            last = formatting.moment(row.last_login_at) if pd.notna(row.last_login_at) else "never"
            print(f"{row.email:<40} {row.role:<10} {state:<12} last sign-in {last}")
    return 0


def cmd_summary(args: argparse.Namespace) -> int:
    from mentorship import db, queries

    engine = _engine(args)
    with db.read_session(engine) as session:
        summary = queries.program_summary(session, args.today)
    if args.json:
        _print_json(summary.to_dict())
        return 0
    from mentorship import formatting

    lines = [(kpi.label, kpi.value) for kpi in formatting.overview_kpis(summary)]  # as on the Overview
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label:<{width}}  {value}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from mentorship import services

    engine = _engine(args)
    size = services.backup(engine, actor=acting(args, engine), target=Path(args.file).expanduser().resolve())
    print(f"Backup written to {args.file} ({size / 1e6:.1f} MB). It holds personal data: keep it safe.")
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from mentorship import services

    engine = _engine(args)
    kinds = services.erase_person(engine, actor=acting(args, engine), email=args.email, today=args.today)
    print(f"The {' and '.join(kinds)}'s personal data is erased; their pairs and meetings stay, anonymised.")
    return 0


# --- Cadence ---
def cmd_cadence(args: argparse.Namespace) -> int:
    from mentorship import db, queries
    from mentorship.cadence import STATUS_LABELS, STATUS_ORDER, CadenceStatus

    engine = _engine(args)
    with db.read_session(engine) as session:
        report = queries.cadence_report(session, args.today)
    if args.json:
        _print_json(report)
        return 0
    print("  ".join(f"{STATUS_LABELS[s]}: {report['counts'][s.value]}" for s in STATUS_ORDER))
    if report["pairs"]:
        print()
        print(f"{'status':<12} {'days':>5}  {'mentor':<40} mentee")
    for pair in report["pairs"]:
        label = STATUS_LABELS[CadenceStatus(pair["status"])]
        print(f"{label:<12} {pair['days_since_last']:>5}  {pair['mentor_email']:<40} {pair['mentee_email']}")
    return 0


def add_cadence_commands(command: Callable[[str, Handler, str], argparse.ArgumentParser]) -> None:
    sub = command("cadence", cmd_cadence, "Meeting-cadence health of every open pair.")
    sub.add_argument("--json", action="store_true", help="print one JSON object")


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
    acting_as = argparse.ArgumentParser(add_help=False)
    acting_as.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        help="the account making the change (its role is checked and audited)",
    )
    # Pair decisions always name the account making them (DESIGN.md's contract): no operator default.
    acting_as_required = argparse.ArgumentParser(add_help=False)
    acting_as_required.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        required=True,
        help="the leader account making the change (its role is checked and audited)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[store], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    command("init", cmd_init, "Create the store, or upgrade it to the current schema.")

    sub = command(
        "demo", cmd_demo, "Fill an empty store with realistic synthetic data; it becomes a demo store."
    )
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

    sub = command("users", cmd_users, "Accounts for the dashboard: add, list, deactivate.")
    users = sub.add_subparsers(dest="users_command", metavar="ACTION", required=True)
    add = users.add_parser("add", parents=[store, acting_as], help="add an account (or reactivate one)")
    add.add_argument("email")
    add.add_argument("--role", choices=["leader", "committee"], required=True)
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of generating one (refused while "
        "MENTORSHIP_PASSWORD_SIGNIN=off: accounts then need no password)",
    )
    users.add_parser("list", parents=[store], help="list the accounts")
    off = users.add_parser("deactivate", parents=[store, acting_as], help="stop an account signing in")
    off.add_argument("email")

    sub = command("backup", cmd_backup, "Copy a SQLite store safely, even while it is in use.")
    sub.add_argument("file", help="where to write the copy")
    sub.add_argument("--as", dest="as_email", metavar="EMAIL", help="the leader account making the copy")

    sub = command(
        "prune",
        cmd_prune,
        "Remove personal data past its retention: check-in reports after 180 days, ended sign-in "
        "sessions after 30 (for a daily cron line).",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON object with the counts")
    sub.add_argument("--as", dest="as_email", metavar="EMAIL", help="the leader account pruning")

    sub = command("erase", cmd_erase, "Erase a mentor's or mentee's personal data on their request.")
    sub.add_argument("email", help="the person's email")
    sub.add_argument(
        "--as",
        dest="as_email",
        metavar="EMAIL",
        required=True,
        help="the leader account making the erasure (required)",
    )

    # --- Retention ---
    about = "Record a pair's one-year decision: continue, complete, or end."
    sub = commands.add_parser("decide", parents=[store, acting_as_required], help=about, description=about)
    sub.set_defaults(handler=cmd_decide)
    sub.add_argument("--mentor", required=True, metavar="EMAIL", help="the mentor's email")
    sub.add_argument("--mentee", required=True, metavar="EMAIL", help="the mentee's email")
    sub.add_argument(
        "--decision", required=True, metavar="DECISION", choices=Later(_decisions), help="%(choices)s"
    )
    reason = sub.add_argument(
        "--reason",
        metavar="TEXT",
        help="why the pair ended (end only): %(reasons)s; 'other: <note>' for anything else",
    )
    reason.reasons = Later(_end_reasons)  # shown in the help only (free text: no choices to check)
    sub.add_argument("--on", metavar="DATE", help="when it takes effect, YYYY-MM-DD (default today)")

    sub = command("retention", cmd_retention, "How long pairs last: survival, completion, continuation.")
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub = command(
        "feedback", cmd_feedback, "What mentors and mentees say in the surveys: the committee's figures."
    )
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    sub = command(
        "outcomes",
        cmd_outcomes,
        "The path to medical school by registration year, and the comparisons: the leader's view, live.",
    )
    sub.add_argument("--json", action="store_true", help="print one JSON object")

    add_cadence_commands(command)
    add_registration_commands(commands, store, acting_as)
    add_registration_form_commands(commands, store, acting_as_required)
    add_pairing_commands(commands, store, acting_as_required)
    add_outbox_commands(commands, store, acting_as, acting_as_required)
    add_report_command(commands, store, acting_as)
    return parser


def cmd_prune(args: argparse.Namespace) -> int:
    from mentorship import clock, pruning

    engine = _engine(args)
    pruned = pruning.prune(engine, actor=acting(args, engine), now=clock.now())
    if args.json:
        _print_json(pruned.to_dict())
    else:
        counts = pruned.to_dict()
        print("Pruned: " + ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items()) + ".")
    return 0


# --- Retention ---
def cmd_decide(args: argparse.Namespace) -> int:
    from mentorship import formatting, retention, services

    try:
        on = date.fromisoformat(args.on) if args.on else None
    except ValueError:
        raise UnusableInput("--on must be a date like 2026-03-05.") from None
    reason, note = retention.parse_end_reason(args.reason) if args.reason else (None, "")
    engine = _engine(args)
    result = services.decide(
        engine,
        actor=acting(args, engine),
        decision=args.decision,
        today=args.today,
        emails=(args.mentor, args.mentee),
        reason=reason,
        note=note,
        on=on,
    )
    print(formatting.decision_recorded(result))
    return 0


def cmd_retention(args: argparse.Namespace) -> int:
    from mentorship import db, queries
    from mentorship.auth import Actor

    engine = _engine(args)
    with db.read_session(engine) as session:
        view = queries.retention_view(session, args.today, Actor.operator().role)
    if args.json:
        _print_json(view.report.to_json())
        return 0
    for figure in view.figures:
        print(f"{figure.label:<20}  {figure.value} {figure.behind}")
    print()
    print(view.breakdowns["By cohort"].table.to_string(index=False))
    print(f"\nOne-year decisions due: {len(view.decisions_due)}")
    return 0


# --- Feedback ---
def cmd_feedback(args: argparse.Namespace) -> int:
    """The committee's figures (aggregates only, as of the latest release point): the page's own read."""
    from mentorship import db, formatting, queries
    from mentorship.models import Role

    engine = _engine(args)
    with db.read_session(engine) as session:
        view = queries.feedback_view(session, Role.committee, args.today)
    if args.json:
        _print_json(view.to_dict())
        return 0
    for line in formatting.feedback_lines(view):
        print(line)
    return 0


# --- The year's report ---
def _report_year(text: str) -> int:
    if not (text.isascii() and text.isdigit() and len(text) == 4):
        raise UnusableInput(f"--year must be a year like 2025, not {text!r}.")
    return int(text)


def _intro(value: str | None) -> str | None:
    """`--intro`: the text of a file when it names one, else the text itself; None without it (the
    paragraph saved for the year on the Outcomes page, if any)."""
    if value is None:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        return value
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UnusableInput(f"The introduction {value} cannot be read as UTF-8 text ({exc}).") from None


def cmd_report(args: argparse.Namespace) -> int:
    from mentorship import services

    year, intro = _report_year(args.year), _intro(args.intro)
    engine = _engine(args)
    html = services.year_report(engine, actor=acting(args, engine), year=year, today=args.today, intro=intro)
    try:
        Path(args.out).expanduser().write_text(html, encoding="utf-8")
    except OSError as exc:
        raise UnusableInput(f"The file {args.out} cannot be written ({exc.strerror or exc}).") from None
    print(
        f"The {year} report is written to {args.out}: the committee's figures only, safe to forward. Open it "
        "in a browser and print it to PDF."
    )
    return 0


def add_report_command(commands, *parents: argparse.ArgumentParser) -> None:
    about = "Write the year's report for the program's partners: one self-contained HTML file."
    sub = commands.add_parser("report", parents=list(parents), help=about, description=about)
    sub.set_defaults(handler=cmd_report)
    sub.add_argument("--year", required=True, metavar="YYYY", help="the year to report on")
    sub.add_argument("--out", required=True, metavar="FILE.html", help="where to write the report")
    sub.add_argument(
        "--intro",
        metavar="FILE|TEXT",
        help="the leader's paragraph at the top (plain text; a file's text when it names a file; a blank "
        "line starts a new paragraph); default: the one saved for the year on the Outcomes page",
    )


# --- Outcomes ---
def cmd_outcomes(args: argparse.Namespace) -> int:
    """The leader's funnel and comparisons (live, nothing withheld): the Outcomes page's own read."""
    from mentorship import db, formatting, milestones, queries
    from mentorship.auth import Actor

    engine = _engine(args)
    with db.read_session(engine) as session:
        view = queries.outcomes_view(session, args.today, Actor.operator().role)
    if args.json:
        _print_json(view.to_dict())
        return 0
    if view.empty:
        print("No mentee has registered yet.")
        return 0
    print(formatting.outcome_cohorts(view.cohorts).to_string(index=False))
    print()
    print(formatting.outcome_comparisons(view.all_comparisons).to_string(index=False))
    print()
    print(milestones.ASSOCIATIONS)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from mentorship import clock  # after parsing: `--help` loads nothing more

    try:
        args.today = clock.today()  # one day for the whole command
        return args.handler(args)
    except Refused as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except UnusableInput as exc:
        print(str(exc), file=sys.stderr)
        return 2


# --- Registrations: import and export ---
def cmd_import(args: argparse.Namespace) -> int:
    from mentorship import formatting, intake, services

    data = intake.read_file(args.file)
    engine = _engine(args)
    actor = acting(args, engine)
    plan = services.import_registrations(
        engine, actor=actor, kind=args.kind, data=data, today=args.today, dry_run=args.dry_run
    )
    report = plan.report()
    if args.json:
        _print_json(report)
        return 0
    sheet = plan.sheet
    print(f"Read {formatting.plural(report['rows'], 'row')} ({sheet.encoding}, {sheet.layout} layout).")
    for notice in sheet.notices:
        print(notice)
    counts = ", ".join(f"{report[k]} {k}" for k in ("created", "updated", "unchanged"))
    written = f"written (batch {plan.batch})" if plan.written else "dry run: nothing written"
    print(f"{counts}, {len(report['invalid'])} invalid; {written}.")
    for invalid in report["invalid"]:
        for error in invalid["errors"]:
            print(f"  row {invalid['row']}: {error}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from mentorship import services

    engine = _engine(args)
    actor = acting(args, engine)
    data, rows = services.export_registrations(engine, actor=actor, kind=args.kind)
    try:
        Path(args.file).write_bytes(data)
    except OSError as exc:
        raise UnusableInput(f"The file {args.file} cannot be written ({exc.strerror or exc}).") from exc
    masked = "" if actor.is_leader else " (contacts masked, no individual demographics)"
    print(f"Exported {rows} {args.kind} to {args.file}{masked}.")
    return 0


def add_registration_commands(commands, *parents: argparse.ArgumentParser) -> None:
    """`import` and `export`; `parents` are the shared --db and --as options."""
    for name, handler, help_text in (
        ("import", cmd_import, "Import registrations (form exports) or the program's history."),
        ("export", cmd_export, "Export registrations or the history as CSV, in the template's columns."),
    ):
        sub = commands.add_parser(name, parents=list(parents), help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        sub.add_argument(
            "kind",
            metavar="KIND",
            choices=Later(_kinds),
            help="%(choices)s (data/templates/KIND.csv shows the columns)",
        )
        if name == "import":
            sub.add_argument("file", metavar="FILE", help="a CSV file (UTF-8, UTF-16 or Windows-1252)")
            sub.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
            sub.add_argument("--json", action="store_true", help="print one JSON object")
        else:
            sub.add_argument("file", metavar="FILE", help="where to write the CSV (UTF-8 with BOM)")


# --- Registration through the program's forms ---
def cmd_registration(args: argparse.Namespace) -> int:
    from mentorship import services, signup  # imported when used: the CLI starts without the service modules

    engine = _engine(args)
    is_open = args.registration_command == "open"
    services.set_form_open(engine, actor=acting(args, engine), kind=signup.KINDS[args.form], is_open=is_open)
    print(f"The {args.form} registration form is {'open' if is_open else 'closed'}.")
    return 0


def add_registration_form_commands(commands, *parents: argparse.ArgumentParser) -> None:
    """`registration open|close mentor|mentee --as EMAIL`."""
    about = "Open or close a public registration form (a new store starts with both closed)."
    sub = commands.add_parser("registration", parents=list(parents), help=about, description=about)
    sub.set_defaults(handler=cmd_registration)
    sub.add_argument("registration_command", choices=["open", "close"], metavar="open|close")
    sub.add_argument("form", choices=["mentor", "mentee"], metavar="mentor|mentee")


# --- Pairing ---
def cmd_suggest(args: argparse.Namespace) -> int:
    from mentorship import db, formatting, queries
    from mentorship.auth import Actor

    engine = _engine(args)
    with db.read_session(engine) as session:
        view = queries.pairing_view(session, args.today, Actor.operator().role)
    pairs, unmatched = view.pairs, view.unmatched
    if args.json:
        _print_json(
            {
                "pairs": pairs[["mentor_email", "mentee_email", "score", "reasons"]].to_dict("records"),
                "unmatched": unmatched[["mentee_email", "reason"]].to_dict("records"),
                "gap": view.gap.detail.to_dict(),
            }
        )
        return 0
    report = view.report
    print(
        f"{formatting.plural(len(pairs), 'suggested pair')} ({report.waiting_mentees} waiting, "
        f"{formatting.plural(report.places, 'mentor place')}):"
    )
    for r in pairs.itertuples():
        print(f"{r.score:>7.2f}  {r.mentor_email} + {r.mentee_email}: {'; '.join(r.reasons)}")
    if len(unmatched):
        print(f"\n{len(unmatched)} left unmatched:")
        for r in unmatched.itertuples():
            print(f"  {r.mentee_email}: {r.reason}")
    print()
    for sentence in view.gap.sentences:
        print(sentence)
    return 0


def cmd_confirm(args: argparse.Namespace) -> int:
    from mentorship import services

    engine = _engine(args)
    done = services.confirm_pair(
        engine, actor=acting(args, engine), today=args.today, emails=(args.mentor, args.mentee)
    )
    if done.already:
        print("This pair was already confirmed; nothing changed.")
    else:
        print(f"Confirmed the pair (score {done.score:g}).")
    return 0


def cmd_reject(args: argparse.Namespace) -> int:
    from mentorship import services

    engine = _engine(args)
    if services.reject_pair(engine, actor=acting(args, engine), emails=(args.mentor, args.mentee)):
        print("Rejected: this pair will not be suggested again.")
    else:
        print("This pair was already rejected; nothing changed.")
    return 0


def add_pairing_commands(commands, *parents: argparse.ArgumentParser) -> None:
    """`suggest`, `confirm` and `reject`; `parents` are the shared --db and --as options."""
    about = "The optimal pairing of waiting mentees with mentors, with reasons; the unmatched; the gap."
    sub = commands.add_parser("suggest", parents=parents[:1], help=about, description=about)
    sub.set_defaults(handler=cmd_suggest)
    sub.add_argument("--json", action="store_true", help="print one JSON object")
    for name, handler, about in (
        ("confirm", cmd_confirm, "Confirm a pair: opens the match (hard rules and capacity are checked)."),
        ("reject", cmd_reject, "Reject a pair: it is not suggested again."),
    ):
        sub = commands.add_parser(name, parents=list(parents), help=about, description=about)
        sub.set_defaults(handler=handler)
        sub.add_argument("--mentor", required=True, metavar="EMAIL", help="the mentor's email")
        sub.add_argument("--mentee", required=True, metavar="EMAIL", help="the mentee's email")


# --- Outbox ---
def _counts(counter: dict) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(counter.items())) or "none"


def cmd_outbox(args: argparse.Namespace) -> int:
    from mentorship import clock
    from mentorship.outbox import actions, config

    if args.outbox_command in ("enable", "disable"):
        engine = _engine(args)
        day = getattr(args, "on", None)
        if day is not None and args.kind != "annual-update":
            raise UnusableInput("--on applies only to annual-update, the yearly update.")
        if day is not None:
            config.annual_day(day)  # refused before anything is written
        current = actions.set_kind(
            engine,
            actor=acting(args, engine),
            kind=args.kind,
            on=args.outbox_command == "enable",
            every_days=getattr(args, "every", None),
            today=args.today,
        )
        if day is not None:
            current = actions.set_annual_day(engine, actor=acting(args, engine), on=day)
        every = current.every_days(args.kind)
        rhythm = f", every {every} days" if every and args.outbox_command == "enable" else ""
        if args.kind == "annual-update" and args.outbox_command == "enable":
            rhythm = f", once a year on or after {current.annual_update_on} (MM-DD)"
        print(
            f"{args.kind.capitalize()} messages are {'on' if current.enabled(args.kind) else 'off'}{rhythm}."
        )
        return 0
    smtp = actions.require_smtp()  # unusable settings: exit 2 before the store is touched
    engine = _engine(args)
    actor = acting(args, engine)
    result: dict = {}
    if args.outbox_command in ("plan", "run"):
        planned = actions.plan_messages(engine, actor=actor, today=args.today, now=clock.now(), smtp=smtp)
        result.update(planned.to_json())
        if not args.json:
            print(f"Queued: {_counts(planned.queued)}. Skipped: {_counts(planned.skipped)}.")
    if args.outbox_command in ("send", "run"):
        sent = actions.send_messages(
            engine,
            actor=actor,
            now=clock.now(),
            clock=clock.now,
            smtp=smtp,
            limit=args.limit,
            retry_now=getattr(args, "retry_now", False),
        )
        result.update(sent.to_json())
        if not args.json:
            print(f"Sent {sent.sent}, failed {sent.failed}, deferred {sent.deferred}.")
    if args.json:
        _print_json(result)
    return 0


def add_outbox_commands(commands, store, acting_as, acting_as_required) -> None:
    """`outbox plan|send|run|enable|disable`: the program's email, for cron or a systemd timer."""
    about = "The program's email: queue what is due, send what is queued, and turn kinds on or off."
    sub = commands.add_parser("outbox", parents=[store], help=about, description=about)
    sub.set_defaults(handler=cmd_outbox)
    actions = sub.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    plan = actions.add_parser("plan", parents=[store, acting_as], help="queue what is due today")
    send = actions.add_parser("send", parents=[store, acting_as], help="send what is queued and due")
    run = actions.add_parser("run", parents=[store, acting_as], help="plan, then send (for cron)")
    for parser in (plan, send, run):
        parser.add_argument("--json", action="store_true", help="print one JSON object")
    for parser in (send, run):
        parser.add_argument("--limit", type=int, metavar="N", help="send at most N messages")
    send.add_argument(
        "--now",
        dest="retry_now",
        action="store_true",
        help="also retry deferred messages without waiting for their next attempt",
    )
    enable = actions.add_parser(
        "enable", parents=[store, acting_as_required], help="turn a kind of message on (and set its rhythm)"
    )
    enable.add_argument("kind", metavar="KIND", choices=Later(_scheduled_kinds), help="%(choices)s")
    enable.add_argument("--every", type=int, metavar="DAYS", help="days between messages to the same pair")
    enable.add_argument(
        "--on", metavar="MM-DD", help="annual-update only: the day of the year it goes out on or after"
    )
    disable = actions.add_parser(
        "disable", parents=[store, acting_as_required], help="turn a kind of message off"
    )
    disable.add_argument("kind", metavar="KIND", choices=Later(_scheduled_kinds), help="%(choices)s")
