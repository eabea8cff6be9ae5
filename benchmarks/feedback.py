"""Benchmark: the Feedback page at program scale, three moments answered.

    .venv/bin/python benchmarks/feedback.py [--mentors 5000] [--mentees 10000] [--runs 5]

Builds a demo store with the real CLI; when the demo holds no survey answers, every pair's people are asked
at each moment due by today and about 70% answer (synthetic answers, seed 25). Then prints, in server CPU
seconds (`time.process_time`): `queries.feedback_view` for the leader and the committee (the read and every
figure, best of 3); the page's script run in AppTest as the leader and the committee: the first (imports
included), the first view after one answer changed (median of `--runs`), and warm (median of `--runs`
reruns: what every later view costs); and `feedback --json` in wall seconds with process start.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from common import best_of, demo_store, page_runs, program_size, run_cli

from mentorship import db, queries, surveys
from mentorship.models import Match, Role, SurveyInvitation, SurveyResponse

LEADER = "leader@program.example.org"  # the demo's leader sign-in
COMMITTEE = "committee@program.example.org"  # the demo's committee sign-in


def answer_every_moment(engine, today: date) -> int:
    """Each pair's people asked at every moment due by today; about 70% answer. Returns the answers made."""
    rng = random.Random(25)
    with db.read_session(engine) as session:
        pairs = session.execute(sa.select(Match.id, Match.confirmed_on, Match.ended_on)).all()
    invitations, responses = [], []
    for match_id, confirmed_on, ended_on in pairs:
        for moment in surveys.MOMENTS:
            due = surveys.due_on(moment, confirmed_on)
            if due > today or (ended_on and due > ended_on and moment != "year"):
                continue
            for role in surveys.ROLES:
                sent = datetime.combine(due, datetime.min.time(), tzinfo=UTC)
                invitations.append(
                    {
                        "id": len(invitations) + 1,
                        "match_id": match_id,
                        "role": role,
                        "moment": moment,
                        "sent_at": sent,
                        "closes_at": sent + surveys.OPEN_FOR,
                        "created_at": sent,
                    }
                )
                if rng.random() < 0.7:
                    answers = {
                        q.key: rng.choice([None, 2, 3, 4, 4, 5, 5, 5]) if q.kind != surveys.TEXT else None
                        for q in surveys.questions_for(moment, role, ended=bool(ended_on))
                    }
                    if moment == "year":
                        answers["recommend"] = rng.choice([4, 6, 7, 8, 9, 9, 10, 10])
                    at = sent + timedelta(days=rng.randint(0, 20))
                    responses.append(
                        {
                            "invitation_id": len(invitations),
                            "version": 1,
                            "answers": json.dumps(answers),
                            "contact_me": rng.random() < 0.02,
                            "submitted_at": at,
                            "updated_at": at,
                        }
                    )
    with db.write_session(engine) as session:
        session.execute(sa.insert(SurveyInvitation), invitations)
        session.execute(sa.insert(SurveyResponse), responses)
    return len(responses)


def change_one_answer(engine, step: int) -> None:
    """One person changes one answer today (what moves the figures between two views)."""
    with db.write_session(engine) as session:
        response = session.get(SurveyResponse, 1 + step)
        answers = json.loads(response.answers)
        answers["respect"] = 1 + (step % 5)
        response.answers, response.updated_at = json.dumps(answers), datetime.now(UTC)


def main() -> None:
    parser = program_size(argparse.ArgumentParser())
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    today = date.today()
    with tempfile.TemporaryDirectory() as tmp:
        url, _ = demo_store(tmp, mentors=args.mentors, mentees=args.mentees)
        engine = db.make_engine(url)
        with db.read_session(engine) as session:
            made = session.execute(sa.select(sa.func.count(SurveyResponse.id))).scalar()
        if not made:
            made = answer_every_moment(engine, today)
        print(f"store: {args.mentors} mentors, {args.mentees} mentees, {made} survey answers")
        for role in (Role.leader, Role.committee):

            def read(role=role) -> None:
                with db.read_session(engine) as session:
                    queries.feedback_view(session, role, today)

            cpu = best_of(3, read, time.process_time)
            print(f"queries.feedback_view as {role.value}: best {cpu:.3f} s CPU of 3")
        for email in (LEADER, COMMITTEE):
            first, changed, warm = page_runs("pages/10_Feedback.py", url, args.runs, email, change_one_answer)
            print(
                f"Feedback page as {email}: first run {first:.3f} s CPU (imports included), after one answer "
                f"changed {changed:.3f} s CPU, warm {warm:.3f} s CPU (medians of {args.runs})"
            )
        start = time.perf_counter()
        run_cli("feedback", "--db", url, "--json")
        print(f"feedback --json: {time.perf_counter() - start:.2f} s wall (process start included)")
        engine.dispose()


if __name__ == "__main__":
    main()
