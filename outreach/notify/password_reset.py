""""Lupa kata sandi": a single-use link, valid for an hour, sent by e-mail.

Only the SHA-256 of a link's token is stored (`PasswordReset`); the token itself travels in the
mail (encrypted in the outbox until sent, notify/outbox.py). Asking for a link answers the same
whether or not the address has an account; a new link makes the earlier ones useless, and
setting a new password spends the link and ends the person's other sessions (the session
fingerprint changes with the password hash, desk/users.py).

A link is only ever built on OUTREACH_PUBLIC_BASE_URL, never on the address a request came
with: a forged Host header must not send someone's token to another site.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, select

from outreach.audit import audit
from outreach.config import Settings
from outreach.desk.users import find_user, set_password
from outreach.models import OutboxMail, PasswordReset, User, utcnow

VALID_FOR = timedelta(hours=1)
PATH = "/password/reset/"


def available(settings: Settings) -> bool:
    """E-mail, a public address for the link, and a key to keep the token encrypted in the
    outbox: without all three, only an admin can set a new password."""
    return bool(settings.mail_enabled and settings.public_base_url and settings.secret_key
                and settings.secret_key.get_secret_value())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def request_reset(session: Session, settings: Settings, email: str, lang: str,
                  now: datetime | None = None) -> OutboxMail | None:
    """Queue a reset mail when `email` belongs to an active user (committed); None otherwise.
    The caller answers the same either way."""
    from outreach.notify.outbox import SECRET_MARK, enqueue
    from outreach.notify.texts import render

    now = now or utcnow()
    user = find_user(session, email or "")
    if user is None or not user.active or not available(settings):
        return None
    _spend_all(session, user.id, now)
    token = secrets.token_urlsafe(32)
    session.add(PasswordReset(user_id=user.id, token_hash=token_hash(token), created_at=now,
                              expires_at=now + VALID_FOR))
    link = f"{settings.public_base_url}{PATH}{SECRET_MARK}"
    subject, body = render("reset", lang, settings, name=user.name or user.email, link=link,
                           minutes=int(VALID_FOR.total_seconds() // 60))
    row = enqueue(session, settings, kind="reset", to=user.email, subject=subject, body=body,
                  user_id=user.id, secret=token, now=now)
    audit(session, "system", "user.password_reset_requested", "user", user.id, user_id=user.id)
    session.commit()
    return row


def _spend_all(session: Session, user_id: int, now: datetime) -> None:
    session.execute(update(PasswordReset).where(PasswordReset.user_id == user_id,
                                                PasswordReset.used_at.is_(None))
                    .values(used_at=now))


def valid_reset(session: Session, token: str, now: datetime | None = None) -> User | None:
    """The active user this unused, unexpired link is for; None for any other token."""
    now = now or utcnow()
    if not token or len(token) > 200:
        return None
    digest = token_hash(token)
    row = session.exec(select(PasswordReset).where(PasswordReset.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    if row.used_at is not None or row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    return user if user is not None and user.active else None


def reset_password(session: Session, token: str, password: str,
                   now: datetime | None = None) -> User | None:
    """Set the new password and spend the link (and every other open link of that person), in
    one commit; None when the link is not valid. The password rules raise UserError."""
    now = now or utcnow()
    user = valid_reset(session, token, now)
    if user is None:
        return None
    set_password(session, user, password)  # raises UserError for a password too short
    spent = session.execute(update(PasswordReset).where(
        PasswordReset.token_hash == token_hash(token), PasswordReset.used_at.is_(None))
        .values(used_at=now))
    if spent.rowcount != 1:  # used at this very moment by another request
        session.rollback()
        return None
    _spend_all(session, user.id, now)
    audit(session, user.email, "user.password_reset", "user", user.id, user_id=user.id)
    session.commit()
    return user
