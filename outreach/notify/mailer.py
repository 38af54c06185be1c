"""One e-mail through the configured SMTP server, with `smtplib` and `email.message`.

Errors come back as `MailError` with a message fit for the outbox and the logs: the server's
answer or the network failure, never the SMTP password (smtplib does not put it in its
exceptions, and `scrub` removes it should a server echo it).
"""

from __future__ import annotations

import smtplib
import ssl
from email import policy
from email.message import EmailMessage
from email.utils import formatdate

from outreach.config import Settings
from outreach.errors import OutreachError

# Headers folded at 78 characters come back with a doubled space where an encoded word (any
# non-ASCII, such as "–" or a name) meets the fold; lines up to SMTP's 998 avoid the fold.
POLICY = policy.SMTP.clone(max_line_length=998)


class MailError(OutreachError):
    """The mail was not handed to the server. `permanent`: trying again will not help (the
    server refused the recipient or the message itself)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def scrub(text: str, settings: Settings) -> str:
    secret = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
    return text.replace(secret, "••••") if secret else text


def build_message(settings: Settings, *, to: str, subject: str, body: str,
                  message_id: str) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["From"] = settings.mail_from or ""
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    # Machine-made mail: auto-responders should not answer it (RFC 3834).
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body)  # UTF-8, quoted-printable or base64 as the text needs
    return message


def _connect(settings: Settings) -> smtplib.SMTP:
    host, port = settings.smtp_host or "", settings.smtp_port
    timeout = settings.smtp_timeout_seconds
    context = ssl.create_default_context()  # the server's certificate and name are checked
    if settings.smtp_ssl:
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    client = smtplib.SMTP(host, port, timeout=timeout)
    if settings.smtp_starttls:
        client.starttls(context=context)
    return client


def send(settings: Settings, message: EmailMessage) -> None:
    """Hand one message to the server; MailError when it was not accepted."""
    if not settings.mail_enabled:
        raise MailError("e-mail is off (OUTREACH_SMTP_HOST is not set)", permanent=True)
    try:
        with _connect(settings) as client:
            if settings.smtp_username:
                password = settings.smtp_password.get_secret_value() if settings.smtp_password \
                    else ""
                client.login(settings.smtp_username, password)
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        # Not permanent: once an admin corrects the user name or password, the queue goes out.
        raise MailError(scrub(f"the mail server refused the sign-in: {exc.smtp_code} "
                              f"{_text(exc.smtp_error)}", settings)) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = "; ".join(f"{to}: {code} {_text(msg)}" for to, (code, msg)
                          in exc.recipients.items())
        raise MailError(scrub(f"the mail server refused the recipient: {codes}", settings),
                        permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(scrub(f"the mail server answered {exc.smtp_code} "
                              f"{_text(exc.smtp_error)}", settings),
                        permanent=500 <= exc.smtp_code < 600 and exc.smtp_code != 530) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(scrub(f"the mail server {settings.smtp_host}:{settings.smtp_port} "
                              f"could not be reached: {type(exc).__name__}: {exc}",
                              settings)) from None


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
