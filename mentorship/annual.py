"""The yearly "Where are you now?": once a year, on or after a day the leader sets, every mentee who is not
withdrawn and has not stopped these mails (pair ended, or never paired, alike) is asked by mail what
happened on their path to medical school since. Pure: no store, no services — reads live in
`mentorship.queries`, writes in `mentorship.services.annual`.

The mail's link opens the public Update page for that mentee's year (`AnnualUpdate`): it opens at the first
sending and closes OPEN_FOR later; a newer mail's link replaces the older. The mentee adds milestones (the
same rule set as every other way in, `milestones.check`) or answers "nothing new", and may stop the yearly
mails there or through the mail's own stop link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from mentorship import milestones
from mentorship.errors import UnusableInput

KIND = "annual-update"  # the outbox kind
OPEN_FOR = timedelta(days=60)  # the link works for 60 days from the first sending
STOP_FOR = timedelta(days=365)  # the mail's stop link: a year from the first sending, as a reminder's
MAX_STEPS = 8  # milestones added in one answer (there are eight kinds)

# An unknown, replaced or closed link: one sentence and nothing else (which of the three is not said)
CLOSED = "This link is not valid or has closed; the newest yearly email has a working one."
STOP_INACTIVE = (
    "This link to stop the yearly emails is not active; the newest yearly email has a working one, or write "
    "to the program leader."
)
PRIVACY_NOTE = (
    "Only the program leader reads what you add here, with your name. The committee and the program's "
    "partners see only totals of five or more students, never your name or your school."
)
SAVED = "Thank you: {added} added to your path. You can add more with this link until {closes}."
NOTHING_NEW = "Thank you for letting us know. You can still add a step with this link until {closes}."
NOTHING_TYPED = "Choose what happened and when, or press “Nothing new since then”."
STOPPED = "Done: the program will send you no more yearly emails."
ALREADY_STOPPED = "You had already asked: the program sends you no more yearly emails."


def ask_on(year: int, month_day: tuple[int, int]) -> date:
    """The day of `year` on or after which the yearly update goes out."""
    month, day = month_day
    return date(year, month, day)


def is_open(closes_at: datetime | None, now: datetime) -> bool:
    return closes_at is not None and now < closes_at


@dataclass(frozen=True)
class Typed:
    """One step as the mentee typed it on the page (milestone key, its date, the school)."""

    kind: str | None
    on: date | None
    school: str = ""


def check_steps(typed: list[Typed] | list[dict[str, Any]], *, today: date) -> list[milestones.Step]:
    """The typed steps as they will be stored; rows left entirely empty are dropped. UnusableInput in one
    sentence naming the step and what is wrong with it (`milestones.check`'s rules)."""
    rows = [
        t if isinstance(t, Typed) else Typed(t.get("kind"), t.get("on"), t.get("school") or "") for t in typed
    ]
    rows = [r for r in rows if r.kind or r.on is not None or (r.school or "").strip()]
    if len(rows) > MAX_STEPS:
        raise UnusableInput(f"Add at most {MAX_STEPS} steps at a time.")
    steps = []
    for number, row in enumerate(rows, start=1):
        which = milestones.LABELS.get(row.kind or "", f"Step {number}")
        if not row.kind:
            raise UnusableInput(f"Step {number}: choose what happened.")
        step, errors = milestones.check(row.kind, row.on, school=row.school, today=today)
        if step is None:
            raise UnusableInput(f"{which}: {milestones.error_sentence(errors)}")
        steps.append(step)
    return steps
