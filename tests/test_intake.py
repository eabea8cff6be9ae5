"""Reading a registration file as it really arrives, and the rules every row is checked against."""

from __future__ import annotations

from datetime import date

import pytest

from mentorship import intake
from mentorship.errors import UnusableInput

from .conftest import TODAY
from .factories import MENTEE_HEADER, NAMES, to_csv


def rows_of(sheet: intake.Sheet) -> list[tuple[int, dict[str, str]]]:
    return sheet.rows


def parsed(kind: str, **cells: str) -> tuple[dict, list[str]]:
    return intake.parse_row(kind, cells, today=TODAY)


# Encodings


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (to_csv(NAMES), "UTF-8"),
        (b"\xef\xbb\xbf" + to_csv(NAMES), "UTF-8"),
        (to_csv(NAMES, encoding="utf-16"), "UTF-16"),  # Python writes the BOM, little-endian here
        (b"\xfe\xff" + to_csv(NAMES, encoding="utf-16-be"), "UTF-16"),
        (to_csv(NAMES, encoding="utf-16", delimiter="\t"), "UTF-16"),  # Excel's "Unicode Text"
        (to_csv(NAMES, encoding="cp1252"), "Windows-1252"),  # Excel's "CSV"
    ],
    ids=["utf8", "utf8-bom", "utf16le-bom", "utf16be-bom", "utf16-tabs", "windows-1252"],
)
def test_each_encoding_reads_names_without_mojibake(data, encoding):
    sheet = intake.read(data, "mentees")
    assert sheet.encoding == encoding
    assert sheet.rows == [
        (
            2,
            {
                "first_name": "José",
                "last_name": "Núñez",
                "email": "jose.nunez@umn.example.edu",
                "meeting_formats": "virtual",
            },
        )
    ]


def test_windows_1252_punctuation_survives():
    data = to_csv(
        [[*MENTEE_HEADER, "goals"], ["Zoë", "O’Brien", "z@umn.example.edu", "phone", "MCAT – “soon”"]],
        encoding="cp1252",
    )
    ((_, cells),) = intake.read(data, "mentees").rows
    assert (cells["last_name"], cells["goals"]) == ("O’Brien", "MCAT – “soon”")


def test_a_mentors_file_lacks_what_mentors_need():
    with pytest.raises(UnusableInput) as refused:
        intake.read(to_csv(NAMES), "mentors")
    assert str(refused.value) == (
        "The file has no capacity or attests_values column, which mentors imports need "
        "(it looks like a mentee file); the columns are listed in data/templates/mentors.csv."
    )


# Layouts
def test_google_forms_timestamp_and_question_headers():
    data = to_csv(
        [
            ["Timestamp", "Email Address", "First name", "Last name", "Meeting formats", "Score"],
            ["3/5/2024 14:23:11", "Pa.Vang@UMN.example.edu", "Pa", "Vang", "Virtual, Phone", ""],
        ]
    )
    sheet = intake.read(data, "mentees")
    assert sheet.layout == "Google Forms"
    assert sheet.notices == (
        'Ignored 1 column this import does not use: "Score".',
        "Registration dates come from the form's submission time.",
    )
    values, errors = intake.parse_row("mentees", sheet.rows[0][1], today=TODAY)
    assert errors == []
    assert values == {
        "email": "pa.vang@umn.example.edu",
        "first_name": "Pa",
        "last_name": "Vang",
        "meeting_formats": "virtual; phone",
        "registered_on": date(2024, 3, 5),
    }


def test_a_registered_on_column_wins_over_the_timestamp():
    data = to_csv(
        [
            ["Timestamp", *MENTEE_HEADER, "registered_on"],
            ["3/5/2024 14:23:11", "Pa", "Vang", "pa@umn.example.edu", "virtual", "2023-09-01"],
        ]
    )
    sheet = intake.read(data, "mentees")
    assert sheet.notices == ('Ignored 1 column this import does not use: "Timestamp".',)
    assert intake.parse_row("mentees", sheet.rows[0][1], today=TODAY)[0]["registered_on"] == date(2023, 9, 1)


def test_qualtrics_three_header_rows():
    data = to_csv(
        [
            ["StartDate", "RecordedDate", "ResponseId", "Q1", "Q2", "Q3", "Q4", "capacity", "Q6"],
            [
                "Start Date",
                "Recorded Date",
                "Response ID",
                "First name",
                "Last name",
                "Email",
                "Meeting formats",
                "How many mentees can you take?",
                "Values attestation",
            ],
            [
                '{"ImportId":"startDate","timeZone":"America/Chicago"}',
                '{"ImportId":"recordedDate"}',
                '{"ImportId":"_recordId"}',
                '{"ImportId":"QID1_TEXT"}',
                '{"ImportId":"QID2_TEXT"}',
                '{"ImportId":"QID3_TEXT"}',
                '{"ImportId":"QID4"}',
                '{"ImportId":"QID5"}',
                '{"ImportId":"QID6"}',
            ],
            [
                "2024-08-14 10:20:01",
                "2024-08-14 10:22:31",
                "R_1",
                "Kou",
                "Yang",
                "kou@clinic.example.org",
                "Virtual,Phone",
                "2",
                "Yes",
            ],
            [
                "2024-08-15 09:00:00",
                "2024-08-15 09:03:00",
                "R_2",
                "Amina",
                "Warsame",
                "amina@clinic.example.org",
                "In person",
                "1",
                "No",
            ],
        ]
    )
    sheet = intake.read(data, "mentors")
    assert sheet.layout == "Qualtrics"
    assert sheet.notices == (
        'Ignored 2 columns this import does not use: "StartDate", "ResponseId".',
        "Registration dates come from the form's submission time.",
    )
    assert [number for number, _ in sheet.rows] == [4, 5]  # the rows a spreadsheet shows
    values, errors = intake.parse_row("mentors", sheet.rows[0][1], today=TODAY)
    assert errors == []
    assert values == {
        "first_name": "Kou",
        "last_name": "Yang",
        "email": "kou@clinic.example.org",
        "meeting_formats": "virtual; phone",
        "capacity": 2,
        "attests_values": True,
        "registered_on": date(2024, 8, 14),
    }


@pytest.mark.parametrize(
    "header",
    [
        ["first_name", "last_name", "email", "meeting_formats"],
        [" First Name ", "LAST-NAME", "E-mail", "Meeting_Formats"],
        ["first name", "Last  Name", "Email address", "meeting-formats"],
        ["First name:", "Surname", "What is your email?", "Preferred meeting formats"],
    ],
)
def test_headers_match_ignoring_case_spaces_and_separators(header):
    sheet = intake.read(to_csv([header, ["Pa", "Vang", "pa@umn.example.edu", "phone"]]), "mentees")
    assert sheet.columns == ("first_name", "last_name", "email", "meeting_formats")
    assert sheet.notices == ()


def test_the_exact_column_name_wins_over_a_question_alias():
    data = to_csv(
        [
            ["Email address", *MENTEE_HEADER],
            ["auto@x.example.edu", "Pa", "Vang", "pa@umn.example.edu", "phone"],
        ]
    )
    sheet = intake.read(data, "mentees")
    assert sheet.rows[0][1]["email"] == "pa@umn.example.edu"
    assert sheet.notices == ('Ignored 1 column this import does not use: "Email address".',)


def test_many_extra_columns_are_named_in_one_notice():
    extra = [f"Extra {i}" for i in range(10)]
    sheet = intake.read(
        to_csv([[*MENTEE_HEADER, *extra], ["Pa", "Vang", "pa@umn.example.edu", "phone"]]), "mentees"
    )
    assert sheet.notices == (
        'Ignored 10 columns this import does not use: "Extra 0", "Extra 1", "Extra 2", "Extra 3", "Extra 4", '
        '"Extra 5", "Extra 6", "Extra 7" and 2 more.',
    )


def test_quoted_cells_with_commas_and_a_multi_line_goals_cell():
    data = (
        b"first_name,last_name,email,meeting_formats,goals\r\n"
        b'Hodan,Ali,hodan@umn.example.edu,"virtual, phone","Build a strong application, step by step.\r\n'
        b'Talk with a physician who shares my background: ""first in my family""."\r\n'
        b"Linh,Nguyen,linh@umn.example.edu,phone,\r\n"
    )
    sheet = intake.read(data, "mentees")
    assert [number for number, _ in sheet.rows] == [2, 3]
    values, errors = intake.parse_row("mentees", sheet.rows[0][1], today=TODAY)
    assert errors == []
    assert values["goals"] == (
        "Build a strong application, step by step.\n"
        'Talk with a physician who shares my background: "first in my family".'
    )
    assert values["meeting_formats"] == "virtual; phone"


def test_blank_rows_are_skipped_and_row_numbers_stay_those_of_the_spreadsheet():
    data = to_csv(
        [MENTEE_HEADER, ["Pa", "Vang", "pa@umn.example.edu", "phone"], ["", "", "", ""], ["Kou", "", "", ""]]
    )
    sheet = intake.read(data, "mentees")
    assert [number for number, _ in sheet.rows] == [2, 4]


def test_everything_is_read_as_text():
    data = to_csv(
        [
            [*MENTEE_HEADER, "phone", "school", "class_year"],
            ["Pa", "Vang", "pa@umn.example.edu", "phone", "0123 555 0101", "NA", "2027"],
        ]
    )
    values, errors = intake.parse_row("mentees", intake.read(data, "mentees").rows[0][1], today=TODAY)
    assert errors == []
    assert (values["phone"], values["school"], values["class_year"]) == ("0123 555 0101", "NA", "2027")


# Values
@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("yes", True),
        ("Y", True),
        ("TRUE", True),
        ("1", True),
        ("No", False),
        ("n", False),
        ("false", False),
        ("0", False),
    ],
)
def test_yes_no_variants(cell, value):
    assert parsed("mentees", first_generation=cell) == ({"first_generation": value}, [])


def test_yes_no_rejects_anything_else():
    assert parsed("mentees", first_generation="maybe") == ({}, ['first_generation: "maybe" is not yes or no'])


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("Yes", "yes"),
        ("n", "no"),
        ("Prefer not to say", "undisclosed"),
        ("prefer  not to say", "undisclosed"),
        ("", "undisclosed"),
    ],
)
def test_identifies_bipoc_also_takes_prefer_not_to_say(cell, value):
    assert parsed("mentees", identifies_bipoc=cell) == ({"identifies_bipoc": value}, [])


@pytest.mark.parametrize(
    ("cell", "value"), [("Required", "required"), ("preferred", "preferred"), ("NONE", "none"), ("", "none")]
)
def test_bipoc_mentor_preference(cell, value):
    assert parsed("mentees", bipoc_mentor_preference=cell) == ({"bipoc_mentor_preference": value}, [])


def test_bipoc_mentor_preference_rejects_other_answers():
    assert parsed("mentees", bipoc_mentor_preference="Yes please")[1] == [
        'bipoc_mentor_preference: "Yes please" is not one of required, preferred, none'
    ]


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("virtual", "virtual"),
        ("Virtual, Phone", "virtual; phone"),
        ("In person;virtual", "in person; virtual"),
        ("In-Person,Phone", "in person; phone"),
        ("phone; Phone", "phone"),
    ],
)
def test_meeting_formats(cell, value):
    assert parsed("mentees", meeting_formats=cell) == ({"meeting_formats": value}, [])


def test_meeting_formats_name_the_wrong_choices():
    assert parsed("mentees", meeting_formats="Zoom; phone; Teams")[1] == [
        "meeting_formats: 'Zoom', 'Teams' are not one of virtual, phone, in person"
    ]


def test_advising_areas():
    assert parsed("mentors", advising_areas="Application, Interviews,Career") == (
        {"advising_areas": "application; interviews; career"},
        [],
    )
    assert parsed("mentors", advising_areas="research")[1] == [
        "advising_areas: 'research' is not one of application, interviews, career"
    ]


@pytest.mark.parametrize("cell", ["1", "5"])
def test_capacity_from_1_to_5(cell):
    assert parsed("mentors", capacity=cell) == ({"capacity": int(cell)}, [])


@pytest.mark.parametrize("cell", ["0", "6", "two", "2.5", "-1"])
def test_capacity_outside_1_to_5(cell):
    assert parsed("mentors", capacity=cell)[1] == [f'capacity: "{cell}" is not a whole number from 1 to 5']


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("3/5/2024", date(2024, 3, 5)),
        ("03/05/2024", date(2024, 3, 5)),
        ("3/5/2024 14:23:11", date(2024, 3, 5)),
        ("3/5/2024 2:23 PM", date(2024, 3, 5)),
        ("2024-03-05 14:23:11", date(2024, 3, 5)),
        ("2024-03-05T14:23:11Z", date(2024, 3, 5)),
    ],
)
def test_dates_iso_and_us(cell, value):
    assert parsed("mentees", registered_on=cell) == ({"registered_on": value}, [])


@pytest.mark.parametrize(
    ("cell", "error"),
    [
        ("5 March 2024", 'registered_on: "5 March 2024" is not a date (write 2024-03-05 or 3/5/2024)'),
        ("3/5/24", 'registered_on: "3/5/24" is not a date (write 2024-03-05 or 3/5/2024)'),
        ("13/5/2024", 'registered_on: "13/5/2024" is not a real date'),
        ("2023-02-29", 'registered_on: "2023-02-29" is not a real date'),
        ("2026-11-26", "registered_on: 2026-11-26 is in the future"),
    ],
)
def test_dates_that_are_not(cell, error):
    assert parsed("mentees", registered_on=cell)[1] == [error]


def test_multi_choice_cells_split_on_semicolons_or_comma_space():
    assert parsed(
        "mentees", languages="English, Hmong;Spanish", specialty_interests="Family Medicine; Pediatrics"
    ) == (
        {"languages": "English; Hmong; Spanish", "specialty_interests": "Family Medicine; Pediatrics"},
        [],
    )


def test_emails_are_validated_and_normalised():
    assert parsed("mentees", email="  Pa.Vang@UMN.Example.EDU ") == ({"email": "pa.vang@umn.example.edu"}, [])
    assert parsed("mentees", email="pa.vang@umn")[1] == [
        "email: not a valid email address: The part after the @-sign is not valid. It should have a period."
    ]
    assert parsed("mentees", email="pa vang@umn.example.edu")[1] == [
        "email: not a valid email address: "
        "The email address contains invalid characters before the @-sign: SPACE."
    ]


def test_every_error_of_a_row_is_collected():
    values, errors = parsed(
        "mentors",
        first_name="",
        last_name="Yang",
        email="kou@",
        meeting_formats="",
        capacity="9",
        attests_values="",
        registered_on="2030-01-01",
    )
    assert errors == [
        "first_name: is required",
        "email: not a valid email address: There must be something after the @-sign.",
        "meeting_formats: is required",
        'capacity: "9" is not a whole number from 1 to 5',
        "attests_values: is required",
        "registered_on: 2030-01-01 is in the future",
    ]


def test_text_longer_than_the_store_keeps_is_an_error():
    assert parsed("mentees", school="x" * 201)[1] == ["school: is longer than 200 characters"]


def test_a_name_has_at_most_sixty_characters():
    assert parsed("mentees", first_name="x" * 60)[1] == []
    assert parsed("mentees", last_name="x" * 61)[1] == ["last_name: is longer than 60 characters"]


PHISHING = "there,\n\nYOUR SCHOLARSHIP IS APPROVED. Claim it at http://claim-now.example.com/abc"


@pytest.mark.parametrize(
    ("column", "cell", "error"),
    [
        (
            "first_name",
            PHISHING,
            "first_name: must be one line, without line breaks, tabs or other control characters",
        ),
        (
            "first_name",
            "there. YOUR SCHOLARSHIP IS APPROVED http://x.example",
            "first_name: must not contain a web or email address",
        ),
        (
            "last_name",
            "Claim at www.scholarship.example",
            "last_name: must not contain a web or email address",
        ),
        ("last_name", "claim-now.com/abc", "last_name: must not contain a web or email address"),
        ("school", "claim-now.com", "school: must not contain a web or email address"),
        (
            "school",
            "State\tUniversity",
            "school: must be one line, without line breaks, tabs or other control characters",
        ),
        (
            "major",
            "Biology\u2028Claim it now",
            "major: must be one line, without line breaks, tabs or other control characters",
        ),
        (
            "pronouns",
            "write to claims@scholarship.example",
            "pronouns: must not contain a web or email address",
        ),
        ("phone", "555 0100 bit.ly/win", "phone: must not contain a web or email address"),
        ("languages", "English; evil.top", "languages: must not contain a web or email address"),
    ],
)
def test_one_line_answers_refuse_line_breaks_and_web_addresses_naming_the_column(column, cell, error):
    assert parsed("mentees", **{column: cell})[1] == [error]


@pytest.mark.parametrize(
    ("column", "cell"),
    [
        ("first_name", "Ana-María"),
        ("last_name", "St. John"),
        ("last_name", "King Jr."),
        ("last_name", "O'Neil-Nguyễn"),
        ("school", "Univ. of Michigan"),
        ("school", "St.Olaf College"),
        ("organization", "Mayo Clinic"),
        ("pronouns", "she/her"),
        ("phone", "+1 (612) 555-0101 ext. 2"),
        ("major", "Pre-med, B.S."),
    ],
)
def test_real_names_and_organisations_with_dots_are_not_web_addresses(column, cell):
    kind = "mentors" if column == "organization" else "mentees"
    values, errors = parsed(kind, **{column: cell})
    assert (errors, values[column]) == ([], cell)


def test_free_text_keeps_its_line_breaks_and_a_race_answer_its_identities_on_one_line():
    values, errors = parsed(
        "mentees", goals="Medical school.\nThen pediatrics.", race_ethnicity="Black\nKenyan"
    )
    assert errors == []
    assert (values["goals"], values["race_ethnicity"]) == (
        "Medical school.\nThen pediatrics.",
        "Black; Kenyan",
    )


def test_a_formula_neutralised_by_an_export_reads_back_as_written():
    assert parsed("mentees", phone="'+1 612 555 0101", goals="'=not a formula")[0] == {
        "phone": "+1 612 555 0101",
        "goals": "=not a formula",
    }


REASONS = (
    "schedules, moved, mismatch, matriculated, left_premed, unresponsive, completed_year, other "
    "(other with a note: 'other: ...')"
)


@pytest.mark.parametrize(
    ("outcome", "ended_on", "end_reason", "error"),
    [
        ("completed", "", "", "ended_on: is required when the outcome is completed"),
        ("active", "2023-06-01", "", "ended_on: must be empty while the pair is active"),
        ("continued", "", "moved", "end_reason: must be empty while the pair is continued"),
        ("ended", "2022-12-31", "", "ended_on: 2022-12-31 is before confirmed_on"),
        ("paused", "", "", 'outcome: "paused" is not one of active, continued, completed, ended'),
        ("ended", "2023-03-01", "bored", f"end_reason: the reason must be one of {REASONS}"),
        ("ended", "2023-03-01", "moved: to Duluth", "end_reason: only the reason 'other' takes a note"),
        ("ended", "2023-03-01", "other: " + "x" * 501, "end_reason: the note is longer than 500 characters"),
    ],
)
def test_pair_history_rules(outcome, ended_on, end_reason, error):
    cells = {
        "mentor_email": "kou@clinic.example.org",
        "mentee_email": "pa@umn.example.edu",
        "confirmed_on": "2023-01-05",
        "outcome": outcome,
        "ended_on": ended_on,
        "end_reason": end_reason,
    }
    assert intake.parse_row("pairs", cells, today=TODAY)[1] == [error]


def test_a_pair_can_be_imported_as_continued_from_30_days_before_its_one_year_mark():
    cells = {
        "mentor_email": "k@c.example.org",
        "mentee_email": "p@u.example.edu",
        "confirmed_on": "2023-01-05",
        "outcome": "continued",
    }
    assert intake.parse_row("pairs", cells, today=date(2023, 12, 5))[1] == [
        "outcome: a pair can continue from 2023-12-06, 30 days before its one-year mark"
    ]
    assert intake.parse_row("pairs", cells, today=date(2023, 12, 6))[1] == []


def test_a_completed_pair_without_a_reason_completed_its_year():
    cells = {
        "mentor_email": "k@c.example.org",
        "mentee_email": "p@u.example.edu",
        "outcome": "Completed",
        "confirmed_on": "1/5/2023",
        "ended_on": "1/20/2024",
        "end_reason": "",
    }
    values, errors = intake.parse_row("pairs", cells, today=TODAY)
    assert errors == []
    assert (values["outcome"], values["end_reason"]) == ("completed", "completed_year")
    ended = {**cells, "outcome": "ended", "end_reason": "Left premed"}
    assert intake.parse_row("pairs", ended, today=TODAY)[0]["end_reason"] == "left_premed"


@pytest.mark.parametrize(
    ("cell", "reason", "note"),
    [
        ("other: moved abroad", "other", "moved abroad"),
        ("Other:  family illness ", "other", "family illness"),
        ("other", "other", ""),  # a record kept without its note
        ("Mentee matriculated", "matriculated", ""),
        ("Left the pre-med path", "left_premed", ""),
        ("left-premed", "left_premed", ""),
        ("Completed the year", "completed_year", ""),
        ("completed year", "completed_year", ""),
        ("", None, ""),
    ],
)
def test_end_reasons_are_read_as_decide_reads_them(cell, reason, note):
    """Names, labels, and other with its note (`retention.parse_end_reason`); an ended pair keeps its note."""
    cells = {
        "mentor_email": "k@c.example.org",
        "mentee_email": "p@u.example.edu",
        "confirmed_on": "2023-01-05",
        "outcome": "ended",
        "ended_on": "2023-06-01",
        "end_reason": cell,
    }
    values, errors = intake.parse_row("pairs", cells, today=TODAY)
    assert (errors, values["end_reason"], values["end_note"]) == ([], reason, note)


def test_meeting_values():
    cells = {"mentor_email": "k@c.example.org", "mentee_email": "p@u.example.edu", "met_on": "2024-03-05"}
    assert intake.parse_row(
        "meetings", {**cells, "format": "In person", "duration_minutes": "45"}, today=TODAY
    ) == (
        {
            "mentor_email": "k@c.example.org",
            "mentee_email": "p@u.example.edu",
            "met_on": date(2024, 3, 5),
            "format": "in person",
            "duration_minutes": 45,
            "notes": "",
        },
        [],
    )
    assert intake.parse_row("meetings", {**cells, "duration_minutes": "0"}, today=TODAY)[1] == [
        'duration_minutes: "0" is not a number of minutes from 1 to 600'
    ]
