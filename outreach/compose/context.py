"""Plain-dict contexts for templates: what a template may know about a title or an event."""

from __future__ import annotations

from typing import Any

from outreach.compose.links import opac_link, with_utm
from outreach.config import Settings
from outreach.models import Title


def display_name(name: str) -> str:
    """Catalogue form "Siregar, Rahmat Hidayat" -> "Rahmat Hidayat Siregar"."""
    name = name.strip().rstrip(",.")
    if name.count(",") == 1:
        family, given = (part.strip() for part in name.split(","))
        if given and not any(ch.isdigit() for ch in given):
            return f"{given} {family}"
    return name


def library_context(settings: Settings) -> dict[str, Any]:
    return {"name": settings.library_name, "opac_url": settings.opac_url}


def title_context(title: Title, settings: Settings, platform: str) -> dict[str, Any]:
    authors = [display_name(a) for a in title.authors or []]
    link = opac_link(title, settings)
    if link:
        link = with_utm(link, platform, "koleksi-baru")
    return {
        "title": {
            "title": title.title,
            "subtitle": title.subtitle,
            "authors": authors,
            "author": authors[0] if authors else None,
            "publisher": title.publisher,
            "place": title.place,
            "year": title.year,
            "edition": title.edition,
            "isbn": title.isbn,
            "classification": title.classification,
            "call_number": title.call_number,
            "subjects": list(title.subjects or []),
            "summary": title.summary,
            "cover_url": title.cover_url,
            "catalogued_at": title.catalogued_at,
        },
        "library": library_context(settings),
        "link": link,
        "hashtags": list(settings.hashtags),
        "platform": platform,
    }
