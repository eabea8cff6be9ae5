"""Many people acting at the same moment: processes (several app instances) or threads (one app's users)."""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db, services
from mentorship.auth import Actor
from mentorship.errors import Refused

from .conftest import TODAY
from .factories import make_match

CONFIRMED = "confirmed"

_start: Any = None


def _wait_here(start) -> None:
    global _start
    _start = start


def _when_released(work: Callable, args: tuple):
    _start.wait()
    return work(*args)


def in_processes(work: Callable, calls: Sequence[tuple]) -> list:
    """`work(*args)` for each `args` in `calls`, each in a process of its own, all released at one moment.

    Results come back in the order of `calls`. The processes are forked (spawn would re-import whatever
    AppTest left as __main__), so dispose of the caller's engine first: a connection must not cross a fork.
    """
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    with ctx.Pool(len(calls), initializer=_wait_here, initargs=(start,)) as pool:
        pending = [pool.apply_async(_when_released, (work, args)) for args in calls]
        start.set()
        return [p.get(timeout=120) for p in pending]


def in_threads(work: Callable, calls: Sequence[tuple]) -> list:
    """`work(*args)` for each `args` in `calls`, each in a thread of its own, all released at one moment."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    failures: list[Exception] = []

    def run(i: int, args: tuple) -> None:
        barrier.wait()
        try:
            results[i] = work(*args)
        except Exception as exc:  # raised again in the caller's thread
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i, args)) for i, args in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    if failures:
        raise failures[0]
    return results


def confirm(store: str | Engine, actor: Actor, mentor_id: int, mentee_id: int) -> str:
    """What the leader who clicked Confirm reads: CONFIRMED, or the refusal's one sentence.

    `store` is a URL (a process opens its own engine, as an app instance does) or the shared engine.
    """
    engine = db.make_engine(store) if isinstance(store, str) else store
    try:
        services.confirm_pair(engine, actor=actor, today=TODAY, mentor_id=mentor_id, mentee_id=mentee_id)
        return CONFIRMED
    except Refused as exc:
        return str(exc)
    finally:
        if engine is not store:
            engine.dispose()


def _insert_match(url: str, mentor_id: int, mentee_id: int) -> str:
    engine = db.make_engine(url)
    try:
        with db.write_session(engine) as session:
            session.add(make_match(mentor_id, mentee_id))
        return "confirmed"
    except sa.exc.IntegrityError as exc:
        return "full" if "mentor at capacity" in str(exc) else f"error: {exc}"
    except sa.exc.OperationalError as exc:
        return f"error: {exc}"
    finally:
        engine.dispose()


def confirm_at_once(url: str, mentor_id: int, mentee_ids: list[int]) -> list[str]:
    """One process per mentee, all released at the same moment, each inserting a match directly."""
    return sorted(in_processes(_insert_match, [(url, mentor_id, m) for m in mentee_ids]))
