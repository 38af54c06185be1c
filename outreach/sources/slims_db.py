"""SLiMS's own database, read-only (kind `slims-db`): a MySQL/MariaDB URL, or a SQL dump file.

    outreach import slims-db "mysql+pymysql://outreach_ro:PASSWORD@db.perpus.local/slims"
    outreach import slims-db /backup/slims-2026-03-01.sql

A dump is loaded, table by table and only the tables and columns read here, into a temporary
SQLite file, so no MySQL server is needed; both paths then run the same queries. Titles are
read in pages of 500 by biblio_id (flat memory whatever the catalogue's size), with their
authors (level 1 primary first), subjects, and acquisition date: `biblio.input_date`, else the
earliest of the copies' `item.received_date` / `item.input_date`. Times are the library's local
time (OUTREACH_TIMEZONE). Covers: `images/docs/<image>` under the OPAC (the `opac_url` option or
OUTREACH_OPAC_URL), or a local copy of that folder (the `images` option). Titles hidden from
the OPAC (`opac_hide`) are withdrawn: never announced, as SLiMS's OAI-PMH marks them deleted.
On MySQL the session is READ ONLY: nothing here can change the library's catalogue.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from outreach.config import get_settings
from outreach.sources.base import Item, RecordError, SourceUnreadable, TitleRecord, sentence
from outreach.sources.dates import ANY_REST, ISO_DATE_TIME, parse_when
from outreach.sources.fetch import mask_url
from outreach.sources.isbn import normalize_isbn
from outreach.sources.oai_records import split_title
from outreach.sources.slims_covers import SlimsCovers
from outreach.sources.sqldump import DumpError, Rows, read_dump

PAGE = 500
# The columns read here, in SLiMS 9's declared order (senayan_ddl.sql), for dumps whose INSERTs
# name no columns and that carry no CREATE TABLE.
TABLES: dict[str, list[str]] = {
    "biblio": ["biblio_id", "gmd_id", "title", "sor", "edition", "isbn_issn", "publisher_id",
               "publish_year", "collation", "series_title", "call_number", "language_id",
               "source", "publish_place_id", "classification", "notes", "image", "file_att",
               "opac_hide", "promoted", "labels", "frequency_id", "spec_detail_info",
               "content_type_id", "media_type_id", "carrier_type_id", "input_date",
               "last_update", "uid"],
    "biblio_author": ["biblio_id", "author_id", "level"],
    "mst_author": ["author_id", "author_name", "author_year", "authority_type", "auth_list",
                   "input_date", "last_update"],
    "mst_publisher": ["publisher_id", "publisher_name", "input_date", "last_update"],
    "mst_place": ["place_id", "place_name", "input_date", "last_update"],
    "mst_gmd": ["gmd_id", "gmd_code", "gmd_name", "icon_image", "input_date", "last_update"],
    "mst_language": ["language_id", "language_name", "input_date", "last_update"],
    "item": ["item_id", "biblio_id", "call_number", "coll_type_id", "item_code",
             "inventory_code", "received_date", "supplier_id", "order_no", "location_id",
             "order_date", "item_status_id", "site", "source", "invoice", "price",
             "price_currency", "invoice_date", "input_date", "last_update", "uid"],
    "biblio_topic": ["biblio_id", "topic_id", "level"],
    "mst_topic": ["topic_id", "topic", "topic_type", "auth_list", "classification",
                  "input_date", "last_update"],
}
USED = {
    "biblio": ["biblio_id", "gmd_id", "title", "edition", "isbn_issn", "publisher_id",
               "publish_year", "call_number", "language_id", "publish_place_id",
               "classification", "notes", "image", "opac_hide", "input_date"],
    "biblio_author": ["biblio_id", "author_id", "level"],
    "mst_author": ["author_id", "author_name"],
    "mst_publisher": ["publisher_id", "publisher_name"],
    "mst_place": ["place_id", "place_name"],
    "mst_gmd": ["gmd_id", "gmd_name"],
    "mst_language": ["language_id", "language_name"],
    "item": ["item_id", "biblio_id", "received_date", "input_date"],
    "biblio_topic": ["biblio_id", "topic_id", "level"],
    "mst_topic": ["topic_id", "topic"],
}
_KEYS = {"biblio": "biblio_id", "mst_author": "author_id", "mst_publisher": "publisher_id",
         "mst_place": "place_id", "mst_gmd": "gmd_id", "mst_language": "language_id",
         "item": "item_id", "mst_topic": "topic_id"}
# Declared INTEGER in the temporary copy, so ids compare and sort as numbers ("10" after "9").
_INTEGERS = {"biblio_id", "author_id", "publisher_id", "place_id", "gmd_id", "item_id",
             "topic_id", "level", "opac_hide", "publish_place_id"}
_INDEXES = ("CREATE INDEX ba_b ON biblio_author(biblio_id)",
            "CREATE INDEX bt_b ON biblio_topic(biblio_id)",
            "CREATE INDEX item_b ON item(biblio_id)")

_BIBLIO = text(
    "SELECT b.biblio_id, b.title, b.edition, b.isbn_issn, b.publish_year, b.call_number,"
    " b.classification, b.notes, b.image, b.opac_hide, b.input_date, b.language_id,"
    " p.publisher_name, pl.place_name"
    " FROM biblio b"
    " LEFT JOIN mst_publisher p ON p.publisher_id = b.publisher_id"
    " LEFT JOIN mst_place pl ON pl.place_id = b.publish_place_id"
    " WHERE b.biblio_id > :after ORDER BY b.biblio_id LIMIT :page"
)
_AUTHORS = text(
    "SELECT ba.biblio_id, a.author_name FROM biblio_author ba"
    " JOIN mst_author a ON a.author_id = ba.author_id"
    " WHERE ba.biblio_id IN :ids ORDER BY ba.biblio_id, ba.level, ba.author_id"
).bindparams(bindparam("ids", expanding=True))
_TOPICS = text(
    "SELECT bt.biblio_id, t.topic FROM biblio_topic bt"
    " JOIN mst_topic t ON t.topic_id = bt.topic_id"
    " WHERE bt.biblio_id IN :ids ORDER BY bt.biblio_id, bt.level, bt.topic_id"
).bindparams(bindparam("ids", expanding=True))
# Each copy's receipt date, else the date it was entered; '0000-00-00' and other placeholders
# are not dates.
_ITEM_DATES = text(
    "SELECT biblio_id, MIN(CASE WHEN received_date >= '1900-01-01' THEN received_date"
    " WHEN input_date >= '1900-01-01' THEN input_date END)"
    " FROM item WHERE biblio_id IN :ids GROUP BY biblio_id"
).bindparams(bindparam("ids", expanding=True))


def fix_mojibake(value: str | None) -> str | None:
    """UTF-8 text that went through a latin-1 connection ("DeveloperÃ¢â‚¬â„¢s") read back as
    it was typed, where that is certain; anything else unchanged."""
    if not value or not any(c in value for c in "ÃÂâ"):
        return value
    fixed = value
    for _ in range(3):
        try:
            again = fixed.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            break
        if again == fixed:
            break
        fixed = again
    return fixed


def _when(value: Any, tz) -> datetime | None:  # noqa: ANN001
    """A DATE/DATETIME column: a value from the driver, or its text in a dump."""
    return parse_when(value, tz, ISO_DATE_TIME + ANY_REST)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    value = " ".join(str(value).split())
    return fix_mojibake(value) or None


_Covers = SlimsCovers


def _titles(conn: Connection, covers: _Covers, tz) -> Iterator[Item]:  # noqa: ANN001
    after = -1
    while True:
        rows = conn.execute(_BIBLIO, {"after": after, "page": PAGE}).all()
        if not rows:
            return
        ids = [r.biblio_id for r in rows]
        authors: dict[Any, list[str]] = {}
        for bid, name in conn.execute(_AUTHORS, {"ids": ids}):
            if (name := _text(name)) and name not in authors.setdefault(bid, []):
                authors[bid].append(name)
        topics: dict[Any, list[str]] = {}
        for bid, topic in conn.execute(_TOPICS, {"ids": ids}):
            if topic := _text(topic):
                topics.setdefault(bid, []).append(topic)
        received = dict(conn.execute(_ITEM_DATES, {"ids": ids}).all())
        for r in rows:
            yield _title(r, authors.get(r.biblio_id, []), topics.get(r.biblio_id, []),
                         received.get(r.biblio_id), covers, tz)
            yield from covers.take_warnings()
        after = int(rows[-1].biblio_id)


def _title(r: Any, authors: list[str], topics: list[str], received: Any, covers: _Covers,
           tz) -> Item:  # noqa: ANN001
    sid = str(r.biblio_id)
    raw_title = _text(r.title)
    if not raw_title:
        return RecordError(f"biblio_id {sid}", "the title is empty")
    title, subtitle = split_title(raw_title)
    isbn = normalize_isbn(_text(r.isbn_issn))
    year = _text(r.publish_year)
    return TitleRecord(
        source_id=sid, title=title, subtitle=subtitle, authors=authors,
        isbns=[isbn] if isbn else [], publisher=_text(r.publisher_name),
        place=_text(r.place_name), year=year[:20] if year else None, edition=_text(r.edition),
        classification=(_text(r.classification) or "")[:60] or None,
        call_number=(_text(r.call_number) or "")[:120] or None,
        language=(_text(r.language_id) or "")[:20] or None, subjects=topics,
        summary=_text(r.notes), cover_url=covers.cover(_text(r.image), f"biblio_id {sid}"),
        opac_url=covers.page(sid),
        catalogued_at=_when(r.input_date, tz) or _when(received, tz),
        withdrawn=str(r.opac_hide or "0").strip() not in ("0", ""),
    )


# Tables only Koha has; Koha's own `biblio` table is keyed by biblionumber.
_KOHA_TABLES = ("biblioitems", "biblio_metadata", "borrowers")
KOHA_MESSAGE = ("{source} looks like a Koha database (it has Koha's biblio/biblioitems tables), "
                "not SLiMS's: import Koha's catalogue with koha-oai (its OAI-PMH, "
                "/cgi-bin/koha/oai.pl) or koha-rss.")


def _is_koha(found: object) -> bool:
    if isinstance(found, Rows):
        return found.table in _KOHA_TABLES or (
            found.table == "biblio" and found.columns is not None
            and "biblionumber" in found.columns)
    if isinstance(found, tuple):
        return found[1] in _KOHA_TABLES or (found[1] == "biblio" and "biblionumber" in found[2])
    return False


def _check_not_koha(conn: Connection, shown: str) -> None:
    """Refuse a Koha database on a MySQL server, before its tables are read as SLiMS's."""
    found = conn.execute(text(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()"
        " AND table_name IN ('biblioitems', 'biblio_metadata')")).scalar()
    if found:
        raise SourceUnreadable(KOHA_MESSAGE.format(source=shown))


def _load_dump(path: str, target: str) -> Iterator[RecordError]:
    """Load the wanted tables of the dump at `path` into a new SQLite file `target`."""
    db = sqlite3.connect(target)
    try:
        for table, used in USED.items():
            key = _KEYS.get(table)
            cols = ", ".join(f'"{c}"' + (" INTEGER" if c in _INTEGERS else "")
                             + (" PRIMARY KEY" if c == key else "") for c in used)
            db.execute(f'CREATE TABLE "{table}" ({cols})')
        declared = {t: list(c) for t, c in TABLES.items()}
        try:
            handle = open(path, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115
        except OSError as exc:
            raise SourceUnreadable(f"Cannot open {path}: {exc.strerror or exc}.") from None
        seen = 0
        with handle:
            for found in read_dump(handle, [*USED, *_KOHA_TABLES]):
                if _is_koha(found):
                    raise SourceUnreadable(KOHA_MESSAGE.format(source=path))
                if isinstance(found, DumpError):
                    yield RecordError(f"{path} {str(found).split(':', 1)[0]}",
                                      str(found).split(": ", 1)[-1])
                    continue
                if isinstance(found, tuple):
                    declared[found[1]] = found[2]
                    continue
                seen += 1
                _insert(db, found, declared)
        if not seen:
            raise SourceUnreadable(f"{path} holds no SLiMS rows (no INSERT INTO biblio …): is "
                                   "it a SQL dump of the SLiMS database?")
        for statement in _INDEXES:
            db.execute(statement)
        db.commit()
    except sqlite3.DatabaseError as exc:
        raise SourceUnreadable(f"The dump {path} could not be loaded: {exc}.") from None
    finally:
        db.close()


def _insert(db: sqlite3.Connection, rows: Rows, declared: dict[str, list[str]]) -> None:
    names = rows.columns or declared[rows.table]
    used = USED[rows.table]
    positions = [names.index(c) if c in names else None for c in used]
    verb = "INSERT OR REPLACE" if rows.replace else "INSERT OR IGNORE"
    marks = ", ".join("?" for _ in used)
    data = [tuple(row[i] if i is not None and i < len(row) else None for i in positions)
            for row in rows.rows]
    db.executemany(f'{verb} INTO "{rows.table}" VALUES ({marks})', data)


@contextmanager
def _mysql(url: str) -> Iterator[Connection]:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SourceUnreadable(f"{mask_url(url)} is not a database URL such as "
                               "mysql+pymysql://user:password@host/slims.") from None
    backend = parsed.get_backend_name()
    if backend not in ("mysql", "mariadb"):
        raise SourceUnreadable(f"slims-db reads MySQL or MariaDB (mysql+pymysql://…) or a .sql "
                               f"dump file, not {backend}.")
    parsed = parsed.set(drivername=f"{backend}+pymysql")
    if "charset" not in parsed.query:
        parsed = parsed.update_query_dict({"charset": "utf8mb4"})
    shown = mask_url(url)
    timeout = int(get_settings().source_timeout_seconds)
    engine = create_engine(parsed, connect_args={"connect_timeout": min(timeout, 30),
                                                 "read_timeout": timeout}, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            # Read-only by construction: a mistake here cannot change the catalogue.
            conn.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
            yield conn
    except DBAPIError as exc:
        orig = exc.orig
        code = orig.args[0] if orig is not None and orig.args else None
        words = {1045: sentence("the user name or password was refused"),
                 1044: sentence("this user may not read that database"),
                 1049: sentence("no such database"),
                 2003: sentence("the server cannot be reached (is it running, is the port "
                                "open?)"),
                 2005: sentence("the host name could not be found (DNS)"),
                 1146: sentence("a SLiMS table is missing: is this the SLiMS database?")
                 }.get(code)
        detail = words or (str(orig.args[1]) if orig is not None and len(orig.args) > 1
                           else type(exc).__name__)
        raise SourceUnreadable(f"Cannot read {shown}: {detail}.") from None
    except SQLAlchemyError as exc:  # never str(exc): it may carry the URL
        raise SourceUnreadable(f"Cannot read {shown}: {type(exc).__name__}.") from None
    finally:
        engine.dispose()


def read_slims_db(source: str, *, opac_url: str | None = None, images: str | None = None,
                  **_options: object) -> Iterator[Item]:
    """Stream the titles of a SLiMS database (MySQL/MariaDB URL) or SQL dump file."""
    settings = get_settings()
    covers = _Covers(opac_url or settings.opac_url, images)
    if "://" in str(source):
        with _mysql(str(source)) as conn:
            _check_not_koha(conn, mask_url(str(source)))
            yield from _titles(conn, covers, settings.tz)
        return
    path = os.fspath(source)
    if not os.path.isfile(path):
        raise SourceUnreadable(f"The file {path} does not exist" if not os.path.exists(path)
                               else f"{path} is not a SQL dump file.")
    with tempfile.TemporaryDirectory(prefix="outreach-slims-") as folder:
        target = os.path.join(folder, "slims.sqlite")
        yield from _load_dump(path, target)
        engine = create_engine(f"sqlite:///{target}")
        try:
            with engine.connect() as conn:
                yield from _titles(conn, covers, settings.tz)
        except SQLAlchemyError as exc:
            raise SourceUnreadable(f"The dump {path} could not be read: {exc}.") from None
        finally:
            engine.dispose()
