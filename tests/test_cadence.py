"""Cadence health as pure functions of the meeting log and "today", and the links the leader hands out."""

from datetime import date, timedelta

import pandas as pd
import pytest

from mentorship import cadence, links
from mentorship.settings import CadenceThresholds

TODAY = date(2026, 3, 31)
DEFAULTS = CadenceThresholds()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


@pytest.mark.parametrize(
    ("days", "has_met", "status"),
    [
        (0, False, "new"),
        (30, False, "new"),
        (31, False, "not_yet_met"),
        (0, True, "on_track"),
        (60, True, "on_track"),
        (61, True, "due"),
        (90, True, "due"),
        (91, True, "overdue"),
    ],
)
def test_each_boundary(days, has_met, status):
    assert cadence.classify(days, has_met, DEFAULTS) == status
    confirmed = days_ago(days + 10) if has_met else days_ago(days)
    pairs = pd.DataFrame({"confirmed_on": [confirmed], "last_met_on": [days_ago(days) if has_met else None]})
    assessed = cadence.assess(pairs, TODAY, DEFAULTS)
    assert [(days, has_met, status)] == list(
        assessed[["days_since_last", "has_met", "status"]].itertuples(index=False, name=None)
    )


def test_assess_counts_from_the_last_meeting_not_the_first():
    pairs = pd.DataFrame(
        {
            "match_id": [1, 2, 3, 4, 5],
            "confirmed_on": [days_ago(400), days_ago(400), days_ago(400), days_ago(45), days_ago(12)],
            "last_met_on": [days_ago(59), days_ago(75), days_ago(200), None, None],
        }
    )
    assessed = cadence.assess(pairs, TODAY, DEFAULTS)
    assert assessed["status"].tolist() == ["on_track", "due", "overdue", "not_yet_met", "new"]
    assert assessed["days_since_last"].tolist() == [59, 75, 200, 45, 12]
    assert cadence.status_counts(assessed) == {
        "new": 1,
        "on_track": 1,
        "due": 1,
        "overdue": 1,
        "not_yet_met": 1,
    }


def test_thresholds_move_the_boundaries():
    strict = CadenceThresholds(new_days=14, on_track_days=30, due_days=45)
    pairs = pd.DataFrame(
        {
            "confirmed_on": [days_ago(100), days_ago(100), days_ago(20)],
            "last_met_on": [days_ago(31), days_ago(46), None],
        }
    )
    assert cadence.assess(pairs, TODAY, strict)["status"].tolist() == ["due", "overdue", "not_yet_met"]


def test_an_empty_frame_has_zero_counts():
    empty = cadence.assess(pd.DataFrame({"confirmed_on": [], "last_met_on": []}), TODAY, DEFAULTS)
    assert cadence.status_counts(empty) == {"new": 0, "on_track": 0, "due": 0, "overdue": 0, "not_yet_met": 0}


def test_month_ends_then_today():
    assert cadence.month_ends(date(2026, 1, 10), date(2026, 3, 15)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 15),
    ]
    assert cadence.month_ends(date(2026, 1, 31), date(2026, 3, 31)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    ]


def test_status_mix_judges_each_month_end_by_the_same_rules():
    matches = pd.DataFrame(
        {
            "match_id": [1, 2, 3],
            "confirmed_on": [date(2026, 1, 10), date(2026, 2, 20), date(2025, 12, 1)],
            "ended_on": [None, None, date(2026, 2, 28)],  # pair 3 is not open on the day it ended
        }
    )
    meetings = pd.DataFrame(
        {"match_id": [1, 1, 3], "met_on": [date(2026, 1, 20), date(2026, 3, 30), date(2026, 1, 5)]}
    )
    mix = cadence.status_mix(matches, meetings, date(2026, 4, 15), DEFAULTS)
    nonzero = mix[mix["pairs"] > 0]
    assert list(nonzero.itertuples(index=False, name=None)) == [
        (date(2025, 12, 31), "new", 1),
        (date(2026, 1, 31), "on_track", 2),
        (date(2026, 2, 28), "new", 1),
        (date(2026, 2, 28), "on_track", 1),
        (date(2026, 3, 31), "on_track", 1),
        (date(2026, 3, 31), "not_yet_met", 1),
        (date(2026, 4, 15), "on_track", 1),
        (date(2026, 4, 15), "not_yet_met", 1),
    ]
    assert len(mix) == 5 * 5  # every status at every point, zeros included


def test_the_last_point_of_the_status_mix_equals_todays_counts():
    matches = pd.DataFrame(
        {
            "match_id": [1, 2, 3],
            "confirmed_on": [days_ago(300), days_ago(95), days_ago(5)],
            "ended_on": [None] * 3,
        }
    )
    meetings = pd.DataFrame({"match_id": [1, 1, 2], "met_on": [days_ago(250), days_ago(70), days_ago(92)]})
    mix = cadence.status_mix(matches, meetings, TODAY, DEFAULTS)
    last = mix[mix["as_of"] == TODAY].set_index("status")["pairs"].to_dict()
    open_pairs = pd.DataFrame(
        {"confirmed_on": matches["confirmed_on"], "last_met_on": [days_ago(70), days_ago(92), None]}
    )
    assert last == cadence.status_counts(cadence.assess(open_pairs, TODAY, DEFAULTS))
    assert last == {"new": 1, "on_track": 0, "due": 1, "overdue": 1, "not_yet_met": 0}


def test_meetings_per_month_keeps_empty_months():
    meetings = pd.DataFrame(
        {
            "met_on": [date(2026, 1, 20), date(2026, 1, 5), date(2026, 3, 30)],
            "source": ["leader", "imported", "checkin"],
        }
    )
    by_month = cadence.meetings_per_month(meetings, date(2026, 4, 2))
    totals = by_month.groupby("month")["meetings"].sum().to_dict()
    assert totals == {date(2026, 1, 1): 2, date(2026, 2, 1): 0, date(2026, 3, 1): 1, date(2026, 4, 1): 0}
    assert set(by_month["source"]) == {"leader", "imported", "checkin"}


def test_recent_months_per_pair():
    meetings = pd.DataFrame(
        {
            "match_id": [1, 1, 1, 3],
            "met_on": [date(2025, 11, 30), date(2026, 1, 20), date(2026, 3, 30), date(2026, 1, 5)],
        }
    )
    assert cadence.recent_months(meetings, [3, 2, 1], date(2026, 4, 15), months=4) == [
        [1, 0, 0, 0],
        [0, 0, 0, 0],
        [1, 0, 1, 0],
    ]


def test_nudges_are_due_overdue_and_not_yet_met_longest_first():
    assessed = pd.DataFrame(
        {
            "match_id": [1, 2, 3, 4, 5],
            "status": ["on_track", "due", "overdue", "not_yet_met", "new"],
            "days_since_last": [10, 70, 120, 45, 3],
        }
    )
    assert cadence.nudges(assessed)["match_id"].tolist() == [3, 2, 4]


def test_describe_thresholds_follows_the_settings():
    assert cadence.describe_thresholds(CadenceThresholds(14, 45, 75)) == {
        "new": "not met yet, paired 14 days ago or less",
        "on_track": "last met 45 days ago or less",
        "due": "last met 46–75 days ago",
        "overdue": "last met more than 75 days ago",
        "not_yet_met": "not met yet, paired more than 14 days ago",
    }


# Links
def test_tokens_are_long_random_and_url_safe():
    tokens = {links.new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert {len(t) for t in tokens} == {43}  # 32 random bytes: 256 bits
    assert all(t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_the_checkin_url_uses_the_public_address(monkeypatch):
    monkeypatch.delenv(links.PUBLIC_URL_ENV, raising=False)
    assert links.checkin_url("abc-_1") == "http://localhost:8501/Check_in?token=abc-_1"
    monkeypatch.setenv(links.PUBLIC_URL_ENV, "https://mentors.example.org/dash/")
    assert links.checkin_url("abc") == "https://mentors.example.org/dash/Check_in?token=abc"


def test_mailto_drafts_are_percent_encoded():
    url = links.mailto(
        ["a.b@x.example.org", "c+d@y.example.edu"], "Hi & welcome", "Line one\nhttp://h/p?token=a&b"
    )
    assert url == (
        "mailto:a.b@x.example.org,c%2Bd@y.example.edu?subject=Hi%20%26%20welcome"
        "&body=Line%20one%0Ahttp%3A%2F%2Fh%2Fp%3Ftoken%3Da%26b"
    )


def test_the_invitation_draft_carries_the_link():
    draft = links.checkin_invitation(
        to=["m@x.example.org", "s@y.example.edu"],
        mentor_first="Hodan",
        mentee_first="Tou",
        url="http://localhost:8501/Check_in?token=T0k",
    )
    assert draft.startswith(
        "mailto:m@x.example.org,s@y.example.edu?subject=Your%20mentorship%20check-in%20link&body="
    )
    assert "Hi%20Hodan%20and%20Tou" in draft
    assert "http%3A%2F%2Flocalhost%3A8501%2FCheck_in%3Ftoken%3DT0k" in draft
