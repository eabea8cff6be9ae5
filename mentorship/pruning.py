"""Personal data kept no longer than its use: what `python -m mentorship prune` removes, and when.

- Check-in reports: the record of each report (which link, when) after CHECKIN_RETENTION; the leader's
  concerns keep their date and outcome, but the pair's own words in one are cleared that long after it
  was resolved. The meetings a report logged stay: they are the cadence history.
- Sign-in sessions: SESSION_RETENTION after they ended (signed out, timed out or never taken up).
- Device cookies' records: once unused for auth.DEVICE_LIFETIME (the cookie itself has expired by then).
- Client addresses (their keyed hashes): sign-in failure counts, refused-request counts and a registration
  submission's address ADDRESS_RETENTION after their last use (every limit they serve is an hour or less).
The audit log is append-only and kept whole: its summaries hold counts and ids, never personal data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from mentorship import auth
from mentorship.auth import Actor
from mentorship.models import (
    CheckinSubmission,
    Concern,
    LoginSession,
    RefusalTally,
    SignInDevice,
    SignInThrottle,
    Signup,
)
from mentorship.services.core import operation

CHECKIN_RETENTION = timedelta(days=180)
SESSION_RETENTION = timedelta(days=30)
ADDRESS_RETENTION = timedelta(days=30)


@dataclass(frozen=True)
class Pruned:
    checkin_submissions: int
    concern_notes: int
    sign_in_sessions: int
    sign_in_devices: int
    client_addresses: int

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


def prune(engine: Engine, *, actor: Actor, now: datetime) -> Pruned:
    """Delete (or clear) what is past its retention as of `now`, in one transaction, audited with counts."""
    with operation(engine, actor=actor, action="store.prune") as op:

        def run(statement) -> int:
            return op.session.execute(statement).rowcount or 0

        last_activity = sa.func.coalesce(LoginSession.ended_at, LoginSession.last_seen_at)
        pruned = Pruned(
            checkin_submissions=run(
                sa.delete(CheckinSubmission).where(CheckinSubmission.at < now - CHECKIN_RETENTION)
            ),
            concern_notes=run(
                sa.update(Concern)
                .where(Concern.resolved_at < now - CHECKIN_RETENTION, Concern.note != "")
                .values(note="")
            ),
            # a session not ended by sign-out ends by itself after 30 idle minutes: its last activity counts
            sign_in_sessions=run(sa.delete(LoginSession).where(last_activity < now - SESSION_RETENTION)),
            sign_in_devices=run(
                sa.delete(SignInDevice).where(SignInDevice.last_used_at < now - auth.DEVICE_LIFETIME)
            ),
            client_addresses=sum(
                run(statement)
                for statement in (
                    sa.delete(SignInThrottle).where(
                        sa.func.coalesce(SignInThrottle.last_failed_at, now - 2 * ADDRESS_RETENTION)
                        < now - ADDRESS_RETENTION
                    ),
                    sa.delete(RefusalTally).where(RefusalTally.last_at < now - ADDRESS_RETENTION),
                    sa.update(Signup)
                    .where(Signup.created_at < now - ADDRESS_RETENTION, Signup.address != "")
                    .values(address=""),
                )
            ),
        )
        op.record(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in pruned.to_dict().items()))
    return pruned
