"""Registrations beyond the page: filters, one-at-a-time edits, permissions, and the import/export CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorship import db, intake, queries, registrations, services
from mentorship.auth import Actor
from mentorship.cli import main
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import AuditEvent, Mentee, Mentor

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, ROOT, TODAY
from .factories import add, make_match, make_mentee, make_mentor


def audit_log(engine) -> list[tuple]:
    with db.read_session(engine) as session:
        statement = sa.select(AuditEvent.actor, AuditEvent.action, AuditEvent.outcome, AuditEvent.summary)
        return [tuple(r) for r in session.execute(statement.order_by(AuditEvent.id))]


# Filters
PEOPLE = pd.DataFrame(
    {
        "first_name": ["Kou", "Amina", "Sarah"],
        "last_name": ["Yang", "Warsame", "Olson"],
        "email": ["kou@allina.example.org", "amina@hennepin.example.org", "sarah@hp.example.org"],
        "specialty": ["Internal Medicine", "Family Medicine", "Obstetrics"],
        "organization": ["Allina Health", "Hennepin Healthcare", "HealthPartners"],
        "status": ["active", "active", "paused"],
        "meeting_formats": ["phone", "virtual; phone", "in person"],
        "pairing": ["matched", "waiting", "inactive"],
        "attests_values": [True, False, True],
    },
    index=pd.Index([1, 2, 3], name="id"),
)


@pytest.mark.parametrize(
    ("filters", "ids"),
    [
        (registrations.Filters(), [1, 2, 3]),
        (registrations.Filters(search="family"), [2]),
        (registrations.Filters(search="  HENNEPIN "), [2]),
        (registrations.Filters(search="health"), [1, 2, 3]),
        (registrations.Filters(statuses=("paused",)), [3]),
        (registrations.Filters(formats=("phone",)), [1, 2]),
        (registrations.Filters(formats=("in person", "virtual")), [2, 3]),
        (registrations.Filters(pairing="waiting"), [2]),
        (registrations.Filters(attested=False), [2]),
        (registrations.Filters(search="a", statuses=("active",), attested=True), [1]),
        (registrations.Filters(preferences=("required",)), [1, 2, 3]),  # no such column for this viewer
    ],
)
def test_filters(filters, ids):
    assert registrations.filter_frame(PEOPLE, filters).index.tolist() == ids


def test_the_table_spells_out_eligibility_and_lists_choices_in_words():
    people = PEOPLE.assign(capacity=1, open_pairs=0, identifies_bipoc=["yes", "undisclosed", "no"])
    shown = registrations.table(people, "mentors")
    assert shown.loc[2, ["name", "eligibility", "meeting_formats", "identifies_bipoc"]].tolist() == [
        "Amina Warsame",
        "not yet eligible",
        ["Video call", "Phone"],
        "Prefer not to say",
    ]


def test_registrations_query_reports_pairing_and_waiting(engine):
    kou, pa, linh, hodan = add(
        engine,
        make_mentor("kou", capacity=2),
        make_mentee("pa", registered_on=date(2026, 9, 1)),
        make_mentee("linh", registered_on=date(2026, 10, 1)),
        make_mentee("hodan", status="paused"),
    )
    add(engine, make_match(kou, pa, confirmed_on=date(2026, 10, 1)))
    with db.read_session(engine) as session:
        mentees = queries.registrations(session, "mentees", TODAY)
        mentors = queries.registrations(session, "mentors", TODAY)
    assert mentees[["first_name", "pairing", "days_waiting"]].reset_index().to_dict("records") == [
        {"id": hodan, "first_name": "Hodan", "pairing": "inactive", "days_waiting": None},
        {"id": linh, "first_name": "Linh", "pairing": "waiting", "days_waiting": 55},
        {"id": pa, "first_name": "Pa", "pairing": "matched", "days_waiting": None},
    ]
    assert mentors[["open_pairs", "pairing"]].to_dict("records") == [{"open_pairs": 1, "pairing": "matched"}]


def test_form_values_become_import_cells_and_back():
    answers = {
        "first_name": "Hodan",
        "meeting_formats": ["virtual", "phone"],
        "capacity": 2,
        "attests_values": False,
        "registered_on": date(2024, 3, 5),
        "unknown": "ignored",
    }
    assert registrations.form_cells("mentors", answers) == {
        "first_name": "Hodan",
        "meeting_formats": "virtual; phone",
        "capacity": "2",
        "attests_values": "no",
        "registered_on": "2024-03-05",
    }
    person = pd.Series({"first_name": "Hodan", "meeting_formats": "virtual; phone", "first_generation": None})
    defaults = registrations.form_defaults(person, "mentees")
    assert (defaults["first_name"], defaults["meeting_formats"], defaults["first_generation"]) == (
        "Hodan",
        ["virtual", "phone"],
        "",
    )


# One registration at a time, with the import's rules
def test_an_edit_cannot_take_another_persons_email_or_drop_capacity_below_open_pairs(engine, accounts):
    kou, amina, pa, linh = add(
        engine,
        make_mentor("kou", capacity=2),
        make_mentor("amina"),
        make_mentee("pa"),
        make_mentee("linh"),
    )
    add(engine, *(make_match(kou, m) for m in (pa, linh)))
    cells = {"first_name": "Kou", "last_name": "Yang", "email": "AMINA@clinic.example.org", "capacity": "1"}
    with pytest.raises(intake.InvalidRegistration) as refused:
        services.update_registration(
            engine, actor=accounts["leader"], kind="mentors", person_id=kou, cells=cells, today=TODAY
        )
    assert refused.value.errors == [
        "email: another mentor is already registered with this email",
        "capacity: 1 is below the mentor's 2 open pairs",
    ]
    assert audit_log(engine)[-1] == (LEADER_EMAIL, "mentor.edit", "refused", "invalid: 2 problems")


def test_the_committee_changes_nothing_and_each_attempt_is_audited(engine, accounts):
    (pa,) = add(engine, make_mentee("pa"))
    committee = accounts["committee"]
    data = (ROOT / "data/sample/mentees.csv").read_bytes()
    attempts = [
        lambda: services.import_registrations(
            engine, actor=committee, kind="mentees", data=data, today=TODAY
        ),
        lambda: services.import_registrations(
            engine, actor=committee, kind="mentees", data=data, today=TODAY, dry_run=True
        ),
        lambda: services.add_registration(
            engine, actor=committee, kind="mentees", cells={"first_name": "X"}, today=TODAY
        ),
        lambda: services.update_registration(
            engine, actor=committee, kind="mentees", person_id=pa, cells={}, today=TODAY
        ),
        lambda: services.set_registration_status(
            engine, actor=committee, kind="mentees", person_id=pa, status="withdrawn"
        ),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied, match="Only the program leader can make this change."):
            attempt()
    assert [(a, action, o, s) for a, action, o, s in audit_log(engine)] == [
        (COMMITTEE_EMAIL, "import.mentees", "refused", "refused: committee role"),
        (COMMITTEE_EMAIL, "import.mentees", "refused", "refused: committee role"),
        (COMMITTEE_EMAIL, "mentee.add", "refused", "refused: committee role"),
        (COMMITTEE_EMAIL, "mentee.edit", "refused", "refused: committee role"),
        (COMMITTEE_EMAIL, "mentee.status", "refused", "refused: committee role"),
    ]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Mentee.status)).scalars().all() == ["active"]


def test_an_unknown_status_is_refused(engine, accounts):
    (pa,) = add(engine, make_mentee("pa"))
    with pytest.raises(Refused, match="^The status must be active, paused or withdrawn.$"):
        services.set_registration_status(
            engine, actor=accounts["leader"], kind="mentees", person_id=pa, status="gone"
        )


def test_exports_are_masked_for_the_committee_and_audited(engine, accounts):
    add(
        engine,
        make_mentor("kou", email="kou@clinic.example.org", phone="612-555-0101", race_ethnicity="Hmong"),
    )
    full, rows = services.export_registrations(engine, actor=accounts["leader"], kind="mentors")
    masked, _ = services.export_registrations(engine, actor=accounts["committee"], kind="mentors")
    read = [list(csv.DictReader(io.StringIO(d.decode("utf-8-sig")))) for d in (full, masked)]
    assert rows == 1
    assert (read[0][0]["email"], read[0][0]["phone"], read[0][0]["race_ethnicity"]) == (
        "kou@clinic.example.org",
        "612-555-0101",
        "Hmong",
    )
    assert (read[1][0]["email"], read[1][0]["phone"], "race_ethnicity" in read[1][0]) == (
        "k***@clinic.example.org",
        "***-***-0101",
        False,
    )
    assert audit_log(engine) == [
        (LEADER_EMAIL, "export.mentors", "done", "1 rows, full"),
        (COMMITTEE_EMAIL, "export.mentors", "done", "1 rows, masked"),
    ]


# The command line
def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_store(tmp_path, capsys) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(capsys, "init", "--db", url)[0] == 0
    return url


def test_import_json_is_exactly_the_contract(capsys, cli_store):
    sample = str(ROOT / "data/sample/mentors.csv")
    code, out, err = run(capsys, "import", "mentors", sample, "--db", cli_store, "--json", "--dry-run")
    assert (code, err, out.count("\n")) == (0, "", 1)
    invalid = [
        {
            "row": 10,
            "errors": [
                "email: not a valid email address: "
                "The part after the @-sign is not valid. It should have a period.",
                'capacity: "6" is not a whole number from 1 to 5',
            ],
        }
    ]
    expected = {
        "kind": "mentors",
        "rows": 8,
        "created": 7,
        "updated": 0,
        "unchanged": 0,
        "invalid": invalid,
        "written": False,
    }
    assert json.loads(out) == expected
    code, out, _ = run(capsys, "import", "mentors", sample, "--db", cli_store, "--json")
    assert (code, json.loads(out)) == (0, {**expected, "written": True})
    code, out, _ = run(capsys, "import", "mentors", sample, "--db", cli_store, "--json")
    assert json.loads(out) | {"invalid": invalid} == {
        **expected,
        "created": 0,
        "unchanged": 7,
        "written": True,
    }


def test_import_text_output(capsys, cli_store):
    code, out, err = run(capsys, "import", "pairs", str(ROOT / "data/sample/pairs.csv"), "--db", cli_store)
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        "Read 9 rows (Windows-1252, csv layout).",
        'Ignored 3 columns this import does not use: "Mentor name", "Mentee name", "Comments".',
    ]
    assert out.splitlines()[2].startswith("0 created, 0 updated, 0 unchanged, 9 invalid; written (batch ")
    assert "  row 2: mentor_email: no mentor with this email is registered" in out.splitlines()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (
            b"PK\x03\x04zipped",
            "The file is an Excel workbook, not CSV; "
            "in Excel choose File > Save As > CSV UTF-8 and import that.",
        ),
    ],
)
def test_unusable_files_exit_2_with_one_sentence(capsys, cli_store, tmp_path, content, message):
    path = tmp_path / "form.csv"
    path.write_bytes(content)
    assert run(capsys, "import", "mentees", str(path), "--db", cli_store, "--json") == (2, "", message + "\n")


def test_a_missing_file_exits_2(capsys, cli_store, tmp_path):
    code, out, err = run(capsys, "import", "mentees", str(tmp_path / "none.csv"), "--db", cli_store)
    assert (code, out) == (2, "")
    assert err == f"The file {tmp_path / 'none.csv'} cannot be read (No such file or directory).\n"


def test_import_as_a_committee_member_is_refused(capsys, cli_store):
    engine = db.make_engine(cli_store)
    services.add_user(engine, actor=Actor.operator(), email=COMMITTEE_EMAIL, role="committee", password=None)
    sample = str(ROOT / "data/sample/mentees.csv")
    code, out, err = run(
        capsys, "import", "mentees", sample, "--db", cli_store, "--as", COMMITTEE_EMAIL, "--json"
    )
    assert (code, out, err) == (1, "", "Only the program leader can make this change.\n")
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Mentee.id))).scalar() == 0


def test_export_writes_the_template_columns_and_masks_for_the_committee(capsys, cli_store, tmp_path):
    engine = db.make_engine(cli_store)
    services.add_user(engine, actor=Actor.operator(), email=COMMITTEE_EMAIL, role="committee", password=None)
    run(capsys, "import", "mentees", str(ROOT / "data/sample/mentees.csv"), "--db", cli_store)
    full, masked = tmp_path / "full.csv", tmp_path / "masked.csv"
    assert run(capsys, "export", "mentees", str(full), "--db", cli_store) == (
        0,
        f"Exported 8 mentees to {full}.\n",
        "",
    )
    code, out, _ = run(capsys, "export", "mentees", str(masked), "--db", cli_store, "--as", COMMITTEE_EMAIL)
    assert (code, out) == (
        0,
        f"Exported 8 mentees to {masked} (contacts masked, no individual demographics).\n",
    )
    assert full.read_bytes().startswith(b"\xef\xbb\xbf")
    header = full.read_text(encoding="utf-8-sig").splitlines()[0]
    assert header == ",".join(intake.TEMPLATES["mentees"])
    first = next(csv.DictReader(io.StringIO(masked.read_text(encoding="utf-8-sig"))))
    assert (first["email"], "goals" in first, "race_ethnicity" in first) == (
        "h***@umn.example.edu",
        False,
        False,
    )
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Mentor.id))).scalar() == 0
