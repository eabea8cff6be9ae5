"""Retention figures against values worked out by hand, on small fixtures."""

import itertools
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from mentorship import charts, db, privacy, queries, retention
from mentorship.models import MatchStatus, Meeting

from .conftest import TODAY, load_demo
from .factories import make_match, make_mentee, make_mentor


def pair(
    match_id: int,
    *,
    confirmed: date,
    days: int | None = None,
    status: str = "active",
    decided: date | None = None,
    reason: str | None = None,
    preference: str = "none",
    mentor_bipoc: str = "yes",
    meeting_format: str | None = "virtual",
) -> dict:
    """One row as `queries.retention_pairs` gives it; `days` set means the pair ended that many days in."""
    return {
        "match_id": match_id,
        "status": status if days is None else (status if status != "active" else "ended"),
        "confirmed_on": confirmed,
        "ended_on": None if days is None else confirmed + timedelta(days=days),
        "decided_on": decided,
        "end_reason": reason,
        "bipoc_mentor_preference": preference,
        "mentor_identifies_bipoc": mentor_bipoc,
        "meeting_format": meeting_format,
    }


def frame(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


# Kaplan–Meier, by hand. Six pairs; durations in days (months = days / 30.44):
#   45 ended (1.48)   80 open (2.63)   110 ended, 110 ended (3.61)   170 open (5.58)   200 ended (6.57)
# At 1.48 months: 6 at risk, 1 ends   -> S = 5/6           = 0.8333
# At 3.61 months: 4 at risk, 2 end    -> S = 5/6 * 2/4     = 0.4167   (the open pair at 2.63 has left)
# At 6.57 months: 1 at risk, 1 ends   -> S = 0
HAND = frame(
    pair(1, confirmed=date(2024, 1, 10), days=45, reason="schedules"),
    pair(2, confirmed=TODAY - timedelta(days=80)),
    pair(3, confirmed=date(2024, 3, 1), days=110, reason="moved"),
    pair(4, confirmed=date(2024, 5, 1), days=110, reason="schedules"),
    pair(5, confirmed=TODAY - timedelta(days=170)),
    pair(6, confirmed=date(2023, 2, 1), days=200, reason="unresponsive"),
)


def test_durations_run_to_the_end_or_to_today_while_open():
    d = retention.durations(HAND, TODAY)
    assert d["days"].tolist() == [45, 80, 110, 110, 170, 200]
    assert d["ended"].tolist() == [True, False, True, True, False, True]
    assert d["months"].round(3).tolist() == [1.478, 2.628, 3.614, 3.614, 5.585, 6.570]


def test_an_end_after_today_has_not_happened_yet():
    later = frame(pair(1, confirmed=TODAY - timedelta(days=30), days=60))
    d = retention.durations(later, TODAY)
    assert (d["days"].tolist(), d["ended"].tolist()) == ([30], [False])


def test_kaplan_meier_by_month_matches_the_hand_computation():
    curve = retention.survival_curve(retention.durations(HAND, TODAY))
    assert curve[["month", "survival", "at_risk"]].to_dict("records") == [
        {"month": 0, "survival": 1.0, "at_risk": 6},
        {"month": 1, "survival": 1.0, "at_risk": 6},
        {"month": 2, "survival": 0.8333, "at_risk": 5},
        {"month": 3, "survival": 0.8333, "at_risk": 4},
        {"month": 4, "survival": 0.4167, "at_risk": 2},
        {"month": 5, "survival": 0.4167, "at_risk": 2},
        {"month": 6, "survival": 0.4167, "at_risk": 1},
        {"month": 7, "survival": 0.0, "at_risk": 0},
    ]


def test_the_confidence_band_brackets_the_estimate_where_it_is_defined():
    curve = retention.survival_curve(retention.durations(HAND, TODAY))
    # no band before the first end, nor once every pair has ended
    assert curve.loc[[0, 1, 7], ["lower", "upper"]].isna().all().all()
    inside = curve.loc[2:6]
    assert (inside["lower"] <= inside["survival"]).all() and (inside["survival"] <= inside["upper"]).all()
    assert (inside["lower"] < inside["upper"]).all()


def test_median_is_when_survival_first_falls_to_one_half_or_below():
    assert retention.median_months(retention.durations(HAND, TODAY)) == 3.6
    # exactly one half counts: 2 pairs, one ends at 61 days (2.0 months), the other is still open
    half = frame(pair(1, confirmed=date(2025, 1, 1), days=61), pair(2, confirmed=TODAY - timedelta(days=90)))
    assert retention.median_months(retention.durations(half, TODAY)) == 2.0


def test_median_is_null_when_survival_never_falls_that_far():
    mostly_open = frame(
        pair(1, confirmed=date(2025, 1, 1), days=100),
        pair(2, confirmed=TODAY - timedelta(days=300)),
        pair(3, confirmed=TODAY - timedelta(days=400), status="continued"),
    )
    d = retention.durations(mostly_open, TODAY)
    assert retention.median_months(d) is None
    assert retention.survival_curve(d)["survival"].min() == 0.6667


def test_no_pairs_no_figures():
    empty = frame(pair(1, confirmed=TODAY)).iloc[0:0]
    report = retention.analyse(empty, TODAY)
    assert report.to_json() == {
        "pairs": 0,
        "one_year_completion_rate": None,
        "continuation_rate": None,
        "median_months": None,
        "survival": [],
        "by_cohort": [],
    }
    assert report.end_reasons.empty and report.decisions_due.empty


# One-year completion and continuation
YEAR = frame(
    # confirmed at least a year ago
    pair(1, confirmed=date(2024, 1, 1), days=380, status="completed", decided=date(2025, 1, 16)),
    pair(2, confirmed=date(2024, 1, 1), days=200, reason="moved"),
    pair(3, confirmed=date(2025, 6, 1), status="continued", decided=date(2026, 6, 1)),  # open, 542 days
    pair(4, confirmed=date(2023, 5, 1), days=600, status="ended", decided=date(2024, 4, 30)),  # continued
    pair(5, confirmed=date(2025, 11, 1)),  # open, 389 days, no decision yet
    # confirmed less than a year ago
    pair(6, confirmed=date(2026, 3, 1)),
    pair(7, confirmed=date(2026, 1, 1), days=50, reason="schedules"),
)


def test_one_year_completion_among_pairs_confirmed_a_year_ago():
    # eligible: 1-5; reached a year: 1 (380), 3 (542), 4 (600), 5 (389) -> 4 of 5
    assert retention.one_year_completion(YEAR, TODAY) == retention.Rate(0.8, 5)


def test_continuation_among_pairs_that_reached_a_year():
    # reached: 1, 3, 4, 5; continued: 3 (status continued) and 4 (ended after its decision) -> 2 of 4
    d = retention.durations(YEAR, TODAY)
    assert retention.continued(d).tolist() == [False, False, True, True, False, False, False]
    assert retention.continuation(d) == retention.Rate(0.5, 4)


def test_the_overview_summary_uses_the_same_completion_rate(engine):
    load_demo(engine)
    with db.read_session(engine) as session:
        summary = queries.program_summary(session, TODAY)
        report = retention.analyse(queries.retention_pairs(session), TODAY)
    assert summary.pairs_ever == report.overall.pairs
    assert (
        summary.one_year_completion_rate,
        summary.one_year_eligible_pairs,
    ) == report.overall.one_year_completion
    assert report.to_json()["one_year_completion_rate"] == summary.one_year_completion_rate


# Groups
def test_pairs_grouped_by_cohort_concordance_and_format():
    pairs = frame(
        pair(1, confirmed=date(2024, 2, 1), preference="required", mentor_bipoc="yes"),
        pair(
            2, confirmed=date(2024, 3, 1), preference="preferred", mentor_bipoc="no", meeting_format="phone"
        ),
        pair(3, confirmed=date(2025, 3, 1), preference="preferred", mentor_bipoc="undisclosed"),
        pair(4, confirmed=date(2025, 4, 1), preference="none", mentor_bipoc="yes", meeting_format=None),
        pair(5, confirmed=date(2026, 4, 1), preference="none", mentor_bipoc="no", meeting_format="in person"),
    )
    d = retention.label_groups(retention.durations(pairs, TODAY))
    assert d["cohort"].tolist() == [2024, 2024, 2025, 2025, 2026]
    assert d["concordance"].tolist() == [
        retention.ASKED_AND_GOT,
        retention.ASKED_NOT_GOT,
        retention.ASKED_NOT_GOT,
        retention.DID_NOT_ASK,
        retention.DID_NOT_ASK,
    ]
    assert d["format"].tolist() == ["Virtual", "Phone", "Virtual", "No meetings logged", "In person"]

    report = retention.analyse(pairs, TODAY)
    assert [(g.key, g.pairs) for g in report.by_cohort] == [(2024, 2), (2025, 2), (2026, 1)]
    assert [(g.group, g.pairs) for g in report.by_concordance] == [
        (retention.ASKED_AND_GOT, 1),
        (retention.ASKED_NOT_GOT, 2),
        (retention.DID_NOT_ASK, 2),
    ]
    assert [(g.group, g.pairs) for g in report.by_format] == [
        ("In person", 1),
        ("Phone", 1),
        ("Virtual", 2),
        ("No meetings logged", 1),
    ]
    assert report.to_json()["by_cohort"] == [
        {"cohort": 2024, "pairs": 2, "one_year_completion_rate": 1.0},
        {"cohort": 2025, "pairs": 2, "one_year_completion_rate": 1.0},
        {"cohort": 2026, "pairs": 1, "one_year_completion_rate": None},
    ]


def test_why_pairs_end_counts_closed_pairs_by_reason():
    pairs = frame(
        pair(1, confirmed=date(2024, 1, 1), days=380, status="completed", reason="completed_year"),
        pair(2, confirmed=date(2024, 1, 1), days=90, reason="schedules"),
        pair(3, confirmed=date(2024, 1, 1), days=120, reason="schedules"),
        pair(4, confirmed=date(2024, 1, 1), days=30, reason="left_premed"),
        pair(5, confirmed=date(2024, 1, 1), days=30, reason=None),
        pair(6, confirmed=date(2026, 1, 1)),  # open: not counted
    )
    reasons = retention.end_reasons(retention.durations(pairs, TODAY))
    assert reasons.to_dict("records") == [
        {"reason": "Schedules", "pairs": 2},
        {"reason": "Completed the year", "pairs": 1},
        {"reason": "Left the pre-med path", "pairs": 1},
        {"reason": "Not recorded", "pairs": 1},
    ]


def test_decisions_due_within_thirty_days_of_the_mark_or_past_it_undecided():
    pairs = frame(
        pair(1, confirmed=TODAY - timedelta(days=334)),  # 31 days to go: not yet
        pair(2, confirmed=TODAY - timedelta(days=335)),  # 30 days to go
        pair(3, confirmed=TODAY - timedelta(days=365)),  # the mark is today
        pair(4, confirmed=TODAY - timedelta(days=500)),  # long past, no decision
        pair(
            5, confirmed=TODAY - timedelta(days=400), status="continued", decided=TODAY - timedelta(days=35)
        ),
        pair(6, confirmed=TODAY - timedelta(days=400), days=370, status="completed"),  # closed
    )
    due = retention.decisions_due(retention.durations(pairs, TODAY), TODAY)
    assert due[["match_id", "days_to_mark"]].to_dict("records") == [
        {"match_id": 4, "days_to_mark": -135},
        {"match_id": 3, "days_to_mark": 0},
        {"match_id": 2, "days_to_mark": 30},
    ]
    assert due["one_year_on"].tolist() == [TODAY - timedelta(days=135), TODAY, TODAY + timedelta(days=30)]


def test_every_open_pair_can_be_ended_whatever_its_age():
    pairs = frame(
        pair(1, confirmed=TODAY - timedelta(days=90)),  # three months in
        pair(
            2, confirmed=TODAY - timedelta(days=500), status="continued", decided=TODAY - timedelta(days=150)
        ),
        pair(3, confirmed=TODAY - timedelta(days=400), days=370, status="completed"),  # closed
        pair(4, confirmed=TODAY - timedelta(days=200), days=100),  # ended
        pair(5, confirmed=TODAY - timedelta(days=360)),  # due
    )
    going = retention.open_pairs(retention.durations(pairs, TODAY))
    assert going[["match_id", "one_year_on"]].to_dict("records") == [
        {"match_id": 2, "one_year_on": TODAY - timedelta(days=135)},
        {"match_id": 5, "one_year_on": TODAY + timedelta(days=5)},
        {"match_id": 1, "one_year_on": TODAY + timedelta(days=275)},
    ]


# What the committee may see
@pytest.mark.parametrize(
    ("pairs", "role", "shown"),
    [
        (4, "committee", privacy.FEWER_THAN_5),
        (0, "committee", privacy.FEWER_THAN_5),
        (5, "committee", 0.8),
        (4, "leader", 0.8),
        (0, "leader", 0.8),
    ],
)
def test_figures_on_fewer_than_five_pairs_are_hidden_from_the_committee(pairs, role, shown):
    assert privacy.for_role(0.8, pairs, role) == shown
    assert privacy.hidden(pairs, role) == (shown == privacy.FEWER_THAN_5)


def test_the_committee_sees_no_curve_for_a_hidden_group():
    hand = retention.durations(HAND, TODAY)
    small = retention.figures(hand.iloc[:1], key="a", group="Small")  # 1 pair
    large = retention.figures(hand.iloc[1:], key="b", group="Large")  # 5 pairs
    masks = privacy.group_masks([small, large], retention.figures(hand), "committee")
    assert masks == [
        privacy.GroupMask(privacy.FEWER_THAN_5, privacy.FEWER_THAN_5, privacy.FEWER_THAN_5),
        privacy.GroupMask(privacy.WITHHELD, privacy.WITHHELD, privacy.WITHHELD),  # 6 - 5 = 1 otherwise
    ]
    assert privacy.visible_curves([small, large], masks).empty
    shown = privacy.visible_curves(
        [small, large], [privacy.GroupMask(privacy.FEWER_THAN_5), privacy.GroupMask()]
    )
    assert (set(shown["group"]), shown["month"].tolist()) == ({"Large"}, list(range(8)))
    assert set(privacy.visible_curves([small, large])["group"]) == {"Small", "Large"}


def group(name: str, pairs: int, eligible: int = 0, reached: int = 0) -> retention.GroupFigures:
    """A group with `pairs`, `eligible` of them confirmed a year ago and `reached` of those lasting a year."""
    return retention.GroupFigures(
        key=name,
        group=name,
        pairs=pairs,
        one_year_completion=retention.Rate(0.5 if eligible else None, eligible),
        continuation=retention.Rate(0.5 if reached else None, reached),
        median_months=None,
        curve=pd.DataFrame(columns=retention.CURVE_COLUMNS),
    )


def overall_of(groups: list[retention.GroupFigures]) -> retention.GroupFigures:
    return group(
        "All",
        sum(g.pairs for g in groups),
        sum(g.one_year_completion.pairs for g in groups),
        sum(g.continuation.pairs for g in groups),
    )


SHOWN = privacy.GroupMask()
FEWER = privacy.GroupMask(privacy.FEWER_THAN_5, privacy.FEWER_THAN_5, privacy.FEWER_THAN_5)
WITHHELD = privacy.GroupMask(privacy.WITHHELD, privacy.WITHHELD, privacy.WITHHELD)


@pytest.mark.parametrize(
    ("groups", "masks"),
    [
        # the demo's BIPOC-mentor request: 99 pairs, so 59 and 39 shown would give the 1 away
        ([("got", 59, 50, 40), ("not", 1), ("did not ask", 39, 32, 26)], [SHOWN, FEWER, WITHHELD]),
        # two hidden groups of 1 add up to 2: each must be 1, so the smallest other is withheld
        ([("a", 1, 1), ("b", 1, 1), ("c", 20, 20, 15), ("d", 30, 30, 20)], [FEWER, FEWER, WITHHELD, SHOWN]),
        # a group of 1 and a withheld group of exactly 5 add up to 6, which is only 1 + 5
        ([("a", 1), ("b", 5, 5, 5), ("c", 30, 20, 10)], [FEWER, WITHHELD, WITHHELD]),
        ([("a", 4), ("b", 5, 5, 5), ("c", 6, 6, 6), ("d", 40, 30, 20)], [FEWER, WITHHELD, SHOWN, SHOWN]),
        # two hidden groups whose sums (3 + 4 = 7 pairs, 2 + 1 confirmed a year ago, 1 + 1 lasting a year)
        # leave each open: nothing more to withhold
        ([("a", 3, 2, 1), ("b", 4, 1, 1), ("c", 30, 20, 10)], [FEWER, FEWER, SHOWN]),
        # ... but when none of their pairs was confirmed a year ago, that sum (0) gives each away
        ([("a", 3), ("b", 4), ("c", 30, 20, 10), ("d", 35, 20, 10)], [FEWER, FEWER, WITHHELD, SHOWN]),
        # a group shown whose continuation rests on 4 pairs: the other bases give it away unless a group goes
        (
            [("in person", 8, 7, 7), ("phone", 31, 26, 22), ("virtual", 53, 43, 33), ("none", 7, 6, 4)],
            [WITHHELD, SHOWN, SHOWN, WITHHELD],
        ),
        # the total itself is fewer than 5: nothing to subtract from
        ([("a", 2), ("b", 2)], [FEWER, FEWER]),
        ([("a", 12, 10, 8), ("b", 30, 25, 20)], [SHOWN, SHOWN]),
    ],
)
def test_no_hidden_group_can_be_worked_out_from_the_total_and_the_rest(groups, masks):
    figures = [group(*g) for g in groups]
    assert privacy.group_masks(figures, overall_of(figures), "committee") == masks
    assert privacy.group_masks(figures, overall_of(figures), "leader") == [SHOWN] * len(groups)


def test_a_group_with_a_small_rate_base_shows_only_its_pairs():
    figures = [group("a", 12, 3, 2), group("b", 30, 25, 20), group("c", 40, 30, 25), group("d", 8, 2, 1)]
    assert privacy.group_masks(figures, overall_of(figures), "committee") == [
        privacy.GroupMask(None, privacy.FEWER_THAN_5, privacy.FEWER_THAN_5),
        SHOWN,
        SHOWN,
        privacy.GroupMask(None, privacy.FEWER_THAN_5, privacy.FEWER_THAN_5),
    ]


def possible_values(counts: list[int], ranges: list[tuple[int, int]]) -> list[set[int]]:
    """By brute force: every value each hidden count could have, given their sum and ranges."""
    total = sum(counts)
    values = [range(low, min(high, total) + 1) for low, high in ranges]
    seen: list[set[int]] = [set() for _ in counts]
    for combination in itertools.product(*values):
        if sum(combination) == total:
            for i, v in enumerate(combination):
                seen[i].add(v)
    return seen


def test_withholding_leaves_every_hidden_count_with_two_possible_values_or_more():
    """Against brute force on 400 random breakdowns: from the total and what is shown, no hidden pairs count,
    completion base or continuation base has a single possible value (unless everything is hidden)."""
    rng = np.random.default_rng(7)
    for _ in range(400):
        figures = []
        for k in range(int(rng.integers(2, 5))):
            pairs = int(rng.integers(1, 14))
            eligible = int(rng.integers(0, pairs + 1))
            figures.append(group(f"g{k}", pairs, eligible, int(rng.integers(0, eligible + 1))))
        overall = overall_of(figures)
        masks = privacy.group_masks(figures, overall, "committee")
        columns = [
            (overall.pairs, [g.pairs for g in figures], [m.pairs for m in masks], 1),
            (
                overall.one_year_completion.pairs,
                [g.one_year_completion.pairs for g in figures],
                [m.one_year_completion for m in masks],
                0,
            ),
            (
                overall.continuation.pairs,
                [g.continuation.pairs for g in figures],
                [m.continuation for m in masks],
                0,
            ),
        ]
        for total, counts, labels, floor in columns:
            held = [i for i, label in enumerate(labels) if label]
            if total < privacy.MIN_GROUP_PAIRS or not held or len(held) == len(labels):
                continue
            ranges = [
                (floor, 4)
                if labels[i] == privacy.FEWER_THAN_5
                else (5 if floor else 0, total)  # withheld: a group of 5 or more; a base of any size
                for i in held
            ]
            options = possible_values([counts[i] for i in held], ranges)
            assert all(len(o) >= 2 for o in options), (counts, labels)


def test_why_pairs_end_withholds_a_reason_that_would_give_a_small_one_away():
    reasons = pd.DataFrame(
        [
            {"reason": "Mismatch", "pairs": 12},
            {"reason": "Schedules", "pairs": 7},
            {"reason": "Moved away", "pairs": 2},
        ]
    )
    shown, few, withheld = privacy.visible_reasons(reasons, "committee")
    assert (shown.to_dict("records"), few, withheld) == (
        [{"reason": "Mismatch", "pairs": 12}],
        ["Moved away"],
        ["Schedules"],
    )
    assert privacy.visible_reasons(reasons, "leader")[1:] == ([], [])
    # the demo's reasons: four under 5 adding up to 9 leave each of them open
    demo = pd.DataFrame(
        {"reason": list("abcdefg"), "pairs": [52, 8, 5, 4, 2, 2, 1]},
    )
    shown, few, withheld = privacy.visible_reasons(demo, "committee")
    assert (shown["reason"].tolist(), few, withheld) == (["a", "b", "c"], ["d", "e", "f", "g"], [])


def test_the_committee_sees_counts_of_fewer_than_five_only_as_a_label():
    reasons = pd.DataFrame([{"reason": "Schedules", "pairs": 7}, {"reason": "Moved away", "pairs": 2}])
    shown, hidden = privacy.visible_counts(reasons, "committee", label="reason", count="pairs")
    assert (shown.to_dict("records"), hidden) == ([{"reason": "Schedules", "pairs": 7}], ["Moved away"])
    shown, hidden = privacy.visible_counts(reasons, "leader", label="reason", count="pairs")
    assert (len(shown), hidden) == (2, [])


# The loader
def test_the_loader_reads_each_pair_with_its_preference_identity_and_usual_format(engine):
    with db.write_session(engine) as s:
        mentor = make_mentor("ada", identifies_bipoc="no", capacity=3)
        asked = make_mentee("bo", bipoc_mentor_preference="required")
        other = make_mentee("cy")
        s.add_all([mentor, asked, other])
        s.flush()
        first = make_match(
            mentor.id,
            asked.id,
            confirmed_on=date(2025, 1, 6),
            status=MatchStatus.completed,
            ended_on=date(2026, 1, 10),
            decided_on=date(2026, 1, 10),
            end_reason="completed_year",
        )
        second = make_match(mentor.id, other.id, confirmed_on=date(2026, 2, 1))
        s.add_all([first, second])
        s.flush()
        s.add_all(
            [
                Meeting(match_id=first.id, met_on=date(2025, 2, 1), format="phone"),
                Meeting(match_id=first.id, met_on=date(2025, 3, 1), format="virtual"),
                Meeting(match_id=first.id, met_on=date(2025, 4, 1), format="phone"),
            ]
        )
    with db.read_session(engine) as session:
        pairs = queries.retention_pairs(session)
    columns = ["status", "end_reason", "bipoc_mentor_preference", "mentor_identifies_bipoc", "meeting_format"]
    assert pairs[columns].to_dict("records") == [
        {
            "status": "completed",
            "end_reason": "completed_year",
            "bipoc_mentor_preference": "required",
            "mentor_identifies_bipoc": "no",
            "meeting_format": "phone",
        },
        {
            "status": "active",
            "end_reason": None,
            "bipoc_mentor_preference": "none",
            "mentor_identifies_bipoc": "no",
            "meeting_format": None,
        },
    ]
    assert pairs["mentee_email"].tolist() == ["bo@school.example.edu", "cy@school.example.edu"]


def test_demo_figures_are_whole_and_consistent(engine):
    load_demo(engine)
    with db.read_session(engine) as session:
        report = queries.retention_data(session, TODAY).report
    overall = report.overall
    assert overall.pairs == sum(g.pairs for g in report.by_cohort) == sum(g.pairs for g in report.by_format)
    assert overall.pairs == sum(g.pairs for g in report.by_concordance)
    assert np.all(np.diff(overall.curve["survival"]) <= 0)
    assert 0 < overall.continuation.value < 1 and overall.median_months is not None
    assert len(report.decisions_due) >= 1


# Charts
def test_survival_chart_draws_a_step_line_and_a_band_per_group_with_tooltips():
    d = retention.durations(HAND, TODAY)
    curves = privacy.visible_curves([retention.figures(d)])
    spec = charts.survival_curves(curves, "How long pairs last").chart.to_dict()
    marks = [layer["mark"] for layer in spec["layer"]]
    assert [m["type"] for m in marks] == ["area", "line"]
    assert {m["interpolate"] for m in marks} == {"step-after"}
    assert [t["field"] for t in spec["layer"][1]["encoding"]["tooltip"]] == [
        "group",
        "month",
        "survival",
        "lower",
        "upper",
        "at_risk",
    ]
    assert spec["title"] == "How long pairs last"


def test_why_pairs_end_chart_has_tooltips():
    reasons = charts.end_reasons(pd.DataFrame([{"reason": "Schedules", "pairs": 7}])).chart.to_dict()
    assert [t["field"] for t in reasons["encoding"]["tooltip"]] == ["reason", "pairs"]
