"""What each role may see. Committee members get masked contacts and no individual demographics.

Hiding a column in the browser is not enough (hidden columns still reach it): frames are cut down here,
on the server, before any page builds a table from them.
"""

from __future__ import annotations

import re

import pandas as pd

from mentorship.models import Role

# Individual demographics and free text: never sent to a committee page or export. Languages and
# first-generation status are here too: "speaks Somali" says as much about a person as their ethnicity.
SENSITIVE_COLUMNS = frozenset(
    {
        "languages",
        "first_generation",
        "race_ethnicity",
        "gender",
        "pronouns",
        "identifies_bipoc",
        "bipoc_mentor_preference",
        "mentor_gender_preference",
        "goals",
        "notes",
        "note",
        "end_note",
    }
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# The downloads a committee account may make: the registrations, as the Registrations page shows them.
# The pair and meeting histories are the leader's: a pair's dates, outcome and end reason, or its
# meetings, joined with the names on the registrations tell why a named student's pair ended, and counted
# they give back every figure the Retention page withholds ("fewer than 5": a cohort, a usual format, a
# reason).
COMMITTEE_EXPORTS = ("mentors", "mentees")
HISTORY_IS_THE_LEADERS = (
    "The pair and meeting histories are for the program leader; the Retention page shows what they add up to."
)


def may_export(kind: str, role: Role | str) -> bool:
    return Role(role) == Role.leader or kind in COMMITTEE_EXPORTS


def mask_email(email: str) -> str:
    """`jane.doe@umn.edu` → `j***@umn.edu`."""
    if not email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_phone(phone: str) -> str:
    """`612-555-1234` → `***-***-1234`: the last four digits only."""
    digits = re.sub(r"\D", "", phone or "")
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else ("***" if phone else "")


def _is_contact(column: str, kind: str) -> bool:
    return column == kind or column.endswith(f"_{kind}")


def viewer_frame(frame: pd.DataFrame, role: Role | str) -> pd.DataFrame:
    """The frame as `role` may see it: unchanged for the leader; masked and cut for the committee."""
    if Role(role) == Role.leader:
        return frame
    out = frame.drop(columns=[c for c in frame.columns if c in SENSITIVE_COLUMNS])
    for column in out.columns:
        if _is_contact(column, "email"):
            out[column] = out[column].map(mask_email)
        elif _is_contact(column, "phone"):
            out[column] = out[column].map(mask_phone)
    return out


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix `'` to any text cell a spreadsheet would run as a formula (for CSV exports)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
            )
    return out


def spreadsheet_csv(frame: pd.DataFrame) -> bytes:
    """A CSV file Excel opens as UTF-8 (byte-order mark, CRLF), with every formula neutralised."""
    return neutralise_formulas(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
