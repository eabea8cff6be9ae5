"""The program's clock: the one place a page run or a CLI command reads the date and time.

Each page run (`ui.page_setup`) and each command (`cli.main`) reads it once and passes `today` (or `now`)
to every read and write it makes; the services and the pure modules never read a clock themselves, so a
page or a command sees one day throughout, and a test pins the day by pinning this.
"""

from __future__ import annotations

from datetime import date, datetime

from mentorship.models import utcnow


def today() -> date:
    return date.today()


def now() -> datetime:
    """An aware UTC datetime."""
    return utcnow()
