"""The public doors under a stranger's load (issue 24, items 3, 6 and 12): the client address and the trusted
proxy, registration limits per client address, refused downloads counted rather than logged one by one, and
sign-in failures counted per client address, atomically on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from mentorship import auth, clients, db, queries, services, signup, web
from mentorship.errors import Refused
from mentorship.models import AuditEvent, RefusalTally, Signup, SignupStatus, utcnow

from .concurrency import in_threads
from .conftest import COMMITTEE_EMAIL, LEADER_EMAIL, PASSWORD, add_accounts
from .factories import events
from .test_signup import LEADER, MENTEE, MENTOR, NOW, opened, send
from .test_web import request

ATTACKER = "203.0.113.7"
PHYSICIAN = "198.51.100.20"


# The client address
def test_a_direct_client_cannot_choose_its_address_with_a_header():
    spoofed = {"X-Forwarded-For": "198.51.100.1, 10.0.0.1"}
    assert clients.client_address(ATTACKER, spoofed, proxies=()) == ATTACKER
    assert clients.client_address(ATTACKER, spoofed, proxies=clients.trusted_proxies("127.0.0.1")) == ATTACKER


def test_behind_a_trusted_proxy_the_client_is_the_right_most_untrusted_address():
    proxies = clients.trusted_proxies("127.0.0.1, ::1, 10.0.0.0/8")
    # nginx appends the address it saw; whatever the browser wrote in front of it is ignored
    headers = {"x-forwarded-for": f"198.51.100.1, {ATTACKER}"}
    assert clients.client_address("127.0.0.1", headers, proxies=proxies) == ATTACKER
    assert (
        clients.client_address("::1", {"X-Forwarded-For": f"{ATTACKER}, 10.1.2.3"}, proxies=proxies)
        == ATTACKER
    )
    assert clients.client_address("127.0.0.1", {}, proxies=proxies) == "127.0.0.1"
    with pytest.raises(ValueError, match="'nginx' is not an address or a network"):
        clients.trusted_proxies("127.0.0.1,nginx")


def test_the_store_keeps_a_keyed_hash_and_an_ipv6_client_is_its_64_network():
    secret = b"k" * 32
    assert clients.key("2001:db8:1:2::5", secret) == clients.key("2001:db8:1:2:ffff::9", secret)
    assert clients.key("2001:db8:1:3::5", secret) != clients.key("2001:db8:1:2::5", secret)
    hashed = clients.key(ATTACKER, secret)
    assert len(hashed) == 32 and ATTACKER not in hashed and hashed != clients.key(ATTACKER, b"x" * 32)


# Item 3: registration
def test_fresh_sessions_from_one_address_cannot_close_registration_for_everyone(engine):
    """42+ submissions, each from a new browser session at one address, used up the program's hour; now
    that address is refused at its own limit and a physician elsewhere is still accepted."""
    opened(engine)
    answers = []
    for n in range(45):
        try:
            send(
                engine, cells=MENTOR | {"email": f"bot{n}@example.org"}, client=f"fresh-{n}", address=ATTACKER
            )
            answers.append("accepted")
        except Refused as refused:
            answers.append(str(refused))
    with db.read_session(engine) as session:
        chosen = queries.form_state(session, "mentors")
        limits = queries.registration_admin(session).settings
    assert chosen.open and limits.per_address < limits.per_hour
    assert answers == ["accepted"] * limits.per_address + [signup.TOO_MANY] * (45 - limits.per_address)
    receipt = send(engine, cells=MENTOR, client="the-physician", address=PHYSICIAN)
    assert receipt.signup_id is not None
    with db.read_session(engine) as session:
        stored = session.execute(sa.select(Signup.address).distinct()).scalars().all()
    assert ATTACKER not in stored and PHYSICIAN not in stored and len(stored) == 2


def test_hidden_field_submissions_count_toward_no_limit(engine):
    opened(engine)
    services.save_registration_settings(engine, actor=LEADER, contact_email="", per_session=5, per_hour=7)
    for n in range(10):
        send(engine, client=f"bot-{n}", honeypot="http://spam.example")
    receipt = send(engine, client="bot-0")
    assert receipt.signup_id is not None
    with db.read_session(engine) as session:
        statuses = session.execute(sa.select(Signup.status, sa.func.count()).group_by(Signup.status)).all()
        hidden = services.signups.HIDDEN_FIELD
        tallied = session.execute(
            sa.select(sa.func.sum(RefusalTally.count)).where(RefusalTally.action == hidden)
        ).scalar_one()
        audited = session.execute(sa.select(sa.func.count()).where(AuditEvent.action == hidden)).scalar_one()
    assert dict(statuses) == {SignupStatus.pending: 1}  # the bots' submissions are kept nowhere...
    assert (tallied, audited) == (10, 1)  # ...only counted, and audited once for the client and window


def test_the_per_address_limit_stays_below_the_hourly_cap(engine):
    with pytest.raises(Refused, match="one less than the submissions per hour"):
        services.save_registration_settings(
            engine, actor=LEADER, contact_email="", per_session=5, per_hour=20, per_address=20
        )
    services.save_registration_settings(engine, actor=LEADER, contact_email="", per_session=5, per_hour=7)
    with db.read_session(engine) as session:
        limits = queries.registration_admin(session).settings
    assert (limits.per_address, limits.per_hour) == (6, 7)


@pytest.mark.postgres
def test_simultaneous_submissions_on_postgresql_accept_exactly_the_cap(pg_url):
    """100 submissions at one moment, each from its own address and session: 78 were accepted against a cap
    of 60."""
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    opened(pg)

    def submit(n: int) -> str:
        try:
            send(
                pg,
                kind="mentees",
                cells=MENTEE | {"email": f"s{n}@school.example.edu"},
                client=f"s-{n}",
                address=f"198.51.100.{n}",
            )
            return "accepted"
        except Refused as refused:
            return str(refused)

    answers = in_threads(submit, [(n,) for n in range(100)])
    assert answers.count("accepted") == 60
    assert answers.count(signup.TOO_MANY) == 40
    with db.read_session(pg) as session:
        assert session.execute(sa.select(sa.func.count(Signup.id))).scalar_one() == 60
    pg.dispose()


# Item 6: refused downloads
def tallies(engine) -> list[tuple[str, int]]:
    with db.read_session(engine) as session:
        return [tuple(row) for row in session.execute(sa.select(RefusalTally.address, RefusalTally.count))]


@pytest.mark.browser
def test_a_flood_of_signed_out_requests_adds_a_handful_of_audit_rows_and_is_counted(engine, dashboard):
    """3,000 anonymous requests to /downloads/backup added 3,000 permanent audit rows; now each client's
    refusals are audited once per 10 minutes and counted, and a forged X-Forwarded-For from a browser
    connecting directly changes nothing (the real server, no trusted proxy)."""
    for n in range(300):
        status, _, body = request(
            dashboard, web.BACKUP_PATH, headers={"X-Forwarded-For": f"198.51.100.{n % 250}"}
        )
        assert (status, body.decode()) == (403, web.NOT_SIGNED_IN)
    refused = events(engine, "store.backup")
    assert 1 <= len(refused) <= 2  # one per 10-minute window: the run may straddle one boundary
    assert {(actor, outcome) for actor, outcome, _ in refused} == {("signed-out browser", "refused")}
    counted = tallies(engine)
    assert sum(count for _, count in counted) == 300
    assert len({address for address, _ in counted}) == 1  # one client, whatever the header said
    with db.read_session(engine) as session:
        shown = queries.refused_requests(session, "leader")
        assert queries.refused_requests(session, "committee").empty
    assert shown["requests"].sum() == 300 and set(shown["action"]) == {"store.backup"}


@pytest.mark.browser
def test_behind_a_trusted_proxy_each_forwarded_client_is_counted_apart(engine, store_url):
    from devtools.servers import dashboard_server

    with dashboard_server(store_url, env={clients.TRUSTED_PROXIES_ENV: "127.0.0.1,::1"}) as base:
        for n in range(15):
            forwarded = (
                f"10.9.9.9, 198.51.100.{n % 3}"  # what nginx sends: the browser's header, then its peer
            )
            status, _, _ = request(base, web.AUDIT_LOG_PATH, headers={"X-Forwarded-For": forwarded})
            assert status == 403
    assert 3 <= len(events(engine, "audit.export")) <= 6  # three clients, in one window (or two)
    per_client: dict[str, int] = {}
    for address, count in tallies(engine):
        per_client[address] = per_client.get(address, 0) + count
    assert sorted(per_client.values()) == [5, 5, 5]


@pytest.mark.browser
def test_a_signed_in_members_refusals_are_each_audited_as_theirs(engine, dashboard):
    add_accounts(engine)
    _, code = auth.sign_in(engine, email=COMMITTEE_EMAIL, password=PASSWORD)
    token = auth.begin_session(engine, code).session
    for _ in range(3):
        status, _, _ = request(
            dashboard, web.BACKUP_PATH, headers={"Cookie": f"{web.SESSION_COOKIE}={token}"}
        )
        assert status == 403
    assert events(engine, "store.backup") == [(COMMITTEE_EMAIL, "refused", "refused: committee role")] * 3


# Item 12: sign-in
def test_a_strangers_guesses_at_one_address_do_not_lock_out_a_new_browser_at_another(engine, accounts):
    now = utcnow()
    for attempt in range(20):  # one guess after another, as fast as the waits allow and beyond
        with pytest.raises(Refused):
            auth.sign_in(
                engine,
                email=LEADER_EMAIL,
                password=f"guess {attempt}",
                address=ATTACKER,
                now=now + timedelta(seconds=attempt),
            )
    later = now + timedelta(seconds=25)
    with pytest.raises(Refused):  # the stranger's address waits
        auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD, address=ATTACKER, now=later)
    actor, _ = auth.sign_in(engine, email=LEADER_EMAIL, password=PASSWORD, address=PHYSICIAN, now=later)
    assert actor.is_leader  # the leader on a new browser elsewhere signs in at once
    summaries = [summary for _, _, summary in events(engine, "auth.sign_in")]
    assert summaries[-1] == "signed in with a password"
    assert not any(ATTACKER in s or PHYSICIAN in s for s in summaries)


@pytest.mark.postgres
def test_parallel_wrong_guesses_on_postgresql_get_five_real_checks_and_each_failure_once(pg_url, monkeypatch):
    """40 wrong guesses at one moment got 7 real password checks and "the fifth failure" three times."""
    pg = db.make_engine(pg_url)
    db.upgrade(pg)
    add_accounts(pg)
    with db.read_session(pg) as session:
        real_hash = auth.active_user(session, LEADER_EMAIL).password_hash
    checks: list[str] = []
    verify = auth.verify_password

    def observed(password_hash, password):
        if password_hash == real_hash:
            checks.append(password)
        return verify(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", observed)
    now = utcnow()

    def guess(n: int) -> str:
        try:
            auth.sign_in(pg, email=LEADER_EMAIL, password=f"guess {n}", address=ATTACKER, now=now)
            return "signed in"
        except Refused as refused:
            return str(refused)

    answers = in_threads(guess, [(n,) for n in range(40)])
    assert set(answers) == {auth.WRONG}
    assert len(checks) == auth.FREE_ATTEMPTS
    summaries = [summary for _, _, summary in events(pg, "auth.sign_in")]
    assert sorted(s for s in summaries if s.startswith("wrong password")) == [
        f"wrong password (failure {n} in a row)" for n in range(1, 6)
    ]
    # the 35 that waited are counted for this client, audited once (they were 35 audit rows)
    assert sum(1 for s in summaries if s.startswith("sign-in refused: too many failed attempts")) == 1
    assert sum(count for _, count in tallies(pg)) == 35
    pg.dispose()


def test_client_address_records_are_pruned_after_their_retention(engine, accounts):
    from mentorship import pruning, services
    from mentorship.models import SignInThrottle

    opened(engine)
    send(engine, client="b-1", address=PHYSICIAN)
    with pytest.raises(Refused):
        auth.sign_in(engine, email=LEADER_EMAIL, password="guess", address=ATTACKER, now=NOW)
    services.record_signed_out_refusal(engine, action="store.backup", address=ATTACKER, now=NOW)
    soon = pruning.prune(engine, actor=accounts["leader"], now=NOW + timedelta(days=29))
    later = pruning.prune(engine, actor=accounts["leader"], now=NOW + timedelta(days=31))
    assert (soon.client_addresses, later.client_addresses) == (0, 3)
    with db.read_session(engine) as session:
        assert session.execute(sa.select(Signup.address)).scalars().all() == [""]
        assert session.execute(sa.select(sa.func.count(SignInThrottle.id))).scalar_one() == 0
        assert session.execute(sa.select(sa.func.count(RefusalTally.id))).scalar_one() == 0


def test_the_leader_reads_the_refused_requests_on_the_admin_page(app, engine, accounts):
    from mentorship import services

    from .conftest import signed_in

    for n in range(4):
        services.record_signed_out_refusal(engine, action="store.backup", address=ATTACKER, now=NOW)
        services.record_signed_out_refusal(engine, action="store.backup", address=f"198.51.100.{n}", now=NOW)
    at = signed_in(app("pages/5_Admin.py")).run()
    assert "Refused requests" in [h.value for h in at.header]
    (shown,) = [frame.value for frame in at.dataframe if "requests" in frame.value.columns]
    assert shown[["action", "requests", "clients"]].to_dict("records") == [
        {"action": "store.backup", "requests": 8, "clients": 5}
    ]
    assert len(events(engine, "store.backup")) == 5  # one per client


def test_a_flood_of_sign_in_attempts_adds_a_handful_of_audit_rows_and_is_counted(engine, accounts):
    """Issue 24, item 6, at the sign-in form: a signed-out browser's attempts for an unknown email, and its
    attempts while its address must wait, each wrote a permanent audit row (80 here). The failures whose
    passwords are really checked stay audited one by one; the rest are counted per client and window."""
    from mentorship import audit

    now = audit.refusal_window(utcnow()) + timedelta(minutes=1)  # the 40 seconds fall in one window
    for n in range(40):
        for email in (LEADER_EMAIL, "nobody@program.example.org"):
            with pytest.raises(Refused):
                auth.sign_in(
                    engine,
                    email=email,
                    password=f"guess {n}",
                    address=ATTACKER,
                    now=now + timedelta(seconds=n),
                )
    summaries = [summary for _, _, summary in events(engine, "auth.sign_in")]
    checked = [s for s in summaries if s.startswith("wrong password")]
    assert len(checked) < 10 and len(summaries) == len(checked) + 1, summaries  # one count a window
    assert sum(count for _, count in tallies(engine)) == 80 - len(checked)
    assert not any(ATTACKER in s or "nobody" in s for s in summaries)
