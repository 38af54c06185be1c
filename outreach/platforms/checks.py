"""Live checks of an account beyond `verify()`, for `outreach accounts check` and the admin's
"Periksa" button: which permissions the token has, and whether an image URL opens the way a
platform that fetches images (Instagram) would open it.

No platform names here: a class declares `permissions_needed` and `fetches_media`; a Graph
account lists its token's permissions at `GET /me/permissions`
(https://developers.facebook.com/docs/graph-api/reference/user/permissions/).
"""

from __future__ import annotations

from dataclasses import dataclass

import requests

from outreach.platforms.base import Platform
from outreach.platforms.graph import GraphPlatform
from outreach.platforms.http import mask_secrets, user_agent

PROBE_TIMEOUT = (5.0, 15.0)
PROBE_MAX_BYTES = 8 * 1024 * 1024  # Instagram's limit: a larger image fails there anyway


def granted_permissions(client: Platform) -> set[str] | None:
    """The permissions the client's token was granted, or None when the platform does not
    list them (or this class needs none). Raises PublishError like any platform call."""
    if not client.permissions_needed or not isinstance(client, GraphPlatform):
        return None
    answer = client.call(
        lambda: client.api.get_connection(object_id="me", connection="permissions"),
        publishing=False, action="reading the token's permissions")
    return {str(item.get("permission")) for item in answer.get("data", [])
            if isinstance(item, dict) and item.get("status") == "granted"}


@dataclass(frozen=True, slots=True)
class Probe:
    """What a GET of an image URL gave: an HTTP status and content type, or why none came."""

    status: int | None
    content_type: str | None
    size: int = 0
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and (self.content_type or "").startswith("image/")


def probe_image(url: str) -> Probe:
    """GET `url` as a platform's fetcher does: a fresh session, no cookies, no credentials."""
    try:
        with requests.Session() as session, session.get(
                url, timeout=PROBE_TIMEOUT, stream=True, allow_redirects=True,
                headers={"User-Agent": user_agent()}) as answer:
            size = 0
            if answer.status_code == 200:
                for chunk in answer.iter_content(65536):
                    size += len(chunk)
                    if size > PROBE_MAX_BYTES:
                        break
            kind = (answer.headers.get("content-type") or "").split(";")[0].strip() or None
            return Probe(answer.status_code, kind, size)
    except requests.RequestException as exc:
        reason = "no answer in time" if isinstance(exc, requests.Timeout) else \
            "the connection failed" if isinstance(exc, requests.ConnectionError) else \
            type(exc).__name__
        return Probe(None, None, error=mask_secrets(reason))
