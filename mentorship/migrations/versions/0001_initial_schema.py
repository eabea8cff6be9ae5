"""initial schema: registrations, matches, meetings, accounts, audit; capacity and audit triggers

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=254), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=True),
        sa.Column(
            "outcome",
            sa.Enum(
                "done",
                "refused",
                name="ck_auditoutcome",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="done",
            nullable=False,
        ),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action"), ["action"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)

    op.create_table(
        "mentees",
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("pronouns", sa.String(length=40), nullable=False),
        sa.Column("race_ethnicity", sa.String(length=200), nullable=False),
        sa.Column("gender", sa.String(length=60), nullable=False),
        sa.Column("languages", sa.String(length=300), nullable=False),
        sa.Column("meeting_formats", sa.String(length=60), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "identifies_bipoc",
            sa.Enum(
                "yes",
                "no",
                "undisclosed",
                name="ck_bipocidentity",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="undisclosed",
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                "withdrawn",
                name="ck_personstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "bipoc_mentor_preference",
            sa.Enum(
                "required",
                "preferred",
                "none",
                name="ck_bipocpreference",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="none",
            nullable=False,
        ),
        sa.Column("school", sa.String(length=200), nullable=False),
        sa.Column("class_year", sa.String(length=20), nullable=False),
        sa.Column("major", sa.String(length=120), nullable=False),
        sa.Column("first_generation", sa.Boolean(), nullable=True),
        sa.Column("mentor_gender_preference", sa.String(length=60), nullable=False),
        sa.Column("specialty_interests", sa.String(length=300), nullable=False),
        sa.Column("goals", sa.String(length=4000), nullable=False),
        sa.Column("applied", sa.Boolean(), nullable=True),
        sa.Column("interviewed", sa.Boolean(), nullable=True),
        sa.Column("accepted", sa.Boolean(), nullable=True),
        sa.Column("matriculated", sa.Boolean(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(trim(email))", name="ck_mentees_email_normalised"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", name="uq_mentees_email"),
    )
    with op.batch_alter_table("mentees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentees_status"), ["status"], unique=False)

    op.create_table(
        "mentors",
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("pronouns", sa.String(length=40), nullable=False),
        sa.Column("race_ethnicity", sa.String(length=200), nullable=False),
        sa.Column("gender", sa.String(length=60), nullable=False),
        sa.Column("languages", sa.String(length=300), nullable=False),
        sa.Column("meeting_formats", sa.String(length=60), nullable=False),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "identifies_bipoc",
            sa.Enum(
                "yes",
                "no",
                "undisclosed",
                name="ck_bipocidentity",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="undisclosed",
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "paused",
                "withdrawn",
                name="ck_personstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column("specialty", sa.String(length=120), nullable=False),
        sa.Column("organization", sa.String(length=200), nullable=False),
        sa.Column("career_stage", sa.String(length=60), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("advising_areas", sa.String(length=120), nullable=False),
        sa.Column("attests_values", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("capacity BETWEEN 1 AND 5", name="ck_mentors_capacity"),
        sa.CheckConstraint("email = lower(trim(email))", name="ck_mentors_email_normalised"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email", name="uq_mentors_email"),
    )
    with op.batch_alter_table("mentors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentors_status"), ["status"], unique=False)

    op.create_table(
        "settings",
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "leader", "committee", name="ck_role", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("email = lower(trim(email))", name="ck_users_email_normalised"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "exclusions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(["mentee_id"], ["mentees.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["mentor_id"], ["mentors.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("mentor_id", "mentee_id", name="uq_exclusions_pair"),
    )
    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_exclusions_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_exclusions_mentor_id"), ["mentor_id"], unique=False)

    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentee_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "continued",
                "completed",
                "ended",
                name="ck_matchstatus",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="active",
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "suggested",
                "hand",
                "imported",
                name="ck_matchsource",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="suggested",
            nullable=False,
        ),
        sa.Column("confirmed_on", sa.Date(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by_id", sa.Integer(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("reasons", sa.String(length=4000), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "schedules",
                "moved",
                "mismatch",
                "matriculated",
                "left_premed",
                "unresponsive",
                "completed_year",
                "other",
                name="ck_endreason",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=True,
        ),
        sa.Column("end_note", sa.String(length=500), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= confirmed_on", name="ck_matches_end_after_start"),
        sa.ForeignKeyConstraint(
            ["confirmed_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
        ),
        sa.ForeignKeyConstraint(["mentee_id"], ["mentees.id"], ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["mentor_id"], ["mentors.id"], ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_matches_mentee_id"), ["mentee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_mentor_id"), ["mentor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_matches_status"), ["status"], unique=False)
        batch_op.create_index(
            "ux_matches_open_mentee",
            ["mentee_id"],
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'continued')"),
            postgresql_where=sa.text("status IN ('active', 'continued')"),
        )

    op.create_table(
        "checkin_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("checkin_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_links_match_id"), ["match_id"], unique=False)
        batch_op.create_index(
            "ux_checkin_links_live_match",
            ["match_id"],
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )

    op.create_table(
        "concerns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("raised_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_concerns_match_id"), ["match_id"], unique=False)

    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("met_on", sa.Date(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=True),
        sa.Column("notes", sa.String(length=2000), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "leader",
                "imported",
                "checkin",
                name="ck_meetingsource",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            server_default="leader",
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["match_id"], ["matches.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("match_id", "met_on", name="uq_meetings_match_day"),
    )
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meetings_match_id"), ["match_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_meetings_met_on"), ["met_on"], unique=False)

    op.create_table(
        "checkin_submissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["checkin_links.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("checkin_submissions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checkin_submissions_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_checkin_submissions_link_id"), ["link_id"], unique=False)

    _create_triggers()


OPEN = "('active', 'continued')"

SQLITE_TRIGGERS = [
    # A mentor never above capacity: checked inside the inserting transaction, so it holds under
    # simultaneous confirmations (SQLite serialises writers).
    f"""
    CREATE TRIGGER trg_matches_capacity_insert BEFORE INSERT ON matches
    WHEN NEW.status IN {OPEN}
     AND (SELECT COUNT(*) FROM matches WHERE mentor_id = NEW.mentor_id AND status IN {OPEN})
         >= (SELECT capacity FROM mentors WHERE id = NEW.mentor_id)
    BEGIN SELECT RAISE(ABORT, 'mentor at capacity'); END
    """,
    f"""
    CREATE TRIGGER trg_matches_capacity_reopen BEFORE UPDATE OF status, mentor_id ON matches
    WHEN NEW.status IN {OPEN}
     AND (OLD.status NOT IN {OPEN} OR OLD.mentor_id != NEW.mentor_id)
     AND (SELECT COUNT(*) FROM matches WHERE mentor_id = NEW.mentor_id AND status IN {OPEN})
         >= (SELECT capacity FROM mentors WHERE id = NEW.mentor_id)
    BEGIN SELECT RAISE(ABORT, 'mentor at capacity'); END
    """,
    """
    CREATE TRIGGER trg_audit_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
    """
    CREATE TRIGGER trg_audit_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END
    """,
]

POSTGRES_TRIGGERS = [
    # Locking the mentor's row serialises confirmations for one mentor; the count then sees every
    # committed match (READ COMMITTED takes a fresh snapshot per statement).
    f"""
    CREATE FUNCTION matches_check_capacity() RETURNS trigger AS $$
    DECLARE
        cap integer;
        used integer;
    BEGIN
        IF NEW.status NOT IN {OPEN} THEN
            RETURN NEW;
        END IF;
        IF TG_OP = 'UPDATE' AND OLD.status IN {OPEN} AND OLD.mentor_id = NEW.mentor_id THEN
            RETURN NEW;
        END IF;
        SELECT capacity INTO cap FROM mentors WHERE id = NEW.mentor_id FOR UPDATE;
        SELECT COUNT(*) INTO used FROM matches
         WHERE mentor_id = NEW.mentor_id AND status IN {OPEN} AND id IS DISTINCT FROM NEW.id;
        IF used >= cap THEN
            RAISE EXCEPTION 'mentor at capacity' USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER trg_matches_capacity BEFORE INSERT OR UPDATE OF status, mentor_id ON matches
    FOR EACH ROW EXECUTE FUNCTION matches_check_capacity()
    """,
    """
    CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN
        RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER trg_audit_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
    """,
]


def _create_triggers() -> None:
    dialect = op.get_bind().dialect.name
    statements = {"sqlite": SQLITE_TRIGGERS, "postgresql": POSTGRES_TRIGGERS}.get(dialect, [])
    for statement in statements:
        op.execute(statement)


def _drop_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in (
            "trg_matches_capacity_insert",
            "trg_matches_capacity_reopen",
            "trg_audit_no_update",
            "trg_audit_no_delete",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS trg_matches_capacity ON matches")
        op.execute("DROP TRIGGER IF EXISTS trg_audit_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS matches_check_capacity()")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")


def downgrade() -> None:
    _drop_triggers()
    with op.batch_alter_table("checkin_submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_submissions_link_id"))
        batch_op.drop_index(batch_op.f("ix_checkin_submissions_at"))

    op.drop_table("checkin_submissions")
    with op.batch_alter_table("meetings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meetings_met_on"))
        batch_op.drop_index(batch_op.f("ix_meetings_match_id"))

    op.drop_table("meetings")
    with op.batch_alter_table("concerns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concerns_match_id"))

    op.drop_table("concerns")
    with op.batch_alter_table("checkin_links", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_checkin_links_live_match",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_checkin_links_match_id"))

    op.drop_table("checkin_links")
    with op.batch_alter_table("matches", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_matches_open_mentee",
            sqlite_where=sa.text("status IN ('active', 'continued')"),
            postgresql_where=sa.text("status IN ('active', 'continued')"),
        )
        batch_op.drop_index(batch_op.f("ix_matches_status"))
        batch_op.drop_index(batch_op.f("ix_matches_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_matches_mentee_id"))

    op.drop_table("matches")
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))

    op.drop_table("login_sessions")
    with op.batch_alter_table("exclusions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exclusions_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_exclusions_mentee_id"))

    op.drop_table("exclusions")
    op.drop_table("users")
    op.drop_table("settings")
    with op.batch_alter_table("mentors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentors_status"))

    op.drop_table("mentors")
    with op.batch_alter_table("mentees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentees_status"))

    op.drop_table("mentees")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action"))

    op.drop_table("audit_events")
