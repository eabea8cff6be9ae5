"""The `milestones` import's plan and write: the part of `intake`'s pipeline that only this kind has.

`intake.read` and `intake.parse_row` read the file as for every kind (the template's columns, `milestone` as a
code or its words, `on` as any date `intake.parse_date` reads); here each row is checked by
`milestones.check` (the one rule set, whatever the way in) against the registered mentees, and written by
`services.record_steps` with source "import". A step already recorded (same mentee, milestone and day) is
unchanged when its school and note are the same, updated when they differ, never a second row.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from mentorship import intake
from mentorship import milestones as rules
from mentorship.models import Mentee, Milestone, MilestoneSource, utcnow
from mentorship.services.milestones import record_steps


def plan(session: Session, parsed: list, *, today: date) -> list[intake.RowPlan]:
    """Each parsed row (`(row, values, errors)`) as created, updated, unchanged or invalid."""
    mentees = _mentee_ids(session, {v["mentee_email"] for _, v, _ in parsed if v.get("mentee_email")})
    existing = _recorded(session, set(mentees.values()))
    seen: dict[tuple, int] = {}
    out: list[intake.RowPlan] = []
    for number, values, errors in parsed:
        email = values.get("mentee_email")
        if email and email not in mentees:
            errors.append("mentee_email: no mentee with this email is registered")
        step = _step(values, errors, today)
        key = None
        if step is not None and not errors:
            key = (mentees[email], step.kind, step.on)
            if earlier := intake._earlier_row(seen, key, number):
                errors.append(f"on: this mentee's same milestone on this day is already in row {earlier}")
        if errors or key is None:
            out.append(intake.RowPlan(number, intake.INVALID, values, errors))
            continue
        values |= {"mentee_id": key[0], "milestone": step.kind, "school": step.school, "note": step.note}
        current = existing.get(key)
        if current is None:
            out.append(intake.RowPlan(number, intake.CREATE, values))
            continue
        changes = tuple(c for c in ("school", "note") if current[c] != values[c])
        action = intake.UPDATE if changes else intake.UNCHANGED
        out.append(intake.RowPlan(number, action, values, [], current["id"], changes))
    return out


def _step(values: dict, errors: list[str], today: date) -> rules.Step | None:
    """The row checked by `milestones.check`; a column the file's cell already failed is not named twice,
    and without a known milestone the school's rule (matriculations only) has nothing to go by."""
    failed = {error.partition(":")[0] for error in errors}
    step, problems = rules.check(
        values.get("milestone") or "",
        values.get("on"),
        school=values.get("school") or "",
        note=values.get("note") or "",
        today=today,
    )
    skip = failed | ({"school"} if "milestone" in failed else set())
    errors += [p for p in problems if p.partition(":")[0] not in skip]
    return step


def _mentee_ids(session: Session, emails: set[str]) -> dict[str, int]:
    found = intake._by_email(session, Mentee, emails, [Mentee.id, Mentee.email])
    return {email: row["id"] for email, row in found.items()}


def _recorded(session: Session, mentee_ids: set[int]) -> dict[tuple, dict]:
    """The milestones already recorded for these mentees, by (mentee, milestone, day)."""
    found: dict[tuple, dict] = {}
    columns = [Milestone.id, Milestone.mentee_id, Milestone.kind, Milestone.happened_on, Milestone.school]
    for chunk in intake._chunks(sorted(mentee_ids)):
        statement = sa.select(*columns, Milestone.note).where(Milestone.mentee_id.in_(chunk))
        for row in session.execute(statement).mappings():
            kind = getattr(row["kind"], "value", row["kind"])
            found[(row["mentee_id"], kind, row["happened_on"])] = dict(row)
    return found


def write(session: Session, plan_: intake.ImportPlan, steps) -> None:
    """The created and updated rows, one mentee at a time, through `record_steps` (source "import")."""
    now = utcnow()
    by_mentee: dict[int, list[rules.Step]] = defaultdict(list)
    for r in plan_.rows:
        if r.action in (intake.CREATE, intake.UPDATE):
            v = r.values
            by_mentee[v["mentee_id"]].append(rules.Step(v["milestone"], v["on"], v["school"], v["note"]))
    for mentee_id, mentee_steps in by_mentee.items():
        record_steps(
            session, mentee_id=mentee_id, steps=mentee_steps, source=MilestoneSource.imported, now=now
        )
        steps.advance(len(mentee_steps))
