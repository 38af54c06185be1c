"""Events from a spreadsheet kept by staff, as CSV or Excel XLSX (kind `events-csv`).

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

Times are local (OUTREACH_TIMEZONE) and stored in UTC. "jenis" goes through the event-kind
rules (`sources.kinds`, OUTREACH_EVENT_KIND_RULES). XLSX files (any name: recognised by their
content) are read with openpyxl in read-only mode, row by row, from the first sheet or the one
named by the `sheet` option; Excel's own date and time cells are taken as they are. CSV files may
use commas, semicolons (Excel in an Indonesian locale) or tabs, UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from outreach.config import get_settings
from outreach.sources.base import EventRecord, RecordError, SourceUnreadable
from outreach.sources.csvfiles import normalise_header, open_csv
from outreach.sources.dates import DAY_MONTH_YEAR, parse_when
from outreach.sources.kinds import KindRules

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
    "waktu mulai": "start", "waktu selesai": "end", "nama acara": "title", "acara": "title",
    "url pendaftaran": "registration", "link": "registration",
}


# 2026-12-05, 2026/12/5; the day-first shapes are DAY_MONTH_YEAR's
_YEAR_MONTH_DAY = r"(?P<Y>[0-9]{4})(?P<sep>[-/])(?P<m>[0-9]{1,2})(?P=sep)(?P<d>[0-9]{1,2})"


def _date(value: Any) -> date:
    if (when := parse_when(value, None, _YEAR_MONTH_DAY, DAY_MONTH_YEAR, earliest=1)) is None:
        text = str(value).strip()
        raise ValueError(f"the date {text!r} is not a date like 2026-12-05 or 05/12/2026")
    return when.date()


def _time(value: Any) -> time | None:
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, float) and 0 <= value < 1:  # Excel's fraction of a day
        minutes = round(value * 24 * 60)
        return time(minutes // 60 % 24, minutes % 60)
    text = str(value or "").strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2})[:.](\d{2})(?:[:.]\d{2})?(?:\s*(WITA|WIB|WIT))?", text,
                         re.IGNORECASE)
    if not match or int(match[1]) > 23 or int(match[2]) > 59:
        raise ValueError(f"the time {text!r} is not a time like 09:00 or 09.00")
    return time(int(match[1]), int(match[2]))


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else value


def _row(raw: dict[str, Any], tz, rules: KindRules) -> EventRecord:  # noqa: ANN001
    row = {HEADERS[k]: _cell(v) for k, v in raw.items() if k in HEADERS}
    title = str(row.get("title") or "")
    if not title:
        raise ValueError("the title (judul) is empty")
    if row.get("date") in (None, ""):
        raise ValueError("the date (tanggal) is empty")
    day = _date(row["date"])
    start, end = _time(row.get("start")), _time(row.get("end"))
    all_day = start is None
    starts = datetime.combine(day, start or time(0), tz)
    ends = None
    if end is not None:
        ends = datetime.combine(day, end, tz)
        if ends <= starts:
            raise ValueError(f"the end time {end:%H:%M} is not after the start time "
                             f"{(start or time(0)):%H:%M}")
    elif all_day:
        ends = starts + timedelta(days=1)
    kind = rules.kind([str(row.get("kind") or "")])
    capacity = None
    if row.get("capacity") not in (None, ""):
        text = str(row["capacity"])
        if not text.isdigit():
            raise ValueError(f"the capacity {text!r} is not a whole number")
        capacity = int(text)
    source_id = str(row.get("id") or "") or hashlib.sha1(
        f"{title.lower()}|{day.isoformat()}".encode()
    ).hexdigest()[:16]
    text_or_none = lambda key: str(row.get(key) or "") or None  # noqa: E731
    return EventRecord(
        source_id=source_id, title=title, starts_at=starts, ends_at=ends, kind=kind,
        description=text_or_none("description"), all_day=all_day,
        location=text_or_none("location"), registration_url=text_or_none("registration"),
        capacity=capacity,
    )


def _check_headers(fields: list[str], source: str) -> None:
    if "title" not in {HEADERS.get(f) for f in fields}:
        raise SourceUnreadable(
            f"{source} has no title column: expected headers such as "
            "judul, tanggal, jam mulai, jam selesai, tempat, jenis, pendaftaran, deskripsi."
        )


def _csv_rows(path: Path, source: str) -> Iterator[tuple[str, dict[str, Any]] | RecordError]:
    handle, dialect = open_csv(path)
    with handle:
        reader = csv.DictReader(handle, dialect=dialect)
        try:
            fields = [normalise_header(f) for f in reader.fieldnames or []]
        except csv.Error as exc:
            raise SourceUnreadable(f"{source} cannot be read as CSV: {exc}.") from None
        reader.fieldnames = fields
        _check_headers(fields, source)
        while True:
            try:
                raw = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RecordError(f"line {reader.line_num}", f"the line cannot be read: {exc}")
                continue
            if any((v or "").strip() for v in raw.values() if isinstance(v, str)):
                yield f"line {reader.line_num}", raw


def _xlsx_rows(path: Path, source: str, sheet: str | None
               ) -> Iterator[tuple[str, dict[str, Any]] | RecordError]:
    from openpyxl import load_workbook

    with path.open("rb") as handle:  # a file object: openpyxl then ignores the file's name
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors alike
            raise SourceUnreadable(f"{source} could not be opened as an Excel workbook "
                                   f"({type(exc).__name__}); save it again from Excel as "
                                   ".xlsx or CSV.") from None
        try:
            yield from _sheet_rows(book, source, sheet)
        finally:
            book.close()


def _sheet_rows(book: Any, source: str, sheet: str | None
                ) -> Iterator[tuple[str, dict[str, Any]] | RecordError]:
    if sheet is not None and sheet not in book.sheetnames:
        raise SourceUnreadable(f"{source} has no sheet named {sheet!r}; its sheets: "
                               f"{', '.join(book.sheetnames)}.")
    if not book.worksheets:
        raise SourceUnreadable(f"{source} has no sheets.")
    ws = book[sheet] if sheet else book.worksheets[0]
    fields: list[str] = []
    number = 0
    try:
        rows = ws.iter_rows(values_only=True)
        for number, values in enumerate(rows, 1):  # noqa: B007 - the header's row number
            if any(v not in (None, "") for v in values):
                fields = [normalise_header(str(v) if v is not None else "") for v in values]
                break
        _check_headers(fields, f"{source} (sheet {ws.title!r})")
        for offset, values in enumerate(rows, number + 1):
            number = offset
            if any(v not in (None, "") for v in values):
                yield f"sheet {ws.title!r} row {offset}", dict(zip(fields, values, strict=False))
    except SourceUnreadable:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged sheet inside the zip
        raise SourceUnreadable(f"{source}: the sheet {ws.title!r} is damaged after row "
                               f"{number} ({type(exc).__name__}); the rows before it were "
                               "read.") from None


def read_events_csv(source: str, *, sheet: str | None = None, **_options: object
                    ) -> Iterator[EventRecord | RecordError]:
    """Stream the events of a staff spreadsheet: CSV, or XLSX (recognised by its content)."""
    path = Path(source)
    if not path.is_file():
        raise SourceUnreadable(f"Cannot read {source}: no such file.")
    try:
        with path.open("rb") as handle:
            magic = handle.read(8)
    except OSError as exc:
        raise SourceUnreadable(f"Cannot read {source}: {exc.strerror}.") from None
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise SourceUnreadable(f"{source} is an old Excel .xls file: save it as .xlsx (Excel "
                               "Workbook) or CSV UTF-8 and import that.")
    settings = get_settings()
    rules = KindRules.from_settings(settings)
    rows = (_xlsx_rows(path, source, sheet) if magic.startswith(b"PK\x03\x04")
            else _csv_rows(path, source))
    for found in rows:
        if isinstance(found, RecordError):
            yield found
            continue
        where, raw = found
        try:
            yield _row(raw, settings.tz, rules)
        except ValueError as exc:
            yield RecordError(where, str(exc))
