"""Meeting-cadence health of open pairs: a pure function of the meeting log and "today"."""

from __future__ import annotations

import enum
from datetime import date

import numpy as np
import pandas as pd

from mentorship import privacy
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


def _statuses(
    confirmed_on: pd.Series,
    last_met_on: pd.Series,
    as_of: pd.Timestamp | pd.Series,
    thresholds: CadenceThresholds,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rules of `classify`, vectorised: (days_since_last, has_met, status) as of a date (or dates)."""
    confirmed = pd.to_datetime(confirmed_on)
    last_met = pd.to_datetime(last_met_on)
    has_met = last_met.notna().to_numpy()
    since = last_met.where(last_met.notna(), confirmed)
    if not len(since):
        return np.array([], dtype="int64"), has_met, np.array([], dtype=object)
    days = (as_of - since).dt.days.to_numpy(dtype="int64")
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
    ).astype(object)
    return days, has_met, status


def assess(pairs: pd.DataFrame, today: date, thresholds: CadenceThresholds) -> pd.DataFrame:
    """Add `days_since_last`, `has_met` and `status` to a frame of open pairs.

    `pairs` needs `confirmed_on` and `last_met_on` (missing when the pair never met), as dates.
    """
    out = pairs.copy()
    days, has_met, status = _statuses(
        out["confirmed_on"], out["last_met_on"], pd.Timestamp(today), thresholds
    )
    out["days_since_last"] = days
    out["has_met"] = has_met
    out["status"] = pd.Series(status, index=out.index, dtype=object)
    return out


def status_counts(assessed: pd.DataFrame) -> dict[str, int]:
    counts = assessed["status"].value_counts() if len(assessed) else pd.Series(dtype="int64")
    return {s.value: int(counts.get(s.value, 0)) for s in STATUS_ORDER}


# Pairs the leader should nudge: not meeting often enough, or not started.
NUDGE_STATUSES = (CadenceStatus.due, CadenceStatus.overdue, CadenceStatus.not_yet_met)
SOURCE_LABELS = {"leader": "Logged by the leader", "imported": "Imported", "checkin": "Reported by the pair"}


def nudges(assessed: pd.DataFrame) -> pd.DataFrame:
    """The pairs to nudge, longest without a meeting first."""
    wanted = assessed["status"].isin([s.value for s in NUDGE_STATUSES])
    return assessed[wanted].sort_values(["days_since_last", "match_id"], ascending=[False, True])


def month_ends(start: date, today: date) -> list[date]:
    """The last day of every month from `start`'s month up to before `today`, then `today` itself."""
    ends = pd.date_range(pd.Timestamp(start), pd.Timestamp(today), freq="ME")
    return [*(d.date() for d in ends if d.date() < today), today]


def _days(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).astype("datetime64[ns]")


def status_mix(
    matches: pd.DataFrame, meetings: pd.DataFrame, today: date, thresholds: CadenceThresholds
) -> pd.DataFrame:
    """How many pairs had each status at every month end (and today): columns `as_of`, `status`, `pairs`.

    `matches` has `match_id`, `confirmed_on` and `ended_on` (missing while open); `meetings` has `match_id`
    and `met_on`. A pair counts from the day it was confirmed until the day before it ended, and each
    month end is judged with the same rules as today, from the meetings held by then.
    """
    if matches.empty:
        return pd.DataFrame({"as_of": [], "status": [], "pairs": []})
    points = pd.DataFrame({"as_of": _days(pd.Series(month_ends(min(matches["confirmed_on"]), today)))})
    pairs = pd.DataFrame(
        {
            "match_id": matches["match_id"].astype("int64"),
            "confirmed": _days(matches["confirmed_on"]),
            "ended": _days(matches["ended_on"]),
        }
    )
    grid = points.merge(pairs, how="cross")
    grid = grid[
        (grid["confirmed"] <= grid["as_of"]) & (grid["ended"].isna() | (grid["ended"] > grid["as_of"]))
    ]
    met = pd.DataFrame({"match_id": meetings["match_id"].astype("int64"), "met": _days(meetings["met_on"])})
    grid = pd.merge_asof(
        grid.sort_values("as_of"),
        met.dropna().sort_values("met"),
        left_on="as_of",
        right_on="met",
        by="match_id",
        direction="backward",
    )
    _, _, status = _statuses(grid["confirmed"], grid["met"], grid["as_of"], thresholds)
    counts = (
        pd.crosstab(grid["as_of"], pd.Series(status, index=grid.index, name="status"))
        .reindex(index=points["as_of"], columns=[s.value for s in STATUS_ORDER], fill_value=0)
        .fillna(0)
        .astype("int64")
    )
    mix = counts.stack().rename("pairs").reset_index()
    mix["as_of"] = mix["as_of"].dt.date
    return mix


def meetings_per_month(meetings: pd.DataFrame, today: date) -> pd.DataFrame:
    """Meetings in every month from the first one to today's month, by how they were recorded.

    `meetings` has `met_on` and `source`; returns `month` (its first day), `source` and `meetings`,
    with months that had none kept as zeros.
    """
    if meetings.empty:
        return pd.DataFrame({"month": [], "source": [], "meetings": []})
    month = _days(meetings["met_on"]).dt.to_period("M")
    counts = pd.crosstab(month.rename("month"), meetings["source"].astype(str).rename("source"))
    every_month = pd.period_range(month.min(), pd.Timestamp(today).to_period("M"), freq="M", name="month")
    counts = counts.reindex(index=every_month, fill_value=0).fillna(0).astype("int64")
    out = counts.stack().rename("meetings").reset_index()
    out["month"] = out["month"].dt.start_time.dt.date
    return out.sort_values(["month", "source"], ignore_index=True)


def recent_months(
    meetings: pd.DataFrame, match_ids: list[int], today: date, months: int = 12
) -> list[list[int]]:
    """For each pair in `match_ids`, its meetings in each of the last `months` calendar months (oldest first).

    `meetings` has `match_id` and `met_on`. The last month is today's.
    """
    window = pd.period_range(end=pd.Timestamp(today).to_period("M"), periods=months, freq="M")
    month = _days(meetings["met_on"]).dt.to_period("M")
    inside = month.isin(window) & meetings["match_id"].isin(match_ids)
    counts = pd.crosstab(meetings["match_id"][inside], month[inside]) if inside.any() else pd.DataFrame()
    counts = counts.reindex(index=match_ids, columns=window, fill_value=0).fillna(0).astype("int64")
    return counts.to_numpy().tolist()


def describe_thresholds(t: CadenceThresholds) -> dict[str, str]:
    """What each status means with these thresholds, in the page's words."""
    return {
        CadenceStatus.new.value: f"not met yet, paired {t.new_days} days ago or less",
        CadenceStatus.on_track.value: f"last met {t.on_track_days} days ago or less",
        CadenceStatus.due.value: f"last met {t.on_track_days + 1}–{t.due_days} days ago",
        CadenceStatus.overdue.value: f"last met more than {t.due_days} days ago",
        CadenceStatus.not_yet_met.value: f"not met yet, paired more than {t.new_days} days ago",
    }


NUDGE_COLUMNS = {
    "status": "Status",
    "days_since_last": "Days since last meeting",
    "last_met_on": "Last met",
    "confirmed_on": "Paired on",
    "mentor": "Mentor",
    "mentor_email": "Mentor email",
    "mentee": "Mentee",
    "mentee_email": "Mentee email",
}


def nudge_csv(nudge_list: pd.DataFrame) -> bytes:
    """The nudge list as a CSV a spreadsheet opens safely (UTF-8 for Excel, no cell runs as a formula)."""
    rows = nudge_list[list(NUDGE_COLUMNS)].assign(
        status=nudge_list["status"].map(lambda s: STATUS_LABELS[CadenceStatus(s)])
    )
    return privacy.spreadsheet_csv(rows.rename(columns=NUDGE_COLUMNS))
