"""Every page-shaped read, walked for the committee role on the demo store: no full email, no phone, no
individual race/ethnicity, gender, pronouns, languages or free text in any value it returns.

The forbidden values come from the store itself, and the same walk over the leader's reads must find them
(so the walk does reach the values it checks)."""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db, outbox, privacy, queries, services
from mentorship.auth import Actor
from mentorship.intake import KINDS
from mentorship.models import (
    Concern,
    Match,
    MatchStatus,
    Meeting,
    Mentee,
    Mentor,
    SurveyInvitation,
    SurveyResponse,
)
from mentorship.surveys import QUESTIONS, TEXT
from mentorship.values import split_identities, split_multi

from .conftest import TODAY, add_accounts, load_demo
from .feedback_store import answer_existing_pairs

NOW = datetime.combine(TODAY, time(15), tzinfo=UTC)
# A student's own registration, waiting for review: every answer is theirs alone.
PENDING = {
    "first_name": "Nia",
    "last_name": "Tesfaye",
    "email": "nia.tesfaye@school.example.edu",
    "phone": "612-555-0199",
    "pronouns": "she/her",
    "race_ethnicity": "Ethiopian American",
    "gender": "woman",
    "languages": "Amharic",
    "meeting_formats": "virtual",
    "identifies_bipoc": "yes",
    "goals": "Hoping to hear how a first-generation student prepares for interviews",
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, dict]]:
    """The demo store, with free text where the demo leaves none (a meeting note, a concern, an end note)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('walk') / 'store.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    load_demo(engine)
    actors = add_accounts(engine)
    with db.write_session(engine) as session:
        open_match = session.execute(
            sa.select(Match.id).where(Match.status == MatchStatus.active).order_by(Match.id)
        ).scalar()
        ended = session.execute(
            sa.select(Match).where(Match.status == MatchStatus.ended).order_by(Match.id)
        ).scalar()
        ended.end_reason, ended.end_note = "other", "Family illness in Rochester"
        session.add(ended)
        session.add(Concern(match_id=open_match, raised_on=TODAY, note="My mentor cancelled twice"))
        session.execute(
            sa.update(Meeting)
            .where(Meeting.match_id == open_match)
            .values(notes="Talked about the MCAT retake plan")
        )
        outbox.queue_message(
            session,
            kind="invitation",
            recipients=["nia.tesfaye@school.example.edu"],
            subject="Time to meet",
            body="Hi Nia, how did the interview practice go?",
            dedupe_key="walk-invitation",
            now=NOW,
        )
    answer_existing_pairs(engine, on=date(2026, 9, 8), pairs=6)  # survey answers, words of their own too
    services.set_form_open(engine, actor=Actor.operator(), kind="mentees", is_open=True)
    services.submit_registration(
        engine,
        kind="mentees",
        cells=PENDING,
        consent=True,
        attest=False,
        statement_version=None,
        client="walk",
        now=NOW,
        today=TODAY,
    )
    yield engine, actors
    engine.dispose()


def forbidden_values(engine: Engine) -> dict[str, set[str]]:
    """What a committee member must never receive, read from the store."""
    found: dict[str, set[str]] = {
        k: set() for k in ("email", "phone", "identity", "gender", "pronouns", "language", "text")
    }
    with db.read_session(engine) as session:
        for table in (Mentor, Mentee):
            rows = session.execute(
                sa.select(
                    table.email,
                    table.phone,
                    table.race_ethnicity,
                    table.gender,
                    table.pronouns,
                    table.languages,
                )
            ).all()
            for email, phone, race, gender, pronouns, languages in rows:
                found["email"].add(email)
                found["phone"].add(phone)
                found["identity"].update(split_identities(race))
                found["gender"].add(gender)
                found["pronouns"].add(pronouns)
                found["language"].update(split_multi(languages))
        found["text"].update(session.execute(sa.select(Mentee.goals)).scalars())
        found["gender"].update(session.execute(sa.select(Mentee.mentor_gender_preference)).scalars())
        found["text"].update(session.execute(sa.select(Meeting.notes)).scalars())
        found["text"].update(session.execute(sa.select(Concern.note)).scalars())
        found["text"].update(session.execute(sa.select(Match.end_note)).scalars())
        texts = {q.key for qs in QUESTIONS.values() for q in qs if q.kind == TEXT}  # survey answers' words
        for answers in session.execute(sa.select(SurveyResponse.answers)).scalars():
            found["text"].update(v for k, v in json.loads(answers).items() if k in texts and v)
    for kind, column in [
        ("email", "email"),
        ("phone", "phone"),
        ("identity", "race_ethnicity"),
        ("gender", "gender"),
        ("pronouns", "pronouns"),
        ("language", "languages"),
        ("text", "goals"),
    ]:
        found[kind].add(PENDING[column])  # the registration waiting for review
    # English is everyone's and no one's: it tells nothing about a person.
    found["language"] -= {"English"}
    return {kind: {v for v in values if v and v.strip()} for kind, values in found.items()}


def leaves(obj) -> Iterator[tuple[str, object]]:
    """Every value a read returns, with where it was found: frames cell by cell (their column names too)."""
    if isinstance(obj, pd.DataFrame):
        for column in obj.columns:
            yield "column name", column
            for value in obj[column].tolist():
                yield from ((f"{column}: {where}", v) for where, v in leaves(value))
    elif isinstance(obj, pd.Series):
        yield from leaves(obj.to_frame())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for field in dataclasses.fields(obj):
            yield from ((f"{field.name}.{w}", v) for w, v in leaves(getattr(obj, field.name)))
    elif isinstance(obj, dict):
        for key, value in obj.items():
            yield "key", key
            yield from ((f"{key}.{w}", v) for w, v in leaves(value))
    elif isinstance(obj, list | tuple | set | frozenset):
        for value in obj:
            yield from leaves(value)
    elif isinstance(obj, bytes):
        yield from leaves(pd.read_csv(io.BytesIO(obj), dtype=str, keep_default_na=False))
    else:
        yield "value", obj


def leaks(obj, forbidden: dict[str, set[str]]) -> list[str]:
    """Each forbidden value found in `obj`, and where."""
    words = {
        kind: re.compile(
            r"\b(" + "|".join(map(re.escape, sorted(values, key=len, reverse=True))) + r")\b", re.I
        )
        for kind, values in forbidden.items()
        if kind not in ("email", "phone")
    }
    phones = {re.sub(r"\D", "", p) for p in forbidden["phone"]}
    emails = {e.lower() for e in forbidden["email"]}
    found = []
    for where, value in leaves(obj):
        if where == "column name" and any(
            value == c or str(value).endswith(f"_{c}") for c in privacy.SENSITIVE_COLUMNS
        ):
            found.append(f"a column of individual demographics or free text: {value}")
        if not isinstance(value, str):
            continue
        lowered = value.lower()
        found += [f"email in {where}" for e in emails if e in lowered]
        digits = re.sub(r"\D", "", value)
        found += [f"phone in {where}" for p in phones if len(digits) >= 7 and p in digits]
        for kind, pattern in words.items():
            if match := pattern.search(value):
                found.append(f"{kind} {match.group(0)!r} in {where}: {value[:80]!r}")
    return found


def page_reads(engine: Engine, actor) -> dict[str, object]:
    """Everything a page or a CLI command reads, as `actor`'s role receives it."""
    role = actor.role
    with db.read_session(engine) as session:
        reads: dict[str, object] = {
            "overview": queries.overview(session, TODAY, role),
            "registrations (mentors)": queries.registration_view(session, "mentors", TODAY, role),
            "registrations (mentees)": queries.registration_view(session, "mentees", TODAY, role),
            "cadence": queries.cadence_view(session, TODAY, role),
            "retention": queries.retention_view(session, TODAY, role),
            "pairings": queries.pairing_view(session, TODAY, role),
            "recently confirmed": queries.recent_pairs_view(session, role),
            "admin": queries.admin_view(session, role),
            "audit log": queries.audit_view(session, role),
            "registrations (new)": queries.new_registrations(session, NOW, role),
            "registrations waiting (overview)": queries.registrations_waiting(session, NOW),
            "outbox": queries.outbox_messages(session, role),
            "opted out": queries.reminder_optouts(session, role),
            "feedback": queries.feedback_view(session, role, TODAY),
            "a pair's surveys (Cadence)": queries.pair_surveys(session, _answered_pair(session), role),
        }
        reads["feedback --json"] = reads["feedback"].to_dict()
        reads["outcomes"] = queries.outcomes_view(session, TODAY, role)
        reads["outcomes --json"] = reads["outcomes"].to_dict()
    for kind in KINDS:
        if privacy.may_export(kind, role):  # the committee's: the registrations only
            reads[f"export ({kind})"] = services.export_registrations(engine, actor=actor, kind=kind)[0]
    return reads


def _answered_pair(session) -> int:
    """A pair whose survey answers hold words of someone's own."""
    texts = {q.key for qs in QUESTIONS.values() for q in qs if q.kind == TEXT}
    rows = session.execute(
        sa.select(SurveyInvitation.match_id, SurveyResponse.answers)
        .join(SurveyResponse, SurveyResponse.invitation_id == SurveyInvitation.id)
        .order_by(SurveyInvitation.match_id)
    )
    return next(m for m, answers in rows if any(json.loads(answers).get(k) for k in texts))


def test_the_walk_finds_every_kind_of_forbidden_value_in_the_leaders_reads(store):
    engine, actors = store
    forbidden = forbidden_values(engine)
    assert all(forbidden.values()), "the demo store should hold a value of each kind"
    found = " ".join(leaks(page_reads(engine, actors["leader"]), forbidden))
    for kind in ("email", "phone", "identity", "gender", "pronouns", "language", "text"):
        assert f"{kind} " in found or f"{kind} in" in found, kind


def test_no_committee_read_holds_contacts_demographics_or_free_text(store):
    engine, actors = store
    reads = page_reads(engine, actors["committee"])
    assert reads["pairings"].pairs.shape[0] > 0 and reads["cadence"].pairs.shape[0] > 0  # a real walk
    assert reads["admin"].accounts.empty and reads["audit log"].empty  # the leader's page only
    assert len(reads["registrations (new)"]) == 1 and reads["outbox"].empty  # Messages: the leader's only
    assert len(reads["feedback"].statements) and reads["feedback"].attention is None  # figures, no responses
    found = {name: leaks(read, forbidden_values(engine)) for name, read in reads.items()}
    assert {name: where[:5] for name, where in found.items() if where} == {}
