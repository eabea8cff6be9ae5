"""Program settings kept in the store (thresholds, weights), with their defaults."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlmodel import Session, select

from mentorship import clients, db
from mentorship.errors import UnusableInput
from mentorship.models import Setting, utcnow


@dataclass(frozen=True)
class CadenceThresholds:
    """Days since the last meeting (or since confirmation) that separate the health statuses."""

    new_days: int = 30  # never met and confirmed this recently: "new"
    on_track_days: int = 60  # last meeting this recent: "on track"
    due_days: int = 90  # up to this: "due"; beyond: "overdue"


SETTING_KEYS = {"cadence": CadenceThresholds}


def _decode(cls, raw: str | None):
    default = cls()
    if raw is None:
        return default
    try:
        stored = json.loads(raw)
    except json.JSONDecodeError:
        return default
    known = {f.name for f in fields(cls)}
    return replace(default, **{k: v for k, v in stored.items() if k in known})


def cadence_thresholds(session: Session) -> CadenceThresholds:
    row = session.exec(select(Setting).where(Setting.key == "cadence")).first()
    return _decode(CadenceThresholds, row.value if row else None)


def save_setting(session: Session, key: str, value) -> None:
    """Store one settings group (a dataclass instance); callers check permissions and audit."""
    if key not in SETTING_KEYS or not isinstance(value, SETTING_KEYS[key]):
        raise ValueError(f"Unknown setting {key!r}.")
    row = session.get(Setting, key) or Setting(key=key, value="{}")
    row.value = json.dumps(asdict(value))
    row.updated_at = utcnow()
    session.add(row)


# --- Pairing weights ---
MAX_WEIGHT = 10.0


@dataclass(frozen=True)
class MatchWeights:
    """Points each score component adds to a suggested pair (0 turns a component off).

    BIPOC concordance is the strongest by default: a student who asked for a BIPOC mentor gets one
    whenever mentor supply allows, ahead of any other single consideration.
    """

    bipoc_concordance: float = 8.0  # the student asked for a BIPOC mentor and the mentor identifies as BIPOC
    shared_specialty: float = 2.0  # the mentor's specialty is one the student is interested in
    shared_language: float = 1.5  # both speak a language other than English
    mentor_gender: float = 1.5  # the mentor's gender is the one the student asked for
    shared_background: float = 1.0  # a BIPOC student and the mentor name the same race/ethnicity
    advising_areas: float = 0.5  # in full when the mentor advises on the application, interviews and career
    waiting_time: float = 1.0  # in full after a year of waiting: older registrations first


SETTING_KEYS["weights"] = MatchWeights


def match_weights(session: Session) -> MatchWeights:
    row = session.exec(select(Setting).where(Setting.key == "weights")).first()
    return _decode(MatchWeights, row.value if row else None)


def reset_setting(session: Session, key: str) -> None:
    """Back to the defaults: the stored group is removed; callers check permissions and audit."""
    if key not in SETTING_KEYS:
        raise ValueError(f"Unknown setting {key!r}.")
    row = session.get(Setting, key)
    if row is not None:
        session.delete(row)


# --- Registration ---
@dataclass(frozen=True)
class RegistrationSettings:
    """The public registration forms: which are open, whom to write to, and how much one may send.

    A new store starts with both forms closed: the leader opens them once the contact email and the values
    statement are as the program wants them."""

    mentor_open: bool = False
    mentee_open: bool = False
    contact_email: str = ""
    per_session: int = 5  # submissions from one browser session
    per_address: int = 10  # submissions from one client address in any hour (always below per_hour)
    per_hour: int = 60  # submissions to the whole program in any hour


SETTING_KEYS["registration"] = RegistrationSettings


def registration_settings(session: Session) -> RegistrationSettings:
    row = session.exec(select(Setting).where(Setting.key == "registration")).first()
    chosen = _decode(RegistrationSettings, row.value if row else None)
    if chosen.per_address >= chosen.per_hour:  # stored before the per-address limit: keep it below the cap
        chosen = replace(chosen, per_address=max(1, chosen.per_hour - 1))
    return chosen


# --- The program's time zone (the environment, not the store) ---
TIMEZONE_ENV = "MENTORSHIP_TIMEZONE"


def program_zone() -> ZoneInfo:
    """The zone the program's day is counted in and its times are shown in: MENTORSHIP_TIMEZONE (an IANA
    name such as America/Chicago), else the machine's own zone. A name that is not a zone raises
    UnusableInput, one sentence naming the setting."""
    name = os.environ.get(TIMEZONE_ENV, "").strip()
    return _named_zone(name) if name else _machine_zone()


@cache
def _named_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnusableInput(
            f"{TIMEZONE_ENV} is {name!r}, which is not a time zone: "
            "give an IANA name such as America/Chicago."
        ) from None


@cache
def _machine_zone() -> ZoneInfo:
    """The machine's zone: $TZ when it names one, else /etc/localtime (by its IANA name where the link
    gives it), else UTC."""
    for name in (os.environ.get("TZ", "").lstrip(":"), _localtime_name()):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                pass
    localtime = Path("/etc/localtime")
    if localtime.is_file():
        with localtime.open("rb") as data:
            return ZoneInfo.from_file(data, key="localtime")
    return ZoneInfo("UTC")


def _localtime_name() -> str:
    target = str(Path("/etc/localtime").resolve())
    return target.partition("zoneinfo/")[2] if "zoneinfo/" in target else ""


# --- The year's report ---
@dataclass(frozen=True)
class ReportIntros:
    """The leader's paragraph at the top of each year's report (plain text), by year ("2025": "...")."""

    by_year: dict[str, str] = field(default_factory=dict)


SETTING_KEYS["report_intros"] = ReportIntros


def report_intros(session: Session) -> ReportIntros:
    row = session.exec(select(Setting).where(Setting.key == "report_intros")).first()
    return _decode(ReportIntros, row.value if row else None)


# --- Client addresses ---
CLIENT_SECRET = "client-secret"


def client_secret(session: Session) -> bytes:
    """The store's own secret for hashing client addresses (`clients.key`), made on first use; two
    instances making it at once keep the same one."""
    read = sa.select(Setting.value).where(Setting.key == CLIENT_SECRET)
    stored = session.execute(read).scalar()
    if stored is None:
        made = json.dumps({"secret": secrets.token_hex(32)})
        session.execute(
            db.insert(session, Setting)
            .values(key=CLIENT_SECRET, value=made, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["key"])
        )
        stored = session.execute(read).scalar_one()
    return bytes.fromhex(json.loads(stored)["secret"])


def client_key(session: Session, address: str) -> str:
    """The keyed hash the store counts the client at `address` under ("" for no address); in a write
    transaction (the secret may be made here)."""
    return clients.key(address, client_secret(session)) if address else ""


# --- The demo store ---
@dataclass(frozen=True)
class DemoStore:
    """Present only in a store that `demo` filled with synthetic people: the dashboard then says so on every
    page, and only such a store may hold the demo's sign-ins (whose passwords are published)."""

    seed: int = 0


SETTING_KEYS["demo"] = DemoStore


def is_demo_store(session: Session) -> bool:
    return session.get(Setting, "demo") is not None
