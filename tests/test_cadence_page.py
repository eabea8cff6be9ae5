"""The Cadence page as the leader and the committee see it, and the `cadence` command."""

import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit import dataframe_util

from mentorship import db, links, queries, services
from mentorship.cli import main
from mentorship.errors import PermissionDenied
from mentorship.models import AuditEvent, Concern, Meeting, Setting, utcnow
from mentorship.settings import CadenceThresholds

from .cadence_store import add_pair, days_ago
from .conftest import load_demo, signed_in

CADENCE_PAGE = "pages/3_Cadence.py"


def open_cadence(app, role: str = "leader"):
    at = signed_in(app("app.py"), role).run()
    return at.switch_page(CADENCE_PAGE).run()


@pytest.fixture
def pairs(engine, accounts) -> dict[str, int]:
    """One open pair in each status, one with a concern, and one that has ended (not counted)."""
    ids = {
        "new": add_pair(engine, "nadia", confirmed_on=days_ago(30)),
        "on_track": add_pair(
            engine, "omar", confirmed_on=days_ago(300), met_on=(days_ago(200), days_ago(60))
        ),
        "due": add_pair(engine, "dawit", confirmed_on=days_ago(300), met_on=(days_ago(61),)),
        "overdue": add_pair(engine, "olga", confirmed_on=days_ago(300), met_on=(days_ago(91),)),
        "not_yet_met": add_pair(engine, "nou", confirmed_on=days_ago(31)),
        "ended": add_pair(
            engine,
            "eli",
            confirmed_on=days_ago(500),
            met_on=(days_ago(400),),
            status="ended",
            ended_on=days_ago(90),
        ),
    }
    with db.write_session(engine) as session:
        session.add(Concern(match_id=ids["due"], raised_on=days_ago(2), note="We keep missing each other."))
    return ids


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def cli_json(capsys, store_url: str) -> dict:
    assert main(["cadence", "--db", store_url, "--json"]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.count("\n") == 1
    return json.loads(out)


def test_the_cli_reports_every_open_pair_longest_without_a_meeting_first(capsys, store_url, pairs):
    assert cli_json(capsys, store_url) == {
        "counts": {"new": 1, "on_track": 1, "due": 1, "overdue": 1, "not_yet_met": 1},
        "pairs": [
            {
                "mentor_email": "molga@clinic.example.org",
                "mentee_email": "solga@school.example.edu",
                "days_since_last": 91,
                "status": "overdue",
            },
            {
                "mentor_email": "mdawit@clinic.example.org",
                "mentee_email": "sdawit@school.example.edu",
                "days_since_last": 61,
                "status": "due",
            },
            {
                "mentor_email": "momar@clinic.example.org",
                "mentee_email": "somar@school.example.edu",
                "days_since_last": 60,
                "status": "on_track",
            },
            {
                "mentor_email": "mnou@clinic.example.org",
                "mentee_email": "snou@school.example.edu",
                "days_since_last": 31,
                "status": "not_yet_met",
            },
            {
                "mentor_email": "mnadia@clinic.example.org",
                "mentee_email": "snadia@school.example.edu",
                "days_since_last": 30,
                "status": "new",
            },
        ],
    }


def test_the_cli_as_text(capsys, store_url, pairs):
    assert main(["cadence", "--db", store_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "New: 1  On track: 1  Due: 1  Overdue: 1  Not yet met: 1"
    assert lines[3].split() == ["Overdue", "91", "molga@clinic.example.org", "solga@school.example.edu"]
    assert len(lines) == 3 + 5


def test_the_pages_counts_equal_the_clis(app, capsys, engine, store_url, accounts):
    load_demo(engine, today=date.today())
    counts = cli_json(capsys, store_url)["counts"]
    at = open_cadence(app, "committee")
    assert not at.exception
    labels = {
        "new": "New",
        "on_track": "On track",
        "due": "Due",
        "overdue": "Overdue",
        "not_yet_met": "Not yet met",
    }
    assert metrics(at) == {labels[k]: str(v) for k, v in counts.items()}
    assert sum(counts.values()) > 10


def test_the_leader_sees_the_pairs_with_contacts(app, pairs):
    at = open_cadence(app)
    assert not at.exception
    assert metrics(at) == {"New": "1", "On track": "1", "Due": "1", "Overdue": "1", "Not yet met": "1"}
    assert [t.label for t in at.tabs] == [
        "Pairs",
        "Over time",
        "To nudge (3)",
        "Asked to hear from you (1)",
        "Log a meeting",
        "Thresholds",
    ]
    table = at.dataframe[0].value
    assert list(table.columns) == [
        "health",
        "days_since_last",
        "last_met_on",
        "meetings",
        "last_12_months",
        "mentor",
        "mentee",
        "confirmed_on",
        "mentor_email",
        "mentee_email",
    ]
    assert table[["health", "days_since_last", "meetings", "mentor_email"]].values.tolist() == [
        ["Overdue", 91, 1, "molga@clinic.example.org"],
        ["Due", 61, 1, "mdawit@clinic.example.org"],
        ["On track", 60, 2, "momar@clinic.example.org"],
        ["Not yet met", 31, 0, "mnou@clinic.example.org"],
        ["New", 30, 0, "mnadia@clinic.example.org"],
    ]
    last_met = table["last_met_on"].tolist()
    assert last_met[3:] == ["never", "never"]  # not "None" for a pair that never met
    assert all(d == days_ago(n).isoformat() for d, n in zip(last_met[:3], (91, 61, 60), strict=True))


def test_committee_sees_masked_contacts_and_no_contact_list_concerns_or_controls(app, pairs):
    at = open_cadence(app, "committee")
    assert not at.exception
    assert metrics(at) == {"New": "1", "On track": "1", "Due": "1", "Overdue": "1", "Not yet met": "1"}
    assert [t.label for t in at.tabs] == ["Pairs", "Over time"]
    assert "**Due**: last met 61–90 days ago" in at.caption[1].value  # the thresholds, shown to everyone
    table = at.dataframe[0].value
    assert table["mentor_email"].tolist()[:2] == ["m***@clinic.example.org", "m***@clinic.example.org"]
    assert set(table["mentee_email"]) == {"s***@school.example.edu"}
    # no nudge list: the pairs, then each chart's numbers (the timeline, meetings per month, status mix)
    assert [d.key for d in at.dataframe] == ["cadence-table", None, None, None]
    assert [e.label for e in at.expander] == [
        "Show the numbers: Meetings since confirmation",
        "Show the numbers: Meetings per month",
        "Show the numbers: Open pairs by cadence status, month by month",
    ]
    assert [b.label for b in at.button] == ["Sign out"]
    assert len(at.get("link_button")) == 0 and len(at.get("download_button")) == 0
    assert len(at.text) == 0 and len(at.code) == 0  # no concern, no check-in link
    assert len(at.get("form")) == 0


def test_the_table_and_pickers_follow_a_meeting_logged_elsewhere_for_each_role(app, engine, accounts, pairs):
    """What the page makes from its kept read (the table as shown, the pickers' labels) is made again for
    the new read after a change, and each role's stays its own."""
    leader, committee = open_cadence(app), open_cadence(app, "committee")
    assert at_row(leader, "mnou@clinic.example.org") == ["Not yet met", 31, "never", 0]
    services.log_meeting(
        engine,
        actor=accounts["leader"],
        match_id=pairs["not_yet_met"],
        met_on=days_ago(2),
        format="phone",
        today=date.today(),
    )
    leader.run()
    committee.run()
    assert not leader.exception and not committee.exception
    assert at_row(leader, "mnou@clinic.example.org") == ["On track", 2, days_ago(2).isoformat(), 1]
    shown = committee.dataframe[0].value
    assert set(shown["mentee_email"]) == {"s***@school.example.edu"}
    assert shown["health"].tolist() == ["Overdue", "Due", "On track", "New", "On track"]
    labels = committee.selectbox(key="cadence-pair")
    assert len(labels.options) == 5 and labels.options[-1] == "Noudoc Mentorlast & Noukid Studentlast"


def at_row(at, mentor_email: str) -> list:
    table = at.dataframe[0].value
    row = table[table["mentor_email"] == mentor_email].iloc[0]
    return [row["health"], int(row["days_since_last"]), row["last_met_on"], int(row["meetings"])]


def chart_data(chart) -> list[pd.DataFrame]:
    """The data behind a chart as Streamlit sends it to the browser."""
    return [dataframe_util.convert_arrow_bytes_to_pandas_df(d.data.data) for d in chart.proto.datasets]


def test_the_timeline_follows_the_chosen_pair(app, pairs):
    at = open_cadence(app)
    picker = at.selectbox(key="cadence-pair")
    assert picker.value == pairs["overdue"]  # the longest without a meeting comes first
    picker.select(pairs["on_track"]).run()
    timeline = at.get("vega_lite_chart")[0]
    assert "Meetings since confirmation" in timeline.proto.spec
    span, ticks = chart_data(timeline)
    assert ticks[["met_on", "format", "recorded"]].values.tolist() == [
        [pd.Timestamp(days_ago(200)), "virtual", "Imported"],
        [pd.Timestamp(days_ago(60)), "virtual", "Imported"],
    ]
    assert span["start"].tolist() == [pd.Timestamp(days_ago(300))]


def test_charts_over_time_have_titles_and_tooltips(app, pairs):
    at = open_cadence(app)
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert len(specs) == 3
    for title in ("Meetings since confirmation", "Meetings per month", "Open pairs by cadence status"):
        assert sum(title in s for s in specs) == 1
    assert all('"tooltip"' in s for s in specs)


def test_the_nudge_list_has_a_draft_per_pair(app, pairs):
    at = open_cadence(app)
    nudges = next(d.value for d in at.dataframe if "draft" in d.value)
    assert nudges[["health", "days_since_last", "mentor_email"]].values.tolist() == [
        ["Overdue", 91, "molga@clinic.example.org"],
        ["Due", 61, "mdawit@clinic.example.org"],
        ["Not yet met", 31, "mnou@clinic.example.org"],
    ]
    assert (
        nudges["draft"]
        .iloc[0]
        .startswith("mailto:molga@clinic.example.org,solga@school.example.edu?subject=Time")
    )
    assert "your%20last%20meeting%20was%2091%20days%20ago" in nudges["draft"].iloc[0]
    assert "you%20were%20paired%2031%20days%20ago" in nudges["draft"].iloc[2]
    assert at.get("download_button") == []  # the list is made by the signed-in route, never put in /media
    links = {b.proto.label: b.proto.url for b in at.get("link_button")}
    assert links["Download the nudge list (CSV)"] == "/downloads/export/nudges.csv"


def test_the_leader_logs_a_meeting(app, engine, pairs):
    at = open_cadence(app)
    at.selectbox(key="log-pair").select(pairs["not_yet_met"])
    at.date_input(key="log-date").set_value(days_ago(1))
    at.selectbox(key="log-format").select("phone")
    at.number_input(key="log-minutes").set_value(30)
    at.text_area(key="log-note").input("Talked about MCAT timing.")
    at.button(key="FormSubmitter:log-meeting-Log meeting").click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == ["Meeting logged."]
    assert metrics(at)["Not yet met"] == "0" and metrics(at)["On track"] == "2"
    with db.read_session(engine) as session:
        logged = session.execute(
            sa.select(
                Meeting.met_on, Meeting.format, Meeting.duration_minutes, Meeting.notes, Meeting.source
            ).where(Meeting.match_id == pairs["not_yet_met"])
        ).all()
    assert [tuple(r) for r in logged] == [(days_ago(1), "phone", 30, "Talked about MCAT timing.", "leader")]
    assert at.selectbox(key="log-pair").value is None  # the form is ready for the next one


def test_logging_the_same_day_twice_is_refused_and_the_form_keeps_its_input(app, pairs):
    at = open_cadence(app)
    at.selectbox(key="log-pair").select(pairs["due"])
    at.date_input(key="log-date").set_value(days_ago(61))
    at.button(key="FormSubmitter:log-meeting-Log meeting").click().run()
    assert [t.value for t in at.toast] == ["This pair already has a meeting recorded on that day."]
    assert at.selectbox(key="log-pair").value == pairs["due"]


def test_the_leader_creates_and_emails_a_check_in_link(app, engine, pairs, monkeypatch):
    monkeypatch.setenv(links.PUBLIC_URL_ENV, "https://mentors.example.org")
    at = open_cadence(app)
    at.button(key="issue-link").click().run()
    assert [t.value for t in at.toast] == ["Link ready."]
    url = at.code[0].value
    assert url.startswith("https://mentors.example.org/Check_in?token=") and len(url.split("=")[1]) == 43
    [draft] = [b.proto.url for b in at.get("link_button") if b.proto.label == "Email the link to the pair"]
    assert draft.startswith(
        "mailto:molga@clinic.example.org,solga@school.example.edu?subject=Your%20mentorship"
    )
    assert links.mailto([], "", url).split("body=")[1] in draft

    at.button(key="replace-link").click().run()
    assert at.code[0].value != url and [t.value for t in at.toast] == ["A new link replaces the old one."]

    # drawn again later (another browser of the leader's, say): the link cannot be shown, only its count
    at = open_cadence(app)
    assert len(at.code) == 0
    assert any(c.value.startswith("1 live link, the newest until ") for c in at.caption)


def test_a_link_button_pressed_before_the_page_catches_up_acts_on_the_pair_just_chosen(app, engine, pairs):
    """The leader chooses another pair and presses the button before the page has drawn again: the browser
    sends both at once, and the link is made for the pair the picker shows, never for the one before."""
    at = open_cadence(app)
    shown_first = at.selectbox(key="cadence-pair").value
    chosen = pairs["due"]
    assert shown_first != chosen
    at.selectbox(key="cadence-pair").set_value(chosen)  # not yet drawn again
    at.button(key="issue-link").click().run()
    assert [t.value for t in at.toast] == ["Link ready."]
    with db.read_session(engine) as session:
        assert queries.checkin_links(session, chosen, utcnow()).live == 1
        assert queries.checkin_links(session, shown_first, utcnow()).live == 0


def test_the_leader_resolves_a_concern(app, engine, accounts, pairs):
    at = open_cadence(app)
    assert [t.value for t in at.text] == [
        f"Dawitdoc Mentorlast & Dawitkid Studentlast · asked on {days_ago(2):%b %d, %Y}",
        "We keep missing each other.",
    ]
    at.button(key="resolve-1").click().run()
    assert [t.value for t in at.toast] == ["Marked resolved."]
    assert len(at.text) == 0 and at.tabs[3].label == "Asked to hear from you (0)"
    with db.read_session(engine) as session:
        resolved_by = session.execute(sa.select(Concern.resolved_by_id)).scalar_one()
    assert resolved_by == accounts["leader"].id


def test_thresholds_are_shown_edited_and_reset(app, engine, pairs):
    at = open_cadence(app)
    assert "Due: last met 61–90 days ago." in at.metric[2].proto.help
    assert at.caption[1].value == (
        "**New**: not met yet, paired 30 days ago or less · **On track**: last met 60 days ago or less · "
        "**Due**: last met 61–90 days ago · **Overdue**: last met more than 90 days ago · "
        "**Not yet met**: not met yet, paired more than 30 days ago"
    )
    at.number_input(key="t-on-track").set_value(61)
    at.button(key="FormSubmitter:cadence-thresholds-Save thresholds").click().run()
    assert [t.value for t in at.toast] == ["Thresholds saved."]
    assert metrics(at)["On track"] == "2" and metrics(at)["Due"] == "0"
    assert "Due: last met 62–90 days ago." in at.metric[2].proto.help
    assert "**On track**: last met 61 days ago or less" in at.caption[1].value

    at.number_input(key="t-due").set_value(61)
    at.button(key="FormSubmitter:cadence-thresholds-Save thresholds").click().run()
    assert [t.value for t in at.toast] == ["The on-track limit must be fewer days than the due limit."]
    assert at.number_input(key="t-due").value == 61  # kept, to correct

    at.button(key="reset-thresholds").click().run()
    assert metrics(at) == {"New": "1", "On track": "1", "Due": "1", "Overdue": "1", "Not yet met": "1"}
    assert at.number_input(key="t-due").value == 90
    with db.read_session(engine) as session:
        stored = session.execute(sa.select(Setting.value).where(Setting.key == "cadence")).scalar_one()
    assert json.loads(stored) == {"new_days": 30, "on_track_days": 60, "due_days": 90}


def test_an_empty_program_says_so(app, accounts):
    at = open_cadence(app)
    assert not at.exception
    assert [i.value for i in at.info] == ["There are no open pairs yet: confirm pairings first."]
    assert set(metrics(at).values()) == {"0"}


@pytest.mark.parametrize(
    ("call", "action"),
    [
        (
            lambda e, a, p: services.log_meeting(
                e, actor=a, match_id=p["due"], met_on=days_ago(1), format="virtual", today=date.today()
            ),
            "meeting.log",
        ),
        (lambda e, a, p: services.resolve_concern(e, actor=a, concern_id=1), "concern.resolve"),
        (
            lambda e, a, p: services.replace_checkin_link(e, actor=a, match_id=p["due"], now=utcnow()),
            "checkin.replace",
        ),
        (
            lambda e, a, p: services.set_cadence_thresholds(
                e, actor=a, thresholds=CadenceThresholds(7, 14, 21)
            ),
            "settings.cadence",
        ),
    ],
)
def test_a_committee_member_calling_a_service_directly_is_refused_and_audited(
    engine, accounts, pairs, call, action
):
    with pytest.raises(PermissionDenied, match="Only the program leader can make this change."):
        call(engine, accounts["committee"], pairs)
    with db.read_session(engine) as session:
        events = session.execute(sa.select(AuditEvent.actor, AuditEvent.action, AuditEvent.outcome)).all()
        meetings = session.execute(sa.select(sa.func.count()).select_from(Meeting)).scalar_one()
        settings_rows = session.execute(sa.select(sa.func.count()).select_from(Setting)).scalar_one()
    assert [tuple(e) for e in events] == [("committee@program.example.org", action, "refused")]
    assert (meetings, settings_rows) == (5, 0)


def test_a_leader_logged_meeting_is_audited_without_its_note(engine, accounts, pairs):
    meeting_id = services.log_meeting(
        engine,
        actor=accounts["leader"],
        match_id=pairs["new"],
        met_on=days_ago(3),
        format="in person",
        notes="Private words.",
        today=date.today(),
    )
    with db.read_session(engine) as session:
        event = session.execute(sa.select(AuditEvent.actor, AuditEvent.entity_id, AuditEvent.summary)).one()
    assert tuple(event) == ("leader@program.example.org", pairs["new"], f"meeting {meeting_id} logged")
