"""Session secret, CSRF tokens and the login rate limit.

Sessions are signed cookies (Starlette's SessionMiddleware): HttpOnly, SameSite=Lax, Secure when the
service is reached over https. The CSRF token lives in the session and must come back with every
request that changes something (form field `csrf_token` or header `X-CSRF-Token`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import deque

from outreach.config import Settings

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
    """At most `attempts` failed logins per `window` seconds for one address and for one e-mail.

    In memory, per process: enough to stop guessing through one service; a network of libraries
    behind several web processes multiplies the allowance by the number of processes.
    """

    def __init__(self, attempts: int = 5, window: float = 900.0) -> None:
        self.attempts = attempts
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, client: str, email: str) -> tuple[str, str]:
        return f"ip:{client}", f"email:{email.strip().lower()}"

    def retry_after(self, client: str, email: str) -> int:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key in self._keys(client, email):
                q = self._failures.get(key)
                if not q:
                    continue
                while q and now - q[0] > self.window:
                    q.popleft()
                if len(q) >= self.attempts:
                    wait = max(wait, self.window - (now - q[0]))
        return int(wait) + (1 if wait else 0)

    def failed(self, client: str, email: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key in self._keys(client, email):
                self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, client: str, email: str) -> None:
        with self._lock:
            for key in self._keys(client, email):
                self._failures.pop(key, None)
