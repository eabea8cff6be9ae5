"""personal links: hashes only, made at sending, with lifetimes; each person's own stop link

Check-in tokens become their SHA-256 (links already handed out keep working); the outbox keeps a stand-in
where a link goes, and what the link opens; queued messages that already carry a token are cancelled and
the stored copies of sent ones lose their tokens, so no usable token stays at rest.

Revision ID: 0007_links
Revises: 0006_throttle
Create Date: 2026-12-07
"""

import hashlib
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_links"
down_revision: str | None = "0006_throttle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A personal link's token in a stored body or header: /Register?token=..., /Check_in?token=...&stop=...
_TOKEN_URL = re.compile(r"\S+/(?:Check_in|Register)\?(?:token|stop)=[A-Za-z0-9_%-]+(?:&stop=reminders)?")
_REMOVED = "(personal link, removed from the stored copy)"
_CANCELLED = "Cancelled when links began to be made at sending; planning queues it again."


def upgrade() -> None:
    bind = op.get_bind()
    # ALTER TABLE ... RENAME COLUMN on both stores (SQLite >= 3.25): no table rebuild, so its triggers stay
    op.execute("ALTER TABLE checkin_links RENAME COLUMN token TO token_hash")
    op.drop_index("ux_checkin_links_live_match", table_name="checkin_links")
    op.add_column("checkin_links", sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    links = sa.table("checkin_links", sa.column("id", sa.Integer), sa.column("token_hash", sa.String))
    for link_id, token in bind.execute(sa.select(links.c.id, links.c.token_hash)).all():
        digest = hashlib.sha256(token.encode()).hexdigest()
        bind.execute(sa.update(links).where(links.c.id == link_id).values(token_hash=digest))

    op.add_column("signups", sa.Column("link_issued_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "outbox_messages", sa.Column("link_kind", sa.String(length=20), nullable=False, server_default="")
    )
    op.add_column(
        "outbox_messages", sa.Column("link_ref", sa.String(length=40), nullable=False, server_default="")
    )
    messages = sa.table(
        "outbox_messages",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("body", sa.Text),
        sa.column("headers", sa.String),
        sa.column("last_error", sa.String),
    )
    rows = bind.execute(sa.select(messages.c.id, messages.c.status, messages.c.body, messages.c.headers))
    for message_id, status, body, headers in rows.all():
        if not (_TOKEN_URL.search(body) or _TOKEN_URL.search(headers or "")):
            continue
        values = {"body": _TOKEN_URL.sub(_REMOVED, body), "headers": "{}"}
        if status == "queued":
            values |= {"status": "cancelled", "last_error": _CANCELLED}
        bind.execute(sa.update(messages).where(messages.c.id == message_id).values(**values))

    op.create_table(
        "reminder_stop_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('mentor', 'mentee')", name="ck_reminder_stop_links_role"),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_reminder_stop_links_match_id", "reminder_stop_links", ["match_id"], unique=False)


def downgrade() -> None:
    """Back to plain tokens is impossible (only hashes are kept): every check-in link is revoked."""
    op.drop_index("ix_reminder_stop_links_match_id", table_name="reminder_stop_links")
    op.drop_table("reminder_stop_links")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_column("link_ref")
        batch_op.drop_column("link_kind")
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.drop_column("link_issued_at")
    op.execute("UPDATE checkin_links SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL")
    with op.batch_alter_table("checkin_links", schema=None) as batch_op:
        batch_op.drop_column("expires_at")
        batch_op.alter_column("token_hash", new_column_name="token")
        batch_op.create_index(
            "ux_checkin_links_live_match",
            ["match_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
