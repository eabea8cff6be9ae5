"""`import milestones FILE`: the import's guarantees (template, preview, row errors naming row and column,
idempotent re-import, dry run, one transaction with its audit event) for a mentee's path to medical school;
its export, and a person's erasure taking their milestones along."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from mentorship import db, intake, privacy, services, web
from mentorship.auth import Actor
from mentorship.cli import main
from mentorship.models import AnnualUpdate, AuditEvent, Milestone

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, ROOT, add_accounts
from .factories import TODAY, add, import_file, make_mentee, to_csv
from .test_web import request, signed_in_cookie

HEADER = ["mentee_email", "milestone", "on", "school", "note"]
FILE = to_csv(
    [
        HEADER,
        ["hodan.ali@umn.example.edu", "mcat", "2023-04-01", "", ""],
        ["Hodan.Ali@UMN.example.edu", "Applied to medical school", "6/1/2023", "", "12 schools"],
        ["hodan.ali@umn.example.edu", "ACCEPTED (AT LEAST ONE OFFER)", "2024-01-20", "", ""],
        [
            "hodan.ali@umn.example.edu",
            "matriculated",
            "2024-08-01",
            "University of Minnesota Medical School",
            "",
        ],
        ["pa@umn.example.edu", "other profession", "2025-05-01", "", "Physician assistant program"],
    ]
)


@pytest.fixture
def mentees(engine) -> dict[str, int]:
    ids = add(
        engine,
        make_mentee("hodan", first_name="Hodan", last_name="Ali", email="hodan.ali@umn.example.edu"),
        make_mentee("pa", first_name="Pa", email="pa@umn.example.edu"),
    )
    return dict(zip(("hodan", "pa"), ids, strict=True))


def stored(engine) -> list[tuple]:
    with db.read_session(engine) as session:
        rows = session.execute(
            sa.select(
                Milestone.mentee_id,
                Milestone.kind,
                Milestone.happened_on,
                Milestone.school,
                Milestone.note,
                Milestone.source,
            ).order_by(Milestone.mentee_id, Milestone.happened_on)
        ).all()
    return [(m, k.value, on, school, note, source.value) for m, k, on, school, note, source in rows]


def audited(engine) -> list[str]:
    with db.read_session(engine) as session:
        statement = sa.select(AuditEvent.summary).where(AuditEvent.action == "import.milestones")
        return list(session.scalars(statement.order_by(AuditEvent.id)))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_template_is_the_import_s_columns():
    assert (ROOT / "data/templates/milestones.csv").read_text() == "mentee_email,milestone,on,school,note\n"
    assert intake.template_csv("milestones") == (ROOT / "data/templates/milestones.csv").read_bytes()


def test_a_first_import_records_each_step_from_an_import_with_a_preview(engine, mentees):
    hodan, pa = mentees["hodan"], mentees["pa"]
    preview = services.import_registrations(
        engine, actor=Actor.operator(), kind="milestones", data=FILE, today=TODAY, dry_run=True
    ).preview()
    assert preview.to_dict("records") == [
        {"row": 2, "action": "created", "who": "hodan.ali@umn.example.edu: mcat 2023-04-01", "details": ""},
        {
            "row": 3,
            "action": "created",
            "who": "hodan.ali@umn.example.edu: applied 2023-06-01",
            "details": "",
        },
        {
            "row": 4,
            "action": "created",
            "who": "hodan.ali@umn.example.edu: accepted 2024-01-20",
            "details": "",
        },
        {
            "row": 5,
            "action": "created",
            "who": "hodan.ali@umn.example.edu: matriculated 2024-08-01",
            "details": "",
        },
        {
            "row": 6,
            "action": "created",
            "who": "pa@umn.example.edu: other_profession 2025-05-01",
            "details": "",
        },
    ]
    assert stored(engine) == []
    report = import_file(engine, "milestones", FILE)
    assert report == {
        "kind": "milestones",
        "rows": 5,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "invalid": [],
        "written": True,
    }
    assert stored(engine) == [
        (hodan, "mcat", date(2023, 4, 1), "", "", "import"),
        (hodan, "applied", date(2023, 6, 1), "", "12 schools", "import"),
        (hodan, "accepted", date(2024, 1, 20), "", "", "import"),
        (hodan, "matriculated", date(2024, 8, 1), "University of Minnesota Medical School", "", "import"),
        (pa, "other_profession", date(2025, 5, 1), "", "Physician assistant program", "import"),
    ]
    (summary,) = audited(engine)
    assert re.fullmatch(
        r"batch [0-9a-f]{12}, file sha256 [0-9a-f]{64}: 5 rows, 5 created, 0 updated, 0 unchanged, 0 invalid",
        summary,
    )  # counts only: no email, school or note


def test_every_row_error_names_its_row_and_column(engine, mentees):
    rows = [
        HEADER,
        ["nobody@umn.example.edu", "mcat", "2024-04-01", "", ""],  # 2
        ["hodan@", "mcat", "2024-04-01", "", ""],  # 3
        ["", "mcat", "2024-04-01", "", ""],  # 4
        ["hodan.ali@umn.example.edu", "residency", "2024-04-01", "", ""],  # 5
        ["hodan.ali@umn.example.edu", "", "2024-04-01", "", ""],  # 6
        ["hodan.ali@umn.example.edu", "mcat", "April 2024", "", ""],  # 7
        ["hodan.ali@umn.example.edu", "mcat", "2024-02-30", "", ""],  # 8
        ["hodan.ali@umn.example.edu", "mcat", "", "", ""],  # 9
        ["hodan.ali@umn.example.edu", "mcat", "2027-01-01", "", ""],  # 10
        ["hodan.ali@umn.example.edu", "mcat", "1999-12-31", "", ""],  # 11
        ["hodan.ali@umn.example.edu", "accepted", "2024-04-01", "Mayo Clinic", ""],  # 12
        ["hodan.ali@umn.example.edu", "matriculated", "2024-08-01", "x" * 201, ""],  # 13
        ["hodan.ali@umn.example.edu", "applied", "2024-06-01", "", "y" * 501],  # 14
        ["hodan.ali@umn.example.edu", "applied", "2024-06-01", "", ""],  # 15
        ["hodan.ali@umn.example.edu", "Applied to medical school", "6/1/2024", "", "again"],  # 16
        ["hodan.ali@umn.example.edu", "residency", "2024-04-01", "Mayo Clinic", ""],  # 17
    ]
    report = import_file(engine, "milestones", to_csv(rows))
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 0, 0)
    assert {i["row"]: i["errors"] for i in report["invalid"]} == {
        2: ["mentee_email: no mentee with this email is registered"],
        3: ["mentee_email: not a valid email address: There must be something after the @-sign."],
        4: ["mentee_email: is required"],
        5: [
            'milestone: "residency" is not one of mcat, applied, interviewed, accepted, matriculated, '
            "reapplying, other_profession, left_premed"
        ],
        6: ["milestone: is required"],
        7: ['on: "April 2024" is not a date (write 2024-03-05 or 3/5/2024)'],
        8: ['on: "2024-02-30" is not a real date'],
        9: ["on: is required"],
        10: ["on: is in the future"],
        11: ["on: is before 2000"],
        12: ["school: is only for a matriculation"],
        13: ["school: is longer than 200 characters"],
        14: ["note: is longer than 500 characters"],
        16: ["on: this mentee's same milestone on this day is already in row 15"],
        17: [
            'milestone: "residency" is not one of mcat, applied, interviewed, accepted, matriculated, '
            "reapplying, other_profession, left_premed"
        ],  # no school rule without a milestone to judge it by
    }
    assert [row[1:3] for row in stored(engine)] == [("applied", date(2024, 6, 1))]


def test_the_same_file_again_changes_nothing_and_says_so(capsys, engine, mentees, store_url, tmp_path):
    path = tmp_path / "milestones.csv"
    path.write_bytes(FILE)
    code, out, err = run(capsys, "import", "milestones", str(path), "--db", store_url)
    assert (code, err) == (0, "")
    assert "5 created, 0 updated, 0 unchanged, 0 invalid; written (batch" in out
    before = stored(engine)
    code, out, err = run(capsys, "import", "milestones", str(path), "--db", store_url)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1].startswith("0 created, 0 updated, 5 unchanged, 0 invalid; written")
    assert stored(engine) == before
    assert audited(engine)[-1].endswith("5 rows, 0 created, 0 updated, 5 unchanged, 0 invalid")

    # The same step with another note is an update of that row, never a second one
    changed = FILE.replace(b"12 schools", b"14 schools")
    path.write_bytes(changed)
    code, out, _ = run(capsys, "import", "milestones", str(path), "--db", store_url, "--json")
    assert code == 0
    assert json.loads(out) | {"invalid": None} == {
        "kind": "milestones",
        "rows": 5,
        "created": 0,
        "updated": 1,
        "unchanged": 4,
        "invalid": None,
        "written": True,
    }
    assert [row[4] for row in stored(engine)][1] == "14 schools" and len(stored(engine)) == 5


def test_a_dry_run_writes_nothing(capsys, engine, mentees, store_url, tmp_path):
    path = tmp_path / "milestones.csv"
    path.write_bytes(FILE)
    code, out, err = run(capsys, "import", "milestones", str(path), "--dry-run", "--db", store_url)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "5 created, 0 updated, 0 unchanged, 0 invalid; dry run: nothing written."
    assert stored(engine) == [] and audited(engine) == []


def test_an_unusable_file_is_refused_in_one_sentence(capsys, engine, mentees, store_url, tmp_path):
    path = tmp_path / "milestones.csv"
    path.write_bytes(to_csv([["mentee_email", "milestone", "school"], ["pa@umn.example.edu", "mcat", ""]]))
    code, out, err = run(capsys, "import", "milestones", str(path), "--db", store_url)
    assert (code, out) == (2, "")
    assert err == (
        "The file has no on column, which milestones imports need; "
        "the columns are listed in data/templates/milestones.csv.\n"
    )
    path.write_bytes(b"")
    assert run(capsys, "import", "milestones", str(path), "--db", store_url)[::2] == (
        2,
        "The file is empty.\n",
    )
    assert stored(engine) == [] and audited(engine) == []


def test_the_committee_may_not_import_milestones(capsys, engine, mentees, accounts, store_url, tmp_path):
    path = tmp_path / "milestones.csv"
    path.write_bytes(FILE)
    code, out, err = run(
        capsys, "import", "milestones", str(path), "--db", store_url, "--as", COMMITTEE_EMAIL
    )
    assert (code, out) == (1, "")
    assert err.endswith(".\n") and len(err.splitlines()) == 1
    assert stored(engine) == []


def test_the_leader_s_export_imports_back_unchanged(engine, mentees, accounts):
    import_file(engine, "milestones", FILE)
    data, rows = services.export_registrations(engine, actor=accounts["leader"], kind="milestones")
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert (rows, lines[0]) == (5, [*HEADER, "source", "recorded_at"])
    assert lines[4][:6] == [
        "hodan.ali@umn.example.edu",
        "matriculated",
        "2024-08-01",
        "University of Minnesota Medical School",
        "",
        "import",
    ]
    again = import_file(engine, "milestones", data)
    assert (again["unchanged"], again["created"], again["updated"]) == (5, 0, 0)


def test_erasing_a_mentee_erases_their_milestones_and_yearly_updates(each_store, tmp_path):
    """On SQLite and PostgreSQL: the mentee's row stays (anonymised), so this is the erasure's own doing, not
    a cascade; the backup and the leader's export still work after it."""
    accounts = add_accounts(each_store)
    hodan, pa = add(each_store, make_mentee("hodan", email="hodan.ali@umn.example.edu"), make_mentee("pa"))
    add(each_store, AnnualUpdate(mentee_id=hodan, year=2026), AnnualUpdate(mentee_id=pa, year=2026))
    file = to_csv([HEADER, ["hodan.ali@umn.example.edu", "applied", "2025-06-01", "", "a note"]])
    import_file(each_store, "milestones", file)
    services.record_milestone(
        each_store,
        actor=accounts["leader"],
        mentee_id=pa,
        kind="mcat",
        on=date(2025, 4, 1),
        today=TODAY,
        now=datetime(2026, 11, 25, 12, tzinfo=UTC),
    )
    services.erase_person(
        each_store, actor=accounts["leader"], email="hodan.ali@umn.example.edu", today=TODAY
    )
    assert [row[:2] for row in stored(each_store)] == [(pa, "mcat")]
    with db.read_session(each_store) as session:
        assert session.scalars(sa.select(AnnualUpdate.mentee_id)).all() == [pa]
        summary = session.scalars(
            sa.select(AuditEvent.summary).where(AuditEvent.action == "person.erase")
        ).one()
    assert summary.endswith("; 1 milestone(s) and 1 yearly update(s) removed")
    if db.is_sqlite(each_store):
        assert services.backup(each_store, actor=accounts["leader"], target=tmp_path / "backup.db") > 0
    data, rows = services.export_registrations(each_store, actor=accounts["leader"], kind="milestones")
    assert rows == 1 and b"hodan" not in data and b"a note" not in data


@pytest.mark.postgres
def test_milestones_import_on_postgres(pg_url):
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    add(
        pg,
        make_mentee("hodan", email="hodan.ali@umn.example.edu"),
        make_mentee("pa", email="pa@umn.example.edu"),
    )
    assert import_file(pg, "milestones", FILE)["created"] == 5
    assert import_file(pg, "milestones", FILE)["unchanged"] == 5
    assert len(stored(pg)) == 5
    pg.dispose()


def test_the_signed_in_route_serves_milestones_to_the_leader_only(engine, mentees, accounts, dashboard):
    import_file(engine, "milestones", FILE)
    path = "/downloads/export/milestones.csv"
    assert web.export_url("milestones") == path
    status, _, body = request(dashboard, path)
    assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)
    for email, expected in ((COMMITTEE_EMAIL, 403), (LEADER_EMAIL, 200)):
        cookie = {"Cookie": f"{web.SESSION_COOKIE}={signed_in_cookie(engine, dashboard, email)}"}
        status, _, body = request(dashboard, path, headers=cookie)
        assert status == expected
    assert (
        body.decode("utf-8-sig").splitlines()[0] == "mentee_email,milestone,on,school,note,source,recorded_at"
    )
    assert len(body.decode("utf-8-sig").splitlines()) == 6
    committee = {"Cookie": f"{web.SESSION_COOKIE}={signed_in_cookie(engine, dashboard, COMMITTEE_EMAIL)}"}
    assert request(dashboard, path, headers=committee)[2].decode() == privacy.HISTORY_IS_THE_LEADERS
