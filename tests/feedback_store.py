"""A store with surveys answered, for the Feedback page's and command's tests."""

import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import db
from mentorship.models import Match, SurveyInvitation, SurveyResponse

from .factories import make_match, make_mentee, make_mentor


def answered_pairs(
    engine: Engine, answers: list[tuple[dict, dict | None]], *, on: date, moment: str = "mid", **match
) -> list[int]:
    """One pair per item, each asked at `moment` on `on`: (the mentee's answers, the mentor's or None for
    no answer); responses submitted 2 days after. Returns the pairs' ids."""
    ids = []
    with db.write_session(engine) as s:
        for i, (mentee_answers, mentor_answers) in enumerate(answers):
            mentor = make_mentor(f"mentor{i}", email=f"mentor{i}-{on}@clinic.example.org")
            mentee = make_mentee(f"mentee{i}", email=f"mentee{i}-{on}@school.example.edu")
            s.add_all([mentor, mentee])
            s.flush()
            pair = make_match(mentor.id, mentee.id, confirmed_on=on - timedelta(days=182), **match)
            s.add(pair)
            s.flush()
            ids.append(pair.id)
            sent = datetime.combine(on, datetime.min.time(), tzinfo=UTC)
            for role, given in (("mentee", mentee_answers), ("mentor", mentor_answers)):
                invitation = SurveyInvitation(
                    match_id=pair.id,
                    role=role,
                    moment=moment,
                    sent_at=sent,
                    closes_at=sent + timedelta(days=30),
                )
                s.add(invitation)
                s.flush()
                if given is not None:
                    at = sent + timedelta(days=2)
                    contact = bool(given.pop("contact_me", False))
                    s.add(
                        SurveyResponse(
                            invitation_id=invitation.id,
                            version=1,
                            answers=json.dumps(given),
                            contact_me=contact,
                            submitted_at=at,
                            updated_at=at,
                        )
                    )
    return ids


def answer_existing_pairs(engine: Engine, *, on: date, pairs: int = 10) -> None:
    """The first `pairs` pairs of the store not yet asked answer the mid-year survey on `on`, both people,
    with answers that vary (some low, some "prefer not to say") and a sentence of their own."""
    at = datetime.combine(on, datetime.min.time(), tzinfo=UTC)
    with db.write_session(engine) as s:
        asked = sa.select(SurveyInvitation.match_id)  # the demo's own surveys stay as they are
        ids = (
            s.execute(sa.select(Match.id).where(Match.id.not_in(asked)).order_by(Match.id).limit(pairs))
            .scalars()
            .all()
        )
        for i, match_id in enumerate(ids):
            for role in ("mentee", "mentor"):
                invitation = SurveyInvitation(
                    match_id=match_id, role=role, moment="mid", sent_at=at, closes_at=at + timedelta(days=30)
                )
                s.add(invitation)
                s.flush()
                answers = {
                    "respect": 5 - i % 3,
                    "safe_space": 4 if i % 4 else 2,
                    "useful_application": None if i % 5 == 0 else 3 + i % 3,
                    "comments": "We talk about my MCAT plan",
                    ("curious" if role == "mentee" else "learned"): 4,
                }
                s.add(
                    SurveyResponse(
                        invitation_id=invitation.id,
                        version=1,
                        answers=json.dumps(answers),
                        contact_me=i == 3,
                        submitted_at=at,
                        updated_at=at,
                    )
                )
