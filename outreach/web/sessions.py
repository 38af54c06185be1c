"""Web sessions recorded on the server (`WebSession`): the signed cookie carries a random token
and the user's fingerprint, the database the token's hash and when it was last used.

A session ends when its row is gone: signing out deletes it, "keluar dari semua perangkat" and a
new password delete all of the user's, and one unused for OUTREACH_SESSION_IDLE_HOURS is
refused and deleted. A cookie copied before any of these no longer signs anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session

from outreach.desk.users import end_sessions, session_fingerprint
from outreach.models import User, WebSession, utcnow

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often per session


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(db: Session, cookie: dict[str, Any], user: User, idle: timedelta) -> None:
    """Record a new session for `user` in the (already cleared) cookie; old idle rows go."""
    now = utcnow()
    db.execute(delete(WebSession).where(WebSession.last_seen_at < now - idle))
    token = secrets.token_urlsafe(32)
    db.add(WebSession(id=_key(token), user_id=user.id, created_at=now, last_seen_at=now))
    cookie["sid"] = token
    cookie["uid"] = user.id
    cookie["fp"] = session_fingerprint(user)


def current_user(db: Session, cookie: dict[str, Any], idle: timedelta) -> User | None:
    """The user the cookie signs in, while its session lives; None (cookie cleared) otherwise."""
    uid, token = cookie.get("uid"), cookie.get("sid")
    if uid is None:
        return None
    found = db.get(WebSession, _key(token)) if isinstance(token, str) else None
    now = utcnow()
    if found is None or found.user_id != uid or found.last_seen_at < now - idle:
        if found is not None:
            db.delete(found)
            db.commit()
        _forget(cookie)
        return None
    if now - found.last_seen_at > TOUCH_EVERY:
        found.last_seen_at = now
        db.add(found)
        db.commit()
    user = db.get(User, uid)
    if user is None or not user.active or cookie.get("fp") != session_fingerprint(user):
        _forget(cookie)
        return None
    return user


def end(db: Session, cookie: dict[str, Any]) -> None:
    """Sign this browser out: its session row goes, and the cookie is emptied."""
    token = cookie.get("sid")
    if isinstance(token, str):
        db.execute(delete(WebSession).where(WebSession.id == _key(token)))
        db.commit()
    cookie.clear()


def end_everywhere(db: Session, user: User) -> int:
    count = end_sessions(db, user.id)
    db.commit()
    return count


def _forget(cookie: dict[str, Any]) -> None:
    for key in ("uid", "fp", "sid"):
        cookie.pop(key, None)
