"""Pages keep what they read per version of the store: cheap reruns, never stale, never shared by roles."""

import pytest
import sqlalchemy as sa

from mentorship import auth, db, queries, services
from mentorship.errors import Refused
from mentorship.models import Match

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD, TODAY, add_accounts, load_demo, signed_in
from .factories import add_a_mentor
from .registrations_page import open_page, table_of


def mentors_shown(at) -> str:
    return next(m.value for m in at.metric if m.label == "Mentors registered")


def count_overview_reads(monkeypatch) -> list:
    """Every read of the Overview's data from now on, one entry each."""
    reads = []
    real = queries.overview

    def counted(session, today, role):
        reads.append(today)
        return real(session, today, role)

    monkeypatch.setattr(queries, "overview", counted)
    return reads


def test_a_change_made_elsewhere_shows_on_the_next_rerun(app, engine, accounts):
    """Another app instance or the CLI writes: the store's version moves, so the next rerun reads again."""
    load_demo(engine)
    at = signed_in(app("app.py")).run()
    assert mentors_shown(at) == "60"
    add_a_mentor(engine, accounts["leader"], TODAY)
    at.run()
    assert not at.exception
    assert mentors_shown(at) == "61"


def test_a_rerun_with_nothing_changed_reads_nothing_again(app, engine, accounts, monkeypatch):
    load_demo(engine)
    reads = count_overview_reads(monkeypatch)
    at = signed_in(app("app.py")).run()
    at.run()
    at.run()
    assert mentors_shown(at) == "60"
    assert len(reads) == 1


def test_the_leader_and_the_committee_never_share_a_kept_answer(app, engine, accounts):
    load_demo(engine)
    leader = open_page(app, "leader")
    committee = open_page(app, "committee")
    leader_emails = table_of(leader, "mentees")["email"]
    committee_emails = table_of(committee, "mentees")["email"]
    assert not leader_emails.str.contains(r"\*\*\*").any()
    assert committee_emails.str.contains(r"\*\*\*").all()
    assert "race_ethnicity" in table_of(leader, "mentees")
    assert "race_ethnicity" not in table_of(committee, "mentees")
    leader.run()  # and the leader's rerun, after the committee's read, is still the leader's answer
    assert table_of(leader, "mentees")["email"].tolist() == leader_emails.tolist()


def kpi(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_sign_ins_exports_and_refusals_leave_kept_reads_in_place_and_a_confirmation_moves_them(
    app, engine, accounts, monkeypatch
):
    load_demo(engine)
    reads = count_overview_reads(monkeypatch)
    at = signed_in(app("app.py"), "committee").run()
    active = int(kpi(at, "Active pairs"))

    _, token = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)
    with pytest.raises(Refused):
        auth.sign_in(engine, email=COMMITTEE_EMAIL, password="not the password at all")
    services.export_registrations(engine, actor=accounts["committee"], kind="mentees")
    with db.read_session(engine) as session:
        pair = queries.pairing_suggestions(session, TODAY).pairs[0]
    with pytest.raises(Refused):  # a refusal is audited, and changes nothing a page shows
        services.confirm_pair(engine, actor=accounts["committee"], today=TODAY, **pair_ids(pair))
    auth.end_session(engine, token)
    at.run()
    assert not at.exception
    assert len(reads) == 1
    assert kpi(at, "Active pairs") == str(active)

    services.confirm_pair(engine, actor=accounts["leader"], today=TODAY, **pair_ids(pair))
    at.run()
    assert len(reads) == 2
    assert kpi(at, "Active pairs") == str(active + 1)


def test_a_meeting_logged_leaves_the_registrations_read_in_place_and_a_new_mentor_moves_it(
    app, engine, accounts, monkeypatch
):
    """A kept read is kept at the versions of the tables it read: the registrations read no meetings."""
    load_demo(engine)
    reads = []
    real = queries.registration_view

    def counted(session, kind, today, role):
        reads.append(kind)
        return real(session, kind, today, role)

    monkeypatch.setattr(queries, "registration_view", counted)
    at = open_page(app, "committee")
    assert len(table_of(at, "mentors")) == 60
    with db.read_session(engine) as session:
        match_id = session.execute(sa.select(Match.id).where(Match.status == "active")).scalars().first()
    services.log_meeting(
        engine, actor=accounts["leader"], match_id=match_id, met_on=TODAY, format="phone", today=TODAY
    )
    at.run()
    assert not at.exception
    assert reads == ["mentors"]
    assert len(table_of(at, "mentors")) == 60

    add_a_mentor(engine, accounts["leader"], TODAY)
    at.run()
    assert reads == ["mentors", "mentors"]
    assert len(table_of(at, "mentors")) == 61


def test_a_read_of_a_table_without_a_version_moves_with_every_change():
    """What the SQL names is what the answer depends on; a table whose changes no version follows (the
    sign-in sessions) makes it depend on every version, as before."""
    version = "matches:7|meetings:40|mentees:9|mentors:5|settings:1"
    reads = ['SELECT mentors.id, (SELECT count(matches.id) FROM matches) FROM "mentors"']
    assert queries.versions_read(version, reads) == (("matches", "7"), ("mentors", "5"))
    assert queries.still_at("matches:7|meetings:41|mentees:9|mentors:5|settings:1", (("matches", "7"),))
    assert not queries.still_at("matches:8|meetings:40|mentees:9|mentors:5|settings:1", (("matches", "7"),))
    everything = queries.versions_read(version, ["SELECT * FROM login_sessions JOIN users"])
    assert dict(everything) == {
        "matches": "7",
        "meetings": "40",
        "mentees": "9",
        "mentors": "5",
        "settings": "1",
    }


def pair_ids(pair) -> dict[str, int]:
    return {"mentor_id": int(pair.mentor_id), "mentee_id": int(pair.mentee_id)}


def test_the_store_version_moves_with_what_pages_show_from_any_connection_and_only_when_committed(
    each_store,
):
    """On SQLite and PostgreSQL: the triggers move it for a write from any client, at its commit."""
    accounts = add_accounts(each_store)
    load_demo(each_store, mentors=4, mentees=4)

    def version() -> str:
        with db.read_session(each_store) as session:
            return queries.store_version(session)

    def pairing() -> str:
        with db.read_session(each_store) as session:
            return queries.pairing_version(session)

    before, before_pairing = version(), pairing()
    auth.sign_in(each_store, email=LEADER_EMAIL, password=PASSWORD)
    with pytest.raises(Refused):
        auth.sign_in(each_store, email=LEADER_EMAIL, password="wrong password, twelve+")
    assert version() == before

    with each_store.connect() as other:  # another client's plain SQL, not yet committed
        other.execute(sa.text("UPDATE mentees SET school = 'Augsburg University' WHERE id = 1"))
        assert version() == before
        other.commit()
    after_edit, pairing_after_edit = version(), pairing()
    assert after_edit != before
    assert pairing_after_edit != before_pairing

    with db.write_session(each_store) as session:
        match_id = session.execute(sa.select(Match.id).where(Match.status == "active")).scalars().first()
    services.log_meeting(
        each_store,
        actor=accounts["leader"],
        match_id=match_id,
        met_on=TODAY,
        format="virtual",
        duration_minutes=30,
        notes="",
        today=TODAY,
    )
    assert version() != after_edit
    assert pairing() == pairing_after_edit  # a meeting moves the store's version, not the suggestions'
