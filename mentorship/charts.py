"""Altair chart builders: plain data in, charts out (no streamlit here)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from mentorship.cadence import STATUS_LABELS, STATUS_ORDER

STATUS_COLOURS = {
    "New": "#6baed6",
    "On track": "#31a354",
    "Due": "#fdae6b",
    "Overdue": "#d94801",
    "Not yet met": "#969696",
}
WAIT_BUCKETS = [
    (0, 30, "0–30 days"),
    (31, 60, "31–60 days"),
    (61, 90, "61–90 days"),
    (91, 180, "91–180 days"),
    (181, None, "over 180 days"),
]


CHART_HEIGHT = 260


def registrations_over_time(by_quarter: pd.DataFrame) -> alt.Chart:
    """Registrations per quarter, mentors and mentees side by side."""
    return (
        alt.Chart(by_quarter, title="Registrations per quarter", height=CHART_HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("label:O", title=None, sort=alt.SortField("quarter"), axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("registrations:Q", title="Registrations"),
            color=alt.Color("kind:N", title=None, scale=alt.Scale(range=["#7a1f3d", "#d6a2b4"])),
            xOffset="kind:N",
            tooltip=[
                alt.Tooltip("label:N", title="Quarter"),
                alt.Tooltip("kind:N", title="Who"),
                alt.Tooltip("registrations:Q", title="Registrations"),
            ],
        )
    )


def wait_buckets(days_waiting: pd.Series) -> pd.DataFrame:
    rows = []
    for low, high, label in WAIT_BUCKETS:
        inside = days_waiting >= low if high is None else days_waiting.between(low, high)
        rows.append({"waited": label, "mentees": int(inside.sum()), "order": low})
    return pd.DataFrame(rows)


def waiting_times(days_waiting: pd.Series) -> alt.Chart:
    """How long waiting mentees have waited since registering."""
    data = wait_buckets(days_waiting)
    return (
        alt.Chart(data, title="How long waiting mentees have waited", height=CHART_HEIGHT)
        .mark_bar(color="#7a1f3d")
        .encode(
            x=alt.X(
                "waited:N",
                sort=alt.SortField("order"),
                title="Waiting since registration",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("mentees:Q", title="Mentees"),
            tooltip=[alt.Tooltip("waited:N", title="Waited"), alt.Tooltip("mentees:Q", title="Mentees")],
        )
    )


def cadence_status(counts: dict[str, int]) -> alt.Chart:
    """Active pairs by meeting-cadence status."""
    data = pd.DataFrame([{"status": STATUS_LABELS[s], "pairs": counts.get(s.value, 0)} for s in STATUS_ORDER])
    labels = [STATUS_LABELS[s] for s in STATUS_ORDER]
    return (
        alt.Chart(data, title="Active pairs by meeting cadence", height=CHART_HEIGHT)
        .mark_bar()
        .encode(
            y=alt.Y("status:N", sort=labels, title=None),
            x=alt.X("pairs:Q", title="Pairs"),
            color=alt.Color(
                "status:N",
                sort=labels,
                legend=None,
                scale=alt.Scale(domain=labels, range=[STATUS_COLOURS[x] for x in labels]),
            ),
            tooltip=[alt.Tooltip("status:N", title="Status"), alt.Tooltip("pairs:Q", title="Pairs")],
        )
    )
