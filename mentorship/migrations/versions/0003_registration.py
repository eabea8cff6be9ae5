"""registration through the program's own forms: submissions, the values statement's versions, and which
version a mentor attested

Revision ID: 0003_registration
Revises: 0002_outbox
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_registration"
# "0001" as the task gives it; chained after the outbox here because this branch merged it (one head).
down_revision: str | None = "0002_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = ("pending", "accepted", "declined", "expired", "superseded", "discarded")


def upgrade() -> None:
    op.create_table(
        "values_statements",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("version"),
    )
    op.create_table(
        "signups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("answers", sa.String(length=20000), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                *STATUSES,
                name="ck_signupstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="pending",
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("statement_version", sa.Integer(), nullable=True),
        sa.Column("attested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consented_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("link_sent", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('mentors', 'mentees')", name="ck_signups_kind"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signups_client"), ["client"], unique=False)
        batch_op.create_index(batch_op.f("ix_signups_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_signups_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_signups_status"), ["status"], unique=False)
    with op.batch_alter_table("mentors", schema=None) as batch_op:
        batch_op.add_column(sa.Column("values_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attested_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite 3.35+ has it): a batch copy of `mentors` would break the capacity triggers.
    op.execute("ALTER TABLE mentors DROP COLUMN attested_at")
    op.execute("ALTER TABLE mentors DROP COLUMN values_version")
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signups_status"))
        batch_op.drop_index(batch_op.f("ix_signups_email"))
        batch_op.drop_index(batch_op.f("ix_signups_created_at"))
        batch_op.drop_index(batch_op.f("ix_signups_client"))
    op.drop_table("signups")
    op.drop_table("values_statements")
