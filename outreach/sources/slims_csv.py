"""SLiMS CSV exports (kind `slims-csv`): the bibliography CSV joined with the item CSV.

SLiMS writes them from Bibliography > Export (`senayan_biblio_export.csv`) and Bibliography >
Item Export (`senayan_item_export.csv`). The bibliography CSV has no date and no record number,
and writes several values in one cell as `<A><B>` (authors, topics, item codes); the item CSV
has each copy's `received_date` and `input_date`. So:
- SOURCE is a folder holding both files, or the bibliography file (the item file is found beside
  it, or given with the `items` option);
- a title's acquisition date is the earliest date of its copies (receipt, else entry);
- a title is known by its first copy's code (`item:B00012`), or, with no copy yet, by its title,
  ISBN and year (`csv:…`); export after the copies are entered, so the identity holds;
- headers in English (SLiMS's own) or Indonesian ("judul", "pengarang", "penerbit", ...), or
  none (SLiMS's column order); separators and encodings as csvfiles.open_csv finds them.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from outreach.config import get_settings
from outreach.sources.base import (
    Item,
    RecordError,
    RecordWarning,
    SourceUnreadable,
    Tally,
    TitleRecord,
)
from outreach.sources.csvfiles import normalise_header, open_csv
from outreach.sources.dates import ANY_REST, DAY_MONTH_YEAR, ISO_DATE_TIME, ISO_DAY, parse_when
from outreach.sources.isbn import normalize_isbn
from outreach.sources.oai_records import split_title
from outreach.sources.slims_covers import SlimsCovers

# SLiMS's bibliography export columns, in its order (admin/modules/bibliography/export.php).
BIBLIO_COLUMNS = ["title", "gmd_name", "edition", "isbn_issn", "publisher_name",
                  "publish_year", "collation", "series_title", "call_number", "language_name",
                  "place_name", "classification", "notes", "image", "sor", "authors", "topics",
                  "item_code"]
ITEM_COLUMNS = ["item_code", "call_number", "coll_type_name", "inventory_code",
                "received_date", "supplier_name", "order_no", "location_name", "order_date",
                "item_status_name", "site", "source", "invoice", "price", "price_currency",
                "invoice_date", "input_date", "last_update", "title"]
ALIASES = {
    "biblio id": "biblio_id", "id": "biblio_id",
    "judul": "title", "title": "title",
    "gmd": "gmd_name", "gmd name": "gmd_name",
    "edisi": "edition", "edition": "edition",
    "isbn": "isbn_issn", "issn": "isbn_issn", "isbn issn": "isbn_issn", "isbn/issn": "isbn_issn",
    "penerbit": "publisher_name", "publisher": "publisher_name",
    "publisher name": "publisher_name",
    "tahun terbit": "publish_year", "tahun": "publish_year", "publish year": "publish_year",
    "kolasi": "collation", "collation": "collation",
    "judul seri": "series_title", "series title": "series_title",
    "no panggil": "call_number", "nomor panggil": "call_number", "call number": "call_number",
    "bahasa": "language_name", "language": "language_name", "language name": "language_name",
    "tempat terbit": "place_name", "place name": "place_name", "place": "place_name",
    "klasifikasi": "classification", "classification": "classification",
    "catatan": "notes", "abstrak": "notes", "notes": "notes",
    "gambar": "image", "sampul": "image", "image": "image",
    "pernyataan tanggung jawab": "sor", "sor": "sor",
    "pengarang": "authors", "penulis": "authors", "authors": "authors", "author": "authors",
    "subjek": "topics", "topik": "topics", "topics": "topics", "subject": "topics",
    "kode eksemplar": "item_code", "kode item": "item_code", "item code": "item_code",
    "barcode": "item_code",
    "tanggal diterima": "received_date", "tanggal penerimaan": "received_date",
    "received date": "received_date",
    "tanggal input": "input_date", "input date": "input_date",
    "tanggal pemesanan": "order_date", "order date": "order_date",
}
_MULTI = re.compile(r"<([^<>]*)>")


def multi(value: str | None) -> list[str]:
    """ "<Siever, Ellen><Love, Robert>" -> ["Siever, Ellen", "Love, Robert"]; a plain value is
    one value."""
    value = (value or "").strip()
    if not value:
        return []
    found = [v.strip() for v in _MULTI.findall(value) if v.strip()]
    return found if found else [value]


def parse_date(value: str | None, tz) -> datetime | None:  # noqa: ANN001
    """SLiMS writes 2026-02-10 or 2026-02-10 08:30:00; Excel may have made it 10/02/2026."""
    return parse_when(value, tz, ISO_DATE_TIME + ANY_REST, DAY_MONTH_YEAR)


def _columns(first: list[str], defaults: list[str]) -> tuple[list[str], bool]:
    """(column names, whether `first` was a header row)."""
    named = [ALIASES.get(normalise_header(c), "") for c in first]
    if sum(1 for n in named if n) >= 2:
        return named, True
    return defaults, False


def _kind_of(path: Path) -> str | None:
    """ "biblio", "items" or None, from the file's header (or its shape without one)."""
    handle, dialect = open_csv(path)
    with handle:
        first = next(csv.reader(handle, dialect), [])
    named, header = _columns(first, [])
    if header:
        if "received_date" in named or "input_date" in named or "order_date" in named:
            return "items"
        if "title" in named:
            return "biblio"
        return None
    if len(first) >= 17 and re.match(ISO_DAY, first[16].strip()):  # the shape, even 0000-00-00
        return "items"
    return "biblio" if len(first) in (18, 19) else None


def _find(source: Path, items: str | None) -> tuple[Path, Path | None]:
    if not source.exists():
        raise SourceUnreadable(f"{source} does not exist.")
    if source.is_dir():
        found: dict[str, Path] = {}
        for path in sorted(source.iterdir()):
            if path.suffix.lower() in (".csv", ".txt") and path.is_file():
                kind = _kind_of(path)
                if kind and kind not in found:
                    found[kind] = path
        if "biblio" not in found:
            raise SourceUnreadable(f"No SLiMS bibliography CSV was found in {source}: export it "
                                   "from Bibliography > Export, with column names.")
        return found["biblio"], Path(items) if items else found.get("items")
    if items:
        return source, Path(items)
    for path in sorted(source.parent.iterdir()):
        if path != source and path.suffix.lower() in (".csv", ".txt") and path.is_file():
            if _kind_of(path) == "items":
                return source, path
    return source, None


def _item_dates(path: Path, tz) -> tuple[dict[str, datetime], list[Item]]:  # noqa: ANN001
    """Each copy's date (received, else entered) by item code; codes and dates only in memory.
    A copy without a date is a warning, not a rejected record: it is not a title, and its
    title is still imported (dated by its other copies, or not announced)."""
    dates: dict[str, datetime] = {}
    errors: list[Item] = []
    copies = 0
    handle, dialect = open_csv(path)
    with handle:
        reader = csv.reader(handle, dialect)
        first = next(reader, [])
        names, header = _columns(first, ITEM_COLUMNS)
        rows = reader if header else _chain(first, reader)
        where = {n: i for i, n in reversed(list(enumerate(names))) if n}
        if "item_code" not in where:
            raise SourceUnreadable(f"{path} has no item_code column (kode eksemplar).")
        def get(row: list[str], name: str) -> str:
            i = where.get(name)
            return row[i] if i is not None and i < len(row) else ""

        for row in rows:
            code = get(row, "item_code").strip()
            if not code:
                continue
            copies += 1
            when = (parse_date(get(row, "received_date"), tz)
                    or parse_date(get(row, "input_date"), tz))
            if when is None:
                errors.append(RecordWarning(f"{path.name} line {reader.line_num}",
                                            f"the copy {code} has no receipt or entry date; "
                                            "it does not date its title"))
                continue
            if code not in dates or when < dates[code]:
                dates[code] = when
    undated = sum(1 for e in errors if isinstance(e, RecordWarning))
    return dates, [Tally("copies", copies), Tally("copies_undated", undated), *errors]


def _chain(first: list[str], rest: Iterator[list[str]]) -> Iterator[list[str]]:
    yield first
    yield from rest


def read_slims_csv(source: str, *, items: str | None = None, opac_url: str | None = None,
                   images: str | None = None, **_options: object) -> Iterator[Item]:
    """Stream the titles of SLiMS's bibliography CSV, dated by its item CSV."""
    settings = get_settings()
    tz = settings.tz
    opac = (opac_url or settings.opac_url or "").rstrip("/") or None
    biblio, item_file = _find(Path(source), items)
    covers = SlimsCovers(opac, images)
    handle, dialect = open_csv(biblio)
    with handle:
        reader = csv.reader(handle, dialect)
        try:
            first = next(reader, [])
        except csv.Error as exc:
            raise SourceUnreadable(f"{biblio} cannot be read as CSV: {exc}.") from None
        names, header = _columns(first, BIBLIO_COLUMNS)
        if "title" not in names or (not header and len(first) not in (18, 19)):
            raise SourceUnreadable(f"{biblio} has no title column (judul): is it SLiMS's "
                                   "bibliography export, with column names?")
        where = {n: i for i, n in reversed(list(enumerate(names))) if n}
        rows = reader if header else _chain(first, reader)
        dates: dict[str, datetime] = {}
        if item_file is None:
            yield RecordWarning(str(biblio), "no item CSV (Bibliography > Item Export) was found "
                                           "beside it, so the titles have no acquisition date "
                                           "and will not be announced as new")
        else:
            dates, errors = _item_dates(item_file, tz)
            yield from errors
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except csv.Error as exc:
                yield RecordError(f"{biblio.name} line {reader.line_num}",
                                  f"the line cannot be read: {exc}")
                continue
            if not any(cell.strip() for cell in row):
                continue
            yield _title(row, where, dates, opac, covers, f"{biblio.name} line "
                         f"{reader.line_num}")
            yield from covers.take_warnings()


def _title(row: list[str], where: dict[str, int], dates: dict[str, datetime],
           opac: str | None, covers: SlimsCovers, place: str) -> Item:
    def get(name: str) -> str | None:
        i = where.get(name)
        value = row[i].strip() if i is not None and i < len(row) else ""
        return " ".join(value.split()) or None

    raw_title = get("title")
    if not raw_title:
        return RecordError(place, "the title (judul) is empty")
    title, subtitle = split_title(raw_title)
    codes = multi(get("item_code"))
    isbn = normalize_isbn(get("isbn_issn"))
    if get("biblio_id"):
        sid = str(get("biblio_id"))
    elif codes:
        sid = f"item:{min(codes)}"
    else:
        key = f"{raw_title.casefold()}|{isbn or get('isbn_issn') or ''}|{get('publish_year')}"
        sid = "csv:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
    known = [dates[c] for c in codes if c in dates]
    cover = covers.cover(get("image"), place)
    return TitleRecord(
        source_id=sid, title=title, subtitle=subtitle, authors=multi(get("authors")),
        isbns=[isbn] if isbn else [], publisher=get("publisher_name"), place=get("place_name"),
        year=(get("publish_year") or "")[:20] or None, edition=get("edition"),
        classification=(get("classification") or "")[:60] or None,
        call_number=(get("call_number") or "")[:120] or None,
        language=(get("language_name") or "")[:20] or None, subjects=multi(get("topics")),
        summary=get("notes"), cover_url=cover,
        opac_url=f"{opac}/index.php?p=show_detail&id={sid}" if opac and sid.isdigit() else None,
        catalogued_at=min(known) if known else None,
    )
