"""milestones: each mentee's path to medical school, the yearly "Where are you now?" links, and its opt-out

The outcomes the Retention page recorded as yes/no on the mentee (applied, interviewed, accepted, matriculated)
become milestones: each "yes" a milestone from the leader, dated the day the mentee's record last changed
(the store kept no other date). A "no" says only what had not happened by then, which a path of milestones
does not hold; the migration counts them (in the audit log) and drops them with the columns.

Revision ID: 0010_milestones
Revises: 0009_surveys
Create Date: 2026-12-08
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010_milestones"
down_revision: str | None = "0009_surveys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ["milestones", "annual_updates"]
PG_BUMP = "data_versions_bump"  # made by 0004_version
STAGES = ("applied", "interviewed", "accepted", "matriculated")
KINDS = (
    "mcat",
    "applied",
    "interviewed",
    "accepted",
    "matriculated",
    "reapplying",
    "other_profession",
    "left_premed",
)


def upgrade() -> None:
    op.create_table(
        "milestones",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="ck_milestonekind", native_enum=False, create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("school", sa.String(length=200), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "mentee",
                "leader",
                "import",
                name="ck_milestonesource",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["mentee_id"], ["mentees.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mentee_id", "kind", "happened_on", name="uq_milestones_mentee_kind_on"),
    )
    op.create_index("ix_milestones_mentee_id", "milestones", ["mentee_id"], unique=False)
    op.create_index("ix_milestones_recorded_at", "milestones", ["recorded_at"], unique=False)
    op.create_table(
        "annual_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["mentee_id"], ["mentees.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mentee_id", "year", name="uq_annual_updates_mentee_year"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_annual_updates_mentee_id", "annual_updates", ["mentee_id"], unique=False)

    dialect = op.get_bind().dialect.name
    # Plain ALTER TABLE on both stores (SQLite 3.35+ drops columns in place): a batch copy of `mentees` would
    # lose its version triggers.
    op.execute(
        "ALTER TABLE mentees ADD COLUMN yearly_update_stopped_at "
        + ("TIMESTAMP WITH TIME ZONE" if dialect == "postgresql" else "DATETIME")
    )

    # The yes/no outcomes become milestones
    bind = op.get_bind()
    now = datetime.now(UTC)
    mentees = sa.table(
        "mentees",
        sa.column("id", sa.Integer),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        *(sa.column(stage, sa.Boolean) for stage in STAGES),
    )
    milestones = sa.table(
        "milestones",
        sa.column("mentee_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("happened_on", sa.Date),
        sa.column("school", sa.String),
        sa.column("note", sa.String),
        sa.column("source", sa.String),
        sa.column("recorded_at", sa.DateTime(timezone=True)),
    )
    rows, dropped = [], 0
    for record in bind.execute(sa.select(mentees)).mappings():
        changed = record["updated_at"]
        if isinstance(changed, str):  # SQLite without type information
            changed = datetime.fromisoformat(changed)
        for stage in STAGES:
            if record[stage] is True or record[stage] == 1:
                rows.append(
                    {
                        "mentee_id": record["id"],
                        "kind": stage,
                        "happened_on": (changed or now).date(),
                        "school": "",
                        "note": "",
                        "source": "leader",
                        "recorded_at": changed or now,
                    }
                )
            elif record[stage] is not None:
                dropped += 1
    if rows:
        op.bulk_insert(milestones, rows)
    if rows or dropped:
        op.bulk_insert(
            sa.table(
                "audit_events",
                sa.column("at", sa.DateTime(timezone=True)),
                sa.column("actor", sa.String),
                sa.column("action", sa.String),
                sa.column("entity", sa.String),
                sa.column("outcome", sa.String),
                sa.column("summary", sa.String),
            ),
            [
                {
                    "at": now,
                    "actor": "system",
                    "action": "migration.milestones",
                    "entity": "mentee",
                    "outcome": "done",
                    "summary": f"{len(rows)} recorded outcomes became milestones; {dropped} 'no' answers dropped",
                }
            ],
        )
    for stage in STAGES:
        op.execute(f"ALTER TABLE mentees DROP COLUMN {stage}")

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
    op.execute("DELETE FROM data_versions WHERE name IN ('milestones', 'annual_updates')")
    # Before the updates below: on PostgreSQL an update of mentees leaves its (deferred) version trigger
    # pending until the commit, and ALTER TABLE refuses a table with pending trigger events.
    op.execute("ALTER TABLE mentees DROP COLUMN yearly_update_stopped_at")
    for stage in STAGES:
        op.execute(f"ALTER TABLE mentees ADD COLUMN {stage} BOOLEAN")
    # Each stage a milestone at or past it shows becomes "yes" again (a "no" was dropped on the way up)
    reached = {
        "applied": ("applied", "reapplying", "interviewed", "accepted", "matriculated"),
        "interviewed": ("interviewed", "accepted", "matriculated"),
        "accepted": ("accepted", "matriculated"),
        "matriculated": ("matriculated",),
    }
    for stage, kinds in reached.items():
        listed = ", ".join(f"'{k}'" for k in kinds)
        op.execute(
            f"UPDATE mentees SET {stage} = TRUE WHERE id IN "
            f"(SELECT mentee_id FROM milestones WHERE kind IN ({listed}))"
        )
    op.drop_index("ix_annual_updates_mentee_id", table_name="annual_updates")
    op.drop_table("annual_updates")
    op.drop_index("ix_milestones_recorded_at", table_name="milestones")
    op.drop_index("ix_milestones_mentee_id", table_name="milestones")
    op.drop_table("milestones")
