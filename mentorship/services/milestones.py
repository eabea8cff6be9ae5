"""Milestones' writes: one step of a mentee's path recorded by the leader, an import or the mentee's own
yearly link, and the leader removing one recorded in error.

Every way in goes through `record_steps` (inside the caller's transaction), so a step recorded twice (a
re-import, the mentee answering again) is one row whose school and note follow the latest recording. Audit
summaries hold ids and counts, never a milestone's school or note.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import milestones as rules
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.models import Mentee, Milestone, MilestoneSource
from mentorship.services.core import operation


def record_steps(
    session: Session,
    *,
    mentee_id: int,
    steps: Iterable[rules.Step],
    source: MilestoneSource | str,
    now: datetime,
    recorded_by_id: int | None = None,
) -> tuple[int, int]:
    """Write checked steps (`milestones.check`) for one mentee in the caller's transaction: a step already
    recorded (same milestone, same day) has its school and note updated, never a second row. Returns (added,
    changed): a step recorded again as it was counts in neither."""
    added = changed = 0
    for step in steps:
        row = session.execute(
            sa.select(Milestone).where(
                Milestone.mentee_id == mentee_id,
                Milestone.kind == step.kind,
                Milestone.happened_on == step.on,
            )
        ).scalar_one_or_none()
        if row is None:
            session.add(
                Milestone(
                    mentee_id=mentee_id,
                    kind=step.kind,
                    happened_on=step.on,
                    school=step.school,
                    note=step.note,
                    source=MilestoneSource(source),
                    recorded_at=now,
                    recorded_by_id=recorded_by_id,
                )
            )
            added += 1
        elif (row.school, row.note) != (step.school, step.note):
            row.school, row.note = step.school, step.note
            row.source, row.recorded_at, row.recorded_by_id = MilestoneSource(source), now, recorded_by_id
            session.add(row)
            changed += 1
    session.flush()
    return added, changed


def record_milestone(
    engine: Engine,
    *,
    actor: Actor,
    mentee_id: int,
    kind: str,
    on: date | None,
    school: str = "",
    note: str = "",
    today: date,
    now: datetime,
) -> bool:
    """The leader records one milestone on a mentee's record. Returns whether anything changed (False: it was
    recorded already, exactly so). Bad input: UnusableInput, one sentence naming the field."""
    step, errors = rules.check(kind, on, school=school, note=note, today=today)
    if step is None:
        raise UnusableInput(rules.error_sentence(errors))
    with operation(
        engine, actor=actor, action="milestone.record", entity="mentee", entity_id=mentee_id
    ) as op:
        mentee = op.session.get(Mentee, mentee_id)
        if mentee is None:
            raise Refused("That mentee is not in the store.")
        added, changed = record_steps(
            op.session,
            mentee_id=mentee_id,
            steps=[step],
            source=MilestoneSource.leader,
            now=now,
            recorded_by_id=actor.id,
        )
        op.record(f"milestone {step.kind}: {added} added, {changed} changed")
        return bool(added or changed)


def remove_milestone(engine: Engine, *, actor: Actor, milestone_id: int) -> None:
    """The leader removes a milestone recorded in error (from any source)."""
    with operation(
        engine, actor=actor, action="milestone.remove", entity="milestone", entity_id=milestone_id
    ) as op:
        row = op.session.get(Milestone, milestone_id)
        if row is None:
            raise Refused("That milestone is not recorded (it may have been removed already).")
        kind, mentee_id = row.kind, row.mentee_id
        op.session.delete(row)
        op.record(f"milestone {kind} of mentee {mentee_id} removed")
