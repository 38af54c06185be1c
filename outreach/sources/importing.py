"""Run one import: stream a reader's records into the catalogue tables and record the run.

`run_import(kind, source)` looks the kind up in the registry, streams its reader and upserts in
batches by (source label, source_id), comparing content hashes:

- new record -> inserted, first_seen_at = updated_at = now;
- changed -> fields and updated_at rewritten; first_seen_at never changes, so an edited title is
  never announced again;
- same -> left alone;
- withdrawn at the source -> withdrawn_at set, the row kept (posts and reports point at it);
- new id, but a row of the same source under the record's `former_id` (the identity an older
  reader gave it: a Koha record's 001, now its biblionumber) -> that row re-keyed to the new id
  and updated, so its id, first_seen_at and posts stay, and no duplicate appears.

Incremental kinds (OAI-PMH) get a HarvestState from the last successful run of the same kind
and source (`import_runs.harvest_state`); every run is recorded as an ImportRun.

It works through SQLAlchemy Core: per batch (5,000 records by default) one transaction, SELECTs of
the known ids and hashes, and executemany writes, so 100,000 MARC records take seconds; memory
stays flat, since only one batch of records is held at a time (bench/marc_import.py measures it).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from operator import attrgetter, itemgetter
from typing import Any

from sqlalchemy import String, bindparam, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from outreach.config import get_settings
from outreach.db import get_engine
from outreach.models import Event, Title, utcnow
from outreach.sources import get_kind
from outreach.sources.base import (
    EventRecord,
    HarvestState,
    RecordError,
    RecordWarning,
    SourceUnreadable,
    Tally,
    TitleRecord,
)
from outreach.sources.import_runs import (
    ImportResult,
    finish_run,
    harvest_state,
    mask_source,
    start_run,
)

__all__ = ["ImportResult", "content_hash", "harvest_state", "mask_source", "run_import"]
log = logging.getLogger(__name__)

_TARGETS = {"title": (Title.__table__, TitleRecord), "event": (Event.__table__, EventRecord)}
# Open Library's cover by ISBN; "default=false" makes it answer 404 rather than a blank image,
# so compose falls back to a card (https://openlibrary.org/dev/docs/api/covers).
OPEN_LIBRARY_COVER = "https://covers.openlibrary.org/b/isbn/{isbn}-L.jpg?default=false"
_IN_CHUNK = 500  # ids per SELECT ... IN: below every SQLite build's variable limit
CREATED, UPDATED, UNCHANGED, REKEYED = 0, 1, 2, 3  # REKEYED: updated, found by its former id
# The same JSON as the records' content_hash() (base.py), without dataclasses.asdict's deep
# copy and a new encoder per call: hashing was the largest cost of an import after parsing.
# Keys are inserted in sorted order, so the encoder need not sort them (same output).
# tests/test_importing.py checks that both give the same digest.
# Fields that say how to find a record, not what it says (base.TitleRecord.former_id).
_NOT_HASHED = frozenset({"former_id"})
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class _Hasher:
    """content_hash() for one record type: its fields read in sorted order, times as ISO text."""

    def __init__(self, record_type: type) -> None:
        fields = sorted((f for f in dataclasses.fields(record_type) if f.name not in _NOT_HASHED),
                        key=lambda f: f.name)
        self.names = tuple(f.name for f in fields)
        self.getter = attrgetter(*self.names)
        self.times = [f.name for f in fields if "datetime" in str(f.type)]

    def __call__(self, record: TitleRecord | EventRecord) -> str:
        data = dict(zip(self.names, self.getter(record), strict=True))
        for name in self.times:
            if (value := data[name]) is not None:
                data[name] = value.isoformat()
        return hashlib.sha256(_ENCODER.encode(data).encode("utf-8")).hexdigest()


_HASHERS = {TitleRecord: _Hasher(TitleRecord), EventRecord: _Hasher(EventRecord)}


def content_hash(record: TitleRecord | EventRecord) -> str:
    """The same digest as `record.content_hash()`, several times faster."""
    return _HASHERS[type(record)](record)


class _Many:
    """One INSERT or UPDATE, compiled once for the database's dialect and run with the driver's
    executemany. SQLAlchemy's per-row parameter handling cost more than SQLite's own work on a
    100,000-record import; values still go through each column type's bind processor (JSON
    columns, UTC times), taken from SQLAlchemy, so they are stored exactly as the ORM would.
    Values shared by every row of a batch (source, timestamps) are processed once."""

    def __init__(self, statement: Any, table: Any, keys: tuple[str, ...],
                 shared: tuple[str, ...], dialect: Any) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.positional = bool(compiled.positional)
        order = tuple(compiled.positiontup) if self.positional else tuple(compiled.binds)
        if not set(order) <= set(keys) | set(shared):
            missing = sorted(set(order) - set(keys) - set(shared))
            raise ValueError(f"statement needs parameters {missing}")
        self.getter = itemgetter(*order) if len(order) > 1 else (lambda row: (row[order[0]],))

        def processor(key: str) -> Callable[[Any], Any] | None:
            column = table.c["id" if key == "b_id" else key]
            return column.type.dialect_impl(dialect).bind_processor(dialect)

        self.row_processors = [(k, p) for k in keys if (p := processor(k)) is not None]
        self.shared_processors = {k: processor(k) for k in shared}

    def run(self, conn: Any, rows: list[dict[str, Any]], shared: dict[str, Any]) -> None:
        common = {k: (p(v) if (p := self.shared_processors[k]) else v) for k, v in shared.items()}
        for row in rows:
            for key, process in self.row_processors:
                row[key] = process(row[key])
            row.update(common)
        if self.positional:
            getter = self.getter
            conn.exec_driver_sql(self.sql, [getter(row) for row in rows])
        else:
            conn.exec_driver_sql(self.sql, rows)


class _Upserter:
    """Holds one batch of records by source_id and writes it in one transaction."""

    def __init__(self, engine: Engine, target: str, label: str, result: ImportResult,
                 open_library: bool = False, undated_is_new: bool = False) -> None:
        self.engine = engine
        self.undated_is_new = undated_is_new and target == "title"
        self.open_library = open_library and target == "title"
        self.table, self.record_type = _TARGETS[target]
        self.label = label
        self.result = result
        self.pending: dict[str, TitleRecord | EventRecord] = {}
        self.hash = _HASHERS[self.record_type]
        names = set(self.hash.names)
        self.fields = [c.name for c in self.table.c if c.name in names and c.name != "source"]
        self.getter = attrgetter(*self.fields)
        self.has_isbn = "isbn" in self.table.c and "isbns" in names
        self.has_withdrawn = "withdrawn_at" in self.table.c
        # PostgreSQL enforces VARCHAR lengths (SQLite does not): clip rather than lose the batch.
        self.limits = {c.name: c.type.length for c in self.table.c
                       if isinstance(c.type, String) and c.type.length and c.name in self.fields}
        self.id_limit = self.table.c.source_id.type.length
        self._statements: dict[tuple, _Many] = {}
        # Outcome of every source_id written in this run, by hash (8 bytes, not the whole id):
        # a record repeated in a later batch must count once, with the later one winning.
        self.outcomes: dict[int, int] = {}

    def add(self, record: TitleRecord | EventRecord) -> None:
        if not isinstance(record, self.record_type):
            raise TypeError(f"{type(record).__name__} given where {self.record_type.__name__} "
                            "was expected: the registry points this kind at the wrong reader")
        sid = record.source_id.strip() if record.source_id else ""
        if not sid or (self.id_limit and len(sid) > self.id_limit):
            self.result.errors.append(RecordError(
                f"record {sid[:40]!r}", "the record has no identifier" if not sid else
                f"the record has an identifier longer than {self.id_limit} characters"))
            return
        if self.open_library and not record.cover_url and record.isbns:
            record.cover_url = OPEN_LIBRARY_COVER.format(isbn=record.isbns[0])
        self.pending[sid] = record

    def _row(self, record: TitleRecord | EventRecord) -> dict[str, Any]:
        row = dict(zip(self.fields, self.getter(record), strict=True))
        for name, limit in self.limits.items():
            value = row[name]
            if isinstance(value, str) and len(value) > limit:
                row[name] = value[:limit]
        if self.has_isbn:
            row["isbn"] = record.isbns[0] if record.isbns else None
        return row

    def flush(self) -> None:
        if not self.pending:
            return
        batch, self.pending = self.pending, {}
        for attempt in range(3):
            try:
                outcomes = self._write(batch)
                break
            except IntegrityError:
                # Another import inserted one of these ids meanwhile: read again and redo.
                if attempt == 2:
                    raise
                log.info("batch collided with a concurrent import; retrying")
        for sid, outcome in outcomes:
            self._count(sid, outcome)

    def _count(self, sid: str, outcome: int) -> None:
        key = hash(sid)
        before = self.outcomes.get(key)
        if before is not None:
            self._tally(before, -1)
            if before != UNCHANGED:
                outcome = before
        self.outcomes[key] = outcome
        self._tally(outcome, 1)

    def _tally(self, outcome: int, step: int) -> None:
        if outcome == CREATED:
            self.result.created += step
        elif outcome == UPDATED:
            self.result.updated += step
        elif outcome == REKEYED:
            self.result.updated += step
            self.result.rekeyed += step
        else:
            self.result.unchanged += step

    def _write(self, batch: dict[str, TitleRecord | EventRecord]) -> list[tuple[str, int]]:
        t = self.table
        wanted = [t.c.id, t.c.source_id, t.c.content_hash]
        if self.has_withdrawn:
            wanted.append(t.c.withdrawn_at)
        if self.undated_is_new:
            wanted.append(t.c.catalogued_at)
        outcomes: list[tuple[str, int]] = []
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        withdrawals: list[dict[str, Any]] = []
        with self.engine.begin() as conn:
            existing: dict[str, Any] = {}
            ids = list(batch)
            for i in range(0, len(ids), _IN_CHUNK):
                query = select(*wanted).where(t.c.source == self.label,
                                              t.c.source_id.in_(ids[i:i + _IN_CHUNK]))
                for row in conn.execute(query):
                    existing[row.source_id] = row
            rekeyed = self._former_rows(conn, batch, existing, wanted)
            now = utcnow()
            for sid, record in batch.items():
                old = existing.get(sid)
                withdrawn = getattr(record, "withdrawn", False) and self.has_withdrawn
                if withdrawn:
                    # Only the withdrawal is recorded: a deleted record often arrives stripped
                    # of its fields, and those must not overwrite what the row knows.
                    if old is not None and old.withdrawn_at is None:
                        withdrawals.append({"b_id": old.id})
                        outcomes.append((sid, UPDATED))
                    else:
                        outcomes.append((sid, UNCHANGED))  # unknown here, or withdrawn already
                    continue
                digest = self.hash(record)
                if old is None and (old := rekeyed.get(sid)) is not None:
                    row = self._row(record)
                    row.update(source_id=sid, content_hash=digest, b_id=old.id)
                    if self.undated_is_new and row["catalogued_at"] is None:
                        row["catalogued_at"] = old.catalogued_at
                    updates.append(row)
                    outcomes.append((sid, REKEYED))
                elif old is None:
                    row = self._row(record)
                    row.update(source_id=sid, content_hash=digest)
                    if self.undated_is_new and row["catalogued_at"] is None:
                        row["catalogued_at"] = now
                    inserts.append(row)
                    outcomes.append((sid, CREATED))
                elif old.content_hash != digest or (self.has_withdrawn and old.withdrawn_at):
                    row = self._row(record)
                    row.update(source_id=sid, content_hash=digest, b_id=old.id)
                    if self.undated_is_new and row["catalogued_at"] is None:
                        row["catalogued_at"] = old.catalogued_at  # the date it was first seen
                    updates.append(row)
                    outcomes.append((sid, UPDATED))
                else:
                    outcomes.append((sid, UNCHANGED))
            # first_seen_at is written once, on insert: an edited title keeps it.
            back = {"withdrawn_at": None} if self.has_withdrawn else {}
            for action, rows, shared in (
                ("insert", inserts, {"source": self.label, "first_seen_at": now,
                                     "updated_at": now, **back}),
                ("update", updates, {"updated_at": now, **back}),  # back in the catalogue
                ("update", withdrawals, {"withdrawn_at": now, "updated_at": now}),
            ):
                if rows:
                    self._statement(action, tuple(rows[0]), tuple(shared)).run(conn, rows, shared)
        return outcomes

    def _former_rows(self, conn: Any, batch: dict, existing: dict[str, Any],
                     wanted: list) -> dict[str, Any]:
        """Rows stored under the former ids of this batch's new records, by the new id.

        A former id is taken once (two Koha records copied from one LC record share a 001, and
        the older import kept one row for both), and never when it is itself the id of a record
        in this batch (that record owns the row)."""
        claims: dict[str, str] = {}  # former id -> the new id that takes its row
        for sid, record in batch.items():
            former = getattr(record, "former_id", None)
            if (former and former != sid and sid not in existing and former not in batch
                    and former not in claims and not getattr(record, "withdrawn", False)):
                claims[former] = sid
        if not claims:
            return {}
        t = self.table
        found: dict[str, Any] = {}
        formers = list(claims)
        for i in range(0, len(formers), _IN_CHUNK):
            query = select(*wanted).where(t.c.source == self.label,
                                          t.c.source_id.in_(formers[i:i + _IN_CHUNK]))
            for row in conn.execute(query):
                found[claims[row.source_id]] = row
        return found

    def _statement(self, action: str, keys: tuple[str, ...], shared: tuple[str, ...]) -> _Many:
        found = self._statements.get((action, keys, shared))
        if found is None:
            t = self.table
            values = {key: bindparam(key) for key in keys + shared if key != "b_id"}
            if action == "insert":
                # inline(): no RETURNING of the new ids, which nobody reads here.
                statement = insert(t).inline().values(values)
            else:
                statement = update(t).where(t.c.id == bindparam("b_id")).values(values)
            found = _Many(statement, t, keys, shared, self.engine.dialect)
            self._statements[(action, keys, shared)] = found
        return found


def run_import(
    kind: str,
    source: str,
    *,
    database_url: str | None = None,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 5000,
    full: bool = False,
    **options: Any,
) -> ImportResult:
    """Import `source` with the reader of `kind`; `options` go to the reader.

    Incremental kinds (OAI-PMH) read only what is new since the last successful run, unless
    `full` (or a full harvest is due: `harvest_state`).

    Raises KeyError for an unknown kind and NotImplementedError for one not built yet; a source
    that cannot be read is not an exception but `result.unreadable` (exit code 2).
    `progress(n)` is called every 250 items and at the end with the number read so far.
    """
    spec = get_kind(kind)
    reader = spec.load()
    engine = get_engine(database_url)
    result = ImportResult()
    state: HarvestState | None = None
    if spec.incremental:
        state = harvest_state(engine, kind, source, full=full)
        options["harvest"] = state
    result.run_id = start_run(engine, kind, source, state)
    upserter = _Upserter(engine, spec.target, spec.source_label, result,
                         open_library=get_settings().covers_openlibrary,
                         undated_is_new=spec.undated_is_new)
    seen = 0
    items: Iterable = ()
    try:
        try:
            items = reader(source, **options)
            for item in items:
                seen += 1
                if progress is not None and not seen % 250:
                    progress(seen)  # a slow OAI server still shows movement on the terminal
                if isinstance(item, RecordError):
                    result.errors.append(item)
                    continue
                if isinstance(item, RecordWarning):
                    result.warnings.append(item)
                    continue
                if isinstance(item, Tally):
                    result.counts[item.name] = result.counts.get(item.name, 0) + item.count
                    continue
                upserter.add(item)
                if len(upserter.pending) >= batch_size:
                    upserter.flush()
        except SourceUnreadable as exc:
            # What was read before the source failed is good data: it is kept.
            result.unreadable = str(exc) or "the source could not be read"
        upserter.flush()
    except BaseException as exc:
        try:
            finish_run(engine, result, note=f"the import stopped: {type(exc).__name__}: {exc}")
        except Exception:  # noqa: BLE001 - the first error is the one worth raising
            log.exception("could not record the failed import run %s", result.run_id)
        raise
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()
    if progress is not None:
        progress(seen)
    finish_run(engine, result, state=state)
    return result
