"""The Registrations page's logic, as plain functions over DataFrames (no streamlit here).

Every function takes the frame a viewer may see (`privacy.viewer_frame` output): filters and tables only
ever work on columns that survived it, so a committee member can neither see nor filter on individual
demographics.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from mentorship import intake
from mentorship.formatting import labelled, plural
from mentorship.values import join_multi, split_multi

NOT_YET_ELIGIBLE = "not yet eligible"
MULTI_COLUMNS = ("languages", "meeting_formats", "advising_areas", "specialty_interests")
SEARCHED = ("first_name", "last_name", "email", "specialty", "specialty_interests", "school", "organization")
# The table's columns, in order; those the viewer may not see are simply absent.
TABLE_COLUMNS = {
    "mentors": (
        "name",
        "email",
        "phone",
        "status",
        "eligibility",
        "pairing",
        "open_pairs",
        "capacity",
        "specialty",
        "organization",
        "career_stage",
        "meeting_formats",
        "advising_areas",
        "languages",
        "identifies_bipoc",
        "race_ethnicity",
        "gender",
        "pronouns",
        "registered_on",
    ),
    "mentees": (
        "name",
        "email",
        "phone",
        "status",
        "pairing",
        "days_waiting",
        "school",
        "class_year",
        "major",
        "first_generation",
        "specialty_interests",
        "meeting_formats",
        "languages",
        "identifies_bipoc",
        "bipoc_mentor_preference",
        "race_ethnicity",
        "gender",
        "mentor_gender_preference",
        "pronouns",
        "goals",
        "registered_on",
    ),
}


@dataclass(frozen=True)
class Filters:
    search: str = ""
    statuses: tuple[str, ...] = ()
    preferences: tuple[str, ...] = ()  # BIPOC-mentor preference (mentees; the leader only)
    formats: tuple[str, ...] = ()  # any of these meeting formats
    pairing: str = ""  # "", "waiting" or "matched"
    attested: bool | None = None  # mentors: True attested, False not yet eligible


def filter_frame(people: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows that match every filter; an empty filter matches everyone."""
    keep = pd.Series(True, index=people.index)
    if filters.search.strip():
        needle = filters.search.strip().lower()
        text = pd.Series("", index=people.index)
        for column in SEARCHED:
            if column in people:
                text = text + " " + people[column].fillna("").astype(str).str.lower()
        keep &= text.str.contains(needle, regex=False)
    if filters.statuses:
        keep &= people["status"].isin(filters.statuses)
    if filters.preferences and "bipoc_mentor_preference" in people:
        keep &= people["bipoc_mentor_preference"].isin(filters.preferences)
    if filters.formats:
        wanted = set(filters.formats)
        keep &= people["meeting_formats"].map(lambda cell: bool(wanted & set(split_multi(cell))))
    if filters.pairing:
        keep &= people["pairing"] == filters.pairing
    if filters.attested is not None and "attests_values" in people:
        keep &= people["attests_values"] == filters.attested
    return people[keep]


def table(people: pd.DataFrame, kind: str) -> pd.DataFrame:
    """What the page's table shows: a name column, lists for multi-choice answers, choices and eligibility
    in words."""
    out = people.copy()
    out["name"] = (out["first_name"] + " " + out["last_name"]).str.strip()
    if "attests_values" in out:
        out["eligibility"] = out["attests_values"].map(lambda a: "eligible" if a else NOT_YET_ELIGIBLE)
    for column in MULTI_COLUMNS:
        if column in out:
            out[column] = out[column].map(split_multi)
    return labelled(out[[c for c in TABLE_COLUMNS[kind] if c in out.columns]])


def counts_caption(shown: int, total: int, kind: str) -> str:
    """ "1 mentee", "120 mentees", "3 of 120 mentees"."""
    counted = plural(total, intake.ENTITY[kind])
    return counted if shown == total else f"{shown} of {counted}"


# The add and edit forms: widget values ↔ the cells an import row would have
def form_cells(kind: str, answers: dict[str, Any]) -> dict[str, str]:
    """Widget values as import cells, so a typed registration goes through the import's own rules."""
    cells: dict[str, str] = {}
    for column in intake.TEMPLATES[kind]:
        if column not in answers:
            continue
        value = answers[column]
        if isinstance(value, list | tuple):
            value = join_multi(list(value))
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif isinstance(value, date):
            value = value.isoformat()
        cells[column] = "" if value is None else str(value)
    return cells


def form_defaults(person: pd.Series | None, kind: str) -> dict[str, Any]:
    """A stored registration as the edit form's starting values (an empty form when `person` is None)."""
    defaults: dict[str, Any] = {}
    for column in intake.TEMPLATES[kind]:
        value = None if person is None else person.get(column)
        if column in ("meeting_formats", "advising_areas"):
            defaults[column] = split_multi(value) if value else []
        elif column == "capacity":
            defaults[column] = int(value) if value is not None and not pd.isna(value) else 1
        elif column == "attests_values":
            defaults[column] = bool(value) if value is not None else False
        elif column == "first_generation":
            defaults[column] = "" if value is None or pd.isna(value) else ("yes" if value else "no")
        elif column == "registered_on":
            defaults[column] = value if isinstance(value, date) else None
        elif column == "identifies_bipoc":  # a new form starts unanswered (empty: undisclosed)
            defaults[column] = None if person is None else value or "undisclosed"
        elif column == "bipoc_mentor_preference":  # a new form starts unanswered (empty: none)
            defaults[column] = None if person is None else value or "none"
        else:
            defaults[column] = "" if value is None else str(value)
    return defaults


def error_rows(errors: list[str], row: int | None = None) -> pd.DataFrame:
    """Errors ("column: why") as a table, so no user-typed value is ever rendered as markdown."""
    rows = []
    for error in errors:
        column, _, why = error.partition(": ")
        rows.append(
            {"row": row, "column": column, "problem": why}
            if row is not None
            else {"field": column, "problem": why}
        )
    return pd.DataFrame(rows)


def invalid_rows(plan: intake.ImportPlan) -> pd.DataFrame:
    """One line per problem: the row a spreadsheet shows, whose row it is (as the file names them: this is
    the leader's own file, shown to the leader), the column and what is wrong."""
    who = plan.preview().set_index("row")["who"]
    frames = [
        error_rows(r.errors, r.row).assign(who=who[r.row]) for r in plan.rows if r.action == intake.INVALID
    ]
    columns = ["row", "who", "column", "problem"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def changes(plan: intake.ImportPlan) -> pd.DataFrame:
    """The rows an import will create or update, with what changes."""
    preview = plan.preview()
    return preview[preview["action"].isin([intake.CREATE, intake.UPDATE])].reset_index(drop=True)
