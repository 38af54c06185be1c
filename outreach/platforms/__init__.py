"""Platforms: the explicit registry, and the one place that knows how an account gets its client.

Platform names are a contract (docs/architecture.md, "Contracts"): `x`, `facebook`, `instagram`.
"""

from __future__ import annotations

import importlib

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.crypto import decrypt_credentials
from outreach.models import Account, utcnow
from outreach.platforms import tokens
from outreach.platforms.base import (
    ErrorKind,
    Limits,
    MediaURL,
    Platform,
    Published,
    PublishError,
)

__all__ = [
    "BACKENDS",
    "PLATFORMS",
    "ErrorKind",
    "Limits",
    "Platform",
    "PublishError",
    "Published",
    "client_for",
    "platform_class",
    "sync_env_accounts",
]

# name -> "module:Class"; None: the platform arrives with a later release.
PLATFORMS: dict[str, str | None] = {
    "x": "outreach.platforms.x:XPlatform",
    "facebook": "outreach.platforms.facebook:FacebookPlatform",
    "instagram": "outreach.platforms.instagram:InstagramPlatform",
}


# Other ways of reaching a platform than its official API: platform -> {Account.backend:
# "module:Class"}. The platform's name stays the same everywhere (CLI, JSON, URLs); only the
# account's `backend` column chooses the class. Modules are imported only when used, so an
# optional client library (instagrapi) that is not installed breaks nothing else.
BACKENDS: dict[str, dict[str, str]] = {
    "instagram": {"private": "outreach.platforms.instagram_private:InstagramPrivatePlatform"},
}


class UnknownPlatform(KeyError):
    pass


def platform_class(name: str, backend: str | None = None) -> type[Platform]:
    if name not in PLATFORMS:
        raise UnknownPlatform(f"Unknown platform {name!r}: use one of {', '.join(PLATFORMS)}.")
    path = PLATFORMS[name]
    if backend:
        others = BACKENDS.get(name, {})
        if backend not in others:
            known = ", ".join(others) or "none besides its official API"
            raise UnknownPlatform(f"Unknown way of reaching {name}: {backend!r} (known: {known}).")
        path = others[backend]
    if path is None:
        raise NotImplementedError(f"Publishing on {name} is not available in this version yet.")
    module, _, cls = path.partition(":")
    return getattr(importlib.import_module(module), cls)


def available_platforms() -> list[str]:
    return [name for name, path in PLATFORMS.items() if path is not None]


def platform_classes() -> list[type[Platform]]:
    """Every platform class: the official API of each platform, then the other backends."""
    found = [platform_class(name) for name in available_platforms()]
    for name, others in BACKENDS.items():
        if PLATFORMS.get(name) is not None:
            found.extend(platform_class(name, backend) for backend in others)
    return found


def credentials_for(account: Account, settings: Settings) -> dict[str, str]:
    if account.source == "env":
        found = platform_class(account.platform, account.backend).env_account(settings)
        return found[2] if found else {}
    if not account.credentials_encrypted:
        return {}
    return decrypt_credentials(settings, account.credentials_encrypted)


def client_for(account: Account, settings: Settings, *,
               media_url: MediaURL | None = None) -> Platform:
    """The platform client of an account. `media_url` turns a media file path into the public
    URL a platform fetches it from (Instagram); without it such platforms refuse images."""
    cls = platform_class(account.platform, account.backend)
    if tokens.needs_care(account):  # signed in: renewed before its access ends (tokens.py)
        credentials = tokens.fresh_credentials(account, settings, cls)
    else:
        credentials = credentials_for(account, settings)
    return cls(account, credentials, settings, media_url=media_url)


def sync_env_accounts(session: Session, settings: Settings) -> list[Account]:
    """Make sure every account defined by OUTREACH_* variables has its row (no secrets stored)."""
    accounts = []
    for cls in platform_classes():
        name = cls.name
        found = cls.env_account(settings)
        if not found:
            continue
        external_id, display, _creds = found
        account = session.exec(
            select(Account).where(Account.platform == name, Account.external_id == external_id)
        ).first()
        if account is None:
            account = Account(platform=name, external_id=external_id, name=display, source="env",
                              backend=cls.backend)
            session.add(account)
        elif account.source == "env" and account.name != display:
            account.name = display
            account.updated_at = utcnow()
        accounts.append(account)
    session.flush()
    return accounts
