"""Kinds of notification, who may get each, each person's choices and language.

A kind goes only to the roles it names (an account to reconnect is an admin's job); within those,
each person switches it on or off on their Notifikasi page, and without a choice the role's
default holds. Mail is in the person's chosen language, else the site's (OUTREACH_LOCALE).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.models import NotificationPreference, User, utcnow

LANGUAGES = ("id", "en")


@dataclass(frozen=True)
class Kind:
    name: str
    roles: tuple[str, ...]  # who may get it
    default_for: tuple[str, ...]  # who gets it without a choice of their own


KINDS = (
    Kind("accounts", ("admin",), ("admin",)),
    # Failed or missed posts: one's own (as author) for everyone; every post for the desk staff.
    Kind("failed_mine", ("staff", "manager", "admin"), ("staff", "manager", "admin")),
    Kind("failed_all", ("staff", "manager", "admin"), ("staff",)),
    Kind("approvals", ("manager", "admin"), ("manager", "admin")),
    Kind("weekly", ("manager", "admin"), ("manager",)),
)
BY_NAME = {k.name: k for k in KINDS}


def preferences(session: Session, users: list[User]) -> dict[int, NotificationPreference]:
    ids = [u.id for u in users if u.id is not None]
    if not ids:
        return {}
    rows = session.exec(select(NotificationPreference)
                        .where(NotificationPreference.user_id.in_(ids))).all()
    return {r.user_id: r for r in rows}


def available(user: User) -> list[Kind]:
    return [k for k in KINDS if user.role in k.roles]


def wants(user: User, kind: str, pref: NotificationPreference | None) -> bool:
    found = BY_NAME[kind]
    if not user.active or user.role not in found.roles:
        return False
    chosen = (pref.kinds or {}).get(kind) if pref is not None else None
    return bool(chosen) if chosen is not None else user.role in found.default_for


def language(pref: NotificationPreference | None, settings: Settings) -> str:
    if pref is not None and pref.language in LANGUAGES:
        return pref.language
    return "en" if settings.locale.startswith("en") else "id"


def save(session: Session, user: User, kinds: dict[str, bool], lang: str | None) -> None:
    """Store a person's choices (only the kinds their role may get)."""
    pref = session.get(NotificationPreference, user.id) or NotificationPreference(user_id=user.id)
    pref.kinds = {k.name: bool(kinds.get(k.name)) for k in available(user)}
    pref.language = lang if lang in LANGUAGES else None
    pref.updated_at = utcnow()
    session.add(pref)
