"""Privacy and stewardship: masking, formula-safe exports, backup, erasure, the Admin page."""

import sqlite3
import threading
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from mentorship import db, privacy, services
from mentorship.errors import PermissionDenied
from mentorship.models import AuditEvent, Match, Meeting, Mentee

from .conftest import COMMITTEE_EMAIL, TODAY, load_demo, signed_in
from .factories import make_match, make_mentee, make_mentor


def test_masks():
    assert privacy.mask_email("jane.doe@umn.edu") == "j***@umn.edu"
    assert privacy.mask_phone("612-555-1234") == "***-***-1234"
    assert privacy.mask_phone("(651) 555 0199 ") == "***-***-0199"
    assert privacy.mask_email("") == "" and privacy.mask_phone("") == ""


def test_committee_frames_are_masked_and_cut_on_the_server():
    frame = pd.DataFrame(
        [
            {
                "first_name": "Hodan",
                "email": "hodan@umn.edu",
                "mentor_email": "dr@x.org",
                "phone": "612-555-1234",
                "race_ethnicity": "Somali",
                "gender": "woman",
                "goals": "MCAT",
                "bipoc_mentor_preference": "required",
                "school": "Augsburg",
            }
        ]
    )
    assert privacy.viewer_frame(frame, "committee").to_dict("records") == [
        {
            "first_name": "Hodan",
            "email": "h***@umn.edu",
            "mentor_email": "d***@x.org",
            "phone": "***-***-1234",
            "school": "Augsburg",
        }
    ]
    assert privacy.viewer_frame(frame, "leader").equals(frame)


def test_backup_of_a_store_being_written_is_sound(engine, tmp_path, accounts):
    load_demo(engine)
    stop = threading.Event()

    def keep_writing() -> None:
        n = 0
        while not stop.is_set():
            with db.write_session(engine) as session:
                session.add(make_mentee(f"writer{n}"))
            n += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        sizes = [
            services.backup(engine, actor=accounts["leader"], target=tmp_path / f"b{i}.db") for i in range(3)
        ]
    finally:
        stop.set()
        writer.join()
    for i, size in enumerate(sizes):
        copy = sqlite3.connect(tmp_path / f"b{i}.db")
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT COUNT(*) FROM mentors").fetchone() == (60,)
        copy.close()
        assert size > 100_000


def test_backup_is_for_the_leader(engine, tmp_path, accounts):
    with pytest.raises(PermissionDenied):
        services.backup(engine, actor=accounts["committee"], target=tmp_path / "b.db")
    assert not (tmp_path / "b.db").exists()


def test_erase_leaves_no_trace_of_the_person_but_keeps_the_statistics(engine, store_url, accounts):
    with db.write_session(engine) as session:
        mentor = make_mentor("dr", capacity=2)
        person = make_mentee(
            "zz",
            first_name="Quetzalli",
            last_name="Xochimilco-Tlaloc",
            email="quetzalli.x@augsburg.example.edu",
            phone="612-555-0987",
            goals="Ask Quetzalli about MCAT",
            bipoc_mentor_preference="required",
        )
        session.add_all([mentor, person])
        session.flush()
        match = make_match(mentor.id, person.id)
        session.add(match)
        session.flush()
        session.add(Meeting(match_id=match.id, met_on=date(2026, 2, 1), notes="Quetzalli met by phone"))
    assert services.erase_person(
        engine, actor=accounts["leader"], email="Quetzalli.X@augsburg.example.edu", today=TODAY
    ) == ["mentee"]
    path = sa.make_url(store_url).database
    stored = b"".join(open(f, "rb").read() for f in (path, path + "-wal") if _exists(f))
    for trace in (b"Quetzalli", b"Xochimilco", b"quetzalli.x@", b"555-0987", b"0987"):
        assert trace not in stored
    with db.read_session(engine) as session:
        erased = session.execute(sa.select(Mentee)).scalar_one()
        assert (erased.first_name, erased.bipoc_mentor_preference, erased.status) == (
            "Erased",
            "required",
            "withdrawn",
        )
        assert session.execute(sa.select(Match.status, Match.end_reason)).one() == ("ended", "other")
        assert session.execute(sa.select(sa.func.count(Meeting.id))).scalar() == 1
        summary = session.execute(
            sa.select(AuditEvent.summary).where(AuditEvent.action == "person.erase")
        ).scalar_one()
    assert summary == (
        "personal data erased; 1 pair(s) kept anonymised; 0 milestone(s) and 0 yearly update(s) removed"
    )


def _exists(path: str) -> bool:
    import os

    return os.path.exists(path)


def test_admin_page_adds_an_account_and_filters_the_audit_log(app, engine, accounts):
    at = signed_in(app("pages/5_Admin.py")).run()
    assert not at.exception
    assert at.dataframe[0].value["email"].tolist() == [COMMITTEE_EMAIL, "leader@program.example.org"]
    at.text_input(key="new-email").input("Nia.Brooks@umn.edu")
    at.text_input(key="new-password").input("a long enough password")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert [t.value for t in at.toast] == ["Account ready: nia.brooks@umn.edu (committee)."]
    assert "nia.brooks@umn.edu" in at.dataframe[0].value["email"].tolist()
    events = at.dataframe[1].value
    assert events.iloc[0][["actor", "action", "outcome", "summary"]].tolist() == [
        "leader@program.example.org",
        "user.add",
        "done",
        "account with role committee",
    ]
    at.multiselect(key="audit-actions").select("user.add").run()
    assert len(at.dataframe[1].value) == 1
    at.selectbox(key="audit-outcome").select("refused").run()
    assert len(at.dataframe[1].value) == 0
    assert at.caption[0].value.startswith("0 events")


def test_someone_who_is_both_mentor_and_mentee_is_erased_in_both(engine, accounts):
    with db.write_session(engine) as session:
        session.add_all(
            [make_mentor("both", phone="612-555-4444"), make_mentee("both", phone="612-555-4444")]
        )
    assert services.erase_person(
        engine, actor=accounts["leader"], email="both@clinic.example.org", today=TODAY
    ) == ["mentor"]
    assert services.erase_person(
        engine, actor=accounts["leader"], email="both@school.example.edu", today=TODAY
    ) == ["mentee"]
    with db.write_session(engine) as session:
        session.add_all(
            [make_mentor("twice", email="twice@umn.edu"), make_mentee("twice", email="twice@umn.edu")]
        )
    assert services.erase_person(engine, actor=accounts["leader"], email="twice@umn.edu", today=TODAY) == [
        "mentor",
        "mentee",
    ]
    with db.read_session(engine) as session:
        phones = session.execute(sa.select(Mentee.phone)).scalars().all()
    assert phones == ["", ""]


def test_a_backup_that_cannot_be_written_is_one_sentence(engine, accounts, tmp_path):
    from mentorship.errors import UnusableInput

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    with pytest.raises(UnusableInput, match="^The backup cannot be written to .*; choose a folder you can"):
        services.backup(engine, actor=accounts["leader"], target=blocked / "copy.db")


def test_a_generated_password_is_shown_once(app, engine, accounts):
    at = signed_in(app("pages/5_Admin.py")).run()
    at.text_input(key="new-email").input("tou.vang@umn.edu")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert at.info[0].value == "The generated password, shown this once; pass it on privately:"
    accounts_tab = at.tabs[0]  # (the Registration tab shows the forms' addresses as code too)
    password = accounts_tab.code[0].value
    assert len(password) >= 20
    at.run()
    assert len(at.tabs[0].code) == 0 and not any("generated password" in i.value for i in at.info)
