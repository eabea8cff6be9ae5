"""Accounts, sign-in, sessions, roles and the audit trail of refusals."""

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from mentorship import auth, db, services
from mentorship.auth import Actor
from mentorship.errors import PermissionDenied, Refused
from mentorship.models import AuditEvent, LoginSession, Role, User, utcnow

from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD, ROOT, TODAY, signed_in

PUBLIC = (
    "Check_in",
    "Register",
    "Survey",
    "Update",
)  # pages for people without an account: each has its own tests
PAGES = sorted(
    p.relative_to(ROOT).as_posix()
    for p in (ROOT / "pages").glob("*.py")
    if not any(name in p.name for name in PUBLIC)
)


def audit_rows(engine) -> list[tuple]:
    with db.read_session(engine) as session:
        return [
            tuple(r)
            for r in session.execute(
                sa.select(
                    AuditEvent.actor, AuditEvent.action, AuditEvent.outcome, AuditEvent.summary
                ).order_by(AuditEvent.id)
            )
        ]


def test_password_is_hashed_with_argon2_and_appears_nowhere_in_the_store(tmp_path):
    path = tmp_path / "store.db"
    secret = "Purple-Otter-Lantern-42"
    run = [
        sys.executable,
        "-m",
        "mentorship",
        "users",
        "add",
        "Ana@Umn.edu",
        "--role",
        "leader",
        "--password-stdin",
        "--db",
        str(path),
    ]
    subprocess.run(
        [sys.executable, "-m", "mentorship", "init", "--db", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    result = subprocess.run(run, cwd=ROOT, input=secret + "\n", capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "Account ready: ana@umn.edu (leader).\n"
    assert secret not in result.stdout + result.stderr
    engine = db.make_engine(f"sqlite:///{path}")
    with db.read_session(engine) as session:
        stored = session.execute(sa.select(User.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$")
    engine.dispose()
    for file in tmp_path.iterdir():
        assert secret.encode() not in Path(file).read_bytes()


def test_users_add_without_a_password_prints_a_strong_one_once(capsys, engine, store_url):
    from mentorship.cli import main

    assert main(["users", "add", "jo@umn.edu", "--role", "committee", "--db", store_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Account ready: jo@umn.edu (committee)."
    password = lines[1].split(": ", 1)[1]
    assert len(password) >= 20
    actor, _ = auth.sign_in(engine, email="JO@umn.edu ", password=password)
    assert actor.role == Role.committee


def session_of(engine, email: str = LEADER_EMAIL, password: str = PASSWORD, **kw) -> tuple[Actor, str]:
    """Sign in and exchange the one-time code as /auth/begin does: the actor and its session token."""
    actor, code = auth.sign_in(engine, email=email, password=password, **kw)
    cookies = auth.begin_session(engine, code, now=kw.get("now"))
    assert cookies is not None
    return actor, cookies.session


def test_sign_in_resume_and_idle_timeout(engine, accounts):
    now = utcnow()
    actor, code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD, now=now)
    assert (actor.email, actor.role, actor.id) == (LEADER_EMAIL, Role.leader, accounts["leader"].id)
    assert auth.resume(engine, code, now=now) is None  # the one-time code is not a session
    cookies = auth.begin_session(engine, code, now=now + timedelta(seconds=2))
    assert cookies is not None and cookies.device
    assert auth.begin_session(engine, code, now=now + timedelta(seconds=3)) is None  # used once only
    token = cookies.session
    assert auth.resume(engine, token, now=now + timedelta(minutes=29)) == actor
    # idle time counts from the last activity, not from signing in
    assert auth.resume(engine, token, now=now + timedelta(minutes=58)) == actor
    assert auth.resume(engine, token, now=now + timedelta(minutes=89)) is None
    assert auth.resume(engine, token, now=now + timedelta(minutes=90)) is None  # the session has ended
    with db.read_session(engine) as session:
        stored = session.execute(sa.select(LoginSession.token_hash)).scalar_one()
    assert token not in stored and code not in stored  # only hashes are kept


def test_a_sign_in_code_not_used_within_a_minute_is_worthless(engine, accounts):
    now = utcnow()
    _, code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD, now=now)
    assert auth.begin_session(engine, code, now=now + timedelta(seconds=61)) is None
    assert auth.begin_session(engine, code, now=now + timedelta(seconds=30)) is None  # and it is gone
    assert auth.begin_session(engine, "made-up", now=now) is None


def test_a_deactivated_account_loses_its_sessions(engine, accounts):
    _, token = session_of(engine, COMMITTEE_EMAIL)
    services.deactivate_user(engine, actor=accounts["leader"], email=COMMITTEE_EMAIL)
    assert auth.resume(engine, token) is None
    with pytest.raises(Refused, match="do not match an active account"):
        auth.sign_in(engine, email=COMMITTEE_EMAIL, password=PASSWORD)


def refusal(engine, email: str, password: str, **kw) -> str:
    with pytest.raises(Refused) as refused:
        auth.sign_in(engine, email=email, password=password, **kw)
    return str(refused.value)


def test_failed_sign_ins_are_slowed_down_and_audited(engine, accounts):
    now = utcnow()
    for attempt in range(5):
        assert refusal(engine, LEADER_EMAIL, f"guess {attempt}", now=now) == auth.WRONG
    # throttled: even the right password is refused, in the same words as a wrong one
    assert refusal(engine, LEADER_EMAIL, PASSWORD, now=now + timedelta(seconds=5)) == auth.WRONG
    actor, _ = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD, now=now + timedelta(seconds=31))
    assert actor.is_leader
    assert refusal(engine, "nobody@umn.edu", "whatever", now=now) == auth.WRONG
    rows = audit_rows(engine)
    assert rows[0] == (LEADER_EMAIL, "auth.sign_in", "refused", "wrong password (failure 1 in a row)")
    assert rows[5] == (LEADER_EMAIL, "auth.sign_in", "refused", "sign-in refused: too many failed attempts")
    assert rows[6] == (LEADER_EMAIL, "auth.sign_in", "done", "signed in with a password")
    assert rows[7] == (
        "unknown account",
        "auth.sign_in",
        "refused",
        "sign-in with an unknown or inactive account",
    )
    assert not any("nobody" in str(r) for r in rows)


def test_every_failed_sign_in_reads_the_same_known_or_unknown_throttled_or_not(engine, accounts):
    now = utcnow()
    services.add_user(
        engine, actor=accounts["leader"], email="gone@umn.edu", role="committee", password=PASSWORD
    )
    services.deactivate_user(engine, actor=accounts["leader"], email="gone@umn.edu")
    answers = {
        "unknown email": refusal(engine, "nobody@umn.edu", "guess", now=now),
        "deactivated": refusal(engine, "gone@umn.edu", PASSWORD, now=now),
        "wrong password": refusal(engine, LEADER_EMAIL, "guess", now=now),
    }
    for attempt in range(5):
        refusal(engine, LEADER_EMAIL, f"guess {attempt}", now=now)
        refusal(engine, "nobody@umn.edu", f"guess {attempt}", now=now)
    answers["throttled, wrong password"] = refusal(engine, LEADER_EMAIL, "guess", now=now)
    answers["throttled, right password"] = refusal(engine, LEADER_EMAIL, PASSWORD, now=now)
    answers["unknown, after many"] = refusal(engine, "nobody@umn.edu", "guess", now=now)
    assert set(answers.values()) == {auth.WRONG}


def test_a_throttled_answer_takes_as_long_as_any_other(engine, accounts):
    """The argon2 verification runs for every attempt (a dummy hash for an unknown email or while
    throttled), so the time of an answer tells nothing. Medians of 7, with a generous margin: a throttled
    account used to answer in ~2 ms against ~120 ms for an unknown email."""
    import statistics
    import time

    now = utcnow()
    for attempt in range(6):
        refusal(engine, COMMITTEE_EMAIL, f"guess {attempt}", now=now)

    emails = {"unknown": "nobody@umn.edu", "wrong": LEADER_EMAIL, "throttled": COMMITTEE_EMAIL}
    times: dict[str, list[float]] = {kind: [] for kind in emails}
    for attempt in range(7):  # interleaved, so a busy machine slows every kind alike
        for kind, email in emails.items():
            start = time.perf_counter()
            refusal(engine, email, f"again {attempt}", now=now)
            times[kind].append(time.perf_counter() - start)
    medians = {kind: statistics.median(spent) for kind, spent in times.items()}
    assert max(medians.values()) < 4 * min(medians.values()), medians


def test_strangers_cannot_lock_out_a_browser_that_signed_in_before(engine, accounts):
    """OWASP's device cookies: failures from browsers the account never signed in from are counted
    together and slow down only those; a browser that signed in before has its own count."""
    now = utcnow()
    _, code = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD, now=now)
    device = auth.begin_session(engine, code, now=now).device
    for attempt in range(20):  # a stranger keeps guessing, one attempt after another
        refusal(engine, LEADER_EMAIL, f"guess {attempt}", now=now + timedelta(seconds=attempt))
    later = now + timedelta(seconds=30)
    assert refusal(engine, LEADER_EMAIL, PASSWORD, now=later) == auth.WRONG  # a new browser waits
    actor, _ = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD, device=device, now=later)
    assert actor.is_leader  # the leader's own browser is not locked out
    # a device cookie counts only for its own account, and its own failures are counted apart
    assert refusal(engine, COMMITTEE_EMAIL, "guess", device=device, now=later) == auth.WRONG
    for attempt in range(5):
        refusal(engine, LEADER_EMAIL, f"typo {attempt}", device=device, now=later)
    assert refusal(engine, LEADER_EMAIL, PASSWORD, device=device, now=later) == auth.WRONG
    actor, _ = auth.sign_in(
        engine, email=LEADER_EMAIL, password=PASSWORD, device=device, now=later + timedelta(seconds=31)
    )
    assert actor.is_leader
    assert audit_rows(engine)[-1] == (
        LEADER_EMAIL,
        "auth.sign_in",
        "done",
        "signed in with a password from a known browser",
    )


def test_a_service_call_as_committee_is_refused_and_audited(engine, accounts):
    with pytest.raises(PermissionDenied, match="^Only the program leader can make this change.$"):
        services.load_demo(engine, actor=accounts["committee"], today=TODAY)
    assert audit_rows(engine) == [(COMMITTEE_EMAIL, "demo.load", "refused", "refused: committee role")]
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count()).select_from(User)).scalar() == 2


def test_the_cli_as_checks_the_role(capsys, engine, store_url, accounts):
    from mentorship.cli import main

    code = main(["users", "add", "x@umn.edu", "--role", "leader", "--db", store_url, "--as", COMMITTEE_EMAIL])
    assert (code, capsys.readouterr().err) == (1, "Only the program leader can make this change.\n")
    code = main(["users", "add", "x@umn.edu", "--role", "leader", "--db", store_url, "--as", "who@umn.edu"])
    assert (code, capsys.readouterr().err) == (1, "No active account has that email.\n")
    code = main(["users", "add", "not-an-email", "--role", "leader", "--db", store_url, "--as", LEADER_EMAIL])
    assert code == 1 and capsys.readouterr().err.startswith("Not a valid email address")
    assert [r[:3] for r in audit_rows(engine)] == [
        (COMMITTEE_EMAIL, "user.add", "refused"),
        ("unknown account", "cli.users", "refused"),
        (LEADER_EMAIL, "user.add", "refused"),
    ]


def test_the_last_leader_cannot_be_deactivated(engine, accounts):
    with pytest.raises(Refused, match="The last active leader account cannot be deactivated."):
        services.deactivate_user(engine, actor=accounts["leader"], email=LEADER_EMAIL)


def test_the_operator_is_the_cli_with_leader_rights():
    assert Actor.operator() == Actor(email="cli", role=Role.leader)


@pytest.mark.parametrize("page", ["app.py", *PAGES])
def test_no_page_shows_anything_without_sign_in(app, engine, accounts, page):
    from .conftest import load_demo

    load_demo(engine)
    at = app(page).run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert [t.label for t in at.text_input] == ["Email", "Password"]
    assert len(at.metric) == len(at.dataframe) == len(at.get("vega_lite_chart")) == 0
    assert len(at.sidebar) == 0


def test_a_university_sign_in_without_an_account_gets_nothing(app, engine, accounts):
    at = app("app.py")
    at.user = {"is_logged_in": True, "email": "stranger@umn.edu"}
    at.run()
    assert "has no access to this dashboard" in at.warning[0].value
    assert len(at.metric) == 0


def test_signing_in_with_the_form(app, engine, accounts):
    """The form checks the password; the browser is then sent to /auth/begin with a one-time code, whose
    answer sets the HttpOnly cookie (tests/test_web.py and the browser tests follow it there)."""
    at = app("app.py").run()
    at.text_input[0].input(LEADER_EMAIL)
    at.text_input[1].input("wrong password!")
    at.button[0].click().run()
    assert at.warning[0].value == auth.WRONG
    assert at.text_input[1].value == ""  # a typed password is never kept
    at.text_input[0].input(LEADER_EMAIL)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.info[0].value == "Signing you in…"
    assert len(at.text_input) == 0 and len(at.sidebar) == 0
    with db.read_session(engine) as session:
        waiting = session.execute(
            sa.select(LoginSession.handoff_until).where(LoginSession.user_id == accounts["leader"].id)
        ).scalar_one()
    assert waiting is not None


def test_committee_cannot_open_the_admin_page(app, engine, accounts):
    at = signed_in(app("pages/5_Admin.py"), "committee").run()
    assert at.warning[0].value == "This page is for the program leader."
    assert len(at.dataframe) == 0 and len(at.tabs) == 0


def test_a_button_drawn_before_deactivation_or_sign_out_changes_nothing(engine, accounts):
    """Every write re-checks the account and its session: a page may have been drawn before either ended."""
    actor, token = session_of(engine)
    services.add_user(engine, actor=actor, email="second@umn.edu", role="leader", password=PASSWORD)
    auth.end_session(engine, token)
    with pytest.raises(PermissionDenied, match="^Your session has ended; please sign in again.$"):
        services.add_user(engine, actor=actor, email="x@umn.edu", role="committee", password=PASSWORD)

    services.deactivate_user(
        engine, actor=accounts["leader"].__class__.of(_user(engine, "second@umn.edu")), email=LEADER_EMAIL
    )
    with pytest.raises(PermissionDenied, match="can no longer make this change"):
        services.load_demo(engine, actor=accounts["leader"], today=TODAY)
    assert audit_rows(engine)[-1] == (
        LEADER_EMAIL,
        "demo.load",
        "refused",
        "refused: account or session no longer valid",
    )


def _user(engine, email: str) -> User:
    with db.read_session(engine) as session:
        return session.execute(sa.select(User).where(User.email == email)).scalar_one()


@pytest.mark.parametrize("password", [PASSWORD, "not the password at all"])
def test_checking_a_password_holds_no_write_lock(engine, accounts, monkeypatch, password):
    """While argon2 checks one sign-in's password, another sign-in (a write) goes through: ten members
    signing in at once do not queue behind each other's checks past the store's busy timeout."""
    real = auth.verify_password
    other: list[threading.Thread] = []
    went_through = []

    def checking(password_hash, typed):
        monkeypatch.setattr(auth, "verify_password", real)  # the other sign-in checks for real
        member = threading.Thread(
            target=auth.sign_in, args=(engine,), kwargs={"email": COMMITTEE_EMAIL, "password": PASSWORD}
        )
        other.append(member)
        member.start()
        member.join(timeout=5)
        went_through.append(not member.is_alive())
        return real(password_hash, typed)

    monkeypatch.setattr(auth, "verify_password", checking)
    try:
        if password == PASSWORD:
            assert auth.sign_in(engine, email=LEADER_EMAIL, password=password)[0].email == LEADER_EMAIL
        else:
            with pytest.raises(Refused):
                auth.sign_in(engine, email=LEADER_EMAIL, password=password)
    finally:
        for member in other:
            member.join()
    assert went_through == [True]
    with db.read_session(engine) as session:
        signed_in_accounts = session.execute(
            sa.select(User.email).join(LoginSession, LoginSession.user_id == User.id)
        ).scalars()
        assert COMMITTEE_EMAIL in set(signed_in_accounts)
