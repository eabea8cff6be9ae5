"""The Outcomes page and `outcomes --json`: the funnel by registration year counted by hand, the committee's
rules (nothing on fewer than 5, figures as of a release point), the leader's live view."""

import json
from datetime import UTC, date, datetime

import pytest

from mentorship import db, milestones, queries, services
from mentorship.cli import main

from .conftest import TODAY, signed_in
from .factories import add, make_match, make_mentee, make_mentor

pytestmark = pytest.mark.usefixtures("today", "accounts")
PAGE = "pages/11_Outcomes.py"


def record(engine, mentee_id: int, kind: str, on: date, *, at: datetime, school: str = "") -> None:
    """One milestone, recorded at `at`, through the services' one write (as every way in)."""
    step, errors = milestones.check(kind, on, school=school, today=at.date())
    assert not errors, errors
    with db.write_session(engine) as session:
        services.record_steps(session, mentee_id=mentee_id, steps=[step], source="import", now=at)


def stamp(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def view(engine, role: str):
    with db.read_session(engine) as session:
        return queries.outcomes_view(session, TODAY, role)


@pytest.fixture
def paths(engine):
    store_paths(engine)
    return engine


def store_paths(engine) -> None:
    """Seven mentees in two registration years, three pairs and one milestone path each (today 25 November
    2026):

    2024: Ana   paired 1 Mar 2024 – 1 Jun 2025 (a year and more); applied, interviewed, matriculated
          Ben   paired 1 Apr 2024 – 1 Aug 2024 (four months); reapplying          → counts as applied
          Cruz  never paired; chose another health profession                       → known, no stage
          Dee   never paired; nothing recorded                                       → unknown
    2025: Eli   paired 1 May 2026, still open (under a year so far); left pre-med  → known, no stage
          Fay   never paired; took the MCAT                                          → known, no stage
          Gus   never paired; accepted                             → applied, interviewed, accepted

    By hand:        registered paired one_year applied interviewed accepted matriculated unknown
      2024               4       2       1        2         1          1          1          1
      2025               3       1       0        1         1          1          0          0
    """
    mentor, mentor2 = add(engine, make_mentor("kou"), make_mentor("mai", identifies_bipoc="no"))
    y24, y25 = date(2024, 2, 1), date(2025, 3, 1)
    ana, ben, cruz, dee, eli, fay, gus = add(
        engine,
        *(make_mentee(k, registered_on=y24) for k in ("ana", "ben", "cruz", "dee")),
        *(make_mentee(k, registered_on=y25) for k in ("eli", "fay", "gus")),
    )
    add(
        engine,
        make_match(mentor, ana, confirmed_on=date(2024, 3, 1), ended_on=date(2025, 6, 1), status="completed"),
        make_match(mentor2, ben, confirmed_on=date(2024, 4, 1), ended_on=date(2024, 8, 1), status="ended"),
        make_match(mentor, eli, confirmed_on=date(2026, 5, 1)),
    )
    at = stamp(date(2026, 9, 1))
    record(engine, ana, "applied", date(2025, 6, 1), at=at)
    record(engine, ana, "interviewed", date(2025, 10, 1), at=at)
    record(engine, ana, "matriculated", date(2026, 8, 1), at=at, school="University of Minnesota")
    record(engine, ben, "reapplying", date(2026, 6, 1), at=at)
    record(engine, cruz, "other_profession", date(2026, 1, 10), at=at)
    record(engine, eli, "left_premed", date(2026, 7, 1), at=at)
    record(engine, fay, "mcat", date(2025, 4, 1), at=at)
    record(engine, gus, "accepted", date(2026, 3, 1), at=at)


HAND_COUNT = [
    {
        "year": 2024,
        "registered": 4,
        "paired": 2,
        "one_year": 1,
        "applied": 2,
        "interviewed": 1,
        "accepted": 1,
        "matriculated": 1,
        "unknown": 1,
    },
    {
        "year": 2025,
        "registered": 3,
        "paired": 1,
        "one_year": 0,
        "applied": 1,
        "interviewed": 1,
        "accepted": 1,
        "matriculated": 0,
        "unknown": 0,
    },
]


def test_outcomes_json_counts_the_funnel_by_hand(paths, capsys, store_url):
    assert main(["outcomes", "--db", store_url, "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["cohorts"] == HAND_COUNT
    # the comparisons: every group, however small, for the leader; known status only, NaN as null
    rows = {(r["comparison"], r["group"], r["outcome"]): r for r in printed["comparisons"]}
    # a year's chance (first pair confirmed a year ago): Ana (a year, matriculated) and Ben (four months,
    # reapplying); Eli's pair is not a year old yet
    assert rows["year", "At least a year", "accepted"] | {"low": 0, "high": 0} == {
        "comparison": "year",
        "group": "At least a year",
        "outcome": "accepted",
        "known": 1,
        "reached": 1,
        "share": 1.0,
        "low": 0,
        "high": 0,
    }
    assert (
        rows["year", "Less than a year", "applied"]["known"],
        rows["year", "Less than a year", "applied"]["reached"],
    ) == (1, 1)
    # nobody who asked for a BIPOC mentor: no share, null
    nobody = rows["concordance", "BIPOC-identifying mentor", "applied"]
    assert (nobody["known"], nobody["share"], nobody["low"]) == (0, None, None)


def test_the_hand_count_holds_on_sqlite_and_postgresql(each_store, each_url, capsys):
    store_paths(each_store)
    assert main(["outcomes", "--db", each_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["cohorts"] == HAND_COUNT
    with db.read_session(each_store) as session:
        committee = queries.outcomes_view(session, TODAY, "committee")
    assert committee.as_of.day is None  # one milestone of each kind: no release point yet


def test_outcomes_table_reads_the_same_counts(paths, capsys, store_url):
    assert main(["outcomes", "--db", store_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].split() == ["2024", "4", "2", "1", "2", "1", "1", "1", "1"]
    assert out[3].split() == ["All", "years", "7", "3", "1", "3", "2", "2", "1", "1"]
    assert milestones.ASSOCIATIONS in "\n".join(out)


def test_outcomes_refuses_a_store_that_is_not_there(capsys, tmp_path):
    assert main(["outcomes", "--db", f"sqlite:///{tmp_path}/nowhere/x.db", "--json"]) == 2
    assert capsys.readouterr().out == ""


@pytest.fixture
def small(engine):
    """Seven mentees registered in 2024 and three in 2025, none paired; in September 2026 six applications
    are recorded (five of 2024, one of 2025): the committee's release point is 30 September 2026.

    The committee, by hand (All years is the total each year's hidden count would be worked out from):
                      registered         applied            unknown
      2024            7 → withheld       5 → withheld       2 → fewer than 5
      2025            3 → fewer than 5   1 → fewer than 5   2 → fewer than 5
      All years       10                 6                  4 → fewer than 5
    """
    ids = add(
        engine,
        *(make_mentee(f"m24{i}", registered_on=date(2024, 2, 1)) for i in range(7)),
        *(make_mentee(f"m25{i}", registered_on=date(2025, 3, 1)) for i in range(3)),
    )
    for mentee_id in [*ids[:5], ids[7]]:
        record(engine, mentee_id, "applied", date(2026, 9, 1), at=stamp(date(2026, 9, 10)))
    return engine, ids


def cohort_rows(seen) -> dict[str, list]:
    columns = ["registered", "paired", "applied", "accepted", "unknown"]
    return {row["year"]: [row[c] for c in columns] for row in seen.cohorts.to_dict("records")}


FEW, WITHHELD = "fewer than 5", "withheld"


def test_committee_reads_the_release_point_with_nothing_on_fewer_than_5(small):
    engine, _ = small
    seen = view(engine, "committee")
    assert seen.as_of.day == date(2026, 9, 30) and not seen.as_of.live
    assert cohort_rows(seen) == {
        "2024": [WITHHELD, FEW, WITHHELD, FEW, FEW],
        "2025": [FEW, FEW, FEW, FEW, FEW],
        "All years": [10, FEW, 6, FEW, FEW],
    }
    assert seen.funnel.empty  # no year's count may be drawn
    assert seen.comparisons.empty and seen.all_comparisons is None


def test_one_milestone_recorded_today_moves_the_leaders_figures_not_the_committees(small):
    engine, ids = small
    before = view(engine, "committee")
    leader_before = cohort_rows(view(engine, "leader"))
    assert leader_before["2024"] == [7, 0, 5, 0, 2]
    record(engine, ids[5], "accepted", date(2026, 11, 20), at=stamp(TODAY))  # a named 2024 student
    after = view(engine, "committee")
    assert cohort_rows(after) == cohort_rows(before) and after.as_of == before.as_of
    assert cohort_rows(view(engine, "leader"))["2024"] == [7, 0, 6, 1, 1]


def test_a_step_recorded_late_waits_for_the_next_release_point(small):
    """A milestone recorded in November as of March counts from November: the September release stands."""
    engine, ids = small
    record(engine, ids[8], "applied", date(2026, 3, 1), at=stamp(date(2026, 11, 2)))
    assert cohort_rows(view(engine, "committee"))["All years"] == [10, FEW, 6, FEW, FEW]


def test_a_rare_kind_of_step_does_not_hold_the_release_back(small):
    """Seven steps recorded in September, one of them the only "chose another health profession": the seven
    together make the September release (each kind apart would have waited for four more of that kind)."""
    engine, ids = small
    record(engine, ids[5], "other_profession", date(2026, 9, 2), at=stamp(date(2026, 9, 12)))
    seen = view(engine, "committee")
    assert seen.as_of.day == date(2026, 9, 30)
    assert cohort_rows(seen)["All years"] == [10, FEW, 6, FEW, FEW]  # one more known: 3 unknown, still few


def test_committee_sees_nothing_before_the_first_release_point(paths):
    seen = view(paths, "committee")  # one milestone of each kind: none has reached 5
    assert seen.as_of.day is None and seen.cohorts.empty and seen.comparisons.empty
    assert seen.as_of.caption().startswith("Not shown yet. The outcomes")


def texts(at) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "header", "title") for e in at.get(kind)]
    parts += [d.value.to_csv() for d in at.dataframe]
    parts += [c.proto.spec for c in at.get("vega_lite_chart")]
    return "\n".join(str(p) for p in parts)


def open_page(app, role: str):
    at = signed_in(app("app.py"), role).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def funnel_table(at):
    return next(d.value for d in at.dataframe if d.value.columns[0] == "Registration year")


def test_leader_page_shows_the_funnel_live_with_its_chart(paths, app):
    at = open_page(app, "leader")
    table = funnel_table(at)
    assert table.values.tolist() == [
        ["2024", "4", "2", "1", "2", "1", "1", "1", "1"],
        ["2025", "3", "1", "0", "1", "1", "1", "0", "0"],
        ["All years", "7", "3", "1", "3", "2", "2", "1", "1"],
    ]
    [funnel] = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert funnel["title"] == "The path to medical school, by registration year"
    assert funnel["description"].startswith("Bar chart of how many mentees of each registration year")
    shown = texts(at)
    assert "As of" not in shown and milestones.ASSOCIATIONS in shown
    assert "Nothing to compare yet: a group is shown only when at least 5" in shown
    [link] = at.get("link_button")  # the year's report, made by the signed-in download route
    assert link.proto.label == "Download the year's report"
    assert link.proto.url == f"/downloads/report/{at.selectbox(key='report-year').value}.html"


def test_committee_page_shows_fewer_than_5_as_of_the_release_point(small, app):
    engine, ids = small
    record(engine, ids[5], "accepted", date(2026, 11, 20), at=stamp(TODAY))
    at = open_page(app, "committee")
    table = funnel_table(at).set_index("Registration year")
    assert table.loc["2024", ["Registered", "Applied", "Accepted", "No known status"]].tolist() == [
        WITHHELD,
        WITHHELD,
        FEW,
        FEW,
    ]
    assert table.loc["All years", ["Registered", "Applied"]].tolist() == ["10", "6"]
    shown = texts(at)
    assert "As of 30 September 2026. The outcomes (registrations, pairs and milestones as they stood" in shown
    assert "Every count is on fewer than 5 mentees so far." in shown
    assert not at.get("vega_lite_chart")
    assert not at.get("link_button") and "The year's report" not in [h.value for h in at.header]
    for private in ("M240", "Vang", "@school.example.edu"):
        assert private not in shown


def test_an_empty_store_says_so(app):
    at = open_page(app, "committee")
    assert [i.value for i in at.info] == ["No mentee has registered yet, so there is no path to show."]


def test_a_comparison_group_of_5_is_shown_with_its_interval_and_a_group_of_4_is_not(engine, app):
    """Six mentees mentored a year (all applied, three accepted), four for less (applied): the first group is
    compared, with Wilson intervals worked out by hand (6 of 6: 6/(6+1.96²) = 61% to 100%; 3 of 6: 50% ±
    31% = 19% to 81%); the second, on 4 mentees, is named, not shown."""
    mentor = add(engine, make_mentor("kou", capacity=5))[0]
    long = add(engine, *(make_mentee(f"long{i}", registered_on=date(2023, 1, 1)) for i in range(6)))
    short = add(engine, *(make_mentee(f"short{i}", registered_on=date(2023, 1, 1)) for i in range(4)))
    add(
        engine,
        *(
            make_match(
                mentor, m, confirmed_on=date(2023, 2, 1), ended_on=date(2024, 3, 1), status="completed"
            )
            for m in long
        ),
        *(
            make_match(mentor, m, confirmed_on=date(2023, 2, 1), ended_on=date(2023, 6, 1), status="ended")
            for m in short
        ),
    )
    for i, mentee_id in enumerate(long):
        record(
            engine,
            mentee_id,
            "accepted" if i < 3 else "applied",
            date(2024, 5, 1),
            at=stamp(date(2024, 6, 1)),
        )
    for mentee_id in short:
        record(engine, mentee_id, "applied", date(2024, 5, 1), at=stamp(date(2024, 6, 1)))
    at = open_page(app, "leader")
    compared = next(d.value for d in at.dataframe if d.value.columns[0] == "Comparison")
    assert compared[
        ["Group", "Outcome", "Mentees of known status", "Reached it", "Share", "95% interval"]
    ].values.tolist() == [
        ["At least a year", "Applied", 6, 6, "100%", "61%–100%"],
        ["At least a year", "Accepted", 6, 3, "50%", "19%–81%"],
    ]
    shown = texts(at)
    assert (
        "Fewer than 5 mentees of known status, not shown: BIPOC-identifying mentor, Less than a year, "
        in shown
    )
    specs = {json.loads(c.proto.spec)["title"]: json.loads(c.proto.spec) for c in at.get("vega_lite_chart")}
    assert specs["Applied and accepted, by group"]["description"].startswith(
        "Bar chart of the share of mentees"
    )


def test_on_the_pages_a_milestone_recorded_today_moves_the_leaders_funnel_at_once_not_the_committees(
    small, app
):
    engine, ids = small
    leader, committee = open_page(app, "leader"), open_page(app, "committee")
    committee_before = funnel_table(committee).values.tolist()
    assert funnel_table(leader).set_index("Registration year").loc["2024", "Accepted"] == "0"
    record(engine, ids[5], "accepted", date(2026, 11, 20), at=stamp(TODAY))
    leader.run(), committee.run()
    assert funnel_table(leader).set_index("Registration year").loc["2024", "Accepted"] == "1"
    assert funnel_table(committee).values.tolist() == committee_before
