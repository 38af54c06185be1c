"""People who use the web UI: roles, argon2 password hashes, sign-in checks.

Shared by `outreach users add` and the admin pages so both enforce the same rules.
"""

from __future__ import annotations

import hashlib
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func
from sqlmodel import Session, select

from outreach.desk.error_words import SENTENCES
from outreach.errors import OutreachError
from outreach.models import Role, User, WebSession, utcnow

ROLES = tuple(r.value for r in Role)
_RANK = {"staff": 1, "manager": 2, "admin": 3}
MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_hasher = PasswordHasher()
# Verifying against this when the e-mail is unknown keeps the answer time the same, so the
# login form does not tell which addresses have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class UserError(OutreachError):
    """A user cannot be created or changed; the message says why."""

    sentences = SENTENCES


def role_at_least(role: str, needed: str) -> bool:
    return _RANK.get(role, 0) >= _RANK[needed]


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"The password needs at least {MIN_PASSWORD} characters.")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def session_fingerprint(user: User) -> str:
    """Changes when the password or role changes or the user is deactivated, so existing
    sessions end (stored in the signed session cookie)."""
    raw = f"{user.id}:{user.password_hash}:{user.role}:{user.active}".encode()
    return hashlib.sha256(raw).hexdigest()[:24]


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email) or len(email) > 254:
        raise UserError(f"'{email}' is not an e-mail address.")
    return email


def find_user(session: Session, email: str) -> User | None:
    return session.exec(select(User).where(User.email == email.strip().lower())).first()


def create_user(session: Session, email: str, role: str, password: str,
                name: str | None = None) -> User:
    email = normalise_email(email)
    if role not in ROLES:
        raise UserError(f"Unknown role '{role}': use one of {', '.join(ROLES)}.")
    check_password_rules(password)
    if find_user(session, email) is not None:
        raise UserError(f"A user with the e-mail {email} already exists.")
    user = User(email=email, role=role, name=name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, user: User, password: str) -> None:
    """A new password; every session of the user ends (a stolen cookie with it)."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    session.add(user)
    end_sessions(session, user.id)


def end_sessions(session: Session, user_id: int | None) -> int:
    """Sign the user out on every device (the web sessions recorded for them); how many."""
    result = session.execute(delete(WebSession).where(WebSession.user_id == user_id))
    return result.rowcount or 0


class LastAdminError(UserError):
    """The change would leave the service without an active admin."""


def change_user(session: Session, user: User, *, role: str | None = None,
                active: bool | None = None) -> dict[str, tuple]:
    """Change a user's role and/or whether they may sign in; returns {what: (before, after)}.
    Refuses to demote or deactivate the last active admin: nobody could manage users then."""
    new_role = user.role if role is None else role
    new_active = user.active if active is None else active
    if new_role not in ROLES:
        raise UserError(f"Unknown role '{new_role}': use one of {', '.join(ROLES)}.")
    if user.role == Role.admin and user.active and (new_role != Role.admin or not new_active):
        others = session.exec(select(func.count()).select_from(User).where(
            User.role == Role.admin, User.active, User.id != user.id)).one()
        if not others:
            raise LastAdminError(f"{user.email} is the last active admin; make someone else "
                                 "admin first.")
    changes = {}
    if new_role != user.role:
        changes["role"] = (user.role, new_role)
    if new_active != user.active:
        changes["active"] = (user.active, new_active)
    user.role, user.active = new_role, new_active
    session.add(user)
    if "active" in changes and not new_active:
        end_sessions(session, user.id)
    return changes


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same time either way)."""
    user = find_user(session, email or "")
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active or stored is _DUMMY_HASH:
        return None
    if _hasher.check_needs_rehash(stored):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    session.add(user)
    session.commit()
    return user
