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


def statuses_on(
    confirmed_on: pd.Series, last_met_on: pd.Series, as_of: pd.Series, thresholds: CadenceThresholds
) -> pd.Series:
    """Each pair's status as of its own day (`as_of`), from its last meeting on or before that day
    (missing when none): the rules of `classify`."""
    status = _statuses(confirmed_on, last_met_on, pd.to_datetime(as_of), thresholds)[2]
    return pd.Series(status, index=confirmed_on.index, dtype=object)


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


def as_timestamps(values: pd.Series) -> pd.Series:
    """Dates (or timestamps already) as timestamps, which every function here accepts for a date column."""
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
    as_of = as_timestamps(pd.Series(month_ends(min(matches["confirmed_on"]), today))).to_numpy()
    confirmed = as_timestamps(matches["confirmed_on"]).to_numpy()
    ended = as_timestamps(matches["ended_on"]).to_numpy()
    # (month end, pair) for every pair going at that month end: confirmed by then, not ended by then
    going = (confirmed[None, :] <= as_of[:, None]) & (
        np.isnat(ended)[None, :] | (ended[None, :] > as_of[:, None])
    )
    point, pair = np.nonzero(going)
    # each such pair's last meeting by that month end: a search in meetings sorted by (pair, day)
    day = as_of.astype("datetime64[D]").astype("int64")
    met = as_timestamps(meetings["met_on"]).to_numpy().astype("datetime64[D]")
    owner = pd.Index(matches["match_id"].astype("int64")).get_indexer(meetings["match_id"].astype("int64"))
    known = (owner >= 0) & ~np.isnat(met)
    span = np.int64(1) << 32  # past any day number
    keys = np.sort(owner[known].astype("int64") * span + met[known].astype("int64") + span // 2)
    wanted = pair.astype("int64") * span + day[point] + span // 2
    found = np.searchsorted(keys, wanted, side="right") - 1
    has = found >= 0
    has[has] = keys[found[has]] // span == pair[has]
    last = np.full(len(pair), np.datetime64("NaT"), dtype="datetime64[ns]")
    last[has] = (keys[found[has]] % span - span // 2).astype("datetime64[D]")
    _, _, status = _statuses(pd.Series(confirmed[pair]), pd.Series(last), pd.Series(as_of[point]), thresholds)
    order = [s.value for s in STATUS_ORDER]
    counts = np.zeros((len(as_of), len(order)), dtype="int64")
    np.add.at(counts, (point, pd.Categorical(status, categories=order).codes), 1)
    return pd.DataFrame(
        {
            "as_of": np.repeat(pd.Series(as_of).dt.date.to_numpy(), len(order)),
            "status": order * len(as_of),
            "pairs": counts.ravel(),
        }
    )


def meetings_per_month(meetings: pd.DataFrame, today: date) -> pd.DataFrame:
    """Meetings in every month from the first one to today's month, by how they were recorded.

    `meetings` has `met_on` and `source`; returns `month` (its first day), `source` and `meetings`,
    with months that had none kept as zeros.
    """
    if meetings.empty:
        return pd.DataFrame({"month": [], "source": [], "meetings": []})
    month = as_timestamps(meetings["met_on"]).dt.to_period("M")
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
    met = as_timestamps(meetings["met_on"])
    # months counted from today's: 0 is today's month, months - 1 the oldest shown
    back = (today.year * 12 + today.month) - (met.dt.year * 12 + met.dt.month).to_numpy()
    row = pd.Index(match_ids).get_indexer(meetings["match_id"])
    inside = (back >= 0) & (back < months) & (row >= 0)
    counts = np.zeros((len(match_ids), months), dtype="int64")
    np.add.at(counts, (row[inside], months - 1 - back[inside]), 1)
    return counts.tolist()


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
