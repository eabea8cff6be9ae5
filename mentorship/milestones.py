"""The path to medical school: each mentee's milestones, and the funnel pathway programs report (registered →
paired → a year with a mentor → applied → interviewed → accepted → matriculated). Pure: plain frames in, plain
frames out (no store, no streamlit); reads live in `mentorship.queries`, writes in `mentorship.services`.

A mentee counts in a stage when any milestone at or past it is recorded: a matriculated mentee counts as
applied, interviewed and accepted too, and `reapplying` counts as applied. `mcat`, `other_profession` and
`left_premed` reach no stage, but they make the mentee's status known. A mentee with no milestone at all is
`unknown`, never counted as "no".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from mentorship import values
from mentorship.models import MilestoneKind

KINDS = tuple(k.value for k in MilestoneKind)
LABELS = {
    "mcat": "Took the MCAT",
    "applied": "Applied to medical school",
    "interviewed": "Interviewed",
    "accepted": "Accepted (at least one offer)",
    "matriculated": "Matriculated",
    "reapplying": "Reapplying",
    "other_profession": "Chose another health profession",
    "left_premed": "Left the pre-med path",
}
# What the date of each means (the form's and the template's help)
DATE_MEANS = {
    "mcat": "the month of the test",
    "applied": "the application cycle's year",
    "matriculated": "the year of starting medical school",
}
STAGES = ("applied", "interviewed", "accepted", "matriculated")
STAGE_LABELS = {
    "registered": "Registered",
    "paired": "Paired with a mentor",
    "one_year": "A year with a mentor",
    "applied": "Applied",
    "interviewed": "Interviewed",
    "accepted": "Accepted",
    "matriculated": "Matriculated",
}
# The furthest stage each milestone shows (an index into STAGES); None: no stage, but the status is known
REACHES: dict[str, int | None] = {
    "mcat": None,
    "applied": 0,
    "reapplying": 0,
    "interviewed": 1,
    "accepted": 2,
    "matriculated": 3,
    "other_profession": None,
    "left_premed": None,
}
WITH_SCHOOL = "matriculated"  # the one milestone that names a school
SCHOOL_MAX = 200
NOTE_MAX = 500
EARLIEST = date(2000, 1, 1)  # no mentee of the program took a step before this


@dataclass(frozen=True)
class Step:
    """One milestone as it will be stored (`check`)."""

    kind: str
    on: date
    school: str = ""
    note: str = ""


def check(
    kind: str, on: date | None, *, school: str = "", note: str = "", today: date
) -> tuple[Step | None, list[str]]:
    """A milestone as typed, imported or answered, checked by one rule set: the Step, or every problem as
    `column: why` (the import's columns milestone, on, school, note; "why" reads after "The <column>"). The
    date is not in the future (nor before 2000); only `matriculated` names a school, on one line; the note is
    at most 500 characters."""
    errors = []
    kind = (kind or "").strip().lower()
    if kind not in KINDS:
        errors.append(f"milestone: must be one of {', '.join(KINDS)}")
    if on is None:
        errors.append("on: is required (a date, YYYY-MM-DD)")
    elif on > today:
        errors.append("on: is in the future")
    elif on < EARLIEST:
        errors.append(f"on: is before {EARLIEST.year}")
    school = (school or "").strip()
    if school and kind != WITH_SCHOOL:
        errors.append("school: is only for a matriculation")
    elif len(school) > SCHOOL_MAX:
        errors.append(f"school: must be at most {SCHOOL_MAX} characters")
    elif school:
        try:
            values.check_line(school)
        except ValueError as exc:
            errors.append(f"school: {exc}")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors.append(f"note: must be at most {NOTE_MAX} characters")
    else:
        try:
            values.check_text(note)
        except ValueError as exc:
            errors.append(f"note: {exc}")
    if errors:
        return None, errors
    return Step(kind, on, school, note), []


ONE_YEAR_DAYS = 365  # retention.ONE_YEAR_DAYS
FUNNEL = ("registered", "paired", "one_year", *STAGES)
COHORT_COLUMNS = ["year", *FUNNEL, "unknown"]
ASSOCIATIONS = (
    "These comparisons show associations, not effects: the students in each group differ in more than the "
    "thing compared, and a status is known only for those who told the program."
)


def furthest(kinds: pd.Series) -> int:
    """The furthest stage (index into STAGES) that any of one mentee's milestones reaches, or -1 for none."""
    reached = [REACHES[k] for k in kinds if REACHES.get(k) is not None]
    return max(reached, default=-1)


def mentee_paths(
    mentees: pd.DataFrame, milestones: pd.DataFrame, pairs: pd.DataFrame, today: date
) -> pd.DataFrame:
    """One row per mentee: `mentee_id`, `year` (of registration), `paired`, `one_year`, `furthest` (-1: no
    stage reached), `known` (any milestone).

    `mentees` has `mentee_id`, `registered_on`; `milestones` `mentee_id`, `kind`; `pairs` `mentee_id`,
    `confirmed_on`, `ended_on` (missing while open). A pair lasts from its confirmation to its end (or today);
    `one_year`: some pair of the mentee's lasted at least 365 days.
    """
    out = pd.DataFrame(
        {
            "mentee_id": mentees["mentee_id"].astype("int64"),
            "year": pd.to_datetime(mentees["registered_on"]).dt.year.astype("int64"),
        }
    )
    if len(pairs):
        start = pd.to_datetime(pairs["confirmed_on"])
        end = pd.to_datetime(pairs["ended_on"]).fillna(pd.Timestamp(today))
        lasted = (end - start) >= pd.Timedelta(days=ONE_YEAR_DAYS)
        by_mentee = pd.DataFrame({"mentee_id": pairs["mentee_id"].astype("int64"), "lasted": lasted})
        paired = set(by_mentee["mentee_id"])
        year_long = set(by_mentee.loc[by_mentee["lasted"], "mentee_id"])
    else:
        paired, year_long = set(), set()
    out["paired"] = out["mentee_id"].isin(paired)
    out["one_year"] = out["mentee_id"].isin(year_long)
    if len(milestones):
        reach = milestones["kind"].map(lambda k: -1 if REACHES.get(k) is None else REACHES[k])
        best = reach.groupby(milestones["mentee_id"].astype("int64")).max()
        out["furthest"] = out["mentee_id"].map(best).fillna(-1).astype("int64")
        out["known"] = out["mentee_id"].isin(set(milestones["mentee_id"].astype("int64")))
    else:
        out["furthest"] = -1
        out["known"] = False
    return out


def cohorts(paths: pd.DataFrame) -> pd.DataFrame:
    """The funnel by registration year (`COHORT_COLUMNS`), oldest first, from `mentee_paths`."""
    rows = []
    for year, group in paths.groupby("year", sort=True):
        row = {
            "year": int(year),
            "registered": len(group),
            "paired": int(group["paired"].sum()),
            "one_year": int(group["one_year"].sum()),
        }
        for i, stage in enumerate(STAGES):
            row[stage] = int((group["furthest"] >= i).sum())
        row["unknown"] = int((~group["known"]).sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=COHORT_COLUMNS).astype(dict.fromkeys(COHORT_COLUMNS, "int64"))


# Comparisons: the share of mentees whose status is known who applied, and who were accepted, in two groups
COMPARED = ("applied", "accepted")
COMPARISON_COLUMNS = ["comparison", "group", "outcome", "known", "reached", "share", "low", "high"]
COMPARISONS = {
    "year": "Mentored at least a year, or less",
    "concordance": "BIPOC-concordant pair, or not (students who asked for a BIPOC mentor)",
}
GROUPS = {
    "year": ("At least a year", "Less than a year"),
    "concordance": ("BIPOC-identifying mentor", "Mentor not BIPOC-identifying"),
}


def wilson(reached: int, known: int) -> tuple[float, float]:
    """The 95% Wilson score interval (statsmodels' `proportion_confint`); NaN on no mentee."""
    if known == 0:
        return (math.nan, math.nan)
    low, high = proportion_confint(reached, known, alpha=0.05, method="wilson")
    return (float(low), float(high))


def comparisons(paths: pd.DataFrame, pairs: pd.DataFrame, today: date) -> pd.DataFrame:
    """`COMPARISON_COLUMNS`, one row per comparison, group and compared outcome, counted over the mentees
    whose status is known (`known`), with the 95% Wilson interval of the share.

    - "year": mentees whose first pair was confirmed at least a year ago (so each had the chance of a year),
      with a pair that lasted a year against those whose pairs all ended sooner;
    - "concordance": mentees who asked for a BIPOC mentor (`asked` in `pairs`), by whether their first
      pair's mentor identifies as BIPOC (`concordant`: True, False, or missing when undisclosed: left out).
    """
    known = paths[paths["known"]]
    rows = []
    if len(pairs):
        # each mentee's first pair as it is: `groupby().first()` would take each column's first value that is
        # not missing, and so give a first mentor who did not disclose a later mentor's BIPOC identity
        ordered = pairs.sort_values(["mentee_id", "confirmed_on"], kind="stable")
        first = ordered.drop_duplicates("mentee_id").set_index("mentee_id")
        long_ago = set(
            first.index[
                pd.to_datetime(first["confirmed_on"]) <= pd.Timestamp(today - timedelta(days=ONE_YEAR_DAYS))
            ]
        )
        asked = first[first["asked"].fillna(False).astype(bool)]
        concordant = set(asked.index[asked["concordant"].eq(True)])
        discordant = set(asked.index[asked["concordant"].eq(False)])
    else:
        long_ago, concordant, discordant = set(), set(), set()
    eligible_year = known[known["mentee_id"].isin(long_ago)]
    groups = {
        "year": (eligible_year[eligible_year["one_year"]], eligible_year[~eligible_year["one_year"]]),
        "concordance": (
            known[known["mentee_id"].isin(concordant)],
            known[known["mentee_id"].isin(discordant)],
        ),
    }
    for comparison, members in groups.items():
        for label, group in zip(GROUPS[comparison], members, strict=True):
            for outcome in COMPARED:
                n = len(group)
                k = int((group["furthest"] >= STAGES.index(outcome)).sum())
                low, high = wilson(k, n)
                rows.append([comparison, label, outcome, n, k, k / n if n else math.nan, low, high])
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)
