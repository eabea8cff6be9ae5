"""The Registrations page as each role sees it, through AppTest."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db
from mentorship.models import AuditEvent, Mentee, Mentor

from .conftest import ROOT
from .factories import add, make_match, make_mentee, make_mentor
from .registrations_page import open_page, open_tab, table_of

SAMPLE = ROOT / "data/sample/mentees.csv"


def stored(engine, table, *columns) -> list[tuple]:
    with db.read_session(engine) as session:
        return [tuple(r) for r in session.execute(sa.select(*columns).order_by(table.id))]


def submit(at, label: str):
    return next(b for b in at.button if b.label == label)


@pytest.fixture
def registered(engine, accounts):
    add(
        engine,
        make_mentor(
            "kou", first_name="Kou", email="kou@clinic.example.org", phone="612-555-0101", capacity=2
        ),
        make_mentor(
            "amina", first_name="Amina", last_name="Warsame", attests_values=False, race_ethnicity="Somali"
        ),
        make_mentee("pa", first_name="Pa", email="pa@umn.example.edu", race_ethnicity="Hmong", goals="MCAT"),
    )
    return engine


# Importing: upload → preview → import
def test_upload_preview_and_import(app, engine, accounts):
    at = open_page(app)
    assert [t.label for t in at.tabs] == ["Mentors", "Mentees", "New", "Import and export"]
    open_tab(at, "Import and export")
    at.selectbox(key="import-kind").set_value("mentees").run()
    at.file_uploader[0].set_value(("responses.csv", SAMPLE.read_bytes(), "text/csv")).run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {
        "Rows": "10",
        "New": "8",
        "Updated": "0",
        "Unchanged": "0",
        "Invalid": "2",
    }
    assert [t.value for t in at.text] == ["Registration dates come from the form's submission time."]
    invalid, changes = (d.value for d in at.dataframe if "problem" in d.value or "action" in d.value)
    tou = "Tou Xiong <tou.xiong@metrostate.example.edu>"  # whose row it is, as the leader's file names them
    assert invalid.to_dict("records") == [
        {
            "row": 9,
            "who": "Linh Nguyen <linh.nguyen@umn.example.edu>",
            "column": "email",
            "problem": "the same person is already in row 6",
        },
        {
            "row": 10,
            "who": tou,
            "column": "bipoc_mentor_preference",
            "problem": '"Yes please" is not one of required, preferred, none',
        },
        {"row": 10, "who": tou, "column": "meeting_formats", "problem": "is required"},
    ]
    assert changes["action"].tolist() == ["created"] * 8
    assert changes["who"].iloc[0] == "Hodan Ali <hodan.ali@umn.example.edu>"
    assert stored(engine, Mentee, Mentee.email) == []  # the preview wrote nothing

    submit(at, "Import 8 rows").click().run()
    assert not at.exception
    message = "Imported mentees: 8 created, 0 updated, 0 unchanged, 2 invalid rows not imported."
    assert [s.value for s in at.success] == [message]
    assert [t.value for t in at.toast] == [message]
    assert len(stored(engine, Mentee, Mentee.email)) == 8
    assert at.file_uploader[0].value is None  # a fresh uploader for the next file
    open_tab(at, "Mentees")
    assert [c.value for c in at.caption if c.value.endswith("mentees")] == ["8 mentees"]

    open_tab(at, "Import and export")
    assert at.selectbox(key="import-kind").value == "mentees"  # the tab kept its choice
    at.file_uploader[0].set_value(("responses.csv", SAMPLE.read_bytes(), "text/csv")).run()
    assert {m.label: m.value for m in at.metric}["Unchanged"] == "8"
    assert submit(at, "Import 0 rows").disabled


def test_the_import_says_its_limit_the_order_and_offers_each_template(app, engine, accounts):
    from mentorship import intake

    at = open_tab(open_page(app), "Import and export")
    uploader = at.file_uploader[0]
    assert (
        uploader.proto.max_upload_size_mb == 5
    )  # the widget says "5MB per file", as the import refuses more
    assert uploader.proto.help == "At most 5 MB and 20,000 rows."
    assert any(
        c.value.startswith("Import in this order: mentors, mentees, pairs, meetings") for c in at.caption
    )
    assert [b.label for b in at.get("download_button")][:4] == [
        "Mentors template",
        "Mentees template",
        "Pairs template",
        "Meetings template",
    ]
    for kind in intake.KINDS:  # what each button hands over is the template file itself
        assert intake.template_csv(kind) == (ROOT / f"data/templates/{kind}.csv").read_bytes()


def test_a_file_of_another_kind_can_be_imported_as_that_kind(app, engine, accounts):
    at = open_tab(open_page(app), "Import and export")
    assert at.selectbox(key="import-kind").value == "mentors"
    at.file_uploader[0].set_value(("responses.csv", SAMPLE.read_bytes(), "text/csv")).run()
    assert "(it looks like a mentee file)" in at.error[0].value
    offer = submit(at, "Import it as mentees instead")
    offer.click().run()
    assert not at.exception and len(at.error) == 0
    assert at.selectbox(key="import-kind").value == "mentees"
    assert {m.label: m.value for m in at.metric}["New"] == "8"  # the same upload, now previewed as mentees
    submit(at, "Import 8 rows").click().run()
    assert len(stored(engine, Mentee, Mentee.email)) == 8


def test_an_unusable_upload_gets_one_sentence_and_no_import_button(app, engine, accounts):
    at = open_tab(open_page(app), "Import and export")
    at.file_uploader[0].set_value(("book.csv", b"PK\x03\x04" + bytes(200), "text/csv")).run()
    assert [e.value for e in at.error] == [
        "The file is an Excel workbook, not CSV; in Excel choose File > Save As > CSV UTF-8 and import that."
    ]
    assert not [b for b in at.button if b.label.startswith("Import")]


# Browsing, per role
def test_the_leader_sees_everything_and_the_unattested_mentor_is_marked(app, registered):
    at = open_page(app)
    mentors = table_of(at, "mentors")
    assert mentors[["name", "email", "eligibility", "race_ethnicity"]].to_dict("records") == [
        {
            "name": "Amina Warsame",
            "email": "amina@clinic.example.org",
            "eligibility": "not yet eligible",
            "race_ethnicity": "Somali",
        },
        {
            "name": "Kou Yang",
            "email": "kou@clinic.example.org",
            "eligibility": "eligible",
            "race_ethnicity": "",
        },
    ]
    assert [c.value for c in at.caption if c.value.endswith(("mentors", "mentees"))] == ["2 mentors"]
    open_tab(at, "Mentees")
    assert [c.value for c in at.caption if c.value.endswith(("mentors", "mentee"))] == ["1 mentee"]
    assert table_of(at, "mentees")["name"].tolist() == ["Pa Vang"]
    assert at.tabs[0].dataframe.len == 0  # the closed tab is not drawn at all


def test_the_committee_gets_masked_contacts_no_demographics_and_no_writes(app, registered):
    at = open_page(app, "committee")
    assert [t.label for t in at.tabs] == ["Mentors", "Mentees", "New", "Export"]
    mentors, mentees = table_of(at, "mentors"), table_of(at, "mentees")
    assert mentors[["name", "email", "phone"]].to_dict("records") == [
        {"name": "Amina Warsame", "email": "a***@clinic.example.org", "phone": ""},
        {"name": "Kou Yang", "email": "k***@clinic.example.org", "phone": "***-***-0101"},
    ]
    for hidden in (
        "race_ethnicity",
        "gender",
        "pronouns",
        "identifies_bipoc",
        "goals",
        "bipoc_mentor_preference",
    ):
        assert hidden not in mentors.columns and hidden not in mentees.columns
    assert at.file_uploader.len == 0 and at.form.len == 0
    assert [b.label for b in at.button] == ["Sign out"]
    assert "mentees-preference" not in [w.key for w in at.segmented_control]


def test_search_and_filters(app, registered):
    at = open_page(app)
    at.text_input(key="mentors-search").set_value("warsame").run()
    assert table_of(at, "mentors")["name"].tolist() == ["Amina Warsame"]
    assert [c.value for c in at.caption if c.value.endswith(" mentors")] == ["1 of 2 mentors"]
    at.text_input(key="mentors-search").set_value("").run()
    at.segmented_control(key="mentors-attested").set_value("attested").run()
    assert table_of(at, "mentors")["name"].tolist() == ["Kou Yang"]


# Adding and editing one registration
def test_editing_a_mentor_through_the_import_rules(app, registered):
    at = open_page(app)
    kou = stored(registered, Mentor, Mentor.id, Mentor.email)[0][0]
    at.selectbox(key="mentors-pick").set_value(kou).run()
    at.text_input(key=f"mentors-edit-{kou}-phone").set_value("651-555-0199")
    at.number_input(key=f"mentors-edit-{kou}-capacity").set_value(3)
    submit(at.tabs[0], "Save changes").click().run()
    assert not at.exception
    assert [t.value for t in at.toast] == ["Saved: Phone, Capacity (mentees)."]
    assert stored(registered, Mentor, Mentor.phone, Mentor.capacity)[0] == ("651-555-0199", 3)

    at.text_input(key=f"mentors-edit-{kou}-email").set_value("amina@clinic")
    at.multiselect(key=f"mentors-edit-{kou}-meeting_formats").set_value([])
    submit(at.tabs[0], "Save changes").click().run()
    assert [e.value for e in at.error] == ["The registration was not saved; nothing was changed."]
    errors = next(d.value for d in at.dataframe if "field" in d.value)
    assert errors.to_dict("records") == [
        {
            "field": "email",
            "problem": "not a valid email address: "
            "The part after the @-sign is not valid. It should have a period.",
        },
        {"field": "meeting_formats", "problem": "is required"},
    ]
    assert stored(registered, Mentor, Mentor.email)[0] == ("kou@clinic.example.org",)


def test_adding_a_mentee(app, registered):
    at = open_tab(open_page(app), "Mentees")
    prefix = "mentees-add"
    at.text_input(key=f"{prefix}-first_name").set_value("Hodan")
    at.text_input(key=f"{prefix}-last_name").set_value("Ali")
    at.text_input(key=f"{prefix}-email").set_value(" Hodan.Ali@UMN.example.edu")
    at.multiselect(key=f"{prefix}-meeting_formats").set_value(["virtual", "phone"])
    at.selectbox(key=f"{prefix}-bipoc_mentor_preference").set_value("required")
    at.text_area(key=f"{prefix}-goals").set_value("Build a strong application,\nstep by step.")
    submit(at.tabs[1], "Add registration").click().run()
    assert [t.value for t in at.toast] == ["The mentee is registered."]
    assert stored(
        registered, Mentee, Mentee.email, Mentee.meeting_formats, Mentee.goals, Mentee.registered_on
    )[-1] == (
        "hodan.ali@umn.example.edu",
        "virtual; phone",
        "Build a strong application,\nstep by step.",
        date.today(),
    )
    assert at.text_input(key=f"{prefix}-first_name").value == ""  # ready for the next one

    at.text_input(key=f"{prefix}-first_name").set_value("Pa")
    at.text_input(key=f"{prefix}-last_name").set_value("Vang")
    at.text_input(key=f"{prefix}-email").set_value("pa@umn.example.edu")
    at.multiselect(key=f"{prefix}-meeting_formats").set_value(["phone"])
    submit(at.tabs[1], "Add registration").click().run()
    errors = next(d.value for d in at.dataframe if "field" in d.value)
    assert errors.to_dict("records") == [
        {
            "field": "registration",
            "problem": "A mentee with this email is already registered; edit that registration instead.",
        }
    ]


def test_setting_a_status_and_refusing_to_withdraw_someone_paired(app, registered):
    (kou, _), (amina, _) = stored(registered, Mentor, Mentor.id, Mentor.email)
    pa = stored(registered, Mentee, Mentee.id)[0][0]
    add(registered, make_match(kou, pa, confirmed_on=date(2025, 1, 5)))
    at = open_page(app)
    at.selectbox(key="mentors-pick").set_value(amina).run()
    at.segmented_control(key=f"mentors-status-{amina}").set_value("paused")
    next(b for b in at.button if b.key == f"mentors-set-status-{amina}").click().run()
    assert [t.value for t in at.toast] == ["Status set to paused."]

    at.selectbox(key="mentors-pick").set_value(kou).run()
    at.segmented_control(key=f"mentors-status-{kou}").set_value("withdrawn")
    next(b for b in at.button if b.key == f"mentors-set-status-{kou}").click().run()
    assert [t.value for t in at.toast] == [
        "This mentor still has 1 open pair; "
        "end it on the Retention page (End a pair) before withdrawing the registration."
    ]
    assert stored(registered, Mentor, Mentor.status) == [("active",), ("paused",)]
    with db.read_session(registered) as session:
        events = session.execute(sa.select(AuditEvent.action, AuditEvent.outcome, AuditEvent.summary)).all()
    assert [tuple(e) for e in events if e[0] == "mentor.status"] == [
        ("mentor.status", "done", "status active -> paused"),
        (
            "mentor.status",
            "refused",
            "This mentor still has 1 open pair; "
            "end it on the Retention page (End a pair) before withdrawing the registration.",
        ),
    ]


def test_switching_tabs_keeps_the_search_and_a_form_sent_back_with_errors(app, registered):
    at = open_page(app)
    at.text_input(key="mentors-search").set_value("warsame").run()
    at.text_input(key="mentors-add-first_name").set_value("Rosa")
    submit(at.tabs[0], "Add registration").click().run()
    assert [e.value for e in at.error] == ["The registration was not saved; nothing was changed."]
    open_tab(at, "Mentees")
    assert at.tabs[0].dataframe.len == 0
    open_tab(at, "Mentors")
    assert at.text_input(key="mentors-search").value == "warsame"
    assert table_of(at, "mentors")["name"].tolist() == ["Amina Warsame"]
    assert at.text_input(key="mentors-add-first_name").value == "Rosa"
