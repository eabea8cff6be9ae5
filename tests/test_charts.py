"""Charts read in time order, count in whole numbers, and say in words and in a table what they draw."""

from __future__ import annotations

from datetime import date

import pandas as pd

from mentorship import charts, db, milestones, queries

from .conftest import TODAY
from .factories import make_mentee, make_mentor


def test_registrations_per_quarter_are_in_time_order_with_empty_quarters_shown(engine):
    with db.write_session(engine) as session:
        session.add_all(
            [
                make_mentor("a", registered_on=date(2025, 2, 1)),
                make_mentee("b", registered_on=date(2021, 1, 5)),
                make_mentee("c", registered_on=date(2021, 8, 9)),
                make_mentee("d", registered_on=date(2021, 9, 30)),
            ]
        )
    with db.read_session(engine) as session:
        by_quarter = queries.registrations_by_quarter(session)
    drawn = charts.registrations_over_time(by_quarter)
    quarters = [f"{y} Q{q}" for y in range(2021, 2025) for q in (1, 2, 3, 4)] + ["2025 Q1"]
    assert drawn.numbers["Quarter"].tolist() == quarters
    rows = drawn.numbers.set_index("Quarter")
    assert rows.loc["2021 Q1"].tolist() == [0, 1]  # mentors, mentees
    assert rows.loc["2021 Q2"].tolist() == [0, 0]  # nobody registered: shown, empty
    assert rows.loc["2021 Q3"].tolist() == [0, 2]
    assert rows.loc["2025 Q1"].tolist() == [1, 0]
    spec = drawn.chart.to_dict()
    assert spec["encoding"]["x"]["sort"] == quarters


FUNNEL_COUNTS = milestones.COHORT_COLUMNS[1:]


def every_plot() -> list[charts.Plot]:
    months = pd.to_datetime(["2026-09-01", "2026-10-01"])
    curves = pd.DataFrame(
        {
            "group": "All pairs",
            "month": [0, 1],
            "survival": [1.0, 0.9],
            "lower": [1.0, 0.7],
            "upper": [1.0, 1.0],
        }
    ).assign(at_risk=[10, 9])
    return [
        charts.registrations_over_time(
            pd.DataFrame(
                {
                    "quarter": months,
                    "label": ["2026 Q3", "2026 Q4"],
                    "registrations": [1, 2],
                    "kind": "Mentors",
                }
            )
        ),
        charts.waiting_times(pd.Series([3, 40, 200])),
        charts.cadence_status({"on_track": 1, "overdue": 1}),
        charts.survival_curves(curves, "Pairs still going"),
        charts.end_reasons(pd.DataFrame({"reason": ["Schedules", "Moved"], "pairs": [1, 2]})),
        charts.meetings_per_month(pd.DataFrame({"month": months, "source": "leader", "meetings": [1, 2]})),
        charts.status_mix_over_time(pd.DataFrame({"as_of": months, "status": "on_track", "pairs": [1, 2]})),
        charts.meeting_timeline(
            pd.DataFrame(
                {
                    "met_on": [date(2026, 10, 2)],
                    "format": ["virtual"],
                    "duration_minutes": [45],
                    "source": ["pair"],
                }
            ),
            confirmed_on=date(2026, 9, 1),
            today=TODAY,
        ),
        charts.outcomes_funnel(
            pd.DataFrame(
                {"year": "2025", "stage": ["registered", "paired"], "label": ["Registered", "Paired"]}
            ).assign(mentees=[9, 6]),
            pd.DataFrame([{"year": "2025", **dict.fromkeys(FUNNEL_COUNTS, 9)}]),
        ),
        charts.outcomes_comparisons(
            pd.DataFrame(
                [["year", "At least a year", "applied", 6, 6, 1.0, 0.61, 1.0]],
                columns=milestones.COMPARISON_COLUMNS,
            )
        ),
    ]


def test_every_chart_has_a_description_and_its_numbers():
    for drawn in every_plot():
        spec = drawn.chart.to_dict()
        assert spec["description"].endswith("."), drawn.title
        assert len(drawn.numbers) > 0 and drawn.title in spec["title"]


def test_count_axes_show_whole_numbers_only():
    counted = {}
    for drawn in every_plot():
        spec = drawn.chart.to_dict()
        for layer in spec.get("layer", [spec]):
            for channel in ("x", "y"):
                encoding = layer.get("encoding", {}).get(channel, {})
                if encoding.get("title") in ("Registrations", "Mentees", "Pairs", "Meetings", "Open pairs"):
                    counted[f"{drawn.title}: {channel}"] = (
                        encoding["axis"]["tickMinStep"],
                        encoding["axis"]["format"],
                    )
    assert len(counted) == 7, counted
    assert set(counted.values()) == {(1, "d")}


def test_a_pair_that_never_met_is_said_in_words():
    empty = pd.DataFrame(columns=["met_on", "format", "duration_minutes", "source"])
    drawn = charts.meeting_timeline(empty, confirmed_on=date(2026, 9, 1), today=TODAY)
    assert (
        drawn.chart.to_dict()["description"]
        == "Timeline of the pair's 0 meetings from confirmation to today."
    )
    assert drawn.numbers.empty


def test_the_funnel_reads_left_to_right_in_the_paths_order_whichever_year_shows_a_stage_first():
    """The oldest year may have only its later stages shown (its early counts hidden): the axis still runs
    registered → paired → applied, not in the order the cells happen to come."""
    funnel = pd.DataFrame(
        {
            "year": ["2021", "2022", "2022"],
            "stage": ["applied", "registered", "paired"],
            "label": ["Applied", "Registered", "Paired with a mentor"],
            "mentees": [6, 16, 9],
        }
    )
    cohorts = pd.DataFrame([{"year": "2021", **dict.fromkeys(FUNNEL_COUNTS, 6)}])
    spec = charts.outcomes_funnel(funnel, cohorts).chart.to_dict()
    assert spec["encoding"]["x"]["sort"] == ["Registered", "Paired with a mentor", "Applied"]
