"""Events from a spreadsheet kept by staff, as CSV or Excel XLSX (kind `events-csv`).

Columns are found by their names, in any order, case and spacing ignored: the Indonesian and
English names staff use ("Judul Kegiatan", "Hari/Tanggal", "Waktu", "Kuota Peserta" …) and
Google Calendar's CSV import header; `sources.sheet_cells` reads the names and the cells, and
docs/sources.md lists them. Required: a title and a date.

Times are local (OUTREACH_TIMEZONE) unless the cell names a zone (09.00 WIB, +07:00); stored in
UTC. A capacity that is not one number ("20-30") is left empty with a warning, not a rejection.
"jenis" goes through the event-kind rules (`sources.kinds`, OUTREACH_EVENT_KIND_RULES). XLSX
files (any name: recognised by their content) are read with openpyxl in read-only mode, row by
row, from the first sheet or the one named by the `sheet` option; Excel's own date and time cells
are taken as they are. CSV files may use commas, semicolons (Excel in an Indonesian locale) or
tabs, UTF-8 or Windows-1252.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from outreach.config import get_settings
from outreach.sources.base import EventRecord, RecordError, RecordWarning, SourceUnreadable
from outreach.sources.csvfiles import normalise_header, open_csv
from outreach.sources.kinds import KindRules
from outreach.sources.sheet_cells import (
    capacity,
    field_name,
    is_google,
    parse_day,
    parse_times,
    truthy,
)


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    return "" if value is None else value


def _meaning(raw: dict[str, Any]) -> dict[str, Any]:
    """The row by meaning ("title", "date", …); of two columns with one meaning, the first
    that is filled in."""
    row: dict[str, Any] = {}
    for name, value in raw.items():
        key = field_name(name)
        value = _cell(value)
        if key and (row.get(key) in (None, "")):
            row[key] = value
    return row


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value or "").strip()


def _row(raw: dict[str, Any], tz: tzinfo, rules: KindRules, google: bool
         ) -> tuple[EventRecord, list[str]]:
    """One event and the notes about it (values it could not use)."""
    row = _meaning(raw)
    notes: list[str] = []
    title = _text(row.get("title"))
    if not title:
        raise ValueError("the title (judul) is empty")
    if row.get("date") in (None, ""):
        raise ValueError("the date (tanggal) is empty")
    day = parse_day(row["date"], google)
    last_day = parse_day(row["end_date"], google) if row.get("end_date") not in (None, "") \
        else day
    if last_day < day:
        raise ValueError(f"the end date {last_day:%d/%m/%Y} is before the date {day:%d/%m/%Y}")
    start, end, zone = parse_times(row.get("start"))
    if row.get("end") not in (None, ""):
        end, _, end_zone = parse_times(row.get("end"))
        zone = zone or end_zone
    all_day = start is None or truthy(row.get("all_day"))
    zone = zone or tz
    starts = datetime.combine(day, time(0) if all_day else start, zone)
    if all_day:
        ends = datetime.combine(last_day + timedelta(days=1), time(0), zone)
    elif end is not None:
        ends = datetime.combine(last_day, end, zone)
        if ends <= starts:
            raise ValueError(f"the end time {end:%H:%M} is not after the start time "
                             f"{start:%H:%M}")
    else:
        ends = None
    kind = rules.kind([_text(row.get("kind"))])
    seats, note = capacity(row.get("capacity"))
    if note:
        notes.append(note)
    source_id = _text(row.get("id")) or hashlib.sha1(
        f"{title.lower()}|{day.isoformat()}".encode()
    ).hexdigest()[:16]
    text_or_none = lambda key: _text(row.get(key)) or None  # noqa: E731
    return EventRecord(
        source_id=source_id, title=title, starts_at=starts, ends_at=ends, kind=kind,
        description=text_or_none("description"), all_day=all_day,
        location=text_or_none("location"), registration_url=text_or_none("registration"),
        capacity=seats,
    ), notes


def _check_headers(fields: list[str], source: str) -> None:
    if "title" not in {field_name(f) for f in fields}:
        raise SourceUnreadable(
            f"{source} has no title column: expected headers such as "
            "judul, tanggal, jam mulai, jam selesai, tempat, jenis, pendaftaran, deskripsi "
            "(or Google Calendar's Subject, Start Date, Start Time …)."
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
                    ) -> Iterator[EventRecord | RecordError | RecordWarning]:
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
            record, notes = _row(raw, settings.tz, rules, is_google(list(raw)))
        except ValueError as exc:
            yield RecordError(where, str(exc))
            continue
        for note in notes:
            yield RecordWarning(where, note)
        yield record
