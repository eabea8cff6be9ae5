"""Adversarial input in one place: careless files, hostile cells, and search terms that look like code.

Each case asserts the one sentence the person reads and that nothing was written, or that the text is
kept, exported and shown exactly as typed. Cases whose surroundings live elsewhere are tested there:
- the upload on the page:
  test_registrations_page.py::test_an_unusable_upload_gets_one_sentence_and_no_import_button
- the command line: test_registrations.py::test_unusable_files_exit_2_with_one_sentence
- an edit taking another person's email:
  test_registrations.py::test_an_edit_cannot_take_another_persons_email_or_drop_capacity_below_open_pairs
- a cell longer than the store keeps: test_intake.py::test_text_longer_than_the_store_keeps_is_an_error
- a formula our own export neutralised reads back as written:
  test_intake.py::test_a_formula_neutralised_by_an_export_reads_back_as_written
- HTML in names in a real browser: test_browser.py::test_a_name_with_html_shows_as_text_and_runs_nothing
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from datetime import date, timedelta

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlmodel import SQLModel

from mentorship import cadence, db, intake, privacy, queries, services
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.models import Match, MatchStatus, Meeting, Mentee, Mentor, utcnow
from mentorship.privacy import FORMULA_PREFIXES

from .conftest import ROOT, TODAY, signed_in
from .factories import (
    MENTEE_HEADER,
    NAMES,
    add,
    import_file,
    make_match,
    make_mentee,
    make_mentor,
    people,
    to_csv,
)
from .registrations_page import open_page, open_tab, table_of


def store_contents(engine) -> dict[str, int]:
    """Rows in every table: what "nothing was written" is checked against."""
    with engine.connect() as conn:
        return {
            name: conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for name, table in sorted(SQLModel.metadata.tables.items())
        }


def refused_import(engine, data: bytes) -> str:
    """The sentence the leader's import of `data` is refused with; the store is left exactly as it was."""
    before = store_contents(engine)
    with pytest.raises(UnusableInput) as refused:
        services.import_registrations(engine, actor=Actor.operator(), kind="mentees", data=data, today=TODAY)
    assert store_contents(engine) == before
    return str(refused.value)


# Files that cannot be imported
def workbook() -> bytes:
    """An Excel workbook (a zip of XML parts), as someone would upload one renamed to .csv."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        book.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook/>')
        book.writestr("xl/worksheets/sheet1.xml", "<worksheet><sheetData/></worksheet>")
    return out.getvalue()


POLISH = [MENTEE_HEADER, ["Lech", "Wałęsa", "lech.walesa@umn.example.edu", "virtual"]]
NOT_TEXT = "The file is not a text file; export the form's answers as CSV and import that."
NOT_UTF8_OR_1252 = (
    "The file's text is neither UTF-8 nor Windows-1252; save it again as CSV UTF-8 and import that."
)
UTF16_WITHOUT_BOM = (
    "The file is UTF-16 text without the mark that says so; save it again as CSV UTF-8 and import that."
)
EXCEL = "The file is an Excel workbook, not CSV; in Excel choose File > Save As > CSV UTF-8 and import that."
NO_HEADER = (
    "The file's first row is not a header this import recognises; "
    "the columns are listed in data/templates/mentees.csv."
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n  \r\n", "The file is empty."),
        (b",,,\r\n,,,\r\n", "The file is empty."),
        (workbook(), EXCEL),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), EXCEL),  # the older .xls
        ((ROOT / "docs/images/overview.png").read_bytes(), NOT_TEXT),
        (random.Random(8).randbytes(4096), NOT_TEXT),
        (to_csv(NAMES, encoding="utf-16-le"), UTF16_WITHOUT_BOM),
        (to_csv(NAMES, encoding="utf-16-be"), UTF16_WITHOUT_BOM),
        (to_csv(POLISH, encoding="iso-8859-2"), NOT_UTF8_OR_1252),
        (b"first_name,last_name\r\n\x81\x8d\x8f\x90\x9d,x\r\n" + "é".encode("cp1252"), NOT_UTF8_OR_1252),
        (
            b"\xef\xbb\xbffirst_name\r\n\xff\xfe\r\n",
            "The file is marked as UTF-8 but is not valid UTF-8 text; save it again as CSV UTF-8.",
        ),
        (b"Response,Score\r\n1,2\r\n", NO_HEADER),
        (b"Timestamp,Name\r\n1/1/2024 10:00:00,Pa\r\n", NO_HEADER),
        (
            b"first_name,last_name,email\r\nPa,Vang,pa@umn.example.edu\r\n",
            "The file has no meeting_formats column, which mentees imports need; "
            "the columns are listed in data/templates/mentees.csv.",
        ),
        (
            b'first_name,last_name,email,meeting_formats\r\nPa,"Vang,pa@x.example.edu,virtual\r\n',
            "The file is not valid CSV at row 2 (unexpected end of data); "
            "a quoted cell may be missing its closing quote.",
        ),
    ],
    ids=[
        "empty",
        "blank-lines",
        "empty-cells",
        "xlsx-renamed-csv",
        "xls-renamed-csv",
        "png",
        "random-bytes",
        "utf16le-without-bom",
        "utf16be-without-bom",
        "latin-2",
        "unknown-encoding",
        "bad-utf8-after-bom",
        "no-header",
        "only-timestamp",
        "missing-required",
        "unclosed-quote",
    ],
)
def test_unusable_files_get_one_sentence(engine, data, message):
    assert refused_import(engine, data) == message


def test_files_over_5_mb_are_refused(engine):
    data = to_csv([MENTEE_HEADER]) + b"x" * (5 * 1024 * 1024)
    assert refused_import(engine, data) == (
        "The file is 5.0 MB; an import takes at most 5 MB, so split it into smaller files."
    )


def test_files_over_20000_rows_are_refused_but_20000_are_fine(engine):
    row = ["Pa", "Vang", "pa@umn.example.edu", "virtual"]
    assert len(intake.read(to_csv([MENTEE_HEADER] + [row] * 20_000), "mentees").rows) == 20_000
    assert refused_import(engine, to_csv([MENTEE_HEADER] + [row] * 20_001)) == (
        "The file has more than 20,000 rows; split it into files of at most 20,000 rows."
    )


# Duplicates
def test_two_rows_of_one_person_are_an_error_on_the_second(engine):
    data = to_csv(
        [
            MENTEE_HEADER,
            ["Linh", "Nguyen", "linh@umn.example.edu", "phone"],
            ["Linh", "N.", "LINH@umn.example.edu ", "virtual"],
        ]
    )
    report = import_file(engine, "mentees", data)
    assert report["invalid"] == [{"row": 3, "errors": ["email: the same person is already in row 2"]}]
    assert [p["last_name"] for p in people(engine, Mentee)] == ["Nguyen"]


def test_registering_someone_already_registered_is_refused_and_changes_nothing(engine, accounts):
    add(engine, make_mentee("pa", email="pa@umn.example.edu", meeting_formats="virtual"))
    before = people(engine, Mentee)
    cells = {"first_name": "Pa", "last_name": "Xiong", "email": " PA@UMN.example.edu"}
    with pytest.raises(Refused) as refused:
        services.add_registration(
            engine,
            actor=accounts["leader"],
            kind="mentees",
            cells=cells | {"meeting_formats": "phone"},
            today=TODAY,
        )
    assert str(refused.value) == (
        "A mentee with this email is already registered; edit that registration instead."
    )
    assert people(engine, Mentee) == before


# Formulas: a cell a spreadsheet would run is written with a leading ' in every export
def test_exports_neutralise_spreadsheet_formulas():
    frame = pd.DataFrame(
        {"name": ['=HYPERLINK("x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "Ana"], "n": [1, 2, 3, 4, 5, 6, 7]}
    )
    assert privacy.neutralise_formulas(frame)["name"].tolist() == [
        '\'=HYPERLINK("x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "Ana",
    ]


def test_export_is_utf8_with_bom_in_the_template_columns_and_neutralises_formulas(engine):
    add(
        engine,
        make_mentee(
            "jose",
            first_name='=HYPERLINK("http://x.example")',
            last_name="Núñez",
            phone="+1 612 555 0101",
            pronouns="-",
            goals="@SUM(A1)",
            school="\tTabbed",
            major="\rReturn",
            first_generation=True,
            registered_on=date(2024, 3, 5),
        ),
    )
    with db.read_session(engine) as session:
        data = intake.to_csv(queries.registrations_export(session, "mentees"))
    assert data.startswith(b"\xef\xbb\xbf")
    header, row = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert header == list(intake.TEMPLATES["mentees"])
    assert dict(zip(header, row, strict=True)) == {
        "first_name": '\'=HYPERLINK("http://x.example")',
        "last_name": "Núñez",
        "email": "jose@school.example.edu",
        "phone": "'+1 612 555 0101",
        "pronouns": "'-",
        "school": "'\tTabbed",
        "class_year": "",
        "major": "'\rReturn",
        "first_generation": "yes",
        "identifies_bipoc": "yes",
        "race_ethnicity": "",
        "bipoc_mentor_preference": "none",
        "gender": "",
        "mentor_gender_preference": "",
        "specialty_interests": "",
        "languages": "",
        "meeting_formats": "virtual",
        "goals": "'@SUM(A1)",
        "registered_on": "2024-03-05",
    }


HYPERLINK = '=HYPERLINK("http://evil.example","Click")'


@pytest.fixture
def formulas(engine):
    """A mentor and a mentee whose emails and texts start like formulas, an ended pair, and its meeting."""
    kou, pa = add(
        engine,
        make_mentor(
            "kou",
            email="=1+1@clinic.example.org",
            first_name=HYPERLINK,
            phone="+1 612 555 0101",
            organization="@SUM(A1:A9)",
            race_ethnicity="-Hmong",
        ),
        make_mentee("pa", email="-pa@school.example.edu", last_name="+Vang", goals="\t=1+1", major="\r=1+1"),
    )
    (match_id,) = add(
        engine,
        make_match(
            kou,
            pa,
            confirmed_on=date(2024, 1, 5),
            status=MatchStatus.ended,
            ended_on=date(2024, 6, 1),
            end_reason="other",
            end_note=HYPERLINK,
        ),
    )
    add(engine, Meeting(match_id=match_id, met_on=date(2024, 2, 1), notes="@mention the MCAT"))
    return engine


@pytest.mark.parametrize(
    ("kind", "role", "neutralised"),
    [
        (
            "mentors",
            "leader",
            [f"'{HYPERLINK}", "'=1+1@clinic.example.org", "'+1 612 555 0101", "'@SUM(A1:A9)", "'-Hmong"],
        ),
        ("mentors", "committee", [f"'{HYPERLINK}", "'=***@clinic.example.org", "'@SUM(A1:A9)"]),
        ("mentees", "leader", ["'+Vang", "'-pa@school.example.edu", "'\r=1+1", "'\t=1+1"]),
        ("mentees", "committee", ["'+Vang", "'-***@school.example.edu", "'\r=1+1"]),
        ("pairs", "leader", ["'=1+1@clinic.example.org", "'-pa@school.example.edu"]),
        ("meetings", "leader", ["'=1+1@clinic.example.org", "'-pa@school.example.edu", "'@mention the MCAT"]),
    ],
)
def test_every_registrations_export_neutralises_formulas(formulas, accounts, kind, role, neutralised):
    data, _ = services.export_registrations(formulas, actor=accounts[role], kind=kind)
    _, *rows = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    cells = [cell for row in rows for cell in row]
    assert [c for c in cells if c.startswith(FORMULA_PREFIXES)] == []
    assert [c for c in cells if c.startswith("'")] == neutralised


def test_the_nudge_csv_neutralises_spreadsheet_formulas():
    nudge_list = pd.DataFrame(
        {
            "match_id": [7],
            "status": ["overdue"],
            "days_since_last": [120],
            "last_met_on": [date(2025, 12, 1)],
            "confirmed_on": [date(2025, 1, 6)],
            "mentor": ['=HYPERLINK("http://x.example","y") Ali'],
            "mentor_email": ["hodan.ali@fairview.example.org"],
            "mentee": ["+Tou Vang"],
            "mentee_email": ["tou.vang@umn.example.edu"],
        }
    )
    csv_bytes = cadence.nudge_csv(nudge_list)
    assert csv_bytes.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    assert csv_bytes.decode("utf-8-sig").splitlines() == [
        "Status,Days since last meeting,Last met,Paired on,Mentor,Mentor email,Mentee,Mentee email",
        "Overdue,120,2025-12-01,2025-01-06,"
        '"\'=HYPERLINK(""http://x.example"",""y"") Ali",hodan.ali@fairview.example.org,'
        "'+Tou Vang,tou.vang@umn.example.edu",
    ]


def test_the_audit_log_download_neutralises_formulas(engine, accounts):
    """An account's email may begin with = or -, and the audit log names the account that acted."""
    actor = services.add_user(
        engine, actor=accounts["leader"], email="=1+1@program.example.org", role="committee", password=None
    )
    with pytest.raises(Refused):
        services.load_demo(engine, actor=actor, today=TODAY)
    with db.read_session(engine) as session:
        data = privacy.spreadsheet_csv(queries.audit_log(session))  # what the Admin page's button serves
    events = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert [(e["actor"], e["action"], e["outcome"]) for e in events] == [
        ("'=1+1@program.example.org", "demo.load", "refused"),
        ("leader@program.example.org", "user.add", "done"),
    ]


# HTML, script and markdown in every free-text field
def hostile(tag: str, limit: int) -> str:
    """Text that would run, draw or link if it were ever rendered, not shown; as long as the column allows."""
    for text in (
        f'<script>alert("{tag}")</script><img src=x onerror=alert(1)> **{tag}** [{tag}](javascript:alert(2))',
        f"<script>{tag}</script>**{tag}**",
        f"<script>{tag}</script>",
    ):
        if len(text) <= limit:
            return text
    raise AssertionError(f"no hostile text fits {limit} characters")


FREE_TEXT = {
    kind: [
        c
        for c in intake.TEMPLATES[kind]
        if intake.COLUMNS[c].parse in (intake.plain, intake.line, intake.identities, intake.multi)
    ]
    for kind in ("mentors", "mentees")
}
MENTOR = {c: hostile(f"m{i}", intake.max_length("mentors", c)) for i, c in enumerate(FREE_TEXT["mentors"])}
MENTEE = {c: hostile(f"s{i}", intake.max_length("mentees", c)) for i, c in enumerate(FREE_TEXT["mentees"])}
WAITING = {"first_name": hostile("w-first", 100), "last_name": hostile("w-last", 100)}
END_NOTE, MEETING_NOTE, CONCERN = hostile("end", 500), hostile("note", 2000), hostile("concern", 1000)
HOSTILE = [*MENTOR.values(), *MENTEE.values(), *WAITING.values(), END_NOTE, MEETING_NOTE, CONCERN]


MENTOR_CHOICES = {"meeting_formats": "virtual", "capacity": "1", "attests_values": "yes"}


def csv_file(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def hostile_store(engine, accounts):
    """Dr. Kou (every free-text answer hostile) paired with Pa (the same) for 200 days, with a meeting and
    a concern; Pa's earlier pair with Dr. Lee ended with a hostile note; a hostile-named mentee waits."""
    today, leader = date.today(), accounts["leader"]
    files = {
        "mentors": [
            {**MENTOR, "email": "kou@clinic.example.org", **MENTOR_CHOICES, "capacity": "2"},
            # by phone only: the waiting student (virtual only) has Dr. Kou as the one suggestion
            {
                "first_name": "Lee",
                "last_name": "Moua",
                "email": "lee@clinic.example.org",
                **MENTOR_CHOICES,
                "meeting_formats": "phone",
            },
        ],
        "mentees": [
            {**MENTEE, "email": "pa@umn.example.edu", "meeting_formats": "virtual"},
            {**WAITING, "email": "mai@umn.example.edu", "meeting_formats": "virtual"},
        ],
        "pairs": [
            {
                "mentor_email": "lee@clinic.example.org",
                "mentee_email": "pa@umn.example.edu",
                "confirmed_on": "2023-01-05",
                "ended_on": "2023-06-01",
                "outcome": "ended",
                "end_reason": f"other: {END_NOTE}",
            },
            {
                "mentor_email": "kou@clinic.example.org",
                "mentee_email": "pa@umn.example.edu",
                "confirmed_on": (today - timedelta(days=200)).isoformat(),
                "outcome": "active",
            },
        ],
        "meetings": [
            {
                "mentor_email": "kou@clinic.example.org",
                "mentee_email": "pa@umn.example.edu",
                "met_on": (today - timedelta(days=100)).isoformat(),
                "notes": MEETING_NOTE,
            }
        ],
    }
    for kind, rows in files.items():
        plan = services.import_registrations(
            engine, actor=leader, kind=kind, data=csv_file(rows), today=today
        )
        assert plan.report()["invalid"] == [], kind
    with db.read_session(engine) as session:
        match_id = session.scalars(sa.select(Match.id).where(Match.status == MatchStatus.active)).one()
    token = services.issue_checkin_link(engine, actor=leader, match_id=match_id, now=utcnow())
    services.submit_checkin(
        engine,
        token=token,
        met_on=today - timedelta(days=3),
        format="virtual",
        today=today,
        now=utcnow(),
        reach_out=True,
        note=CONCERN,
    )
    return engine, token


def test_html_and_script_are_stored_and_exported_exactly_as_written(hostile_store, accounts):
    engine, _ = hostile_store
    with db.read_session(engine) as session:
        kou = session.scalars(sa.select(Mentor).where(Mentor.email == "kou@clinic.example.org")).one()
        pa = session.scalars(sa.select(Mentee).where(Mentee.email == "pa@umn.example.edu")).one()
    assert {c: getattr(kou, c) for c in MENTOR} == MENTOR
    assert {c: getattr(pa, c) for c in MENTEE} == MENTEE

    exported = {}
    for kind in intake.KINDS:
        data, _ = services.export_registrations(engine, actor=accounts["leader"], kind=kind)
        exported[kind] = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert {c: exported["mentors"][0][c] for c in MENTOR} == MENTOR
    assert {c: exported["mentees"][0][c] for c in MENTEE} == MENTEE
    assert {c: exported["mentees"][1][c] for c in WAITING} == WAITING
    assert exported["pairs"][0]["end_reason"] == f"other: {END_NOTE}"
    assert [m["notes"] for m in exported["meetings"]] == [MEETING_NOTE, ""]  # ours, then the check-in's


MARKDOWN_BODIES = {
    "markdown",
    "caption",
    "latex",
    "title",
    "header",
    "subheader",
    "error",
    "warning",
    "info",
    "success",
    "toast",
}


def rendered_as_markdown(at) -> list[str]:
    """Every string Streamlit renders as markdown: text elements, and the labels, help and choices of
    widgets, tabs and expanders (a label can draw an image or a link)."""
    found = []
    for node in at._tree:
        if node.type in MARKDOWN_BODIES:
            found.append(node.value)
        for attribute in ("label", "help"):
            value = getattr(node, attribute, None)
            if isinstance(value, str):
                found.append(value)
        if node.type in ("radio", "button_group"):
            found.extend(str(option) for option in node.options)
    return found


def shown_as_text(at) -> str:
    """Every string shown as plain text: table cells, text elements, and the choices of select boxes."""
    found = []
    for node in at._tree:
        if node.type in ("dataframe", "table"):
            found.extend(str(v) for v in node.value.to_numpy().ravel())
        elif node.type in ("text", "code"):
            found.append(node.value)
        elif node.type in ("selectbox", "multiselect"):
            found.extend(str(option) for option in node.options)
    return "\n".join(found)


@pytest.mark.parametrize(
    ("page", "shown"),
    [
        ("app.py", []),
        ("pages/1_Registrations.py", [MENTOR["first_name"], MENTEE["goals"], WAITING["last_name"]]),
        ("pages/2_Pairings.py", [WAITING["first_name"]]),
        ("pages/3_Cadence.py", [MENTOR["first_name"], CONCERN]),
        ("pages/4_Retention.py", [MENTEE["first_name"]]),
        ("pages/5_Admin.py", []),
    ],
)
def test_pages_show_html_and_script_as_text_never_as_markdown(app, hostile_store, page, shown):
    at = signed_in(app(page), "leader").run()
    assert not at.exception
    as_text, markdown = shown_as_text(at), rendered_as_markdown(at)
    if page == "pages/1_Registrations.py":  # only the open tab is drawn: the mentees' too
        open_tab(at, "Mentees")
        assert not at.exception
        as_text, markdown = as_text + "\n" + shown_as_text(at), [*markdown, *rendered_as_markdown(at)]
    for value in shown:
        assert value in as_text
    assert [s for s in markdown if any(h in s for h in HOSTILE)] == []


def test_a_toast_naming_a_hostile_pair_escapes_it_and_reads_as_typed(app, hostile_store):
    """A toast renders markdown, so the pair's names go into it escaped: the leader reads them as typed."""
    engine, _ = hostile_store
    with db.read_session(engine) as session:
        kou = queries.person_id(session, "mentor", "kou@clinic.example.org")
        mai = queries.person_id(session, "mentee", "mai@umn.example.edu")
    at = signed_in(app("pages/2_Pairings.py"), "leader").run()
    assert at.selectbox(key="pairings-one").value == (kou, mai)  # the one suggestion: both names hostile
    at.button(key="pairings-confirm").click().run()
    assert not at.exception
    (toast,) = (t.value for t in at.toast)
    mentor, mentee = (f"{p['first_name']} {p['last_name']}" for p in (MENTOR, WAITING))
    assert re.sub(r"\\(.)", r"\1", toast) == f"Confirmed: {mentor} & {mentee}."
    assert [s for s in rendered_as_markdown(at) if any(h in s for h in HOSTILE)] == []


def test_the_check_in_page_greets_with_the_names_as_text(app, hostile_store):
    _, token = hostile_store
    at = app("pages/6_Check_in.py")
    at.query_params["token"] = token
    at.run()
    assert [t.value for t in at.text] == [
        f"Hi {MENTOR['first_name']} and {MENTEE['first_name']}! Let the program know when you met."
    ]
    assert [s for s in rendered_as_markdown(at) if any(h in s for h in HOSTILE)] == []


# Search terms that look like SQL or wildcards match only the text they are
def test_search_terms_match_literally(app, engine, accounts):
    add(
        engine,
        make_mentee("pa", first_name="Pa", last_name="Vang", school="Augsburg"),
        make_mentee("ann", first_name="Ann", last_name="Oyelaran", school="Test ' OR 1=1 -- Academy"),
        make_mentee("tou", first_name="Tou", last_name="Xiong", school="100% Online Prep"),
        make_mentee("mai", first_name="Mai", last_name="Lor", email="mai_lor@umn.example.edu"),
        make_mentee("yer", first_name="Yer", last_name="Her", school="Hamline\\St. Paul"),
    )
    at = open_tab(open_page(app), "Mentees")
    for term, found in [
        ("' OR 1=1 --", ["Ann Oyelaran"]),
        ("' or 1=1", ["Ann Oyelaran"]),
        ("%", ["Tou Xiong"]),
        ("_", ["Mai Lor"]),
        ("\\", ["Yer Her"]),
        ("a%g", []),
        ("p_", []),
        (".*", []),
        ("[a-z]", []),
    ]:
        at.text_input(key="mentees-search").set_value(term).run()
        assert not at.exception
        assert table_of(at, "mentees")["name"].tolist() == found, term
        assert [c.value for c in at.caption if c.value.endswith(" mentees")] == [f"{len(found)} of 5 mentees"]


# Text-direction controls: "\u202e" would show "Amina" as "animA" in tables and mail drafts
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
DISPLAY_OUT_OF_ORDER = "contains a text-direction control character, which would make it display out of order"


@pytest.mark.parametrize("control", BIDI, ids=[f"U+{ord(c):04X}" for c in BIDI])
def test_an_import_refuses_text_direction_controls_naming_the_column(engine, control):
    data = to_csv(
        [
            [*MENTEE_HEADER, "goals"],
            ["Amina", "Hassan", "amina@umn.example.edu", "virtual", "medicine"],
            [f"{control}animA", "Warsame", "hodan@umn.example.edu", "virtual", "medicine"],
            ["Pa", "Vang", "pa@umn.example.edu", "phone", f"family {control}medicine"],
        ]
    )
    report = import_file(engine, "mentees", data)
    assert report["invalid"] == [
        {"row": 3, "errors": [f"first_name: {DISPLAY_OUT_OF_ORDER}"]},
        {"row": 4, "errors": [f"goals: {DISPLAY_OUT_OF_ORDER}"]},
    ]
    assert [p["first_name"] for p in people(engine, Mentee)] == ["Amina"]


def test_a_form_refuses_text_direction_controls_naming_the_field(engine, accounts):
    before = store_contents(engine)
    cells = {"first_name": "Pa", "last_name": "\u202eGNAV", "email": "pa@umn.example.edu"}
    with pytest.raises(intake.InvalidRegistration) as refused:
        services.add_registration(
            engine,
            actor=accounts["leader"],
            kind="mentees",
            cells=cells | {"meeting_formats": "virtual"},
            today=date.today(),
        )
    assert refused.value.errors == [f"last_name: {DISPLAY_OUT_OF_ORDER}"]
    assert store_contents(engine)["mentees"] == before["mentees"]

    from .cadence_store import add_pair, days_ago

    pair = add_pair(engine, "hodan", confirmed_on=days_ago(100), met_on=(days_ago(80),))
    token = services.issue_checkin_link(engine, actor=accounts["leader"], match_id=pair, now=utcnow())
    before = store_contents(engine)
    with pytest.raises(Refused) as refused:
        services.submit_checkin(
            engine,
            token=token,
            met_on=days_ago(3),
            format="virtual",
            reach_out=True,
            note="please \u2067call me\u2069",
            today=date.today(),
            now=utcnow(),
        )
    assert str(refused.value) == f"The note {DISPLAY_OUT_OF_ORDER}."
    with pytest.raises(Refused) as refused:
        services.log_meeting(
            engine,
            actor=accounts["leader"],
            match_id=pair,
            met_on=days_ago(2),
            format="phone",
            notes="\u202dtalked",
            today=date.today(),
        )
    assert str(refused.value) == f"The meeting note {DISPLAY_OUT_OF_ORDER}."
    with pytest.raises(UnusableInput) as unusable:
        services.decide(
            engine,
            actor=accounts["leader"],
            match_id=pair,
            decision="end",
            reason="other",
            note="\u202bmoved",
            today=date.today(),
        )
    assert str(unusable.value) == f"The note {DISPLAY_OUT_OF_ORDER}."
    after = store_contents(engine)
    assert {t: after[t] for t in ("meetings", "concerns", "matches")} == {
        t: before[t] for t in ("meetings", "concerns", "matches")
    }
