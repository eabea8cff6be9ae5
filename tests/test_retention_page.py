"""The Retention page as each role sees it, through AppTest."""

import json
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit import dataframe_util

from mentorship import db, formatting, privacy, queries, retention
from mentorship.cli import main
from mentorship.models import Match, Mentee
from mentorship.ui import retention as retention_ui

from .conftest import TODAY, load_demo, signed_in
from .factories import make_match, make_mentee, make_mentor

pytestmark = pytest.mark.usefixtures("today")  # pages and commands measure as of TODAY
PAGE = "pages/4_Retention.py"


def open_page(app, role: str):
    at = signed_in(app("app.py"), role).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def cli_json(capsys, store_url: str) -> dict:
    assert main(["retention", "--db", store_url, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def table(at, first_column: str):
    [frame] = [d.value for d in at.dataframe if d.value.columns[0] == first_column]
    return frame


def chart_specs(at) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def chart_data(at, title_part: str) -> pd.DataFrame:
    """The rows a chart draws (streamlit sends them beside the spec, as Arrow)."""
    [chart] = [c for c in at.get("vega_lite_chart") if title_part in json.loads(c.proto.spec)["title"]]
    [dataset] = chart.proto.datasets
    return dataframe_util.convert_arrow_bytes_to_pandas_df(dataset.data.data)


@pytest.fixture
def small_store(engine):
    """Three pairs: one 10 days past its one-year mark with no decision, two younger."""
    with db.write_session(engine) as s:
        mentor = make_mentor("ada", capacity=3)
        mentees = [make_mentee(k) for k in ("bo", "cy", "di")]
        s.add_all([mentor, *mentees])
        s.flush()
        for mentee, days in zip(mentees, (375, 200, 100), strict=True):
            s.add(make_match(mentor.id, mentee.id, confirmed_on=TODAY - timedelta(days=days)))
    return engine


def test_the_page_shows_the_same_figures_as_the_cli(app, engine, accounts, store_url, capsys):
    load_demo(engine, today=TODAY)
    expected = cli_json(capsys, store_url)
    at = open_page(app, "leader")
    assert {m.label: m.value for m in at.metric} == {
        "Pairs": str(expected["pairs"]),
        "One-year completion": formatting.percent(expected["one_year_completion_rate"]),
        "Continuation": formatting.percent(expected["continuation_rate"]),
        "Median duration": formatting.months(expected["median_months"]),
    }
    cohorts = table(at, "Cohort")
    assert cohorts["Cohort"].tolist() == [str(c["cohort"]) for c in expected["by_cohort"]]
    assert cohorts["Pairs"].tolist() == [str(c["pairs"]) for c in expected["by_cohort"]]
    assert [v.split(" of ")[0] for v in cohorts["One-year completion"]] == [
        formatting.percent(c["one_year_completion_rate"]) for c in expected["by_cohort"]
    ]
    drawn = chart_data(at, "by months since confirmation")
    assert drawn[["month", "survival"]].to_dict("records") == expected["survival"]
    assert "Record decision" in [b.label for b in at.button]


def test_every_chart_has_tooltips(app, engine, accounts):
    load_demo(engine, today=TODAY)
    at = open_page(app, "committee")
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert len(specs) == 5  # overall, by cohort, by request, by format, why pairs end
    assert all('"tooltip"' in spec for spec in specs)


def test_the_committee_sees_fewer_than_5_for_small_groups_and_no_controls(app, engine, accounts):
    load_demo(engine, today=TODAY)
    at = open_page(app, "committee")
    cohorts = table(at, "Cohort")
    small = cohorts[cohorts["Pairs"] == privacy.FEWER_THAN_5]
    assert len(small) >= 1  # the demo's first cohort has a single pair
    for column in ("One-year completion", "Continuation", "Median duration"):
        assert set(small[column]) == {privacy.FEWER_THAN_5}
    drawn = set(chart_data(at, "year they were confirmed")["group"])
    assert not set(small["Cohort"]) & drawn  # no curve for a small cohort
    assert set(cohorts.loc[cohorts["Pairs"].str.isdigit(), "Cohort"]) == drawn  # nor for a withheld one
    # no decision or outcome controls, only the sidebar's sign-out
    assert [b.label for b in at.button] == ["Sign out"]
    assert len(at.selectbox) == 0 and len(at.segmented_control) == 0
    # the due list masks contacts
    due = table(at, "mentor")
    assert all("***@" in e for e in due["mentor_email"]) and all("***@" in e for e in due["mentee_email"])


def test_the_committee_cannot_work_out_a_small_group_by_subtracting_from_the_total(app, engine, accounts):
    # The demo's mix depends on the day it is generated for: this day's has one small group. Its pairs are
    # counted the same on any later day the page runs.
    load_demo(engine)
    at = open_page(app, "committee")
    for column in ("Cohort", "Request", "Usual format"):
        groups = table(at, column)
        hidden = groups[~groups["Pairs"].str.isdigit()]
        assert len(hidden) != 1, column  # one hidden group alone would be the total minus the rest
    # the demo's requests as of its last release point, 31 May 2026: 58 asked and got one, fewer than 5
    # asked and did not, the rest did not ask
    requests = table(at, "Request")
    assert requests["Request"].tolist() == retention.CONCORDANCE_ORDER
    assert requests["Pairs"].tolist() == ["58", privacy.FEWER_THAN_5, privacy.WITHHELD]
    assert any(c.value.startswith("As of 31 May 2026. Figures on people's identity") for c in at.caption)
    # every figure of the two hidden groups: pairs, completion, continuation, median
    assert requests.iloc[1:, 1:].to_numpy().tolist() == [
        [privacy.FEWER_THAN_5] * 4,
        [privacy.WITHHELD] * 4,
    ]
    assert set(chart_data(at, "BIPOC-mentor request")["group"]) == {retention.ASKED_AND_GOT}
    assert retention_ui.WITHHELD_NOTE in [c.value for c in at.caption]


def test_the_leader_sees_every_group_with_its_figures(app, engine, accounts):
    load_demo(engine, today=TODAY)
    at = open_page(app, "leader")
    cohorts = table(at, "Cohort")
    assert privacy.FEWER_THAN_5 not in cohorts.to_numpy()
    drawn = chart_data(at, "year they were confirmed")
    assert list(dict.fromkeys(drawn["group"])) == cohorts["Cohort"].tolist()


def test_a_committee_member_on_a_small_program_sees_no_figures(app, small_store, accounts):
    at = open_page(app, "committee")
    assert {m.label: m.value for m in at.metric} == {
        "Pairs": privacy.FEWER_THAN_5,
        "One-year completion": privacy.FEWER_THAN_5,
        "Continuation": privacy.FEWER_THAN_5,
        "Median duration": privacy.FEWER_THAN_5,
    }
    assert [c.value for c in at.caption][1:5] == [
        "ever confirmed",
        "of fewer than 5 pairs confirmed at least a year ago",
        "of fewer than 5 pairs that reached a year",
        "over fewer than 5 pairs",
    ]
    assert len(at.get("vega_lite_chart")) == 0
    # all pairs, by cohort, by format; three confirmations are not yet a release of the breakdown by request
    assert [i.value for i in at.info][:3] == ["Every group here has fewer than 5 pairs."] * 3
    assert table(at, "Request").empty
    assert any(c.value.startswith("Not shown yet. Figures on people's identity") for c in at.caption)


def test_the_leader_ends_a_due_pair_from_the_page(app, small_store, accounts):
    at = open_page(app, "leader")
    due = table(at, "mentor")
    assert due[["mentee", "days_to_mark"]].to_dict("records") == [{"mentee": "Bo Vang", "days_to_mark": -10}]
    at.segmented_control(key="decide-decision").set_value("end")
    at.selectbox(key="decide-reason").set_value(retention.EndReason.schedules)
    at.button(key="FormSubmitter:decide-Record decision").click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == [
        "Recorded: the pair ended; its mentor's place is free and its check-in link is closed."
    ]
    with db.read_session(small_store) as s:
        ended = s.execute(sa.select(Match).where(Match.status == "ended")).scalars().one()
        assert (ended.end_reason, ended.ended_on, ended.decided_by_id) == (
            "schedules",
            TODAY,
            accounts["leader"].id,
        )
    assert [s.value for s in at.success] == ["No pair is waiting for its one-year decision."]


def test_ending_without_a_reason_is_refused_and_nothing_changes(app, small_store, accounts):
    at = open_page(app, "leader")
    at.segmented_control(key="decide-decision").set_value("end")
    at.button(key="FormSubmitter:decide-Record decision").click().run()
    assert [t.value for t in at.toast] == ["Ending a pair needs a reason."]
    with db.read_session(small_store) as s:
        assert len(s.execute(sa.select(Match).where(Match.status == "active")).all()) == 3
    assert len(table(at, "mentor")) == 1
    assert at.segmented_control(key="decide-decision").value == "end"  # the form keeps what was chosen


def test_the_leader_ends_a_pair_three_months_in_and_its_mentors_place_is_freed(app, small_store, accounts):
    at = open_page(app, "leader")
    mark = {
        days: (TODAY - timedelta(days=days) + timedelta(days=365)).isoformat() for days in (375, 200, 100)
    }
    assert at.selectbox(key="end-pair").options == [
        f"Ada Yang & {name} (one-year mark {mark[days]})"
        for name, days in (("Bo Vang", 375), ("Cy Vang", 200), ("Di Vang", 100))
    ]
    with db.read_session(small_store) as s:
        assert queries.program_summary(s, TODAY).capacity_used == 3
        di = s.execute(
            sa.select(Match.id).join(Mentee).where(Mentee.email == "di@school.example.edu")
        ).scalar_one()
    at.selectbox(key="end-pair").set_value(di)
    at.selectbox(key="end-reason").set_value(retention.EndReason.other)
    at.text_input(key="end-note").input("Moved abroad for a gap year")
    at.button(key="FormSubmitter:end-End the pair").click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == [
        "Recorded: the pair ended; its mentor's place is free and its check-in link is closed."
    ]
    with db.read_session(small_store) as s:
        ended = s.get(Match, di)
        assert (ended.status, ended.end_reason, ended.end_note, ended.ended_on, ended.decided_by_id) == (
            "ended",
            "other",
            "Moved abroad for a gap year",
            TODAY,
            accounts["leader"].id,
        )
        assert queries.program_summary(s, TODAY).capacity_used == 2
    assert len(at.selectbox(key="end-pair").options) == 2
    assert (at.selectbox(key="end-pair").value, at.text_input(key="end-note").value) == (None, "")
    # the due list is as it was: only the pair past its mark
    assert table(at, "mentor")["mentee"].tolist() == ["Bo Vang"]


def test_ending_a_pair_needs_a_pair_and_a_reason_and_other_needs_a_note(app, small_store, accounts):
    with db.read_session(small_store) as s:
        cy = s.execute(
            sa.select(Match.id).join(Mentee).where(Mentee.email == "cy@school.example.edu")
        ).scalar_one()
    at = open_page(app, "leader")
    toasts = []
    for pair, reason in ((None, retention.EndReason.moved), (cy, None), (cy, retention.EndReason.other)):
        at.selectbox(key="end-pair").set_value(pair)
        at.selectbox(key="end-reason").set_value(reason)
        at.button(key="FormSubmitter:end-End the pair").click().run()
        toasts += [t.value for t in at.toast]
    assert toasts == [
        "Choose the pair first.",
        "Ending a pair needs a reason.",
        "Ending a pair for another reason needs a note saying what happened.",
    ]
    with db.read_session(small_store) as s:
        assert s.execute(sa.select(Match.status).order_by(Match.id)).scalars().all() == ["active"] * 3
    assert at.selectbox(key="end-pair").value == cy  # the form keeps what was chosen


def test_an_empty_store_says_there_is_nothing_to_measure(app, engine, accounts):
    at = open_page(app, "committee")
    assert [i.value for i in at.info] == ["No pair has been confirmed yet, so there is nothing to measure."]
    assert len(at.metric) == 0
