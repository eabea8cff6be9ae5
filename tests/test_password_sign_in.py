"""MENTORSHIP_PASSWORD_SIGNIN=off, for an institution that requires its own sign-in (and its multi-factor
rules): the sign-in page offers only the institution's button, no password signs in or resumes a session,
accounts get no password (`users add`, Admin), and a server nobody could sign in to refuses to start.
tests/test_sso_browser.py walks the same in Chromium against a real provider."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tomllib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentorship import auth, db
from mentorship.cli import main
from mentorship.errors import Refused, UnusableInput
from mentorship.models import AuditEvent, LoginSession, User, utcnow
from mentorship.ui.core import NOBODY_CAN_SIGN_IN

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD, ROOT, signed_in
from .oidc_provider import EXAMPLE, SSO_BUTTON

NOW = utcnow()
EXAMPLE_AUTH = tomllib.loads(EXAMPLE.read_text())["auth"]


@pytest.fixture
def passwords_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(auth.PASSWORD_SIGN_IN_ENV, "off")


def with_sso(at, configured: bool = True):
    """The page's secrets: the operator's `[auth]` example, or secrets without it (never the developer's)."""
    at.secrets = {"auth": dict(EXAMPLE_AUTH)} if configured else {"smtp": {}}
    return at


def test_the_setting_is_on_or_off_and_any_other_value_is_named():
    name = auth.PASSWORD_SIGN_IN_ENV
    assert [auth.password_sign_in(env) for env in ({}, {name: "on"}, {name: " Off "}, {name: ""})] == [
        True,
        True,
        False,
        True,
    ]
    with pytest.raises(UnusableInput) as bad:
        auth.password_sign_in({name: "no"})
    assert str(bad.value) == "MENTORSHIP_PASSWORD_SIGNIN must be on or off (it is 'no')."


def test_with_passwords_off_the_page_offers_only_the_institutions_button(
    app, engine, accounts, passwords_off
):
    at = with_sso(app("app.py")).run()
    assert not at.exception and len(at.error) == 0
    assert [b.label for b in at.button] == [SSO_BUTTON]
    assert len(at.text_input) == 0  # no email, no password
    assert len(at.sidebar) == 0


def test_with_passwords_on_the_page_offers_both(app, engine, accounts):
    at = with_sso(app("app.py")).run()
    assert [b.label for b in at.button] == ["Sign in", SSO_BUTTON]
    assert [t.label for t in at.text_input] == ["Email", "Password"]


def test_with_passwords_off_and_no_single_sign_on_the_page_says_why_nobody_can_sign_in(
    app, engine, accounts, passwords_off
):
    at = with_sso(app("pages/3_Cadence.py"), configured=False).run()
    assert [e.value for e in at.error] == [NOBODY_CAN_SIGN_IN]
    assert len(at.button) == len(at.text_input) == len(at.sidebar) == 0


def test_a_bad_setting_is_one_sentence_on_the_page(app, engine, accounts, monkeypatch):
    monkeypatch.setenv(auth.PASSWORD_SIGN_IN_ENV, "maybe")
    at = signed_in(with_sso(app("app.py"))).run()
    assert [e.value for e in at.error] == ["MENTORSHIP_PASSWORD_SIGNIN must be on or off (it is 'maybe')."]
    assert len(at.button) == len(at.sidebar) == len(at.metric) == 0


def test_with_passwords_off_the_institutions_sign_in_gives_the_committee_view(
    app, engine, accounts, passwords_off
):
    at = signed_in(with_sso(app("app.py")), "committee").run()
    assert not at.exception
    assert f"Signed in as {COMMITTEE_EMAIL} (committee)" in [c.value for c in at.sidebar.caption]


def audited(engine) -> list[tuple]:
    with db.read_session(engine) as session:
        return session.execute(
            sa.select(AuditEvent.actor, AuditEvent.action, AuditEvent.outcome, AuditEvent.summary)
        ).all()


def test_with_passwords_off_no_password_signs_in_and_no_earlier_session_resumes(
    engine, accounts, monkeypatch
):
    _, code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)
    earlier = auth.begin_session(engine, code)
    _, unused_code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)

    monkeypatch.setenv(auth.PASSWORD_SIGN_IN_ENV, "off")
    with pytest.raises(Refused) as refused:
        auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD)
    assert str(refused.value) == auth.PASSWORD_OFF
    assert audited(engine)[-1] == (
        "unknown account",
        "auth.sign_in",
        "refused",
        "password sign-in while it is off",
    )
    with pytest.raises(Refused) as refused:
        auth.begin_session(engine, unused_code)
    assert str(refused.value) == auth.PASSWORD_OFF
    assert auth.resume(engine, earlier.session) is None

    monkeypatch.setenv(auth.PASSWORD_SIGN_IN_ENV, "on")
    assert auth.resume(engine, earlier.session).email == LEADER_EMAIL  # it was the setting, nothing else


def test_with_passwords_off_the_institutions_sign_in_gets_a_session_of_its_own_until_it_ends(
    engine, accounts, passwords_off
):
    code = auth.begin_single_sign_on(engine, LEADER_EMAIL, now=NOW)
    assert audited(engine)[-1] == (LEADER_EMAIL, "auth.sign_in", "done", "signed in through the institution")
    cookies = auth.begin_session(engine, code, now=NOW)
    assert cookies.device is None  # no password: no failures to count per browser
    assert auth.begin_session(engine, code, now=NOW) is None  # the code is used once
    actor = auth.resume(engine, cookies.session, now=NOW)
    assert (actor.email, actor.role, actor.id) == (
        LEADER_EMAIL,
        accounts["leader"].role,
        accounts["leader"].id,
    )
    with db.read_session(engine) as session:
        login = session.get(LoginSession, actor.login_id)
        assert (login.institution, login.ended_at) == (True, None)

    auth.end_session(engine, cookies.session, now=NOW)
    assert auth.resume(engine, cookies.session, now=NOW) is None

    late = auth.begin_single_sign_on(engine, COMMITTEE_EMAIL, now=NOW)
    assert auth.begin_session(engine, late, now=NOW + auth.HANDOFF_TIME + timedelta(seconds=1)) is None


def test_the_institutions_sign_in_refuses_an_unknown_or_inactive_account_as_actor_for_email_does(
    engine, accounts, store_url
):
    assert main(["users", "deactivate", COMMITTEE_EMAIL, "--db", store_url]) == 0
    for email in ("stranger@umn.edu", COMMITTEE_EMAIL):
        with pytest.raises(Refused) as refused:
            auth.begin_single_sign_on(engine, email, now=NOW)
        with db.read_session(engine) as session, pytest.raises(Refused) as same:
            auth.actor_for_email(session, email)
        assert str(refused.value) == str(same.value) == "No active account has that email."
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(LoginSession)).scalar() == 0
    assert audited(engine)[-1] == (
        "unknown account",
        "auth.sign_in",
        "refused",
        "institution sign-in with an unknown or inactive account",
    )


def password_of(engine, email: str) -> str | None:
    with db.read_session(engine) as session:
        return session.execute(sa.select(User.password_hash).where(User.email == email)).scalar_one()


def test_users_add_with_passwords_off_sets_no_password_and_says_why(capsys, engine, store_url, passwords_off):
    assert main(["users", "add", "jo@umn.edu", "--role", "committee", "--db", store_url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Account ready: jo@umn.edu (committee).",
        "Password sign-in is off (MENTORSHIP_PASSWORD_SIGNIN=off): accounts sign in with the institution's "
        "account and need no password.",
    ]
    assert password_of(engine, "jo@umn.edu") is None


def test_users_add_refuses_a_password_while_passwords_are_off(
    capsys, monkeypatch, engine, store_url, passwords_off
):
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long enough password\n"))
    command = ["users", "add", "jo@umn.edu", "--role", "committee", "--password-stdin", "--db", store_url]
    assert main(command) == 1
    assert capsys.readouterr().err == auth.NO_PASSWORD_NEEDED + "\n"
    with db.read_session(engine) as session:
        assert session.execute(sa.select(User).where(User.email == "jo@umn.edu")).first() is None


def test_users_add_with_a_bad_setting_names_it(capsys, monkeypatch, engine, store_url):
    monkeypatch.setenv(auth.PASSWORD_SIGN_IN_ENV, "disabled")
    assert main(["users", "add", "jo@umn.edu", "--role", "committee", "--db", store_url]) == 2
    assert capsys.readouterr().err == "MENTORSHIP_PASSWORD_SIGNIN must be on or off (it is 'disabled').\n"


def test_with_passwords_off_admin_adds_an_account_without_a_password(app, engine, accounts, passwords_off):
    at = signed_in(with_sso(app("pages/5_Admin.py"))).run()
    assert "new-password" not in [k.key for k in at.text_input]
    assert auth.NO_PASSWORD_NEEDED in [c.value for c in at.caption]
    at.text_input(key="new-email").input("tou.vang@umn.edu")
    next(b for b in at.button if b.label == "Add account").click().run()
    assert [t.value for t in at.toast] == ["Account ready: tou.vang@umn.edu (committee)."]
    assert len(at.tabs[0].code) == 0  # no generated password to show
    assert password_of(engine, "tou.vang@umn.edu") is None


def test_a_server_nobody_could_sign_in_to_refuses_to_start(engine, store_url, tmp_path):
    env = {
        **os.environ,
        "MENTORSHIP_DATABASE_URL": store_url,
        auth.PASSWORD_SIGN_IN_ENV: "off",
        "STREAMLIT_SECRETS_FILES": str(tmp_path / "secrets.toml"),  # none: no single sign-on
    }
    command = [sys.executable, "-m", "streamlit", "run", "server.py", "--server.headless", "true"]
    started = subprocess.run(
        [*command, "--server.port", "0"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 1
    assert f"The dashboard did not start. {NOBODY_CAN_SIGN_IN}\n" in started.stderr
