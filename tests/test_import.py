"""Importing registrations and the program's history into the store, and exporting them again."""

from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db, intake, queries, retention, services
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import AuditEvent, Match, Meeting, Mentee, Mentor

from .conftest import ROOT, TODAY
from .factories import MENTEE_HEADER, add, import_file, make_match, make_mentee, make_mentor, people, to_csv

ACTOR = Actor.operator()  # the CLI without --as
MENTOR_HEADER = ["first_name", "last_name", "email", "meeting_formats", "capacity", "attests_values"]


def imports_in_audit(engine) -> list[AuditEvent]:
    with db.read_session(engine) as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action.like("import.%"))))


MENTEES = to_csv(
    [
        [*MENTEE_HEADER, "phone", "registered_on", "goals"],
        ["Pa Houa", "Vang", "PaHoua.Vang@stkate.example.edu", "virtual", "0651 555 0170", "2024-09-14", ""],
        [
            "Hodan",
            "Ali",
            "hodan.ali@umn.example.edu",
            "Virtual, Phone",
            "",
            "9/1/2024",
            "Line one,\nline two",
        ],
        ["Tou", "Xiong", "tou@", "", "", "", ""],
    ]
)


def test_a_first_import_creates_the_valid_rows(engine):
    assert import_file(engine, "mentees", MENTEES) == {
        "kind": "mentees",
        "rows": 3,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "invalid": [
            {
                "row": 4,
                "errors": [
                    "email: not a valid email address: There must be something after the @-sign.",
                    "meeting_formats: is required",
                ],
            }
        ],
        "written": True,
    }
    stored = people(engine, Mentee)
    assert [
        (p["first_name"], p["email"], p["phone"], p["registered_on"], p["goals"], p["status"]) for p in stored
    ] == [
        ("Pa Houa", "pahoua.vang@stkate.example.edu", "0651 555 0170", date(2024, 9, 14), "", "active"),
        ("Hodan", "hodan.ali@umn.example.edu", "", date(2024, 9, 1), "Line one,\nline two", "active"),
    ]
    assert stored[1]["meeting_formats"] == "virtual; phone"
    assert stored[1]["bipoc_mentor_preference"] == "none" and stored[1]["identifies_bipoc"] == "undisclosed"


def test_a_new_person_without_a_date_registered_today(engine):
    import_file(engine, "mentees", to_csv([MENTEE_HEADER, ["Pa", "Vang", "pa@umn.example.edu", "phone"]]))
    assert people(engine, Mentee)[0]["registered_on"] == TODAY


def test_the_same_file_twice_changes_nothing_the_second_time(engine):
    import_file(engine, "mentees", MENTEES)
    before = people(engine, Mentee)
    again = import_file(engine, "mentees", MENTEES)
    assert (again["created"], again["updated"], again["unchanged"], len(again["invalid"])) == (0, 0, 2, 1)
    assert people(engine, Mentee) == before


def test_a_person_who_exists_is_updated_in_the_columns_the_file_has(engine):
    (mentee_id,) = add(
        engine, make_mentee("pa", email="pa@umn.example.edu", phone="612-555-0100", school="Hamline")
    )
    data = to_csv([[*MENTEE_HEADER, "phone"], ["Pa", "Vang", " PA@umn.example.edu", "phone", "651-555-0199"]])
    plan = services.import_registrations(engine, actor=ACTOR, kind="mentees", data=data, today=TODAY)
    assert [(r.row, r.action, r.target_id, r.changes) for r in plan.rows] == [
        (2, "updated", mentee_id, ("meeting_formats", "phone"))
    ]
    (stored,) = people(engine, Mentee)
    assert (stored["phone"], stored["meeting_formats"], stored["school"], stored["registered_on"]) == (
        "651-555-0199",
        "phone",
        "Hamline",  # not in the file: kept
        date(2023, 1, 1),  # an existing person keeps the date they registered
    )


def test_dry_run_reports_the_same_and_writes_nothing(engine):
    add(engine, make_mentee("hodan", email="hodan.ali@umn.example.edu", meeting_formats="phone"))
    dry = import_file(engine, "mentees", MENTEES, dry_run=True)
    assert people(engine, Mentee)[0]["meeting_formats"] == "phone" and len(people(engine, Mentee)) == 1
    assert imports_in_audit(engine) == []
    real = import_file(engine, "mentees", MENTEES)
    assert dry == {**real, "written": False}
    assert (real["created"], real["updated"]) == (1, 1)


def test_the_audit_log_records_batch_and_file_hash_without_personal_data(engine):
    import_file(engine, "mentees", MENTEES)
    import_file(engine, "mentees", MENTEES)
    first, second = imports_in_audit(engine)
    digest = __import__("hashlib").sha256(MENTEES).hexdigest()
    assert (first.actor, first.action, first.entity) == ("cli", "import.mentees", "mentees")
    assert re.fullmatch(
        rf"batch [0-9a-f]{{12}}, file sha256 {digest}: 3 rows, 2 created, 0 updated, 0 unchanged, 1 invalid",
        first.summary,
    )
    assert second.summary.endswith("3 rows, 0 created, 0 updated, 2 unchanged, 1 invalid")
    assert first.summary.split(",")[0] != second.summary.split(",")[0]  # each import its own batch
    for word in ("Vang", "pahoua", "hodan", "0651"):
        assert word.lower() not in first.summary.lower()


def test_a_failure_mid_write_leaves_nothing(engine, monkeypatch):
    add(engine, make_mentee("hodan", email="hodan.ali@umn.example.edu", meeting_formats="phone"))
    before = people(engine, Mentee)

    def audit_fails(*args, **kwargs):
        raise RuntimeError("the disk is full")

    # The audit event is the last write, after every row: the import fails just before its commit.
    monkeypatch.setattr(services.audit, "record", audit_fails)
    with pytest.raises(RuntimeError, match="the disk is full"):
        import_file(engine, "mentees", MENTEES)
    assert people(engine, Mentee) == before


def test_mentors_capacity_cannot_drop_below_their_open_pairs(engine):
    mentor_id, *mentee_ids = add(
        engine,
        make_mentor("kou", email="kou@clinic.example.org", capacity=3),
        make_mentee("a"),
        make_mentee("b"),
    )
    add(engine, *(make_match(mentor_id, m, confirmed_on=date(2025, 1, 5)) for m in mentee_ids))
    data = to_csv([MENTOR_HEADER, ["Kou", "Yang", "kou@clinic.example.org", "virtual", "1", "yes"]])
    assert import_file(engine, "mentors", data)["invalid"] == [
        {"row": 2, "errors": ["capacity: 1 is below the mentor's 2 open pairs"]}
    ]
    assert people(engine, Mentor)[0]["capacity"] == 3


def test_the_import_and_export_round_trip(engine):
    import_file(engine, "mentees", (ROOT / "data/sample/mentees.csv").read_bytes())
    with db.read_session(engine) as session:
        exported = intake.to_csv(queries.registrations_export(session, "mentees"))
    assert import_file(engine, "mentees", exported)["unchanged"] == 8


# Pairs and meetings: the program's history
@pytest.fixture
def program(engine):
    """Two mentors (capacity 1 and 2) and three mentees."""
    add(
        engine,
        make_mentor("kou", email="kou@clinic.example.org", capacity=1),
        make_mentor("amina", email="amina@clinic.example.org", capacity=2),
        *(make_mentee(k, email=f"{k}@umn.example.edu") for k in ("pa", "hodan", "linh")),
    )
    return engine


PAIR_HEADER = ["mentor_email", "mentee_email", "confirmed_on", "ended_on", "outcome", "end_reason"]


def pairs(engine) -> list[tuple]:
    with db.read_session(engine) as session:
        statement = sa.select(
            Match.mentor_id,
            Match.mentee_id,
            Match.confirmed_on,
            Match.ended_on,
            Match.status,
            Match.end_reason,
            Match.source,
        ).order_by(Match.confirmed_on)
        return [
            tuple(v.value if hasattr(v, "value") else v for v in row) for row in session.execute(statement)
        ]


def test_pairs_history_creates_imported_matches(program):
    data = to_csv(
        [
            PAIR_HEADER,
            ["kou@clinic.example.org", "pa@umn.example.edu", "2022-01-10", "2023-01-20", "completed", ""],
            ["kou@clinic.example.org", "hodan@umn.example.edu", "2/1/2023", "", "active", ""],
            ["amina@clinic.example.org", "linh@umn.example.edu", "2023-09-01", "", "continued", ""],
            ["amina@clinic.example.org", "pa@umn.example.edu", "2023-03-01", "2023-06-01", "ended", "moved"],
        ]
    )
    report = import_file(program, "pairs", data)
    assert (report["created"], report["invalid"]) == (4, [])
    assert pairs(program) == [
        (1, 1, date(2022, 1, 10), date(2023, 1, 20), "completed", "completed_year", "imported"),
        (1, 2, date(2023, 2, 1), None, "active", None, "imported"),
        (2, 1, date(2023, 3, 1), date(2023, 6, 1), "ended", "moved", "imported"),
        (2, 3, date(2023, 9, 1), None, "continued", None, "imported"),
    ]
    assert import_file(program, "pairs", data)["unchanged"] == 4


def test_an_end_reason_other_keeps_its_note_through_import_and_export(program, accounts):
    kou, amina = "kou@clinic.example.org", "amina@clinic.example.org"
    data = to_csv(
        [
            PAIR_HEADER,
            [kou, "pa@umn.example.edu", "2024-01-10", "2024-05-02", "ended", "other: moved abroad"],
            [amina, "hodan@umn.example.edu", "2024-02-01", "2024-03-01", "ended", "Mismatch"],
            [amina, "linh@umn.example.edu", "2024-02-01", "2024-04-01", "ended", "Other"],  # kept without one
        ]
    )
    assert import_file(program, "pairs", data)["created"] == 3
    assert import_file(program, "pairs", data)["unchanged"] == 3
    with db.read_session(program) as session:
        stored = session.execute(sa.select(Match.end_reason, Match.end_note).order_by(Match.id)).all()
    assert [tuple(r) for r in stored] == [("other", "moved abroad"), ("mismatch", ""), ("other", "")]
    full, _ = services.export_registrations(program, actor=accounts["leader"], kind="pairs")
    assert [line.rsplit(",", 1)[1] for line in full.decode("utf-8-sig").splitlines()[1:]] == [
        "other: moved abroad",
        "mismatch",
        "other",
    ]
    # the pair history, reasons and notes, stays with the leader (tests/test_committee_downloads.py)
    with pytest.raises(PermissionDenied):
        services.export_registrations(program, actor=accounts["committee"], kind="pairs")
    assert import_file(program, "pairs", full)["unchanged"] == 3  # the leader's export reads back as it is


def test_an_imported_continued_pair_decided_at_its_one_year_mark(program):
    """So that it still counts as continued once it ends; one within 30 days of its mark decided today."""
    data = to_csv(
        [
            PAIR_HEADER,
            ["kou@clinic.example.org", "pa@umn.example.edu", "2024-03-01", "", "continued", ""],
            ["amina@clinic.example.org", "hodan@umn.example.edu", "2025-12-10", "", "continued", ""],
            ["amina@clinic.example.org", "linh@umn.example.edu", "2026-01-05", "", "continued", ""],
        ]
    )
    report = import_file(program, "pairs", data)
    assert (report["created"], report["invalid"]) == (
        2,
        [
            {
                "row": 4,
                "errors": ["outcome: a pair can continue from 2026-12-06, 30 days before its one-year mark"],
            }
        ],
    )
    with db.read_session(program) as session:
        decided = session.execute(sa.select(Match.confirmed_on, Match.decided_on).order_by(Match.id)).all()
    assert [tuple(r) for r in decided] == [(date(2024, 3, 1), date(2025, 3, 1)), (date(2025, 12, 10), TODAY)]
    services.decide(
        program,
        actor=ACTOR,
        decision="end",
        today=TODAY,
        emails=("kou@clinic.example.org", "pa@umn.example.edu"),
        reason="moved",
    )
    with db.read_session(program) as session:
        report = retention.analyse(queries.retention_pairs(session), TODAY)
    assert report.overall.continuation == retention.Rate(1.0, 1)  # it reached a year, and it had continued


def test_pairs_that_break_the_stores_rules_are_invalid_rows_not_a_crash(program):
    data = to_csv(
        [
            PAIR_HEADER,
            ["kou@clinic.example.org", "pa@umn.example.edu", "2024-01-10", "", "active", ""],
            [
                "kou@clinic.example.org",
                "hodan@umn.example.edu",
                "2024-02-01",
                "",
                "active",
                "",
            ],  # Kou takes one
            [
                "amina@clinic.example.org",
                "pa@umn.example.edu",
                "2024-03-01",
                "",
                "active",
                "",
            ],  # Pa is paired
            ["amina@clinic.example.org", "nobody@umn.example.edu", "2024-03-01", "", "active", ""],
            ["kou@clinic.example.org", "pa@umn.example.edu", "2024-01-10", "", "active", ""],
        ]
    )
    for dry_run in (True, False):
        report = import_file(program, "pairs", data, dry_run=dry_run)
        assert (report["created"], report["invalid"]) == (
            1,
            [
                {"row": 3, "errors": ["outcome: the mentor's capacity (1) is already taken by open pairs"]},
                {
                    "row": 4,
                    "errors": ["outcome: the mentee already has an open pair (a mentee has one at a time)"],
                },
                {"row": 5, "errors": ["mentee_email: no mentee with this email is registered"]},
                {"row": 6, "errors": ["confirmed_on: the same pair and date are already in row 2"]},
            ],
        )
    assert len(pairs(program)) == 1


def test_closing_a_pair_in_the_same_file_frees_its_place(program):
    import_file(
        program,
        "pairs",
        to_csv(
            [PAIR_HEADER, ["kou@clinic.example.org", "pa@umn.example.edu", "2024-01-10", "", "active", ""]]
        ),
    )
    data = to_csv(
        [
            PAIR_HEADER,
            ["kou@clinic.example.org", "hodan@umn.example.edu", "2025-02-01", "", "active", ""],
            ["kou@clinic.example.org", "pa@umn.example.edu", "2024-01-10", "2025-01-15", "completed", ""],
        ]
    )
    report = import_file(program, "pairs", data)
    assert (report["created"], report["updated"], report["invalid"]) == (1, 1, [])
    assert [p[3:5] for p in pairs(program)] == [(date(2025, 1, 15), "completed"), (None, "active")]


def test_the_database_has_the_last_word_on_capacity(program, monkeypatch):
    """The store changed between plan and write (another session, on PostgreSQL): the row becomes invalid."""
    the_database_has_the_last_word(program, monkeypatch)


@pytest.mark.postgres
def test_the_database_has_the_last_word_on_postgres(pg_url, monkeypatch):
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    add(
        pg,
        make_mentor("kou", email="kou@clinic.example.org", capacity=1),
        make_mentor("amina", email="amina@clinic.example.org", capacity=2),
        *(make_mentee(k, email=f"{k}@umn.example.edu") for k in ("pa", "hodan", "linh")),
    )
    the_database_has_the_last_word(pg, monkeypatch)
    pg.dispose()


def the_database_has_the_last_word(engine, monkeypatch):
    monkeypatch.setattr(intake, "_check_open_pairs", lambda rows, matches, capacity: None)
    data = to_csv(
        [
            PAIR_HEADER,
            ["kou@clinic.example.org", "pa@umn.example.edu", "2024-01-10", "", "active", ""],
            ["kou@clinic.example.org", "hodan@umn.example.edu", "2024-02-01", "", "active", ""],
            ["amina@clinic.example.org", "pa@umn.example.edu", "2024-03-01", "", "active", ""],
        ]
    )
    report = import_file(engine, "pairs", data)
    assert (report["created"], report["invalid"]) == (
        1,
        [
            {"row": 3, "errors": ["outcome: the mentor's capacity is already taken by open pairs"]},
            {
                "row": 4,
                "errors": ["outcome: the mentee already has an open pair (a mentee has one at a time)"],
            },
        ],
    )
    assert len(pairs(engine)) == 1


MEETING_HEADER = ["mentor_email", "mentee_email", "met_on", "format", "duration_minutes", "notes"]


def test_meetings_need_a_pair_and_count_once_per_day(program):
    import_file(
        program,
        "pairs",
        to_csv(
            [
                PAIR_HEADER,
                ["kou@clinic.example.org", "pa@umn.example.edu", "2023-01-10", "2024-01-20", "completed", ""],
                ["amina@clinic.example.org", "pa@umn.example.edu", "2024-03-01", "", "active", ""],
            ]
        ),
    )
    rows = [
        MEETING_HEADER,
        ["kou@clinic.example.org", "pa@umn.example.edu", "2023-02-01", "phone", "30", 'Talked "MCAT", dates'],
        ["amina@clinic.example.org", "pa@umn.example.edu", "4/2/2024", "In person", "", ""],
        ["amina@clinic.example.org", "pa@umn.example.edu", "2024-04-02", "virtual", "45", "logged twice"],
        ["kou@clinic.example.org", "pa@umn.example.edu", "2024-02-01", "phone", "30", ""],
        ["kou@clinic.example.org", "pa@umn.example.edu", "2022-12-01", "phone", "30", ""],
        ["kou@clinic.example.org", "hodan@umn.example.edu", "2024-02-01", "phone", "30", ""],
    ]
    report = import_file(program, "meetings", to_csv(rows))
    assert (report["created"], report["invalid"]) == (
        2,
        [
            {"row": 4, "errors": ["met_on: this pair's meeting on this day is already in row 3"]},
            {"row": 5, "errors": ["met_on: is after the pair ended (2024-01-20)"]},
            {"row": 6, "errors": ["met_on: is before the pair was confirmed (2023-01-10)"]},
            {"row": 7, "errors": ["mentee_email: these two people have never been paired"]},
        ],
    )
    with db.read_session(program) as session:
        columns = (Meeting.match_id, Meeting.met_on, Meeting.format, Meeting.duration_minutes, Meeting.notes)
        stored = session.execute(sa.select(*columns, Meeting.source)).all()
    assert [tuple(r) for r in stored] == [
        (1, date(2023, 2, 1), "phone", 30, 'Talked "MCAT", dates', "imported"),
        (2, date(2024, 4, 2), "in person", None, "", "imported"),
    ]
    again = import_file(program, "meetings", to_csv(rows[:3]))
    assert (again["created"], again["unchanged"]) == (0, 2)


# Export
def test_pairs_and_meetings_export_in_their_template_columns(program):
    import_file(
        program,
        "pairs",
        to_csv(
            [
                PAIR_HEADER,
                [
                    "amina@clinic.example.org",
                    "pa@umn.example.edu",
                    "2024-03-01",
                    "2024-09-01",
                    "ended",
                    "moved",
                ],
            ]
        ),
    )
    import_file(
        program,
        "meetings",
        to_csv(
            [
                MEETING_HEADER,
                ["amina@clinic.example.org", "pa@umn.example.edu", "2024-04-02", "phone", "45", "-"],
            ]
        ),
    )
    with db.read_session(program) as session:
        exported = {
            k: intake.to_csv(queries.registrations_export(session, k)).decode("utf-8-sig")
            for k in ("pairs", "meetings")
        }
    assert exported == {
        "pairs": "mentor_email,mentee_email,confirmed_on,ended_on,outcome,end_reason\r\n"
        "amina@clinic.example.org,pa@umn.example.edu,2024-03-01,2024-09-01,ended,moved\r\n",
        "meetings": "mentor_email,mentee_email,met_on,format,duration_minutes,notes\r\n"
        "amina@clinic.example.org,pa@umn.example.edu,2024-04-02,phone,45,'-\r\n",
    }


# The sample files: a program's real exports, in order
def test_the_sample_files_import_in_order(engine):
    reports = {
        kind: import_file(engine, kind, (ROOT / f"data/sample/{kind}.csv").read_bytes())
        for kind in ("mentors", "mentees", "pairs", "meetings")
    }
    counts = {k: (r["rows"], r["created"], [i["row"] for i in r["invalid"]]) for k, r in reports.items()}
    assert counts == {
        "mentors": (8, 7, [10]),
        "mentees": (10, 8, [9, 10]),
        "pairs": (9, 6, [8, 9, 10]),
        "meetings": (16, 12, [14, 15, 16, 17]),
    }
    with db.read_session(engine) as session:
        jose = session.scalars(sa.select(Mentor).where(Mentor.last_name == "Hernández")).one()
        hodan = session.scalars(sa.select(Mentee).where(Mentee.first_name == "Hodan")).one()
    assert (jose.email, jose.registered_on, jose.meeting_formats) == (
        "jose.hernandez@westside.example.org",
        date(2021, 1, 20),
        "virtual; in person",
    )
    assert hodan.goals == (
        "Understand how to build a strong application, step by step.\n"
        "Talk with a physician who shares my background: I am the first in my family to go into medicine."
    )


def test_a_store_that_changes_under_an_import_refuses_it_whole(engine, monkeypatch):
    """A unique email inserted by someone else between plan and write: nothing is written, one sentence."""
    real_plan = intake.plan

    def plan_then_someone_else_registers(session, sheet, *, today):
        result = real_plan(session, sheet, today=today)
        session.add(make_mentee("hodan", email="hodan.ali@umn.example.edu"))
        session.flush()
        return result

    monkeypatch.setattr(intake, "plan", plan_then_someone_else_registers)
    with pytest.raises(Refused) as refused:
        import_file(engine, "mentees", MENTEES)
    assert str(refused.value) == (
        "The store changed while the file was being imported, so nothing was written; import it again."
    )
    assert people(engine, Mentee) == []


@pytest.mark.postgres
def test_imports_on_postgres(pg_url):
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    reports = [
        import_file(pg, kind, (ROOT / f"data/sample/{kind}.csv").read_bytes())["created"]
        for kind in intake.KINDS
    ]
    assert reports == [7, 8, 6, 12, 8]
    assert [
        import_file(pg, kind, (ROOT / f"data/sample/{kind}.csv").read_bytes())["unchanged"]
        for kind in intake.KINDS
    ] == reports
    pg.dispose()
