"""The one door to the database: engines, sessions and schema migrations."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "mentorship.db"
URL_ENV = "MENTORSHIP_DATABASE_URL"
SQLITE_BUSY_TIMEOUT_MS = 10_000


class DatabaseUnavailable(Exception):
    """The store cannot be opened (bad URL, missing driver, unreachable server)."""


def resolve_url(url: str | None = None) -> str:
    """`--db` first, then MENTORSHIP_DATABASE_URL, then data/mentorship.db in the project."""
    chosen = url or os.environ.get(URL_ENV) or f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if "://" not in chosen:  # a bare path is taken as a SQLite file
        chosen = f"sqlite:///{Path(chosen).expanduser().resolve()}"
    return chosen


def make_engine(url: str | None = None) -> Engine:
    """An engine for the store; on SQLite every connection gets WAL, foreign keys and a busy timeout."""
    resolved = resolve_url(url)
    try:
        sa_url = sa.make_url(resolved)
    except (sa.exc.ArgumentError, ValueError) as exc:
        raise DatabaseUnavailable("The database URL is not valid.") from exc
    if sa_url.get_backend_name() == "sqlite":
        return _sqlite_engine(sa_url)
    if sa_url.drivername in ("postgresql", "postgres"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    try:
        return sa.create_engine(sa_url, pool_pre_ping=True)
    except (ImportError, sa.exc.NoSuchModuleError) as exc:
        raise DatabaseUnavailable(f"No driver for {sa_url.get_backend_name()} URLs.") from exc


def _sqlite_engine(sa_url: sa.URL) -> Engine:
    database = sa_url.database or ""
    in_memory = database in ("", ":memory:")
    if not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict = {"connect_args": {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}}
    if in_memory:
        kwargs["poolclass"] = sa.pool.StaticPool
    engine = sa.create_engine(sa_url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Hand transaction control to SQLAlchemy (pysqlite's own BEGIN comes too late, and is DEFERRED).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        # Writers take the write lock up front, so two writers never both read-then-write.
        mode = "IMMEDIATE" if conn.get_execution_options().get("mentorship_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


@contextmanager
def read_session(engine: Engine) -> Iterator[Session]:
    with Session(engine) as session:
        yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[Session]:
    """One write transaction: committed when the block ends, rolled back entirely on any error."""
    with Session(engine.execution_options(mentorship_write=True), expire_on_commit=False) as session:
        with session.begin():
            yield session


def insert(session: Session, table) -> sa.Insert:
    """An INSERT into `table` in the session's dialect, whose ON CONFLICT clauses (`on_conflict_do_nothing`,
    `on_conflict_do_update`) SQLite and PostgreSQL both run."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def serialise(session: Session, name: str) -> None:
    """From here to the end of the write transaction, no other transaction that serialises on `name`
    runs: a count read next is still true when this transaction writes. SQLite needs nothing (a write
    transaction holds the store's write lock from its start); PostgreSQL takes a transaction-scoped
    advisory lock on the name."""
    if session.get_bind().dialect.name != "postgresql":
        return
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
    session.execute(sa.text("SELECT pg_advisory_xact_lock(:number)"), {"number": number})


def purge_old_row_versions(engine: Engine) -> None:
    """SQLite keeps old row versions in the WAL file and in free pages: checkpoint and rebuild the file.

    Used after an erasure, so that erased data leaves no trace in the store's files.
    """
    if not is_sqlite(engine):
        return
    raw = engine.raw_connection()  # outside any transaction: VACUUM refuses to run inside one
    try:
        for statement in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)"):
            raw.driver_connection.execute(statement)
    finally:
        raw.close()


# Schema
def _alembic_config(connection: sa.Connection):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


# The newest migration's revision (a test keeps it equal to Alembic's head): a store already there is
# recognised by one read, without loading Alembic or taking the write lock. Every command and every
# server start opens the store this way, so this is most of a quick command's start-up.
HEAD = "0011_sso_sessions"


def upgrade(engine: Engine) -> None:
    """Create the store or bring it to the newest schema; never drops data."""
    if schema_revision(engine) == HEAD:
        return
    from alembic import command

    with engine.execution_options(mentorship_write=True).begin() as connection:
        command.upgrade(_alembic_config(connection), "head")


def schema_revision(engine: Engine) -> str | None:
    """The revision recorded in the store (Alembic's table, read without Alembic), or None when it has
    none (a new store)."""
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    config = _alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(config).get_current_head() or ""
