"""data versions: a counter per page-visible table, moved by triggers, that pages keep their reads by

Revision ID: 0004_version
Revises: 0003_registration
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_version"
down_revision: str | None = "0003_registration"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables whose rows some page shows, and for accounts only the columns a page shows: a sign-in (which
# writes last_login_at, failed_logins, a login session and audit events) moves no version.
VERSIONED = [
    "mentors",
    "mentees",
    "matches",
    "exclusions",
    "meetings",
    "checkin_links",
    "concerns",
    "settings",
    "outbox_templates",
    "outbox_messages",
    "reminder_optouts",
    "values_statements",
    "signups",
]
USERS_SHOWN = "email, role, is_active"
PG_BUMP = "data_versions_bump"


def upgrade() -> None:
    op.create_table(
        "data_versions",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.bulk_insert(
        sa.table("data_versions", sa.column("name", sa.String), sa.column("version", sa.BigInteger)),
        [{"name": name, "version": 0} for name in [*VERSIONED, "users"]],
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        # SQLite has row triggers only; writers are serialised, so each row's bump is cheap and race-free.
        for table, event in _events():
            bump = f"UPDATE data_versions SET version = version + 1 WHERE name = '{table}'"
            op.execute(f"CREATE TRIGGER {_name(table, event)} AFTER {event} ON {table} BEGIN {bump}; END")
    elif dialect == "postgresql":
        # Deferred to commit, and once per table per transaction: the counter row is locked only for the
        # moment of commit, after every other lock the transaction takes, so writers never deadlock on it;
        # and a reader never sees a new version before the rows it stands for are committed.
        op.execute(
            f"""
            CREATE FUNCTION {PG_BUMP}() RETURNS trigger AS $$
            DECLARE
                flag text := 'mentorship.bumped_' || TG_TABLE_NAME;
            BEGIN
                IF current_setting(flag, true) IS DISTINCT FROM txid_current()::text THEN
                    PERFORM set_config(flag, txid_current()::text, true);
                    UPDATE data_versions SET version = version + 1 WHERE name = TG_TABLE_NAME;
                END IF;
                RETURN NULL;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in [*VERSIONED, "users"]:
            events = (
                "INSERT OR DELETE OR UPDATE OF " + USERS_SHOWN
                if table == "users"
                else "INSERT OR UPDATE OR DELETE"
            )
            op.execute(
                f"CREATE CONSTRAINT TRIGGER trg_version_{table} AFTER {events} ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {PG_BUMP}()"
            )


def _events() -> list[tuple[str, str]]:
    return [(table, event) for table in VERSIONED for event in ("INSERT", "UPDATE", "DELETE")] + [
        ("users", "INSERT"),
        ("users", "DELETE"),
        ("users", f"UPDATE OF {USERS_SHOWN}"),
    ]


def _name(table: str, event: str) -> str:
    return f"trg_version_{table}_{event.split()[0].lower()}"


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table, event in _events():
            op.execute(f"DROP TRIGGER IF EXISTS {_name(table, event)}")
    elif dialect == "postgresql":
        for table in [*VERSIONED, "users"]:
            op.execute(f"DROP TRIGGER IF EXISTS trg_version_{table} ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {PG_BUMP}()")
    op.drop_table("data_versions")
