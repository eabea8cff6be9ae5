"""Benchmark: survey planning at program scale.

    .venv/bin/python benchmarks/surveys.py [--mentors 5000] [--mentees 10000]

The 5,000-mentor / 10,000-mentee demo (its pairs' surveys answered at every moment due, about a third not),
with all three survey kinds on. The surveys sent in the last 30 days are taken back out of the store, so that
planning finds every one of them due again (one mail per person) as well as the reminders of the older ones
still open. `outbox plan --json` runs through the real CLI (process start included): target 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import UTC, datetime, timedelta

from common import demo_store, run_cli

LEADER = "leader@program.example.org"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=5000)
    parser.add_argument("--mentees", type=int, default=10000)
    args = parser.parse_args()
    os.environ.update(MENTORSHIP_SMTP_HOST="127.0.0.1", MENTORSHIP_MAIL_FROM="mentorship@program.example.org")
    import sqlalchemy as sa

    from mentorship import db
    from mentorship.models import Concern, SurveyInvitation, SurveyResponse

    with tempfile.TemporaryDirectory() as directory:
        url, printed = demo_store(directory, mentors=args.mentors, mentees=args.mentees)
        print(printed)
        engine = db.make_engine(url)
        recent = datetime.now(UTC) - timedelta(days=30)
        with db.write_session(engine) as session:
            responses = session.execute(sa.select(sa.func.count(SurveyResponse.id))).scalar_one()
            recent_ids = sa.select(SurveyInvitation.id).where(SurveyInvitation.sent_at >= recent)
            answered = sa.select(SurveyResponse.id).where(SurveyResponse.invitation_id.in_(recent_ids))
            session.execute(sa.delete(Concern).where(Concern.survey_response_id.in_(answered)))
            taken = session.execute(
                sa.delete(SurveyInvitation).where(SurveyInvitation.id.in_(recent_ids))
            ).rowcount
        print(f"Store: {responses:,} survey responses; {taken:,} surveys of the last 30 days taken out")
        for kind in ("survey-start", "survey-mid", "survey-year"):
            run_cli("outbox", "enable", kind, "--as", LEADER, "--db", url)
        seconds, out = run_cli("outbox", "plan", "--as", LEADER, "--db", url, "--json")
        print(
            f"outbox plan --json, three survey kinds: {seconds:.2f} s (process start included) "
            f"-> {json.loads(out)}"
        )
        seconds, out = run_cli("outbox", "plan", "--as", LEADER, "--db", url, "--json")
        print(f"again, nothing new: {seconds:.2f} s -> {json.loads(out)}")
        engine.dispose()


if __name__ == "__main__":
    main()
