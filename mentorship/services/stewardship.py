"""Stewardship: a safe backup, and erasing a person's data on request."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from mentorship import clock, db, formatting, privacy, queries
from mentorship.auth import Actor
from mentorship.errors import Refused, UnusableInput
from mentorship.models import (
    OPEN_STATUS_VALUES,
    AnnualUpdate,
    Concern,
    EndReason,
    Match,
    MatchStatus,
    Meeting,
    Mentee,
    Mentor,
    Milestone,
    Signup,
    utcnow,
)
from mentorship.outbox.store import erase_messages
from mentorship.services.cadence import revoke_checkin_links
from mentorship.services.core import operation, select_ids
from mentorship.services.surveys import forget_survey_text
from mentorship.values import normalise_email


def export_audit_log(
    engine: Engine,
    *,
    actor: Actor,
    actions: list[str] | None = None,
    outcome: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> bytes:
    """The audit events the filters pick (as the Admin page lists them) as CSV; the leader's only, audited.
    Times are in the program's zone, which the column's header names: "at (America/Chicago)"."""
    with operation(engine, actor=actor, action="audit.export") as op:
        events = queries.audit_log(op.session, actions=actions, outcome=outcome, since=since, until=until)
        op.record(f"{len(events)} events")
    local = formatting.with_moments(events, "at", seconds=True)
    return privacy.spreadsheet_csv(local.rename(columns={"at": f"at ({clock.zone().key})"}))


def backup(engine: Engine, *, actor: Actor, target: Path) -> int:
    """A consistent copy of a SQLite store through SQLite's online backup API; returns its size in bytes.

    Copying the .db file of a WAL store while it is written gives a broken copy; the backup API does not.
    """
    with operation(engine, actor=actor, action="store.backup"):
        if not db.is_sqlite(engine):
            raise Refused("Back up a PostgreSQL store with pg_dump; this command copies SQLite stores.")
    # A connection outside any transaction: the backup API cannot copy from inside a write transaction.
    source = engine.raw_connection()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.unlink(missing_ok=True)
        destination = sqlite3.connect(target)
        try:
            source.driver_connection.backup(destination)
        finally:
            destination.close()
    except (OSError, sqlite3.Error):
        raise UnusableInput(
            f"The backup cannot be written to {target}; choose a folder you can write to."
        ) from None
    finally:
        source.close()
    with operation(engine, actor=actor, action="store.backup") as op:
        op.record("backup written")
    return target.stat().st_size


ERASED = "Erased"


def erase_person(engine: Engine, *, actor: Actor, email: str, today: date) -> list[str]:
    """Remove a mentor's or mentee's personal data on request; anonymised pairs and meetings stay.

    Kept for the statistics: registration date, capacity, meeting formats, BIPOC identity and preference
    (no longer linked to anyone), and the pairs' dates and outcomes. Open pairs end `today`; links are
    revoked; free-text notes on their meetings and concerns are cleared. Someone registered both as a
    mentor and as a mentee is erased in both. Returns the kinds erased ("mentor", "mentee").
    """
    address = normalise_email(email)
    erased = []
    pairs: list[int] = []
    with operation(engine, actor=actor, action="person.erase") as op:
        session = op.session
        for kind, table, key in (("mentor", Mentor, Match.mentor_id), ("mentee", Mentee, Match.mentee_id)):
            person_id = session.execute(sa.select(table.id).where(table.email == address)).scalar()
            if person_id is None:
                continue
            session.execute(
                sa.update(table)
                .where(table.id == person_id)
                .values(
                    first_name=ERASED,
                    last_name=ERASED,
                    email=f"erased-{kind}-{person_id}@erased.invalid",
                    status="withdrawn",
                    updated_at=utcnow(),
                    **dict.fromkeys(_ERASABLE_TEXT[kind], ""),
                )
            )
            if kind == "mentee":  # their yearly update links stop working (and no more are sent: withdrawn)
                session.execute(
                    sa.update(AnnualUpdate).where(AnnualUpdate.mentee_id == person_id).values(token_hash=None)
                )
            match_ids = select_ids(session, sa.select(Match.id).where(key == person_id))
            _anonymise_pairs(session, match_ids, today)
            pairs += match_ids
            path = _forget_path(session, person_id) if kind == "mentee" else ""
            op.record(
                f"personal data erased; {len(match_ids)} pair(s) kept anonymised{path}",
                entity=kind,
                entity_id=person_id,
            )
            erased.append(kind)
        # Registrations sent through the public forms: their answers and personal links go too.
        forgotten = session.execute(
            sa.update(Signup).where(Signup.email == address).values(email="", answers="{}", token_hash=None)
        ).rowcount
        if not erased and not forgotten:
            raise Refused("No mentor or mentee has that email.")
        if removed := erase_messages(session, address, pairs):  # --- Outbox ---
            op.record(f"outbox messages removed: {removed}", entity="outbox")
        if forgotten:
            op.record(f"{forgotten} submitted registration(s) forgotten", entity="signup")
            erased += [] if erased else ["registration"]
    db.purge_old_row_versions(engine)
    return erased


def _forget_path(session: Session, mentee_id: int) -> str:
    """A mentee's milestones (individual facts: where they applied, which school) and yearly "Where are you
    now?" links go entirely; the mentee's row stays (anonymised), so its foreign keys' cascade never runs.
    Returns the audit summary's tail (counts only)."""
    milestones = session.execute(sa.delete(Milestone).where(Milestone.mentee_id == mentee_id)).rowcount
    updates = session.execute(sa.delete(AnnualUpdate).where(AnnualUpdate.mentee_id == mentee_id)).rowcount
    return f"; {milestones} milestone(s) and {updates} yearly update(s) removed"


def _anonymise_pairs(session: Session, match_ids: list[int], today: date) -> None:
    """End the open ones, and clear every note and stored reason on them and their meetings."""
    session.execute(
        sa.update(Match)
        .where(Match.id.in_(match_ids), Match.status.in_(OPEN_STATUS_VALUES))
        .values(status=MatchStatus.ended, ended_on=today, end_reason=EndReason.other, updated_at=utcnow())
    )
    session.execute(sa.update(Match).where(Match.id.in_(match_ids)).values(end_note="", reasons="[]"))
    session.execute(sa.update(Meeting).where(Meeting.match_id.in_(match_ids)).values(notes=""))
    session.execute(sa.update(Concern).where(Concern.match_id.in_(match_ids)).values(note=""))
    revoke_checkin_links(session, match_ids)
    forget_survey_text(session, match_ids)


_ERASABLE_TEXT = {
    "mentor": (
        "phone",
        "pronouns",
        "race_ethnicity",
        "gender",
        "languages",
        "specialty",
        "organization",
        "career_stage",
    ),
    "mentee": (
        "phone",
        "pronouns",
        "race_ethnicity",
        "gender",
        "languages",
        "school",
        "class_year",
        "major",
        "mentor_gender_preference",
        "specialty_interests",
        "goals",
    ),
}
