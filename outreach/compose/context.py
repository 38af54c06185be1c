"""Plain-dict contexts for templates: what a template may know about a title, a digest, an event.

Every key here is documented for library staff in docs/templates.md (a test keeps the two in step).
Templates only ever see these dicts, never model objects (the sandbox refuses anything else).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from outreach.compose.links import opac_link, with_utm
from outreach.compose.templates import PlainContext
from outreach.config import Settings
from outreach.models import Event, Title


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


def common_context(settings: Settings, platform: str, language: str,
                   hashtags: Sequence[str] | None = None, hashtag_cap: int | None = None,
                   posted_at: datetime | None = None) -> dict[str, Any]:
    """Keys every template has: library, platform, language, hashtags, posted_at."""
    tags = list(settings.hashtags if hashtags is None else hashtags)
    if hashtag_cap is not None:
        tags = tags[:hashtag_cap]
    return {"library": library_context(settings), "platform": platform, "language": language,
            "hashtags": tags, "posted_at": posted_at}


class TitleRow(NamedTuple):
    """What composition reads of a title (`title_fields`, `opac_link`), for loading thousands
    without the ORM: a tuple's attribute costs a fraction of a model's (planning, `title_row`).
    A `Title` serves everywhere a `TitleRow` does."""

    id: int
    source_id: str
    isbn: str | None
    title: str
    subtitle: str | None
    authors: list[str]
    publisher: str | None
    place: str | None
    year: str | None
    edition: str | None
    classification: str | None
    call_number: str | None
    subjects: list[str]
    summary: str | None
    cover_url: str | None
    opac_url: str | None
    catalogued_at: datetime | None
    content_hash: str | None


def title_row(title: Title) -> TitleRow:
    return TitleRow._make(getattr(title, name) for name in TitleRow._fields)


def title_fields(title: Title | TitleRow, settings: Settings) -> dict[str, Any]:
    """What `title_dict` says of a title whatever the platform, with its OPAC link untagged:
    planning builds one title's contexts for several platforms from one of these."""
    authors = [display_name(a) for a in title.authors or []]
    full = title.title + (f": {title.subtitle}" if title.subtitle else "")
    return {
        "title": title.title,
        "subtitle": title.subtitle,
        "full_title": full,
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
        "link": opac_link(title, settings),
    }


def title_dict(title: Title, settings: Settings, platform: str, campaign: str,
               links: bool = True, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """The `title` of a context; `fields` is `title_fields(title, settings)` when at hand."""
    t = dict(title_fields(title, settings) if fields is None else fields)
    t["authors"], t["subjects"] = list(t["authors"]), list(t["subjects"])  # each dict its own
    link = t["link"] if links else None
    t["link"] = with_utm(link, platform, campaign, f"title-{title.id}") if link else None
    return t


def title_context(title: Title, settings: Settings, platform: str, *, language: str = "id",
                  campaign: str = "koleksi-baru", links: bool = True,
                  hashtags: Sequence[str] | None = None, hashtag_cap: int | None = None,
                  posted_at: datetime | None = None,
                  fields: dict[str, Any] | None = None) -> dict[str, Any]:
    """`acquisition`: one new title (`fields`: see `title_fields`)."""
    t = title_dict(title, settings, platform, campaign, links, fields)
    return PlainContext(common_context(settings, platform, language, hashtags, hashtag_cap,
                                       posted_at), title=t, link=t["link"])


def digest_context(titles: Sequence[Title], total: int, period_start: datetime,
                   period_end: datetime, settings: Settings, platform: str, *,
                   language: str = "id", campaign: str = "koleksi-baru", links: bool = True,
                   hashtags: Sequence[str] | None = None, hashtag_cap: int | None = None,
                   posted_at: datetime | None = None) -> dict[str, Any]:
    """`digest`: several new titles; `total` may exceed the titles listed (`more` says by how
    many)."""
    listed = [title_dict(t, settings, platform, campaign, links) for t in titles]
    link = None
    if links and settings.opac_url:
        link = with_utm(settings.opac_url, platform, campaign, "digest")
    return PlainContext(common_context(settings, platform, language, hashtags, hashtag_cap,
                                       posted_at),
                        titles=listed, count=total, more=max(0, total - len(listed)),
                        period={"start": period_start, "end": period_end}, link=link)


def event_dict(event: Event, settings: Settings, platform: str, campaign: str,
               links: bool = True, posted_at: datetime | None = None) -> dict[str, Any]:
    link = (event.registration_url or event.url) if links else None
    if link:
        link = with_utm(link, platform, campaign, f"event-{event.id}")
    days = None
    if posted_at is not None:
        tz = settings.tz
        days = (event.starts_at.astimezone(tz).date() - posted_at.astimezone(tz).date()).days
    return {
        "title": event.title,
        "description": event.description,
        "kind": event.kind,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "all_day": event.all_day,
        "location": event.location,
        "url": event.url,
        "registration_url": event.registration_url,
        "capacity": event.capacity,
        "starts_in_days": days,
        "link": link,
    }


def event_context(event: Event, settings: Settings, platform: str, *, language: str = "id",
                  campaign: str = "acara", links: bool = True,
                  hashtags: Sequence[str] | None = None, hashtag_cap: int | None = None,
                  posted_at: datetime | None = None) -> dict[str, Any]:
    """`workshop`, `event` and `reminder`: one event."""
    e = event_dict(event, settings, platform, campaign, links, posted_at)
    return PlainContext(common_context(settings, platform, language, hashtags, hashtag_cap,
                                       posted_at), event=e, link=e["link"])


def free_context(text: str, settings: Settings, platform: str, *, language: str = "id",
                 hashtags: Sequence[str] | None = None, hashtag_cap: int | None = None,
                 posted_at: datetime | None = None) -> dict[str, Any]:
    """`free`: a text written by staff."""
    return PlainContext(common_context(settings, platform, language, hashtags, hashtag_cap,
                                       posted_at), text=text, link=None)


# -- sample contexts: for checking a template staff edited, and for the documentation test ------
_SAMPLES = [("Hikayat Sungai Mahakam", "Kumpulan Cerita Rakyat Kutai", ["Darmawan, Awang"]),
            ("Resep Warisan Nenek", None, ["Noorhasanah", "Ansyari, Rahmadi"])]


def sample_title(n: int = 1) -> Title:
    title, subtitle, authors = _SAMPLES[(n - 1) % len(_SAMPLES)]
    return Title(id=n, source="slims", source_id=str(100 + n), isbn="9786020000001",
                 title=title, subtitle=subtitle,
                 authors=authors, publisher="Balai Pustaka", place="Jakarta",
                 year="2024", edition="Cetakan ke-2", classification="398.209 598 4",
                 call_number="398.209 598 4 AWA h", subjects=["Cerita rakyat -- Kutai"],
                 summary="Dua puluh cerita rakyat Kutai yang dituturkan ulang.",
                 catalogued_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC), content_hash="sample")


def sample_event(kind: str = "workshop") -> Event:
    starts = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    return Event(id=1, source="sample", source_id="1", kind=kind,
                 title="Pelatihan Literasi Digital", description="Mengenali hoaks dan penipuan.",
                 starts_at=starts, ends_at=starts + timedelta(hours=3),
                 location="Ruang Multimedia", registration_url="https://example.org/daftar",
                 capacity=25, content_hash="sample")


def sample_context(kind: str, settings: Settings, platform: str = "x",
                   language: str = "id") -> dict[str, Any]:
    """A realistic context of each kind, with every key filled."""
    posted = datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    if kind == "acquisition":
        return title_context(sample_title(), settings, platform, language=language,
                             posted_at=posted)
    if kind == "digest":
        titles = [sample_title(1), sample_title(2)]
        return digest_context(titles, 3, posted - timedelta(days=7), posted, settings, platform,
                              language=language, posted_at=posted)
    if kind in ("workshop", "event", "reminder"):
        event = sample_event("workshop" if kind != "event" else "community")
        return event_context(event, settings, platform, language=language, posted_at=posted)
    if kind == "free":
        return free_context("Perpustakaan buka pukul 08.00 WITA.", settings, platform,
                            language=language, posted_at=posted)
    raise ValueError(f"unknown kind {kind!r}")
