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
- Each event is checked before expansion (`sources.ics_checks`): a bad one is reported with its
  UID and line and the rest of the calendar is kept; repeat rules written with spaces or in
  lower case are repaired. The summary says how many occurrences fell outside the window.
The calendar is parsed whole (iCalendar has no record boundary a stream could use), so files
larger than 50 MB are refused.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import recurring_ical_events
import x_wr_timezone

from outreach.config import get_settings
from outreach.sources.base import (
    EventRecord,
    Item,
    RecordError,
    RecordWarning,
    SourceUnreadable,
    sentence,
)
from outreach.sources.dates import ISO_DAY, parse_when
from outreach.sources.fetch import open_source
from outreach.sources.ics_checks import (
    Place,
    check_event,
    event_lines,
    only,
    places,
    series_groups,
    unbounded,
    vevents,
    without,
)
from outreach.sources.kinds import KindRules

log = logging.getLogger(__name__)
MAX_BYTES = 50 * 1024 * 1024
HISTORY_DAYS = 365
MAX_COUNTED = 100_000  # occurrences after the window counted at most (a daily series to 2100)
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
    return calendar


def _standard(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """Google's X-WR-TIMEZONE applied to floating and UTC times, as Google means it."""
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


def _day_option(value: object, name: str) -> date | None:
    if value in (None, ""):
        return None
    when = parse_when(value, None, ISO_DAY)
    if when is None:
        raise SourceUnreadable(f"-o {name}={value}: expected a date like 2026-01-31.")
    return when.date()


def _window(settings: Any, options: dict[str, object]) -> tuple[date, date]:
    """The import window: a year back (history for reports) to the horizon ahead, unless the
    `since`/`until` options say otherwise (importing an old calendar for a report)."""
    now = datetime.now(UTC)
    start = _day_option(options.get("since"), "since") or \
        (now - timedelta(days=HISTORY_DAYS)).astimezone(settings.tz).date()
    end = _day_option(options.get("until"), "until") or \
        (now + timedelta(days=settings.events_horizon_days)).astimezone(settings.tz).date()
    if end <= start:
        raise SourceUnreadable(f"The import window {start} to {end} is empty.")
    return start, end


def _checked(data: bytes, calendar: icalendar.Calendar) -> tuple[
        icalendar.Calendar, dict[str, Place], list[Item]]:
    """The calendar without its bad events, each event's Place by UID, and the reports."""
    components = vevents(calendar)
    found = places(components, event_lines(data))
    reports: list[Item] = []
    bad = []
    by_uid: dict[str, Place] = {}
    for component, place in zip(components, found, strict=True):
        problem, note = check_event(component)
        if problem:
            bad.append(component)
            reports.append(RecordError(place.where(), problem))
            continue
        if note:
            reports.append(RecordWarning(place.where(), note))
        if place.uid:
            by_uid.setdefault(place.uid, place)
    return (without(calendar, bad) if bad else calendar), by_uid, reports


def _expand(calendar: icalendar.Calendar, start: date, end: date, by_uid: dict[str, Place]
            ) -> tuple[list[Any], list[RecordError], icalendar.Calendar]:
    """The occurrences in the window, the series that could not be expanded, and the calendar
    without them. When the whole calendar cannot be expanded, each series is expanded on its
    own, so the one that fails is named and the others are kept."""
    try:
        return list(recurring_ical_events.of(calendar).between(start, end)), [], calendar
    except Exception:  # noqa: BLE001 - recurring-ical-events and dateutil raise many kinds
        pass
    occurrences: list[Any] = []
    errors: list[RecordError] = []
    failed: list[Any] = []
    for uid, group in series_groups(calendar):
        try:
            occurrences += recurring_ical_events.of(only(calendar, group)).between(start, end)
        except Exception as exc:  # noqa: BLE001 - as above, now for one series
            place = by_uid.get(uid or "")
            where = place.where() if place else (f"UID {uid}" if uid else "an event")
            errors.append(RecordError(where, f"its dates cannot be worked out "
                                             f"({type(exc).__name__}: {exc})"))
            failed += group
    return occurrences, errors, without(calendar, failed)


def _outside(calendar: icalendar.Calendar, start: date, end: date, tz: ZoneInfo
             ) -> RecordWarning | None:
    """How many occurrences fall outside the window, in words (None: none do)."""
    components = vevents(calendar)
    starts = [c["DTSTART"].dt for c in components if "DTSTART" in c]
    if not starts:
        return None
    first = min(v.date() if isinstance(v, datetime) else v for v in starts)
    lower = datetime.combine(start, time(0), tz)
    upper = datetime.combine(end, time(0), tz)
    query = recurring_ical_events.of(calendar, skip_bad_series=True)
    before = 0
    if first < start:
        for occurrence in query.between(first, start):
            span = occurrence.get("DTEND") or occurrence.get("DTSTART")
            if _aware(span.dt, tz, span.params.get("TZID")) <= lower:
                before += 1
    forever = [c for c in components if unbounded(c)]
    after = 0
    bounded = recurring_ical_events.of(without(calendar, forever), skip_bad_series=True)
    for occurrence in bounded.after(end):
        begin = occurrence["DTSTART"]
        if _aware(begin.dt, tz, begin.params.get("TZID")) >= upper:
            after += 1
            if after >= MAX_COUNTED:
                break
    if not (before or after or forever):
        return None
    parts = []
    if before or after:
        many = f"{before + after}{'+' if after >= MAX_COUNTED else ''}"
        parts.append(sentence(
            f"{many} occurrence falls outside the import window {start} to {end} and was not "
            f"imported ({before} before it, {after} after it)" if many == "1" else
            f"{many} occurrences fall outside the import window {start} to {end} and were not "
            f"imported ({before} before it, {after} after it)"))
    if forever:
        series = len({_text(c, "UID") for c in forever})
        parts.append(sentence(
            f"{series} repeating event goes on after {end}; later imports take the next dates "
            "as the window moves" if series == 1 else
            f"{series} repeating events go on after {end}; later imports take the next dates "
            "as the window moves"))
    return RecordWarning("import window", "; ".join(parts) + ". Use -o since=YYYY-MM-DD and "
                         "-o until=YYYY-MM-DD to import another window.")


def read_ics(source: str, **options: object) -> Iterator[Item]:
    """Stream the events (occurrences) of an iCalendar file or http(s) URL.

    Options: `since` and `until` (YYYY-MM-DD) set the import window instead of a year back to
    OUTREACH_EVENTS_HORIZON_DAYS ahead."""
    settings = get_settings()
    tz = settings.tz
    start, end = _window(settings, options)
    data = _read(source)
    calendar, by_uid, reports = _checked(data, _calendar(data, source))
    yield from reports
    calendar = _standard(calendar)
    rules = KindRules.from_settings(settings)
    occurrences, errors, calendar = _expand(calendar, start, end, by_uid)
    yield from errors
    series = {str(c.get("UID")) for c in calendar.walk("VEVENT")
              if c.get("UID") and ("RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c)}
    for n, occurrence in enumerate(occurrences, 1):
        uid = _text(occurrence, "UID")
        place = by_uid.get(uid or "")
        when = occurrence.get("DTSTART")
        day = str(when.dt)[:10] if when is not None and hasattr(when, "dt") else None
        where = place.where(day) if place else f"event {n}" + (f" (UID {uid})" if uid else "")
        try:
            yield _event(occurrence, tz, rules, series)
        except Exception as exc:  # noqa: BLE001 - one bad event must not cost the others
            reason = str(exc) if isinstance(exc, ValueError) else \
                sentence(f"it could not be read ({type(exc).__name__}: {exc})")
            yield RecordError(where, reason)
    try:
        if (note := _outside(calendar, start, end, tz)) is not None:
            yield note
    except Exception:  # noqa: BLE001 - counting what was left out must not fail the import
        log.warning("could not count the occurrences outside the window of %s", source,
                    exc_info=True)
