"""A store with open pairs and a leader, ready for the outbox tests (messages go to tests/mailserver.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from mentorship.outbox import actions

from .cadence_store import add_pair
from .conftest import TODAY

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def three_pairs(engine: Engine) -> dict[str, int]:
    """`fresh`: on track; `late`: overdue; `quiet`: confirmed 100 days ago, never met."""
    return {
        "fresh": add_pair(
            engine, "fresh", confirmed_on=TODAY - timedelta(days=200), met_on=(TODAY - timedelta(days=10),)
        ),
        "late": add_pair(
            engine, "late", confirmed_on=TODAY - timedelta(days=300), met_on=(TODAY - timedelta(days=120),)
        ),
        "quiet": add_pair(engine, "quiet", confirmed_on=TODAY - timedelta(days=100)),
    }


def turn_on(engine: Engine, leader, *kinds: str, every: int | None = None) -> None:
    for kind in kinds:
        actions.set_kind(engine, actor=leader, kind=kind, on=True, every_days=every, today=TODAY)
