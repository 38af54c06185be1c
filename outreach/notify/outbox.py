"""The outbox: mail waits in `OutboxMail` and is sent with retries.

Queuing is part of the caller's transaction (a notification is queued with the facts it tells,
a reset link with its token), and sending happens later, outside any page or publishing work:
a mail server that is down or slow delays mail, nothing else. Each row is claimed with a short
lease before it is sent, so the clock and a web process never send the same mail twice at the
same moment. A passing failure waits 1, 2, 4 … minutes (at most 6 hours) and gives up after
MAX_ATTEMPTS; a permanent one (recipient refused) stops at once. Either way `last_error` says why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import or_, update
from sqlmodel import Session, select

from outreach.config import Settings
from outreach.crypto import SecretKeyError, decrypt_credentials, encrypt_credentials
from outreach.models import OutboxMail, utcnow
from outreach.notify.mailer import MailError, build_message, send

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)
CLAIM = timedelta(minutes=2)  # longer than a send with the longest timeout
SECRET_MARK = "{secret}"  # where a reset link's token goes in the body, at sending time


def enqueue(session: Session, settings: Settings, *, kind: str, to: str, subject: str,
            body: str, user_id: int | None = None, secret: str | None = None,
            now: datetime | None = None) -> OutboxMail:
    """Queue one mail (added to the session; the caller commits). `secret` replaces
    SECRET_MARK in the body when the mail is sent and is kept encrypted until then."""
    domain = (settings.mail_from or "outreach.invalid").rpartition("@")[2].strip("> ")
    row = OutboxMail(kind=kind, to_addr=to, subject=subject, body=body, user_id=user_id,
                     message_id=make_msgid(domain=domain or None),
                     secret_encrypted=encrypt_credentials(settings, {"s": secret})
                     if secret else None, next_attempt_at=now or utcnow())
    session.add(row)
    session.flush()
    return row


@dataclass
class SendResult:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # given up
    errors: list[str] = field(default_factory=list)

    def merge(self, other: SendResult) -> None:
        for name in ("sent", "retrying", "failed", "errors"):
            getattr(self, name).extend(getattr(other, name))


def _claim(session: Session, row_id: int, now: datetime) -> bool:
    taken = session.execute(
        update(OutboxMail)
        .where(OutboxMail.id == row_id, OutboxMail.status == "pending",
               or_(OutboxMail.lease_until.is_(None), OutboxMail.lease_until < now))
        .values(lease_until=now + CLAIM))
    session.commit()
    return taken.rowcount == 1


def backoff(attempts: int) -> timedelta:
    return min(LONGEST_WAIT, FIRST_WAIT * (2 ** max(0, attempts - 1)))


def send_one(session: Session, settings: Settings, row: OutboxMail,
             now: datetime | None = None) -> str:
    """Send a claimed row; returns its new status. The body's secret (if any) is put in only
    here, and erased from the row once the server has the mail."""
    now = now or utcnow()
    row.attempts += 1
    try:
        body = row.body
        if row.secret_encrypted:
            body = body.replace(SECRET_MARK, decrypt_credentials(settings,
                                                                 row.secret_encrypted)["s"])
        send(settings, build_message(settings, to=row.to_addr, subject=row.subject, body=body,
                                     message_id=row.message_id))
    except (MailError, SecretKeyError) as exc:
        permanent = getattr(exc, "permanent", True)
        row.last_error = str(exc)
        if permanent or row.attempts >= MAX_ATTEMPTS:
            row.status, row.secret_encrypted = "failed", None
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        log.warning("mail %s (%s) not sent, attempt %d: %s", row.id, row.kind, row.attempts,
                    row.last_error)
    else:
        row.status, row.sent_at, row.last_error, row.secret_encrypted = "sent", now, None, None
    row.lease_until = None
    session.add(row)
    session.commit()
    return row.status


def send_due(session: Session, settings: Settings, *, now: datetime | None = None,
             ids: list[int] | None = None, limit: int = 200) -> SendResult:
    """Send the mail that is due (or only `ids`, due or not: a reset link goes out at once)."""
    result = SendResult()
    if not settings.mail_enabled:
        return result
    now = now or utcnow()
    query = select(OutboxMail.id).where(OutboxMail.status == "pending")
    if ids is not None:
        query = query.where(OutboxMail.id.in_(ids))
    else:
        query = query.where(OutboxMail.next_attempt_at <= now)
    for row_id in session.exec(query.order_by(OutboxMail.id).limit(limit)).all():
        if not _claim(session, row_id, now):
            continue  # another process is sending it
        row = session.get(OutboxMail, row_id)
        session.refresh(row)
        status = send_one(session, settings, row, now)
        {"sent": result.sent, "failed": result.failed}.get(status, result.retrying).append(row_id)
        if status != "sent":
            result.errors.append(f"mail {row_id} to {row.to_addr}: {row.last_error}")
        if status == "pending":
            break  # the server is down or refusing for now: the rest waits for the next pass
    return result
