"""sign-in: device cookies (failures counted per browser) and one-time codes for the HttpOnly cookie

Revision ID: 0005_signin
Revises: 0004_version
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_signin"
down_revision: str | None = "0004_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("sign_in_devices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_devices_user_id"), ["user_id"], unique=False)
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handoff_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_login_sessions_ended_at"), ["ended_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_ended_at"))
        batch_op.drop_column("handoff_until")
    with op.batch_alter_table("sign_in_devices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_devices_user_id"))
    op.drop_table("sign_in_devices")
