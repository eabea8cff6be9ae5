"""The deployment as deploy/try.sh runs it: two dashboard instances on one PostgreSQL store behind nginx,
which serves HTTPS (a self-signed certificate the test trusts), keeps each browser on one instance and adds
the security headers; the systemd units and the nightly backup script.

The stack is deploy/stack.py's, started on the suite's PostgreSQL server with demo data in a new database.
"""

from __future__ import annotations

import gzip
import http.client
import os
import re
import shutil
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from deploy import stack as deployment
from deploy.stack import Stack
from deploy.static_files import publish, streamlit_build
from devtools.servers import sign_in, unavailable, wait_for_app
from mentorship import db
from mentorship.cli import main
from mentorship.demo import DEMO_ACCOUNTS
from mentorship.models import Mentee, Mentor, RefusalTally

from .browser_steps import grid_row, metric, open_page, open_pair, selectbox, shown
from .conftest import ROOT
from .oidc_provider import (
    NO_ACCESS,
    auth_secrets,
    expect_committee_view,
    expect_signed_out,
    oidc_provider,
    sign_in_at_provider,
    sign_out_at_provider,
)

(LEADER, _, LEADER_PASSWORD), (COMMITTEE, _, COMMITTEE_PASSWORD) = DEMO_ACCOUNTS
ROUTE_COOKIE = "mentorship_route"
SESSION_COOKIE = "mentorship_session"
SECURITY_HEADERS = {
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "content-security-policy": "frame-ancestors 'none'",
}


def _new_database(server_url: str) -> str:
    name = f"deploy_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _stack(server_url: str, **settings) -> Iterator[Stack]:
    """The stack of deploy/try.sh on a new database of the suite's PostgreSQL server."""
    try:
        with deployment.running(_new_database(server_url), **settings) as stack:
            yield stack
    except deployment.MissingProgram as exc:
        unavailable(str(exc))


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The institution's OpenID Connect provider (a real one, on localhost http)."""
    with oidc_provider() as url:
        yield url


@pytest.fixture(scope="module")
def deployed(
    postgres_server_url: str, provider: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The stack, with `provider` as its single sign-on beside password sign-in: every instance reads the
    same secrets file (deploy/auth.example.toml's keys), whose redirect_uri is the proxy's https address."""
    https_port = deployment.free_port()
    secrets = tmp_path_factory.mktemp("deploy-sso") / "secrets.toml"
    auth_secrets(secrets, dashboard=f"https://127.0.0.1:{https_port}", provider=provider)
    yield from _stack(
        postgres_server_url, https_port=https_port, env={"STREAMLIT_SECRETS_FILES": str(secrets)}
    )


@pytest.fixture
def own_stack(postgres_server_url: str) -> Iterator[Stack]:
    """A stack of this test's own, whose instances it may stop."""
    yield from _stack(postgres_server_url)


# What nginx did
def routed_lines(stack: Stack, route: str) -> list[str]:
    """nginx's log lines of the requests that carried routing key `route`."""
    return [line for line in stack.access_log.read_text().splitlines() if line.endswith(f" route={route}")]


def served_by(stack: Stack, route: str) -> set[str]:
    """The instances (host:port) nginx sent the requests carrying routing key `route` to (those it answered
    itself, Streamlit's files, logged `upstream=-`, left out)."""
    upstreams = {re.search(r" upstream=(\S+) ", line).group(1) for line in routed_lines(stack, route)}
    return upstreams - {"-"}


def route_of(context) -> str:
    (route,) = [c["value"] for c in context.cookies() if c["name"] == ROUTE_COOKIE]
    return route


def instance_of(stack: Stack, context) -> str:
    """The one instance every request of this browser went to (more than one would be no stickiness)."""
    (instance,) = served_by(stack, route_of(context))
    return instance


def keep_on(stack: Stack, context, instance: str) -> None:
    """Give a browser a routing cookie that nginx hashes to `instance` (sent from its first request)."""
    host = stack.url.split("//")[1].split(":")[0]
    for attempt in range(64):
        route = f"{uuid.uuid4().hex}{attempt}"
        cookie = {"name": ROUTE_COOKIE, "value": route, "domain": host, "path": "/", "secure": True}
        context.add_cookies([cookie])
        assert context.request.get(f"{stack.url}/_stcore/health").ok
        if served_by(stack, route) == {instance}:
            return
    raise AssertionError(f"no routing key reached {instance} in 64 tries")


def browser(chromium):
    """A browser of its own (no cookies) that trusts the stack's self-signed certificate."""
    context = chromium.new_context(ignore_https_errors=True, viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(60_000)
    return context, page


def pick(page, box, option: str) -> None:
    """Choose `option` in a select box by typing it (a long list does not draw every option)."""
    combo = box.get_by_role("combobox")
    combo.click()
    combo.press_sequentially(option.split(" & ")[1])
    page.get_by_role("listbox").get_by_role("option", name=option, exact=True).click()
    expect(combo).to_have_value(option)
    wait_for_app(page)


def recently_confirmed(page):
    page.get_by_role("tab", name="Recently confirmed").click()
    return page.locator('[data-testid="stDataFrame"]').filter(visible=True).first


@pytest.mark.browser
@pytest.mark.postgres
def test_a_pair_confirmed_on_one_instance_shows_on_the_other_and_its_check_in_link_is_https(
    deployed, chromium
):
    leader_context, leader = browser(chromium)
    committee_context, committee = browser(chromium)
    pair_context, pair_page = browser(chromium)
    try:
        leader.goto(deployed.url)
        sign_in(leader, LEADER, LEADER_PASSWORD)
        leader_route, leader_instance = route_of(leader_context), instance_of(deployed, leader_context)
        (other_instance,) = {u.split("//")[1] for u in deployed.instances} - {leader_instance}

        # The committee member's browser is kept on the other instance
        keep_on(deployed, committee_context, other_instance)
        committee.goto(deployed.url)
        sign_in(committee, COMMITTEE, COMMITTEE_PASSWORD)
        committee_route = route_of(committee_context)
        active = int(metric(committee, "Active pairs").inner_text())
        open_page(committee, "Pairings")

        # The leader confirms the best suggested pair
        open_page(leader, "Pairings")
        pair = shown(selectbox(leader, "Suggested pair")).rsplit(" (", 1)[0]
        mentor, mentee = pair.split(" & ")
        expect(grid_row(recently_confirmed(committee), mentor, mentee)).to_have_count(0)
        leader.get_by_role("button", name="Confirm", exact=True).click()
        leader.get_by_text(f"Confirmed: {pair}.").wait_for()
        wait_for_app(leader)
        store = db.make_engine(deployed.database_url)
        match = open_pair(store, pair)
        with db.read_session(store) as session:  # a first name may be two words ("Hser Htoo")
            first_names = (
                session.get(Mentor, match.mentor_id).first_name,
                session.get(Mentee, match.mentee_id).first_name,
            )
        store.dispose()
        assert (match.status, match.confirmed_on) == ("active", date.today())

        # The other instance shows it on the committee's next rerun
        open_page(committee, "Overview")
        expect(metric(committee, "Active pairs")).to_have_text(str(active + 1))
        open_page(committee, "Pairings")
        expect(grid_row(recently_confirmed(committee), mentor, mentee)).to_have_count(1)

        # The leader issues the pair's check-in link: it is on the public https:// address
        open_page(leader, "Cadence")
        pick(leader, selectbox(leader, "Pair"), pair)
        # (the button of this pair's: one drawn before the choice reached the server would be another's)
        leader.locator(".st-key-issue-link").get_by_role("button").click()
        code = leader.locator('[data-testid="stCode"]')
        code.wait_for()
        link = code.inner_text().strip()
        assert link.startswith(f"{deployed.url}/Check_in?token=")

        # The pair opens it through the proxy; the response says: send no Referer (the token is in the URL)
        response = pair_page.goto(link)
        assert response.status == 200
        assert {h: response.headers.get(h) for h in SECURITY_HEADERS} == SECURITY_HEADERS
        wait_for_app(pair_page)
        pair_page.get_by_text("Hi {} and {}!".format(*first_names)).wait_for()
    finally:
        for context in (leader_context, committee_context, pair_context):
            context.close()

    # Every request of each browser went to its one instance, the WebSocket included (nginx logs a
    # WebSocket when it closes)
    for route in (leader_route, committee_route):
        deadline = time.monotonic() + 15
        while '"GET /_stcore/stream HTTP/1.1" 101' not in "".join(routed_lines(deployed, route)):
            assert time.monotonic() < deadline, f"no WebSocket logged for {route}"
            time.sleep(0.2)
    assert served_by(deployed, leader_route) == {leader_instance}
    assert served_by(deployed, committee_route) == {other_instance}


@pytest.mark.browser
def test_the_session_cookie_is_secure_over_https(deployed, chromium):
    context, page = browser(chromium)
    try:
        page.goto(deployed.url)
        sign_in(page, LEADER, LEADER_PASSWORD)
        (session,) = [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
        assert session["secure"] is True
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.postgres
def test_single_sign_on_through_the_proxy(deployed, provider, chromium):
    """The institution's sign-in behind nginx, its redirect address the proxy's https one: a committee
    email provisioned without a password comes back with the committee's view; "Sign out" ends it; an
    email without an account gets one sentence."""
    member = "sso.member@umn.edu"
    assert main(["users", "add", member, "--role", "committee", "--db", deployed.database_url]) == 0
    for email in (member, "stranger@umn.edu"):
        context, page = browser(chromium)
        try:
            page.goto(deployed.url)
            wait_for_app(page)
            sign_in_at_provider(page, provider, email)
            if email == member:
                expect_committee_view(page, member)
                sign_out_at_provider(page, provider)
                expect_signed_out(page, deployed.url)
            else:
                page.wait_for_url(f"{deployed.url}/")
                wait_for_app(page)
                expect(page.get_by_text(NO_ACCESS)).to_be_visible()
                expect(page.locator('[data-testid="stSidebar"]')).to_have_count(0)
        finally:
            context.close()


# The proxy without a browser
def fetch(url: str, context: ssl.SSLContext | None, route: str | None = None) -> tuple[int, dict[str, str]]:
    """Status and headers of a GET (with routing key `route`, if given), redirects not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=context))
    try:
        headers = {"Cookie": f"{ROUTE_COOKIE}={route}"} if route else {}
        with opener.open(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}


def upload_status(stack: Stack, size: int) -> tuple[int, dict[str, str]]:
    """The answer to an upload announcing `size` bytes (sent only when nginx lets it through)."""
    port = int(stack.url.rsplit(":", 1)[1])
    trusted = ssl.create_default_context(cafile=str(stack.certificate))
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=trusted, timeout=30)
    try:
        connection.putrequest("PUT", "/_stcore/upload_file/session/file")
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        if size <= 6 * 1024 * 1024:
            connection.send(b"x" * size)
        response = connection.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        connection.close()


@pytest.mark.postgres
def test_the_proxy_redirects_to_https_limits_uploads_and_sets_its_headers_on_every_answer(deployed):
    trusted = ssl.create_default_context(cafile=str(deployed.certificate))
    status, headers = fetch(f"{deployed.http_url}/Check_in?token=abc", None)
    assert (status, headers["location"]) == (301, f"{deployed.url}/Check_in?token=abc")

    status, headers = fetch(f"{deployed.url}/", trusted)
    assert status == 200
    assert {h: headers.get(h) for h in SECURITY_HEADERS} == SECURITY_HEADERS
    assert re.fullmatch(rf"{ROUTE_COOKIE}=\w+; Path=/; Secure; HttpOnly; SameSite=Lax", headers["set-cookie"])

    # An import's 5 MB file in its form passes; 7 MB is refused by nginx before it reaches an instance
    status, headers = upload_status(deployed, 7 * 1024 * 1024)
    assert status == 413
    assert {h: headers.get(h) for h in SECURITY_HEADERS} == SECURITY_HEADERS
    status, _ = upload_status(deployed, 5 * 1024 * 1024 + 4096)
    assert status != 413


def route_to(stack: Stack, instance: str, context: ssl.SSLContext) -> str:
    """A routing key that nginx hashes to `instance` (host:port)."""
    for attempt in range(64):
        route = f"{uuid.uuid4().hex}{attempt}"
        assert fetch(f"{stack.url}/_stcore/health", context, route)[0] == 200
        if served_by(stack, route) == {instance}:
            return route
    raise AssertionError(f"no routing key reached {instance} in 64 tries")


@pytest.mark.postgres
def test_no_log_of_the_deployment_holds_a_personal_links_token(own_stack: Stack):
    """Personal links (check-in, survey, registration) opened over HTTP and HTTPS, and while an instance is
    down: nginx's logs (each server block's, nginx.conf's own) and each instance's output never hold the
    token; the error log still tells that the instance was down."""
    secret = f"SECRET{uuid.uuid4().hex}"
    pages = ("/Check_in", "/Register", "/Survey", "/Update")
    stack = own_stack
    trusted = ssl.create_default_context(cafile=str(stack.certificate))
    for page in pages:
        assert fetch(f"{stack.http_url}{page}?token={secret}", None)[0] == 301
        assert fetch(f"{stack.url}{page}?token={secret}", trusted)[0] == 200

    # One instance stops (a crash, a restart); a browser kept on it opens its check-in link
    stopped, other = (address.removeprefix("http://") for address in stack.instances)
    route = route_to(stack, stopped, trusted)
    stack.processes[0].terminate()
    stack.processes[0].wait(timeout=30)
    for page in pages:
        assert fetch(f"{stack.url}{page}?token={secret}", trusted, route)[0] == 200
    lines = stack.access_log.read_text().splitlines()
    assert any(f"upstream={stopped}, {other} " in line for line in lines)  # tried, then passed on
    time.sleep(11)  # nginx tries a failed instance again after fail_timeout (10 s)
    assert fetch(f"{stack.url}/_stcore/health", trusted, route)[0] == 200

    logs = {path.name: path.read_text(errors="replace") for path in stack.logs.glob("*.log")}
    assert [name for name, text in logs.items() if secret in text] == []
    assert {"access.log", "error.log", "nginx-access.log", "nginx-error.log", "nginx.log"} <= set(logs)
    assert sum(name.startswith("instance-") for name in logs) == 2
    assert "(111: Connection refused) while connecting to upstream" in logs["error.log"]
    assert sum(f'"GET {page} HTTP/1.1" 301' in logs["access.log"] for page in pages) == len(pages)


@pytest.mark.postgres
def test_behind_nginx_each_browser_address_is_its_own_client_on_both_instances(deployed):
    """nginx sends X-Forwarded-For; the instances (MENTORSHIP_TRUSTED_PROXIES names nginx) count each
    browser's address apart, together across both instances, and keep only its keyed hash."""
    trusted = ssl.create_default_context(cafile=str(deployed.certificate))
    for n in range(12):
        request = urllib.request.Request(
            f"{deployed.url}/downloads/backup", headers={"X-Forwarded-For": f"198.51.100.{n % 2 + 1}"}
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, context=trusted, timeout=30)
        assert refused.value.code == 403
    engine = db.make_engine(deployed.database_url)
    try:
        with db.read_session(engine) as session:
            rows = session.execute(
                sa.select(RefusalTally.address, sa.func.sum(RefusalTally.count))
                .where(RefusalTally.action == "store.backup")
                .group_by(RefusalTally.address)
            ).all()
    finally:
        engine.dispose()
    assert sorted(count for _, count in rows) == [6, 6]
    assert not any("198.51.100" in address for address, _ in rows)


# Streamlit's own files, served by nginx
YEAR = "public, max-age=31536000, immutable"


def get(url: str, context: ssl.SSLContext, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body (as sent: not decompressed) of a GET."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), context=context) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def entry_script(stack: Stack, context: ssl.SSLContext) -> str:
    """The address of the content-hashed script the dashboard's index.html loads first."""
    _, _, page = get(f"{stack.url}/", context)
    return "/" + re.search(r'<script type="module" crossorigin src="\./(static/js/[^"]+)"', page.decode())[1]


def upstreams(stack: Stack, path: str, status: int = 200) -> set[str]:
    """What nginx logged as the `upstream=` of each GET of `path` answered with `status` ("-": nginx answered
    it itself)."""
    pattern = re.compile(rf'"GET {re.escape(path)} HTTP/1.1" {status} .* upstream=(\S+) ')
    return {m[1] for line in stack.access_log.read_text().splitlines() if (m := pattern.search(line))}


def test_static_files_copies_streamlits_build_with_gzip_copies_and_keeps_an_earlier_ones(tmp_path: Path):
    version, build = streamlit_build()
    earlier = tmp_path / "static/js/index.OlderHash.js"  # a file of the streamlit before an upgrade
    earlier.parent.mkdir(parents=True)
    earlier.write_text("an earlier streamlit's script")

    done = publish(tmp_path)
    names = sorted(str(p.relative_to(build)) for p in build.rglob("*") if p.is_file())
    assert (done.version, done.files, done.added) == (version, len(names), len(names))
    for name in names:
        copy = tmp_path / "static" / name
        assert copy.read_bytes() == (build / name).read_bytes()
        assert oct(copy.stat().st_mode & 0o777) == "0o644"
        packed = copy.with_name(copy.name + ".gz")
        assert packed.exists() == (copy.suffix in {".js", ".css", ".svg", ".json"})
        if packed.exists():
            assert gzip.decompress(packed.read_bytes()) == copy.read_bytes()
    assert done.gzip_bytes < done.bytes / 2
    assert earlier.read_text() == "an earlier streamlit's script"
    folders = [tmp_path, *(p for p in tmp_path.rglob("*") if p.is_dir())]
    assert {oct(folder.stat().st_mode & 0o777) for folder in folders} == {"0o755"}
    assert publish(tmp_path).added == 0  # run again (an upgrade that left streamlit alone): nothing to do


@pytest.mark.postgres
def test_nginx_serves_streamlits_hashed_files_for_a_year_gzipped_and_the_pages_uncached(deployed):
    trusted = ssl.create_default_context(cafile=str(deployed.certificate))
    script = entry_script(deployed, trusted)
    _, build = streamlit_build()
    on_disk = (build / script.removeprefix("/static/")).read_bytes()

    # Asked with gzip: the .gz written beside it at deploy time, a year-long immutable cache, the headers
    status, headers, body = get(f"{deployed.url}{script}", trusted, **{"Accept-Encoding": "gzip"})
    assert (status, headers["content-type"]) == (200, "application/javascript")
    assert headers["content-encoding"] == "gzip"
    assert (headers["cache-control"], headers["vary"]) == (YEAR, "Accept-Encoding")
    assert {h: headers.get(h) for h in SECURITY_HEADERS} == SECURITY_HEADERS
    assert gzip.decompress(body) == on_disk
    assert len(body) < len(on_disk) / 2
    # Asked without: the file as it is
    status, headers, body = get(f"{deployed.url}{script}", trusted)
    assert (status, headers.get("content-encoding"), headers["cache-control"]) == (200, None, YEAR)
    assert body == on_disk
    # A font goes as it is (woff2 is compressed already)
    font = re.search(rb"\./(static/media/[^\"]+\.woff2)", get(f"{deployed.url}/", trusted)[2])[1].decode()
    status, headers, _ = get(f"{deployed.url}/{font}", trusted, **{"Accept-Encoding": "gzip"})
    assert (status, headers["content-type"], headers.get("content-encoding")) == (200, "font/woff2", None)
    assert headers["cache-control"] == YEAR
    # A name that is no file of the build is a 404 from nginx, not the page's HTML
    assert get(f"{deployed.url}/static/js/index.NoSuchHash.js", trusted)[0] == 404
    assert upstreams(deployed, script) == upstreams(deployed, "/static/js/index.NoSuchHash.js", 404) == {"-"}

    # index.html, under every page's address, names the hashed files: it comes from an instance, to be
    # asked again on every visit, so the first visit after an upgrade loads the new files
    instances = {address.removeprefix("http://") for address in deployed.instances}
    for page in ("/", "/Cadence", "/Check_in"):
        status, headers, body = get(f"{deployed.url}{page}", trusted)
        assert (status, headers["cache-control"]) == (200, "no-cache")
        assert script.lstrip("/").encode() in body
        assert upstreams(deployed, page) <= instances


@pytest.mark.postgres
def test_with_both_instances_stopped_nginx_still_serves_streamlits_files_and_not_the_pages(own_stack):
    trusted = ssl.create_default_context(cafile=str(own_stack.certificate))
    script = entry_script(own_stack, trusted)
    for instance in own_stack.processes[: len(own_stack.instances)]:
        instance.terminate()
        instance.wait(timeout=30)

    status, headers, _ = get(f"{own_stack.url}{script}", trusted, **{"Accept-Encoding": "gzip"})
    assert (status, headers["content-encoding"], headers["cache-control"]) == (200, "gzip", YEAR)
    assert get(f"{own_stack.url}/", trusted)[0] == 502
    assert get(f"{own_stack.url}/_stcore/health", trusted)[0] == 502


@pytest.mark.browser
@pytest.mark.postgres
def test_a_browser_loads_streamlits_files_from_nginx_once_and_the_dashboard_works(deployed, chromium):
    context, page = browser(chromium)
    from_proxy: list[tuple[str, str | None]] = []  # (address, cache-control) of each /static/ response
    page.on(
        "response",
        lambda r: "/static/" in r.url and from_proxy.append((r.url, r.headers.get("cache-control"))),
    )
    try:
        page.goto(deployed.url)
        sign_in(page, COMMITTEE, COMMITTEE_PASSWORD)
        wait_for_app(page)
        # The Overview loads some chunks late (its tables'): leaving before they arrive would cancel them, and
        # the next page would fetch them again for a reason that is not the cache's
        page.wait_for_load_state("networkidle")
        route = route_of(context)
        loaded = {url for url, _ in from_proxy}
        assert len(loaded) >= 3  # the entry script, its chunks, a style sheet, the fonts
        assert {cache for _, cache in from_proxy} == {YEAR}
        # nginx answered each itself (and logged it under the browser's routing key)
        static = [line for line in routed_lines(deployed, route) if '"GET /static/' in line]
        assert len(static) >= len(loaded)
        assert {re.search(r" upstream=(\S+) ", line)[1] for line in static} == {"-"}

        # Another page of the dashboard, opened by its address: a whole new page load, whose index.html
        # comes from the instance again, and whose scripts come from the browser's cache (only a chunk the
        # first page did not need is fetched)
        before = len(routed_lines(deployed, route))
        fetched = {re.search(r'"GET (\S+) ', line)[1] for line in static}
        page.goto(f"{deployed.url}/Cadence")
        wait_for_app(page)
        expect(page.get_by_role("heading", name="Meeting cadence")).to_be_visible()
        again = routed_lines(deployed, route)[before:]
        assert any('"GET /Cadence HTTP/1.1" 200' in line for line in again)
        assert [line for line in again if re.search(r'"GET (\S+) ', line)[1] in fetched] == []
    finally:
        context.close()


# The units and the jobs
def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path):
    if not shutil.which("systemd-analyze"):
        pytest.skip("systemd-analyze is not installed here (Debian: apt-get install systemd)")
    if not (ROOT / ".venv/bin/python").exists():
        pytest.skip("the units start the project's .venv/bin/python, and this checkout has none")
    # As installed, but at this checkout's path: verify checks that each command exists and can run.
    for unit in (ROOT / "deploy/systemd").iterdir():
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/mentorship", str(ROOT)))
    units = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("mentorship@"))
    assert units == [
        f"mentorship-{job}.{kind}" for job in ("backup", "outbox", "prune") for kind in ("service", "timer")
    ]
    verified = subprocess.run(
        [
            "systemd-analyze",
            "verify",
            "--man=no",
            "mentorship@8501.service",
            "mentorship@8502.service",
            *units,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert (verified.returncode, verified.stderr) == (0, "")


def run_backup(url: str, directory: Path, days: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "MENTORSHIP_DATABASE_URL": url,
        "MENTORSHIP_BACKUP_DIR": str(directory),
        "MENTORSHIP_BACKUP_DAYS": days,
        "MENTORSHIP_PYTHON": sys.executable,
    }
    return subprocess.run([str(ROOT / "deploy/backup.sh")], env=env, capture_output=True, text=True)


def aged(path: Path, days: float) -> Path:
    path.write_bytes(b"an older copy")
    then = time.time() - days * 86400
    os.utime(path, (then, then))
    return path


def test_the_nightly_backup_keeps_the_stated_number_of_days(each_url: str, each_store, tmp_path: Path):
    backups = tmp_path / "backups"
    backups.mkdir()
    expired = aged(backups / "mentorship-20200101T023000Z.dump", 3.1)
    kept = aged(backups / "mentorship-20200103T023000Z.db", 2.9)
    unrelated = aged(backups / "README.txt", 30)

    done = run_backup(each_url, backups, "3")
    assert done.returncode == 0, done.stderr
    (written,) = set(backups.iterdir()) - {kept, unrelated}
    assert not expired.exists()
    assert oct(backups.stat().st_mode & 0o777) == "0o700"
    if each_url.startswith("postgresql"):
        assert written.suffix == ".dump"
        listing = subprocess.run(
            ["pg_restore", "--list", str(written)], capture_output=True, text=True, check=True
        )
        assert "TABLE public mentors " in listing.stdout
    else:
        assert written.suffix == ".db"
        with sqlite3.connect(written) as copy:
            assert copy.execute("select count(*) from mentors").fetchone() == (0,)


def test_the_backup_refuses_a_number_of_days_below_one(store_url: str, tmp_path: Path):
    refused = run_backup(store_url, tmp_path, "0")
    assert refused.returncode == 2
    assert (
        refused.stderr.strip()
        == "MENTORSHIP_BACKUP_DAYS must be a whole number of days, 1 or more (it is '0')."
    )
    assert list(tmp_path.iterdir()) == []
