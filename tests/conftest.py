"""Shared fixtures: a real SQLite store per test, demo stores, AppTest with a clean cache, and the real
dashboard in Chromium (a screenshot of the page is saved when such a test fails)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

from mentorship import auth, clock, db, demo, settings
from mentorship.auth import Actor
from mentorship.db import URL_ENV
from mentorship.models import Role, User
from mentorship.ui import kept

from .factories import TODAY

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> date:
    """The day pinned for pages and commands run in this process (`mentorship.clock`): TODAY."""
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def machine_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts in the machine's own zone (MENTORSHIP_TIMEZONE unset), whatever the shell says."""
    monkeypatch.delenv(settings.TIMEZONE_ENV, raising=False)


@pytest.fixture
def program_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[..., date]:
    """`program_clock(instant, zone="America/Chicago")` pins the program's clock at an instant (aware UTC)
    in a zone (MENTORSHIP_TIMEZONE): `clock.now()` is that instant and `clock.today()` its day there, as on
    a deployed server whose own clock is UTC. Returns that day."""

    def pin(instant: datetime, zone: str = "America/Chicago") -> date:
        monkeypatch.setenv(settings.TIMEZONE_ENV, zone)
        monkeypatch.setattr(clock, "now", lambda: instant)
        return clock.today()

    return pin


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


def _upgraded(url: str) -> Iterator[Engine]:
    engine = db.make_engine(url)
    db.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    yield from _upgraded(store_url)


def load_demo(engine: Engine, *, today: date = TODAY, **size) -> dict[str, int]:
    with db.write_session(engine) as session:
        return demo.write(session, demo.generate(today=today, **size))


@pytest.fixture
def demo_engine(engine: Engine) -> Engine:
    load_demo(engine)
    return engine


LEADER_EMAIL = "leader@program.example.org"
COMMITTEE_EMAIL = "committee@program.example.org"
PASSWORD = "correct horse battery staple"


def add_accounts(engine: Engine) -> dict[str, Actor]:
    """A leader and a committee account (password PASSWORD), as actors."""
    with db.write_session(engine) as session:
        users = [
            User(email=LEADER_EMAIL, role=Role.leader, password_hash=auth.hash_password(PASSWORD)),
            User(email=COMMITTEE_EMAIL, role=Role.committee, password_hash=auth.hash_password(PASSWORD)),
        ]
        session.add_all(users)
        session.flush()
        return {"leader": Actor.of(users[0]), "committee": Actor.of(users[1])}


@pytest.fixture
def accounts(engine: Engine) -> dict[str, Actor]:
    return add_accounts(engine)


def signed_in(at: AppTest, role: str = "leader") -> AppTest:
    """Sign an AppTest in the way a university sign-in does (st.user), as the leader or the committee."""
    at.user = {"is_logged_in": True, "email": LEADER_EMAIL if role == "leader" else COMMITTEE_EMAIL}
    return at


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, store_url: str):
    """Open a page with AppTest against this test's store; the server's kept engines and reads start empty."""
    monkeypatch.setenv(URL_ENV, store_url)
    kept.forget_everything()

    def open_page(script: str = "app.py") -> AppTest:
        return AppTest.from_file(str(ROOT / script), default_timeout=60)

    yield open_page
    kept.forget_everything()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def each_url(request: pytest.FixtureRequest, store_url: str) -> str:
    """A new, empty database: this test's SQLite file, then (marked postgres) a PostgreSQL database."""
    return store_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


@pytest.fixture
def each_store(each_url: str) -> Iterator[Engine]:
    """`each_url` at the newest schema: the test runs on SQLite and again on PostgreSQL."""
    yield from _upgraded(each_url)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    from devtools.servers import postgres_server

    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_url(postgres_server_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test."""
    import uuid

    import sqlalchemy as sa

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(
        postgres_server_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield postgres_server_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


# The real dashboard in a browser
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def chromium() -> Iterator:
    """One Chromium per test module; each test gets a page of its own (`browser_page`)."""
    from devtools.servers import chromium_browser

    with chromium_browser() as browser:
        yield browser


@pytest.fixture
def browser_page(chromium) -> Iterator:
    """A fresh page (no cookies). If the test fails, the page is saved to test-artifacts/<test>.png."""
    from devtools.servers import new_page

    page = new_page(chromium)
    yield page
    page.context.close()


@pytest.fixture
def dashboard(engine: Engine, store_url: str) -> Iterator[str]:
    """`streamlit run server.py` against this test's store (its schema made first); yields the base URL.
    A fixture, so that the server still answers while a failed test's screenshot is taken."""
    from devtools.servers import dashboard_server

    with dashboard_server(store_url) as base:
        yield base


@pytest.fixture
def mail_server() -> Iterator:
    """A real SMTP server (aiosmtpd) on a free localhost port; `.received` is what it accepted."""
    from .mailserver import start_mail_server

    controller, server = start_mail_server()
    yield server
    controller.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    page = getattr(item, "funcargs", {}).get("browser_page")
    if report.when == "call" and report.failed and page is not None:
        from devtools.servers import screenshot

        name = re.sub(r"[^\w.-]+", "_", item.name)
        report.sections.append(("Screenshot", screenshot(page, ARTIFACTS / f"{name}.png")))
    return report
