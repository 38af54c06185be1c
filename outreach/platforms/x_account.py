"""Connecting an X account: the four OAuth 1.0a values a person copies from the developer portal,
and the check that X accepts them (`GET /2/users/me`) before they are stored."""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests
import tweepy

from outreach.platforms.base import CredentialField, ErrorKind, Identity, PublishError

if TYPE_CHECKING:
    from outreach.platforms.x import XPlatform

_PORTAL = ("Dari portal pengembang X: Projects & Apps → aplikasi Anda → Keys and tokens. "
           "Aplikasi perlu izin Read and Write.")
FIELDS = (
    CredentialField("consumer_key", "API Key (consumer key)", help=_PORTAL),
    CredentialField("consumer_secret", "API Key Secret (consumer secret)"),
    CredentialField("access_token", "Access Token",
                    help="Dibuat untuk akun perpustakaan, dengan izin Read and Write."),
    CredentialField("access_token_secret", "Access Token Secret"),
)


def verify(x: XPlatform) -> Identity:
    """Who the access token belongs to (`GET /2/users/me`, user context)."""
    try:
        body = x.client.get_me(user_auth=True)
    except (tweepy.TweepyException, requests.RequestException) as exc:
        error = x._error(exc, publishing=False)
        if error.status == 401:  # the general message says "reconnect": here it is a first try
            raise PublishError(
                ErrorKind.auth_expired,
                "X did not accept these keys and tokens (401 Unauthorized): check that all four "
                "were copied completely and belong to the same app.", status=401) from None
        raise error from None
    data = body.get("data") or {}
    if not data.get("id"):
        raise PublishError(ErrorKind.transient, "X answered without saying whose account it is.")
    handle = data.get("username")
    return Identity(external_id=str(data["id"]),
                    name=f"@{handle}" if handle else str(data.get("name") or data["id"]))
