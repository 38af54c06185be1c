"""The filters templates may use besides Jinja2's own: dates and times in the library's time zone
and language with Babel ("Sabtu, 5 Desember 2026 pukul 09.00 WITA"), word-safe truncation,
hashtags, lists of names ("A, B, dan C"). Documented for staff in docs/templates.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from babel.lists import format_list


def truncate_words(text: Any, length: int = 100, end: str = "…") -> str:
    text = str(text or "")
    if len(text) <= length:
        return text
    keep = max(0, length - len(end))
    cut = text[:keep]
    if text[keep] != " " and " " in cut:  # the cut fell inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + end


def hashtag(text: Any) -> str:
    words = "".join(ch for ch in str(text or "").title() if ch.isalnum())
    return "#" + words if words else ""


def hashtags(tags: Any, cap: int | None = None) -> str:
    """A list of hashtags as one line, at most `cap` of them."""
    tags = [str(t) for t in (tags or []) if str(t).strip()]
    return " ".join(tags if cap is None else tags[:cap])


def for_locale(tz_name: str, locale: str) -> dict[str, Callable[..., Any]]:
    """Every filter, for one time zone and locale (the language-dependent ones made here)."""
    tz = ZoneInfo(tz_name)
    indonesian = locale.startswith("id")
    locale = Locale.parse(locale)  # once, not in every filter call

    def local(value: datetime) -> datetime:
        if not isinstance(value, datetime):
            raise TypeError(f"expected a date and time, got {type(value).__name__}")
        return value.astimezone(tz)

    def tz_abbrev(value: datetime) -> str:
        # Babel's "z" gives "GMT+08:00" for Asia/Makassar; Indonesians write WIB/WITA/WIT.
        name = local(value).tzname() or ""
        return name if name.isalpha() else format_datetime(local(value), "ZZZZ", locale=locale)

    def date(value: datetime, fmt: str = "EEEE, d MMMM y") -> str:
        return format_datetime(local(value), fmt, tzinfo=tz, locale=locale)

    def time_(value: datetime) -> str:
        # Indonesian writes 09.00 (PUEBI); English 09:00.
        fmt = "HH.mm" if indonesian else "HH:mm"
        return format_datetime(local(value), fmt, tzinfo=tz, locale=locale) + " " + tz_abbrev(
            value
        )

    def datetime_(value: datetime) -> str:
        word = "pukul" if indonesian else "at"
        return f"{date(value)} {word} {time_(value)}"

    def time_range(start: datetime, end: datetime | None = None) -> str:
        """09.00–12.00 WITA (or just 09.00 WITA without an end, or when it ends another day)."""
        if end is None or local(end).date() != local(start).date():
            return time_(start)
        fmt = "HH.mm" if indonesian else "HH:mm"
        return (format_datetime(local(start), fmt, tzinfo=tz, locale=locale) + "–"
                + time_(end))

    def names(values: Any) -> str:
        """["A", "B", "C"] -> "A, B, dan C" (or "A, B and C" in English)."""
        items = [str(v) for v in (values or []) if v]
        return format_list(items, locale=locale) if items else ""

    return {"date": date, "time": time_, "datetime": datetime_, "truncate_words": truncate_words,
            "hashtag": hashtag, "hashtags": hashtags, "names": names, "time_range": time_range}
