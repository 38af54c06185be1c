"""The period a report covers: a calendar month, a range of dates, or everything, in the
library's time zone (OUTREACH_TIMEZONE); stored times are UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from babel.dates import format_date

from outreach.config import Settings
from outreach.errors import OutreachError, Sentences
from outreach.reports.words import say


class PeriodError(OutreachError, ValueError):
    """The period asked for cannot be understood; the message says how to write it."""

    exit_code = 2  # a command-line usage error
    sentences = Sentences({
        "not_date": ("{what} {value} bukan tanggal seperti 2026-11-01.",
                     "{what} {value} is not a date such as 2026-11-01."),
        "both": ("Pilih --month atau --from/--to, jangan keduanya.",
                 "Give either --month or --from/--to, not both."),
        "not_month": ("--month {value} bukan bulan seperti 2026-11.",
                      "--month {value} is not a month such as 2026-11."),
        "backwards": ("--to lebih awal daripada --from.", "--to is before --from."),
    })


@dataclass(frozen=True)
class Period:
    start: datetime | None  # UTC, included; None: from the beginning
    end: datetime | None  # UTC, excluded; None: up to now
    label: str  # for people, in the report's language
    key: str  # for file names and machines: "2026-11", "2026-11-01..2026-11-15", "all"
    platform: str | None = None  # only this platform's posts and comments; None: all

    def as_dict(self, settings: Settings) -> dict:
        tz = settings.tz
        return {"start": self.start.astimezone(tz).isoformat() if self.start else None,
                "end": self.end.astimezone(tz).isoformat() if self.end else None,
                "label": self.label, "key": self.key, "timezone": settings.timezone,
                "platform": self.platform}


def _local_midnight(day: date, settings: Settings) -> datetime:
    return datetime.combine(day, time(0), tzinfo=settings.tz).astimezone(UTC)


def _date(value: str, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(f"{what} {value!r} is not a date such as 2026-11-01.") from None


def month_period(year: int, month: int, settings: Settings) -> Period:
    first = date(year, month, 1)
    following = date(year + (month == 12), month % 12 + 1, 1)
    return Period(_local_midnight(first, settings), _local_midnight(following, settings),
                  _month_label(first, "id"), f"{year}-{month:02d}")


def _month_label(first: date, locale: str) -> str:
    return format_date(first, "MMMM y", locale=locale).capitalize()


def _range_label(first: date | None, last: date | None, locale: str) -> str:
    return " – ".join([format_date(first, "d MMMM y", locale=locale) if first
                       else say("p_start", locale),
                       format_date(last, "d MMMM y", locale=locale) if last
                       else say("p_now", locale)])


def period_label(period: Period, settings: Settings, locale: str) -> str:
    """The period in words in `locale`'s language (Period.label, which JSON keeps, is in
    Bahasa Indonesia)."""
    tz = settings.tz
    first = period.start.astimezone(tz).date() if period.start else None
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date() if period.end else None
    if first is None and last is None:
        return say("p_all", locale)
    if re.fullmatch(r"\d{4}-\d{2}", period.key) and first is not None:
        return _month_label(first, locale)
    return _range_label(first, last, locale)


def parse_period(settings: Settings, *, month: str | None = None, start: str | None = None,
                 end: str | None = None, last_month: bool = False,
                 now: datetime | None = None) -> Period:
    """`month` "2026-11"; or `start`/`end` dates (the end day included); or `last_month`; or
    nothing: everything so far."""
    if month and (start or end or last_month):
        raise PeriodError("Give either --month or --from/--to, not both.")
    if month:
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise PeriodError(f"--month {month!r} is not a month such as 2026-11.")
        return month_period(int(m.group(1)), int(m.group(2)), settings)
    if last_month:
        today = (now or datetime.now(UTC)).astimezone(settings.tz).date()
        previous = today.replace(day=1) - timedelta(days=1)
        return month_period(previous.year, previous.month, settings)
    if start or end:
        first = _date(start, "--from") if start else None
        last = _date(end, "--to") if end else None
        if first and last and last < first:
            raise PeriodError("--to is before --from.")
        return Period(_local_midnight(first, settings) if first else None,
                      _local_midnight(last + timedelta(days=1), settings) if last else None,
                      _range_label(first, last, "id"), f"{first or 'start'}..{last or 'now'}")
    return Period(None, None, say("p_all", "id"), "all")
