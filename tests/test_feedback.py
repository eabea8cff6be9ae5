"""The survey statistics (`mentorship.feedback`), with answers worked out by hand."""

from datetime import date

import pandas as pd
import pytest

from mentorship import feedback


def rows(values, **columns):
    """One answered statement per value; other columns constant unless given as lists."""
    n = len(values)
    base = {
        "role": "mentee",
        "moment": "mid",
        "question": "respect",
        "cohort": 2025,
        "concordance": "Did not ask for a BIPOC mentor",
        "rhythm": feedback.RHYTHM_ON_TRACK,
        "submitted_on": date(2026, 3, 1),
    }
    base.update(columns)
    return pd.DataFrame(
        {"value": values, **{k: v if isinstance(v, list) else [v] * n for k, v in base.items()}}
    )


def test_wilson_interval_of_4_of_5():
    # p = .8, z² = 3.8415: centre (.8 + .38415)/1.76830 = .66966; half 1.10841·√(.032 + .038415) = .29413
    low, high = feedback.wilson(4, 5)
    assert (round(low, 4), round(high, 4)) == (0.3755, 0.9638)


def test_share_agreeing_counts_4_and_5_and_drops_prefer_not_to_say():
    answers = rows([5, 4, 4, 4, 2, None])
    table = feedback.shares(answers, ["respect"])
    assert table[["question", "group", "responses", "agreeing"]].to_dict("records") == [
        {"question": "respect", "group": "All", "responses": 5, "agreeing": 4}
    ]
    assert round(table["share"][0], 2) == 0.8
    assert (round(table["low"][0], 4), round(table["high"][0], 4)) == (0.3755, 0.9638)


def test_a_comparison_is_shown_only_when_every_group_has_5():
    answers = pd.concat(
        [
            rows([5, 5, 5, 4, 1], role="mentor"),
            rows([5, 4, 2, 2], role="mentee"),  # 4 mentees: respect by role is not compared
            rows([5, 5, 5, 5, 5], role="mentor", question="safe_space"),
            rows([1, 2, 4, 5, 5], role="mentee", question="safe_space"),
        ]
    )
    compared = feedback.compare(answers, ["respect", "safe_space"], "role", ["mentor", "mentee"])
    assert compared.too_few == ["respect"]
    assert compared.table[["question", "group", "responses", "agreeing"]].to_dict("records") == [
        {"question": "safe_space", "group": "mentor", "responses": 5, "agreeing": 5},
        {"question": "safe_space", "group": "mentee", "responses": 5, "agreeing": 3},
    ]


def test_one_group_is_not_a_comparison():
    compared = feedback.compare(rows([5] * 8), ["respect"], "role")
    assert compared.table.empty and compared.too_few == []


def test_half_years_split_at_july():
    days = pd.Series([date(2025, 6, 30), date(2025, 7, 1), date(2026, 1, 2)])
    assert list(feedback.half_year(days)) == ["2025 H1", "2025 H2", "2026 H1"]


def test_comparison_over_time_by_half_year():
    answers = pd.concat(
        [rows([4] * 5, submitted_on=date(2025, 3, 1)), rows([1, 1, 1, 4, 5], submitted_on=date(2025, 9, 1))]
    )
    table = feedback.compare(answers, ["respect"], "half_year").table
    assert table[["group", "responses", "agreeing"]].values.tolist() == [["2025 H1", 5, 5], ["2025 H2", 5, 2]]


def test_rhythm_groups_leave_out_pairs_not_yet_meeting():
    answers = pd.concat(
        [
            rows([4] * 5),
            rows([2] * 5, rhythm=feedback.RHYTHM_BEHIND),
            rows([5] * 3, rhythm=None),
        ]
    )
    table = feedback.compare(answers, ["respect"], "rhythm", feedback.RHYTHM_ORDER).table
    assert table[["group", "responses", "agreeing"]].values.tolist() == [
        ["On track", 5, 5],
        ["Due or overdue", 5, 0],
    ]


def test_response_rates_per_moment_and_role():
    sent = pd.DataFrame(
        {"moment": ["mid", "start", "start"], "role": ["mentee", "mentor", "mentee"], "invited": [2, 1, 2]}
    )
    responses = pd.DataFrame({"moment": ["mid", "start", "mid"], "role": ["mentee", "mentee", "mentee"]})
    rates = feedback.response_rates(sent, responses)
    assert rates.to_dict("records") == [
        {"moment": "start", "role": "mentor", "invited": 1, "answered": 0, "rate": 0.0},
        {"moment": "start", "role": "mentee", "invited": 2, "answered": 1, "rate": 0.5},
        {"moment": "mid", "role": "mentee", "invited": 2, "answered": 2, "rate": 1.0},
    ]


def test_recommendation_score_and_its_adjusted_wald_interval():
    # 5 of 10 answer 9–10, 2 answer 0–6: score .5 − .2 = .3. Adjusted: n' = 13, p'+ = 5.75/13 = .442308,
    # p'− = 2.75/13 = .211538, centre .230769; var = (.653846 − .053254)/13 = .0461994, se .214941,
    # half-width 1.96 × .214941 = .421277: (−.1905, .6520).
    result = feedback.recommendation(pd.Series([9, 10, 9, 10, 9, 7, 8, 8, 3, 6, None]))
    assert (result.responses, result.promoters, result.detractors) == (10, 5, 2)
    assert result.score == pytest.approx(0.3)
    assert (round(result.low, 4), round(result.high, 4)) == (-0.1905, 0.6520)


def test_recommendation_of_all_tens_still_has_an_interval():
    # n' = 8, p'+ = 5.75/8 = .71875, p'− = .09375, centre .625; var = (.8125 − .390625)/8 = .052734,
    # half-width 1.96 × .229640 = .450086: (.1749, 1.0751) clipped to 1.
    result = feedback.recommendation(pd.Series([10] * 5))
    assert result.score == 1.0
    assert (round(result.low, 4), result.high) == (0.1749, 1.0)


def test_no_answers_no_figures():
    assert feedback.recommendation(pd.Series([], dtype=float)).score is None
    assert feedback.shares(rows([]), ["respect"]).empty


# --- The committee's rules (privacy) ---
def test_committee_survey_figures_stand_at_the_latest_release_point():
    from mentorship import privacy

    responses = pd.DataFrame(
        {
            "moment": ["mid"] * 10,
            "role": ["mentee"] * 5 + ["mentor"] * 5,
            "submitted_on": [date(2026, 1, d) for d in range(10, 15)]
            + [date(2026, 2, 3), date(2026, 2, 4)]
            + [date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 3)],
        }
    )
    # January: 5 mentees (a release). February: 2 mentors (not yet). March: 5 mentors since January.
    assert privacy.feedback_snapshot(responses, date(2026, 3, 15), "committee").day == date(2026, 1, 31)
    assert privacy.feedback_snapshot(responses, date(2026, 4, 1), "committee").day == date(2026, 3, 31)
    assert privacy.feedback_snapshot(responses.iloc[5:7], date(2026, 4, 1), "committee").day is None
    leader = privacy.feedback_snapshot(responses, date(2026, 3, 15), "leader")
    assert leader.live and leader.day == date(2026, 3, 15)
    caption = privacy.feedback_snapshot(responses, date(2026, 3, 15), "committee").caption()
    assert caption.startswith("As of 31 January 2026. The survey figures move only")


def test_committee_sees_no_rate_nor_share_on_fewer_than_5_responses():
    from mentorship import privacy

    rates = pd.DataFrame(
        {"moment": ["mid", "mid"], "role": ["mentor", "mentee"], "invited": [9, 6], "answered": [4, 5]}
    ).assign(rate=lambda d: d["answered"] / d["invited"])
    seen = privacy.visible_rates(rates, "committee")
    assert seen[["answered", "note"]].values.tolist() == [[None, "fewer than 5"], [5, None]]
    assert privacy.visible_rates(rates, "leader")["answered"].tolist() == [4, 5]
    shares = feedback.shares(
        pd.concat([rows([5] * 4), rows([4] * 5, question="safe_space")]), ["respect", "safe_space"]
    )
    shown, few = privacy.visible_shares(shares, "committee")
    assert shown["question"].tolist() == ["safe_space"] and few == ["respect"]


def test_the_agreement_chart_says_what_it_draws_and_carries_its_numbers():
    from mentorship import charts, formatting

    table = feedback.shares(
        pd.concat([rows([5, 4, 4, 4, 2]), rows([1] * 5, question="safe_space")]), ["respect", "safe_space"]
    )
    drawn = table.assign(label=table["question"], group_label="All")
    plot = charts.agreement(drawn, formatting.feedback_shares(table), "Share agreeing", False)
    spec = plot.chart.to_dict()
    assert spec["description"].startswith("Bar chart of the share of answers agreeing")
    assert plot.title == "Share agreeing"
    assert plot.numbers.values.tolist() == [
        ["Respect", 5, 4, "80%", "38%–96%"],
        ["Safe space", 5, 0, "0%", "0%–43%"],
    ]


def test_share_answering_yes_leaves_out_the_unanswered_and_counts_not_sure_as_not_yes():
    responses = pd.DataFrame(
        {
            "answers": [
                {"met": "yes", "agreed_rhythm": "no"},
                {"met": "yes", "agreed_rhythm": None},
                {"met": "no"},
                {"continue": "unsure"},
                {"continue": "yes"},
            ]
        }
    )
    table = feedback.yes_shares(responses)
    assert table[["question", "responses", "agreeing"]].values.tolist() == [
        ["met", 3, 2],
        ["agreed_rhythm", 1, 0],
        ["continue", 2, 1],
    ]
