"""Links into the library's OPAC, tagged with UTM parameters so clicks can be told apart."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from outreach.config import Settings
from outreach.models import Title

# SLiMS shows a title at index.php?p=show_detail&id=<biblio_id>.
SLIMS_DETAIL = "index.php?p=show_detail&id={source_id}"


def opac_link(title: Title, settings: Settings) -> str | None:
    """The record's own OPAC URL, else the configured OPAC with SLiMS's detail pattern."""
    if title.opac_url:
        return title.opac_url
    if settings.opac_url:
        return settings.opac_url.rstrip("/") + "/" + SLIMS_DETAIL.format(source_id=title.source_id)
    return None


def with_utm(url: str, platform: str, campaign: str) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.startswith("utm_")]
    query += [("utm_source", platform), ("utm_medium", "social"), ("utm_campaign", campaign)]
    return urlunsplit(parts._replace(query=urlencode(query)))
