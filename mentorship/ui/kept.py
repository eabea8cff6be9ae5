"""What the server keeps for every visitor: the store's engines and the pages' reads.

Kept in this process's memory rather than in `st.cache_resource`/`st.cache_data`: any browser can ask
Streamlit to clear those (the websocket's `clear_cache` message, which an anonymous visitor of the public
check-in page can send too), and what the store's correctness and the pages' speed rest on must not be
clearable by a client. Nothing here is reachable from a browser.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.engine import Engine

from mentorship import db

T = TypeVar("T")


@dataclass(frozen=True)
class Stamped(Generic[T]):
    """An answer with the version it is kept at."""

    answer: T
    version: Hashable


class Kept:
    """A bounded, thread-safe map from a question to its answer at one version of the store.

    Each question keeps only its newest answer (an answer at an older version is never asked for again), the
    least recently used question goes first when there are more than `max_entries`, and while one thread
    computes an answer, the others asking the same question at the same version wait for it rather than
    compute it again: ten visitors opening a page at once cost one read.
    """

    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, tuple[Hashable, object]] = OrderedDict()
        self._computing: dict[tuple[Hashable, Hashable], threading.Event] = {}

    def get(
        self,
        question: Hashable,
        version: Hashable,
        compute: Callable[[], T | Stamped[T]],
        *,
        fresh: Callable[[Hashable], bool] | None = None,
    ) -> T:
        """The answer kept for `question` if it still answers at `version`, else `compute()`'s, kept.

        By default an answer answers only at the version it was computed at; `fresh(kept_version)` may say
        otherwise (an answer that read none of what changed), and `compute` may return its answer
        `Stamped` with the version to keep it at.
        """
        while True:
            with self._lock:
                kept = self._answers.get(question)
                if kept is not None and (fresh(kept[0]) if fresh else kept[0] == version):
                    self._answers.move_to_end(question)
                    return kept[1]  # type: ignore[return-value]
                done = self._computing.get((question, version))
                mine = done is None
                if mine:
                    done = self._computing[(question, version)] = threading.Event()
            if not mine:
                done.wait()
                continue  # the answer is kept now, or its computation failed and this thread tries
            try:
                answer = compute()
                kept_at = version
                if isinstance(answer, Stamped):
                    answer, kept_at = answer.answer, answer.version
                with self._lock:
                    self._answers[question] = (kept_at, answer)
                    self._answers.move_to_end(question)
                    while len(self._answers) > self.max_entries:
                        self._answers.popitem(last=False)
                return answer
            finally:
                with self._lock:
                    del self._computing[(question, version)]
                done.set()

    def __len__(self) -> int:
        return len(self._answers)

    def clear(self) -> None:
        with self._lock:
            self._answers.clear()


class Same:
    """A version that is one object: equal only to itself, whatever its content. Kept as a version, it holds
    the object alive, so no other object can take its id meanwhile."""

    __slots__ = ("thing",)

    def __init__(self, thing: object) -> None:
        self.thing = thing

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.thing is self.thing

    def __hash__(self) -> int:
        return id(self.thing)


# One per store URL for the whole server; a few at most (the tests open many stores, one after another).
_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()
# A page's reads: per page, kind and role about a dozen questions for one store; and its charts' specs.
reads = Kept(max_entries=32)
charts = Kept(max_entries=48)
# What a page makes from a kept read before drawing it (a table as shown, a picker's labels): per read.
shown = Kept(max_entries=32)


def engine(url: str) -> Engine:
    """The store's engine, made and its schema upgraded once per server; a failure is not kept."""
    with _engines_lock:
        found = _engines.get(url)
        if found is None:
            found = db.make_engine(url)
            try:
                db.upgrade(found)
            except BaseException:
                found.dispose()
                raise
            _engines[url] = found
        return found


def forget_everything() -> None:
    """Drop every kept read and engine: for tests that open one store after another, never for a client."""
    reads.clear()
    charts.clear()
    shown.clear()
    with _engines_lock:
        for kept_engine in _engines.values():
            kept_engine.dispose()
        _engines.clear()
