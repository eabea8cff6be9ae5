"""Pages keep what they read per version of the store: cheap reruns, never stale, never shared by roles."""

from mentorship import queries, services

from .conftest import TODAY, load_demo, signed_in
from .registrations_page import open_page, table_of


def mentors_shown(at) -> str:
    return next(m.value for m in at.metric if m.label == "Mentors registered")


def test_a_change_made_elsewhere_shows_on_the_next_rerun(app, engine, accounts):
    """Another app instance or the CLI writes: this page has no after_write to clear its cache."""
    load_demo(engine)
    at = signed_in(app("app.py")).run()
    assert mentors_shown(at) == "60"
    services.add_registration(
        engine,
        actor=accounts["leader"],
        kind="mentors",
        cells={
            "first_name": "Rosa",
            "last_name": "Lopez",
            "email": "rosa@clinic.example.org",
            "meeting_formats": "virtual",
            "capacity": "1",
            "attests_values": "yes",
        },
        today=TODAY,
    )
    at.run()
    assert not at.exception
    assert mentors_shown(at) == "61"


def test_a_rerun_with_nothing_changed_reads_nothing_again(app, engine, accounts, monkeypatch):
    load_demo(engine)
    reads = []
    real = queries.overview

    def counted(session, today):
        reads.append(today)
        return real(session, today)

    monkeypatch.setattr(queries, "overview", counted)
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
