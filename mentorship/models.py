"""The store's tables.

Conventions: timestamps are aware UTC datetimes (`utcnow()`), calendar facts (registered, confirmed, met) are
dates; multi-choice answers (languages, meeting formats, interests) are kept as one `;`-separated
text cell, in the order the person gave them, so the CSV round trip is lossless.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class PersonStatus(enum.StrEnum):
    active = "active"
    paused = "paused"
    withdrawn = "withdrawn"


class BipocIdentity(enum.StrEnum):
    yes = "yes"
    no = "no"
    undisclosed = "undisclosed"


class BipocPreference(enum.StrEnum):
    required = "required"
    preferred = "preferred"
    none = "none"


class MatchStatus(enum.StrEnum):
    active = "active"
    continued = "continued"
    completed = "completed"
    ended = "ended"


OPEN_MATCH_STATUSES: tuple[MatchStatus, ...] = (MatchStatus.active, MatchStatus.continued)
OPEN_STATUS_VALUES: tuple[str, ...] = tuple(s.value for s in OPEN_MATCH_STATUSES)  # for SQL IN (...)


class MatchSource(enum.StrEnum):
    suggested = "suggested"
    hand = "hand"
    imported = "imported"


class EndReason(enum.StrEnum):
    schedules = "schedules"
    moved = "moved"
    mismatch = "mismatch"
    matriculated = "matriculated"
    left_premed = "left_premed"
    unresponsive = "unresponsive"
    completed_year = "completed_year"
    other = "other"


class MeetingSource(enum.StrEnum):
    leader = "leader"
    imported = "imported"
    checkin = "checkin"


class Role(enum.StrEnum):
    leader = "leader"
    committee = "committee"


class AuditOutcome(enum.StrEnum):
    done = "done"
    refused = "refused"


def enum_column(
    enum_cls: type[enum.StrEnum], *, nullable: bool = False, default: str | None = None, index: bool = False
) -> sa.Column:
    """A VARCHAR column holding the enum's values, with a CHECK constraint on both databases."""
    return sa.Column(
        sa.Enum(
            enum_cls,
            native_enum=False,
            create_constraint=True,
            length=20,
            values_callable=lambda members: [m.value for m in members],
            name=f"ck_{enum_cls.__name__.lower()}",
        ),
        nullable=nullable,
        server_default=default,
        index=index,
    )


# Registrations: what mentors and mentees share
class PersonBase(SQLModel):
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    email: str = Field(max_length=254)
    phone: str = Field(default="", max_length=40)
    pronouns: str = Field(default="", max_length=40)
    race_ethnicity: str = Field(default="", max_length=200)
    gender: str = Field(default="", max_length=60)
    languages: str = Field(default="", max_length=300)
    meeting_formats: str = Field(max_length=60)
    registered_on: date


class Mentor(PersonBase, table=True):
    __tablename__ = "mentors"
    __table_args__ = (
        sa.UniqueConstraint("email", name="uq_mentors_email"),
        sa.CheckConstraint("email = lower(trim(email))", name="ck_mentors_email_normalised"),
        sa.CheckConstraint("capacity BETWEEN 1 AND 5", name="ck_mentors_capacity"),
    )

    id: int | None = Field(default=None, primary_key=True)
    identifies_bipoc: BipocIdentity = Field(sa_column=enum_column(BipocIdentity, default="undisclosed"))
    status: PersonStatus = Field(sa_column=enum_column(PersonStatus, default="active", index=True))
    specialty: str = Field(default="", max_length=120)
    organization: str = Field(default="", max_length=200)
    career_stage: str = Field(default="", max_length=60)
    capacity: int = Field(default=1)
    advising_areas: str = Field(default="", max_length=120)
    attests_values: bool = Field(default=False)
    # Which version of the values statement they attested through the program's own form, and when
    # (None for an imported attestation: the form it came from is not the program's).
    values_version: int | None = Field(default=None)
    attested_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Mentee(PersonBase, table=True):
    __tablename__ = "mentees"
    __table_args__ = (
        sa.UniqueConstraint("email", name="uq_mentees_email"),
        sa.CheckConstraint("email = lower(trim(email))", name="ck_mentees_email_normalised"),
    )

    id: int | None = Field(default=None, primary_key=True)
    identifies_bipoc: BipocIdentity = Field(sa_column=enum_column(BipocIdentity, default="undisclosed"))
    status: PersonStatus = Field(sa_column=enum_column(PersonStatus, default="active", index=True))
    bipoc_mentor_preference: BipocPreference = Field(sa_column=enum_column(BipocPreference, default="none"))
    school: str = Field(default="", max_length=200)
    class_year: str = Field(default="", max_length=20)
    major: str = Field(default="", max_length=120)
    first_generation: bool | None = Field(default=None)
    mentor_gender_preference: str = Field(default="", max_length=60)
    specialty_interests: str = Field(default="", max_length=300)
    goals: str = Field(default="", max_length=4000)
    # "Stop these yearly emails": no more "Where are you now?" mail (outbox kind annual-update) to this mentee
    yearly_update_stopped_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


# Pairs and their history
class Match(SQLModel, table=True):
    __tablename__ = "matches"
    __table_args__ = (
        sa.Index(
            "ux_matches_open_mentee",
            "mentee_id",
            unique=True,
            sqlite_where=sa.text("status IN ('active', 'continued')"),
            postgresql_where=sa.text("status IN ('active', 'continued')"),
        ),
        sa.CheckConstraint("ended_on IS NULL OR ended_on >= confirmed_on", name="ck_matches_end_after_start"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="mentors.id", index=True, ondelete="RESTRICT")
    mentee_id: int = Field(foreign_key="mentees.id", index=True, ondelete="RESTRICT")
    status: MatchStatus = Field(sa_column=enum_column(MatchStatus, default="active", index=True))
    source: MatchSource = Field(sa_column=enum_column(MatchSource, default="suggested"))
    confirmed_on: date
    confirmed_at: datetime = Field(default_factory=utcnow)
    confirmed_by_id: int | None = Field(default=None, foreign_key="users.id")
    score: float | None = Field(default=None)
    reasons: str = Field(default="[]", max_length=4000)  # JSON list of sentences, as shown at confirmation
    decided_on: date | None = Field(default=None)
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    ended_on: date | None = Field(default=None)
    end_reason: EndReason | None = Field(default=None, sa_column=enum_column(EndReason, nullable=True))
    end_note: str = Field(default="", max_length=500)
    updated_at: datetime = Field(default_factory=utcnow)


class Exclusion(SQLModel, table=True):
    """A pair the leader rejected: never suggested again until the rejection is undone."""

    __tablename__ = "exclusions"
    __table_args__ = (sa.UniqueConstraint("mentor_id", "mentee_id", name="uq_exclusions_pair"),)

    id: int | None = Field(default=None, primary_key=True)
    mentor_id: int = Field(foreign_key="mentors.id", index=True, ondelete="CASCADE")
    mentee_id: int = Field(foreign_key="mentees.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class Meeting(SQLModel, table=True):
    __tablename__ = "meetings"
    # One meeting per pair per day: the same meeting reported by both people counts once.
    __table_args__ = (sa.UniqueConstraint("match_id", "met_on", name="uq_meetings_match_day"),)

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id", index=True, ondelete="CASCADE")
    met_on: date = Field(index=True)
    format: str = Field(default="virtual", max_length=20)
    duration_minutes: int | None = Field(default=None)
    notes: str = Field(default="", max_length=2000)
    source: MeetingSource = Field(sa_column=enum_column(MeetingSource, default="leader"))
    created_at: datetime = Field(default_factory=utcnow)


class CheckinLink(SQLModel, table=True):
    """A pair's personal link to report meetings without an account: the token's SHA-256 only, so a copy of
    the store opens no link. A pair may hold several live ones (each invitation mail makes its own); each
    works until `expires_at`, or until revoked."""

    __tablename__ = "checkin_links"

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = Field(default=None)  # None: made before links expired (see 0007_links)
    revoked_at: datetime | None = Field(default=None)


class CheckinSubmission(SQLModel, table=True):
    """Every use of a check-in link, kept to limit repeated submissions."""

    __tablename__ = "checkin_submissions"

    id: int | None = Field(default=None, primary_key=True)
    link_id: int = Field(foreign_key="checkin_links.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=utcnow, index=True)


class Concern(SQLModel, table=True):
    """A request from a pair for the program leader to reach out."""

    __tablename__ = "concerns"

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id", index=True, ondelete="CASCADE")
    raised_on: date
    note: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = Field(default=None)
    resolved_by_id: int | None = Field(default=None, foreign_key="users.id")
    # Raised by a survey's answers (a low respect or safety answer, or "contact me"); None for a check-in's
    survey_response_id: int | None = Field(default=None, foreign_key="survey_responses.id")


# Registration through the program's own public forms
class SignupStatus(enum.StrEnum):
    pending = "pending"  # waits for its confirmation link or for the leader
    accepted = "accepted"  # written to the registrations (by its link or by the leader)
    declined = "declined"
    expired = "expired"  # its confirmation link was not followed within the week
    superseded = "superseded"  # the same email sent the form again (before a resubmission changed nothing)
    discarded = "discarded"  # hidden field filled in, or the email registered or waiting: kept empty, counted


class ValuesStatement(SQLModel, table=True):
    """Every version of the program's values statement that mentors may attest; never edited in place."""

    __tablename__ = "values_statements"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    text: str = Field(max_length=4000)
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class Signup(SQLModel, table=True):
    """One submission of a public registration form: pending until confirmed, then written as a registration.

    `answers` holds the form's cells exactly as an imported row has them (JSON); it is emptied when the
    submission is declined, expires or is superseded, so nothing personal outlives its use."""

    __tablename__ = "signups"
    __table_args__ = (sa.CheckConstraint("kind IN ('mentors', 'mentees')", name="ck_signups_kind"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    email: str = Field(default="", max_length=254, index=True)
    answers: str = Field(default="{}", max_length=20000)
    status: SignupStatus = Field(sa_column=enum_column(SignupStatus, default="pending", index=True))
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    client: str = Field(default="", max_length=64, index=True)  # a random id of the browser session
    address: str = Field(default="", max_length=64, index=True)  # the client's address, keyed hash only
    statement_version: int | None = Field(default=None)
    attested_at: datetime | None = Field(default=None)
    consented_at: datetime | None = Field(default=None)
    link_sent: bool = Field(default=False)  # a confirmation link went out by mail
    link_issued_at: datetime | None = Field(default=None)  # when the mail with the current link was sent
    created_at: datetime = Field(default_factory=utcnow, index=True)
    decided_at: datetime | None = Field(default=None)
    decided_by_id: int | None = Field(default=None, foreign_key="users.id")
    person_id: int | None = Field(default=None)  # the mentor or mentee it became


# Accounts, sign-in and the audit trail
class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint("email = lower(trim(email))", name="ck_users_email_normalised"),)

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    role: Role = Field(sa_column=enum_column(Role))
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_login_at: datetime | None = Field(default=None)
    # Failed sign-ins from browsers this account has never signed in from, when no client address is known
    # (see SignInDevice and SignInThrottle).
    failed_logins: int = Field(default=0)
    last_failed_at: datetime | None = Field(default=None)


class LoginSession(SQLModel, table=True):
    """A signed-in browser; the token's hash only, so a copy of the store cannot sign anyone in.

    Until `handoff_until` is cleared the hash is a one-time code's, which only the server's /auth/begin
    route can exchange, before that moment, for the session's HttpOnly cookie. `institution` marks a session
    the dashboard made for an account signed in through the institution's single sign-on (no password), the
    only kind that begins or resumes while password sign-in is off."""

    __tablename__ = "login_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    ended_at: datetime | None = Field(default=None, index=True)
    handoff_until: datetime | None = Field(default=None)
    institution: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})


class SignInDevice(SQLModel, table=True):
    """A browser that has signed in to an account before (OWASP's device cookie; the store keeps the
    cookie's hash). Its failed sign-ins are counted apart from strangers', so they cannot lock it out."""

    __tablename__ = "sign_in_devices"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime = Field(default_factory=utcnow)
    failed_logins: int = Field(default=0)
    last_failed_at: datetime | None = Field(default=None)


class SignInThrottle(SQLModel, table=True):
    """Failed sign-ins to an account from browsers that never signed in to it, counted per client address
    (its keyed hash, `clients.key`): a stranger guessing from one address slows down only that address."""

    __tablename__ = "sign_in_throttles"
    __table_args__ = (sa.UniqueConstraint("user_id", "address", name="uq_sign_in_throttles_user_address"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", ondelete="CASCADE")
    address: str = Field(max_length=64)
    failed_logins: int = Field(default=0)
    last_failed_at: datetime | None = Field(default=None, index=True)


class RefusalTally(SQLModel, table=True):
    """Refused requests from signed-out browsers, counted per action, client address (keyed hash) and
    window: the first of each is audited, the rest only counted here (an audit row each would let anyone
    grow the append-only log without bound)."""

    __tablename__ = "refusal_tallies"
    __table_args__ = (
        sa.UniqueConstraint("action", "address", "window_start", name="uq_refusal_tallies_window"),
    )

    id: int | None = Field(default=None, primary_key=True)
    action: str = Field(max_length=60)
    address: str = Field(max_length=64)
    window_start: datetime = Field(index=True)
    count: int = Field(default=0)
    last_at: datetime


class AuditEvent(SQLModel, table=True):
    """Append-only: database triggers refuse updates and deletes."""

    __tablename__ = "audit_events"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    actor: str = Field(max_length=254)  # an account's email, or "cli", "system", "check-in link"
    action: str = Field(max_length=60, index=True)
    entity: str = Field(default="", max_length=40)
    entity_id: int | None = Field(default=None)
    outcome: AuditOutcome = Field(sa_column=enum_column(AuditOutcome, default="done"))
    summary: str = Field(default="", max_length=500)  # never personal data


class Setting(SQLModel, table=True):
    __tablename__ = "settings"

    key: str = Field(primary_key=True, max_length=60)
    value: str = Field(max_length=2000)  # JSON
    updated_at: datetime = Field(default_factory=utcnow)


class DataVersion(SQLModel, table=True):
    """One counter per table whose rows a page shows, moved by database triggers in every transaction that
    changes the table (from the dashboard, the CLI or any other client): pages keep their reads per version.
    Sign-ins, sessions, check-in rate limits and the audit log have none: they leave kept reads in place."""

    __tablename__ = "data_versions"

    name: str = Field(primary_key=True, max_length=40)  # the table's name
    version: int = Field(default=0, sa_type=sa.BigInteger)


# The outbox: every message is a row before it is sent
class MessageStatus(enum.StrEnum):
    queued = "queued"
    sending = "sending"  # handed (or about to be handed) to the mail server by the sender holding its claim
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"


class OutboxMessage(SQLModel, table=True):
    """One email to send. `dedupe_key` (kind, pair or person, period) is unique: planning twice queues once.

    A sender claims a queued row (`claimed_by`, `claimed_until`) with a conditional update before it connects,
    so two senders never send the same row; a claim left by a sender that died expires. Right before the
    mail server gets it, the sender marks it `sending`, only if its claim still holds.
    """

    __tablename__ = "outbox_messages"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_messages_dedupe_key"),
        sa.UniqueConstraint("message_id", name="uq_outbox_messages_message_id"),
        sa.Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    match_id: int | None = Field(default=None, foreign_key="matches.id", index=True, ondelete="SET NULL")
    recipients: str = Field(max_length=1000)  # addresses separated by ", "
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    headers: str = Field(default="{}", max_length=2000)  # JSON: extra headers (List-Unsubscribe)
    dedupe_key: str = Field(max_length=200)
    message_id: str = Field(max_length=200)  # the Message-ID header, the same on every attempt
    status: MessageStatus = Field(sa_column=enum_column(MessageStatus, default="queued"))
    attempts: int = Field(default=0)
    last_error: str = Field(default="", max_length=500)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str = Field(default="", max_length=40)
    claimed_until: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime | None = Field(default=None)
    # The body holds a stand-in where a personal link goes; the sender makes the link (a fresh token) as it
    # sends, from these: "registration" (link_ref: the signup's id) or "pair" (the pair's check-in link;
    # link_ref "mentor" or "mentee" adds that person's own stop link). See outbox.linking.
    link_kind: str = Field(default="", max_length=20)
    link_ref: str = Field(default="", max_length=40)


class OutboxTemplate(SQLModel, table=True):
    """The leader's own subject and body for a kind of message (the built-in default otherwise)."""

    __tablename__ = "outbox_templates"

    kind: str = Field(primary_key=True, max_length=20)
    subject: str = Field(max_length=300)
    body: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)


class ReminderStopLink(SQLModel, table=True):
    """One person's "stop these reminders" link, made as an invitation or nudge to them is sent (the token's
    SHA-256 only): it stops that person's invitations and nudges, never the other person's."""

    __tablename__ = "reminder_stop_links"
    __table_args__ = (sa.CheckConstraint("role IN ('mentor', 'mentee')", name="ck_reminder_stop_links_role"),)

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    match_id: int = Field(foreign_key="matches.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=10)  # whose link: the pair's mentor or its mentee
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(default_factory=utcnow)


class ReminderOptOut(SQLModel, table=True):
    """Someone who followed "stop these reminders": no more invitations or nudges to that address."""

    __tablename__ = "reminder_optouts"
    __table_args__ = (sa.CheckConstraint("email = lower(trim(email))", name="ck_reminder_optouts_email"),)

    email: str = Field(primary_key=True, max_length=254)
    match_id: int | None = Field(default=None, foreign_key="matches.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


# Surveys: each person of a pair is asked at three moments (see mentorship/surveys.py)
class SurveyVersion(SQLModel, table=True):
    """Every wording of a moment's survey; never edited in place (an edit is a new version), so each answer
    keeps the wording it answered."""

    __tablename__ = "survey_versions"
    __table_args__ = (
        sa.CheckConstraint("moment IN ('start', 'mid', 'year')", name="ck_survey_versions_moment"),
    )

    moment: str = Field(primary_key=True, max_length=10)
    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    questions: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))  # JSON: key -> wording
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="users.id")


class SurveyInvitation(SQLModel, table=True):
    """One person of a pair asked at one moment. Their link is the token's SHA-256 only (a newer mail's link
    replaces the older); the survey opens at the first sending and closes 30 days later."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        sa.UniqueConstraint("match_id", "role", "moment", name="uq_survey_invitations_person_moment"),
        sa.CheckConstraint("role IN ('mentor', 'mentee')", name="ck_survey_invitations_role"),
        sa.CheckConstraint("moment IN ('start', 'mid', 'year')", name="ck_survey_invitations_moment"),
    )

    id: int | None = Field(default=None, primary_key=True)
    match_id: int = Field(foreign_key="matches.id", index=True, ondelete="CASCADE")
    role: str = Field(max_length=10)
    moment: str = Field(max_length=10, index=True)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    sent_at: datetime | None = Field(default=None)  # the first link made (by mail or by the leader)
    reminded_at: datetime | None = Field(default=None)
    closes_at: datetime | None = Field(default=None)  # sent_at + 30 days
    created_at: datetime = Field(default_factory=utcnow)


class SurveyResponse(SQLModel, table=True):
    """One person's answers at one moment (one per invitation), changeable until the survey closes."""

    __tablename__ = "survey_responses"

    id: int | None = Field(default=None, primary_key=True)
    invitation_id: int = Field(foreign_key="survey_invitations.id", unique=True, ondelete="CASCADE")
    version: int  # the wording answered (survey_versions.version of the invitation's moment)
    answers: str = Field(
        sa_column=sa.Column(sa.Text(), nullable=False)
    )  # JSON: key -> answer (None: declined)
    contact_me: bool = Field(default=False)
    submitted_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


# The path to medical school: what became of each mentee (see mentorship/milestones.py)
class MilestoneKind(enum.StrEnum):
    mcat = "mcat"
    applied = "applied"
    interviewed = "interviewed"
    accepted = "accepted"
    matriculated = "matriculated"
    reapplying = "reapplying"
    other_profession = "other_profession"
    left_premed = "left_premed"


class MilestoneSource(enum.StrEnum):
    mentee = "mentee"  # through their yearly "Where are you now?" link
    leader = "leader"  # on the mentee's record in Registrations
    imported = "import"  # `import milestones FILE`


class Milestone(SQLModel, table=True):
    """One step of a mentee's path (took the MCAT, applied, ... matriculated), on a day, with where it came
    from and when it was recorded. The same step on the same day is one row: recording it again (a
    re-import, the mentee answering twice) changes its school and note, never adds a second."""

    __tablename__ = "milestones"
    __table_args__ = (
        sa.UniqueConstraint("mentee_id", "kind", "happened_on", name="uq_milestones_mentee_kind_on"),
    )

    id: int | None = Field(default=None, primary_key=True)
    mentee_id: int = Field(foreign_key="mentees.id", index=True, ondelete="CASCADE")
    kind: MilestoneKind = Field(sa_column=enum_column(MilestoneKind))
    happened_on: date  # the import's `on`: the month of the MCAT, the cycle's year for applied, the day
    school: str = Field(default="", max_length=200)  # the medical school, for `matriculated` only
    note: str = Field(default="", max_length=500)  # the leader's; never shown to the committee
    source: MilestoneSource = Field(sa_column=enum_column(MilestoneSource))
    recorded_at: datetime = Field(default_factory=utcnow, index=True)
    recorded_by_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")


class AnnualUpdate(SQLModel, table=True):
    """One mentee asked "Where are you now?" in one year. Their link is the token's SHA-256 only (a newer
    mail's link replaces the older); it opens at the first sending and closes 60 days later."""

    __tablename__ = "annual_updates"
    __table_args__ = (sa.UniqueConstraint("mentee_id", "year", name="uq_annual_updates_mentee_year"),)

    id: int | None = Field(default=None, primary_key=True)
    mentee_id: int = Field(foreign_key="mentees.id", index=True, ondelete="CASCADE")
    year: int
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    sent_at: datetime | None = Field(default=None)
    closes_at: datetime | None = Field(default=None)
    answered_at: datetime | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow)
