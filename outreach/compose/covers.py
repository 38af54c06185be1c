"""Fetching a title's cover from the catalogue (its `cover_url`), briefly and within bounds.

Covers are a nicety: when fetching is off (OUTREACH_FETCH_COVERS=false), slow (more than
OUTREACH_COVER_TIMEOUT_SECONDS), too big, not an image, or unreachable, the caller uses an image
card instead and the post still goes out. Supported: http(s) URLs (the library's own server, e.g.
SLiMS's `images/docs/<file>`), file:// URLs and plain paths (covers exported beside a catalogue).
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import unquote, urlsplit

from outreach.config import Settings

log = logging.getLogger(__name__)
MAX_COVER_BYTES = 10 * 1024 * 1024  # bigger than any cover; stops a wrong URL filling memory
USER_AGENT = "LibraryOutreach/0.1 (cover fetch)"


def fetch_cover(url: str | None, settings: Settings) -> bytes | None:
    """The cover's bytes, or None (and a log line saying why) when there is none to use."""
    if not url or not settings.fetch_covers:
        return None
    parts = urlsplit(url)
    try:
        if parts.scheme in ("http", "https"):
            return _http(url, settings.cover_timeout_seconds)
        path = Path(unquote(parts.path)) if parts.scheme == "file" else Path(url)
        if parts.scheme not in ("", "file") or not path.is_file():
            log.info("cover %s: not a URL or file that can be read", url)
            return None
        if path.stat().st_size > MAX_COVER_BYTES:
            log.info("cover %s: larger than %d bytes", url, MAX_COVER_BYTES)
            return None
        return path.read_bytes()
    except (OSError, urllib.error.URLError, ValueError) as exc:
        log.info("cover %s not used: %s", url, exc)
        return None


def _http(url: str, timeout: float) -> bytes | None:
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
        kind = response.headers.get_content_type()
        if not kind.startswith("image/"):
            log.info("cover %s: the server sent %s, not an image", url, kind)
            return None
        data = response.read(MAX_COVER_BYTES + 1)
    if len(data) > MAX_COVER_BYTES:
        log.info("cover %s: larger than %d bytes", url, MAX_COVER_BYTES)
        return None
    return data
