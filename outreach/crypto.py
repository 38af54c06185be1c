"""Credentials at rest: Fernet (AES-128-CBC + HMAC) keyed from OUTREACH_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken

from outreach.config import Settings
from outreach.errors import OutreachError


class SecretKeyError(OutreachError):
    """OUTREACH_SECRET_KEY is missing or does not open what was stored with another key."""


def _fernet(settings: Settings) -> Fernet:
    if settings.secret_key is None or not settings.secret_key.get_secret_value():
        raise SecretKeyError(
            "OUTREACH_SECRET_KEY is not set: it is needed to store platform credentials "
            "encrypted. Generate one with: "
            "python -c \"import secrets; print(secrets.token_urlsafe(32))\""
        )
    digest = hashlib.sha256(settings.secret_key.get_secret_value().encode("utf-8")).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt_credentials(settings: Settings, credentials: dict[str, str]) -> str:
    return _fernet(settings).encrypt(json.dumps(credentials).encode("utf-8")).decode("ascii")


def decrypt_credentials(settings: Settings, token: str) -> dict[str, str]:
    try:
        return json.loads(_fernet(settings).decrypt(token.encode("ascii")))
    except InvalidToken:
        raise SecretKeyError(
            "Stored credentials cannot be opened with the current OUTREACH_SECRET_KEY "
            "(was the key changed?). Reconnect the account."
        ) from None
