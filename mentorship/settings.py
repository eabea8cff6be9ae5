"""Program settings kept in the store (thresholds, weights), with their defaults."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace

from sqlmodel import Session, select

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
