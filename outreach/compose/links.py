"""Links into the library's OPAC, tagged with UTM parameters so clicks can be told apart.

A title's own OPAC URL (from the record) wins; otherwise OUTREACH_OPAC_URL plus
OUTREACH_OPAC_LINK_PATTERN, by default SLiMS's detail page
(`index.php?p=show_detail&id=<biblio_id>`, LIBRARY-DATA.md). UTM parameters follow Google
Analytics' convention, which most web statistics tools read: source = the platform, medium =
social, campaign = what the post is about.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from outreach.config import Settings
from outreach.models import Title

# SLiMS shows a title at index.php?p=show_detail&id=<biblio_id> (the default pattern).
SLIMS_DETAIL = "index.php?p=show_detail&id={source_id}"
MEDIUM = "social"


def opac_link(title: Title, settings: Settings) -> str | None:
    """The record's own OPAC URL, else the configured OPAC with the configured pattern."""
    if title.opac_url:
        return title.opac_url
    if not settings.opac_url:
        return None
    pattern = settings.opac_link_pattern or SLIMS_DETAIL
    if "{isbn}" in pattern and not title.isbn:
        return None  # an ISBN pattern cannot point at a record without one
    path = pattern.format(source_id=title.source_id, isbn=title.isbn or "", id=title.id or "")
    if urlsplit(path).scheme in ("http", "https"):
        return path  # the pattern is a full URL
    return settings.opac_url.rstrip("/") + "/" + path.lstrip("/")


def with_utm(url: str, platform: str, campaign: str, content: str | None = None) -> str:
    """`url` with utm_source=<platform>, utm_medium=social, utm_campaign=<campaign> (and
    utm_content when given), replacing any UTM parameters it had; other parameters are kept."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]
    query += [("utm_source", platform), ("utm_medium", MEDIUM), ("utm_campaign", campaign)]
    if content:
        query.append(("utm_content", content))
    return urlunsplit(parts._replace(path=parts.path or "/", query=urlencode(query)))
