"""The cells of an events spreadsheet as staff and Google Calendar write them (`events_csv`).

- Column names: the many ways Indonesian staff head a column ("Judul Kegiatan", "Hari/Tanggal",
  "Waktu Pelaksanaan", "Kuota Peserta") and Google Calendar's CSV import header (Subject, Start
  Date, Start Time, End Date, End Time, All Day Event, Description, Location, Private:
  https://support.google.com/calendar/answer/37118, "Create or edit a CSV file").
- Dates: day first for staff sheets (05/12/2026 is 5 December, "Sabtu, 5 Desember 2026" too);
  month first in Google's format, as Google documents it (05/30/2026).
- Times: 09:00, 09.00, 10:00 AM, with a zone where written (WIB = UTC+7, WITA = UTC+8,
  WIT = UTC+9, UTC+7, +07:00), and ranges in one cell ("09.00 - 11.30 WIB", "13.00 s.d.
  selesai").
- Capacity: the number in "20 orang", "maks. 30 peserta", "1.000".
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any

from outreach.sources.base import sentence
from outreach.sources.csvfiles import normalise_header
from outreach.sources.dates import (
    DAY_MONTH_NAME_YEAR,
    DAY_MONTH_YEAR,
    MONTH_DAY_YEAR,
    fits_shape,
    parse_when,
)

HEADERS = {
    "id": "id", "kode": "id", "kode kegiatan": "id",
    "judul": "title", "title": "title", "nama": "title", "kegiatan": "title", "acara": "title",
    "agenda": "title", "tema": "title", "subject": "title", "event": "title",
    "tanggal": "date", "date": "date", "hari tanggal": "date", "tanggal mulai": "date",
    "start date": "date",
    "tanggal selesai": "end_date", "tanggal berakhir": "end_date", "end date": "end_date",
    "jam mulai": "start", "mulai": "start", "start": "start", "start time": "start",
    "waktu mulai": "start", "waktu": "start", "jam": "start", "time": "start", "pukul": "start",
    "jam selesai": "end", "selesai": "end", "end": "end", "end time": "end",
    "waktu selesai": "end", "jam berakhir": "end",
    "all day event": "all_day", "sehari penuh": "all_day",
    "tempat": "location", "lokasi": "location", "location": "location", "place": "location",
    "ruang": "location", "ruangan": "location",
    "jenis": "kind", "kind": "kind", "type": "kind", "kategori": "kind",
    "pendaftaran": "registration", "registration": "registration",
    "link pendaftaran": "registration", "url pendaftaran": "registration", "link": "registration",
    "tautan pendaftaran": "registration", "formulir pendaftaran": "registration",
    "tautan": "registration",
    "deskripsi": "description", "keterangan": "description", "description": "description",
    "uraian": "description", "catatan": "description",
    "kapasitas": "capacity", "capacity": "capacity", "kuota": "capacity",
    "daya tampung": "capacity",
}
# Words staff add to a column name that do not change its meaning: "Judul Kegiatan",
# "Tempat Pelaksanaan", "Kuota Peserta", "Nama Acara".
_FILLER = {"kegiatan", "acara", "pelaksanaan", "peserta", "event", "nama"}
_WEEKDAY = re.compile(r"^(?:senin|selasa|rabu|kamis|jum'?at|sabtu|minggu|ahad|monday|tuesday|"
                      r"wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)"
                      r"\b\.?\s*[,/]?\s*", re.IGNORECASE)
_ISO = r"(?P<Y>[0-9]{4})(?P<sep>[-/])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"
# Indonesia's three zones (no daylight saving), and what else staff write after a time.
ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}
_ZONE = r"(?P<zone>WITA|WIB|WIT|Z|UTC|GMT|(?:UTC|GMT)?\s*[+-]\s*\d{1,2}(?::?\d{2})?)"
_TIME = re.compile(r"(?P<h>\d{1,2})(?:[:.](?P<m>\d{2})(?:[:.]\d{2})?)?\s*"
                   r"(?P<ampm>[ap]\.?\s?m\.?)?\s*" + _ZONE + r"?", re.IGNORECASE)
_RANGE = re.compile(r"\s*(?:-|–|—|s\.?\s?d\.?|s/d|sampai|hingga|to|until)\s*", re.IGNORECASE)
_OPEN_END = {"selesai", "done", "finish", "habis", ""}


def field_name(header: str | None) -> str | None:
    """The meaning of a column from its name; None for a column this reader does not use."""
    name = normalise_header(header).replace("/", " ").replace(",", " ").replace(":", " ")
    name = " ".join(name.split())
    if name in HEADERS:
        return HEADERS[name]
    words = name.split()
    shorter = " ".join(w for w in words if w not in _FILLER)
    if shorter in HEADERS:
        return HEADERS[shorter]
    if words and words[0] == "nama" and len(words) > 1 and words[1] in _FILLER:
        return "title"  # "Nama Kegiatan", "Nama Acara"
    return None


def is_google(fields: list[str | None]) -> bool:
    """Google Calendar's CSV import header: Subject and Start Date (its two required columns)."""
    names = {normalise_header(f) for f in fields}
    return {"subject", "start date"} <= names


def parse_day(value: Any, google: bool) -> date:
    """A date cell: an Excel date, ISO, or the sheet's own order (day first; month first for
    Google's format). ValueError in words that name the problem."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _WEEKDAY.sub("", str(value).strip())
    shapes = (_ISO, MONTH_DAY_YEAR) if google else (_ISO, DAY_MONTH_YEAR, DAY_MONTH_NAME_YEAR)
    if (when := parse_when(text, None, *shapes, earliest=1)) is not None:
        return when.date()
    shown = str(value).strip()
    if fits_shape(text, *shapes):
        order = sentence("month/day/year, as Google Calendar's CSV format has it") if google \
            else sentence("day/month/year")
        raise ValueError(f"the date {shown!r} does not exist (read as {order})")
    example = sentence("05/30/2026 or 2026-05-30") if google else \
        sentence("05/12/2026, 5 Desember 2026 or 2026-12-05")
    raise ValueError(f"the date {shown!r} is not a date like {example}")


def _zone(text: str | None) -> tzinfo | None:
    if not text:
        return None
    word = re.sub(r"\s+", "", text).upper()
    if word in ZONES:
        return timezone(timedelta(hours=ZONES[word]), word)
    if word in ("Z", "UTC", "GMT"):
        return UTC
    match = re.fullmatch(r"(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?", word)
    if not match or int(match[2]) > 14:
        raise ValueError(f"the time zone {text!r} is not one like WIB, WITA, WIT or +07:00")
    offset = timedelta(hours=int(match[2]), minutes=int(match[3] or 0))
    return timezone(offset if match[1] == "+" else -offset)


def _one_time(text: str, whole: str) -> tuple[time, tzinfo | None]:
    match = _TIME.fullmatch(text.strip())
    bad = ValueError(f"the time {whole!r} is not a time like 09:00 or 09.00")
    if not match or (match["m"] is None and match["ampm"] is None):
        raise bad
    hour, minute = int(match["h"]), int(match["m"] or 0)
    if match["ampm"]:
        if not 1 <= hour <= 12:
            raise bad
        hour = hour % 12 + (12 if match["ampm"].lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise bad
    return time(hour, minute), _zone(match["zone"])


def parse_times(value: Any) -> tuple[time | None, time | None, tzinfo | None]:
    """A time cell: (start, end or None, zone or None). Excel time cells and fractions of a day
    are local times; text may hold a range ("09.00 - 11.30 WIB") whose zone is for both."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0), None, None
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0), None, None
    if isinstance(value, float) and 0 <= value < 1:  # Excel's fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60 % 24, minutes % 60), None, None
    text = str(value or "").strip()
    if not text:
        return None, None, None
    parts = _RANGE.split(text, maxsplit=1)
    start, zone = _one_time(parts[0], text)
    end = None
    if len(parts) == 2 and parts[1].strip().lower().rstrip(".") not in _OPEN_END:
        end, end_zone = _one_time(parts[1], text)
        zone = zone or end_zone
    elif len(parts) == 2:
        # "13.00 s.d. selesai WIB" keeps its zone at the end
        tail = parts[1].strip().split()
        zone = zone or (_zone(tail[-1]) if len(tail) > 1 else None)
    return start, end, zone


def truthy(value: Any) -> bool:
    return str(value or "").strip().lower() in ("true", "ya", "yes", "y", "1", "benar")


def capacity(value: Any) -> tuple[int | None, str | None]:
    """(capacity, note): the one number in the cell ("20 orang", "maks. 30 peserta",
    "1.000 kursi"); with none or several the capacity stays empty and the note says why."""
    if value in (None, ""):
        return None, None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return (int(value), None) if float(value).is_integer() and value >= 0 else \
            (None, sentence(f"the capacity {value!r} is not a whole number; it was left empty"))
    text = str(value).strip()
    if text in ("-", "–", "—"):
        return None, None
    numbers = re.findall(r"\d{1,3}(?:\.\d{3})+(?!\d)|\d+", text)
    if len(numbers) == 1:
        return int(numbers[0].replace(".", "")), None
    if not numbers:
        return None, sentence(f"the capacity {text!r} has no number; it was left empty")
    return None, sentence(f"the capacity {text!r} has several numbers; it was left empty")
