"""The public registration page (AppTest): closed and open forms, what a failed registration keeps and names,
the hidden field, and a person's own link."""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from mentorship import db, queries, services, settings, signup
from mentorship.auth import Actor
from mentorship.models import Mentee, Mentor, Signup, SignupStatus

PAGE = "pages/8_Register.py"
HOSTILE = '<img src=x onerror=alert(1)>**Bold** =HYPERLINK("x")'  # one line, no web address: a valid name
PHISHING = "there,\n\nSCHOLARSHIP APPROVED: claim-now.com"  # within a name's 60 characters


def open_form(app, form: str = "mentor", **params):
    at = app(PAGE)
    at.query_params["as"] = form
    for key, value in params.items():
        at.query_params[key] = value
    return at.run()


def fill_mentee(at, first: str, last: str, email: str) -> None:
    at.text_input(key="register-first_name").input(first)
    at.text_input(key="register-last_name").input(last)
    at.text_input(key="register-email").input(email)
    at.multiselect(key="register-meeting_formats").select("virtual")
    at.checkbox(key="register-consent").check()


def submit_mentee(engine, cells: dict, *, client: str = "c", now: datetime | None = None, mail: bool = False):
    """A mentee's registration sent as the public form sends it."""
    now = now or datetime.now(UTC)
    return services.submit_registration(
        engine,
        kind="mentees",
        cells=cells,
        consent=True,
        attest=False,
        statement_version=None,
        client=client,
        now=now,
        today=now.date(),
        mail=mail,
    )


def texts(at) -> str:
    parts = [
        e.value
        for kind in ("title", "info", "success", "warning", "error", "text", "caption")
        for e in getattr(at, kind)
    ]
    parts += [str(m.value) for m in at.markdown]
    return "\n".join(str(p) for p in parts)


def test_a_new_store_shows_one_sentence_and_the_contact_when_closed(app, engine):
    at = open_form(app)
    assert [i.value for i in at.info] == ["Registration is closed for now."]
    assert not at.text_input and not at.button
    services.save_registration_settings(
        engine,
        actor=Actor.operator(),
        contact_email="mentoring@program.example.org",
        per_session=5,
        per_hour=60,
    )
    at = open_form(app, "mentee")
    assert [i.value for i in at.info] == [
        "Registration is closed for now. Questions: mentoring@program.example.org"
    ]


def test_the_consent_notice_promises_only_the_ways_there_are(app, engine, monkeypatch):
    """Issue 24: it ended "write to the program contact below" with no contact below (a new store)."""
    monkeypatch.delenv("MENTORSHIP_SMTP_HOST", raising=False)
    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    notice = [c.value for c in open_form(app, "mentee").caption if c.value.startswith("What we keep")]
    assert notice == [signup.CONSENT_NOTICE]  # no contact, no mail: no promise of either
    assert notice[0].endswith("to run the program.") and "below" not in notice[0]
    monkeypatch.setenv("MENTORSHIP_SMTP_HOST", "smtp.program.example.org")
    notice = [c.value for c in open_form(app, "mentee").caption if c.value.startswith("What we keep")]
    assert notice == [
        f"{signup.CONSENT_NOTICE} To see, correct or erase your data, use the personal link we email you."
    ]
    services.save_registration_settings(
        engine,
        actor=Actor.operator(),
        contact_email="mentoring@program.example.org",
        per_session=5,
        per_hour=60,
    )
    notice = [c.value for c in open_form(app, "mentee").caption if c.value.startswith("What we keep")]
    assert notice == [
        f"{signup.CONSENT_NOTICE} To see, correct or erase your data, write to the program contact, "
        "mentoring@program.example.org, or use the personal link we email you."
    ]
    monkeypatch.delenv("MENTORSHIP_SMTP_HOST")
    notice = [c.value for c in open_form(app, "mentee").caption if c.value.startswith("What we keep")]
    assert notice == [
        f"{signup.CONSENT_NOTICE} To see, correct or erase your data, write to the program contact, "
        "mentoring@program.example.org."
    ]


def test_a_new_form_starts_with_no_bipoc_answer_chosen_and_shows_words_not_codes(app, engine):
    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    at = open_form(app, "mentee")
    identity, preference = (
        at.selectbox(key="register-identifies_bipoc"),
        at.selectbox(key="register-bipoc_mentor_preference"),
    )
    assert (identity.value, preference.value) == (None, None)
    assert identity.options == ["Yes", "No", "Prefer not to say"]
    assert preference.options == ["No preference", "Prefer a BIPOC mentor", "Need a BIPOC mentor"]
    assert at.multiselect(key="register-meeting_formats").options == ["Video call", "Phone", "In person"]
    fill_mentee(at, "Lin", "Vang", "lin@school.example.edu")
    at = at.button[0].click().run()
    assert [s.value for s in at.success] == [f"{signup.RECEIVED} {signup.RECEIVED_LEADER}"]
    at = next(b for b in at.button if b.label == "Send another registration").click().run()
    fill_mentee(at, "Mai", "Xiong", "mai@school.example.edu")
    at.selectbox(key="register-identifies_bipoc").select("yes")
    at.selectbox(key="register-bipoc_mentor_preference").select("required")
    at = at.button[0].click().run()
    with db.read_session(engine) as session:
        answers = [s.answers for s in session.execute(sa.select(Signup).order_by(Signup.id)).scalars()]
    # unanswered: kept empty, which the import reads as undisclosed and no preference
    assert '"identifies_bipoc": ""' in answers[0] and '"bipoc_mentor_preference": ""' in answers[0]
    assert '"identifies_bipoc": "yes"' in answers[1] and '"bipoc_mentor_preference": "required"' in answers[1]


def test_a_mentor_reads_the_expectations_and_the_statement_and_registers(app, engine):
    services.set_form_open(engine, actor=Actor.operator(), kind="mentors", is_open=True)
    at = open_form(app)
    page = texts(at)
    assert "A mentorship lasts at least one year" in page and "every one to two months" in page
    assert signup.DEFAULT_STATEMENT in [t.value for t in at.text]
    assert "who sees them: the program leader" in page.lower()
    at.text_input(key="register-first_name").input("Amara")
    at.text_input(key="register-last_name").input("Okafor")
    at.text_input(key="register-email").input("amara@clinic.example.org")
    at.multiselect(key="register-meeting_formats").select("virtual")
    at.checkbox(key="register-attest").check()
    at.checkbox(key="register-consent").check()
    at = at.button[0].click().run()
    assert [s.value for s in at.success] == [f"{signup.RECEIVED} {signup.RECEIVED_LEADER}"]
    with db.read_session(engine) as session:
        (row,) = session.execute(sa.select(Signup.status, Signup.email, Signup.statement_version)).all()
        assert row == (SignupStatus.pending, "amara@clinic.example.org", 1)
        assert session.execute(sa.select(Mentor)).first() is None


def test_a_failed_registration_keeps_what_was_typed_and_names_each_problem_as_text(app, engine):
    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    at = open_form(app, "mentee")
    assert signup.BIPOC_WAIT in [c.value for c in at.caption]
    at.text_input(key="register-first_name").input(HOSTILE[:100])
    at.text_input(key="register-email").input("not an email")
    at = at.button[0].click().run()
    problems = at.dataframe[0].value
    assert list(problems["field"]) == ["Last name", "Email", "Meeting formats", "Consent"]
    assert problems["problem"].iloc[0] == "is required"
    assert at.text_input(key="register-first_name").value == HOSTILE[:100]
    assert at.text_input(key="register-email").value == "not an email"
    assert HOSTILE[:20] not in "\n".join(str(m.value) for m in at.markdown)  # never drawn as markdown
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Signup.id))).scalar_one() == 0


def test_a_phishing_first_name_is_refused_in_one_sentence_and_nothing_is_queued(app, engine, monkeypatch):
    """Issue 24, item 2: a first name that would write a paragraph with a link into the program's mail."""
    from mentorship.models import OutboxMessage

    monkeypatch.setenv("MENTORSHIP_SMTP_HOST", "smtp.program.example.org")
    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    at = open_form(app, "mentee")
    fill_mentee(at, PHISHING, "Vang", "victim@school.example.edu")
    at = at.button[0].click().run()
    problems = at.dataframe[0].value
    assert problems.to_dict("records") == [
        {
            "field": "First name",
            "problem": "must be one line, without line breaks, tabs or other control characters",
        }
    ]
    assert not at.success
    fill_mentee(at, PHISHING.replace("\n", " "), "Vang", "victim@school.example.edu")
    at = at.button[0].click().run()
    assert list(at.dataframe[0].value["problem"]) == ["must not contain a web or email address"]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Signup.id))).scalar_one() == 0
        assert session.execute(sa.select(sa.func.count(OutboxMessage.id))).scalar_one() == 0


def test_the_hidden_field_stores_nothing(app, engine):
    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    at = open_form(app, "mentee")
    fill_mentee(at, "Bot", "Bot", "bot@example.org")
    at.text_input(key="register-hp").input("http://spam.example")
    at = at.button[0].click().run()
    assert [s.value for s in at.success] == [f"{signup.RECEIVED} {signup.RECEIVED_LEADER}"]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Signup.status, Signup.answers)).all() == []


def test_a_personal_link_updates_the_registration(app, engine):
    leader = Actor.operator()
    services.set_form_open(engine, actor=leader, kind="mentees", is_open=True)
    now = datetime.now(UTC)
    cells = {
        "first_name": HOSTILE[:100],
        "last_name": "Vang",
        "email": "lin@school.example.edu",
        "meeting_formats": "virtual",
        "school": "State University",
    }
    receipt = submit_mentee(engine, cells, now=now)
    at = app(PAGE)
    at.query_params["token"] = receipt.token
    at.run()
    assert [b.label for b in at.button] == ["Confirm my registration", "Withdraw this registration"]
    at = at.button[0].click().run()
    assert [s.value for s in at.success] == ["Thank you: your registration is confirmed."]
    assert f"Hi {HOSTILE[:100]}! Here you can update your details or withdraw." in [t.value for t in at.text]
    at.text_input(key="mine-school").set_value("City College")
    at = next(b for b in at.button if b.label == "Save changes").click().run()
    with db.read_session(engine) as session:
        (school,) = session.execute(sa.select(Mentee.school)).one()
    assert school == "City College"
    at.query_params["token"] = "not-a-token"
    assert [i.value for i in at.run().info] == [signup.INACTIVE_LINK]


# The leader's side: Admin → Registration, Registrations → New, the Overview's count
def test_the_leader_opens_a_form_sets_the_contact_and_edits_the_statement_on_admin(app, engine, accounts):
    from .conftest import signed_in

    at = signed_in(app("pages/5_Admin.py")).run()
    assert [c.value for c in at.code] == [
        "http://localhost:8501/Register?as=mentor",
        "http://localhost:8501/Register?as=mentee",
    ]
    assert not [w for w in at.warning if "no program contact email" in w.value]  # both forms closed
    at.toggle(key="registration-open-mentors").set_value(True).run()
    assert [w.value for w in at.warning if "no program contact email" in w.value] != []
    assert "Shown to the public on both forms" in at.text_input(key="registration-contact").help
    at.text_input(key="registration-contact").input("Mentoring@Program.example.org")
    at.number_input(key="registration-per-hour").set_value(30)
    next(b for b in at.button if b.label == "Save settings").click().run()
    at.text_area(key="registration-statement").input("We practise anti-racism and cultural humility.")
    next(b for b in at.button if b.label == "Save as a new version").click().run()
    assert not [w for w in at.warning if "no program contact email" in w.value]
    with db.read_session(engine) as session:
        state = queries.form_state(session, "mentors")
        chosen = settings.registration_settings(session)
    assert (state.open, state.statement_version, state.statement) == (
        True,
        2,
        "We practise anti-racism and cultural humility.",
    )
    assert (chosen.contact_email, chosen.per_hour, chosen.mentee_open) == (
        "mentoring@program.example.org",
        30,
        False,
    )


def test_the_leader_accepts_a_new_registration_and_the_overview_counts_those_waiting(app, engine, accounts):
    from .conftest import signed_in

    leader = accounts["leader"]
    services.set_form_open(engine, actor=leader, kind="mentees", is_open=True)
    for email in ("a@school.example.edu", "b@school.example.edu"):
        cells = {
            "first_name": HOSTILE[:100],
            "last_name": "Vang",
            "email": email,
            "meeting_formats": "virtual",
        }
        submit_mentee(engine, cells, client=email)
    at = signed_in(app("app.py")).run()
    assert "2 registrations wait for review (Registrations → New)." in [i.value for i in at.info]
    at = signed_in(app("pages/1_Registrations.py"))
    at.session_state["registrations-tab"] = "New"
    at.run()
    new = at.dataframe[0].value
    assert list(new["name"]) == [f"{HOSTILE[:100]} Vang"] * 2 and list(new["change"]) == ["new", "new"]
    next(b for b in at.button if b.label == "Accept").click().run()
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Mentee.email, Mentee.first_name)).all() == [
            ("a@school.example.edu", HOSTILE[:100])
        ]
    next(b for b in at.button if b.label == "Decline").click().run()
    assert [i.value for i in at.info] == ["No registration waits for review."]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Mentee.email)).all() == [("a@school.example.edu",)]


def test_the_public_page_shows_nothing_of_the_program_whatever_its_address(app, engine):
    from .conftest import load_demo

    load_demo(engine)
    services.set_form_open(engine, actor=Actor.operator(), kind="mentors", is_open=True)
    for params in ({}, {"as": "leader"}, {"token": "guessed"}, {"as": "mentor"}):
        at = app(PAGE)
        for key, value in params.items():
            at.query_params[key] = value
        at.run()
        assert not at.exception
        assert len(at.sidebar) == len(at.metric) == len(at.dataframe) == 0
    assert [i.value for i in open_form(app, "leader").info] == [
        "This address is not one of the program's registration forms."
    ]


def test_an_unexpected_error_shows_one_neutral_sentence_and_nothing_else(app, engine):
    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    at = open_form(app, "mentee")
    fill_mentee(at, "Lin", "Vang", "lin@school.example.edu")
    with engine.begin() as connection:  # a real fault: the store loses the table the submission goes to
        connection.exec_driver_sql("ALTER TABLE signups RENAME TO signups_lost")
    at = at.button[0].click().run()
    assert not at.exception
    assert [w.value for w in at.warning] == [signup.UNEXPECTED]
    assert "lin@school.example.edu" not in texts(at) and "signups" not in texts(at)
    assert at.text_input(key="register-email").value == "lin@school.example.edu"  # nothing typed is lost


def test_a_stranger_who_registered_an_email_first_gets_nothing_confirmed_blind(app, engine, mail_server):
    """Issue 24, item 1, the other way round: a stranger sends the form first with Lin's email and his own
    answers; when Lin registers herself, she is mailed that a registration waits, with the link to *his*
    submission. The link showed only "Confirm my registration" — pressing it wrote his last name, school and
    BIPOC answers as hers. It must show what would be registered, and let her withdraw it instead."""
    from urllib.parse import parse_qs, urlsplit

    from mentorship import outbox
    from mentorship.outbox.sending import send_due

    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    now = datetime.now(UTC)
    lin = {"first_name": "Lin", "last_name": "Vang", "email": "lin@school.example.edu"}
    own = lin | {
        "meeting_formats": "virtual",
        "school": "State University",
        "bipoc_mentor_preference": "none",
    }
    stranger = own | {"last_name": "Stranger", "school": "Elsewhere", "bipoc_mentor_preference": "required"}
    for client, cells in (("stranger", stranger), ("lin", own)):
        submit_mentee(engine, cells, client=client, now=now, mail=True)
    smtp = outbox.smtp_settings(mail_server.environ(MENTORSHIP_PUBLIC_URL="https://dash.example.org"))
    send_due(engine, smtp=smtp, now=now)
    notice = next(m for m in mail_server.received if signup.REGISTRATION_WAITING in m.body)
    token = parse_qs(urlsplit(next(w for w in notice.body.split() if "token=" in w)).query)["token"][0]

    at = app(PAGE)
    at.query_params["token"] = token
    at.run()
    shown = texts(at) + "\n" + "\n".join(df.value.to_string() for df in at.dataframe)
    assert "Stranger" in shown and "Elsewhere" in shown and "Need a BIPOC mentor" in shown
    assert [b.label for b in at.button] == ["Confirm my registration", "Withdraw this registration"]
    at = at.button[1].click().run()
    assert [s.value for s in at.success] == [signup.PENDING_WITHDRAWN]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Mentee)).first() is None
        assert queries.registrations_waiting(session, now) == 0


def test_saving_a_refused_change_again_and_again_does_not_grow_the_audit_log(app, engine):
    """Issue 24, item 6, on a personal link (no account; whoever holds the link): each press of Save with
    a refused answer was a permanent audit row. Refusals there are counted per client and window instead."""
    from mentorship.models import AuditEvent, RefusalTally

    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    now = datetime.now(UTC)
    cells = {
        "first_name": "Lin",
        "last_name": "Vang",
        "email": "lin@school.example.edu",
        "meeting_formats": "virtual",
    }
    receipt = submit_mentee(engine, cells, now=now)
    services.confirm_registration(engine, token=receipt.token, now=now, today=date.today())
    at = app(PAGE)
    at.query_params["token"] = receipt.token
    at.run()
    for _ in range(20):
        at.text_input(key="mine-first_name").set_value("Lin\tclaim-now.com")
        at = next(b for b in at.button if b.label == "Save changes").click().run()
    with db.read_session(engine) as session:
        refused = session.execute(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "registration.update", AuditEvent.outcome == "refused"
            )
        ).scalar_one()
        tallied = session.execute(sa.select(RefusalTally.count)).scalars().all()
    assert refused == 1
    assert tallied == [20]
