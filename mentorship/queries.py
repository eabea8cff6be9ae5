"""The reads that pages and the CLI need, as plain data (DataFrames and dataclasses).

Why one module above 900 lines: it is the one list of what leaves the store for a page or a command, and
each page-shaped read here takes the viewer's role and passes through `privacy`; kept together, a reviewer
checks every door out of the store in one file. The reads are short and independent: split by page into a
`queries/` package (re-exporting the same names) when a page's reads grow a life of their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from mentorship import cadence, clock, feedback, formatting, links, matching, milestones, privacy, retention
from mentorship import registrations as registration_rules
from mentorship import signup as signup_rules
from mentorship import surveys as survey_rules
from mentorship.intake import PEOPLE, TEMPLATES
from mentorship.models import (
    OPEN_STATUS_VALUES,
    AnnualUpdate,
    AuditEvent,
    CheckinLink,
    Concern,
    DataVersion,
    Exclusion,
    Match,
    MatchSource,
    Meeting,
    Mentee,
    Mentor,
    Milestone,
    OutboxMessage,
    PersonStatus,
    RefusalTally,
    ReminderOptOut,
    ReminderStopLink,
    Role,
    Signup,
    SignupStatus,
    SurveyInvitation,
    SurveyResponse,
    SurveyVersion,
    User,
    ValuesStatement,
)
from mentorship.outbox import config as outbox_config
from mentorship.settings import (
    CadenceThresholds,
    cadence_thresholds,
    match_weights,
    registration_settings,
    report_intros,
)
from mentorship.values import normalise_email

_OPEN = OPEN_STATUS_VALUES


def frame(session: Session, statement: sa.Select) -> pd.DataFrame:
    """Run a select and return its rows as a DataFrame with the select's column names."""
    # On the session's connection: plain rows, without the ORM's per-row loading (half the time of a read).
    result = session.connection().execute(statement)
    keys, rows = list(result.keys()), result.all()
    if not rows:
        return pd.DataFrame(columns=keys)
    # built column by column: several times faster than from row objects
    return pd.DataFrame(dict(zip(keys, zip(*rows, strict=True), strict=True)))


def driver_frame(session: Session, statement: sa.Select) -> pd.DataFrame:
    """`frame` for the largest reads, with each value as the database driver gives it (a day is text on
    SQLite, a date on PostgreSQL; an enum is its stored value): the caller converts whole columns at once.
    Converting value by value, as SQLAlchemy does for `frame`, is most of the time of reading 57,000
    meetings."""
    result = session.connection().execute(statement)
    try:
        keys = list(result.keys())
        return pd.DataFrame.from_records(result.cursor.fetchall(), columns=keys)
    finally:
        result.close()


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
            Match.status.label("match_status"),  # cadence.assess adds the health "status"
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
    """Registrations per calendar quarter, mentors and mentees, for the Overview chart: every quarter from
    the first registration to the last, a quarter nobody registered in with 0, in time order."""
    periods = {}
    for kind, table in (("Mentors", Mentor), ("Mentees", Mentee)):
        dates = driver_frame(session, sa.select(table.registered_on))
        periods[kind] = pd.to_datetime(dates["registered_on"]).dt.to_period("Q")
    known = pd.concat(periods.values())
    if known.empty:
        return pd.DataFrame(columns=["quarter", "label", "registrations", "kind"])
    quarters = pd.period_range(known.min(), known.max(), freq="Q")
    parts = [
        pd.DataFrame(
            {
                "quarter": quarters.start_time,
                "label": quarters.astype(str).str.replace("Q", " Q"),
                "registrations": counted.value_counts().reindex(quarters, fill_value=0).to_numpy(),
                "kind": kind,
            }
        )
        for kind, counted in periods.items()
    ]
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


# What the figures count of every pair ever confirmed (no names)
_PAIR_FIGURES = (
    Match.id.label("match_id"),
    Match.status,
    Match.confirmed_on,
    Match.ended_on,
    Match.decided_on,
    Match.end_reason,
    Match.confirmed_at,
    Match.updated_at,
    Mentee.bipoc_mentor_preference,
    Mentor.identifies_bipoc.label("mentor_identifies_bipoc"),
)


def pair_history(session: Session, *also: sa.ColumnElement) -> pd.DataFrame:
    """Every pair ever confirmed: its dates (timestamps, missing as NaT), when it was recorded and last
    written (`confirmed_at`, `updated_at`, UTC), status and end reason, the mentee's BIPOC-mentor
    preference and the mentor's BIPOC identity (stored values), and the columns `also` (such as
    `Match.mentee_id`), by id; no names (figures are counted from it)."""
    statement = sa.select(*_PAIR_FIGURES, *also).join(Mentor, Mentor.id == Match.mentor_id)
    statement = statement.join(Mentee, Mentee.id == Match.mentee_id).order_by(Match.id)
    history = driver_frame(session, statement)  # enums as their stored values; dates converted at once
    for column in ("confirmed_on", "ended_on", "decided_on"):
        history[column] = pd.to_datetime(history[column])
    for column in ("confirmed_at", "updated_at"):
        history[column] = pd.to_datetime(history[column], utc=True)
    return history


def program_summary(session: Session, today: date) -> ProgramSummary:
    """The program's KPIs, live (the leader's: `summary`, and the Overview's as `overview` cuts them for the
    viewer's role)."""
    return _program_summary(
        session,
        today,
        assessed_open_pairs(session, today),
        waiting_mentees(session, today),
        pair_history(session),
    )


def _program_summary(
    session: Session, today: date, pairs: pd.DataFrame, waiting: pd.DataFrame, history: pd.DataFrame
) -> ProgramSummary:
    """`program_summary` from the open pairs (`assessed_open_pairs`), the waiting mentees
    (`waiting_mentees`) as of `today` and the pairs' history (`pair_history`), which the Overview reads
    too: read once for both."""
    active_mentor = sa.and_(Mentor.status == PersonStatus.active, Mentor.attests_values.is_(True))
    open_match = Match.status.in_(_OPEN)

    capacity_total = _scalar(session, sa.select(sa.func.sum(Mentor.capacity)).where(active_mentor))
    capacity_used = _scalar(
        session,
        sa.select(sa.func.count(Match.id))
        .join(Mentor, Mentor.id == Match.mentor_id)
        .where(open_match, active_mentor),
    )
    overdue_after = cadence_thresholds(session).due_days

    completion_rate, eligible = retention.one_year_completion(history, today)
    requests = retention.requests_met(history, today)

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
        bipoc_preference_requests=requests.asked,
        bipoc_preference_met=requests.met,
        overdue_pairs=int((pairs["days_since_last"] > overdue_after).sum()) if len(pairs) else 0,
        overdue_after_days=overdue_after,
        pairs_ever=len(history),
        one_year_eligible_pairs=eligible,
        one_year_completion_rate=completion_rate,
    )


def accounts(session: Session) -> pd.DataFrame:
    """The dashboard's accounts (no password hashes)."""
    return frame(
        session,
        sa.select(User.email, User.role, User.is_active, User.created_at, User.last_login_at).order_by(
            User.email
        ),
    )


def audit_log(
    session: Session,
    *,
    actions: list[str] | None = None,
    outcome: str | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """The newest audit events first, filtered; `until` is inclusive."""
    statement = sa.select(
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.entity,
        AuditEvent.entity_id,
        AuditEvent.outcome,
        AuditEvent.summary,
    )
    if actions:
        statement = statement.where(AuditEvent.action.in_(actions))
    if outcome:
        statement = statement.where(AuditEvent.outcome == outcome)
    if since:
        statement = statement.where(AuditEvent.at >= clock.day_start(since))
    if until:
        statement = statement.where(AuditEvent.at < clock.day_end(until))
    return frame(session, statement.order_by(AuditEvent.id.desc()).limit(limit))


def audit_actions(session: Session) -> list[str]:
    return list(
        session.execute(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars()
    )


@dataclass(frozen=True)
class AdminView:
    """The Admin page's accounts and the audit log's actions (for its filter): the leader's only."""

    accounts: pd.DataFrame
    actions: list[str]


def admin_view(session: Session, role: Role | str) -> AdminView:
    return AdminView(
        accounts=privacy.leader_only(accounts(session), role),
        actions=audit_actions(session) if privacy.sees_everything(role) else [],
    )


def audit_view(
    session: Session,
    role: Role | str,
    actions: list[str] | None = None,
    outcome: str | None = None,
    since: date | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """The audit log as the Admin page lists it (`audit_log`), for the leader only."""
    return privacy.leader_only(
        audit_log(session, actions=actions, outcome=outcome, since=since, until=until), role
    )


def refused_requests(session: Session, role: Role | str, limit: int = 1000) -> pd.DataFrame:
    """Requests refused to signed-out browsers (`services.record_signed_out_refusal`), newest window first:
    per action and window, how many and from how many clients (for the leader only)."""
    statement = (
        sa.select(
            RefusalTally.window_start,
            RefusalTally.action,
            sa.func.sum(RefusalTally.count).label("requests"),
            sa.func.count(RefusalTally.id).label("clients"),
        )
        .group_by(RefusalTally.window_start, RefusalTally.action)
        .order_by(RefusalTally.window_start.desc(), RefusalTally.action)
        .limit(limit)
    )
    return privacy.leader_only(frame(session, statement), role)


def is_empty(session: Session) -> bool:
    """True when the store has no registrations at all (the Overview then shows what to do next)."""
    return (
        _scalar(session, sa.select(sa.func.count(Mentor.id))) == 0
        and _scalar(session, sa.select(sa.func.count(Mentee.id))) == 0
    )


@dataclass(frozen=True)
class Overview:
    summary: ProgramSummary  # the requests met as of `requests_as_of`; every other figure live
    registrations_by_quarter: pd.DataFrame
    days_waiting: pd.Series
    cadence_counts: dict[str, int]
    requests_as_of: privacy.Snapshot
    # what "BIPOC-mentor requests met" reads instead (`privacy.requests_for_role`), None when shown
    requests_hidden: str | None


def overview(session: Session, today: date, role: Role | str) -> Overview | None:
    """Everything the Overview page draws, in one read, for the viewer's role; None when nobody has
    registered yet. The BIPOC-mentor requests met are counted as of `privacy.snapshot` (a release point for
    the committee, today for the leader); every other figure is live for everyone."""
    if is_empty(session):
        return None
    pairs, waiting, history = (
        assessed_open_pairs(session, today),
        waiting_mentees(session, today),
        pair_history(session),
    )
    summary = _program_summary(session, today, pairs, waiting, history)
    seen = privacy.seen_by(history, today, role)
    as_of = privacy.snapshot(seen, "requests", today, role)
    requests = retention.requests_met(seen, as_of.day) if as_of.day else retention.Requests(0, 0)
    return Overview(
        summary=replace(summary, bipoc_preference_requests=requests.asked, bipoc_preference_met=requests.met),
        registrations_by_quarter=registrations_by_quarter(session),
        days_waiting=waiting["days_waiting"],
        cadence_counts=cadence.status_counts(pairs),
        requests_as_of=as_of,
        requests_hidden=privacy.requests_for_role(requests, role) if as_of.day else privacy.NOT_RELEASED,
    )


# --- Retention ---
def _plain_values(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Enum members as their plain string values (missing stays missing), so frames compare with strings."""
    for column in columns:
        df[column] = pd.Series(
            [None if pd.isna(v) else str(getattr(v, "value", v)) for v in df[column]],
            dtype=object,
            index=df.index,
        )
    return df


def usual_meeting_formats(session: Session) -> pd.DataFrame:
    """Each pair's most used meeting format (`match_id`, `meeting_format`); ties go to the latest-used."""
    counts = frame(
        session,
        sa.select(
            Meeting.match_id,
            Meeting.format.label("meeting_format"),
            sa.func.count().label("meetings"),
            sa.func.max(Meeting.met_on).label("last_met_on"),
        ).group_by(Meeting.match_id, Meeting.format),
    )
    if counts.empty:
        return pd.DataFrame(columns=["match_id", "meeting_format"])
    counts = counts.sort_values(["match_id", "meetings", "last_met_on"], ascending=[True, False, False])
    return counts.drop_duplicates("match_id")[["match_id", "meeting_format"]]


def retention_pairs(session: Session) -> pd.DataFrame:
    """Every pair ever confirmed, with what retention needs: dates (and when recorded, as `pair_history`),
    status, decision, end reason, the mentee's BIPOC-mentor preference, the mentor's BIPOC identity, the
    usual meeting format, and who the pair is."""
    statement = (
        sa.select(
            *_PAIR_FIGURES,
            Match.mentor_id,
            Match.mentee_id,
            (Mentor.first_name + " " + Mentor.last_name).label("mentor"),
            Mentor.email.label("mentor_email"),
            (Mentee.first_name + " " + Mentee.last_name).label("mentee"),
            Mentee.email.label("mentee_email"),
        )
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .order_by(Match.id)
    )
    pairs = _plain_values(
        frame(session, statement),
        ["status", "end_reason", "bipoc_mentor_preference", "mentor_identifies_bipoc"],
    )
    formats = usual_meeting_formats(session)
    pairs = pairs.merge(formats, on="match_id", how="left")
    pairs["meeting_format"] = (
        pairs["meeting_format"].astype(object).where(pairs["meeting_format"].notna(), None)
    )
    return pairs


@dataclass(frozen=True)
class RetentionData:
    report: retention.Report
    pairs: pd.DataFrame  # `retention_pairs`, which the report is counted from


def retention_data(session: Session, today: date) -> RetentionData:
    """Everything the Retention page draws, in one read."""
    pairs = retention_pairs(session)
    return RetentionData(report=retention.analyse(pairs, today), pairs=pairs)


@dataclass(frozen=True)
class RetentionBreakdown:
    """One survival tab (all pairs, or one breakdown) as a viewer may see it."""

    title: str  # the chart's
    curves: pd.DataFrame  # the curves of the groups whose pairs are shown
    table: pd.DataFrame | None  # one row per group, as text (`formatting.retention_groups`); None overall
    group_withheld: bool  # a whole group is withheld: it has no curve although 5 or more pairs are behind it
    figure_withheld: bool  # some figure in the table reads "withheld"
    as_of: privacy.Snapshot | None = None  # a breakdown by a sensitive attribute: as of when it is counted


# tab: (the groups' attribute of `retention.Report`, the table's first column, the chart's title)
RETENTION_BREAKDOWNS = {
    "All pairs": ("overall", "", "Pairs still going, by months since confirmation"),
    "By cohort": ("by_cohort", "Cohort", "Pairs still going, by the year they were confirmed"),
    "By BIPOC-mentor request": ("by_concordance", "Request", "Pairs still going, by BIPOC-mentor request"),
    "By format": ("by_format", "Usual format", "Pairs still going, by the format they met in most"),
}
# the breakdowns by a sensitive attribute, with the family of sensitive figures they belong to (`privacy`)
SENSITIVE_BREAKDOWNS = {"by_concordance": "concordance"}


@dataclass(frozen=True)
class RetentionView:
    """Everything the Retention page draws, cut to what the viewer's role may see (`privacy`)."""

    empty: bool  # no pair was ever confirmed
    figures: list[formatting.Figure]
    breakdowns: dict[str, RetentionBreakdown]  # by tab, in RETENTION_BREAKDOWNS' order
    any_ended: bool
    end_reasons: pd.DataFrame  # the reasons whose counts may be shown
    few_reasons: list[str]  # reasons of fewer than 5 pairs (named, not counted)
    withheld_reasons: list[str]
    reasons_as_of: privacy.Snapshot  # the end reasons are counted as of this
    decisions_due: pd.DataFrame  # `match_id` and formatting.DUE_COLUMNS; contacts masked for the committee
    open_pairs: pd.DataFrame | None  # the leader only: pairs to end
    report: retention.Report | None  # the leader only: every figure (`retention --json`)


def retention_view(session: Session, today: date, role: Role | str) -> RetentionView:
    """The Retention page's read and the `retention` command's, for the viewer's role. The figures on a
    sensitive attribute (the breakdown by BIPOC-mentor request, why pairs ended) are counted as of
    `privacy.snapshot` (a release point for the committee, today for the leader); the others are live."""
    data = retention_data(session, today)
    report, leader = data.report, privacy.sees_everything(role)
    seen = privacy.seen_by(data.pairs, today, role)
    breakdowns = {}
    for tab, (attribute, column, title) in RETENTION_BREAKDOWNS.items():
        as_of, overall = None, report.overall
        groups = [report.overall] if attribute == "overall" else getattr(report, attribute)
        if attribute in SENSITIVE_BREAKDOWNS:
            as_of = privacy.snapshot(seen, SENSITIVE_BREAKDOWNS[attribute], today, role)
            if not as_of.live:  # before the first release point, no group at all
                overall, groups = _breakdown_as_of(seen, as_of.day, attribute) if as_of.day else (overall, [])
        masks = privacy.group_masks(groups, overall, role)
        breakdowns[tab] = RetentionBreakdown(
            title=title,
            curves=privacy.visible_curves(groups, masks),
            table=formatting.retention_groups(groups, column, masks) if column else None,
            group_withheld=any(m.pairs == privacy.WITHHELD for m in masks),
            figure_withheld=any(
                privacy.WITHHELD in (m.pairs, m.one_year_completion, m.continuation) for m in masks
            ),
            as_of=as_of,
        )
    reasons_as_of = privacy.snapshot(seen, "reasons", today, role)
    ended = report.end_reasons
    if not reasons_as_of.live:
        ended = (
            retention.end_reasons(retention.measured(seen, reasons_as_of.day))
            if reasons_as_of.day
            else ended.iloc[:0]
        )
    reasons, few_reasons, withheld_reasons = privacy.visible_reasons(ended, role)
    due = report.decisions_due[["match_id", *formatting.DUE_COLUMNS]]
    return RetentionView(
        empty=report.overall.pairs == 0,
        figures=formatting.retention_figures(report.overall, privacy.overall_mask(report.overall, role)),
        breakdowns=breakdowns,
        any_ended=not report.end_reasons.empty,
        end_reasons=reasons,
        few_reasons=few_reasons,
        withheld_reasons=withheld_reasons,
        reasons_as_of=reasons_as_of,
        decisions_due=privacy.viewer_frame(due, role),
        open_pairs=report.open_pairs if leader else None,
        report=report if leader else None,
    )


def _breakdown_as_of(
    pairs: pd.DataFrame, day: date, attribute: str
) -> tuple[retention.GroupFigures, list[retention.GroupFigures]]:
    """All pairs and one breakdown's groups (`RETENTION_BREAKDOWNS`) as they stood at the end of `day`."""
    then = retention.measured(pairs, day)
    order = retention.CONCORDANCE_ORDER if attribute == "by_concordance" else None
    return retention.figures(then), retention.by_group(then, attribute.removeprefix("by_"), order)


# --- Cadence ---
@dataclass(frozen=True)
class CheckinPair:
    """What the public check-in page may know about the pair behind a live link."""

    link_id: int
    match_id: int
    mentor_first_name: str
    mentee_first_name: str


def live_checkin(token: str, now: datetime) -> tuple:
    """Where a check-in token works (joined with its pair): its hash is known, not revoked, not expired, and
    the pair still open."""
    return (
        CheckinLink.token_hash == links.token_hash(token),
        CheckinLink.revoked_at.is_(None),
        sa.or_(CheckinLink.expires_at.is_(None), CheckinLink.expires_at > now),
        Match.status.in_(_OPEN),
    )


def checkin_pair(session: Session, token: str, now: datetime) -> CheckinPair | None:
    """The open pair behind a live check-in token; None for any other token (unknown, revoked, expired)."""
    if not token:
        return None
    row = session.execute(
        sa.select(CheckinLink.id, Match.id, Mentor.first_name, Mentee.first_name)
        .join(Match, Match.id == CheckinLink.match_id)
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .where(*live_checkin(token, now))
    ).first()
    return None if row is None else CheckinPair(*row)


@dataclass(frozen=True)
class CheckinLinks:
    """What the leader may know of a pair's live check-in links: how many, and until when the newest works
    (the links themselves are not kept: only their hashes)."""

    live: int
    newest_until: datetime | None


def checkin_links(session: Session, match_id: int, now: datetime) -> CheckinLinks:
    live, until = session.execute(
        sa.select(sa.func.count(CheckinLink.id), sa.func.max(CheckinLink.expires_at)).where(
            CheckinLink.match_id == match_id,
            CheckinLink.revoked_at.is_(None),
            sa.or_(CheckinLink.expires_at.is_(None), CheckinLink.expires_at > now),
        )
    ).one()
    return CheckinLinks(int(live), until)


@dataclass(frozen=True)
class StopLinkPerson:
    """What the public stop page may know about the one person behind a live stop link."""

    match_id: int
    role: str
    first_name: str


def stop_link_person(session: Session, token: str, now: datetime) -> StopLinkPerson | None:
    """The person (of a pair, open or not) whose own stop link this is; None when unknown or expired."""
    if not token:
        return None
    row = session.execute(
        sa.select(
            ReminderStopLink.match_id,
            ReminderStopLink.role,
            sa.case((ReminderStopLink.role == "mentor", Mentor.first_name), else_=Mentee.first_name),
        )
        .join(Match, Match.id == ReminderStopLink.match_id)
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .where(ReminderStopLink.token_hash == links.token_hash(token), ReminderStopLink.expires_at > now)
    ).first()
    return None if row is None else StopLinkPerson(*row)


def cadence_pairs(session: Session, today: date) -> pd.DataFrame:
    """Every open pair with its health, people and contacts, longest without a meeting first."""
    people = frame(
        session,
        sa.select(
            Match.id.label("match_id"),
            Mentor.first_name.label("mentor_first_name"),
            (Mentor.first_name + " " + Mentor.last_name).label("mentor"),
            Mentor.email.label("mentor_email"),
            Mentee.first_name.label("mentee_first_name"),
            (Mentee.first_name + " " + Mentee.last_name).label("mentee"),
            Mentee.email.label("mentee_email"),
        )
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .where(Match.status.in_(_OPEN)),
    )
    counted = frame(
        session,
        sa.select(Meeting.match_id, sa.func.count(Meeting.id).label("meetings"))
        .join(Match, Match.id == Meeting.match_id)
        .where(Match.status.in_(_OPEN))
        .group_by(Meeting.match_id),
    )
    pairs = (
        assessed_open_pairs(session, today)
        .merge(people, on="match_id")
        .merge(counted, on="match_id", how="left")
    )
    pairs["meetings"] = pairs["meetings"].fillna(0).astype("int64")
    return pairs.sort_values(["days_since_last", "match_id"], ascending=[False, True], ignore_index=True)


def meeting_log(session: Session) -> pd.DataFrame:
    """Every meeting (no notes), by pair and day: `match_id`, `met_on` (a timestamp), `format`,
    `duration_minutes` (missing when not said) and `source` (the plain value)."""
    meetings = driver_frame(
        session,
        sa.select(
            Meeting.match_id, Meeting.met_on, Meeting.format, Meeting.duration_minutes, Meeting.source
        ).order_by(Meeting.match_id, Meeting.met_on),
    )
    meetings["met_on"] = cadence.as_timestamps(meetings["met_on"])
    return meetings


def open_concerns(session: Session) -> pd.DataFrame:
    """Requests from pairs for the leader to reach out, not yet marked resolved, oldest first. A survey's
    concern names whose answers raised it (`survey_role`, "mentor" or "mentee"; "" for a check-in's): the
    leader writes to that person alone."""
    return frame(
        session,
        sa.select(
            Concern.id.label("concern_id"),
            Concern.match_id,
            Concern.raised_on,
            Concern.note,
            (Mentor.first_name + " " + Mentor.last_name).label("mentor"),
            Mentor.email.label("mentor_email"),
            (Mentee.first_name + " " + Mentee.last_name).label("mentee"),
            Mentee.email.label("mentee_email"),
            sa.func.coalesce(SurveyInvitation.role, "").label("survey_role"),
        )
        .join(Match, Match.id == Concern.match_id)
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .outerjoin(SurveyResponse, SurveyResponse.id == Concern.survey_response_id)
        .outerjoin(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(Concern.resolved_at.is_(None))
        .order_by(Concern.raised_on, Concern.id),
    )


@dataclass(frozen=True)
class CadenceView:
    """Everything the Cadence page draws, cut to what the viewer's role may see."""

    thresholds: CadenceThresholds
    counts: dict[str, int]
    pairs: pd.DataFrame  # viewer_frame'd: masked contacts for the committee
    meetings: pd.DataFrame  # open pairs' meetings, for their timelines
    meetings_per_month: pd.DataFrame
    status_mix: pd.DataFrame
    nudges: pd.DataFrame | None  # the leader only: it is a contact list
    concerns: pd.DataFrame | None  # the leader only


def cadence_view(session: Session, today: date, role: Role | str) -> CadenceView:
    thresholds = cadence_thresholds(session)
    pairs = cadence_pairs(session, today)
    meetings = meeting_log(session)
    history = frame(session, sa.select(Match.id.label("match_id"), Match.confirmed_on, Match.ended_on))
    open_meetings = meetings[meetings["match_id"].isin(pairs["match_id"])]
    pairs["last_12_months"] = cadence.recent_months(open_meetings, pairs["match_id"].tolist(), today)
    leader = privacy.sees_nudges(role)
    return CadenceView(
        thresholds=thresholds,
        counts=cadence.status_counts(pairs),
        pairs=privacy.viewer_frame(pairs, role),
        meetings=open_meetings.reset_index(drop=True),
        meetings_per_month=cadence.meetings_per_month(meetings, today),
        status_mix=cadence.status_mix(history, meetings, today, thresholds),
        nudges=cadence.nudges(pairs) if leader else None,
        concerns=open_concerns(session) if leader else None,
    )


def cadence_report(session: Session, today: date) -> dict:
    """The `cadence --json` object: counts by status and every open pair, longest without a meeting first."""
    pairs = cadence_pairs(session, today)
    return {
        "counts": cadence.status_counts(pairs),
        "pairs": [
            {
                "mentor_email": row.mentor_email,
                "mentee_email": row.mentee_email,
                "days_since_last": int(row.days_since_last),
                "status": row.status,
            }
            for row in pairs.itertuples()
        ],
    }


# --- Registrations ---
# --- Feedback: the surveys' answers, counted ---
ATTENTION_DAYS = 90  # the leader's list of responses needing attention reaches this far back


def survey_responses(session: Session) -> pd.DataFrame:
    """Every response (`response_id`, `invitation_id`, `match_id`, `role`, `moment`, `answers` as a dict,
    `contact_me`, `submitted_on`, `changed_on`: days); no names."""
    responses = driver_frame(
        session,
        sa.select(
            SurveyResponse.id.label("response_id"),
            SurveyResponse.invitation_id,
            SurveyInvitation.match_id,
            SurveyInvitation.role,
            SurveyInvitation.moment,
            SurveyResponse.answers,
            SurveyResponse.contact_me,
            SurveyResponse.submitted_at,
            SurveyResponse.updated_at,
        )
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .order_by(SurveyResponse.id),
    )

    submitted, updated = clock.days_of(responses["submitted_at"]), clock.days_of(responses["updated_at"])
    responses["submitted_on"] = submitted
    responses["changed_on"] = submitted.where(submitted >= updated, updated)
    responses["answers"] = json.loads("[" + responses["answers"].str.cat(sep=",") + "]")  # one parse
    responses["contact_me"] = responses["contact_me"].astype(bool)
    return responses.drop(columns=["submitted_at", "updated_at"])


def surveys_sent(session: Session, through: date | None = None) -> pd.DataFrame:
    """How many surveys were sent (`invited`) per `moment` and `role`, all or those sent by the end of
    `through` (the program's day)."""
    sent = SurveyInvitation.sent_at.is_not(None)
    if through is not None:
        sent &= SurveyInvitation.sent_at < clock.day_end(through)
    return frame(
        session,
        sa.select(SurveyInvitation.moment, SurveyInvitation.role, sa.func.count().label("invited"))
        .where(sent)
        .group_by(SurveyInvitation.moment, SurveyInvitation.role),
    )


def _survey_pairs(session: Session) -> pd.DataFrame:
    """Each pair's start year, group by BIPOC-mentor request, and names (for the leader's lists)."""
    pairs = driver_frame(  # stored values (enums as text), converted by column below
        session,
        sa.select(
            Match.id.label("match_id"),
            Match.confirmed_on,
            Mentee.bipoc_mentor_preference,
            Mentor.identifies_bipoc.label("mentor_identifies_bipoc"),
            (Mentor.first_name + " " + Mentor.last_name).label("mentor"),
            (Mentee.first_name + " " + Mentee.last_name).label("mentee"),
        )
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id),
    )
    pairs["confirmed_on"] = pd.to_datetime(pairs["confirmed_on"])
    pairs["cohort"] = pairs["confirmed_on"].dt.year.astype("Int64")
    pairs["concordance"] = retention.concordance(
        pairs["bipoc_mentor_preference"], pairs["mentor_identifies_bipoc"]
    )
    return pairs


def _rhythm(session: Session, responses: pd.DataFrame, pairs: pd.DataFrame) -> pd.Series:
    """Each response's pair's meeting rhythm on the day it was submitted (`feedback.rhythm`)."""
    if responses.empty:
        return pd.Series(dtype=object)
    meetings = driver_frame(session, sa.select(Meeting.match_id, Meeting.met_on))
    meetings = meetings.astype({"match_id": "int64"})
    meetings["met_on"] = pd.to_datetime(meetings["met_on"], format="ISO8601").astype("datetime64[ns]")
    asked = responses[["response_id", "match_id", "submitted_on"]].copy()
    asked["submitted_on"] = cadence.as_timestamps(asked["submitted_on"])
    asked = asked.sort_values("submitted_on")
    last = pd.merge_asof(
        asked,
        meetings.sort_values("met_on")
        .rename(columns={"met_on": "last_met_on"})
        .assign(_on=lambda d: d["last_met_on"]),
        left_on="submitted_on",
        right_on="_on",
        by="match_id",
    ).set_index("response_id")
    last = last.reindex(responses["response_id"])
    confirmed = pairs.set_index("match_id")["confirmed_on"].reindex(responses["match_id"])
    status = cadence.statuses_on(
        pd.Series(confirmed.to_numpy()),
        pd.Series(last["last_met_on"].to_numpy()),
        pd.Series(last["submitted_on"].to_numpy()),
        cadence_thresholds(session),
    )
    return pd.Series(feedback.rhythm(status).to_numpy(), index=responses.index, dtype=object)


@dataclass(frozen=True)
class FeedbackView:
    """Everything the Feedback page draws and `feedback --json` prints, cut to what the role may see."""

    empty: bool  # no survey was ever sent
    as_of: privacy.Snapshot  # the leader's: live; the committee's: the latest release point
    rates: pd.DataFrame  # moment, role, invited, answered, rate, note ("fewer than 5" where hidden)
    statements: pd.DataFrame  # feedback.SHARE_COLUMNS, one row per statement with 5 responses or more
    few_statements: list[str]  # statements with fewer than 5 responses (keys)
    yes: pd.DataFrame  # feedback.SHARE_COLUMNS: the yes/no questions' share "yes", 5 responses or more
    few_yes: list[str]  # yes/no questions with fewer than 5 responses (keys)
    comparisons: list[feedback.Comparison]
    recommendation: feedback.Recommendation | None  # None: fewer than 5 answers, for the committee
    recommendation_responses_hidden: bool
    attention: pd.DataFrame | None  # the leader only: recent responses needing attention
    why_ended: pd.DataFrame | None  # the leader only: answers to "why did it end", as typed

    def to_dict(self) -> dict:
        """The figures (no free text, no single response), as `feedback --json` prints them."""

        def num(value):
            return None if value is None or pd.isna(value) else round(float(value), 4)

        def shares(table: pd.DataFrame) -> list[dict]:
            return [
                {
                    "question": r.question,
                    "group": r.group if isinstance(r.group, str) else int(r.group),
                    "responses": int(r.responses),
                    "agreeing": int(r.agreeing),
                    "share": num(r.share),
                    "low": num(r.low),
                    "high": num(r.high),
                }
                for r in table.itertuples()
            ]

        rec = self.recommendation
        return {
            "as_of": self.as_of.day.isoformat() if self.as_of.day else None,
            "live": self.as_of.live,
            "response_rates": [
                {
                    "moment": r.moment,
                    "role": r.role,
                    "invited": int(r.invited),
                    "answered": None if r.answered is None else int(r.answered),
                    "rate": num(r.rate),
                    "note": r.note,
                }
                for r in self.rates.itertuples()
            ],
            "statements": shares(self.statements),
            "statements_fewer_than_5": self.few_statements,
            "yes_answers": shares(self.yes),
            "yes_answers_fewer_than_5": self.few_yes,
            "comparisons": [
                {"by": c.by, "title": c.title, "rows": shares(c.table), "fewer_than_5": c.too_few}
                for c in self.comparisons
            ],
            "recommendation": None
            if rec is None
            else {
                "responses": rec.responses,
                "promoters": rec.promoters,
                "detractors": rec.detractors,
                "score": num(rec.score),
                "low": num(rec.low),
                "high": num(rec.high),
            },
            "recommendation_fewer_than_5": self.recommendation_responses_hidden,
        }


def feedback_view(session: Session, role: Role | str, today: date) -> FeedbackView:
    """The Feedback page's read and the `feedback` command's. The leader's figures are live; anyone else's
    are counted from the surveys sent and the responses last changed by the latest release point
    (`privacy.feedback_snapshot`), with every figure on fewer than 5 responses withheld, and no free text."""
    responses, sent = survey_responses(session), surveys_sent(session)
    empty = sent.empty
    as_of = privacy.feedback_snapshot(responses.assign(submitted_on=responses["changed_on"]), today, role)
    if not as_of.live:
        sent = surveys_sent(session, as_of.day) if as_of.day else sent.iloc[:0]
        responses = responses[responses["changed_on"] <= pd.Timestamp(as_of.day or date.min)]
    pairs = _survey_pairs(session)
    responses = responses.merge(pairs, on="match_id", how="left")
    responses["rhythm"] = _rhythm(session, responses, pairs)
    answers = feedback.answer_rows(responses)
    statements, few = privacy.visible_shares(feedback.shares(answers, feedback.STATEMENTS), role)
    yes, few_yes = privacy.visible_shares(feedback.yes_shares(responses), role)
    rec = feedback.recommendation(answers.loc[answers["question"] == feedback.RECOMMEND, "value"])
    rec_hidden = privacy.hidden_recommendation(rec.responses, role) and rec.responses > 0
    leader = privacy.sees_survey_answers(role)
    return FeedbackView(
        empty=empty,
        as_of=as_of,
        rates=privacy.visible_rates(feedback.response_rates(sent, responses), role),
        statements=statements,
        few_statements=few,
        yes=yes,
        few_yes=few_yes,
        comparisons=feedback.comparisons(answers, feedback.STATEMENTS, retention.CONCORDANCE_ORDER),
        recommendation=None if rec_hidden or rec.responses == 0 else rec,
        recommendation_responses_hidden=rec_hidden,
        attention=feedback.needing_attention(responses, today, ATTENTION_DAYS) if leader else None,
        why_ended=feedback.why_ended(responses) if leader else None,
    )


# --- Outcomes: each mentee's path to medical school ---
@dataclass(frozen=True)
class OutcomesData:
    """What the funnel is counted from (`outcomes_data`): ids, days and stored values, no names."""

    mentees: pd.DataFrame  # mentee_id, registered_on (Timestamp)
    milestones: pd.DataFrame  # mentee_id, kind (stored value), happened_on (Timestamp), recorded_at (UTC)
    # `pair_history` with mentee_id, and instead of the stored preference and identity: asked (the mentee
    # requires or prefers a BIPOC mentor), concordant (the mentor identifies as BIPOC: True, False, or None
    # when undisclosed)
    pairs: pd.DataFrame


def outcomes_data(session: Session, today: date) -> OutcomesData:
    """Every mentee's registration day, every milestone and every pair ever confirmed, in one read (three
    statements in one transaction). `today` bounds nothing yet; it is the read's clock, as for the others."""
    mentees = driver_frame(
        session, sa.select(Mentee.id.label("mentee_id"), Mentee.registered_on).order_by(Mentee.id)
    )
    mentees["registered_on"] = pd.to_datetime(mentees["registered_on"])
    steps = driver_frame(
        session,
        sa.select(Milestone.mentee_id, Milestone.kind, Milestone.happened_on, Milestone.recorded_at).order_by(
            Milestone.id
        ),
    )
    steps["happened_on"] = pd.to_datetime(steps["happened_on"])
    steps["recorded_at"] = pd.to_datetime(steps["recorded_at"], utc=True)
    pairs = pair_history(session, Match.mentee_id)
    identity = pairs.pop("mentor_identifies_bipoc")
    pairs["asked"] = pairs.pop("bipoc_mentor_preference").isin(retention.ASKS_FOR_BIPOC)
    pairs["concordant"] = (
        identity.map({"yes": True, "no": False}).astype(object).where(identity.isin(["yes", "no"]), None)
    )
    return OutcomesData(mentees=mentees, milestones=steps, pairs=pairs)


@dataclass(frozen=True)
class OutcomesView:
    """Everything the Outcomes page draws and `outcomes --json` prints, cut to what the role may see: the
    leader's live and whole; anyone else's as of the latest release point (`privacy.outcomes_snapshot`),
    with no count on fewer than 5. For every viewer, a comparison group is shown only on 5 or more mentees
    of known status."""

    empty: bool  # no mentee has registered
    as_of: privacy.Snapshot  # the leader's: live; the committee's: the latest release point (day None: none)
    # `year` (text: "2024", ..., and "All years" last) and milestones.FUNNEL + `unknown`: each an int, or
    # "fewer than 5" / "withheld" (privacy.visible_cohorts); no row before the committee's first release point
    cohorts: pd.DataFrame
    funnel: (
        pd.DataFrame
    )  # what the chart draws: `year` (text), `stage` (key), `label`, `mentees`; shown cells
    comparisons: pd.DataFrame  # milestones.COMPARISON_COLUMNS: the groups of 5 or more known mentees
    too_few: pd.DataFrame  # `comparison`, `group`: the groups of fewer than 5 known mentees, not shown
    all_comparisons: pd.DataFrame | None = None  # the leader only: every group, however small (`--json`)

    def to_dict(self) -> dict:
        """The issue's JSON: {"cohorts": [{year, registered, ..., unknown}], "comparisons": [{comparison,
        group, outcome, known, reached, share, low, high}]}, NaN as null; a hidden count as its words."""

        def num(value):
            return None if value is None or pd.isna(value) else round(float(value), 4)

        def count(value):
            return value if isinstance(value, str) else int(value)

        years = self.cohorts[self.cohorts["year"] != privacy.ALL_YEARS]
        table = self.all_comparisons if self.all_comparisons is not None else self.comparisons
        return {
            "cohorts": [
                {"year": int(row["year"])} | {c: count(row[c]) for c in milestones.COHORT_COLUMNS[1:]}
                for row in years.to_dict("records")
            ],
            "comparisons": [
                {
                    "comparison": r.comparison,
                    "group": r.group,
                    "outcome": r.outcome,
                    "known": int(r.known),
                    "reached": int(r.reached),
                    "share": num(r.share),
                    "low": num(r.low),
                    "high": num(r.high),
                }
                for r in table.itertuples()
            ],
        }


def outcomes_view(session: Session, today: date, role: Role | str) -> OutcomesView:
    """The Outcomes page's read and the `outcomes` command's, for the viewer's role: the funnel by
    registration year and the two comparisons, counted from the mentees, pairs and milestones as they stood
    at the end of `as_of.day` (today for the leader)."""
    data = outcomes_data(session, today)
    as_of = privacy.outcomes_snapshot(data.milestones, data.pairs, today, role)
    mentees, steps, pairs = data.mentees, data.milestones, data.pairs
    if not as_of.live:
        end = pd.Timestamp(as_of.day or date.min)
        recorded = clock.days_of(steps["recorded_at"])
        mentees = mentees[mentees["registered_on"] <= end]
        steps = steps[(recorded <= end).to_numpy()]
        pairs = retention.as_of(privacy.seen_by(pairs, today, role), as_of.day or date.min)
    day = as_of.day or today
    paths = milestones.mentee_paths(mentees, steps, pairs, day)
    compared = milestones.comparisons(paths, pairs, day)
    shown, too_few = privacy.visible_comparisons(compared)
    cohorts = privacy.visible_cohorts(milestones.cohorts(paths), role) if len(paths) else _no_cohorts()
    return OutcomesView(
        empty=data.mentees.empty,
        as_of=as_of,
        cohorts=cohorts,
        funnel=_funnel(cohorts),
        comparisons=shown,
        too_few=too_few,
        all_comparisons=compared if privacy.sees_everything(role) else None,
    )


def _no_cohorts() -> pd.DataFrame:
    return pd.DataFrame(columns=milestones.COHORT_COLUMNS).astype(object)


def _funnel(cohorts: pd.DataFrame) -> pd.DataFrame:
    """The counts shown of each year's funnel (not "All years"), long form, in the funnel's order."""
    years = cohorts[cohorts["year"] != privacy.ALL_YEARS]
    rows = [
        (year, stage, milestones.STAGE_LABELS[stage], value)
        for year, values in zip(years["year"], years[list(milestones.FUNNEL)].to_numpy(), strict=True)
        for stage, value in zip(milestones.FUNNEL, values, strict=True)
        if not isinstance(value, str)
    ]
    return pd.DataFrame(rows, columns=["year", "stage", "label", "mentees"]).astype({"mentees": "int64"})


def registrations_export(session: Session, kind: str) -> pd.DataFrame:
    """Every record of one kind in its import template's columns (`intake.TEMPLATES`), oldest first."""
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
            Match.end_note,  # folded into end_reason by `intake.to_csv`; a committee's copy drops it first
        ).order_by(Match.confirmed_on, Match.id)
    elif kind == "milestones":  # the template's columns first, so the file imports back as it is
        statement = (
            sa.select(
                Mentee.email.label("mentee_email"),
                Milestone.kind.label("milestone"),
                Milestone.happened_on.label("on"),
                Milestone.school,
                Milestone.note,
                Milestone.source,
                Milestone.recorded_at,
            )
            .join(Mentee, Mentee.id == Milestone.mentee_id)
            .order_by(Milestone.happened_on, Milestone.id)
        )
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


MILESTONE_COLUMNS = ["id", "milestone", "on", "school", "note", "source", "recorded_at"]


def mentee_milestones(session: Session, mentee_id: int, role: Role) -> pd.DataFrame:
    """One mentee's recorded milestones, in the order they happened: `id`, `milestone` and `source` in words
    (`milestones.LABELS`, `SOURCE_LABELS`), `on`, `school`, `note`, `recorded_at`. Individual facts: the
    leader's only; any other role gets no row (`privacy.leader_only`)."""
    statement = (
        sa.select(
            Milestone.id,
            Milestone.kind.label("milestone"),
            Milestone.happened_on.label("on"),
            Milestone.school,
            Milestone.note,
            Milestone.source,
            Milestone.recorded_at,
        )
        .where(Milestone.mentee_id == mentee_id)
        .order_by(Milestone.happened_on, Milestone.id)
    )
    rows = privacy.leader_only(frame(session, statement), role)
    if rows.empty:
        return pd.DataFrame(columns=MILESTONE_COLUMNS)
    words = {"milestone": milestones.LABELS, "source": milestones.SOURCE_LABELS}
    for column, labels in words.items():
        rows[column] = rows[column].map(lambda v, labels=labels: labels[getattr(v, "value", v)])
    return rows[MILESTONE_COLUMNS]


def export_view(session: Session, kind: str, role: Role) -> pd.DataFrame:
    """One export's rows as `role` may download them (`privacy.may_export` says which kinds it may)."""
    return privacy.viewer_frame(registrations_export(session, kind), role)


def registrations(session: Session, kind: str, today: date) -> pd.DataFrame:
    """Mentors or mentees with their answers, status and pairing state, one row each (indexed by id).

    `open_pairs` counts open matches; `pairing` is "matched" (an open pair), "waiting" (active, none) or
    "inactive"; mentees also get `days_waiting` (while waiting).
    """
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
    _plain_values(
        people, [c for c in ("status", "identifies_bipoc", "bipoc_mentor_preference") if c in people]
    )
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


@dataclass(frozen=True)
class RegistrationView:
    """One kind of registration as a viewer may see it: the rows filters work on, and the table's rows
    (same index, the person's id)."""

    people: pd.DataFrame
    rows: pd.DataFrame


def registration_view(session: Session, kind: str, today: date, role: Role) -> RegistrationView:
    """The Registrations page's read for one kind, cut down for the viewer's role before anything is built."""
    people = privacy.viewer_frame(registrations(session, kind, today), role)
    return RegistrationView(people, registration_rules.table(people, kind))


# --- Pairing ---
def _plain(column, name: str):
    """A column read as it is stored: no per-row enum/date conversion (the engine normalises)."""
    return sa.type_coerce(column, sa.String).label(name)


def pairing_cohort(
    session: Session,
    today: date,
    *,
    mentor_ids: list[int] | None = None,
    mentee_ids: list[int] | None = None,
) -> matching.Cohort:
    """Everyone the pairing engine considers, read as plain rows in one pass per table.

    Mentors: all, with their open matches counted. Mentees: the active ones, flagged when they have an
    open match. Excluded pairs: rejections, and pairs whose earlier match ended. Naming ids reads just
    those people (whatever their status), for checking one pair.
    """
    open_count = (
        sa.select(Match.mentor_id, sa.func.count().label("n"))
        .where(Match.status.in_(_OPEN))
        .group_by(Match.mentor_id)
        .subquery()
    )
    mentors = (
        sa.select(
            Mentor.id.label("mentor_id"),
            Mentor.first_name,
            Mentor.last_name,
            Mentor.email,
            _plain(Mentor.status, "status"),
            Mentor.attests_values,
            Mentor.capacity,
            sa.func.coalesce(open_count.c.n, 0).label("open_matches"),
            _plain(Mentor.identifies_bipoc, "identifies_bipoc"),
            Mentor.gender,
            Mentor.languages,
            Mentor.meeting_formats,
            Mentor.specialty,
            Mentor.advising_areas,
            Mentor.race_ethnicity,
        )
        .outerjoin(open_count, open_count.c.mentor_id == Mentor.id)
        .order_by(Mentor.id)
    )
    open_mentees = sa.select(Match.mentee_id).where(Match.status.in_(_OPEN)).scalar_subquery()
    mentees = sa.select(
        Mentee.id.label("mentee_id"),
        Mentee.first_name,
        Mentee.last_name,
        Mentee.email,
        _plain(Mentee.status, "status"),
        Mentee.id.in_(open_mentees).label("has_open_match"),
        _plain(Mentee.identifies_bipoc, "identifies_bipoc"),
        _plain(Mentee.bipoc_mentor_preference, "bipoc_mentor_preference"),
        Mentee.mentor_gender_preference,
        Mentee.languages,
        Mentee.meeting_formats,
        Mentee.specialty_interests,
        Mentee.race_ethnicity,
        _plain(Mentee.registered_on, "registered_on"),
    ).order_by(Mentee.registered_on, Mentee.id)
    rejected = sa.select(Exclusion.mentor_id, Exclusion.mentee_id, sa.literal(matching.REJECTED).label("why"))
    before = sa.select(
        Match.mentor_id, Match.mentee_id, sa.literal(matching.PAIRED_BEFORE).label("why")
    ).where(Match.status.not_in(_OPEN))
    if mentor_ids is not None:
        mentors = mentors.where(Mentor.id.in_(mentor_ids))
        rejected = rejected.where(Exclusion.mentor_id.in_(mentor_ids))
        before = before.where(Match.mentor_id.in_(mentor_ids))
    if mentee_ids is not None:
        mentees = mentees.where(Mentee.id.in_(mentee_ids))
        rejected = rejected.where(Exclusion.mentee_id.in_(mentee_ids))
        before = before.where(Match.mentee_id.in_(mentee_ids))
    else:
        mentees = mentees.where(Mentee.status == PersonStatus.active)
    mentors, mentees = driver_frame(session, mentors), driver_frame(session, mentees)
    excluded = driver_frame(session, sa.union_all(rejected, before))
    mentors["attests_values"] = mentors["attests_values"].astype(bool)
    mentees["has_open_match"] = mentees["has_open_match"].astype(bool)
    mentees["registered_on"] = pd.to_datetime(mentees["registered_on"]).dt.date
    return matching.Cohort(mentors=mentors, mentees=mentees, excluded=excluded, today=today)


def _solved(session: Session, today: date) -> tuple[matching.Cohort, matching.Suggestions]:
    cohort = pairing_cohort(session, today)
    return cohort, matching.suggest(cohort, match_weights(session))


def pairing_suggestions(session: Session, today: date) -> matching.Suggestions:
    """The engine's suggestions for the store as it is now, with the leader's weights."""
    return _solved(session, today)[1]


@dataclass(frozen=True)
class PairingView:
    """What the Pairings page and `suggest` show, cut to what the viewer's role may see (`privacy`)."""

    pairs: pd.DataFrame  # `privacy.suggested_pairs`: reasons a viewer may read, scores for the leader only
    unmatched: pd.DataFrame  # `privacy.unmatched`
    gap: privacy.GapView
    report: matching.SolveReport
    mentors: pd.DataFrame | None  # the leader only: active mentors, for pairing by hand
    mentees: pd.DataFrame | None  # the leader only: waiting mentees


def pairing_view(session: Session, today: date, role: Role | str) -> PairingView:
    """The Pairings page's read and `suggest`'s: the store's suggestions, for the viewer's role."""
    cohort, result = _solved(session, today)
    people = ["first_name", "last_name", "email"]
    leader = privacy.sees_everything(role)
    mentors = cohort.mentors[cohort.mentors["status"].str.lower() == "active"]
    waiting = cohort.mentees[matching.waiting_mentees(cohort.mentees)]
    return PairingView(
        pairs=privacy.suggested_pairs(matching.pairs_frame(cohort, result), role),
        unmatched=privacy.unmatched(matching.unmatched_frame(cohort, result), role),
        gap=privacy.gap_for_role(result.gap, role),
        report=result.report,
        mentors=mentors[["mentor_id", *people]].reset_index(drop=True) if leader else None,
        mentees=waiting[["mentee_id", *people]] if leader else None,
    )


def pair_check(session: Session, today: date, mentor_id: int, mentee_id: int) -> matching.PairAssessment:
    """What blocks a hand-picked pair, what falls short, and its score, with the leader's weights. Raises
    ValueError when either person is not registered."""
    cohort = pairing_cohort(session, today, mentor_ids=[mentor_id], mentee_ids=[mentee_id])
    return matching.assess_pair(cohort, mentor_id, mentee_id, match_weights(session))


def recent_pairs_view(session: Session, role: Role | str, *, limit: int = 20) -> pd.DataFrame:
    """The pairs confirmed most recently, as `role` may read them (`privacy.pairs_for_role`)."""
    return privacy.pairs_for_role(recent_pairs(session, limit=limit), role)


def store_version(session: Session) -> str:
    """Changes whenever anything a page shows changes: the key under which pages keep what they read.

    Database triggers move a counter per page-visible table (`DataVersion`) in every transaction that changes
    it, whoever writes (this server, another instance, the CLI, a SQL client); sign-ins, sign-outs, failed
    sign-ins, exports and refusals change none of those tables, so they leave every kept read in place.
    """
    return _versions(session, sa.true())


# What the suggestions depend on: registrations, pairs, rejections and the weights (in settings).
PAIRING_TABLES = ("mentors", "mentees", "matches", "exclusions", "settings")


def pairing_version(session: Session) -> str:
    """Changes whenever anything the suggestions depend on changes (registrations, pairs, rejections,
    weights), not when a meeting is logged: the key under which the Pairings page keeps its suggestions."""
    return _versions(session, DataVersion.name.in_(PAIRING_TABLES))


# Any table of the store, named in a statement's SQL (quoted or not): longest names first.
_TABLE_NAMED = re.compile(
    r"\b(" + "|".join(sorted(SQLModel.metadata.tables, key=len, reverse=True)) + r")\b", re.IGNORECASE
)


def versions_read(version: str, statements: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """What of `version` (a `store_version`) an answer read with these SQL statements depends on: the
    versions of the tables they name, so that a meeting logged leaves a read of registrations in place.

    A name in the SQL counts as read (naming a table it does not read costs only a read again). When the
    statements name a table without a version (sign-in sessions, the audit log), the answer depends on
    all of `version`, as every kept read did before.
    """
    known = dict(_parsed(version))
    named = {name.lower() for sql in statements for name in _TABLE_NAMED.findall(sql)}
    if named - known.keys():
        return tuple(known.items())
    return tuple(sorted((name, known[name]) for name in named))


def still_at(version: str, read: tuple[tuple[str, str], ...]) -> bool:
    """Whether an answer that read the tables at the versions `read` (`versions_read`) is the same at
    `version`."""
    known = dict(_parsed(version))
    return all(known.get(name) == at for name, at in read)


def _parsed(version: str) -> list[tuple[str, str]]:
    return [tuple(part.split(":", 1)) for part in version.split("|") if part]  # type: ignore[misc]


def _versions(session: Session, which: sa.ColumnElement[bool]) -> str:
    rows = session.execute(
        sa.select(DataVersion.name, DataVersion.version).where(which).order_by(DataVersion.name)
    )
    return "|".join(f"{name}:{version}" for name, version in rows)


def person_id(session: Session, kind: str, email: str) -> int | None:
    """The id of the mentor or mentee registered with this email (trimmed, any case), if any."""
    table = Mentor if kind == "mentor" else Mentee
    return session.execute(sa.select(table.id).where(table.email == normalise_email(email))).scalar()


def recent_pairs(session: Session, *, limit: int = 20) -> pd.DataFrame:
    """The pairs confirmed most recently, newest first, with the score and reasons stored at confirmation."""
    statement = (
        sa.select(
            Match.id.label("match_id"),
            Match.confirmed_on,
            (Mentor.first_name + " " + Mentor.last_name).label("mentor"),
            Mentor.email.label("mentor_email"),
            (Mentee.first_name + " " + Mentee.last_name).label("mentee"),
            Mentee.email.label("mentee_email"),
            _plain(Match.source, "source"),
            _plain(Match.status, "status"),
            Match.score,
            Match.reasons,
        )
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .where(Match.source != MatchSource.imported)
        .order_by(Match.confirmed_at.desc(), Match.id.desc())
        .limit(limit)
    )
    pairs = frame(session, statement)
    pairs["reasons"] = [json.loads(r or "[]") for r in pairs["reasons"]]
    return pairs


# --- Registration through the program's forms ---
def signup_stale(now: datetime) -> sa.ColumnElement[bool]:
    """The condition of a pending submission whose mailed link was not followed within the week."""
    return sa.and_(
        Signup.status == SignupStatus.pending,
        Signup.link_sent.is_(True),
        Signup.created_at <= now - signup_rules.EXPIRY,
    )


def signup_waiting(now: datetime) -> sa.ColumnElement[bool]:
    """The condition of a submission that waits for its link or for the leader."""
    return sa.and_(Signup.status == SignupStatus.pending, sa.not_(signup_stale(now)))


def values_statement(session: Session) -> tuple[int, str]:
    """The current values statement and its version (1, the default, until the leader edits it)."""
    row = session.execute(
        sa.select(ValuesStatement.version, ValuesStatement.text).order_by(ValuesStatement.version.desc())
    ).first()
    return (row[0], row[1]) if row else (1, signup_rules.DEFAULT_STATEMENT)


def form_state(session: Session, kind: str) -> signup_rules.FormState:
    """What a public form shows: whether it is open, the program contact, the current values statement, and
    (the mentee form) whether the yearly update mail is on."""
    chosen = registration_settings(session)
    version, text = values_statement(session)
    is_open = chosen.mentor_open if kind == "mentors" else chosen.mentee_open
    yearly = kind == "mentees" and outbox_config.schedule(session).enabled("annual-update")
    return signup_rules.FormState(kind, is_open, chosen.contact_email, version, text, yearly)


def link_state(session: Session, token: str, now: datetime) -> signup_rules.LinkState | None:
    """What a personal link opens; None for an unknown, declined, expired or superseded link, or one whose
    person was erased."""
    if not token:
        return None
    signup = (
        session.execute(sa.select(Signup).where(Signup.token_hash == links.token_hash(token)))
        .scalars()
        .first()
    )
    if signup is None:
        return None
    if signup.status == SignupStatus.pending:
        stale = signup.link_sent and signup.created_at <= now - signup_rules.EXPIRY
        return None if stale else signup_rules.LinkState(signup.kind, signup.id, True, None, None)
    if signup.status != SignupStatus.accepted or signup.person_id is None:
        return None
    if (signup.link_issued_at or signup.created_at) <= now - links.PERSONAL_LINK_LIFETIME:
        return None  # a new mail (registering again with the same email) brings a fresh link
    table = PEOPLE[signup.kind]
    status = session.execute(sa.select(table.status).where(table.id == signup.person_id)).scalar()
    if status is None:
        return None
    return signup_rules.LinkState(
        signup.kind, signup.id, False, signup.person_id, getattr(status, "value", status)
    )


def pending_answers(session: Session, signup_id: int) -> dict[str, str]:
    """The answers a waiting submission would register when confirmed ({} once it no longer waits): its own
    link shows them first, since whoever typed the email may not be its owner."""
    answers = session.execute(
        sa.select(Signup.answers).where(Signup.id == signup_id, Signup.status == SignupStatus.pending)
    ).scalar()
    return json.loads(answers) if answers else {}


def registrations_waiting(session: Session, now: datetime) -> int:
    """How many submitted registrations wait for their link or for the leader's review."""
    return _scalar(session, sa.select(sa.func.count(Signup.id)).where(signup_waiting(now)))


def new_registrations(session: Session, now: datetime, role: Role) -> pd.DataFrame:
    """The registrations that wait for review, oldest first, as `role` may see them (indexed by their id):
    who, which form, whether it is a new person or an update of a registered one, and every answer."""
    rows = session.execute(
        sa.select(Signup.id, Signup.kind, Signup.answers, Signup.created_at, Signup.link_sent)
        .where(signup_waiting(now))
        .order_by(Signup.created_at, Signup.id)
    ).all()
    registered = {
        kind: {e for (e,) in session.execute(sa.select(table.email))}
        for kind, table in (("mentors", Mentor), ("mentees", Mentee))
    }
    records = []
    for signup_id, kind, answers, created_at, link_sent in rows:
        cells = json.loads(answers)
        email = normalise_email(cells.get("email", ""))
        records.append(
            {
                "id": signup_id,
                "form": kind.removesuffix("s"),
                "change": "update" if email in registered[kind] else "new",
                "name": f"{cells.get('first_name', '')} {cells.get('last_name', '')}".strip(),
                "email": email,
                "sent_at": created_at,
                "confirmation": "link sent" if link_sent else "the leader's review",
                **{f"answer_{k}": v for k, v in cells.items() if k not in ("email",)},
            }
        )
    columns = ["id", "form", "change", "name", "email", "sent_at", "confirmation"]
    out = pd.DataFrame(records, columns=columns + sorted({k for r in records for k in r} - set(columns)))
    viewed = privacy.viewer_frame(out.rename(columns=_ANSWER_NAMES), role)
    return viewed.set_index("id")


def _answer_names() -> dict[str, str]:
    return {f"answer_{c}": c for kind in ("mentors", "mentees") for c in TEMPLATES[kind]}


_ANSWER_NAMES = _answer_names()


def outdated_attestations(session: Session) -> pd.DataFrame:
    """Mentors who attested an earlier version of the values statement than the current one, through the
    program's form: name, the version they attested and when."""
    current, _ = values_statement(session)
    return frame(
        session,
        sa.select(
            (Mentor.first_name + " " + Mentor.last_name).label("name"),
            Mentor.values_version.label("attested_version"),
            Mentor.attested_at,
        )
        .where(Mentor.values_version < current, Mentor.status != PersonStatus.withdrawn.value)
        .order_by(Mentor.values_version, Mentor.last_name, Mentor.first_name),
    )


def own_registration(session: Session, kind: str, person_id: int) -> pd.Series | None:
    """One person's registration in the template's columns (and, for a mentor, the statement version they
    attested), for their own personal-link page."""
    table = PEOPLE[kind]
    extra = [Mentor.values_version] if kind == "mentors" else []
    people = frame(
        session,
        sa.select(table.id, *(table.__table__.c[c] for c in TEMPLATES[kind]), *extra).where(
            table.id == person_id
        ),
    )
    _plain_values(people, [c for c in ("identifies_bipoc", "bipoc_mentor_preference") if c in people])
    return None if people.empty else people.set_index("id").iloc[0]


@dataclass(frozen=True)
class RegistrationAdmin:
    settings: object  # settings.RegistrationSettings
    statement_version: int
    statement: str


def registration_admin(session: Session) -> RegistrationAdmin:
    """What Admin → Registration shows: the forms' settings and the current values statement."""
    version, text = values_statement(session)
    return RegistrationAdmin(registration_settings(session), version, text)


# --- Outbox ---
OUTBOX_COLUMNS = [
    "id",
    "kind",
    "status",
    "recipients",
    "subject",
    "attempts",
    "last_error",
    "next_attempt_at",
    "created_at",
    "sent_at",
]


def outbox_messages(session: Session, role: Role | str) -> pd.DataFrame:
    """Every message in the outbox, newest first, without its body (the leader only; nothing for others)."""
    if not privacy.sees_outbox(role):
        return pd.DataFrame(columns=OUTBOX_COLUMNS)
    statement = sa.select(*(getattr(OutboxMessage, c) for c in OUTBOX_COLUMNS)).order_by(
        OutboxMessage.id.desc()
    )
    messages = frame(session, statement)
    messages["status"] = messages["status"].astype(str)
    return messages


def outbox_message(session: Session, message_id: int, role: Role | str) -> OutboxMessage | None:
    """One message with its full text and headers (the leader only)."""
    return session.get(OutboxMessage, message_id) if privacy.sees_outbox(role) else None


def reminder_optouts(session: Session, role: Role | str) -> pd.DataFrame:
    """Who asked for no more invitations and nudges, and since when (the leader only)."""
    columns = ["email", "name", "since"]
    if not privacy.sees_outbox(role):
        return pd.DataFrame(columns=columns)
    people = sa.union_all(
        sa.select(Mentor.email, (Mentor.first_name + " " + Mentor.last_name).label("name")),
        sa.select(Mentee.email, (Mentee.first_name + " " + Mentee.last_name).label("name")),
    ).subquery()
    statement = (
        sa.select(
            ReminderOptOut.email, sa.func.coalesce(people.c.name, "").label("name"), ReminderOptOut.created_at
        )
        .outerjoin(people, people.c.email == ReminderOptOut.email)
        .order_by(ReminderOptOut.created_at.desc())
    )
    out = frame(session, statement)
    return out.rename(columns={"created_at": "since"})[columns].drop_duplicates("email")


# --- Surveys (mentorship.surveys: the words and rules; services.surveys: the writes) ---
def survey_wording(session: Session, moment: str) -> tuple[int, dict[str, str]]:
    """The newest version of a moment's wording and its words (version 1, the defaults, when none is kept)."""
    row = session.execute(
        sa.select(SurveyVersion.version, SurveyVersion.questions)
        .where(SurveyVersion.moment == moment)
        .order_by(SurveyVersion.version.desc())
        .limit(1)
    ).first()
    if row is None:
        return 1, dict(survey_rules.DEFAULT_QUESTIONS[moment])
    return int(row[0]), {**survey_rules.DEFAULT_QUESTIONS[moment], **json.loads(row[1])}


def live_survey(token: str, now: datetime) -> tuple:
    """Where a survey token works: its hash is known and the survey has not closed."""
    return (
        SurveyInvitation.token_hash == links.token_hash(token),
        SurveyInvitation.closes_at.is_not(None),
        SurveyInvitation.closes_at > now,
    )


@dataclass(frozen=True)
class SurveyPage:
    """What the public survey page may know: one person's one moment, their own answers, nothing of the
    other person's."""

    invitation_id: int
    moment: str
    role: str
    first_name: str
    ended: bool  # the pair has ended: the year survey asks why
    closes_at: datetime
    version: int
    wording: dict[str, str]
    answers: dict | None  # this person's saved answers, None before the first
    contact_me: bool


def survey_page(session: Session, token: str, now: datetime) -> SurveyPage | None:
    """The one survey behind a live token; None for any other token (unknown, replaced or closed)."""
    if not token:
        return None
    row = session.execute(
        sa.select(
            SurveyInvitation.id,
            SurveyInvitation.moment,
            SurveyInvitation.role,
            sa.case((SurveyInvitation.role == "mentor", Mentor.first_name), else_=Mentee.first_name),
            Match.status,
            SurveyInvitation.closes_at,
            SurveyResponse.answers,
            SurveyResponse.contact_me,
        )
        .join(Match, Match.id == SurveyInvitation.match_id)
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(*live_survey(token, now))
    ).first()
    if row is None:
        return None
    invitation_id, moment, role, first_name, status, closes_at, answers, contact_me = row
    version, wording = survey_wording(session, moment)
    return SurveyPage(
        invitation_id=invitation_id,
        moment=moment,
        role=role,
        first_name=first_name,
        ended=str(status) == "ended",
        closes_at=closes_at,
        version=version,
        wording=wording,
        answers=None if answers is None else json.loads(answers),
        contact_me=bool(contact_me),
    )


SURVEY_PERSON_COLUMNS = [
    "moment",
    "role",
    "sent_at",
    "closes_at",
    "reminded_at",
    "linked",
    "submitted_at",
    "updated_at",
    "answers",
    "contact_me",
]


def pair_surveys(session: Session, match_id: int, role: Role | str) -> pd.DataFrame:
    """The leader's view of a pair's surveys: per person and moment, when it was sent, when it closes, and
    their answers (a dict, None before an answer). Empty for anyone but the leader."""
    if not privacy.sees_survey_answers(role):
        return pd.DataFrame(columns=SURVEY_PERSON_COLUMNS)
    out = frame(
        session,
        sa.select(
            SurveyInvitation.moment,
            SurveyInvitation.role,
            SurveyInvitation.sent_at,
            SurveyInvitation.closes_at,
            SurveyInvitation.reminded_at,
            SurveyInvitation.token_hash.is_not(None).label("linked"),
            SurveyResponse.submitted_at,
            SurveyResponse.updated_at,
            SurveyResponse.answers,
            SurveyResponse.contact_me,
        )
        .outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .where(SurveyInvitation.match_id == match_id)
        .order_by(SurveyInvitation.created_at, SurveyInvitation.role),
    )
    if out.empty:
        return out
    order = {m: i for i, m in enumerate(survey_rules.MOMENTS)}
    out["answers"] = [
        {**json.loads(a), "contact_me": bool(c)} if isinstance(a, str) else None
        for a, c in zip(out["answers"], out["contact_me"], strict=True)
    ]
    out = out.sort_values(["moment", "role"], key=lambda c: c.map(order) if c.name == "moment" else c)
    return out.reset_index(drop=True)


def survey_plan_pairs(session: Session) -> pd.DataFrame:
    """Every pair with what survey planning needs: its dates, status and both people's first names and
    emails."""
    return frame(
        session,
        sa.select(
            Match.id.label("match_id"),
            Match.status,
            Match.confirmed_on,
            Match.ended_on,
            Mentor.first_name.label("mentor_first_name"),
            Mentor.email.label("mentor_email"),
            Mentee.first_name.label("mentee_first_name"),
            Mentee.email.label("mentee_email"),
        )
        .join(Mentor, Mentor.id == Match.mentor_id)
        .join(Mentee, Mentee.id == Match.mentee_id)
        .order_by(Match.id),
    )


def survey_invitations(
    session: Session, *, match_ids: Iterable[int] | None = None, unanswered_open_at: datetime | None = None
) -> pd.DataFrame:
    """Survey invitations with whether they were answered (for planning the mails and reminders): those of
    `match_ids`, or those still open after `unanswered_open_at`, sent, not answered and not yet reminded. The
    times as the driver gives them (`driver_frame`: text on SQLite), for `pd.to_datetime(..., utc=True)`."""
    statement = sa.select(
        SurveyInvitation.id.label("invitation_id"),
        SurveyInvitation.match_id,
        SurveyInvitation.role,
        SurveyInvitation.moment,
        SurveyInvitation.sent_at,
        SurveyInvitation.reminded_at,
        SurveyInvitation.closes_at,
        SurveyResponse.id.label("response_id"),
    ).outerjoin(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
    if unanswered_open_at is not None:
        statement = statement.where(
            SurveyInvitation.closes_at > unanswered_open_at,
            SurveyInvitation.reminded_at.is_(None),
            SurveyResponse.id.is_(None),
        )
    if match_ids is None:
        return driver_frame(session, statement)
    wanted = sorted(set(match_ids))
    parts = [
        driver_frame(session, statement.where(SurveyInvitation.match_id.in_(wanted[start : start + 5000])))
        for start in range(0, len(wanted), 5000)
    ]
    return (
        pd.concat(parts, ignore_index=True) if parts else driver_frame(session, statement.where(sa.false()))
    )


# The yearly "Where are you now?" (mentorship.annual): who is asked, and what one mentee's link opens
def annual_update_mentees(session: Session, year: int, registered_before: date) -> pd.DataFrame:
    """The mentees to ask this year (mentee_id, first_name, email), by id: not withdrawn, not stopped the
    yearly mails, registered before this year's day, and not yet asked this year; whether they were ever
    paired, or their pair has ended, does not matter."""
    asked = sa.select(AnnualUpdate.id).where(AnnualUpdate.mentee_id == Mentee.id, AnnualUpdate.year == year)
    rows = session.execute(
        sa.select(Mentee.id, Mentee.first_name, Mentee.email)
        .where(
            Mentee.status != PersonStatus.withdrawn,
            Mentee.yearly_update_stopped_at.is_(None),
            Mentee.registered_on < registered_before,
            ~sa.exists(asked),
        )
        .order_by(Mentee.id)
    ).all()
    return pd.DataFrame(rows, columns=["mentee_id", "first_name", "email"])


def live_update(token: str, now: datetime) -> tuple:
    """Where a yearly update token opens the Update page: its hash is known and the update has not closed."""
    return (
        AnnualUpdate.token_hash == links.token_hash(token),
        AnnualUpdate.closes_at.is_not(None),
        AnnualUpdate.closes_at > now,
    )


def yearly_stop(token: str, now: datetime) -> tuple:
    """Where a yearly update token stops the yearly mails: its hash is known and it was sent within a year
    (annual.STOP_FOR), whether or not the update itself has closed."""
    from mentorship.annual import STOP_FOR

    return (
        AnnualUpdate.token_hash == links.token_hash(token),
        AnnualUpdate.sent_at.is_not(None),
        AnnualUpdate.sent_at > now - STOP_FOR,
    )


@dataclass(frozen=True)
class UpdatePage:
    """What the public Update page may know: one mentee's own first name and path (each step's label and
    date, nothing else), and their own update's state; nothing of any pair or any other person."""

    update_id: int
    first_name: str
    closes_at: datetime
    answered_at: datetime | None
    stopped: bool  # they stopped the yearly mails
    path: list[tuple[str, date]]  # (milestone label, date), oldest first


def update_page(session: Session, token: str, now: datetime) -> UpdatePage | None:
    """The one mentee's update behind a live token; None for any other token (unknown, replaced, closed)."""
    from mentorship.milestones import LABELS

    if not token:
        return None
    row = session.execute(
        sa.select(
            AnnualUpdate.id,
            AnnualUpdate.mentee_id,
            AnnualUpdate.closes_at,
            AnnualUpdate.answered_at,
            Mentee.first_name,
            Mentee.yearly_update_stopped_at,
        )
        .join(Mentee, Mentee.id == AnnualUpdate.mentee_id)
        .where(*live_update(token, now))
    ).first()
    if row is None:
        return None
    update_id, mentee_id, closes_at, answered_at, first_name, stopped_at = row
    steps = session.execute(
        sa.select(Milestone.kind, Milestone.happened_on)
        .where(Milestone.mentee_id == mentee_id)
        .order_by(Milestone.happened_on, Milestone.id)
    ).all()
    return UpdatePage(
        update_id=update_id,
        first_name=first_name,
        closes_at=closes_at,
        answered_at=answered_at,
        stopped=stopped_at is not None,
        path=[(LABELS.get(str(kind), str(kind)), on) for kind, on in steps],
    )


def yearly_stop_person(session: Session, token: str, now: datetime) -> tuple[str, bool] | None:
    """(first name, already stopped) of the one mentee whose yearly stop link this is; None when it is
    unknown or older than a year."""
    if not token:
        return None
    row = session.execute(
        sa.select(Mentee.first_name, Mentee.yearly_update_stopped_at)
        .join(AnnualUpdate, AnnualUpdate.mentee_id == Mentee.id)
        .where(*yearly_stop(token, now))
    ).first()
    return None if row is None else (row[0], row[1] is not None)


def yearly_update_stopped(session: Session, role: Role | str) -> pd.DataFrame:
    """The mentees who stopped the yearly "Where are you now?" mails, and since when (the leader only)."""
    columns = ["email", "name", "since"]
    if not privacy.sees_outbox(role):
        return pd.DataFrame(columns=columns)
    statement = (
        sa.select(
            Mentee.email,
            (Mentee.first_name + " " + Mentee.last_name).label("name"),
            Mentee.yearly_update_stopped_at.label("since"),
        )
        .where(Mentee.yearly_update_stopped_at.is_not(None))
        .order_by(Mentee.yearly_update_stopped_at.desc(), Mentee.id)
    )
    return frame(session, statement)[columns]


# --- The year's report ---
def first_registration_year(session: Session) -> int | None:
    """The year of the earliest registration, mentor or mentee; None when nobody has registered."""
    first = [
        session.execute(sa.select(sa.func.min(table.registered_on))).scalar() for table in (Mentor, Mentee)
    ]
    known = [day for day in first if day is not None]
    return min(known).year if known else None


def report_intro(session: Session, year: int) -> str:
    """The leader's paragraph saved for `year`'s report ("" when none): the leader's own text."""
    return report_intros(session).by_year.get(str(year), "")


def report_years(session: Session, today: date) -> list[int]:
    """The years a report can be made for, newest first: from the first registration's to today's."""
    first = first_registration_year(session)
    return [] if first is None else list(range(today.year, first - 1, -1))


@dataclass(frozen=True)
class ReportView:
    """Everything the year's report holds, as the committee (or `role`) may see it (`report_view`)."""

    year: int
    as_of: date  # the day the figures are counted as of (`report.as_of_day`)
    registrations: pd.DataFrame  # `report.REGISTRATION_COLUMNS`, one row per quarter and kind, masked
    registered: dict[str, str]  # "Mentors", "Mentees": the year's count, or "fewer than 5"
    time_to_pair: pd.DataFrame  # `report.WAIT_COLUMNS`: mentees registered that year by time to pair, masked
    median_days_to_pair: str
    requests: str  # "12 of 15 (80%)", or what it reads instead
    requests_as_of: privacy.Snapshot
    cadence: pd.DataFrame  # `report.CADENCE_COLUMNS`: open pairs by status at each month end of the year
    meetings_per_month: pd.DataFrame  # `cadence.meetings_per_month`, the year's months only
    retention: RetentionView
    feedback: FeedbackView
    outcomes: OutcomesView


def report_view(session: Session, year: int, today: date, role: Role | str) -> ReportView:
    """The year's report as `role` sees it, counted as of `report.as_of_day(year, today)`: every figure
    through the role's own page reads (`overview`, `cadence_view`, `retention_view`, `feedback_view`) on that
    day, and every breakdown of people or pairs the report adds masked by `privacy.mask_counts` (no group of
    fewer than 5 for anyone but the leader)."""
    from mentorship import report

    day = report.as_of_day(year, today)
    dates = {
        kind: pd.to_datetime(driver_frame(session, sa.select(table.registered_on))["registered_on"])
        for kind, table in (("Mentors", Mentor), ("Mentees", Mentee))
    }
    registrations = report.registrations_by_quarter(dates, year, day)
    registered = {}
    for kind in dates:
        rows = registrations["kind"] == kind
        total = int(registrations.loc[rows, "registrations"].sum())
        counts = registrations.loc[rows, "registrations"].astype(int).tolist()
        registrations.loc[rows, "note"] = privacy.mask_breakdown(counts, role)
        registered[kind] = privacy.count_for_role(total, role)
    mentees = frame(session, sa.select(Mentee.id.label("mentee_id"), Mentee.registered_on))
    pairs = frame(session, sa.select(Match.mentee_id, Match.confirmed_on))
    waits = report.days_to_pair(mentees, pairs, year, day)
    time_to_pair = report.wait_table(waits, day)
    time_to_pair["note"] = privacy.mask_breakdown(time_to_pair["mentees"].tolist(), role)
    paired = waits.dropna()
    median = formatting.days(int(paired.median())) if len(paired) else "–"
    overview_then = overview(session, day, role)
    if overview_then is None:
        requests, requests_as_of = privacy.NOT_RELEASED, privacy.Snapshot("requests", None)
    else:
        s = overview_then.summary
        requests = overview_then.requests_hidden or formatting.share(
            s.bipoc_preference_met, s.bipoc_preference_requests
        )
        requests_as_of = overview_then.requests_as_of
    cadence_then = cadence_view(session, day, role)
    mix = report.year_rows(cadence_then.status_mix, "as_of", year)
    # no month's total is shown beside its statuses: a status of fewer than 5 pairs alone is held back
    mix["note"] = [privacy.for_role(None, int(n), role) for n in mix["pairs"]]
    return ReportView(
        year=year,
        as_of=day,
        registrations=registrations,
        registered=registered,
        time_to_pair=time_to_pair,
        median_days_to_pair=privacy.for_role(median, len(paired), role),
        requests=requests,
        requests_as_of=requests_as_of,
        cadence=mix.reset_index(drop=True),
        meetings_per_month=report.year_rows(cadence_then.meetings_per_month, "month", year),
        retention=retention_view(session, day, role),
        feedback=feedback_view(session, role, day),
        outcomes=outcomes_view(session, day, role),
    )
