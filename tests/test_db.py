import sqlite3
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from mentorship import db
from mentorship.models import Match, Mentee, Mentor

from .factories import add, make_match, make_mentee, make_mentor


def test_every_sqlite_connection_has_wal_foreign_keys_and_busy_timeout(engine):
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == db.SQLITE_BUSY_TIMEOUT_MS


def test_foreign_keys_refuse_an_orphan_match(engine):
    with pytest.raises(sa.exc.IntegrityError, match="FOREIGN KEY"):
        with db.write_session(engine) as session:
            session.add(make_match(999, 999))
    with db.read_session(engine) as session:
        assert session.execute(sa.select(sa.func.count(Match.id))).scalar() == 0


def test_write_transactions_take_the_write_lock_when_they_begin(engine, store_url):
    """A second writer waits at BEGIN IMMEDIATE instead of reading stale data and failing later."""
    path = sa.make_url(store_url).database
    with db.write_session(engine) as session:
        session.execute(sa.select(1))  # the transaction has begun, nothing written yet
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()


def test_readers_are_not_blocked_by_a_writer(engine, store_url):
    path = sa.make_url(store_url).database
    seen = []
    with db.write_session(engine) as session:
        session.execute(sa.select(1))

        def read() -> None:
            conn = sqlite3.connect(path, timeout=0.2)
            seen.append(conn.execute("SELECT COUNT(*) FROM mentors").fetchone()[0])
            conn.close()

        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
    assert seen == [0]


# Migrations, on SQLite and on PostgreSQL
def schema_differences(engine) -> list:
    """What the store's schema lacks or has beyond the models (alembic's autogenerate comparison)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def downgrade_to_base(engine) -> None:
    with engine.execution_options(mentorship_write=True).begin() as connection:
        command.downgrade(db._alembic_config(connection), "base")


def test_upgrade_builds_an_empty_database_exactly_as_the_models_describe_it(each_url):
    engine = db.make_engine(each_url)
    assert db.schema_revision(engine) is None
    db.upgrade(engine)
    assert db.schema_revision(engine) == db.head_revision()
    assert schema_differences(engine) == []
    engine.dispose()


def test_the_revision_the_code_knows_as_newest_is_alembics_head(each_store):
    """A store at `db.HEAD` is taken as up to date without Alembic: a new migration must move HEAD too."""
    assert db.HEAD == db.head_revision() == db.schema_revision(each_store)


def test_upgrade_is_idempotent_and_keeps_data(each_store):
    with db.write_session(each_store) as session:
        session.add(make_mentor("ana", last_name="Núñez"))
    db.upgrade(each_store)
    assert db.schema_revision(each_store) == db.head_revision()
    with db.read_session(each_store) as session:
        assert session.execute(sa.select(Mentor.last_name)).scalars().all() == ["Núñez"]


def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(each_store):
    downgrade_to_base(each_store)
    assert db.schema_revision(each_store) is None
    assert sa.inspect(each_store).get_table_names() == ["alembic_version"]
    if not db.is_sqlite(each_store):  # the trigger functions go with their tables
        with each_store.connect() as conn:
            functions = conn.exec_driver_sql(
                "SELECT proname FROM pg_proc JOIN pg_namespace n ON n.oid = pronamespace "
                "WHERE nspname = 'public'"
            )
            assert functions.all() == []
    db.upgrade(each_store)
    assert schema_differences(each_store) == []
    (mentor_id, mentee_id) = add(each_store, make_mentor("kou", capacity=1), make_mentee("pa"))
    add(each_store, make_match(mentor_id, mentee_id))
    (other,) = add(each_store, make_mentee("mai"))
    with pytest.raises(sa.exc.IntegrityError, match="mentor at capacity"):  # the triggers are back too
        add(each_store, make_match(mentor_id, other))


def test_default_store_is_in_the_project_whatever_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv(db.URL_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    expected = Path(__file__).resolve().parent.parent / "data" / "mentorship.db"
    assert db.resolve_url() == f"sqlite:///{expected}"


def test_url_from_environment_then_argument(monkeypatch, tmp_path):
    monkeypatch.setenv(db.URL_ENV, "postgresql://u@localhost/program")
    assert db.resolve_url() == "postgresql://u@localhost/program"
    assert db.resolve_url(str(tmp_path / "x.db")) == f"sqlite:///{tmp_path / 'x.db'}"


def test_a_bad_url_is_one_clear_error():
    with pytest.raises(db.DatabaseUnavailable, match="The database URL is not valid"):
        db.make_engine("postgresql://host:notaport/db")
    with pytest.raises(db.DatabaseUnavailable, match="No driver for nonsense URLs"):
        db.make_engine("nonsense://")


def test_timestamps_are_utc(engine):
    with db.write_session(engine) as session:
        session.add(make_mentee("hodan"))
    with db.read_session(engine) as session:
        stored = session.execute(sa.select(Mentee.created_at)).scalar_one()
    assert stored.utcoffset().total_seconds() == 0
