"""Registration through the program's own forms: pending submissions, the leader's review, the personal link,
the versioned values statement, expiry, the limits, and the one rule set shared with the import."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mentorship import db, intake, matching, queries, registrations, services, signup
from mentorship.auth import Actor
from mentorship.errors import Refused
from mentorship.models import (
    AuditEvent,
    Match,
    Mentee,
    Mentor,
    OutboxMessage,
    RefusalTally,
    Role,
    Signup,
    SignupStatus,
    ValuesStatement,
)
from mentorship.outbox import linking

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
LEADER = Actor.operator()

MENTOR = {
    "first_name": "Amara",
    "last_name": "Okafor",
    "email": "Amara.Okafor@Clinic.example.org",
    "meeting_formats": "virtual; phone",
    "capacity": "2",
    "identifies_bipoc": "yes",
    "specialty": "family medicine",
}
MENTEE = {
    "first_name": "Lin",
    "last_name": "Vang",
    "email": "lin.vang@school.example.edu",
    "meeting_formats": "virtual",
    "bipoc_mentor_preference": "required",
    "identifies_bipoc": "yes",
    "school": "State University",
}


def opened(engine, *kinds: str) -> None:
    for kind in kinds or ("mentors", "mentees"):
        services.set_form_open(engine, actor=LEADER, kind=kind, is_open=True)


def send(engine, kind="mentors", cells=None, *, now=NOW, client="browser-1", **extra) -> signup.Receipt:
    arguments = {"consent": True, "attest": True, "statement_version": 1, "mail": False} | extra
    return services.submit_registration(
        engine,
        kind=kind,
        cells=dict(cells or (MENTOR if kind == "mentors" else MENTEE)),
        client=client,
        now=now,
        today=now.date(),
        **arguments,
    )


def people(engine, table) -> list:
    with db.read_session(engine) as session:
        return session.execute(sa.select(table)).scalars().all()


def test_a_new_store_has_both_forms_closed_and_a_closed_form_takes_nothing(engine):
    with db.read_session(engine) as session:
        assert not queries.form_state(session, "mentors").open
        assert not queries.form_state(session, "mentees").open
    with pytest.raises(Refused, match=r"^Registration is closed for now\.$"):
        send(engine)
    opened(engine, "mentees")
    with pytest.raises(Refused, match="closed"):
        send(engine)  # the mentor form stays closed
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Signup.id))).scalar_one() == 0
        refused = session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "registration form")
        ).scalars()
        # audited once for this client and 10 minutes, the second counted (services.count_signed_out)
        assert [(e.outcome, e.summary.split(";")[0]) for e in refused] == [
            ("refused", "refused: the mentors form is closed")
        ]
        counted = sa.select(sa.func.sum(RefusalTally.count)).where(RefusalTally.action == "registration form")
        assert session.execute(counted).scalar_one() == 2


def test_a_registration_waits_for_the_leader_and_is_never_suggested_until_accepted(engine):
    opened(engine)
    mentor = send(engine)
    send(engine, "mentees")
    assert people(engine, Mentor) == [] and people(engine, Mentee) == []
    with db.read_session(engine) as session:
        assert queries.registrations_waiting(session, NOW) == 2
        assert (
            matching.suggest(queries.pairing_cohort(session, TODAY), queries.match_weights(session)).pairs
            == ()
        )
        new = queries.new_registrations(session, NOW, Role.leader)
    assert (
        list(new["change"]) == ["new", "new"] and list(new["email"])[0] == "amara.okafor@clinic.example.org"
    )

    person_id = services.accept_registration(
        engine, actor=LEADER, signup_id=mentor.signup_id, now=NOW, today=TODAY
    )
    (stored,) = people(engine, Mentor)
    assert (stored.id, stored.email, stored.capacity, stored.attests_values) == (
        person_id,
        "amara.okafor@clinic.example.org",
        2,
        True,
    )
    assert (stored.values_version, stored.attested_at, stored.registered_on) == (1, NOW, TODAY)
    with db.read_session(engine) as session:
        assert queries.registrations_waiting(session, NOW) == 1
        events = session.execute(sa.select(AuditEvent.action, AuditEvent.summary)).all()
    assert ("registration.accept", f"mentors {person_id} written") in events
    with db.read_session(engine) as session:
        (mentee,) = queries.new_registrations(session, NOW, Role.leader).index
    services.accept_registration(engine, actor=LEADER, signup_id=int(mentee), now=NOW, today=TODAY)
    with db.read_session(engine) as session:
        suggested = matching.suggest(queries.pairing_cohort(session, TODAY), queries.match_weights(session))
    assert len(suggested.pairs) == 1
    assert all("okafor" not in summary.lower() and "amara" not in summary.lower() for _, summary in events)


def test_the_committee_sees_new_registrations_without_contacts_or_demographics(engine):
    opened(engine)
    send(engine, "mentees")
    with db.read_session(engine) as session:
        new = queries.new_registrations(session, NOW, Role.committee)
    assert new.iloc[0]["email"] == "l***@school.example.edu"
    assert not {"bipoc_mentor_preference", "identifies_bipoc", "race_ethnicity"} & set(new.columns)


def test_the_same_email_again_changes_nothing_and_the_leader_sees_no_second_row(engine):
    opened(engine)
    first = send(engine)
    services.accept_registration(engine, actor=LEADER, signup_id=first.signup_id, now=NOW, today=TODAY)
    again = send(engine, cells=MENTOR | {"specialty": "pediatrics", "capacity": "3"}, client="browser-2")
    assert again.message == first.message  # the page says the same whether the email is registered or not
    (stored,) = people(engine, Mentor)
    assert (stored.specialty, stored.capacity) == ("family medicine", 2)
    with db.read_session(engine) as session:
        assert queries.new_registrations(session, NOW, Role.leader).empty
        assert queries.registrations_waiting(session, NOW) == 0
        kept = session.execute(sa.select(Signup).where(Signup.client == "browser-2")).scalar_one()
        assert (kept.status, kept.email, kept.answers, kept.token_hash) == (
            SignupStatus.discarded,
            "",
            "{}",
            None,
        )


def test_a_second_submission_while_one_waits_changes_nothing_and_a_decline_keeps_no_answers(engine):
    opened(engine)
    first = send(engine)
    second = send(engine, cells=MENTOR | {"specialty": "surgery"})
    assert second.message == first.message and second.signup_id is None
    with db.read_session(engine) as session:
        waiting = session.get(Signup, first.signup_id)
        assert (waiting.status, waiting.answers) == (SignupStatus.pending, first_answers := waiting.answers)
        assert '"specialty": "family medicine"' in first_answers
        assert list(queries.new_registrations(session, NOW, Role.leader).index) == [first.signup_id]
    services.decline_registration(engine, actor=LEADER, signup_id=first.signup_id, now=NOW)
    with db.read_session(engine) as session:
        declined = session.get(Signup, first.signup_id)
        assert (declined.status, declined.answers) == (SignupStatus.declined, "{}")


def test_a_pending_registration_never_overwrites_a_person_registered_meanwhile(engine):
    """Registered by the leader while the submission waited: accepting or confirming it refuses."""
    opened(engine)
    pending = send(engine, cells=MENTOR | {"specialty": "pediatrics"})
    services.add_registration(
        engine, actor=LEADER, kind="mentors", cells=MENTOR | {"attests_values": "yes"}, today=TODAY
    )
    with pytest.raises(Refused, match=r"^This email address is registered already, so nothing was changed"):
        services.accept_registration(engine, actor=LEADER, signup_id=pending.signup_id, now=NOW, today=TODAY)
    with pytest.raises(Refused, match="registered already"):
        services.confirm_registration(engine, token=pending.token, now=NOW, today=TODAY)
    (stored,) = people(engine, Mentor)
    assert stored.specialty == "family medicine"


def test_only_the_leader_accepts_or_declines(engine, accounts):
    opened(engine)
    receipt = send(engine)
    with pytest.raises(Refused, match="Only the program leader"):
        services.accept_registration(
            engine, actor=accounts["committee"], signup_id=receipt.signup_id, now=NOW, today=TODAY
        )
    with pytest.raises(Refused, match="Only the program leader"):
        services.decline_registration(
            engine, actor=accounts["committee"], signup_id=receipt.signup_id, now=NOW
        )
    assert people(engine, Mentor) == []


def test_attestations_keep_the_version_they_attested_when_the_statement_changes(engine):
    opened(engine)
    early = send(engine)
    services.accept_registration(engine, actor=LEADER, signup_id=early.signup_id, now=NOW, today=TODAY)
    assert services.save_statement(engine, actor=LEADER, text="Anti-racism, humility, respect.", now=NOW) == 2
    assert services.save_statement(engine, actor=LEADER, text="Anti-racism, humility, respect.", now=NOW) == 2
    with db.read_session(engine) as session:
        assert queries.values_statement(session) == (2, "Anti-racism, humility, respect.")
        assert session.get(ValuesStatement, 1).text == signup.DEFAULT_STATEMENT
    # A mentor who read version 1 before the change is asked to read the new one.
    with pytest.raises(Refused, match="changed while you were reading"):
        send(engine, cells=MENTOR | {"email": "kwame@clinic.example.org"}, statement_version=1)
    late = send(engine, cells=MENTOR | {"email": "kwame@clinic.example.org"}, statement_version=2)
    services.accept_registration(engine, actor=LEADER, signup_id=late.signup_id, now=NOW, today=TODAY)
    assert sorted((m.email, m.values_version) for m in people(engine, Mentor)) == [
        ("amara.okafor@clinic.example.org", 1),
        ("kwame@clinic.example.org", 2),
    ]
    with db.read_session(engine) as session:
        outdated = queries.outdated_attestations(session)
    assert outdated[["name", "attested_version"]].to_dict("records") == [
        {"name": "Amara Okafor", "attested_version": 1}
    ]
    # Re-attesting through the personal link records the current version.
    services.update_own_registration(
        engine, token=early.token, cells=MENTOR, attest=True, statement_version=2, now=NOW, today=TODAY
    )
    with db.read_session(engine) as session:
        assert queries.outdated_attestations(session).empty


def test_a_mentor_must_attest_and_everyone_must_consent(engine):
    opened(engine)
    with pytest.raises(intake.InvalidRegistration) as refused:
        send(engine, attest=False, consent=False)
    assert refused.value.errors == [
        "attests_values: the program asks every mentor to attest its values",
        "consent: please agree to the program keeping your answers",
    ]


def test_failed_validation_names_each_field(engine):
    opened(engine)
    bad = MENTOR | {"email": "not-an-email", "capacity": "9", "first_name": "", "meeting_formats": "fax"}
    with pytest.raises(intake.InvalidRegistration) as refused:
        send(engine, cells=bad)
    assert [e.split(":")[0] for e in refused.value.errors] == [
        "first_name",
        "email",
        "meeting_formats",
        "capacity",
    ]
    with db.read_session(engine) as session:
        (event,) = session.execute(
            sa.select(AuditEvent).where(AuditEvent.action == "registration form")
        ).scalars()
    assert (event.outcome, event.summary.split(";")[0]) == ("refused", "invalid: 4 problems")


def test_a_confirmation_link_expires_after_seven_days(engine):
    opened(engine)
    receipt = send(engine, mail=True)
    assert receipt.message.endswith("please follow it within 7 days.")
    with pytest.raises(Refused, match="This link is not active"):
        services.confirm_registration(
            engine, token=receipt.token, now=NOW + timedelta(days=7, seconds=1), today=TODAY
        )
    with db.read_session(engine) as session:
        assert queries.registrations_waiting(session, NOW + timedelta(days=7)) == 0
        assert queries.registrations_waiting(session, NOW + timedelta(days=6)) == 1
    # The next write forgets the expired answers.
    send(engine, "mentees", now=NOW + timedelta(days=8), client="other")
    with db.read_session(engine) as session:
        expired = session.get(Signup, receipt.signup_id)
        assert (expired.status, expired.answers) == (SignupStatus.expired, "{}")
    assert people(engine, Mentor) == []


def test_a_link_followed_in_time_writes_the_registration_once(engine):
    opened(engine)
    receipt = send(engine, mail=True)
    later = NOW + timedelta(days=6)
    person_id = services.confirm_registration(engine, token=receipt.token, now=later, today=later.date())
    assert (
        services.confirm_registration(engine, token=receipt.token, now=later, today=later.date()) == person_id
    )
    (stored,) = people(engine, Mentor)
    assert (stored.id, stored.registered_on) == (person_id, TODAY)  # registered the day it was sent
    with pytest.raises(Refused, match="not active"):
        services.confirm_registration(engine, token="guessed", now=later, today=later.date())


def test_the_personal_link_updates_and_withdraws_but_not_with_an_open_pair(engine):
    opened(engine)
    mentee = send(engine, "mentees")
    mentee_id = services.accept_registration(
        engine, actor=LEADER, signup_id=mentee.signup_id, now=NOW, today=TODAY
    )
    changed = services.update_own_registration(
        engine,
        token=mentee.token,
        cells=MENTEE | {"school": "City College", "email": "someone.else@example.org"},
        attest=False,
        statement_version=None,
        now=NOW,
        today=TODAY,
    )
    assert changed == ("school",)
    (stored,) = people(engine, Mentee)
    assert (stored.school, stored.email) == ("City College", "lin.vang@school.example.edu")
    mentor = send(engine)
    mentor_id = services.accept_registration(
        engine, actor=LEADER, signup_id=mentor.signup_id, now=NOW, today=TODAY
    )
    services.confirm_pair(engine, actor=LEADER, mentor_id=mentor_id, mentee_id=mentee_id, today=TODAY)
    services.save_registration_settings(
        engine, actor=LEADER, contact_email="Mentoring@Program.example.org", per_session=5, per_hour=60
    )
    with pytest.raises(Refused, match=r"still open; please ask the program leader \(mentoring@program"):
        services.withdraw_own_registration(engine, token=mentee.token, now=NOW)
    with db.write_session(engine) as session:
        session.execute(sa.update(Match).values(status="ended", ended_on=TODAY, end_reason="schedules"))
    services.withdraw_own_registration(engine, token=mentee.token, now=NOW)
    assert people(engine, Mentee)[0].status == "withdrawn"


def test_the_hidden_field_stores_nothing_but_says_thank_you(engine):
    opened(engine)
    receipt = send(engine, honeypot="http://spam.example")
    assert receipt.message == send(engine, client="browser-2").message
    with db.read_session(engine) as session:
        rows = session.execute(sa.select(Signup.status, Signup.email, Signup.answers)).all()
    assert [(status, email) for status, email, _ in rows] == [
        (SignupStatus.pending, "amara.okafor@clinic.example.org")
    ]


def test_limits_per_browser_session_and_per_hour(engine):
    opened(engine)
    for n in range(5):
        send(engine, cells=MENTOR | {"email": f"m{n}@example.org"})
    with pytest.raises(Refused, match="many registrations in a short time"):
        send(engine, cells=MENTOR | {"email": "m5@example.org"})
    send(engine, cells=MENTOR | {"email": "m5@example.org"}, client="another-browser")
    services.save_registration_settings(engine, actor=LEADER, contact_email="", per_session=50, per_hour=7)
    send(engine, cells=MENTOR | {"email": "m6@example.org"}, client="third")
    with pytest.raises(Refused, match="try again in an hour"):
        send(engine, cells=MENTOR | {"email": "m7@example.org"}, client="fourth")
    send(engine, cells=MENTOR | {"email": "m7@example.org"}, client="fourth", now=NOW + timedelta(minutes=61))


def test_the_leader_opens_and_closes_forms_from_the_command_line(engine, accounts, store_url, capsys):
    from mentorship import cli

    assert (
        cli.main(["registration", "open", "mentee", "--as", accounts["leader"].email, "--db", store_url]) == 0
    )
    assert capsys.readouterr().out.strip() == "The mentee registration form is open."
    with db.read_session(engine) as session:
        assert (queries.form_state(session, "mentees").open, queries.form_state(session, "mentors").open) == (
            True,
            False,
        )
    assert (
        cli.main(["registration", "close", "mentee", "--as", accounts["committee"].email, "--db", store_url])
        == 1
    )
    assert "Only the program leader" in capsys.readouterr().err


# One rule set: a row the import accepts, the form accepts, and the reverse
def _cell(choices: list[str]) -> st.SearchStrategy[str]:
    hostile = ["<b>x</b>", "=1+1", "[link](http://x)", "  ", "a" * 101, "é" * 120]
    return st.sampled_from(choices + hostile) | st.text(max_size=30)


MENTOR_CELLS = st.fixed_dictionaries(
    {
        "first_name": _cell(["Amara", "Eh Moo", ""]),
        "last_name": _cell(["Okafor", "O'Neil", ""]),
        "email": _cell(["a@example.org", " B@Example.ORG ", "nope", ""]),
        "phone": _cell(["0612 555 1234", ""]),
        "identifies_bipoc": _cell(["yes", "No", "prefer not to say", "maybe", ""]),
        "languages": _cell(["Spanish; Hmong", "English, Somali", ""]),
        "meeting_formats": _cell(["virtual", "Phone,In person", "fax", ""]),
        "capacity": _cell(["1", "5", "0", "six", ""]),
        "advising_areas": _cell(["application; interviews", "career", "taxes", ""]),
    }
)
MENTEE_CELLS = st.fixed_dictionaries(
    {
        "first_name": _cell(["Lin", ""]),
        "last_name": _cell(["Vang", ""]),
        "email": _cell(["lin@school.edu", "x@", ""]),
        "first_generation": _cell(["yes", "n", "sometimes", ""]),
        "bipoc_mentor_preference": _cell(["required", "Preferred", "none", "please", ""]),
        "meeting_formats": _cell(["virtual; phone", "zoom", ""]),
        "specialty_interests": _cell(["pediatrics; surgery", ""]),
        "goals": _cell(["Get into medical school", "x" * 4001, ""]),
    }
)


def _import_accepts(kind: str, cells: dict[str, str]) -> bool:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(cells))
    writer.writeheader()
    writer.writerow(cells)
    sheet = intake.read(out.getvalue().encode(), kind)
    if not sheet.rows:  # every cell empty: the import skips a blank row, as the form refuses it
        return False
    values, errors = intake.parse_row(kind, sheet.rows[0][1], today=TODAY)
    return not errors


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind_cells=st.one_of(
        st.tuples(st.just("mentors"), MENTOR_CELLS), st.tuples(st.just("mentees"), MENTEE_CELLS)
    )
)
def test_a_row_the_import_accepts_the_form_accepts_and_the_reverse(kind_cells):
    kind, cells = kind_cells
    cells = {k: v.replace("\x00", "").replace("\r", "") for k, v in cells.items()}
    imported = cells | ({"attests_values": "yes"} if kind == "mentors" else {})
    _, form_errors = signup.validate(kind, cells, today=TODAY, consent=True, attest=True)
    try:
        accepted = _import_accepts(kind, imported)
    except intake.UnusableInput:
        return  # a file the import cannot read at all (a header-only cell layout), not a row rule
    assert accepted == (not form_errors), form_errors


def test_the_widgets_values_become_the_cells_an_import_row_has():
    """What the form's widgets hold (lists, numbers, a checkbox) becomes import cells; unanswered fields
    are empty cells, so a required one is named as missing exactly as in a file."""
    answers = {"meeting_formats": ["virtual", "phone"], "capacity": 3, "first_name": "Amara"}
    cells = signup.form_cells("mentors", registrations.form_cells("mentors", answers), attest=True)
    typed = {
        "meeting_formats": "virtual; phone",
        "capacity": "3",
        "first_name": "Amara",
        "attests_values": "yes",
    }
    assert cells == {c: typed.get(c, "") for c in (*signup.form_columns("mentors"), "attests_values")}
    _, errors = signup.validate("mentors", cells, today=TODAY, consent=True, attest=True)
    assert errors == ["last_name: is required", "email: is required"]


# With mail: the confirmation is queued with the registration, and its link (received by a real SMTP
# server) confirms it
def test_the_confirmation_link_arrives_by_mail_and_confirms_the_registration(engine, mail_server):
    from urllib.parse import parse_qs, urlsplit

    from mentorship import outbox
    from mentorship.models import OutboxMessage
    from mentorship.outbox.sending import send_due

    opened(engine)
    services.save_registration_settings(
        engine, actor=LEADER, contact_email="mentoring@program.example.org", per_session=5, per_hour=60
    )
    receipt = send(engine, cells=MENTOR | {"first_name": "<b>Amara</b> =1+1"}, mail=True)
    with db.read_session(engine) as session:
        (queued,) = session.execute(sa.select(OutboxMessage)).scalars()
        assert (queued.kind, queued.recipients, queued.dedupe_key) == (
            "registration",
            "amara.okafor@clinic.example.org",
            f"registration-{receipt.signup_id}",
        )
    report = send_due(engine, smtp=outbox.smtp_settings(mail_server.environ()), now=NOW)
    assert report.sent == 1
    (received,) = mail_server.received
    assert received.recipients == ["amara.okafor@clinic.example.org"]
    assert received.body.startswith("Hi <b>Amara</b> =1+1,")  # text, as typed
    assert "mentoring@program.example.org" in received.body
    link = next(line.strip() for line in received.body.splitlines() if "/Register?token=" in line)
    assert link.startswith("http://localhost:8501/Register?token=")
    token = parse_qs(urlsplit(link).query)["token"][0]
    person_id = services.confirm_registration(engine, token=token, now=NOW + timedelta(days=1), today=TODAY)
    assert [m.id for m in people(engine, Mentor)] == [person_id]


def test_a_refused_submission_queues_no_mail(engine):
    from mentorship.models import OutboxMessage

    opened(engine)
    with pytest.raises(intake.InvalidRegistration):
        send(engine, cells=MENTOR | {"capacity": "12"}, mail=True)
    with db.read_session(engine) as session:
        assert session.execute(sa.select(OutboxMessage)).first() is None
        assert session.execute(sa.select(Signup)).first() is None


def test_erasure_forgets_submitted_registrations_and_their_links(engine):
    opened(engine)
    accepted = send(engine, "mentees")
    services.accept_registration(engine, actor=LEADER, signup_id=accepted.signup_id, now=NOW, today=TODAY)
    # the same email again, with mail: a fresh personal link, kept as a row pointing at her
    send(engine, "mentees", cells=MENTEE | {"school": "City College"}, mail=True)
    with db.write_session(engine) as session:  # the link, made as the outbox sends the message
        registered = sa.select(OutboxMessage).where(OutboxMessage.kind == "registered")
        (message,) = session.execute(registered).scalars()
        (url,) = linking.mint(
            session, link_kind=message.link_kind, link_ref=message.link_ref, match_id=None, now=NOW
        ).values()
    again_token = url.split("token=", 1)[1]
    with db.read_session(engine) as session:
        assert (
            session.get(Signup, accepted.signup_id).answers == "{}"
        )  # written: kept once, in the registration
        assert queries.link_state(session, again_token, NOW).person_id is not None
    assert services.erase_person(engine, actor=LEADER, email="lin.vang@school.example.edu", today=TODAY) == [
        "mentee"
    ]
    with db.read_session(engine) as session:
        rows = session.execute(sa.select(Signup.email, Signup.answers, Signup.token_hash)).all()
        assert rows == [("", "{}", None), ("", "{}", None)]
        assert queries.link_state(session, again_token, NOW) is None
        assert queries.link_state(session, accepted.token, NOW) is None
    only_pending = send(engine, cells=MENTOR | {"email": "pending.only@clinic.example.org"}, client="x")
    assert services.erase_person(
        engine, actor=LEADER, email="pending.only@clinic.example.org", today=TODAY
    ) == ["registration"]
    with db.read_session(engine) as session:
        assert session.get(Signup, only_pending.signup_id).answers == "{}"


def test_submit_accept_and_expiry_on_both_stores(each_store):
    engine = each_store
    opened(engine)
    first = send(engine, mail=True)
    again = send(engine, cells=MENTOR | {"specialty": "surgery"}, mail=False)
    second = send(engine, cells=MENTOR | {"email": "kwame@clinic.example.org", "specialty": "surgery"})
    with db.read_session(engine) as session:
        assert session.get(Signup, first.signup_id).status == SignupStatus.pending
        assert again.signup_id is None
        assert (
            queries.registrations_waiting(session, NOW + timedelta(days=30)) == 1
        )  # the leader's: no expiry
    person_id = services.accept_registration(
        engine, actor=LEADER, signup_id=second.signup_id, now=NOW, today=TODAY
    )
    assert [(m.id, m.specialty, m.values_version) for m in people(engine, Mentor)] == [
        (person_id, "surgery", 1)
    ]
    stale = send(engine, "mentees", mail=True, client="other")
    with pytest.raises(Refused, match="not active"):
        services.confirm_registration(engine, token=stale.token, now=NOW + timedelta(days=8), today=TODAY)


ISSUE_PHISHING = (
    "there,\n\nYOUR SCHOLARSHIP IS APPROVED. Claim it at http://claim-now.com/scholarship?id=1 before Friday."
)


def test_the_issues_phishing_first_name_is_refused_and_nothing_is_queued(engine):
    """Issue 24, item 2: the name that would have been mailed, line breaks intact, to any address."""
    from mentorship.models import OutboxMessage

    opened(engine)
    with pytest.raises(intake.InvalidRegistration) as refused:
        send(engine, "mentees", cells=MENTEE | {"first_name": ISSUE_PHISHING}, mail=True)
    assert refused.value.errors == [
        "first_name: must be one line, without line breaks, tabs or other control characters"
    ]
    with pytest.raises(intake.InvalidRegistration) as refused:
        send(
            engine, "mentees", cells=MENTEE | {"first_name": "there. Claim it at claim-now.com/x"}, mail=True
        )
    assert refused.value.errors == ["first_name: must not contain a web or email address"]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(OutboxMessage)).first() is None
        assert session.execute(sa.select(Signup)).first() is None


@pytest.mark.parametrize(
    "first_name",
    [
        "there. Claim it at claim-now.com\u200b",  # a zero-width space after the address hid it
        "there. Claim it at claim-now\uff0ecom/x",  # a full-width dot: NFKC (and IDNA) read a dot
        "there. Claim it at scholarship.ninja",  # a real top-level domain beyond linkify-it's list
        "there. Claim it at 203.0.113.7/claim",  # an address by its number
    ],
)
def test_a_disguised_web_address_in_a_first_name_is_refused_and_nothing_is_queued(engine, first_name):
    """Issue 24, item 2, as an attacker would vary it: the address a mail program links, disguised."""
    from mentorship.models import OutboxMessage

    opened(engine)
    with pytest.raises(intake.InvalidRegistration) as refused:
        send(engine, "mentees", cells=MENTEE | {"first_name": first_name}, mail=True)
    assert refused.value.errors == ["first_name: must not contain a web or email address"]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(OutboxMessage)).first() is None


def test_a_confirmation_mail_carries_no_answer_but_the_first_name(engine, mail_server):
    """Issue 24, item 2: the address has not confirmed anything yet, so the mail repeats nothing typed but
    the (checked) first name; received by a real SMTP server."""
    from mentorship import outbox
    from mentorship.outbox.sending import send_due

    opened(engine)
    answers = MENTEE | {
        "first_name": "Nia",
        "last_name": "Zephyrine",
        "phone": "612 555 0199",
        "pronouns": "xe/xem",
        "school": "Quillfeather College",
        "class_year": "2027",
        "major": "Biochemistry",
        "race_ethnicity": "Garifuna",
        "gender": "nonbinary",
        "mentor_gender_preference": "no preference",
        "specialty_interests": "dermatology",
        "languages": "Kriol",
        "goals": "Tenacious goals",
    }
    send(engine, "mentees", cells=answers, mail=True)
    assert send_due(engine, smtp=outbox.smtp_settings(mail_server.environ()), now=NOW).sent == 1
    (received,) = mail_server.received
    assert received.recipients == [MENTEE["email"]]
    assert received.body.startswith("Hi Nia,")
    text = f"{received.subject}\n{received.body}".lower()
    shown = [c for c, v in answers.items() if c not in ("first_name", "email") and str(v).lower() in text]
    assert shown == [], shown


def test_the_personal_link_and_the_leaders_edit_keep_names_to_one_line_without_addresses(engine):
    """Issue 24, item 2: the same rule on every way in, not only the public form."""
    opened(engine)
    mentee = send(engine, "mentees")
    person_id = services.accept_registration(
        engine, actor=LEADER, signup_id=mentee.signup_id, now=NOW, today=TODAY
    )
    with pytest.raises(intake.InvalidRegistration) as refused:
        services.update_own_registration(
            engine,
            token=mentee.token,
            cells=MENTEE | {"first_name": "Lin\nClaim it: www.claim-now.com"},
            attest=False,
            statement_version=None,
            now=NOW,
            today=TODAY,
        )
    assert refused.value.errors == [
        "first_name: must be one line, without line breaks, tabs or other control characters"
    ]
    with pytest.raises(intake.InvalidRegistration) as refused:
        services.update_registration(
            engine,
            actor=LEADER,
            kind="mentees",
            person_id=person_id,
            cells=MENTEE | {"school": "claim-now.com/scholarship"},
            today=TODAY,
        )
    assert refused.value.errors == ["school: must not contain a web or email address"]
    (stored,) = people(engine, Mentee)
    assert (stored.first_name, stored.school) == ("Lin", "State University")


def test_a_waiting_registration_sent_again_keeps_its_answers_and_mails_a_fresh_link_once_a_day(
    engine, mail_server
):
    """Issue 24, item 1, the pending case: the stranger's answers are never kept; the owner is told a
    registration waits, by mail to that address alone, with a link that confirms what she sent herself."""
    from urllib.parse import parse_qs, urlsplit

    from mentorship import outbox
    from mentorship.outbox.sending import send_due

    opened(engine)
    own = send(engine, "mentees", mail=True)
    stranger = MENTEE | {"last_name": "Stranger", "school": "Elsewhere", "bipoc_mentor_preference": "none"}
    again = send(engine, "mentees", cells=stranger, mail=True, client="stranger")
    assert again.message == own.message
    send(engine, "mentees", cells=stranger, mail=True, client="stranger-2")  # the same day: no second mail
    assert send_due(engine, smtp=outbox.smtp_settings(mail_server.environ()), now=NOW).sent == 2
    confirmation, notice = mail_server.received
    assert notice.recipients == [MENTEE["email"]]
    assert signup.REGISTRATION_WAITING in notice.body and "Stranger" not in notice.body
    token = parse_qs(urlsplit(next(w for w in notice.body.split() if "token=" in w)).query)["token"][0]
    with db.read_session(engine) as session:
        assert queries.link_state(session, own.token, NOW) is None  # the earlier link gave way to this one
        assert queries.registrations_waiting(session, NOW) == 1
    services.confirm_registration(engine, token=token, now=NOW, today=TODAY)
    (stored,) = people(engine, Mentee)
    assert (stored.last_name, stored.school, stored.bipoc_mentor_preference) == (
        "Vang",
        "State University",
        "required",
    )
