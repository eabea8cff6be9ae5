"""outbox: a message being handed to the mail server is `sending` (so no other sender re-claims it)

Revision ID: 0008_outbox
Revises: 0007_links
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_outbox"
down_revision: str | None = "0007_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("queued", "sent", "failed", "cancelled")
AFTER = ("queued", "sending", "sent", "failed", "cancelled")


def _status(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name="ck_messagestatus", native_enum=False, create_constraint=True, length=20)


def _change(before: tuple[str, ...], after: tuple[str, ...]) -> None:
    # SQLite cannot alter a CHECK constraint: the batch copies the table (its rows kept) with the new one
    with op.batch_alter_table("outbox_messages", schema=None, recreate="auto") as batch_op:
        batch_op.alter_column(
            "status",
            existing_type=_status(before),
            type_=_status(after),
            existing_nullable=False,
            existing_server_default="queued",
        )


def _version_triggers() -> None:
    """SQLite drops a table's triggers with the table: the batch's copy gets 0004_version's back."""
    if op.get_bind().dialect.name != "sqlite":
        return
    bump = "UPDATE data_versions SET version = version + 1 WHERE name = 'outbox_messages'"
    for event in ("INSERT", "UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS trg_version_outbox_messages_{event.lower()}")
        op.execute(
            f"CREATE TRIGGER trg_version_outbox_messages_{event.lower()} AFTER {event} ON outbox_messages "
            f"BEGIN {bump}; END"
        )


def _fire_pending_triggers() -> None:
    """PostgreSQL refuses to ALTER a table with deferred trigger events pending in the transaction (an
    earlier migration's UPDATE of the outbox, 0007_links's, fires the data-version trigger at commit)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")


def upgrade() -> None:
    _fire_pending_triggers()
    _change(BEFORE, AFTER)
    _version_triggers()


def downgrade() -> None:
    # a message caught mid-send when the schema goes back is recorded as failed, with why
    op.execute(
        sa.text(
            "UPDATE outbox_messages SET status = 'failed', "
            "last_error = 'Its sending was interrupted by a schema downgrade; it may have been delivered.' "
            "WHERE status = 'sending'"
        )
    )
    _fire_pending_triggers()
    _change(AFTER, BEFORE)
    _version_triggers()
