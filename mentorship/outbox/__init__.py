"""Messages to participants: the mail account, templates, the outbox table, planning and sending.

Every message is a row before it is sent; planning queues what is due (a unique dedupe key per kind,
pair and period, so it queues once however often it runs), and sending claims rows before it connects.
The templates (and Jinja2) load on first use, so the command line starts without them.
"""

from importlib import import_module

from mentorship.outbox.config import (
    SCHEDULED_KINDS,
    OutboxSchedule,
    SmtpSettings,
    mail_configured,
    schedule,
    smtp_settings,
)
from mentorship.outbox.store import opted_out, queue_message

_LAZY = dict.fromkeys(
    ("DEFAULTS", "KINDS", "KIND_LABELS", "PLACEHOLDERS", "render"), "mentorship.outbox.templates"
)


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULTS",
    "KINDS",
    "KIND_LABELS",
    "PLACEHOLDERS",
    "SCHEDULED_KINDS",
    "OutboxSchedule",
    "SmtpSettings",
    "mail_configured",
    "opted_out",
    "queue_message",
    "render",
    "schedule",
    "smtp_settings",
]
