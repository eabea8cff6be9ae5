"""The program's clock: the one place a page run or a CLI command reads the date and time.

Each page run (`ui.page_setup`) and each command (`cli.main`) reads it once and passes `today` (or `now`)
to every read and write it makes; the services and the pure modules never read a clock themselves, so a
page or a command sees one day throughout, and a test pins the day by pinning this.

Instants are stored and compared in UTC; a day is the program's own (MENTORSHIP_TIMEZONE,
`settings.program_zone`): `today` is the date in that zone now, and `day_of` / `days_of` give the day an
instant fell on there. A test pins an instant (`now`) and today follows it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from mentorship.models import utcnow
from mentorship.settings import program_zone


def zone() -> ZoneInfo:
    """The program's zone (UnusableInput, naming MENTORSHIP_TIMEZONE, when it is not one)."""
    return program_zone()


def now() -> datetime:
    """An aware UTC datetime."""
    return utcnow()


def today() -> date:
    """The date in the program's zone at `now()`."""
    return day_of(now())


def local(instant: datetime) -> datetime:
    """`instant` in the program's zone (a naive one is read as UTC, as the store keeps them)."""
    return (instant if instant.tzinfo else instant.replace(tzinfo=UTC)).astimezone(zone())


def day_of(instant: datetime) -> date:
    """The program's day `instant` fell on."""
    return local(instant).date()


def days_of(stamps: pd.Series) -> pd.Series:
    """`day_of` over a column of instants (datetimes, or the driver's ISO text; naive ones are UTC): each
    as midnight of its day, a naive Timestamp; missing stay NaT."""
    utc = pd.to_datetime(stamps, utc=True, format="ISO8601")
    return utc.dt.tz_convert(zone()).dt.tz_localize(None).dt.normalize()


def day_start(day: date) -> datetime:
    """The UTC instant the program's `day` begins (its days may be 23 or 25 hours long)."""
    return datetime.combine(day, time(), tzinfo=zone()).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The UTC instant the program's `day` ends: the start of the next (exclusive)."""
    return day_start(day + timedelta(days=1))
