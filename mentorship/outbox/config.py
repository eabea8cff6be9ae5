"""The program's mail account and the outbox's schedule.

The account comes from the environment (`MENTORSHIP_SMTP_*`, `MENTORSHIP_MAIL_FROM`) or the `[smtp]` table of
`.streamlit/secrets.toml`, never from the store: a copy of the store must not carry the password. The
password is kept out of every repr, message and log line.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date

from sqlmodel import Session

from mentorship.db import PROJECT_ROOT
from mentorship.errors import UnusableInput
from mentorship.models import Setting, utcnow
from mentorship.values import check_email

SECRETS_FILE = PROJECT_ROOT / ".streamlit" / "secrets.toml"
SECURITY_MODES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
ENV_KEYS = {
    "host": "MENTORSHIP_SMTP_HOST",
    "port": "MENTORSHIP_SMTP_PORT",
    "security": "MENTORSHIP_SMTP_SECURITY",
    "user": "MENTORSHIP_SMTP_USER",
    "password": "MENTORSHIP_SMTP_PASSWORD",
    "mail_from": "MENTORSHIP_MAIL_FROM",
}


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str
    mail_from: str
    user: str = ""
    password: str = field(default="", repr=False)


def _secrets_table() -> dict[str, str]:
    """`[smtp]` of .streamlit/secrets.toml, under the environment's names (`host` or MENTORSHIP_SMTP_HOST)."""
    try:
        table = tomllib.loads(SECRETS_FILE.read_text(encoding="utf-8")).get("smtp", {})
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    if not isinstance(table, dict):
        return {}
    found: dict[str, str] = {}
    for short, env_name in ENV_KEYS.items():
        for key in (env_name, short, short.upper()):
            if key in table:
                found[env_name] = str(table[key])
                break
    return found


def _raw(environ: Mapping[str, str] | None) -> dict[str, str]:
    """The settings as given: `environ` alone when passed; else the secrets file, overridden by os.environ."""
    if environ is not None:
        return {name: environ.get(name, "") for name in ENV_KEYS.values()}
    merged = _secrets_table()
    merged.update({name: os.environ[name] for name in ENV_KEYS.values() if os.environ.get(name)})
    return merged


def mail_configured(environ: Mapping[str, str] | None = None) -> bool:
    """Whether a mail account is named (a host). Without one nothing is sent and the drafts stay drafts."""
    return bool(_raw(environ).get(ENV_KEYS["host"], "").strip())


def smtp_settings(environ: Mapping[str, str] | None = None) -> SmtpSettings | None:
    """The mail account, or None when none is configured. UnusableInput names the setting that is wrong."""
    raw = {short: _raw(environ).get(env_name, "").strip() for short, env_name in ENV_KEYS.items()}
    if not raw["host"]:
        return None
    security = (raw["security"] or "starttls").lower()
    if security not in SECURITY_MODES:
        raise UnusableInput("MENTORSHIP_SMTP_SECURITY must be none, starttls or tls.")
    port = DEFAULT_PORTS[security]
    if raw["port"]:
        if not raw["port"].isdigit() or not 1 <= int(raw["port"]) <= 65535:
            raise UnusableInput("MENTORSHIP_SMTP_PORT must be a port number from 1 to 65535.")
        port = int(raw["port"])
    if not raw["mail_from"]:
        raise UnusableInput("MENTORSHIP_MAIL_FROM is missing: the address the program's mail comes from.")
    try:
        mail_from = check_email(raw["mail_from"])
    except ValueError:
        raise UnusableInput("MENTORSHIP_MAIL_FROM is not a valid email address.") from None
    if bool(raw["user"]) != bool(raw["password"]):
        missing = "MENTORSHIP_SMTP_PASSWORD" if raw["user"] else "MENTORSHIP_SMTP_USER"
        raise UnusableInput(f"{missing} is missing: a user and a password go together.")
    return SmtpSettings(
        host=raw["host"],
        port=port,
        security=security,
        mail_from=mail_from,
        user=raw["user"],
        password=_raw(environ).get(ENV_KEYS["password"], ""),  # as given: spaces may belong to it
    )


# The schedule: which kinds are on, how often, and the cap
SCHEDULED_KINDS = (
    "introduction",
    "invitation",
    "nudge",
    "reminder",
    "survey-start",
    "survey-mid",
    "survey-year",
    "annual-update",
)
SCHEDULE_KEY = "outbox"


@dataclass(frozen=True)
class OutboxSchedule:
    """Everything starts off, so connecting a mail account sends nothing by itself; a registration
    confirmation goes whenever mail is configured, since the registrant asked for it."""

    introduction: bool = False
    invitation: bool = False
    nudge: bool = False
    reminder: bool = False
    survey_start: bool = False  # the kinds survey-start, survey-mid, survey-year (see mentorship.surveys)
    survey_mid: bool = False
    survey_year: bool = False
    annual_update: bool = False  # "Where are you now?", once a year to every mentee (see mentorship.annual)
    invitation_every_days: int = 30
    nudge_every_days: int = 14
    reminder_every_days: int = 7
    annual_update_on: str = "06-01"  # MM-DD: the yearly update goes out on or after this day of the year
    introduction_since: str = ""  # ISO date introductions were turned on: older pairs are not introduced
    per_minute: int = 20
    leader_name: str = ""
    program_contact: str = ""

    def every_days(self, kind: str) -> int | None:
        return getattr(self, f"{kind}_every_days", None)

    def enabled(self, kind: str) -> bool:
        return bool(getattr(self, kind.replace("-", "_"), False))


EVERY_DAYS_RANGE = (1, 365)
PER_MINUTE_RANGE = (1, 10_000)


def schedule(session: Session) -> OutboxSchedule:
    row = session.get(Setting, SCHEDULE_KEY)
    default = OutboxSchedule()
    if row is None:
        return default
    try:
        stored = json.loads(row.value)
    except json.JSONDecodeError:
        return default
    known = {f.name for f in fields(OutboxSchedule)}
    return replace(default, **{k: v for k, v in stored.items() if k in known})


def save_schedule(session: Session, value: OutboxSchedule) -> None:
    """Store the schedule in the caller's transaction; callers check the role and audit."""
    row = session.get(Setting, SCHEDULE_KEY) or Setting(key=SCHEDULE_KEY, value="{}")
    row.value = json.dumps(asdict(value))
    row.updated_at = utcnow()
    session.add(row)


def switched(
    current: OutboxSchedule, kind: str, on: bool, every_days: int | None, today: date
) -> OutboxSchedule:
    """The schedule with one kind turned on or off (and its rhythm); UnusableInput for a bad one."""
    if kind not in SCHEDULED_KINDS:
        raise UnusableInput(f"The kind must be one of: {', '.join(SCHEDULED_KINDS)}.")
    changes: dict = {kind.replace("-", "_"): on}
    if every_days is not None:
        if current.every_days(kind) is None:
            once = {
                "introduction": "Introductions go once per pair",
                "annual-update": "The yearly update goes once a year",
            }.get(kind, "Surveys go once per moment")
            raise UnusableInput(f"{once}; --every does not apply to {kind}.")
        low, high = EVERY_DAYS_RANGE
        if not low <= every_days <= high:
            raise UnusableInput(f"The rhythm must be a whole number of days from {low} to {high}.")
        changes[f"{kind}_every_days"] = every_days
    if kind == "introduction" and on and not current.introduction:
        changes["introduction_since"] = today.isoformat()
    return replace(current, **changes)


def annual_day(text: str) -> tuple[int, int]:
    """The yearly update's day of the year from "MM-DD" (month, day); UnusableInput in one sentence for a
    day that is not in every year (the 29th of February) or not a day at all."""
    try:
        month, day = (int(part) for part in text.strip().split("-"))
        date(2001, month, day)  # a year with no 29th of February
    except ValueError:
        raise UnusableInput(
            "The yearly update's day must be a month and a day that every year has, as MM-DD (06-01)."
        ) from None
    return month, day
