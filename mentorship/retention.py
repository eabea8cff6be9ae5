"""How long pairs last, for whom, and why they end: pure functions of the pairs' history and "today".

The definitions the Retention page, the CLI and the Overview share:
- duration: from confirmation to the end, or to today while the pair is open (then it is censored);
- survival: the Kaplan–Meier estimate (statsmodels' `SurvfuncRight`) of the share of pairs still going, by
  month since confirmation (a month = 30.44 days), with its 95% Hall–Wellner confidence band;
- one-year completion: among pairs confirmed at least 365 days ago, the share whose duration reached 365 days;
- continuation: among pairs whose duration reached 365 days, the share that continued (status `continued`,
  or a decision to continue that the pair's end came after);
- median duration: the time, in months, at which the survival estimate first falls to 0.5 or below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import NamedTuple

import numpy as np
import pandas as pd

from mentorship.errors import UnusableInput
from mentorship.models import OPEN_MATCH_STATUSES, EndReason, MatchStatus

MONTH_DAYS = 30.44
ONE_YEAR_DAYS = 365
DECISION_WINDOW_DAYS = 30  # open pairs this close to their one-year mark are listed for a decision

ASKED_AND_GOT = "Asked for a BIPOC mentor, got one"
ASKED_NOT_GOT = "Asked for a BIPOC mentor, did not get one"
DID_NOT_ASK = "Did not ask for a BIPOC mentor"
CONCORDANCE_ORDER = [ASKED_AND_GOT, ASKED_NOT_GOT, DID_NOT_ASK]
NO_MEETINGS = "No meetings logged"
OVERALL = "All pairs"

END_REASON_LABELS = {
    EndReason.completed_year: "Completed the year",
    EndReason.schedules: "Schedules",
    EndReason.moved: "Moved away",
    EndReason.mismatch: "Mismatch",
    EndReason.matriculated: "Mentee matriculated",
    EndReason.left_premed: "Left the pre-med path",
    EndReason.unresponsive: "Unresponsive",
    EndReason.other: "Other",
}
NOT_RECORDED = "Not recorded"
# The reasons a leader can give for ending a pair (completing its year is a decision of its own).
END_CHOICES = [r for r in END_REASON_LABELS if r != EndReason.completed_year]

CURVE_COLUMNS = ["month", "survival", "lower", "upper", "at_risk"]


class Rate(NamedTuple):
    """A share and the number of pairs behind it (`value` is None when there are none)."""

    value: float | None
    pairs: int


@dataclass(frozen=True)
class GroupFigures:
    key: int | str  # the cohort's year, or the group's label
    group: str
    pairs: int
    one_year_completion: Rate
    continuation: Rate
    median_months: float | None
    curve: pd.DataFrame  # CURVE_COLUMNS, one row per whole month since confirmation


# Durations
def durations(pairs: pd.DataFrame, today: date) -> pd.DataFrame:
    """Add `days` and `months` (confirmation to end, or to today while open) and `ended` (False = censored).

    `pairs` needs `confirmed_on` and `ended_on` (missing while open), as dates. An end after today counts as
    not yet happened.
    """
    out = pairs.copy()
    now = pd.Timestamp(today)
    confirmed = pd.to_datetime(out["confirmed_on"])
    ended_on = pd.to_datetime(out["ended_on"])
    ended = ended_on.notna() & (ended_on <= now)
    stop = ended_on.where(ended, now)
    out["days"] = (stop - confirmed).dt.days.astype("int64")
    out["months"] = out["days"] / MONTH_DAYS
    out["ended"] = ended.astype(bool)
    out["age_days"] = (now - confirmed).dt.days.astype("int64")
    return out


def one_year_completion(history: pd.DataFrame, today: date) -> Rate:
    """Among pairs confirmed at least a year ago, the share whose duration reached a year.

    `history` has `confirmed_on` and `ended_on` (missing while open).
    """
    return completion(durations(history, today))


def completion(d: pd.DataFrame) -> Rate:
    """`one_year_completion` of pairs whose durations are known (the output of `durations`)."""
    eligible = d["age_days"] >= ONE_YEAR_DAYS
    if not eligible.any():
        return Rate(None, 0)
    lasted = d.loc[eligible, "days"] >= ONE_YEAR_DAYS
    return Rate(round(float(lasted.mean()), 4), int(eligible.sum()))


def continued(d: pd.DataFrame) -> pd.Series:
    """Whether each pair went on past its one-year decision: it continues now, or ended after deciding to."""
    decided_on = pd.to_datetime(d["decided_on"])
    ended_on = pd.to_datetime(d["ended_on"])
    went_on = decided_on.notna() & ended_on.notna() & (ended_on > decided_on)
    return (d["status"] == MatchStatus.continued.value) | went_on


def continuation(d: pd.DataFrame) -> Rate:
    """Among pairs whose duration reached a year, the share that continued. `d` comes from `durations`."""
    reached = d["days"] >= ONE_YEAR_DAYS
    if not reached.any():
        return Rate(None, 0)
    return Rate(round(float(continued(d)[reached].mean()), 4), int(reached.sum()))


def parse_end_reason(text: str, *, history: bool = False) -> tuple[EndReason, str]:
    """A reason as people write it: a choice by name or label, or `other: <note>`; returns (reason, note).

    "schedules", "Left the pre-med path", "left_premed" and "mentee matriculated" are all understood. The
    CLI's `--reason` and the import's `end_reason` column both read reasons this way; `history` (a file of
    past pairs) also takes "completed year", and an other without a note (records kept before the note was
    asked for, and their exports, must read back).
    """
    head, sep, note = text.partition(":")
    wanted = _words(head)
    choices = list(EndReason) if history else END_CHOICES
    for reason in choices:
        if wanted in (
            _words(reason.value),
            _words(END_REASON_LABELS[reason]),
            _words(f"mentee {reason.value}"),
        ):
            note = note.strip() if sep else ""
            if reason == EndReason.other and not note and not history:
                raise UnusableInput("Say why in a note: --reason 'other: <what happened>'.")
            if reason != EndReason.other and note:
                raise UnusableInput("Only the reason 'other' takes a note.")
            return reason, note
    names = ", ".join(r.value for r in choices)
    raise UnusableInput(f"The reason must be one of {names} (other with a note: 'other: ...').")


def _words(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").replace("-", " ").split()).replace("pre med", "premed")


def as_of(pairs: pd.DataFrame, day: date) -> pd.DataFrame:
    """The pairs' history as it stood at the end of `day`: only pairs confirmed by then, and every end,
    end reason and decision dated after it undone (the pair is open again, `active` or `continued`).

    `pairs` has `confirmed_on`, `ended_on`, `decided_on` and `status` (plain values), and may have
    `end_reason`. When it has `confirmed_seen` and `ended_seen` (`privacy.seen_by`), those say by when a
    confirmation or an end counts as having happened; the figures still use the days they took effect.
    What people said of themselves (a BIPOC preference, an identity) is kept as it is now: the store holds
    no history of it.
    """
    end_of_day = pd.Timestamp(day)
    confirmed = pairs["confirmed_seen"] if "confirmed_seen" in pairs else pairs["confirmed_on"]
    out = pairs[(pd.to_datetime(confirmed) <= end_of_day).to_numpy()].copy()
    ended = out["ended_seen"] if "ended_seen" in out else out["ended_on"]
    ended_later = (pd.to_datetime(ended) > end_of_day).to_numpy()
    decided = pd.to_datetime(out["decided_on"])
    # a decision to complete or end is the end itself (same day): undone with it
    decided_later = (
        (decided > end_of_day) | (ended_later & (decided == pd.to_datetime(out["ended_on"])))
    ).to_numpy()
    for column, undo in (
        ("ended_on", ended_later),
        ("end_reason", ended_later),
        ("decided_on", decided_later),
    ):
        if column in out:
            out[column] = out[column].astype(object)
            out.loc[undo, column] = None
    reopened = np.where(
        pd.to_datetime(out["decided_on"]).notna(), MatchStatus.continued.value, MatchStatus.active.value
    )
    out["status"] = np.where(pd.to_datetime(out["ended_on"]).isna(), reopened, out["status"].astype(object))
    return out


def measured(pairs: pd.DataFrame, day: date) -> pd.DataFrame:
    """The pairs as they stood at the end of `day` (`as_of`), with their durations and groups then
    (`durations`, `label_groups`): what `figures`, `by_group` and `end_reasons` count as of that day."""
    return label_groups(durations(as_of(pairs, day), day))


ASKS_FOR_BIPOC = ("required", "preferred")


class Requests(NamedTuple):
    """Mentees in open pairs who asked for a BIPOC mentor, and how many of them have one."""

    met: int
    asked: int


def requests_met(pairs: pd.DataFrame, day: date) -> Requests:
    """Of the pairs open at the end of `day` whose mentee asked for a BIPOC mentor (required or preferred),
    how many have a BIPOC-identifying mentor.

    `pairs` as for `as_of`, with `bipoc_mentor_preference` and `mentor_identifies_bipoc` (plain values).
    """
    then = as_of(pairs, day)
    asked = then[
        pd.to_datetime(then["ended_on"]).isna() & then["bipoc_mentor_preference"].isin(ASKS_FOR_BIPOC)
    ]
    return Requests(int((asked["mentor_identifies_bipoc"] == "yes").sum()), len(asked))


# Kaplan–Meier
def _survival_model():
    # Imported here: statsmodels pulls in scipy.stats (most of a second), which only survival needs, so
    # `summary` and the other commands start without it; the dashboard's server loads it as it starts.
    from statsmodels.duration.survfunc import SurvfuncRight

    return SurvfuncRight


def load() -> None:
    """Import what survival curves need now rather than at the first one (for a long-running server)."""
    _survival_model()


def _fit(d: pd.DataFrame):
    if d.empty:
        return None
    return _survival_model()(d["months"].to_numpy(dtype=float), d["ended"].to_numpy(dtype=int))


def survival_curve(d: pd.DataFrame) -> pd.DataFrame:
    """The Kaplan–Meier estimate at each whole month since confirmation, with its confidence band.

    Months run from 0 to the last observation (one month further when the last drop falls inside it).
    `lower`/`upper` are missing where the band is not defined (before the first end, or at zero).
    """
    fit = _fit(d)
    if fit is None:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    times, prob = fit.surv_times, fit.surv_prob
    if len(times):
        with np.errstate(divide="ignore", invalid="ignore"):
            lower, upper = fit.simultaneous_cb(transform="arcsin")
    else:
        lower = upper = np.array([])
    horizon = int(np.floor(d["months"].max()))
    if len(times) and times[-1] > horizon:
        horizon += 1
    months = np.arange(horizon + 1)
    step = np.searchsorted(times, months, side="right") - 1  # the last change at or before each month
    at = step.clip(min=0)
    before_first = step < 0
    observed = np.sort(d["months"].to_numpy(dtype=float))
    curve = pd.DataFrame(
        {
            "month": months.astype(int),
            "survival": np.where(before_first, 1.0, prob[at] if len(times) else 1.0).round(4),
            "lower": np.where(before_first, np.nan, lower[at] if len(times) else np.nan),
            "upper": np.where(before_first, np.nan, upper[at] if len(times) else np.nan),
            "at_risk": len(observed) - np.searchsorted(observed, months, side="left"),
        }
    )
    for column in ("lower", "upper"):
        curve[column] = curve[column].clip(0, 1).round(4)
    return curve


def median_months(d: pd.DataFrame) -> float | None:
    """When the survival estimate first falls to 0.5 or below, in months (one decimal); None if never."""
    fit = _fit(d)
    if fit is None:
        return None
    below = np.flatnonzero(fit.surv_prob <= 0.5)
    return round(float(fit.surv_times[below[0]]), 1) if len(below) else None


# Groups
def concordance(bipoc_mentor_preference: pd.Series, mentor_identifies_bipoc: pd.Series) -> np.ndarray:
    """Each pair's group by BIPOC-mentor request (`CONCORDANCE_ORDER`), from the stored values: the mentee
    asked for a BIPOC mentor (required or preferred) and got one who identifies as BIPOC, asked and did not,
    or did not ask."""
    asked = bipoc_mentor_preference.isin(ASKS_FOR_BIPOC)
    got = mentor_identifies_bipoc == "yes"
    return np.select([asked & got, asked], [ASKED_AND_GOT, ASKED_NOT_GOT], default=DID_NOT_ASK)


def label_groups(d: pd.DataFrame) -> pd.DataFrame:
    """Add `cohort` (year confirmed), `concordance` and `format` (the format the pair met in most).

    Needs `bipoc_mentor_preference`, `mentor_identifies_bipoc` and `meeting_format` (missing: never met).
    """
    out = d.copy()
    out["cohort"] = pd.to_datetime(out["confirmed_on"]).dt.year.astype("int64")
    out["concordance"] = concordance(out["bipoc_mentor_preference"], out["mentor_identifies_bipoc"])
    out["format"] = [
        NO_MEETINGS if pd.isna(f) or not f else str(f).capitalize() for f in out["meeting_format"]
    ]
    return out


def figures(d: pd.DataFrame, *, key: int | str = OVERALL, group: str = OVERALL) -> GroupFigures:
    """Every figure for one set of pairs. `d` comes from `durations`."""
    return GroupFigures(
        key=key,
        group=group,
        pairs=len(d),
        one_year_completion=completion(d),
        continuation=continuation(d),
        median_months=median_months(d),
        curve=survival_curve(d),
    )


def by_group(d: pd.DataFrame, column: str, order: list | None = None) -> list[GroupFigures]:
    """The figures of each group of pairs by `column` of `label_groups`' output, in `order` (else sorted)."""
    present = list(d[column].unique())
    keys = [k for k in order if k in present] if order else sorted(present)
    return [figures(d[d[column] == k], key=_plain(k), group=str(k)) for k in keys]


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def end_reasons(d: pd.DataFrame) -> pd.DataFrame:
    """Why closed pairs ended: `reason`, `label`, `pairs`, most common first."""
    closed = d[d["ended"]]
    labels = [
        END_REASON_LABELS.get(EndReason(r), NOT_RECORDED) if isinstance(r, str) and r else NOT_RECORDED
        for r in closed["end_reason"]
    ]
    counts = pd.Series(labels, dtype=object).value_counts()
    order = [*END_REASON_LABELS.values(), NOT_RECORDED]
    rows = [{"reason": label, "pairs": int(counts[label])} for label in order if counts.get(label, 0)]
    return pd.DataFrame(rows, columns=["reason", "pairs"]).sort_values(
        "pairs", ascending=False, kind="stable", ignore_index=True
    )


def decisions_due(d: pd.DataFrame, today: date) -> pd.DataFrame:
    """Open pairs without a decision within 30 days of their one-year mark, or past it; soonest first.

    Keeps every column of `d` and adds `one_year_on` and `days_to_mark` (negative once the mark has passed).
    """
    undecided = (d["status"] == MatchStatus.active.value) & pd.to_datetime(d["decided_on"]).isna()
    due = d[undecided & ~d["ended"] & (d["age_days"] >= ONE_YEAR_DAYS - DECISION_WINDOW_DAYS)].copy()
    due["one_year_on"] = [c + timedelta(days=ONE_YEAR_DAYS) for c in due["confirmed_on"]]
    due["days_to_mark"] = (ONE_YEAR_DAYS - due["age_days"]).astype("int64")
    return due.sort_values(["days_to_mark", "match_id"], ignore_index=True)


def open_pairs(d: pd.DataFrame) -> pd.DataFrame:
    """Pairs still going (active or continued), whatever their age, with `one_year_on`; oldest first.

    Any of them can be ended, before or after its year; `d` comes from `durations`.
    """
    going = d[d["status"].isin([s.value for s in OPEN_MATCH_STATUSES]) & ~d["ended"]].copy()
    going["one_year_on"] = [c + timedelta(days=ONE_YEAR_DAYS) for c in going["confirmed_on"]]
    return going.sort_values(["confirmed_on", "match_id"], ignore_index=True)


# The whole picture
@dataclass(frozen=True)
class Report:
    overall: GroupFigures
    by_cohort: list[GroupFigures]
    by_concordance: list[GroupFigures]
    by_format: list[GroupFigures]
    end_reasons: pd.DataFrame
    decisions_due: pd.DataFrame
    open_pairs: pd.DataFrame

    def to_json(self) -> dict:
        """The `retention --json` object."""
        o = self.overall
        return {
            "pairs": o.pairs,
            "one_year_completion_rate": o.one_year_completion.value,
            "continuation_rate": o.continuation.value,
            "median_months": o.median_months,
            "survival": [
                {"month": int(m), "survival": float(s)}
                for m, s in zip(o.curve["month"], o.curve["survival"], strict=True)
            ],
            "by_cohort": [
                {"cohort": g.key, "pairs": g.pairs, "one_year_completion_rate": g.one_year_completion.value}
                for g in self.by_cohort
            ],
        }


def analyse(pairs: pd.DataFrame, today: date) -> Report:
    """Every retention figure from the pairs' history (the rows of `queries.retention_pairs`)."""
    d = measured(pairs, today)
    formats = sorted(f for f in d["format"].unique() if f != NO_MEETINGS) + [NO_MEETINGS]
    return Report(
        overall=figures(d),
        by_cohort=by_group(d, "cohort"),
        by_concordance=by_group(d, "concordance", CONCORDANCE_ORDER),
        by_format=by_group(d, "format", formats),
        end_reasons=end_reasons(d),
        decisions_due=decisions_due(d, today),
        open_pairs=open_pairs(d),
    )
