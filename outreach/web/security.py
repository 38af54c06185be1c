"""Session secret, CSRF tokens and the login rate limit.

Sessions are signed cookies (Starlette's SessionMiddleware): HttpOnly, SameSite=Lax, Secure when the
service is reached over https. The CSRF token lives in the session and must come back with every
request that changes something (form field `csrf_token` or header `X-CSRF-Token`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
from datetime import timedelta

from sqlalchemy import delete
from sqlmodel import Session, select

from outreach.config import Settings
from outreach.models import LoginFailure, utcnow

log = logging.getLogger(__name__)

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def session_secret(settings: Settings) -> str:
    """A key for signing session cookies, derived from OUTREACH_SECRET_KEY (never the key itself,
    so a leaked cookie signature says nothing about the credential key)."""
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        log.warning("OUTREACH_SECRET_KEY is not set: web sessions use a temporary key and end "
                    "when the service restarts.")
        return secrets.token_urlsafe(32)
    key = settings.secret_key.get_secret_value().encode("utf-8")
    return hmac.new(key, b"outreach web session v1", hashlib.sha256).hexdigest()


def csrf_token(session: dict) -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict, presented: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and presented and hmac.compare_digest(expected, presented))


class LoginLimiter:
    """At most `attempts` failed sign-ins per `window` seconds for one address and for one
    e-mail, counted in the database (`LoginFailure`), so every web process of the service sees
    the same count. Addresses and e-mails are stored only as keyed hashes, and failures older
    than the window are removed as new ones come."""

    def __init__(self, secret: str, attempts: int = 5, window: float = 900.0) -> None:
        self.attempts = attempts
        self.window = timedelta(seconds=window)
        self._key = hmac.new(secret.encode("utf-8"), b"outreach login limit v1",
                             hashlib.sha256).digest()

    def _keys(self, client: str, email: str) -> list[str]:
        return [hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()
                for value in (f"ip:{client}", f"email:{email.strip().lower()}")]

    def retry_after(self, session: Session, client: str, email: str) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        now = utcnow()
        wait = 0.0
        for key in self._keys(client, email):
            recent = session.exec(
                select(LoginFailure.at).where(LoginFailure.key == key,
                                              LoginFailure.at > now - self.window)
                .order_by(LoginFailure.at.desc()).limit(self.attempts)).all()
            if len(recent) >= self.attempts:  # allowed again once the oldest of these is old
                wait = max(wait, (recent[-1] + self.window - now).total_seconds())
        return math.ceil(wait)

    def _pair(self, client: str, email: str) -> str:
        value = f"pair:{client}|{email.strip().lower()}"
        return hmac.new(self._key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def failed(self, session: Session, client: str, email: str) -> None:
        now = utcnow()
        pair = self._pair(client, email)
        session.execute(delete(LoginFailure).where(LoginFailure.at <= now - self.window))
        session.add_all(LoginFailure(key=key, at=now, pair=pair)
                        for key in self._keys(client, email))
        session.commit()

    def succeeded(self, session: Session, client: str, email: str) -> None:
        """Forget the failures this e-mail made from this address (committed with the sign-in);
        others' failures from the address, and this e-mail's from elsewhere, still count."""
        session.execute(delete(LoginFailure).where(
            LoginFailure.pair == self._pair(client, email)))
