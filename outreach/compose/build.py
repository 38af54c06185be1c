"""From a subject and a platform to what a delivery carries: text (or a numbered thread), images
and their alt text, and the problems validation found. Planning and staff-written posts both
come through here, so the same rules apply to both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from outreach.compose.cards import (
    Bounds,
    Card,
    CardError,
    bounds_for,
    cover_alt_text,
    fit_cover,
    render_card,
)
from outreach.compose.covers import fetch_cover
from outreach.compose.fit import Target, fit_text, join_thread
from outreach.compose.templates import TemplateSet, environment
from outreach.compose.validate import problems
from outreach.config import Settings
from outreach.media import store_bytes

# Card headings per kind, Bahasa Indonesia and English.
HEADINGS: dict[str, tuple[str, str]] = {
    "acquisition": ("Koleksi baru", "New at the library"),
    "digest": ("Koleksi baru pekan ini", "New this week"),
    "workshop": ("Pelatihan", "Workshop"),
    "event": ("Acara", "Event"),
    "reminder": ("Segera dimulai", "Starting soon"),
}


@dataclass
class Composed:
    """One delivery's content."""

    template: str
    text: str  # a thread's parts separated by "---" lines (fit.join_thread)
    parts: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    alt_text: list[str] = field(default_factory=list)
    link: str | None = None
    problems: list[str] = field(default_factory=list)


def compose(templates: TemplateSet, kind: str, target: Target, language: str,
            context: Mapping[str, Any], images: Sequence[tuple[str, str]] = (),
            locale: str = "id") -> Composed:
    """Render the template, fit the text to the platform, attach images, validate."""
    name, text = templates.render(kind, target.name, language, context)
    parts = fit_text(target, text)
    media: list[str] = []
    alts: list[str] = []
    limits = target.limits
    if images and limits.max_media and (target.images or limits.media_required):
        for path, alt in images[: limits.max_media]:
            media.append(path)
            alts.append(alt)
    found = problems(target, parts[0], media, alts, thread=parts[1:], locale=locale)
    return Composed(template=name, text=parts[0] if len(parts) == 1 else join_thread(parts),
                    parts=parts, media=media, alt_text=alts, link=context.get("link"),
                    problems=found)


def wants_images(targets: Sequence[Target]) -> bool:
    return any(t.images or t.limits.media_required for t in targets)


def image_bounds(targets: Sequence[Target]) -> Bounds:
    return bounds_for(t.limits for t in targets if t.images or t.limits.media_required)


def _lang(language: str) -> int:
    return 1 if language == "en" else 0


# -- images for each kind of subject: (stored path, alt text) -------------------------------------
def title_image(title: Mapping[str, Any], settings: Settings, bounds: Bounds,
                language: str = "id") -> tuple[str, str]:
    """The title's cover fitted to the platforms, or a card when there is none to use."""
    data = fetch_cover(title.get("cover_url"), settings)
    if data is not None:
        try:
            jpeg = fit_cover(data, settings, bounds, footer=settings.library_name)
            alt = cover_alt_text(title["title"], title.get("authors") or [], language)
            return str(store_bytes(settings, jpeg, ".jpg")), alt
        except CardError:
            pass  # a broken cover: the card says the same in words
    en = language == "en"
    lines = []
    if title.get("authors"):
        names = environment(settings, language).filters["names"](title["authors"])
        lines.append(("by " if en else "karya ") + names)
    if title.get("call_number"):
        lines.append(("Call number: " if en else "Nomor panggil: ") + title["call_number"])
    card = Card(HEADINGS["acquisition"][_lang(language)], title.get("full_title") or title["title"],
                lines, settings.library_name)
    return _store_card(card, settings, bounds, language)


def digest_image(titles: Sequence[Mapping[str, Any]], total: int, settings: Settings,
                 bounds: Bounds, language: str = "id") -> tuple[str, str]:
    en = language == "en"
    headline = f"{total} new titles for you" if en else f"{total} judul baru untuk Anda"
    lines = [f"• {t['title']}" for t in titles[:5]]
    if total > len(lines):
        more = total - len(lines)
        lines.append(f"… and {more} more" if en else f"… dan {more} judul lainnya")
    card = Card(HEADINGS["digest"][_lang(language)], headline, lines, settings.library_name)
    return _store_card(card, settings, bounds, language)


def event_image(kind: str, event: Mapping[str, Any], settings: Settings, bounds: Bounds,
                language: str = "id") -> tuple[str, str]:
    card = Card(HEADINGS.get(kind, HEADINGS["event"])[_lang(language)], event["title"],
                event_lines(event, settings, language), settings.library_name)
    return _store_card(card, settings, bounds, language)


def event_lines(event: Mapping[str, Any], settings: Settings, language: str) -> list[str]:
    """Date, time and place as a card and its alt text say them."""
    filters = environment(settings, language).filters
    starts: datetime = event["starts_at"]
    lines = [filters["date"](starts)]
    if not event.get("all_day"):
        when = filters["time"](starts)
        if event.get("ends_at"):
            end = filters["time"](event["ends_at"])
            when = when.rsplit(" ", 1)[0] + "–" + end  # 09.00–12.00 WITA
        lines.append(("at " if language == "en" else "pukul ") + when)
    if event.get("location"):
        lines.append(event["location"])
    return lines


def _store_card(card: Card, settings: Settings, bounds: Bounds,
                language: str) -> tuple[str, str]:
    jpeg = render_card(card, settings, bounds)
    return str(store_bytes(settings, jpeg, ".jpg")), card.alt_text(language)
