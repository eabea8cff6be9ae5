"""Meeting-cadence health of open pairs: a pure function of the meeting log and "today"."""

from __future__ import annotations

import enum
from datetime import date

import numpy as np
import pandas as pd

from mentorship.settings import CadenceThresholds


class CadenceStatus(enum.StrEnum):
    new = "new"
    on_track = "on_track"
    due = "due"
    overdue = "overdue"
    not_yet_met = "not_yet_met"


STATUS_ORDER = list(CadenceStatus)
STATUS_LABELS = {
    CadenceStatus.new: "New",
    CadenceStatus.on_track: "On track",
    CadenceStatus.due: "Due",
    CadenceStatus.overdue: "Overdue",
    CadenceStatus.not_yet_met: "Not yet met",
}


def classify(days_since_last: int, has_met: bool, thresholds: CadenceThresholds) -> CadenceStatus:
    """One pair's status; `days_since_last` counts from confirmation when the pair has not met."""
    if not has_met:
        return CadenceStatus.new if days_since_last <= thresholds.new_days else CadenceStatus.not_yet_met
    if days_since_last <= thresholds.on_track_days:
        return CadenceStatus.on_track
    if days_since_last <= thresholds.due_days:
        return CadenceStatus.due
    return CadenceStatus.overdue


def assess(pairs: pd.DataFrame, today: date, thresholds: CadenceThresholds) -> pd.DataFrame:
    """Add `days_since_last`, `has_met` and `status` to a frame of open pairs.

    `pairs` needs `confirmed_on` and `last_met_on` (missing when the pair never met), as dates.
    """
    out = pairs.copy()
    confirmed = pd.to_datetime(out["confirmed_on"])
    last_met = pd.to_datetime(out["last_met_on"])
    has_met = last_met.notna().to_numpy()
    since = last_met.where(last_met.notna(), confirmed)
    days = (
        (pd.Timestamp(today) - since).dt.days.to_numpy(dtype="int64")
        if len(out)
        else np.array([], dtype="int64")
    )
    status = np.select(
        [
            ~has_met & (days <= thresholds.new_days),
            ~has_met,
            days <= thresholds.on_track_days,
            days <= thresholds.due_days,
        ],
        [
            CadenceStatus.new.value,
            CadenceStatus.not_yet_met.value,
            CadenceStatus.on_track.value,
            CadenceStatus.due.value,
        ],
        default=CadenceStatus.overdue.value,
    )
    out["days_since_last"] = days
    out["has_met"] = has_met
    out["status"] = status.astype(object) if len(out) else pd.Series([], dtype=object)
    return out


def status_counts(assessed: pd.DataFrame) -> dict[str, int]:
    counts = assessed["status"].value_counts() if len(assessed) else pd.Series(dtype="int64")
    return {s.value: int(counts.get(s.value, 0)) for s in STATUS_ORDER}
