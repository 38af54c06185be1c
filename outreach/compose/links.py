"""Links into the library's OPAC, tagged with UTM parameters so clicks can be told apart.

A title's own OPAC URL (from the record) wins; otherwise OUTREACH_OPAC_URL plus
OUTREACH_OPAC_LINK_PATTERN, by default SLiMS's detail page
(`index.php?p=show_detail&id=<biblio_id>`, docs/sources.md). UTM parameters follow Google
Analytics' convention, which most web statistics tools read: source = the platform, medium =
social, campaign = what the post is about.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote_plus, urlencode, urlsplit, urlunsplit

from outreach.config import Settings
from outreach.models import Title

if TYPE_CHECKING:
    from outreach.compose.context import TitleRow

# SLiMS shows a title at index.php?p=show_detail&id=<biblio_id> (the default pattern).
SLIMS_DETAIL = "index.php?p=show_detail&id={source_id}"
MEDIUM = "social"


def opac_link(title: Title | TitleRow, settings: Settings) -> str | None:
    """The record's own OPAC URL, else the configured OPAC with the configured pattern."""
    if title.opac_url:
        return title.opac_url
    if not settings.opac_url:
        return None
    pattern = settings.opac_link_pattern or SLIMS_DETAIL
    if "{isbn}" in pattern and not title.isbn:
        return None  # an ISBN pattern cannot point at a record without one
    if "{source_id}" in pattern and ":" in (title.source_id or ""):
        # An id made by the import ("isbn:…", "key:…", slims-csv's "item:…") is no record
        # number of the OPAC's: a link built from it would point at nothing or the wrong title.
        return None
    path = pattern.format(source_id=title.source_id, isbn=title.isbn or "", id=title.id or "")
    if ":" in path and urlsplit(path).scheme in ("http", "https"):  # no ':', no scheme
        return path  # the pattern is a full URL
    return settings.opac_url.rstrip("/") + "/" + path.lstrip("/")


def with_utm(url: str, platform: str, campaign: str, content: str | None = None) -> str:
    """`url` with utm_source=<platform>, utm_medium=social, utm_campaign=<campaign> (and
    utm_content when given), replacing any UTM parameters it had; other parameters are kept."""
    parts = _untagged(url)
    if parts is None:
        return url
    head, kept, fragment = parts
    query = _utm(platform, campaign)
    if content:
        content = str(content)
        # As urlencode writes it; letters, digits and '-' (planning's "title-12") stay as they
        # are, so they skip the quoting (ASCII isalnum: [A-Za-z0-9]).
        simple = content.isascii() and content.replace("-", "").isalnum()
        query += "&utm_content=" + (content if simple else quote_plus(content))
    # urlencode joins its pairs with "&" and urlunsplit appends "?query" and "#fragment":
    # the same text as encoding the kept and the new parameters together.
    return head + "?" + (kept + "&" if kept else "") + query + ("#" + fragment if fragment else "")


_UNRESERVED = r"[A-Za-z0-9._~-]"
_SIMPLE = re.compile(
    rf"(?P<head>https?://[A-Za-z0-9.-]+(?::[0-9]+)?)(?P<path>/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?"
    rf"(?:\?(?P<query>{_UNRESERVED}+={_UNRESERVED}*(?:&{_UNRESERVED}+={_UNRESERVED}*)*))?")


@lru_cache(maxsize=256)
def _untagged(url: str) -> tuple[str, str, str] | None:
    """(URL up to its query, its parameters but UTM ones encoded, fragment); None if not http(s).
    Cached: planning tags one title's link for each platform."""
    simple = _SIMPLE.fullmatch(url)
    if simple and "utm_" not in url:
        # Only unreserved characters in the parameters: parsing and encoding them again gives
        # them back as they are, so the query is kept as written (a third of planning's link
        # work otherwise).
        return simple["head"] + (simple["path"] or "/"), simple["query"] or "", ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return None
    kept = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                      if not k.startswith("utm_")])
    head = urlunsplit(parts._replace(path=parts.path or "/", query="", fragment=""))
    return head, kept, parts.fragment


@lru_cache(maxsize=64)
def _utm(platform: str, campaign: str) -> str:
    return urlencode([("utm_source", platform), ("utm_medium", MEDIUM),
                      ("utm_campaign", campaign)])
