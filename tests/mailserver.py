"""A real SMTP server for the tests: aiosmtpd on a free localhost port, with faults on request."""

from __future__ import annotations

import asyncio
import email
import email.policy
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller

from devtools.servers import free_port

DROP = "drop the connection"


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    message: email.message.EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def body(self) -> str:
        return self.message.get_content()


@dataclass
class MailHandler:
    """Accepts everything unless told otherwise: `refuse` recipients get 550; `data_replies` are answered to
    the next DATA commands in turn ("451 ..." for a temporary refusal, DROP to hang up mid-message).
    `hold()` makes the next DATA wait (its sender stalls mid-message) until `release()`; other connections
    go on meanwhile."""

    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    data_replies: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    held: threading.Event | None = None  # the next DATA waits for this
    holding: threading.Event = field(default_factory=threading.Event)  # set once a DATA is waiting
    gate: threading.Event = field(default_factory=threading.Event)

    def hold(self) -> None:
        self.gate, self.holding = threading.Event(), threading.Event()
        self.held = self.gate

    def release(self) -> None:
        self.gate.set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            reply = self.data_replies.pop(0) if self.data_replies else None
            held, self.held = self.held, None
        if held is not None:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, held.wait)
        if reply == DROP:
            server.transport.close()
            return "421 closing"
        if reply:
            return reply
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@dataclass
class MailServer:
    host: str
    port: int
    handler: MailHandler

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def environ(self, **extra: str) -> dict[str, str]:
        """The MENTORSHIP_SMTP_* settings that point at this server (plain SMTP, no sign-in)."""
        return {
            "MENTORSHIP_SMTP_HOST": self.host,
            "MENTORSHIP_SMTP_PORT": str(self.port),
            "MENTORSHIP_SMTP_SECURITY": "none",
            "MENTORSHIP_MAIL_FROM": "mentorship@program.example.org",
            **extra,
        }


def start_mail_server() -> tuple[Controller, MailServer]:
    handler = MailHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, MailServer("127.0.0.1", port, handler)
