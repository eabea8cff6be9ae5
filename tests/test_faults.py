"""Faults: people confirming at the same moment, and the process killed (kill -9) in the middle of a write.

The concurrency tests go through `services.confirm_pair`, as a click on Confirm does, on SQLite and again on
PostgreSQL. The crash tests fork a child that writes through the services (forked, so that one kill costs no
interpreter start) and kill it with SIGKILL at a seeded random moment: a confirming child within its first
three confirmations, an importing child while it writes and commits the rows (a kill before the first row
could leave nothing to check). Both durations are measured once at the start. After each kill the SQLite
store is checked as the next app start would find it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import multiprocessing
import os
import random
import signal
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db, intake, services
from mentorship.auth import Actor
from mentorship.models import OPEN_STATUS_VALUES, AuditEvent, AuditOutcome, Match, Mentee, Role, User

from .concurrency import CONFIRMED, confirm, in_processes, in_threads
from .conftest import TODAY
from .factories import add, events, make_mentee, make_mentor

AT_CAPACITY = "The mentor is at capacity (2 of 2 places taken)."
# On PostgreSQL two confirmations' checks can run side by side; the database's trigger then refuses the one
# too many, in words of its own. SQLite serialises writers, so there the check itself always sees the truth.
AT_CAPACITY_RACED = "The mentor is at capacity."
ALREADY_PAIRED = "The mentee already has an open match."


def leaders(engine: Engine, n: int) -> list[Actor]:
    """`n` leader accounts (leader0@…, leader1@…), as the actors their sessions act as."""
    with db.write_session(engine) as session:
        users = [User(email=f"leader{i}@program.example.org", role=Role.leader) for i in range(n)]
        session.add_all(users)
        session.flush()
        return [Actor.of(u) for u in users]


def open_matches(engine: Engine) -> list[tuple[int, int, int | None]]:
    """(mentor, mentee, confirming account) of every open match."""
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(Match.mentor_id, Match.mentee_id, Match.confirmed_by_id)
            .where(Match.status.in_(OPEN_STATUS_VALUES))
            .order_by(Match.mentee_id)
        ).all()
    return [tuple(r) for r in rows]


# Concurrency
@pytest.mark.parametrize(
    ("run_at_once", "callers"), [(in_processes, 20), (in_threads, 50)], ids=["20-processes", "50-threads"]
)
def test_simultaneous_confirmations_give_a_capacity_2_mentor_exactly_2(
    each_store, each_url, run_at_once, callers
):
    (leader,) = leaders(each_store, 1)
    mentor_id, *mentee_ids = add(
        each_store, make_mentor("kou", capacity=2), *(make_mentee(f"s{i}") for i in range(callers))
    )
    # Processes open their own engine from the URL, as app instances do; threads share the app's engine.
    store = each_url if run_at_once is in_processes else each_store
    each_store.dispose()
    results = run_at_once(confirm, [(store, leader, mentor_id, m) for m in mentee_ids])

    winners = [m for m, said in zip(mentee_ids, results, strict=True) if said == CONFIRMED]
    refusals = [said for said in results if said != CONFIRMED]
    assert len(winners) == 2
    sentences = {AT_CAPACITY} if db.is_sqlite(each_store) else {AT_CAPACITY, AT_CAPACITY_RACED}
    assert len(refusals) == callers - 2 and set(refusals) <= sentences
    assert open_matches(each_store) == [(mentor_id, m, leader.id) for m in winners]
    confirmations = events(each_store, "pair.confirm")
    assert sorted(summary for _, outcome, summary in confirmations if outcome == "done") == sorted(
        f"mentor {mentor_id}, mentee {m}" for m in winners
    )
    assert sorted(summary for _, outcome, summary in confirmations if outcome == "refused") == sorted(
        f"refused: mentor at capacity; mentor {mentor_id}, mentee {m}" for m in mentee_ids if m not in winners
    )


@pytest.mark.parametrize("run_at_once", [in_processes, in_threads], ids=["processes", "threads"])
def test_two_leaders_pairing_one_mentee_with_two_mentors_at_once_make_one_pair(
    each_store, each_url, run_at_once
):
    """Five mentees, each confirmed by leader0 with Dr. Kou and by leader1 with Dr. Lee, all ten at once."""
    first, second = leaders(each_store, 2)
    kou, lee, *mentee_ids = add(
        each_store,
        make_mentor("kou", capacity=5),
        make_mentor("lee", capacity=5),
        *(make_mentee(f"s{i}") for i in range(5)),
    )
    store = each_url if run_at_once is in_processes else each_store
    calls = [(store, first, kou, m) for m in mentee_ids] + [(store, second, lee, m) for m in mentee_ids]
    each_store.dispose()
    results = run_at_once(confirm, calls)

    expected_matches, expected_events = [], []
    for i, mentee_id in enumerate(mentee_ids):
        said = {first: results[i], second: results[i + 5]}
        assert sorted(said.values()) == [ALREADY_PAIRED, CONFIRMED]
        winner = first if said[first] == CONFIRMED else second
        loser = second if winner is first else first
        mentor_id = {first: kou, second: lee}
        expected_matches.append((mentor_id[winner], mentee_id, winner.id))
        expected_events += [
            (winner.email, "done", f"mentor {mentor_id[winner]}, mentee {mentee_id}"),
            (
                loser.email,
                "refused",
                f"refused: mentee has an open match; mentor {mentor_id[loser]}, mentee {mentee_id}",
            ),
        ]
    assert open_matches(each_store) == expected_matches
    assert sorted(events(each_store, "pair.confirm")) == sorted(expected_events)


# Crashes (SQLite: the store whose file a killed process leaves behind)
KILLS = 30
IMPORT_ROWS = 4000


def store_is_sound(engine: Engine) -> None:
    engine.dispose()  # a fresh connection, as the next app start would open
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalars().all() == ["ok"]
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def fork(target, *args) -> multiprocessing.Process:
    child = multiprocessing.get_context("fork").Process(target=target, args=args, daemon=True)
    child.start()
    return child


def kill_9(child: multiprocessing.Process) -> bool:
    """SIGKILL the child; True when it was still running (it had not finished its work)."""
    os.kill(child.pid, signal.SIGKILL)
    child.join(timeout=30)
    return child.exitcode == -signal.SIGKILL


def _confirm_until_killed(url: str, actor: Actor, pairs: list[tuple[int, int]], ready, confirmed) -> None:
    engine = db.make_engine(url)
    with engine.connect():
        pass  # the connection is set up (WAL, pragmas) before the parent starts its clock
    ready.set()
    for mentor_id, mentee_id in pairs:
        services.confirm_pair(engine, actor=actor, today=TODAY, mentor_id=mentor_id, mentee_id=mentee_id)
        confirmed.value += 1


def confirmed_and_audited(engine: Engine) -> tuple[set[int], set[int]]:
    """The ids of the matches in the store, and the match ids their confirm audit events name."""
    with db.read_session(engine) as session:
        matches = set(session.scalars(sa.select(Match.id)))
        audited = set(
            session.scalars(
                sa.select(AuditEvent.entity_id).where(
                    AuditEvent.action == "pair.confirm", AuditEvent.outcome == AuditOutcome.done
                )
            )
        )
    return matches, audited


def test_kill_9_during_confirmations_leaves_each_match_with_its_audit_event(engine, store_url, accounts):
    leader = accounts["leader"]
    mentor_ids = add(engine, *(make_mentor(f"m{i}", capacity=5) for i in range(60)))
    mentee_ids = add(engine, *(make_mentee(f"s{i}") for i in range(300)))
    mentor_of = {m: mentor_ids[i // 5] for i, m in enumerate(mentee_ids)}
    fresh = db.make_engine(store_url)  # as the child's first confirmation runs
    started = time.perf_counter()
    services.confirm_pair(fresh, actor=leader, today=TODAY, mentor_id=mentor_ids[0], mentee_id=mentee_ids[0])
    one_confirm = time.perf_counter() - started
    fresh.dispose()
    moments = random.Random(9)
    ctx = multiprocessing.get_context("fork")
    in_flight_lost = in_flight_kept = 0
    for _ in range(KILLS):
        paired = {mentee for _, mentee, _ in open_matches(engine)}
        waiting = [(mentor_of[m], m) for m in mentee_ids if m not in paired]
        # lock=False: a child killed holding the value's lock would leave the parent's read waiting forever
        ready, confirmed = ctx.Event(), ctx.Value("i", 0, lock=False)
        engine.dispose()
        child = fork(_confirm_until_killed, store_url, leader, waiting, ready, confirmed)
        assert ready.wait(timeout=30)
        time.sleep(moments.uniform(0, 3 * one_confirm))
        assert kill_9(child), "the child ran out of pairs to confirm before it was killed"

        store_is_sound(engine)
        matches, audited = confirmed_and_audited(engine)
        assert matches == audited  # every match has its audit event, and every event its match
        now_paired = len(open_matches(engine)) - len(paired)
        # Every confirmation the child was told about is in the store; the one it was killed in is
        # either wholly there (its commit had finished) or not at all.
        assert now_paired in (confirmed.value, confirmed.value + 1)
        in_flight_kept += now_paired == confirmed.value + 1
        in_flight_lost += now_paired == confirmed.value
    assert in_flight_lost + in_flight_kept == KILLS
    assert in_flight_lost >= KILLS // 2  # most kills landed inside a confirmation, before its commit


def mentees_file(batch: int, rows: int = IMPORT_ROWS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["first_name", "last_name", "email", "meeting_formats", "school", "goals"])
    for i in range(rows):
        writer.writerow(
            [f"Pa{i}", "Vang", f"b{batch}-{i}@school.example.edu", "virtual", "Augsburg", "MCAT, then " * 20]
        )
    return out.getvalue().encode()


def _import_until_killed(url: str, data: bytes, ready, writing, written_at, done_at) -> None:
    """Import `data`, saying when the rows start to be written and when the import has returned."""
    engine = db.make_engine(url)
    with engine.connect():
        pass
    real_write = intake.write

    def write_and_say_so(*args, **kwargs):
        written_at.value = time.monotonic()
        writing.set()
        return real_write(*args, **kwargs)

    intake.write = write_and_say_so  # in this forked child only
    ready.set()
    services.import_registrations(engine, actor=Actor.operator(), kind="mentees", data=data, today=TODAY)
    done_at.value = time.monotonic()


def imported(engine: Engine, batch: int, data: bytes) -> tuple[int, int]:
    """How many of the batch's mentees are in the store, and how many audit events name its file."""
    digest = hashlib.sha256(data).hexdigest()
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(sa.func.count(Mentee.id)).where(Mentee.email.startswith(f"b{batch}-", autoescape=True))
        ).scalar_one()
        audits = session.execute(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "import.mentees", AuditEvent.summary.contains(digest, autoescape=True)
            )
        ).scalar_one()
    return rows, audits


def test_kill_9_during_a_large_import_leaves_all_of_it_or_none(engine, store_url):
    ctx = multiprocessing.get_context("fork")

    def start(batch: int):
        data = mentees_file(batch)
        signals = (ctx.Event(), ctx.Event(), ctx.Value("d", 0.0, lock=False), ctx.Value("d", 0.0, lock=False))
        engine.dispose()
        return data, fork(_import_until_killed, store_url, data, *signals), signals

    data, child, (ready, writing, written_at, done_at) = start(0)  # measured once, not killed
    child.join(timeout=120)
    assert child.exitcode == 0 and imported(engine, 0, data) == (IMPORT_ROWS, 1)
    writing_takes = done_at.value - written_at.value  # writing the rows and committing them

    moments = random.Random(30)
    outcomes = {"none": 0, "all": 0}
    for batch in range(1, KILLS + 1):
        data, child, (ready, writing, written_at, done_at) = start(batch)
        assert writing.wait(timeout=60)
        time.sleep(moments.uniform(0, 1.25 * writing_takes))
        killed = kill_9(child)

        store_is_sound(engine)
        rows, audits = imported(engine, batch, data)
        assert (rows, audits) in ((0, 0), (IMPORT_ROWS, 1))  # all or nothing, its audit event with its rows
        assert killed or rows == IMPORT_ROWS
        outcomes["all" if rows else "none"] += 1
    assert outcomes["none"] >= KILLS // 2  # most kills landed while the rows were being written
