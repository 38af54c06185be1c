"""Events from an iCalendar file or URL (kind `ics`): LibCal, Google Calendar, Nextcloud, Outlook.

- Recurring events (RRULE, RDATE, EXDATE, moved occurrences) are expanded with
  recurring-ical-events into one event per occurrence, from a year back (history for reports)
  to OUTREACH_EVENTS_HORIZON_DAYS ahead. An occurrence is known by the series UID and its
  original start (RECURRENCE-ID), so moving one updates it rather than adding another.
- All-day events (DTSTART;VALUE=DATE) start at midnight in the library's time zone; times
  given in UTC (LibCal), with a TZID (with or without its VTIMEZONE, Google's X-WR-TIMEZONE
  included) or floating (no zone: the library's) are all stored in UTC.
- CATEGORIES become the kind (workshop / community / other) by `sources.kinds` rules.
- STATUS:CANCELLED marks the event cancelled (planning takes its posts off the queue).
The calendar is parsed whole (iCalendar has no record boundary a stream could use), so files
larger than 50 MB are refused.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone

from outreach.config import get_settings
from outreach.sources.base import EventRecord, Item, RecordError, SourceUnreadable
from outreach.sources.fetch import open_source
from outreach.sources.kinds import KindRules

MAX_BYTES = 50 * 1024 * 1024
HISTORY_DAYS = 365
_LINK = re.compile(r"https?://[^\s<>\"')]+")
_REGISTRATION_WORDS = ("daftar", "registr", "register", "forms", "form.", "rsvp", "tiket",
                       "ticket", "s.id/", "bit.ly/")


def _read(source: str) -> bytes:
    with open_source(source, "calendar file") as stream:
        data = stream.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise SourceUnreadable(f"{source} is larger than {MAX_BYTES // 1024 // 1024} MB; "
                               "that is not a library's calendar.")
    return data


def _calendar(data: bytes, source: str) -> icalendar.Calendar:
    if b"BEGIN:VCALENDAR" not in data[:4096].upper():
        start = data.lstrip()[:40].decode("utf-8", "replace")
        raise SourceUnreadable(f"{source} is not an iCalendar file (it starts with {start!r}; "
                               "expected BEGIN:VCALENDAR).")
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as exc:  # noqa: BLE001 - icalendar raises many kinds for broken input
        raise SourceUnreadable(f"{source} could not be read as iCalendar: {exc}.") from None
    if isinstance(calendar, list):  # several VCALENDARs in one file: the first one
        calendar = calendar[0]
    try:
        return x_wr_timezone.to_standard(calendar)
    except Exception:  # noqa: BLE001 - a bad X-WR-TIMEZONE only loses that hint
        return calendar


def _aware(value: Any, tz: ZoneInfo, tzid: str | None) -> datetime:
    """A DTSTART/DTEND value as an aware datetime (dates at local midnight)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            zone = tz
            if tzid:
                try:
                    zone = ZoneInfo(tzid)
                except (ZoneInfoNotFoundError, ValueError):
                    zone = tz  # an unknown TZID ("WITA"): the library's own zone
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tz).astimezone(UTC)
    raise ValueError(f"{value!r} is not a date or time")


def _text(component: Any, name: str) -> str | None:
    value = component.get(name)
    if value is None:
        return None
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value).strip()
    return text or None


def categories(component: Any) -> list[str]:
    found: list[str] = []
    values = component.get("CATEGORIES")
    for value in values if isinstance(values, list) else [values]:
        if value is None:
            continue
        cats = getattr(value, "cats", None)
        for cat in cats if cats is not None else str(value).split(","):
            if str(cat).strip():
                found.append(str(cat).strip())
    return found


def _registration(description: str | None, url: str | None) -> str | None:
    for link in _LINK.findall(description or ""):
        if any(word in link.lower() for word in _REGISTRATION_WORDS):
            return link.rstrip(".,;")
    if url and any(word in url.lower() for word in _REGISTRATION_WORDS):
        return url
    return None


def _event(occurrence: Any, tz: ZoneInfo, rules: KindRules, series: set[str]) -> EventRecord:
    title = _text(occurrence, "SUMMARY")
    if not title:
        raise ValueError("it has no title (SUMMARY)")
    start_prop = occurrence.get("DTSTART")
    if start_prop is None:
        raise ValueError("it has no start (DTSTART)")
    start_value = start_prop.dt
    all_day = not isinstance(start_value, datetime)
    starts = _aware(start_value, tz, start_prop.params.get("TZID"))
    ends = None
    if (end_prop := occurrence.get("DTEND")) is not None:
        ends = _aware(end_prop.dt, tz, end_prop.params.get("TZID"))
    elif (duration := occurrence.get("DURATION")) is not None:
        ends = starts + duration.dt
    elif all_day:
        ends = starts + timedelta(days=1)
    if ends is not None and ends < starts:
        raise ValueError("it ends before it starts (DTEND before DTSTART)")
    uid = _text(occurrence, "UID")
    # recurring-ical-events gives every occurrence a RECURRENCE-ID, single events too: only
    # the UIDs of series (RRULE, RDATE or moved occurrences) get one in their identity.
    rid = occurrence.get("RECURRENCE-ID") if uid in series else None
    if uid:
        if rid is not None:
            original = _aware(rid.dt, tz, rid.params.get("TZID"))
            sid = f"{uid}/{original.strftime('%Y%m%dT%H%M%SZ')}"
        else:
            sid = uid
    else:  # no UID: title and start are all there is
        sid = "nouid:" + hashlib.sha1(f"{title}|{starts.isoformat()}".encode()).hexdigest()[:20]
    if len(sid) > 300:
        sid = sid[:259] + "#" + hashlib.sha1(sid.encode()).hexdigest()
    description = _text(occurrence, "DESCRIPTION")
    url = _text(occurrence, "URL")
    status = (_text(occurrence, "STATUS") or "").upper()
    return EventRecord(
        source_id=sid, title=" ".join(title.split()), starts_at=starts, ends_at=ends,
        kind=rules.kind(categories(occurrence)), description=description, all_day=all_day,
        location=_text(occurrence, "LOCATION"), url=url,
        registration_url=_registration(description, url), cancelled=status == "CANCELLED",
        series_id=uid[:300] if uid and rid is not None else None,
    )


def read_ics(source: str, **_options: object) -> Iterator[Item]:
    """Stream the events (occurrences) of an iCalendar file or http(s) URL."""
    settings = get_settings()
    tz = settings.tz
    calendar = _calendar(_read(source), source)
    rules = KindRules.from_settings(settings)
    now = datetime.now(UTC)
    start = (now - timedelta(days=HISTORY_DAYS)).astimezone(tz).date()
    end = (now + timedelta(days=settings.events_horizon_days)).astimezone(tz).date()
    try:
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(
            start, end)
    except Exception as exc:  # noqa: BLE001 - a broken recurrence rule in the library's file
        raise SourceUnreadable(f"The events of {source} could not be expanded: {exc}.") \
            from None
    series = {str(c.get("UID")) for c in calendar.walk("VEVENT")
              if c.get("UID") and ("RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c)}
    for n, occurrence in enumerate(occurrences, 1):
        uid = _text(occurrence, "UID")
        where = f"event {n}" + (f" (UID {uid})" if uid else "")
        try:
            yield _event(occurrence, tz, rules, series)
        except Exception as exc:  # noqa: BLE001 - one bad event must not cost the others
            reason = str(exc) if isinstance(exc, ValueError) else \
                f"it could not be read ({type(exc).__name__}: {exc})"
            yield RecordError(where, reason)
