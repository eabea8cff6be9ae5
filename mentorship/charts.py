"""Altair chart builders: plain data in, charts out (no streamlit here).

Every chart carries a one-sentence `description` (the text a screen reader announces for it) and comes with
its numbers as a table (`Plot.numbers`), so that nothing a chart shows is reachable only by sight.
"""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

from mentorship.cadence import SOURCE_LABELS, STATUS_LABELS, STATUS_ORDER, CadenceStatus
from mentorship.formatting import (
    OUTCOME_LABELS,
    interval,
    outcome_cohorts,
    outcome_comparisons,
    percent,
    plural,
)
from mentorship.milestones import FUNNEL

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


@dataclass(frozen=True)
class Plot:
    chart: alt.TopLevelMixin
    numbers: pd.DataFrame  # what the chart draws, as a table with readable column names

    @property
    def title(self) -> str:
        return str(self.chart.title)


def count_axis(**kwargs) -> alt.Axis:
    """An axis of counts: whole numbers only (never 0.2 of a pair)."""
    return alt.Axis(tickMinStep=1, format="d", **kwargs)


def registrations_over_time(by_quarter: pd.DataFrame) -> Plot:
    """Registrations per quarter, mentors and mentees side by side, in time order (`by_quarter` has every
    quarter from the first registration on, an empty one with 0)."""
    quarters = list(dict.fromkeys(by_quarter.sort_values("quarter")["label"]))
    chart = (
        alt.Chart(
            by_quarter,
            title="Registrations per quarter",
            height=CHART_HEIGHT,
            description="Bar chart of mentor and mentee registrations in each calendar quarter.",
        )
        .mark_bar()
        .encode(
            x=alt.X("label:O", title=None, sort=quarters, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("registrations:Q", title="Registrations", axis=count_axis()),
            color=alt.Color("kind:N", title=None, scale=alt.Scale(range=["#7a1f3d", "#d6a2b4"])),
            xOffset="kind:N",
            tooltip=[
                alt.Tooltip("label:N", title="Quarter"),
                alt.Tooltip("kind:N", title="Who"),
                alt.Tooltip("registrations:Q", title="Registrations"),
            ],
        )
    )
    numbers = (
        by_quarter.pivot_table(
            index="label", columns="kind", values="registrations", aggfunc="sum", fill_value=0
        )
        .reindex(quarters)
        .reindex(columns=["Mentors", "Mentees"], fill_value=0)
        .rename_axis(index="Quarter", columns=None)
        .reset_index()
    )
    return Plot(chart, numbers)


def wait_buckets(days_waiting: pd.Series) -> pd.DataFrame:
    rows = []
    for low, high, label in WAIT_BUCKETS:
        inside = days_waiting >= low if high is None else days_waiting.between(low, high)
        rows.append({"waited": label, "mentees": int(inside.sum()), "order": low})
    return pd.DataFrame(rows)


def time_to_pair(waits: pd.DataFrame) -> Plot:
    """Mentees by how long they waited from registering to their first pair (`waited`, `mentees`, `order`:
    the rows to draw, in order)."""
    chart = (
        alt.Chart(
            waits,
            title="Time to pair",
            height=CHART_HEIGHT,
            description="Bar chart of the year's mentees by the days from registering to their first pair, "
            "and those not paired yet.",
        )
        .mark_bar(color="#7a1f3d")
        .encode(
            x=alt.X("waited:N", sort=alt.SortField("order"), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("mentees:Q", title="Mentees", axis=count_axis()),
            tooltip=[alt.Tooltip("waited:N", title="Waited"), alt.Tooltip("mentees:Q", title="Mentees")],
        )
    )
    return Plot(chart, waits[["waited", "mentees"]].set_axis(["Time to pair", "Mentees"], axis=1))


def waiting_times(days_waiting: pd.Series) -> Plot:
    """How long waiting mentees have waited since registering."""
    data = wait_buckets(days_waiting)
    chart = (
        alt.Chart(
            data,
            title="How long waiting mentees have waited",
            height=CHART_HEIGHT,
            description="Bar chart of waiting mentees by how long they have waited since registering.",
        )
        .mark_bar(color="#7a1f3d")
        .encode(
            x=alt.X(
                "waited:N",
                sort=alt.SortField("order"),
                title="Waiting since registration",
                axis=alt.Axis(labelAngle=0),
            ),
            y=alt.Y("mentees:Q", title="Mentees", axis=count_axis()),
            tooltip=[alt.Tooltip("waited:N", title="Waited"), alt.Tooltip("mentees:Q", title="Mentees")],
        )
    )
    return Plot(chart, data[["waited", "mentees"]].set_axis(["Waited", "Mentees"], axis=1))


def cadence_status(counts: dict[str, int]) -> Plot:
    """Active pairs by meeting-cadence status."""
    data = pd.DataFrame([{"status": STATUS_LABELS[s], "pairs": counts.get(s.value, 0)} for s in STATUS_ORDER])
    labels = [STATUS_LABELS[s] for s in STATUS_ORDER]
    chart = (
        alt.Chart(
            data,
            title="Active pairs by meeting cadence",
            height=CHART_HEIGHT,
            description="Bar chart of active pairs by meeting-cadence status.",
        )
        .mark_bar()
        .encode(
            y=alt.Y("status:N", sort=labels, title=None),
            x=alt.X("pairs:Q", title="Pairs", axis=count_axis()),
            color=alt.Color(
                "status:N",
                sort=labels,
                legend=None,
                scale=alt.Scale(domain=labels, range=[STATUS_COLOURS[x] for x in labels]),
            ),
            tooltip=[alt.Tooltip("status:N", title="Status"), alt.Tooltip("pairs:Q", title="Pairs")],
        )
    )
    return Plot(chart, data.set_axis(["Status", "Pairs"], axis=1))


# --- Retention ---
SURVIVAL_COLOURS = ["#7a1f3d", "#2b8cbe", "#e6550d", "#31a354", "#756bb1", "#636363", "#d6a2b4", "#fdae6b"]


def survival_curves(curves: pd.DataFrame, title: str) -> Plot:
    """Kaplan–Meier step lines by group, each with its 95% confidence band (`retention.visible_curves`)."""
    groups = list(dict.fromkeys(curves["group"]))
    colour = alt.Color(
        "group:N",
        title=None,
        sort=groups,
        scale=alt.Scale(domain=groups, range=SURVIVAL_COLOURS[: len(groups)]),
        legend=alt.Legend(orient="bottom", columns=4, labelLimit=320, symbolOpacity=1),
    )
    x = alt.X("month:Q", title="Months since confirmation", scale=alt.Scale(nice=False))
    base = alt.Chart(curves)
    band = base.mark_area(opacity=0.12, interpolate="step-after").encode(
        x=x, y=alt.Y("lower:Q"), y2=alt.Y2("upper:Q"), color=colour
    )
    line = base.mark_line(interpolate="step-after", point=alt.OverlayMarkDef(size=18)).encode(
        x=x,
        y=alt.Y(
            "survival:Q", title="Pairs still going", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")
        ),
        color=colour,
        tooltip=[
            alt.Tooltip("group:N", title="Pairs"),
            alt.Tooltip("month:Q", title="Month"),
            alt.Tooltip("survival:Q", title="Still going", format=".0%"),
            alt.Tooltip("lower:Q", title="95% band from", format=".0%"),
            alt.Tooltip("upper:Q", title="95% band to", format=".0%"),
            alt.Tooltip("at_risk:Q", title="Pairs observed this long"),
        ],
    )
    chart = alt.layer(
        band,
        line,
        title=title,
        height=CHART_HEIGHT,
        description="Step lines of the share of pairs still going at each month since confirmation, "
        "with a shaded 95% confidence band, one line per group.",
    ).resolve_scale(color="shared")
    numbers = pd.DataFrame(
        {
            "Pairs": curves["group"],
            "Month": curves["month"],
            "Still going": curves["survival"].map(percent),
            "95% band": [interval(lo, hi) for lo, hi in zip(curves["lower"], curves["upper"], strict=True)],
            "Pairs observed this long": curves["at_risk"],
        }
    )
    return Plot(chart, numbers)


def end_reasons(reasons: pd.DataFrame) -> Plot:
    """Why pairs ended: closed pairs by their end reason (`retention.end_reasons`)."""
    chart = (
        alt.Chart(
            reasons,
            title="Why pairs end",
            height=CHART_HEIGHT,
            description="Bar chart of ended pairs by the reason they ended, the most common first.",
        )
        .mark_bar(color="#7a1f3d")
        .encode(
            y=alt.Y("reason:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("pairs:Q", title="Pairs", axis=count_axis()),
            tooltip=[alt.Tooltip("reason:N", title="Reason"), alt.Tooltip("pairs:Q", title="Pairs")],
        )
    )
    numbers = reasons.sort_values("pairs", ascending=False)[["reason", "pairs"]].set_axis(
        ["Reason", "Pairs"], axis=1
    )
    return Plot(chart, numbers)


# --- Cadence ---
SOURCE_COLOURS = {
    "Imported": "#d6a2b4",
    "Logged by the leader": "#7a1f3d",
    "Reported by the pair": "#31a354",
}


def meetings_per_month(by_month: pd.DataFrame) -> Plot:
    """Meetings held each month over the program's life, by how they were recorded."""
    data = by_month.assign(
        recorded=by_month["source"].map(lambda s: SOURCE_LABELS.get(s, s)),
        month=pd.to_datetime(by_month["month"]),
    )
    sources = [s for s in SOURCE_COLOURS if s in set(data["recorded"])]
    chart = (
        alt.Chart(
            data,
            title="Meetings per month",
            height=CHART_HEIGHT,
            description="Stacked bar chart of meetings held each month, by how each was recorded.",
        )
        .mark_bar()
        .encode(
            x=alt.X("yearmonth(month):T", title=None),
            y=alt.Y("sum(meetings):Q", title="Meetings", axis=count_axis()),
            color=alt.Color(
                "recorded:N",
                title=None,
                scale=alt.Scale(domain=sources, range=[SOURCE_COLOURS[s] for s in sources]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title="Month"),
                alt.Tooltip("recorded:N", title="Recorded"),
                alt.Tooltip("sum(meetings):Q", title="Meetings"),
            ],
        )
    )
    numbers = _by_month(data, "month", "recorded", "meetings", sources, "Month")
    return Plot(chart, numbers)


def _by_month(data: pd.DataFrame, when: str, kind: str, count: str, kinds: list[str], title: str):
    """One row per month (newest first), one column per kind, whole numbers."""
    table = data.pivot_table(index=when, columns=kind, values=count, aggfunc="sum", fill_value=0)
    table = table.reindex(columns=[k for k in kinds if k in table.columns]).astype(int)
    table.index = table.index.strftime("%Y-%m" if when == "month" else "%Y-%m-%d")
    return table.sort_index(ascending=False).rename_axis(index=title, columns=None).reset_index()


def status_mix_over_time(mix: pd.DataFrame, *, bars: bool = False) -> Plot:
    """Open pairs by cadence status at each month end, stacked (as areas, or `bars`: one bar per month end,
    for a year's report where a status may be left out of a month)."""
    labels = [STATUS_LABELS[s] for s in STATUS_ORDER]
    data = mix.assign(
        label=mix["status"].map(lambda s: STATUS_LABELS[CadenceStatus(s)]),
        as_of=pd.to_datetime(mix["as_of"]),
        order=mix["status"].map(lambda s: STATUS_ORDER.index(CadenceStatus(s))),
    )
    base = alt.Chart(
        data,
        title="Open pairs by cadence status, month by month",
        height=CHART_HEIGHT,
        description=f"Stacked {'bar' if bars else 'area'} chart of open pairs by cadence status at the end "
        "of each month.",
    )
    when = (
        alt.X("yearmonthdate(as_of):O", title=None, axis=alt.Axis(format="%b %d, %Y", labelAngle=-45))
        if bars
        else alt.X("as_of:T", title=None)
    )
    chart = (base.mark_bar() if bars else base.mark_area()).encode(
        x=when,
        y=alt.Y("pairs:Q", title="Open pairs", stack="zero", axis=count_axis()),
        color=alt.Color(
            "label:N",
            title=None,
            sort=labels,
            scale=alt.Scale(domain=labels, range=[STATUS_COLOURS[x] for x in labels]),
            legend=alt.Legend(orient="bottom"),
        ),
        order=alt.Order("order:Q"),
        tooltip=[
            alt.Tooltip("as_of:T", title="As of", format="%b %d, %Y"),
            alt.Tooltip("label:N", title="Status"),
            alt.Tooltip("pairs:Q", title="Pairs"),
        ],
    )
    return Plot(chart, _by_month(data, "as_of", "label", "pairs", labels, "As of"))


def meeting_timeline(meetings: pd.DataFrame, *, confirmed_on, today) -> Plot:
    """One pair's meetings as ticks on a line from confirmation to today."""
    data = meetings.assign(
        met_on=pd.to_datetime(meetings["met_on"]),
        recorded=meetings["source"].map(lambda s: SOURCE_LABELS.get(str(s), str(s))),
        minutes=meetings["duration_minutes"].map(lambda m: "–" if pd.isna(m) else f"{int(m)} min"),
    )
    span = pd.DataFrame({"start": [pd.Timestamp(confirmed_on)], "end": [pd.Timestamp(today)]})
    x_scale = alt.Scale(domain=[span["start"][0].isoformat(), span["end"][0].isoformat()])
    x_axis = alt.Axis(format="%b %Y", tickCount=8, labelOverlap="greedy")
    # The marks are left out of the accessibility tree: the description and the table say it all, and an
    # empty layer (a pair that never met) would otherwise be an unlabelled graphic.
    line = (
        alt.Chart(span)
        .mark_rule(color="#bbbbbb", strokeWidth=2, aria=False)
        .encode(
            x=alt.X("start:T", title=None, scale=x_scale, axis=x_axis),
            x2="end:T",
            tooltip=[
                alt.Tooltip("start:T", title="Confirmed", format="%b %d, %Y"),
                alt.Tooltip("end:T", title="Today", format="%b %d, %Y"),
            ],
        )
    )
    ticks = (
        alt.Chart(data)
        .mark_tick(thickness=3, size=28, color="#7a1f3d", aria=False)
        .encode(
            x=alt.X("met_on:T", title=None, scale=x_scale, axis=x_axis),
            tooltip=[
                alt.Tooltip("met_on:T", title="Met", format="%b %d, %Y"),
                alt.Tooltip("format:N", title="Format"),
                alt.Tooltip("minutes:N", title="Length"),
                alt.Tooltip("recorded:N", title="Recorded"),
            ],
        )
    )
    chart = alt.layer(
        line,
        ticks,
        title="Meetings since confirmation",
        description=f"Timeline of the pair's {plural(len(data), 'meeting')} from confirmation to today.",
    ).properties(height=90)
    numbers = pd.DataFrame(
        {
            "Met on": data["met_on"].dt.strftime("%Y-%m-%d"),
            "Format": data["format"].fillna(""),
            "Length": data["minutes"],
            "Recorded": data["recorded"],
        }
    ).sort_values("Met on", ascending=False)
    return Plot(chart, numbers)


def agreement(table: pd.DataFrame, numbers: pd.DataFrame, title: str, grouped: bool) -> Plot:
    """Each statement's share agreeing (4–5) as a bar with its 95% interval as a line; `grouped`: one bar per
    group of a comparison (`table` has `label`, `group_label`, `share`, `low`, `high`, `responses`)."""
    data = table.assign(
        share=table["share"].astype(float), low=table["low"].astype(float), high=table["high"].astype(float)
    )
    order = list(dict.fromkeys(data["label"]))
    y = alt.Y("label:N", title=None, sort=order)
    description = (
        "Bar chart of the share of answers agreeing (4 or 5 of 5) with each statement"
        + (", one bar per group" if grouped else "")
        + ", with a line for the 95% interval."
    )
    base = alt.Chart(data)
    extra = {"yOffset": "group_label:N", "color": alt.Color("group_label:N", title=None)} if grouped else {}
    bars = base.mark_bar(color="#7a1f3d").encode(
        x=alt.X("share:Q", title="Share agreeing", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=y,
        tooltip=[
            alt.Tooltip("label:N", title="Statement"),
            *([alt.Tooltip("group_label:N", title="Group")] if grouped else []),
            alt.Tooltip("share:Q", title="Share agreeing", format=".0%"),
            alt.Tooltip("low:Q", title="95% interval from", format=".0%"),
            alt.Tooltip("high:Q", title="to", format=".0%"),
            alt.Tooltip("responses:Q", title="Responses"),
        ],
        **extra,
    )
    rules = base.mark_rule(color="#222").encode(
        x="low:Q", x2="high:Q", y=y, **{k: v for k, v in extra.items() if k == "yOffset"}
    )
    return Plot(
        (bars + rules).properties(
            title=title, description=description, height=alt.Step(14 if grouped else 22)
        ),
        numbers,
    )


def outcomes_funnel(funnel: pd.DataFrame, cohorts: pd.DataFrame) -> Plot:
    """Each registration year's funnel (registered → ... → matriculated) as bars, one per year in each stage
    (`funnel`: `year`, `stage`, `label`, `mentees`, the counts the viewer may see: `OutcomesView.funnel`);
    its numbers are the whole table (`OutcomesView.cohorts`), hidden counts in words."""
    order = {stage: i for i, stage in enumerate(FUNNEL)}  # whichever year shows a stage first
    labels = funnel[["stage", "label"]].drop_duplicates()
    stages = labels.sort_values("stage", key=lambda s: s.map(order))["label"].tolist()
    chart = (
        alt.Chart(
            funnel,
            title="The path to medical school, by registration year",
            height=CHART_HEIGHT,
            description=(
                "Bar chart of how many mentees of each registration year registered, were paired, had a year "
                "with a mentor, applied, interviewed, were accepted and matriculated, one bar per year in "
                "each stage; counts not shown are left out."
            ),
        )
        .mark_bar()
        .encode(
            x=alt.X(
                "label:N",
                title=None,
                sort=stages,
                axis=alt.Axis(labelAngle=-30, labelLimit=160, labelOverlap=False),
            ),
            y=alt.Y("mentees:Q", title="Mentees", axis=count_axis()),
            xOffset=alt.XOffset("year:O"),
            color=alt.Color("year:O", title="Registered in", scale=alt.Scale(scheme="reds")),
            tooltip=[
                alt.Tooltip("year:O", title="Registered in"),
                alt.Tooltip("label:N", title="Stage"),
                alt.Tooltip("mentees:Q", title="Mentees"),
            ],
        )
    )
    return Plot(chart, outcome_cohorts(cohorts))


def outcomes_comparisons(table: pd.DataFrame) -> Plot:
    """Each compared group's share of mentees of known status who applied, and who were accepted, as a bar
    with its 95% interval as a line (`table`: `milestones.COMPARISON_COLUMNS`, the groups shown:
    `OutcomesView.comparisons`), with its numbers as the page shows them."""
    data = table.assign(
        share=table["share"].astype(float),
        low=table["low"].astype(float),
        high=table["high"].astype(float),
        label=table["group"],
        outcome_label=[OUTCOME_LABELS[o] for o in table["outcome"]],
    )
    y = alt.Y("label:N", title=None, sort=list(dict.fromkeys(data["label"])), axis=alt.Axis(labelLimit=320))
    outcomes = list(OUTCOME_LABELS.values())  # applied above accepted, as on the path
    offset = {"yOffset": alt.YOffset("outcome_label:N", sort=outcomes)}
    base = alt.Chart(data)
    bars = base.mark_bar().encode(
        x=alt.X("share:Q", title="Share", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
        y=y,
        color=alt.Color(
            "outcome_label:N", title=None, sort=outcomes, scale=alt.Scale(range=["#d6a2b4", "#7a1f3d"])
        ),
        tooltip=[
            alt.Tooltip("label:N", title="Group"),
            alt.Tooltip("outcome_label:N", title="Outcome"),
            alt.Tooltip("share:Q", title="Share", format=".0%"),
            alt.Tooltip("low:Q", title="95% interval from", format=".0%"),
            alt.Tooltip("high:Q", title="to", format=".0%"),
            alt.Tooltip("known:Q", title="Mentees of known status"),
        ],
        **offset,
    )
    rules = base.mark_rule(color="#222").encode(x="low:Q", x2="high:Q", y=y, **offset)
    description = (
        "Bar chart of the share of mentees of known status who applied and who were accepted, in each group "
        "compared, with a line for the 95% interval."
    )
    return Plot(
        (bars + rules).properties(
            title="Applied and accepted, by group", description=description, height=alt.Step(14)
        ),
        outcome_comparisons(table),
    )
