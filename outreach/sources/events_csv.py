"""Events from a spreadsheet kept by staff, saved as CSV (kind `events-csv`).

Columns (Indonesian or English headers, any order, case and spacing ignored):

| Bahasa Indonesia | English      | meaning                                          |
|------------------|--------------|--------------------------------------------------|
| id               | id           | optional stable identifier; else title + date    |
| judul            | title        | required                                         |
| tanggal          | date         | required: 2026-12-05, 05/12/2026 or 5-12-2026    |
| jam mulai        | start time   | 09:00 or 09.00; empty = all-day                  |
| jam selesai      | end time     | optional                                         |
| tempat           | location     | optional                                         |
| jenis            | kind         | pelatihan/workshop, komunitas/community, ...     |
| pendaftaran      | registration | optional registration link                       |
| deskripsi        | description  | optional                                         |
| kapasitas        | capacity     | optional whole number                            |

Times are local (OUTREACH_TIMEZONE) and stored in UTC.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path

from outreach.config import get_settings
from outreach.sources.base import EventRecord, RecordError, SourceUnreadable

HEADERS = {
    "id": "id", "kode": "id",
    "judul": "title", "title": "title", "nama kegiatan": "title", "kegiatan": "title",
    "tanggal": "date", "date": "date",
    "jam mulai": "start", "mulai": "start", "start": "start", "start time": "start",
    "jam selesai": "end", "selesai": "end", "end": "end", "end time": "end",
    "tempat": "location", "lokasi": "location", "location": "location", "place": "location",
    "jenis": "kind", "kind": "kind", "type": "kind", "kategori": "kind",
    "pendaftaran": "registration", "registration": "registration",
    "link pendaftaran": "registration",
    "deskripsi": "description", "keterangan": "description", "description": "description",
    "kapasitas": "capacity", "capacity": "capacity", "kuota": "capacity",
}

KINDS = {
    "workshop": "workshop", "pelatihan": "workshop", "lokakarya": "workshop", "kelas": "workshop",
    "bimtek": "workshop", "training": "workshop",
    "community": "community", "komunitas": "community", "acara komunitas": "community",
    "kegiatan": "community", "event": "community", "lomba": "community", "klub buku": "community",
}


def _date(text: str) -> date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"the date {text!r} is not a date like 2026-12-05 or 05/12/2026")


def _time(text: str) -> time | None:
    text = text.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})", text)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"the time {text!r} is not a time like 09:00 or 09.00")
    return time(int(match[1]), int(match[2]))


def _row(raw: dict[str, str], line: int, tz) -> EventRecord:  # noqa: ANN001
    row = {HEADERS[k]: (v or "").strip() for k, v in raw.items() if k in HEADERS}
    if not row.get("title"):
        raise ValueError("the title (judul) is empty")
    if not row.get("date"):
        raise ValueError("the date (tanggal) is empty")
    day = _date(row["date"])
    start, end = _time(row.get("start", "")), _time(row.get("end", ""))
    all_day = start is None
    starts = datetime.combine(day, start or time(0), tz)
    ends = None
    if end is not None:
        ends = datetime.combine(day, end, tz)
        if ends <= starts:
            raise ValueError(f"the end time {end:%H:%M} is not after the start time {start:%H:%M}")
    elif all_day:
        ends = starts + timedelta(days=1)
    kind = KINDS.get(row.get("kind", "").lower(), "other")
    capacity = None
    if row.get("capacity"):
        if not row["capacity"].isdigit():
            raise ValueError(f"the capacity {row['capacity']!r} is not a whole number")
        capacity = int(row["capacity"])
    source_id = row.get("id") or hashlib.sha1(
        f"{row['title'].lower()}|{day.isoformat()}".encode()
    ).hexdigest()[:16]
    return EventRecord(
        source_id=source_id, title=row["title"], starts_at=starts, ends_at=ends, kind=kind,
        description=row.get("description") or None, all_day=all_day,
        location=row.get("location") or None,
        registration_url=row.get("registration") or None, capacity=capacity,
    )


def read_events_csv(source: str, **_options: object) -> Iterator[EventRecord | RecordError]:
    path = Path(source)
    if not path.is_file():
        raise SourceUnreadable(f"Cannot read {source}: no such file.")
    tz = get_settings().tz
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise SourceUnreadable(f"Cannot read {source}: {exc.strerror}.") from None
    with handle:
        sample = handle.read(4096)
        handle.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(handle, dialect=dialect)
        try:
            fields = [(f or "").strip().lower() for f in reader.fieldnames or []]
        except UnicodeDecodeError:
            raise SourceUnreadable(f"{source} is not UTF-8 text; save it as CSV UTF-8.") from None
        reader.fieldnames = fields
        if "title" not in {HEADERS.get(f) for f in fields}:
            raise SourceUnreadable(
                f"{source} has no title column: expected headers such as "
                "judul, tanggal, jam mulai, jam selesai, tempat, jenis, pendaftaran, deskripsi."
            )
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield RecordError(f"line {reader.line_num}", f"the line cannot be read: {exc}")
                continue
            line = reader.line_num
            try:
                yield _row(raw, line, tz)
            except ValueError as exc:
                yield RecordError(f"line {line}", str(exc))
