"""A real SMTP server for the e-mail tests: aiosmtpd's `Controller` on 127.0.0.1, a free port,
keeping every message it accepts (parsed with the standard library's `email`).

    def test_x(mail):                 # the server runs; OUTREACH_SMTP_* point at it
        ...
        assert mail.to("rina@perpustakaan.test")[0]["Subject"] == "…"
"""

from __future__ import annotations

import socket
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

SMTP_USER = "outreach-relay"
SMTP_PASSWORD = "smtp-sandi-rahasia-7731"


class Inbox:
    """What the server accepted, and switches to make it refuse."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse_rcpt: set[str] = set()
        self.auth_attempts: list[tuple[str, str]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse_rcpt:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = message_from_bytes(envelope.original_content or envelope.content,
                                     policy=policy.default)
        self.messages.append(message)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def authenticate(self, server, session, envelope, mechanism, auth_data):  # noqa: ANN001
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            self.auth_attempts.append((user, password))
            ok = user == SMTP_USER and password == SMTP_PASSWORD
            return AuthResult(success=ok, handled=False)
        return AuthResult(success=False, handled=False)

    # -- reading ------------------------------------------------------------------------------
    def to(self, address: str) -> list[EmailMessage]:
        return [m for m, (_f, rcpts) in zip(self.messages, self.envelopes, strict=True)
                if address in rcpts]

    def body(self, message: EmailMessage) -> str:
        return message.get_body(("plain",)).get_content()

    def clear(self) -> None:
        self.messages.clear()
        self.envelopes.clear()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """Stopped and started again on the same port (a mail server that was down comes back);
    a Controller runs once, so each start makes a new one."""

    def __init__(self, *, auth: bool = False) -> None:
        self.inbox = Inbox()
        self.port = free_port()
        self.kwargs = {}
        if auth:
            self.kwargs = {"authenticator": self.inbox.authenticate, "auth_require_tls": False,
                           "auth_required": True}
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port,
                                     **self.kwargs)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def wait_for(predicate, timeout: float = 5.0) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
