"""Issue 24, item 5: the committee must not learn a named pair's protected facts by comparing two views.

A committee member sees pairs appear (Pairings) and leave (Cadence) by name. Here the leader ends a named pair
with reason "schedules", and confirms a student who asked for a BIPOC mentor with a mentor who does not
identify as BIPOC; the committee's figures on end reasons and BIPOC-mentor requests, read on the Overview
and Retention pages before and after, must be the same, while the leader's move. They move for the
committee once 5 events of the kind have accumulated and their month has closed (`privacy.release_point`).
"""

import json
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit import dataframe_util

from mentorship import clock, db, privacy, retention, services
from mentorship.models import Match

from .conftest import TODAY, signed_in
from .factories import add, make_match, make_mentee, make_mentor

NEXT_MONTH = date(2026, 12, 3)  # November has closed
RETENTION = "pages/4_Retention.py"


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def pair(mentor_id: int, mentee_id: int, confirmed_on: date, **fields) -> Match:
    """A pair recorded on the dashboard the day it was confirmed (and, when `fields` end it, ended)."""
    return make_match(
        mentor_id,
        mentee_id,
        confirmed_on=confirmed_on,
        confirmed_at=noon(confirmed_on),
        **{"updated_at": noon(confirmed_on), **fields},
    )


@pytest.fixture
def program(engine, today):
    """A program like the issue's: 13 open pairs whose mentees asked for a BIPOC mentor, all met; 8 more
    open pairs whose mentees did not ask; 10 pairs ended for their schedules in March 2026 and 6 that moved
    away in April. Amara Okafor asked for a BIPOC mentor and waits; Nils Berg's mentor does not identify
    as BIPOC. Returns the ids the attacks use."""
    bipoc = [make_mentor(f"bipoc{i}", capacity=5) for i in range(6)]
    other = [make_mentor(f"other{i}", capacity=5, identifies_bipoc="no") for i in range(3)]
    mentor_ids = add(engine, *bipoc, *other)
    bipoc_ids, other_ids = mentor_ids[:6], mentor_ids[6:]
    asking = [make_mentee(f"ask{i}", bipoc_mentor_preference="preferred") for i in range(13)]
    plain = [make_mentee(f"plain{i}") for i in range(8)]
    closed = [make_mentee(f"closed{i}") for i in range(16)]
    amara = make_mentee("amara", first_name="Amara", last_name="Okafor", bipoc_mentor_preference="preferred")
    mentee_ids = add(engine, *asking, *plain, *closed, amara)
    ask_ids, plain_ids, closed_ids, amara_id = (
        mentee_ids[:13],
        mentee_ids[13:21],
        mentee_ids[21:37],
        mentee_ids[37],
    )
    pairs = [pair(bipoc_ids[i % 6], m, date(2025, 2, 3)) for i, m in enumerate(ask_ids)]
    pairs += [pair(other_ids[i % 3], m, date(2025, 3, 3)) for i, m in enumerate(plain_ids)]
    for i, m in enumerate(closed_ids):
        schedules = i < 10
        ended_on = date(2026, 3, 10) if schedules else date(2026, 4, 10)
        pairs.append(
            pair(
                bipoc_ids[i % 6],
                m,
                date(2025, 3, 10),
                status="ended",
                ended_on=ended_on,
                end_reason="schedules" if schedules else "moved",
                updated_at=noon(ended_on),
            )
        )
    match_ids = add(engine, *pairs)
    return {
        "named": match_ids[13],  # Nils Berg's pair: the first of the mentees who did not ask
        "plain": match_ids[13:21],
        "amara": amara_id,
        "other_mentor": other_ids[0],
    }


@pytest.fixture
def named(engine, program):
    """Name the pair the leader ends: the committee reads its names on the Cadence page."""
    from mentorship import db
    from mentorship.models import Mentee

    with db.write_session(engine) as s:
        mentee = s.get(Mentee, s.get(Match, program["named"]).mentee_id)
        mentee.first_name, mentee.last_name = "Nils", "Berg"
    return program


def recorded_on(engine, day: date, match_ids: list[int]) -> None:
    """Stamp writes the services made as recorded on `day`: the tests' clock says TODAY (`clock.today`),
    the services stamp the machine's time, which is later."""
    with db.write_session(engine) as s:
        s.execute(sa.update(Match).where(Match.id.in_(match_ids)).values(updated_at=noon(day)))


def open_page(app, role: str, page: str | None = None):
    at = signed_in(app("app.py"), role).run()
    if page:
        at.switch_page(page).run()
    assert not at.exception
    return at


def chart_rows(at, title_part: str) -> list[dict]:
    """The rows a chart draws (sent beside its spec, as Arrow); none when it is not drawn."""
    for chart in at.get("vega_lite_chart"):
        if title_part in json.loads(chart.proto.spec)["title"]:
            [dataset] = chart.proto.datasets
            frame = dataframe_util.convert_arrow_bytes_to_pandas_df(dataset.data.data)
            return frame.astype(str).to_dict("records")
    return []


def table_rows(at, first_column: str) -> list[dict]:
    return [d.value.to_dict("records") for d in at.dataframe if d.value.columns[0] == first_column]


def reasons_shown(at) -> dict[str, int]:
    return {row["reason"]: int(row["pairs"]) for row in chart_rows(at, "Why pairs end")}


REASON_CAPTIONS = ("Fewer than 5 pairs each:", "Withheld, so that", "As of", "Not shown yet")


def sensitive_retention(at) -> dict:
    """Every figure the Retention page shows on end reasons and BIPOC-mentor requests, and their captions
    (the other tabs, by cohort and by format, are live: a pair ending moves them, as it leaves Cadence)."""
    [by_request] = [t for t in at.tabs if t.label == "By BIPOC-mentor request"]
    return {
        "reasons": chart_rows(at, "Why pairs end"),
        "requests table": table_rows(at, "Request"),
        "requests curves": chart_rows(at, "BIPOC-mentor request"),
        "requests captions": [c.value for c in by_request.caption],
        "reasons captions": [c.value for c in at.main.caption if c.value.startswith(REASON_CAPTIONS)],
    }


def requests_met(at) -> str:
    return next(m.value for m in at.metric if m.label == "BIPOC-mentor requests met")


def end_named_pair(engine, accounts, program, *, on: date = TODAY) -> None:
    services.decide(
        engine,
        actor=accounts["leader"],
        decision=services.Decision.end,
        today=on,
        match_id=program["named"],
        reason="schedules",
    )


def test_ending_a_named_pair_for_its_schedules_moves_no_committee_figure(
    app, engine, accounts, named, monkeypatch
):
    committee_before = sensitive_retention(open_page(app, "committee", RETENTION))
    overview_before = requests_met(open_page(app, "committee"))
    leader_before = reasons_shown(open_page(app, "leader", RETENTION))
    assert reasons_shown(open_page(app, "committee", RETENTION)) == {"Schedules": 10, "Moved away": 6}

    end_named_pair(engine, accounts, named)

    assert sensitive_retention(open_page(app, "committee", RETENTION)) == committee_before
    assert requests_met(open_page(app, "committee")) == overview_before
    leader_after = reasons_shown(open_page(app, "leader", RETENTION))
    assert leader_after == leader_before | {"Schedules": 11}  # the leader's view stays live

    # November closes with that one end only: the committee's figures stand as they were
    monkeypatch.setattr(clock, "today", lambda: NEXT_MONTH)
    assert sensitive_retention(open_page(app, "committee", RETENTION)) == committee_before
    assert requests_met(open_page(app, "committee")) == overview_before
    assert committee_before["reasons captions"][-1].startswith("As of 30 April 2026.")


def test_an_end_recorded_today_as_of_a_past_day_waits_for_the_next_release_point(
    app, engine, accounts, named, monkeypatch
):
    """The leader ends the named pair today, taking effect on 20 April: without counting it from the day it
    was recorded, the committee's snapshot of 30 April would take it in at once (Schedules 10 -> 11)."""
    committee_before = sensitive_retention(open_page(app, "committee", RETENTION))
    overview_before = requests_met(open_page(app, "committee"))
    services.decide(
        engine,
        actor=accounts["leader"],
        decision=services.Decision.end,
        today=TODAY,
        match_id=named["named"],
        reason="schedules",
        on=date(2026, 4, 20),
    )
    assert sensitive_retention(open_page(app, "committee", RETENTION)) == committee_before
    assert requests_met(open_page(app, "committee")) == overview_before
    assert reasons_shown(open_page(app, "leader", RETENTION))["Schedules"] == 11
    monkeypatch.setattr(clock, "today", lambda: NEXT_MONTH)  # one end recorded in November: still none
    assert sensitive_retention(open_page(app, "committee", RETENTION)) == committee_before


def test_confirming_a_named_student_who_asked_for_a_bipoc_mentor_moves_no_committee_figure(
    app, engine, accounts, program, monkeypatch
):
    assert requests_met(open_page(app, "leader")) == "13 of 13"
    committee_before = requests_met(open_page(app, "committee"))
    retention_before = sensitive_retention(open_page(app, "committee", RETENTION))
    assert committee_before == "13 of 13"

    services.confirm_pair(
        engine,
        actor=accounts["leader"],
        today=TODAY,
        mentor_id=program["other_mentor"],
        mentee_id=program["amara"],
        by_hand=True,
    )

    assert requests_met(open_page(app, "committee")) == committee_before
    assert sensitive_retention(open_page(app, "committee", RETENTION)) == retention_before
    assert requests_met(open_page(app, "leader")) == "13 of 14"
    monkeypatch.setattr(clock, "today", lambda: NEXT_MONTH)  # one confirmation in November: still none
    assert requests_met(open_page(app, "committee")) == committee_before


def test_the_committees_figures_advance_once_5_ends_have_accumulated_and_the_month_has_closed(
    app, engine, accounts, named, monkeypatch
):
    for match_id in named["plain"][:5]:  # the named pair and four more, in November
        services.decide(
            engine,
            actor=accounts["leader"],
            decision=services.Decision.end,
            today=TODAY,
            match_id=match_id,
            reason="schedules",
        )
    recorded_on(engine, TODAY, named["plain"][:5])
    at = open_page(app, "committee", RETENTION)
    assert reasons_shown(at) == {"Schedules": 10, "Moved away": 6}  # November is still open

    monkeypatch.setattr(clock, "today", lambda: NEXT_MONTH)
    at = open_page(app, "committee", RETENTION)
    assert reasons_shown(at) == {"Schedules": 15, "Moved away": 6}
    assert any(c.value.startswith("As of 30 November 2026.") for c in at.caption)
    assert requests_met(open_page(app, "committee")) == "13 of 13"  # those pairs had not asked


# The rule itself, on plain dates
def days(*isoformats: str) -> pd.Series:
    return pd.Series([date.fromisoformat(d) for d in isoformats], dtype=object)


def test_a_release_point_is_a_closed_month_end_with_0_or_5_or_more_of_each_kind_since_the_last():
    four = days("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08")
    assert privacy.release_point([four], date(2026, 3, 1)) is None  # 4 ends: nothing to release yet
    five = pd.concat([four, days("2026-02-27")], ignore_index=True)
    assert privacy.release_point([five], date(2026, 2, 27)) is None  # February has not closed
    assert privacy.release_point([five], date(2026, 3, 1)) == date(2026, 2, 28)
    # a sixth event in March is one event: the release point stays at February's end, whatever the day
    six = pd.concat([five, days("2026-03-02")], ignore_index=True)
    assert privacy.release_point([six], date(2026, 9, 1)) == date(2026, 2, 28)
    # each kind counts apart: 5 confirmations with 1 end release nothing until the end has 4 more
    ends = days("2026-01-20")
    assert privacy.release_point([five, ends], date(2026, 3, 1)) is None
    more_ends = pd.concat([ends, days(*[f"2026-04-0{d}" for d in range(1, 5)])], ignore_index=True)
    assert privacy.release_point([five, more_ends], date(2026, 5, 1)) == date(2026, 4, 30)
    assert privacy.release_point([five, days()], date(2026, 3, 1)) == date(2026, 2, 28)  # none is fine


def test_the_committee_reads_a_snapshot_and_the_leader_today(engine, program):
    from mentorship import db, queries

    with db.read_session(engine) as session:
        history = queries.pair_history(session)
    assert privacy.snapshot(history, "reasons", TODAY, "leader") == privacy.Snapshot(
        "reasons", TODAY, live=True
    )
    assert privacy.snapshot(history, "reasons", TODAY, "committee").day == date(2026, 4, 30)
    assert privacy.snapshot(history, "requests", TODAY, "committee").day == date(2026, 4, 30)


def test_the_pairs_as_of_a_day_undo_what_came_after():
    pairs = pd.DataFrame(
        {
            "confirmed_on": [date(2025, 1, 1), date(2025, 1, 1), date(2025, 1, 1), date(2026, 6, 1)],
            "ended_on": [date(2026, 3, 1), date(2026, 5, 1), None, None],
            "decided_on": [date(2026, 1, 2), date(2026, 5, 1), date(2026, 4, 1), None],
            "status": ["ended", "completed", "continued", "active"],
            "end_reason": ["schedules", "completed_year", None, None],
            "bipoc_mentor_preference": ["preferred", "required", "preferred", "preferred"],
            "mentor_identifies_bipoc": ["yes", "no", "yes", "yes"],
        }
    )
    then = retention.as_of(pairs, date(2026, 3, 31))
    assert then["status"].tolist() == ["ended", "active", "active"]  # the later ones undone; June's not yet
    assert [r if isinstance(r, str) else None for r in then["end_reason"]] == ["schedules", None, None]
    assert retention.requests_met(pairs, date(2026, 3, 31)) == retention.Requests(met=1, asked=2)
    assert retention.requests_met(pairs, date(2026, 6, 1)) == retention.Requests(met=2, asked=2)


def test_few_unmet_requests_are_not_counted_for_the_committee():
    assert (
        privacy.requests_for_role(retention.Requests(13, 14), "committee") == "14 asked, fewer than 5 not met"
    )
    assert privacy.requests_for_role(retention.Requests(13, 14), "leader") is None
    assert privacy.requests_for_role(retention.Requests(3, 3), "committee") == privacy.FEWER_THAN_5
    assert privacy.requests_for_role(retention.Requests(13, 13), "committee") is None
    assert privacy.requests_for_role(retention.Requests(8, 14), "committee") is None


def test_one_year_marks_and_decisions_to_continue_are_events_of_their_own():
    pairs = pd.DataFrame(
        {
            "confirmed_on": [date(2025, 1, 1)],
            "ended_on": [date(2026, 3, 1)],
            "decided_on": [date(2026, 1, 2)],
        }
    )
    events = privacy.pair_events(pairs)
    assert events["one_year"].tolist() == [pd.Timestamp(date(2025, 1, 1) + timedelta(days=365))]
    assert events["continued"].tolist() == [pd.Timestamp(2026, 1, 2)]
    assert events["ended"].tolist() == [pd.Timestamp(2026, 3, 1)]


def test_a_confirmation_or_end_counts_from_the_later_of_its_day_and_the_day_it_was_recorded():
    pairs = pd.DataFrame(
        {
            "confirmed_on": pd.to_datetime(["2025-01-01", "2026-03-01"]),
            "ended_on": pd.to_datetime(["2026-04-20", None]),
            "confirmed_at": pd.to_datetime(["2025-01-01 12:00", "2026-12-07 09:00"], utc=True),
            "updated_at": pd.to_datetime(["2026-11-25 12:00", "2026-12-07 09:00"], utc=True),
        }
    )
    seen = privacy.seen_by(pairs, date(2026, 12, 3), "committee")
    # imported today (after the pinned day: counted from that day), ended as of April but recorded in November
    assert seen["confirmed_seen"].dt.date.tolist() == [date(2025, 1, 1), date(2026, 12, 3)]
    assert seen["ended_seen"].dt.date.tolist()[0] == date(2026, 11, 25) and pd.isna(seen["ended_seen"][1])
    assert privacy.seen_by(pairs, date(2026, 12, 3), "leader") is pairs
