"""The program's own day (MENTORSHIP_TIMEZONE) on a machine whose clock is UTC: at 19:30 on 7 December in
Chicago (01:30 UTC on the 8th) the dashboard and the commands live on the 7th, the times people read are
Chicago's and say so, and the day and the abbreviation are right across both daylight-saving changes."""

from __future__ import annotations

import csv
import io
import os
import socket
import subprocess
import sys
from datetime import UTC, date, datetime

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorship import clock, db, formatting, privacy, services
from mentorship.cli import main
from mentorship.models import AuditEvent, Match, OutboxMessage, User

from .cadence_store import add_pair
from .conftest import LEADER_EMAIL, ROOT, signed_in
from .outbox_store import turn_on

EVENING = datetime(2026, 12, 8, 1, 30, tzinfo=UTC)  # 19:30 CST on Monday 7 December
NEXT_MORNING = datetime(2026, 12, 8, 6, 30, tzinfo=UTC)  # 00:30 CST on 8 December
SEVENTH, EIGHTH = date(2026, 12, 7), date(2026, 12, 8)

# Chicago's clocks go from 02:00 CST to 03:00 CDT on 8 March 2026 and from 02:00 CDT to 01:00 CST on
# 1 November 2026: the same 01:30 happens twice that night.
DST_INSTANTS = {
    datetime(2026, 3, 8, 7, 59, tzinfo=UTC): (date(2026, 3, 8), "2026-03-08 01:59:00 CST"),
    datetime(2026, 3, 8, 8, 0, tzinfo=UTC): (date(2026, 3, 8), "2026-03-08 03:00:00 CDT"),
    datetime(2026, 3, 9, 4, 30, tzinfo=UTC): (date(2026, 3, 8), "2026-03-08 23:30:00 CDT"),
    datetime(2026, 11, 1, 6, 30, tzinfo=UTC): (date(2026, 11, 1), "2026-11-01 01:30:00 CDT"),
    datetime(2026, 11, 1, 7, 30, tzinfo=UTC): (date(2026, 11, 1), "2026-11-01 01:30:00 CST"),
    datetime(2026, 11, 2, 5, 30, tzinfo=UTC): (date(2026, 11, 1), "2026-11-01 23:30:00 CST"),
}


def test_today_is_the_programs_day_not_the_servers(program_clock):
    assert date.today() == datetime.now(UTC).date()  # the machine's own clock is UTC, as deployed
    assert program_clock(EVENING, "UTC") == EIGHTH
    assert program_clock(EVENING) == SEVENTH
    assert clock.now() == EVENING  # the instant stays UTC
    assert program_clock(NEXT_MORNING) == EIGHTH
    assert formatting.moment(EVENING) == "2026-12-07 19:30 CST"
    assert formatting.moment(datetime(2026, 12, 8, 1, 30)) == "2026-12-07 19:30 CST"  # naive: stored UTC


@pytest.mark.parametrize("instant", list(DST_INSTANTS), ids=str)
def test_the_day_and_the_abbreviation_across_daylight_saving(program_clock, instant):
    day, shown = DST_INSTANTS[instant]
    assert program_clock(instant) == day
    assert formatting.moment(instant, seconds=True) == shown


def test_a_days_bounds_follow_the_zone_and_its_23_and_25_hour_days(program_clock):
    program_clock(EVENING)
    assert (clock.day_start(SEVENTH), clock.day_end(SEVENTH)) == (
        datetime(2026, 12, 7, 6, 0, tzinfo=UTC),
        datetime(2026, 12, 8, 6, 0, tzinfo=UTC),
    )
    assert clock.day_end(date(2026, 3, 8)) - clock.day_start(date(2026, 3, 8)) == pd.Timedelta(hours=23)
    assert clock.day_end(date(2026, 11, 1)) - clock.day_start(date(2026, 11, 1)) == pd.Timedelta(hours=25)
    stamps = pd.Series(["2026-12-08 01:30:00", None, "2026-12-08 06:30:00.000001"])
    assert clock.days_of(stamps).tolist()[::2] == [pd.Timestamp(SEVENTH), pd.Timestamp(EIGHTH)]
    assert clock.days_of(stamps).isna().tolist() == [False, True, False]


def test_an_unknown_zone_stops_a_command_with_one_sentence(capsys, monkeypatch, store_url):
    monkeypatch.setenv("MENTORSHIP_TIMEZONE", "America/Minneapolis")
    assert main(["cadence", "--db", store_url]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        "MENTORSHIP_TIMEZONE is 'America/Minneapolis', which is not a time zone: "
        "give an IANA name such as America/Chicago.\n"
    )


def test_an_unknown_zone_stops_the_dashboard_at_startup_with_one_sentence(store_url):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    started = subprocess.run(
        [sys.executable, "-m", "streamlit", "run", "server.py", "--server.headless", "true"]
        + ["--server.address", "127.0.0.1", "--server.port", str(port)],
        cwd=ROOT,
        env={**os.environ, "MENTORSHIP_TIMEZONE": "Central", "MENTORSHIP_DATABASE_URL": store_url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert started.returncode == 2
    assert started.stderr.strip().splitlines()[-1] == (
        "MENTORSHIP_TIMEZONE is 'Central', which is not a time zone: "
        "give an IANA name such as America/Chicago."
    )
    assert "Traceback" not in started.stderr


# The evening edge, where the program's day and the server's part


def test_a_meeting_logged_this_evening_is_0_days_old_on_cadence(app, engine, accounts, program_clock):
    program_clock(EVENING)
    add_pair(engine, "eve", confirmed_on=date(2026, 6, 1), met_on=(SEVENTH,))
    at = signed_in(app("pages/3_Cadence.py")).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table[["days_since_last", "last_met_on"]].values.tolist() == [[0, "2026-12-07"]]


def test_the_check_in_forms_date_starts_on_the_programs_today(app, engine, accounts, program_clock):
    program_clock(EVENING)
    pair = add_pair(engine, "eve", confirmed_on=date(2026, 6, 1))
    token = services.issue_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=EVENING)
    at = app("pages/6_Check_in.py")
    at.query_params["token"] = token
    at.run()
    assert not at.exception
    met_on = at.date_input(key="met-on")
    assert (met_on.value, met_on.max) == (SEVENTH, SEVENTH)


def test_a_decision_due_tomorrow_in_chicago_is_not_due_this_evening(
    capsys, engine, store_url, accounts, program_clock
):
    pair = add_pair(
        engine, "year", confirmed_on=date(2025, 12, 8), met_on=(date(2026, 11, 20),)
    )  # mark: 8 Dec
    argv = ["decide", "--db", store_url, "--mentor", "myear@clinic.example.org", "--mentee"]
    argv += ["syear@school.example.edu", "--decision", "complete", "--as", LEADER_EMAIL]
    program_clock(EVENING)
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert err.startswith("A pair completes on or after its one-year mark (2026-12-08)")
    program_clock(NEXT_MORNING)
    assert main(argv) == 0
    with db.read_session(engine) as session:
        assert session.get(Match, pair).decided_on == EIGHTH


def test_the_outbox_plans_for_the_programs_day(
    capsys, monkeypatch, engine, store_url, accounts, mail_server, program_clock
):
    add_pair(engine, "year", confirmed_on=date(2025, 12, 8), met_on=(date(2026, 11, 20),))
    turn_on(engine, accounts["leader"], "invitation", "reminder")
    for name, value in mail_server.environ().items():
        monkeypatch.setenv(name, value)
    program_clock(EVENING)
    assert main(["outbox", "plan", "--db", store_url]) == 0
    capsys.readouterr()
    with db.read_session(engine) as session:
        queued = session.execute(sa.select(OutboxMessage.dedupe_key, OutboxMessage.body)).all()
    keys = sorted(key for key, _ in queued)
    assert keys == sorted(
        [
            f"invitation:match:{keys[0].split(':')[2]}:mentee:2026-12-07",
            f"invitation:match:{keys[0].split(':')[2]}:mentor:2026-12-07",
            "reminder:leaders:2026-12-07",
        ]
    )
    (reminder,) = [body for key, body in queued if key.startswith("reminder")]
    assert "one-year mark 2026-12-08 (in 1 days)" in reminder


def test_a_confirmation_recorded_on_a_month_end_evening_counts_in_that_month(program_clock):
    """The committee's figures move at month ends: a pair confirmed and recorded at 21:00 on 30 November
    in Chicago (03:00 UTC on 1 December) was seen in November."""
    program_clock(EVENING)
    pairs = pd.DataFrame(
        {
            "confirmed_on": [pd.Timestamp("2026-11-30")],
            "ended_on": [pd.NaT],
            "confirmed_at": [pd.Timestamp("2026-12-01 03:00", tz="UTC")],
            "updated_at": [pd.Timestamp("2026-12-01 03:00", tz="UTC")],
        }
    )
    seen = privacy.seen_by(pairs, SEVENTH, "committee")
    assert seen["confirmed_seen"].tolist() == [pd.Timestamp("2026-11-30")]


# Times people read


def add_events(engine, *instants: datetime) -> None:
    with db.write_session(engine) as session:
        session.add_all(
            AuditEvent(at=at, actor="cli", action="store.prune", summary="counts") for at in instants
        )


def test_the_audit_log_shows_the_programs_time_and_says_which(app, engine, accounts, program_clock):
    program_clock(EVENING)
    add_events(engine, *DST_INSTANTS, EVENING)
    with db.write_session(engine) as session:
        session.execute(sa.update(User).where(User.email == LEADER_EMAIL).values(last_login_at=EVENING))
    at = signed_in(app("pages/5_Admin.py")).run()
    assert not at.exception
    accounts_table = at.dataframe[0].value.set_index("email")
    assert accounts_table.loc[LEADER_EMAIL, "last_login_at"] == "2026-12-07 19:30 CST"
    events = at.dataframe[1].value
    pruned = events[events["action"] == "store.prune"]["at"].tolist()
    assert pruned == ["2026-12-07 19:30:00 CST", *reversed([shown for _, shown in DST_INSTANTS.values()])]


def test_the_audit_export_names_its_zone_and_filters_by_the_programs_days(engine, accounts, program_clock):
    program_clock(EVENING)
    add_events(engine, EVENING, NEXT_MORNING)

    def exported(since: date, until: date) -> list[dict[str, str]]:
        data = services.export_audit_log(engine, actor=accounts["leader"], since=since, until=until)
        rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        return [row for row in rows if row["action"] == "store.prune"]

    on_the_seventh = exported(SEVENTH, SEVENTH)
    assert [row["at (America/Chicago)"] for row in on_the_seventh] == ["2026-12-07 19:30:00 CST"]
    assert [row["at (America/Chicago)"] for row in exported(EIGHTH, EIGHTH)] == ["2026-12-08 00:30:00 CST"]


def test_the_accounts_command_shows_the_last_sign_in_in_the_programs_zone(
    capsys, engine, store_url, accounts, program_clock
):
    with db.write_session(engine) as session:
        session.execute(sa.update(User).where(User.email == LEADER_EMAIL).values(last_login_at=EVENING))
    program_clock(EVENING)
    assert main(["users", "list", "--db", store_url]) == 0
    out, _ = capsys.readouterr()
    (leader,) = [line for line in out.splitlines() if line.startswith(LEADER_EMAIL)]
    assert leader.endswith("last sign-in 2026-12-07 19:30 CST")


def test_messages_show_when_they_were_queued_and_sent_in_the_programs_zone(
    app, monkeypatch, engine, accounts, mail_server, program_clock
):
    for name, value in mail_server.environ().items():
        monkeypatch.setenv(name, value)
    add_pair(engine, "eve", confirmed_on=date(2026, 6, 1), met_on=(date(2026, 11, 20),))
    turn_on(engine, accounts["leader"], "invitation")
    program_clock(EVENING)
    at = signed_in(app("app.py")).run().switch_page("pages/7_Messages.py").run()
    at = next(b for b in at.button if b.label == "Send due messages now").click().run()
    assert [t.value for t in at.toast] == ["Queued 2; sent 2, failed 0, waiting to retry 0."]
    table = at.dataframe[0].value
    assert table[["created_at", "sent_at"]].values.tolist() == [["2026-12-07 19:30 CST"] * 2] * 2


def test_a_survey_receipt_says_until_when_in_the_programs_zone(app, engine, accounts, program_clock):
    program_clock(EVENING)
    pair = add_pair(engine, "eve", confirmed_on=date(2026, 6, 1))
    token = services.issue_survey_link(
        engine, actor=accounts["leader"], match_id=pair, role="mentee", moment="mid", now=EVENING
    )
    at = app("pages/9_Survey.py")
    at.query_params["token"] = token
    at.run()
    at.radio[0].set_value(5)
    at.button[0].click().run()
    assert not at.exception
    closes = "2027-01-06 19:30 CST"  # 30 days after 19:30 CST on 7 December
    assert (
        at.success[0].value
        == f"Thank you. Your answers are saved; you can change them with this link until {closes}."
    )
    at.run()
    assert f"save again, until {closes}." in at.text[1].value
