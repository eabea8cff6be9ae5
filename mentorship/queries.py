"""The reads that pages and the CLI need, as plain data (DataFrames and dataclasses)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from mentorship import cadence
from mentorship.models import (
    OPEN_MATCH_STATUSES,
    BipocIdentity,
    BipocPreference,
    Match,
    Meeting,
    Mentee,
    Mentor,
    PersonStatus,
    User,
)
from mentorship.settings import cadence_thresholds

ONE_YEAR_DAYS = 365
_OPEN = [s.value for s in OPEN_MATCH_STATUSES]


def frame(session: Session, statement: sa.Select) -> pd.DataFrame:
    """Run a select and return its rows as a DataFrame with the select's column names."""
    result = session.execute(statement)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _scalar(session: Session, statement: sa.Select) -> int:
    return int(session.execute(statement).scalar() or 0)


def open_pairs(session: Session) -> pd.DataFrame:
    """Every open match with the date of its last meeting (missing when the pair never met)."""
    last_met = (
        sa.select(Meeting.match_id, sa.func.max(Meeting.met_on).label("last_met_on"))
        .group_by(Meeting.match_id)
        .subquery()
    )
    statement = (
        sa.select(
            Match.id.label("match_id"),
            Match.mentor_id,
            Match.mentee_id,
            Match.status,
            Match.confirmed_on,
            last_met.c.last_met_on,
        )
        .outerjoin(last_met, last_met.c.match_id == Match.id)
        .where(Match.status.in_(_OPEN))
        .order_by(Match.id)
    )
    return frame(session, statement)


def assessed_open_pairs(session: Session, today: date) -> pd.DataFrame:
    return cadence.assess(open_pairs(session), today, cadence_thresholds(session))


def waiting_mentees(session: Session, today: date) -> pd.DataFrame:
    """Active mentees with no open match, and how many days since they registered."""
    has_open = sa.exists().where(Match.mentee_id == Mentee.id, Match.status.in_(_OPEN))
    statement = (
        sa.select(Mentee.id.label("mentee_id"), Mentee.registered_on)
        .where(Mentee.status == PersonStatus.active, ~has_open)
        .order_by(Mentee.registered_on, Mentee.id)
    )
    waiting = frame(session, statement)
    waiting["days_waiting"] = [(today - d).days for d in waiting["registered_on"]]
    return waiting


def registrations_by_quarter(session: Session) -> pd.DataFrame:
    """Registrations per calendar quarter, mentors and mentees, for the Overview chart."""
    parts = []
    for kind, table in (("Mentors", Mentor), ("Mentees", Mentee)):
        dates = frame(session, sa.select(table.registered_on))
        if dates.empty:
            continue
        quarters = pd.to_datetime(dates["registered_on"]).dt.to_period("Q")
        counted = quarters.value_counts().rename_axis("period").reset_index(name="registrations")
        counted["quarter"] = counted["period"].dt.start_time
        counted["label"] = counted["period"].astype(str).str.replace("Q", " Q")
        counted = counted.drop(columns="period")
        counted["kind"] = kind
        parts.append(counted)
    if not parts:
        return pd.DataFrame(columns=["quarter", "label", "registrations", "kind"])
    return pd.concat(parts, ignore_index=True).sort_values(["quarter", "kind"], ignore_index=True)


@dataclass(frozen=True)
class ProgramSummary:
    mentors: int
    mentees: int
    active_mentors: int
    waiting_mentees: int
    waiting_median_days: int | None
    waiting_longest_days: int | None
    active_pairs: int
    capacity_total: int
    capacity_used: int
    bipoc_preference_requests: int
    bipoc_preference_met: int
    overdue_pairs: int
    overdue_after_days: int
    pairs_ever: int
    one_year_eligible_pairs: int
    one_year_completion_rate: float | None

    def to_dict(self) -> dict:
        return asdict(self)


def program_summary(session: Session, today: date) -> ProgramSummary:
    """The program's KPIs; the Overview page and `summary` both show exactly these."""
    active_mentor = sa.and_(Mentor.status == PersonStatus.active, Mentor.attests_values.is_(True))
    open_match = Match.status.in_(_OPEN)

    capacity_total = _scalar(session, sa.select(sa.func.sum(Mentor.capacity)).where(active_mentor))
    capacity_used = _scalar(
        session,
        sa.select(sa.func.count(Match.id))
        .join(Mentor, Mentor.id == Match.mentor_id)
        .where(open_match, active_mentor),
    )
    asks_bipoc = Mentee.bipoc_mentor_preference.in_(
        [BipocPreference.required.value, BipocPreference.preferred.value]
    )
    requests = frame(
        session,
        sa.select(Mentor.identifies_bipoc)
        .select_from(Match)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .join(Mentor, Mentor.id == Match.mentor_id)
        .where(open_match, asks_bipoc),
    )

    pairs = assessed_open_pairs(session, today)
    overdue_after = cadence_thresholds(session).due_days
    waiting = waiting_mentees(session, today)

    history = frame(session, sa.select(Match.confirmed_on, Match.ended_on))
    completion_rate, eligible = one_year_completion(history, today)

    return ProgramSummary(
        mentors=_scalar(session, sa.select(sa.func.count(Mentor.id))),
        mentees=_scalar(session, sa.select(sa.func.count(Mentee.id))),
        active_mentors=_scalar(session, sa.select(sa.func.count(Mentor.id)).where(active_mentor)),
        waiting_mentees=len(waiting),
        waiting_median_days=int(waiting["days_waiting"].median()) if len(waiting) else None,
        waiting_longest_days=int(waiting["days_waiting"].max()) if len(waiting) else None,
        active_pairs=len(pairs),
        capacity_total=capacity_total,
        capacity_used=capacity_used,
        bipoc_preference_requests=len(requests),
        bipoc_preference_met=int((requests["identifies_bipoc"] == BipocIdentity.yes).sum()),
        overdue_pairs=int((pairs["days_since_last"] > overdue_after).sum()) if len(pairs) else 0,
        overdue_after_days=overdue_after,
        pairs_ever=len(history),
        one_year_eligible_pairs=eligible,
        one_year_completion_rate=completion_rate,
    )


def one_year_completion(history: pd.DataFrame, today: date) -> tuple[float | None, int]:
    """Among pairs confirmed at least a year ago, the share whose duration reached a year.

    `history` has `confirmed_on` and `ended_on` (missing while open). Returns (rate, pairs behind it).
    """
    if history.empty:
        return None, 0
    confirmed = pd.to_datetime(history["confirmed_on"])
    ended = pd.to_datetime(history["ended_on"]).fillna(pd.Timestamp(today))
    eligible = (pd.Timestamp(today) - confirmed).dt.days >= ONE_YEAR_DAYS
    if not eligible.any():
        return None, 0
    lasted = (ended - confirmed).dt.days[eligible] >= ONE_YEAR_DAYS
    return round(float(lasted.mean()), 4), int(eligible.sum())


def accounts(session: Session) -> pd.DataFrame:
    """The dashboard's accounts (no password hashes)."""
    return frame(
        session,
        sa.select(User.email, User.role, User.is_active, User.created_at, User.last_login_at).order_by(
            User.email
        ),
    )


def is_empty(session: Session) -> bool:
    """True when the store has no registrations at all (the Overview then shows what to do next)."""
    return (
        _scalar(session, sa.select(sa.func.count(Mentor.id))) == 0
        and _scalar(session, sa.select(sa.func.count(Mentee.id))) == 0
    )


@dataclass(frozen=True)
class Overview:
    summary: ProgramSummary
    registrations_by_quarter: pd.DataFrame
    days_waiting: pd.Series
    cadence_counts: dict[str, int]


def overview(session: Session, today: date) -> Overview:
    """Everything the Overview page draws, in one read."""
    return Overview(
        summary=program_summary(session, today),
        registrations_by_quarter=registrations_by_quarter(session),
        days_waiting=waiting_mentees(session, today)["days_waiting"],
        cadence_counts=cadence.status_counts(assessed_open_pairs(session, today)),
    )


# --- Registrations export ---
def registrations_export(session: Session, kind: str) -> pd.DataFrame:
    """Every record of one kind in its import template's columns (`intake.TEMPLATES`), oldest first."""
    from mentorship.intake import TEMPLATES

    mentor_email = sa.select(Mentor.email).where(Mentor.id == Match.mentor_id).scalar_subquery()
    mentee_email = sa.select(Mentee.email).where(Mentee.id == Match.mentee_id).scalar_subquery()
    if kind in ("mentors", "mentees"):
        table = Mentor if kind == "mentors" else Mentee
        statement = sa.select(*(table.__table__.c[c] for c in TEMPLATES[kind])).order_by(table.id)
    elif kind == "pairs":
        statement = sa.select(
            mentor_email.label("mentor_email"),
            mentee_email.label("mentee_email"),
            Match.confirmed_on,
            Match.ended_on,
            Match.status.label("outcome"),
            Match.end_reason,
        ).order_by(Match.confirmed_on, Match.id)
    else:
        statement = (
            sa.select(
                mentor_email.label("mentor_email"),
                mentee_email.label("mentee_email"),
                Meeting.met_on,
                Meeting.format,
                Meeting.duration_minutes,
                Meeting.notes,
            )
            .join(Match, Match.id == Meeting.match_id)
            .order_by(Meeting.met_on, Meeting.id)
        )
    return frame(session, statement)


# --- Registrations ---
def registrations(session: Session, kind: str, today: date) -> pd.DataFrame:
    """Mentors or mentees with their answers, status and pairing state, one row each (indexed by id).

    `open_pairs` counts open matches; `pairing` is "matched" (an open pair), "waiting" (active, none) or
    "inactive"; mentees also get `days_waiting` (while waiting).
    """
    from mentorship.intake import TEMPLATES

    table = Mentor if kind == "mentors" else Mentee
    person = Match.mentor_id if kind == "mentors" else Match.mentee_id
    open_pairs = (
        sa.select(sa.func.count(Match.id))
        .where(person == table.id, Match.status.in_(_OPEN))
        .scalar_subquery()
    )
    columns = [table.__table__.c[c] for c in TEMPLATES[kind]]
    statement = sa.select(table.id, table.status, *columns, open_pairs.label("open_pairs")).order_by(
        table.last_name, table.first_name, table.id
    )
    people = frame(session, statement)
    for column in ("status", "identifies_bipoc", "bipoc_mentor_preference"):
        if column in people:
            people[column] = people[column].map(lambda v: getattr(v, "value", v))
    matched = people["open_pairs"] > 0
    active = people["status"] == PersonStatus.active.value
    people["pairing"] = [
        "matched" if m else ("waiting" if a else "inactive") for m, a in zip(matched, active, strict=True)
    ]
    if kind == "mentees":
        people["days_waiting"] = [
            (today - d).days if p == "waiting" else None
            for d, p in zip(people["registered_on"], people["pairing"], strict=True)
        ]
        people["days_waiting"] = people["days_waiting"].astype("Int64")
    return people.set_index("id")
