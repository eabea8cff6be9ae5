"""throttle: client addresses (keyed hashes) for registration limits, sign-in failures and refused requests

Revision ID: 0006_throttle
Revises: 0005_signin
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_throttle"
down_revision: str | None = "0005_signin"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "refusal_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("action", "address", "window_start", name="uq_refusal_tallies_window"),
    )
    with op.batch_alter_table("refusal_tallies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refusal_tallies_window_start"), ["window_start"], unique=False)
    op.create_table(
        "sign_in_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "address", name="uq_sign_in_throttles_user_address"),
    )
    with op.batch_alter_table("sign_in_throttles", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sign_in_throttles_last_failed_at"), ["last_failed_at"], unique=False
        )
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=False, server_default=""))
        batch_op.create_index(batch_op.f("ix_signups_address"), ["address"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("signups", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signups_address"))
        batch_op.drop_column("address")
    with op.batch_alter_table("sign_in_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttles_last_failed_at"))
    op.drop_table("sign_in_throttles")
    with op.batch_alter_table("refusal_tallies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refusal_tallies_window_start"))
    op.drop_table("refusal_tallies")
