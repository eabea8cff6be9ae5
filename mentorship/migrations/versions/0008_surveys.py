"""surveys: three moments per person of a pair, their wordings as versions, answers, and concerns they raise

Revision ID: 0008_surveys
Revises: 0007_links
Create Date: 2026-12-08
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008_surveys"
down_revision: str | None = "0007_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["survey_versions", "survey_invitations", "survey_responses"]
PG_BUMP = "data_versions_bump"  # made by 0004_version


def upgrade() -> None:
    op.create_table(
        "survey_versions",
        sa.Column("moment", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("questions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("moment IN ('start', 'mid', 'year')", name="ck_survey_versions_moment"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("moment", "version"),
    )
    op.create_table(
        "survey_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("moment", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('mentor', 'mentee')", name="ck_survey_invitations_role"),
        sa.CheckConstraint("moment IN ('start', 'mid', 'year')", name="ck_survey_invitations_moment"),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("match_id", "role", "moment", name="uq_survey_invitations_person_moment"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_survey_invitations_match_id", "survey_invitations", ["match_id"], unique=False)
    op.create_index("ix_survey_invitations_moment", "survey_invitations", ["moment"], unique=False)
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("contact_me", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["invitation_id"], ["survey_invitations.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invitation_id"),
    )
    op.create_index("ix_survey_responses_submitted_at", "survey_responses", ["submitted_at"], unique=False)

    dialect = op.get_bind().dialect.name
    # Plain ALTER TABLE on both stores: a batch copy of `concerns` would lose its version triggers.
    if dialect == "sqlite":
        op.execute(
            "ALTER TABLE concerns ADD COLUMN survey_response_id INTEGER REFERENCES survey_responses (id)"
        )
    else:
        op.add_column("concerns", sa.Column("survey_response_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            "concerns_survey_response_id_fkey",
            "concerns",
            "survey_responses",
            ["survey_response_id"],
            ["id"],
        )

    # The first wording of each moment (mentorship.surveys keeps the same words as its defaults)
    from mentorship.surveys import DEFAULT_QUESTIONS

    now = datetime.now(UTC)
    op.bulk_insert(
        sa.table(
            "survey_versions",
            sa.column("moment", sa.String),
            sa.column("version", sa.Integer),
            sa.column("questions", sa.Text),
            sa.column("created_at", sa.DateTime(timezone=True)),
        ),
        [
            {"moment": moment, "version": 1, "questions": json.dumps(words), "created_at": now}
            for moment, words in DEFAULT_QUESTIONS.items()
        ],
    )

    # Page-visible tables move their data version (see 0004_version)
    op.bulk_insert(
        sa.table("data_versions", sa.column("name", sa.String), sa.column("version", sa.BigInteger)),
        [{"name": name, "version": 0} for name in TABLES],
    )
    if dialect == "sqlite":
        for table in TABLES:
            for event in ("INSERT", "UPDATE", "DELETE"):
                bump = f"UPDATE data_versions SET version = version + 1 WHERE name = '{table}'"
                op.execute(
                    f"CREATE TRIGGER trg_version_{table}_{event.lower()} AFTER {event} ON {table} "
                    f"BEGIN {bump}; END"
                )
    elif dialect == "postgresql":
        for table in TABLES:
            op.execute(
                f"CREATE CONSTRAINT TRIGGER trg_version_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {PG_BUMP}()"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "sqlite":
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS trg_version_{table}_{event}")
        elif dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS trg_version_{table} ON {table}")
    op.execute(
        "DELETE FROM data_versions WHERE name IN ('survey_versions', 'survey_invitations', 'survey_responses')"
    )
    if dialect == "sqlite":
        # SQLite drops no column a foreign key names: the table is copied, and its version triggers made again
        with op.batch_alter_table("concerns", schema=None) as batch_op:
            batch_op.drop_column("survey_response_id")
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_version_concerns_{event.lower()}")
            bump = "UPDATE data_versions SET version = version + 1 WHERE name = 'concerns'"
            op.execute(
                f"CREATE TRIGGER trg_version_concerns_{event.lower()} AFTER {event} ON concerns BEGIN {bump}; END"
            )
    else:
        op.drop_constraint("concerns_survey_response_id_fkey", "concerns", type_="foreignkey")
        op.drop_column("concerns", "survey_response_id")
    op.drop_index("ix_survey_responses_submitted_at", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_index("ix_survey_invitations_moment", table_name="survey_invitations")
    op.drop_index("ix_survey_invitations_match_id", table_name="survey_invitations")
    op.drop_table("survey_invitations")
    op.drop_table("survey_versions")
