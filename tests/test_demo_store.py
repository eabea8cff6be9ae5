"""Demo data lives in a demo store: the dashboard never creates an account, least of all one whose
password is published; only the CLI's `demo` puts the demo's sign-ins into a store, and only into one that
holds nothing but synthetic people."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from mentorship import db, demo, services, settings
from mentorship.auth import Actor
from mentorship.cli import main
from mentorship.errors import Refused
from mentorship.models import AuditEvent, User

from .conftest import TODAY, signed_in
from .factories import make_mentee

PAGES = [
    "app.py",
    "pages/1_Registrations.py",
    "pages/2_Pairings.py",
    "pages/3_Cadence.py",
    "pages/4_Retention.py",
    "pages/5_Admin.py",
]
# The one control meant to create an account: Admin's form, with a password the leader types or one
# generated and shown once. Signing out is not an action on the store.
NOT_CLICKED = {"Add account", "Sign out"}


def accounts(engine) -> list[tuple[str, str, str | None]]:
    with db.read_session(engine) as session:
        return sorted(session.execute(sa.select(User.email, User.role, User.password_hash)).all())


def click_everything(app, script: str) -> list[str]:
    """Click every button and form submit button of `script` (as the leader), each label once (one "Confirm"
    stands for every pair's), in one session, rerunning after each click; returns the labels clicked."""
    at = signed_in(app(script)).run()
    done: set[str] = set()
    clicked: list[str] = []
    while True:
        assert not at.exception, (script, clicked, at.exception)
        pending = [
            b for b in at.button if not b.disabled and b.label not in NOT_CLICKED and b.label not in done
        ]
        if not pending:
            return clicked
        button = pending[0]
        done.add(button.label)
        clicked.append(button.label)
        button.click().run()


@pytest.mark.parametrize("store", ["empty", "demo"])
def test_no_page_action_creates_an_account(app, engine, accounts_fixture, store):
    if store == "demo":
        services.load_demo(engine, actor=Actor.operator(), today=date.today())
    before = accounts(engine)
    clicked = {script: click_everything(app, script) for script in PAGES}
    assert accounts(engine) == before, clicked
    if store == "empty":  # no "Load demo data" any more
        assert clicked["app.py"] == []
    else:  # the pages' actions did run: confirming, rejecting, saving, logging...
        assert {"Confirm", "Reject", "Save the weights", "Log meeting", "Record decision"} <= {
            label for labels in clicked.values() for label in labels
        }, clicked


@pytest.fixture
def accounts_fixture(engine):
    from .conftest import add_accounts

    return add_accounts(engine)


def test_the_empty_overview_offers_no_demo_data(app, accounts_fixture):
    at = signed_in(app("app.py")).run()
    assert not at.exception
    assert "There are no registrations yet" in at.info[0].value
    assert "bash scripts/start.sh" in at.info[0].value
    assert [b.label for b in at.main.button] == []


def test_loading_demo_data_marks_the_store_and_creates_no_account(engine):
    services.load_demo(engine, actor=Actor.operator(), today=TODAY)
    assert accounts(engine) == []
    with db.read_session(engine) as session:
        assert settings.is_demo_store(session)


def test_a_demo_store_says_so_on_every_page(app, engine, accounts_fixture):
    at = signed_in(app("pages/3_Cadence.py")).run()
    assert not any("demo store" in c.value for c in at.sidebar.caption)
    services.load_demo(engine, actor=Actor.operator(), today=date.today())
    at = signed_in(app("pages/3_Cadence.py")).run()
    assert [c.value for c in at.sidebar.caption if "demo store" in c.value] == [
        ":material/science: A demo store: every person in it is synthetic."
    ]


def test_demo_accounts_go_only_into_a_store_of_synthetic_people(engine):
    services.load_demo(engine, actor=Actor.operator(), today=TODAY, mentors=5, mentees=5)
    with db.write_session(engine) as session:  # a real student registered in the demo store
        session.add(make_mentee("real", email="real.student@umn.edu"))
    with pytest.raises(Refused, match="^The store holds registrations that are not demo data"):
        services.add_demo_accounts(engine, actor=Actor.operator())
    assert accounts(engine) == []
    with db.read_session(engine) as session:
        refused = session.execute(
            sa.select(AuditEvent.action, AuditEvent.outcome, AuditEvent.summary).where(
                AuditEvent.action == "demo.accounts"
            )
        ).all()
    assert refused == [("demo.accounts", "refused", "refused: not a demo store")]


def test_demo_accounts_in_a_demo_store_have_the_printed_passwords(engine):
    from mentorship import auth

    services.load_demo(engine, actor=Actor.operator(), today=TODAY, mentors=5, mentees=5)
    assert services.add_demo_accounts(engine, actor=Actor.operator()) == [e for e, _, _ in demo.DEMO_ACCOUNTS]
    assert services.add_demo_accounts(engine, actor=Actor.operator()) == []  # once
    for email, role, password in demo.DEMO_ACCOUNTS:
        actor, _ = auth.sign_in(engine, email=email, password=password)
        assert (actor.email, actor.role.value) == (email, role)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_puts_no_demo_sign_in_into_a_store_of_real_people(capsys, engine, store_url):
    with db.write_session(engine) as session:
        session.add(make_mentee("real", email="real.student@umn.edu"))
    code, out, err = run(capsys, "demo", "--db", store_url, "--if-empty")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "The store already has registrations; no demo data added.",
        services.NOT_A_DEMO_STORE,
    ]
    assert accounts(engine) == []


def test_an_unmarked_store_of_synthetic_people_is_recognised_as_a_demo_store(capsys, engine, store_url):
    """data/demo.db as an earlier version's `demo` left it: demo people, no mark. start.sh keeps working."""
    from .conftest import load_demo

    load_demo(engine, mentors=5, mentees=5)  # written directly: no mark
    code, out, _ = run(capsys, "demo", "--db", store_url, "--if-empty")
    assert code == 0
    assert "  leader     leader@program.example.org  password: demo-leader-password" in out.splitlines()
    with db.read_session(engine) as session:
        assert settings.is_demo_store(session)


def test_a_demo_email_with_a_password_of_its_own_is_not_printed_as_a_demo_sign_in(capsys, engine, store_url):
    from .conftest import add_accounts, load_demo

    load_demo(engine, mentors=5, mentees=5)
    add_accounts(engine)  # leader@ and committee@program.example.org, with their own password
    code, out, _ = run(capsys, "demo", "--db", store_url, "--if-empty")
    assert (code, out) == (0, "The store already has registrations; no demo data added.\n")
