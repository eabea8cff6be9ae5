"""The year's report for the program's partners: one self-contained HTML file (charts inline as SVG, a print
style sheet), made from what the committee may see (`queries.report_view` with the committee's role).

Pure: the figures arrive as plain data and leave as a string. Nothing in the file asks for another address
(no font, script, style sheet or image from elsewhere), so it opens offline and prints to a clean PDF.

As of when: a past year is counted as the committee's pages showed it on 1 January of the next year (its
figures through 31 December; the figures on sensitive attributes and the surveys' as of their latest release
point, at most 31 December); the current year as the committee's pages show it today.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd
from markupsafe import Markup

from mentorship import charts, formatting, milestones, privacy
from mentorship.cadence import STATUS_LABELS, STATUS_ORDER, CadenceStatus
from mentorship.errors import UnusableInput

if TYPE_CHECKING:
    from mentorship.queries import ReportView

EARLIEST_YEAR = 2000
REGISTRATION_COLUMNS = ["quarter", "label", "registrations", "kind", "note"]
WAIT_COLUMNS = ["waited", "mentees", "order", "note"]
CHART_WIDTH = 560  # px: fits an A4 or Letter page's width with 15 mm margins
INTRO_MAX = 4000


def as_of_day(year: int, today: date) -> date:
    """The day the year's figures are counted as of: 1 January of the next year, or today for the current
    year (the committee's pages on that day; see the module's docstring)."""
    return min(today, date(year + 1, 1, 1))


def check_year(year: int, today: date, first_year: int | None) -> None:
    """A year the report can be made for: from the first registration's year to this year."""
    if first_year is None:
        raise UnusableInput("There are no registrations yet, so there is no year to report on.")
    if not first_year <= year <= today.year:
        raise UnusableInput(f"The year must be from {first_year} (the first registration) to {today.year}.")


def intro_paragraphs(text: str) -> list[str]:
    """The leader's paragraph as typed, in paragraphs (blank lines part them); plain text, never HTML."""
    text = (text or "").strip()
    if len(text) > INTRO_MAX:
        raise UnusableInput(f"The introduction must be at most {INTRO_MAX} characters.")
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


# --- The year's figures (pure) ---
def year_rows(frame: pd.DataFrame, column: str, year: int) -> pd.DataFrame:
    """The rows of `frame` whose `column` (a date) falls in `year`."""
    if frame.empty:
        return frame.copy()
    return frame[pd.to_datetime(frame[column]).dt.year == year].reset_index(drop=True)


def registrations_by_quarter(dates: dict[str, pd.Series], year: int, day: date) -> pd.DataFrame:
    """Registrations per quarter of `year` up to `day`, by kind (`dates`: each kind's registration days):
    `REGISTRATION_COLUMNS` with `note` empty, a quarter with nobody at 0."""
    last = min(pd.Timestamp(day), pd.Timestamp(year, 12, 31)).to_period("Q")
    quarters = pd.period_range(pd.Period(f"{year}Q1"), last, freq="Q")
    parts = []
    for kind, days in dates.items():
        days = pd.to_datetime(days)
        inside = days[(days.dt.year == year) & (days <= pd.Timestamp(day))]
        counts = inside.dt.to_period("Q").value_counts().reindex(quarters, fill_value=0)
        parts.append(
            pd.DataFrame(
                {
                    "quarter": quarters.start_time,
                    "label": quarters.astype(str).str.replace("Q", " Q"),
                    "registrations": counts.to_numpy().astype("int64"),
                    "kind": kind,
                    "note": None,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)[REGISTRATION_COLUMNS]


def days_to_pair(mentees: pd.DataFrame, pairs: pd.DataFrame, year: int, day: date) -> pd.Series:
    """For each mentee registered in `year` by `day` (`mentees`: `mentee_id`, `registered_on`), the days from
    registering to their first pair confirmed by `day` (`pairs`: `mentee_id`, `confirmed_on`); missing when
    not paired by then. A pair confirmed before the registration (an imported history) counts as 0 days."""
    registered = pd.to_datetime(mentees["registered_on"])
    cut = pd.Timestamp(day)
    mine = mentees[(registered.dt.year == year) & (registered <= cut)]
    confirmed = pd.to_datetime(pairs["confirmed_on"])
    first = confirmed[confirmed <= cut].groupby(pairs.loc[confirmed <= cut, "mentee_id"]).min()
    paired_on = mine["mentee_id"].map(first)
    waited = (pd.to_datetime(paired_on) - pd.to_datetime(mine["registered_on"])).dt.days
    return waited.clip(lower=0).reset_index(drop=True)


def wait_table(waits: pd.Series, day: date) -> pd.DataFrame:
    """Mentees by how long they waited to be paired (`charts.WAIT_BUCKETS`), and those not paired by `day`:
    `WAIT_COLUMNS` with `note` empty."""
    rows = []
    for low, high, label in charts.WAIT_BUCKETS:
        inside = waits >= low if high is None else waits.between(low, high)
        rows.append({"waited": label, "mentees": int(inside.sum()), "order": low, "note": None})
    rows.append(
        {"waited": f"Not paired by {day:%-d %b %Y}", "mentees": int(waits.isna().sum()), "order": 10**6}
    )
    return pd.DataFrame(rows, columns=WAIT_COLUMNS)


def as_of_sentence(view: ReportView, today: date) -> str:
    day = f"{view.as_of:%-d %B %Y}"
    if view.as_of < today:
        counted = f"the year's figures through 31 December {view.year}"
    else:
        counted = "the year so far"
    return (
        f"Counted as the program committee's pages showed them on {day}: {counted}. Figures on people's "
        "identity and the survey figures stand as of their latest release point (said beside them). No "
        f"figure rests on {privacy.FEWER_THAN_5} people or pairs, and the report holds no name, contact or "
        "free text."
    )


# --- The document ---
@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    svg: Markup
    table: Table


@dataclass
class Section:
    key: str
    title: str
    lead: list[str] = field(default_factory=list)
    figures: list[tuple[str, str, str]] = field(default_factory=list)  # label, value, what it rests on
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, Table]] = field(default_factory=list)  # caption, table
    notes: list[str] = field(default_factory=list)


def table(frame: pd.DataFrame) -> Table:
    """A frame as text cells (missing as "–")."""
    rows = [["–" if _missing(v) else str(v) for v in row] for row in frame.itertuples(index=False)]
    return Table([str(c) for c in frame.columns], rows)


def _missing(value) -> bool:
    return value is None or (not isinstance(value, list | tuple | str) and pd.isna(value))


@cache
def _vl_version() -> str:
    import altair as alt

    return ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])


def svg(spec: dict) -> Markup:
    """A Vega-Lite chart as an inline SVG (vl-convert: no browser, no request)."""
    import vl_convert

    drawn = vl_convert.vegalite_to_svg(spec, vl_version=_vl_version())
    return Markup(drawn.removeprefix('<?xml version="1.0" encoding="utf-8"?>').strip())


def chart(plot: charts.Plot, numbers: pd.DataFrame | None = None) -> Chart:
    """A chart with its title, its sentence and its numbers (`numbers` instead of the plot's own, where the
    table also names what the chart leaves out), sized to a printed page's width."""
    # The builders' charts are valid by construction (the pages draw them); validating each again costs
    # more than drawing it.
    spec = plot.chart.properties(width=CHART_WIDTH).to_dict(validate=False)
    drawn = {k: v for k, v in spec.items() if k != "title"}  # the report prints it above, with its sentence
    return Chart(
        title=plot.title,
        description=str(spec.get("description", "")),
        svg=svg(drawn),
        table=table(plot.numbers if numbers is None else numbers),
    )


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["note"].isna()].reset_index(drop=True)


def _cells(frame: pd.DataFrame, count: str) -> list[str]:
    return [
        str(int(n)) if pd.isna(note) else note for n, note in zip(frame[count], frame["note"], strict=True)
    ]


def registrations_section(view: ReportView) -> Section:
    section = Section("registrations", "Registrations and time to pair")
    section.figures = [
        (f"{kind} registered", count, f"in {view.year}") for kind, count in view.registered.items()
    ]
    section.figures.append(("Median time to pair", view.median_days_to_pair, "of the mentees paired"))
    reg = view.registrations
    numbers = (
        reg.assign(cell=_cells(reg, "registrations"))
        .pivot(index="label", columns="kind", values="cell")
        .reindex(columns=list(dict.fromkeys(reg["kind"])))
        .rename_axis(index="Quarter", columns=None)
        .reset_index()
    )
    section.charts.append(chart(charts.registrations_over_time(_shown(reg)), numbers))
    waits = view.time_to_pair
    numbers = pd.DataFrame({"Time to pair": waits["waited"], "Mentees": _cells(waits, "mentees")})
    section.charts.append(chart(charts.time_to_pair(_shown(waits)), numbers))
    section.notes.append(
        f"Mentees registered in {view.year}, by the days from registering to their first pair. A count of "
        f"{privacy.FEWER_THAN_5} reads so, and one more is withheld where the total would give it away."
    )
    return section


def requests_section(view: ReportView) -> Section:
    section = Section("requests", "BIPOC-mentor requests met")
    section.lead = [
        "Students who are BIPOC may ask for a BIPOC mentor; the committee honours the request wherever "
        "mentor supply allows. Of the mentees in open pairs who asked, how many have a BIPOC-identifying "
        "mentor."
    ]
    section.figures = [("BIPOC-mentor requests met", view.requests, "mentees in open pairs who asked")]
    if caption := view.requests_as_of.caption():
        section.notes.append(caption)
    return section


def cadence_section(view: ReportView) -> Section:
    section = Section("cadence", "Meeting rhythm")
    section.lead = [
        "Pairs are asked to meet every one to two months. A pair is on track when it met in the last 60 "
        "days, due up to 90, overdue after that; a pair confirmed in the last 30 days that has not met "
        "yet is new."
    ]
    mix = view.cadence
    if len(mix):
        numbers = (
            mix.assign(
                cell=_cells(mix, "pairs"),
                day=pd.to_datetime(mix["as_of"]).dt.strftime("%Y-%m-%d"),
                label=[STATUS_LABELS[CadenceStatus(s)] for s in mix["status"]],
            )
            .pivot(index="day", columns="label", values="cell")
            .reindex(columns=[STATUS_LABELS[s] for s in STATUS_ORDER])
            .rename_axis(index="As of", columns=None)
            .reset_index()
        )
        section.charts.append(chart(charts.status_mix_over_time(_shown(mix), bars=True), numbers))
        section.notes.append(
            f"A status of {privacy.FEWER_THAN_5} pairs at a month end is left out of the chart and reads so "
            "in the table."
        )
    if len(view.meetings_per_month):
        section.charts.append(chart(charts.meetings_per_month(view.meetings_per_month)))
    if not section.charts:
        section.notes.append(f"No pair was open in {view.year}.")
    return section


def retention_section(view: ReportView) -> Section:
    shown = view.retention
    section = Section("retention", "Retention")
    section.lead = [
        "How long pairs last from confirmation. Open pairs count for as long as they have lasted so far; a "
        "month is 30.44 days; the shaded band is the 95% confidence band."
    ]
    if shown.empty:
        section.notes.append("No pair had been confirmed yet.")
        return section
    section.figures = [(f.label, f.value, f.behind) for f in shown.figures]
    for tab in ("All pairs", "By BIPOC-mentor request"):
        part = shown.breakdowns[tab]
        if len(part.curves):
            section.charts.append(chart(charts.survival_curves(part.curves, part.title)))
        if part.table is not None:
            section.tables.append((part.title, table(part.table)))
        if part.as_of and (caption := part.as_of.caption()):
            section.notes.append(f"{tab}: {caption}")
    cohorts = shown.breakdowns["By cohort"]
    section.tables.append((cohorts.title, table(cohorts.table)))
    if any(part.figure_withheld for part in shown.breakdowns.values()):
        section.notes.append(
            f"{privacy.WITHHELD.capitalize()}: a figure on 5 or more pairs, held back so that one on fewer "
            "than 5 cannot be worked out by subtracting the others from the total."
        )
    return section


def feedback_section(view: ReportView) -> Section:
    seen = view.feedback
    section = Section("feedback", "Feedback")
    section.lead = [
        "What mentors and mentees answer in the surveys at 30 days, mid-year and one year. Agreeing is a 4 "
        "or 5 of 5; every share has its 95% interval (Wilson)."
    ]
    if caption := seen.as_of.caption():
        section.notes.append(caption)
    if seen.empty or seen.as_of.day is None:
        section.notes.insert(0, "No survey figure to show yet.")
        return section
    section.tables.append(("Response rates", table(formatting.feedback_rates(seen.rates))))
    if len(seen.statements):
        section.charts.append(
            chart(
                charts.agreement(
                    formatting.agreement_rows(seen.statements, None),
                    formatting.feedback_shares(seen.statements),
                    "Share agreeing",
                    False,
                )
            )
        )
    if seen.few_statements:
        section.notes.append(
            f"Fewer than 5 answers, not shown: {formatting.answer_labels(seen.few_statements)}."
        )
    if len(seen.yes):
        section.tables.append(
            ("Meeting, and going on", table(formatting.feedback_shares(seen.yes, yes=True)))
        )
    if seen.recommendation is not None:
        text = formatting.recommendation_text(seen.recommendation)
        section.figures.append(("Would recommend the program", text, "9–10 less 0–6, in points"))
    for compared in seen.comparisons:
        if len(compared.table):
            title = f"Share agreeing, {compared.title[0].lower()}{compared.title[1:]}"
            rows = formatting.agreement_rows(compared.table, compared.by)
            numbers = formatting.feedback_shares(compared.table, compared.by)
            section.charts.append(chart(charts.agreement(rows, numbers, title, True)))
    if any(len(c.table) for c in seen.comparisons):
        from mentorship.feedback import ASSOCIATIONS

        section.notes.append(ASSOCIATIONS)
    return section


def outcomes_section(view: ReportView) -> Section:
    seen = view.outcomes
    section = Section("outcomes", "The path to medical school")
    section.lead = [
        "For each registration year, how many mentees were paired, had a year with a mentor, applied to "
        "medical school, interviewed, were accepted and matriculated, and how many have no known status. A "
        "mentee counts in a stage when any step at or past it is recorded; a mentee with no step recorded "
        "has no known status and is never counted as not having applied."
    ]
    if caption := seen.as_of.caption():
        section.notes.append(caption)
    if seen.empty or seen.as_of.day is None:
        section.notes.insert(0, "No funnel to show yet.")
        return section
    numbers = formatting.outcome_cohorts(seen.cohorts)
    if len(seen.funnel):
        section.charts.append(chart(charts.outcomes_funnel(seen.funnel, seen.cohorts), numbers))
    else:
        section.tables.append(("The path to medical school, by registration year", table(numbers)))
    if len(seen.comparisons):
        section.charts.append(chart(charts.outcomes_comparisons(seen.comparisons)))
        section.notes.append(milestones.ASSOCIATIONS)
    if len(seen.too_few):
        groups = ", ".join(sorted(set(seen.too_few["group"])))
        section.notes.append(
            f"Compared groups of {privacy.FEWER_THAN_5} mentees of known status, not shown: {groups}."
        )
    return section


def sections(view: ReportView) -> list[Section]:
    return [
        registrations_section(view),
        requests_section(view),
        cadence_section(view),
        retention_section(view),
        feedback_section(view),
        outcomes_section(view),
    ]


@cache
def _template():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    environment = Environment(
        loader=PackageLoader("mentorship", "templates"),
        autoescape=True,  # user text (the leader's paragraph) is never HTML
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return environment.get_template("report.html.j2")


def render(view: ReportView, *, today: date, intro: str = "") -> str:
    """The report as one HTML document (`view`: `queries.report_view`, the committee's)."""
    return _template().render(
        year=view.year,
        as_of=as_of_sentence(view, today),
        made_on=f"{today:%-d %B %Y}",
        intro=intro_paragraphs(intro),
        sections=sections(view),
    )
