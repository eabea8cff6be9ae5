"""Planning: queue what is due today, for the kinds the leader turned on.

Each message's dedupe key names its kind, its pair (or the leaders) and its day, and the key is unique in
the database, so planning twice the same day, or on two machines at once, queues each message once. The
rhythm (every N days) counts from the pair's last message of that kind, whatever became of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session

from mentorship import annual as annual_rules
from mentorship import clock, db, queries, retention
from mentorship import signup as signup_words
from mentorship import surveys as survey_rules
from mentorship.cadence import CadenceStatus
from mentorship.errors import UnusableInput
from mentorship.models import OPEN_STATUS_VALUES, AnnualUpdate, OutboxMessage, Role, SurveyInvitation, User
from mentorship.outbox import linking
from mentorship.outbox.config import OutboxSchedule, SmtpSettings, annual_day, schedule
from mentorship.outbox.store import opted_out, queue_many, queue_message
from mentorship.outbox.templates import render, render_template, template_for

NUDGE_STATUSES = (CadenceStatus.due.value, CadenceStatus.overdue.value, CadenceStatus.not_yet_met.value)
INTRODUCTION_WINDOW_DAYS = 30  # a pair confirmed longer ago than this is past introducing
DEFAULT_LEADER_NAME = "The mentorship program"


@dataclass
class PlanReport:
    queued: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)

    def to_json(self) -> dict:
        return {"queued": dict(self.queued), "skipped": dict(self.skipped)}

    def summary(self) -> str:
        queued = ", ".join(f"{kind} {n}" for kind, n in sorted(self.queued.items())) or "nothing"
        skipped = ", ".join(f"{why} {n}" for why, n in sorted(self.skipped.items())) or "none"
        return f"queued: {queued}; skipped: {skipped}"


def signature(current: OutboxSchedule, smtp: SmtpSettings | None) -> dict[str, str]:
    return {
        "leader_name": current.leader_name or DEFAULT_LEADER_NAME,
        "program_contact": current.program_contact or (smtp.mail_from if smtp else ""),
    }


def pair_context(pair, base: dict[str, str]) -> dict:
    """The placeholders of a pair's message (see templates.PAIR_PLACEHOLDERS); the links are stand-ins,
    made into links only as the message is sent (outbox.linking)."""
    return {
        **base,
        "mentor_first_name": pair.mentor_first_name,
        "mentee_first_name": pair.mentee_first_name,
        "mentor_name": pair.mentor,
        "mentee_name": pair.mentee,
        "checkin_link": linking.CHECKIN_LINK,
        "stop_link": linking.STOP_LINK,
        "days_since_last_meeting": int(pair.days_since_last),
    }


def _last_sent_on(session: Session, kind: str) -> dict[int | None, date]:
    rows = session.execute(
        sa.select(OutboxMessage.match_id, sa.func.max(OutboxMessage.created_at))
        .where(OutboxMessage.kind == kind)
        .group_by(OutboxMessage.match_id)
    ).all()
    return {match_id: clock.day_of(at) for match_id, at in rows}


def plan(session: Session, *, today: date, now: datetime, smtp: SmtpSettings | None) -> PlanReport:
    """Queue today's messages in the caller's transaction (which checks the role and audits)."""
    current = schedule(session)
    report = PlanReport()
    base = signature(current, smtp)
    pair_kinds = [k for k in ("introduction", "invitation", "nudge") if current.enabled(k)]
    if pair_kinds:
        pairs = queries.cadence_pairs(session, today).sort_values("match_id", ignore_index=True)
        _plan_pairs(session, pairs, pair_kinds, current, base, today, now, report)
    if current.enabled("reminder"):
        _plan_reminder(session, current, base, today, now, report)
    survey_kinds = [k for k in survey_rules.MOMENT_OF_KIND if current.enabled(k)]
    if survey_kinds:
        _plan_surveys(session, survey_kinds, base, today, now, report)
    if current.enabled(annual_rules.KIND):
        _plan_annual(session, current, base, today, now, report)
    return report


def _plan_pairs(session, pairs, kinds, current, base, today, now, report) -> None:
    since_intro = date.fromisoformat(current.introduction_since) if current.introduction_since else today
    chosen: dict[str, pd.DataFrame] = {}
    for kind in kinds:
        last = _last_sent_on(session, kind)
        if kind == "introduction":
            earliest = max(since_intro, today - timedelta(days=INTRODUCTION_WINDOW_DAYS))
            eligible = pairs[(pairs["confirmed_on"] >= earliest) & ~pairs["match_id"].isin(list(last))]
        else:
            every = timedelta(days=current.every_days(kind))
            recent = {m for m, on in last.items() if today - on < every}
            if kind == "nudge":
                pairs_due = pairs[pairs["status"].isin(NUDGE_STATUSES)]
            else:
                pairs_due = pairs
            if held_back := int(pairs_due["match_id"].isin(recent).sum()):
                report.skipped["not_due"] += held_back
            eligible = pairs_due[~pairs_due["match_id"].isin(recent)]
        chosen[kind] = eligible
    if not any(len(frame) for frame in chosen.values()):
        return
    emails = [e for frame in chosen.values() for e in (*frame["mentor_email"], *frame["mentee_email"])]
    stopped = opted_out(session, emails)
    planned: list[dict] = []
    for kind, frame in chosen.items():
        template = template_for(session, kind)
        for pair in frame.itertuples():
            context = pair_context(pair, base)
            subject, body = render_template(template, context)
            if kind == "introduction":  # to both at once; "stop these reminders" does not stop it
                planned.append(
                    {
                        "kind": kind,
                        "recipients": [pair.mentor_email, pair.mentee_email],
                        "subject": subject,
                        "body": body,
                        "dedupe_key": f"{kind}:match:{pair.match_id}",
                        "match_id": int(pair.match_id),
                        **linking.pair_links(),
                    }
                )
                continue
            # each person their own message, with their own stop link
            people = [("mentor", pair.mentor_email), ("mentee", pair.mentee_email)]
            if not (to := [(role, email) for role, email in people if email not in stopped]):
                report.skipped["opted_out"] += 1
                continue
            for role, email in to:
                planned.append(
                    {
                        "kind": kind,
                        "recipients": [email],
                        "subject": subject,
                        "body": body,
                        "dedupe_key": f"{kind}:match:{pair.match_id}:{role}:{today.isoformat()}",
                        "headers": {"List-Unsubscribe": f"<{linking.STOP_LINK}>"},
                        "match_id": int(pair.match_id),
                        **linking.pair_links(role),
                    }
                )
    _queue_counted(session, planned, now, report)


SURVEY_WINDOW_DAYS = 30  # a moment more than this past is not surveyed (turning a kind on mails no old pairs)
FIRST_NOTE = "The link stays open for 30 days from this message."
REMINDER_NOTE = "A short reminder: we have not heard from you yet, and your answers help the program.\n\n"


def survey_due(pairs: pd.DataFrame, moment: str) -> pd.Series:
    """Each pair's day for the moment's survey (NaT where the moment does not apply): the start and mid-year
    surveys for open pairs; the one-year survey at the one-year mark, or on the day a pair ended before it."""
    confirmed = pd.to_datetime(pairs["confirmed_on"])
    open_ = pairs["status"].astype(str).isin(OPEN_STATUS_VALUES)
    if moment == "start":
        return (confirmed + pd.Timedelta(days=survey_rules.START_AFTER_DAYS)).where(open_)
    if moment == "mid":
        return (confirmed + pd.DateOffset(months=survey_rules.MID_AFTER_MONTHS)).where(open_)
    mark = confirmed + pd.Timedelta(days=survey_rules.YEAR_AFTER_DAYS)
    ended = pd.to_datetime(pairs["ended_on"])
    return mark.where(~(pairs["status"].astype(str).eq("ended") & (ended < mark)), ended)


def survey_context(first_name: str, base: dict[str, str], *, closes_on: date | None = None) -> dict:
    """The placeholders of one person's survey mail; the links are stand-ins, made as it is sent."""
    return {
        **base,
        "first_name": first_name,
        "survey_link": linking.SURVEY_LINK,
        "stop_link": linking.STOP_LINK,
        "closes_note": f"It closes on {closes_on:%B %d, %Y}." if closes_on else FIRST_NOTE,
        "reminder_note": REMINDER_NOTE if closes_on else "",
    }


def _plan_surveys(session, kinds, base, today, now, report) -> None:
    """Each person's survey at each moment the leader turned on (one mail, its dedupe key naming the person
    and the moment), and one reminder a week after it was sent when no answer came."""
    pairs = queries.survey_plan_pairs(session)
    day = pd.Timestamp(today)
    chosen: dict[str, pd.DataFrame] = {}
    for kind in kinds:
        due = survey_due(pairs, survey_rules.MOMENT_OF_KIND[kind])
        chosen[kind] = pairs[(due <= day) & (due > day - pd.Timedelta(days=SURVEY_WINDOW_DAYS))]
    invited = queries.survey_invitations(
        session, match_ids=[int(m) for frame in chosen.values() for m in frame["match_id"]]
    )
    sent = invited[invited["sent_at"].notna()]
    already = set(zip(sent["match_id"], sent["role"], sent["moment"], strict=True))
    wanted: list[tuple[str, str, object]] = []  # (kind, role, pair)
    for kind, frame in chosen.items():
        moment = survey_rules.MOMENT_OF_KIND[kind]
        for pair in frame.itertuples():
            for role in survey_rules.ROLES:
                if (pair.match_id, role, moment) not in already:
                    wanted.append((kind, role, pair))
    # reminders: sent a week ago or more, unanswered, not yet reminded, still open for a day or more
    when = pd.Timestamp(now)
    reminders = queries.survey_invitations(session, unanswered_open_at=now + timedelta(days=1))
    reminders = reminders[
        reminders["moment"].isin([survey_rules.MOMENT_OF_KIND[k] for k in kinds])
        & reminders["sent_at"].notna()
    ]
    if not reminders.empty:
        sent_at = pd.to_datetime(reminders["sent_at"], utc=True, format="ISO8601")
        closes = pd.to_datetime(reminders["closes_at"], utc=True, format="ISO8601")
        reminders = reminders.assign(closes_at=closes)[sent_at <= when - survey_rules.REMIND_AFTER]
    if not wanted and reminders.empty:
        return
    reminded = pairs[pairs["match_id"].isin(reminders["match_id"])]
    people = reminded.set_index("match_id").to_dict("index")  # match_id -> its row, for the reminders
    emails = [getattr(pair, f"{role}_email") for _, role, pair in wanted] + [
        people[m][f"{r}_email"] for m, r in zip(reminders["match_id"], reminders["role"], strict=True)
    ]
    stopped = opted_out(session, emails)
    ids = _survey_invitations(
        session,
        [
            (int(p.match_id), role, survey_rules.MOMENT_OF_KIND[kind])
            for kind, role, p in wanted
            if getattr(p, f"{role}_email") not in stopped
        ],
        now,
    )
    planned: list[dict] = []
    templates = {kind: template_for(session, kind) for kind in kinds}
    for kind, role, pair in wanted:
        email = getattr(pair, f"{role}_email")
        if email in stopped:
            report.skipped["opted_out"] += 1
            continue
        moment = survey_rules.MOMENT_OF_KIND[kind]
        context = survey_context(getattr(pair, f"{role}_first_name"), base)
        subject, body = render_template(templates[kind], context)
        planned.append(
            {
                "kind": kind,
                "recipients": [email],
                "subject": subject,
                "body": body,
                "dedupe_key": f"{kind}:match:{pair.match_id}:{role}",
                "headers": {"List-Unsubscribe": f"<{linking.STOP_LINK}>"},
                "match_id": int(pair.match_id),
                **linking.survey_links(ids[(int(pair.match_id), role, moment)]),
            }
        )
    for row in reminders.itertuples():
        kind = survey_rules.KIND_OF_MOMENT[row.moment]
        email = people[row.match_id][f"{row.role}_email"]
        if email in stopped:
            report.skipped["opted_out"] += 1
            continue
        first = people[row.match_id][f"{row.role}_first_name"]
        context = survey_context(first, base, closes_on=clock.day_of(row.closes_at))
        subject, body = render_template(templates[kind], context)
        planned.append(
            {
                "kind": kind,
                "recipients": [email],
                "subject": f"Reminder: {subject}",
                "body": body,
                "dedupe_key": f"{kind}:match:{row.match_id}:{row.role}:reminder",
                "headers": {"List-Unsubscribe": f"<{linking.STOP_LINK}>"},
                "match_id": int(row.match_id),
                **linking.survey_links(int(row.invitation_id), reminder=True),
            }
        )
    _queue_counted(session, planned, now, report)


def _survey_invitations(session, people: list[tuple[int, str, str]], now: datetime) -> dict[tuple, int]:
    """The invitations of these people (match_id, role, moment), made unsent where missing; their ids."""
    if not people:
        return {}
    rows = [{"match_id": m, "role": r, "moment": o, "created_at": now} for m, r, o in people]
    for start in range(0, len(rows), 2000):
        session.execute(
            db.insert(session, SurveyInvitation).on_conflict_do_nothing(
                index_elements=["match_id", "role", "moment"]
            ),
            rows[start : start + 2000],
        )
    wanted, ids = set(people), {}
    match_ids = sorted({m for m, _, _ in people})
    for start in range(0, len(match_ids), 5000):
        found = session.execute(
            sa.select(
                SurveyInvitation.id, SurveyInvitation.match_id, SurveyInvitation.role, SurveyInvitation.moment
            ).where(SurveyInvitation.match_id.in_(match_ids[start : start + 5000]))
        )
        ids |= {(m, r, o): i for i, m, r, o in found if (m, r, o) in wanted}
    return ids


def annual_context(first_name: str, base: dict[str, str]) -> dict:
    """The placeholders of a yearly update mail (templates.PLACEHOLDERS["annual-update"]), its links as
    stand-ins."""
    return {
        **base,
        "first_name": first_name,
        "update_link": linking.UPDATE_LINK,
        "stop_link": linking.YEARLY_STOP_LINK,
    }


def _plan_annual(session, current, base, today, now, report) -> None:
    """Once a year, on or after the leader's day: each mentee to ask (queries.annual_update_mentees) gets
    their year's AnnualUpdate (unsent) and one mail, with no pair (match_id None), so the sender's
    ended-pair check never holds it back."""
    asked_from = annual_rules.ask_on(today.year, annual_day(current.annual_update_on))
    if today < asked_from:
        report.skipped["not_due"] += 1
        return
    mentees = queries.annual_update_mentees(session, today.year, asked_from)
    if mentees.empty:
        return
    ids = [int(m) for m in mentees["mentee_id"]]
    rows = [{"mentee_id": m, "year": today.year, "created_at": now} for m in ids]
    for start in range(0, len(rows), 2000):
        session.execute(
            db.insert(session, AnnualUpdate).on_conflict_do_nothing(index_elements=["mentee_id", "year"]),
            rows[start : start + 2000],
        )
    update_of: dict[int, int] = {}
    for start in range(0, len(ids), 5000):
        found = session.execute(
            sa.select(AnnualUpdate.mentee_id, AnnualUpdate.id).where(
                AnnualUpdate.year == today.year, AnnualUpdate.mentee_id.in_(ids[start : start + 5000])
            )
        )
        update_of |= dict(found.all())
    template = template_for(session, annual_rules.KIND)
    planned = []
    for mentee in mentees.itertuples():
        subject, body = render_template(template, annual_context(mentee.first_name, base))
        planned.append(
            {
                "kind": annual_rules.KIND,
                "recipients": [mentee.email],
                "subject": subject,
                "body": body,
                "dedupe_key": f"{annual_rules.KIND}:mentee:{mentee.mentee_id}:{today.year}",
                "headers": {"List-Unsubscribe": f"<{linking.YEARLY_STOP_LINK}>"},
                **linking.annual_links(update_of[int(mentee.mentee_id)]),
            }
        )
    _queue_counted(session, planned, now, report)


def decisions_due_text(due: pd.DataFrame, today: date) -> str:
    lines = []
    for pair in due.itertuples():
        days = int(pair.days_to_mark)
        when = f"in {days} days" if days > 0 else ("today" if days == 0 else f"{-days} days ago")
        lines.append(
            f"- {pair.mentor} and {pair.mentee}: one-year mark {pair.one_year_on.isoformat()} ({when})"
        )
    return "\n".join(lines)


def _plan_reminder(session, current, base, today, now, report) -> None:
    last = _last_sent_on(session, "reminder").get(None)
    if last is not None and today - last < timedelta(days=current.reminder_every_days):
        report.skipped["not_due"] += 1
        return
    due = retention.decisions_due(retention.durations(queries.retention_pairs(session), today), today)
    if due.empty:
        report.skipped["no_decisions_due"] += 1
        return
    leaders = list(
        session.execute(
            sa.select(User.email)
            .where(User.role == Role.leader, User.is_active.is_(True))
            .order_by(User.email)
        ).scalars()
    )
    if not leaders:
        report.skipped["no_leader_account"] += 1
        return
    context = {**base, "pairs": decisions_due_text(due, today), "pair_count": len(due)}
    subject, body = render(session, "reminder", context)
    if queue_message(
        session,
        kind="reminder",
        recipients=leaders,
        subject=subject,
        body=body,
        dedupe_key=f"reminder:leaders:{today.isoformat()}",
        now=now,
    ):
        report.queued["reminder"] += 1
    else:
        report.skipped["already_queued"] += 1


def preview(
    session: Session, kind: str, subject: str, body: str, *, pair, today: date, smtp: SmtpSettings | None
) -> tuple[str, str]:
    """The typed template filled in for a real pair (or, for a reminder, today's decisions due); nothing is
    written. UnusableInput in one sentence when the template cannot be used."""
    from mentorship.outbox.templates import check

    checked = check(kind, subject, body)
    base = signature(schedule(session), smtp)
    if kind == "reminder":
        due = retention.decisions_due(retention.durations(queries.retention_pairs(session), today), today)
        context = {
            **base,
            "pairs": decisions_due_text(due, today) or "(no pair is due today)",
            "pair_count": len(due),
        }
    elif kind in survey_rules.MOMENT_OF_KIND:
        if pair is None:
            raise UnusableInput("There is no open pair to preview this on yet.")
        context = survey_context(pair.mentee_first_name, base)
    elif kind == annual_rules.KIND:
        context = annual_context(pair.mentee_first_name if pair is not None else "[first_name]", base)
    elif kind == "registered":
        status = signup_words.ALREADY_REGISTERED
        context = {**base, "registration_status": status, "personal_link": linking.PERSONAL_LINK}
    elif pair is None:
        raise UnusableInput("There is no open pair to preview this on yet.")
    elif kind == "registration":
        context = {**base, "first_name": pair.mentee_first_name, "confirm_link": linking.PERSONAL_LINK}
    else:
        context = pair_context(pair, base)
    return render_template(checked, context)


def _queue_counted(session: Session, planned: list[dict], now: datetime, report: PlanReport) -> None:
    """Queue the planned messages (those already queued are left as they are) and count both in `report`."""
    added = queue_many(session, planned, now=now)
    for message in planned:
        if message["dedupe_key"] in added:
            report.queued[message["kind"]] += 1
        else:
            report.skipped["already_queued"] += 1
