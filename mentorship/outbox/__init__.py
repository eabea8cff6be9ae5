"""Messages to participants: the mail account, templates, the outbox table, planning and sending.

Every message is a row before it is sent; planning queues what is due (a unique dedupe key per kind,
pair and period, so it queues once however often it runs), and sending claims rows before it connects.
"""

from mentorship.outbox.config import (
    SCHEDULED_KINDS,
    OutboxSchedule,
    SmtpSettings,
    mail_configured,
    schedule,
    smtp_settings,
)
from mentorship.outbox.store import opted_out, queue_message
from mentorship.outbox.templates import DEFAULTS, KIND_LABELS, KINDS, PLACEHOLDERS, render

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
