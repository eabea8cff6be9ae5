"""Plain-text formatting shared by the pages and the CLI (no streamlit here)."""

from __future__ import annotations

from dataclasses import dataclass

from mentorship.queries import ProgramSummary


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def share(part: int, whole: int) -> str:
    return f"{part} of {whole}"


def days(n: int | None) -> str:
    if n is None:
        return "–"
    return "1 day" if n == 1 else f"{n} days"


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    help: str


def overview_kpis(s: ProgramSummary) -> list[Kpi]:
    """The Overview's metrics, in reading order."""
    used = None if not s.capacity_total else s.capacity_used / s.capacity_total
    return [
        Kpi(
            "Mentors registered",
            str(s.mentors),
            f"{s.active_mentors} are active and have attested the program's values.",
        ),
        Kpi("Mentees registered", str(s.mentees), "Every registration, whatever its status."),
        Kpi(
            "Mentees waiting",
            str(s.waiting_mentees),
            "Active mentees without a mentor. "
            f"Median wait {days(s.waiting_median_days)}, longest {days(s.waiting_longest_days)}.",
        ),
        Kpi("Active pairs", str(s.active_pairs), "Confirmed pairs that have not ended."),
        Kpi(
            "Mentor capacity used",
            percent(used),
            f"{share(s.capacity_used, s.capacity_total)} places with active, attested mentors.",
        ),
        Kpi(
            "BIPOC-mentor requests met",
            share(s.bipoc_preference_met, s.bipoc_preference_requests),
            "Mentees in active pairs who asked for a BIPOC mentor (required or preferred), "
            "and how many of them have one.",
        ),
        Kpi(
            "Pairs overdue for a meeting",
            str(s.overdue_pairs),
            f"Active pairs with more than {s.overdue_after_days} days since their last meeting "
            "(or since confirmation, if they have not met).",
        ),
        Kpi(
            "One-year completion",
            percent(s.one_year_completion_rate),
            f"Of {s.one_year_eligible_pairs} pairs confirmed at least a year ago, "
            "the share that lasted a year.",
        ),
    ]
