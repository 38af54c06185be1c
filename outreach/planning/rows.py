"""Rows for Core bulk inserts (planning writes thousands of posts and deliveries at once), a
lazy value for per-subject work planning may never need, and fewer full garbage collections
while planning."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from copy import copy
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def once(make: Callable[[], Any]) -> Callable[[], Any]:
    """make() on the first call, the same value after (functools.cache costs ~20x more to set
    up, and planning sets up one per title)."""
    made: list[Any] = []

    def get() -> Any:
        if not made:
            made.append(make())
        return made[0]

    return get


_DEFAULTS: dict[type, tuple[dict[str, Any], tuple[str, ...], frozenset[str]]] = {}


def bulk_rows(model: type, values: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Full rows for one bulk insert (full_row), less the columns NULL in every row that have no
    default: left out, they are NULL all the same (as the ORM's bulk insert leaves them out),
    and each NULL bound costs as much as a value."""
    rows = [full_row(model, v, now) for v in values]
    empty = [k for k in _DEFAULTS[model][2] if all(r[k] is None for r in rows)] if rows else []
    for row in rows:
        for key in empty:
            del row[key]
    return rows


def full_row(model: type, values: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A full row for a bulk insert: the model's defaults, then `values`. Building model objects
    only to dump them costs more than composing the post (pydantic inspects every factory)."""
    if model not in _DEFAULTS:
        defaults = {name: f.get_default(call_default_factory=True)
                    for name, f in model.model_fields.items() if name != "id"}
        columns = model.__table__.c
        _DEFAULTS[model] = (defaults, tuple(k for k, v in defaults.items()
                                            if isinstance(v, list | dict)),
                            frozenset(k for k in defaults if columns[k].default is None
                                      and columns[k].server_default is None))
    defaults, mutable, _ = _DEFAULTS[model]
    row = {**defaults, "created_at": now, "updated_at": now, **values}
    for key in mutable:  # a default list or dict: each row its own
        if key not in values:
            row[key] = copy(row[key])
    return row


def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert rows that all have the same keys (bulk_rows) in one executemany, each value
    through its column's own bind processor as SQLAlchemy would apply it, but once per distinct
    value (columns of one type share what they learnt): planning's 30,000 deliveries share their
    times, status, empty lists and defaults, and SQLAlchemy's processing of every value cost
    more than SQLite's writing them."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    if any(len(row) != len(keys) for row in rows):
        raise ValueError("insert_rows: every row needs the same columns")
    compiled = insert(table).compile(dialect=dialect, column_keys=keys)
    order = list(compiled.positiontup) if compiled.positional else keys
    if sorted(order) != sorted(keys) or set(compiled.binds) != set(keys):
        # a bind named unlike its column (escaped characters): not for this path
        raise ValueError(f"insert_rows: binds {order} do not match columns {keys}")
    caches: dict[str, dict[Any, Any]] = {}
    processed = []
    for key in order:
        column_type = table.c[key].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        values = [row[key] for row in rows]
        if process is not None:
            cache = caches.setdefault(f"{type(column_type).__qualname__}:{column_type!r}", {})
            values = _through(process, values, cache)
        processed.append(values)
    params: list[Any] = list(zip(*processed, strict=True))
    if not compiled.positional:
        params = [dict(zip(order, values, strict=True)) for values in params]
    connection.exec_driver_sql(compiled.string, params)


def _through(process: Callable[[Any], Any], values: list[Any], cache: dict[Any, Any]) -> list:
    out = []
    for value in values:
        kind = type(value)
        # Lists and dicts by their content (JSON columns: usually empty or alike).
        key = ((list, tuple(value)) if kind is list
               else (dict, tuple(value.items())) if kind is dict else value)
        try:
            done = cache.get(key, cache)
        except TypeError:  # unhashable content: processed every time
            done = process(value)
        else:
            if done is cache:
                done = cache[key] = process(value)
        out.append(done)
    return out


_gc_lock = threading.Lock()
_gc_runs = 0  # runs in progress in this process
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def no_full_collections() -> Iterator[None]:
    """No full garbage collection while this runs (planning: `planning.plan`).

    Planning keeps what it composes (rows, results) until it writes them, so full collections
    walked an ever larger heap of live data again and again: about a fifth of planning's time,
    freeing nothing. Why it is safe: young collections go on as before, so short-lived cycles
    are freed at once; a cycle that reaches the oldest generation waits only until the first
    full collection after the run, when the usual threshold is back. The thresholds are
    process-wide, so concurrent runs share one change and the last to finish restores it."""
    global _gc_runs, _gc_saved
    with _gc_lock:
        if _gc_runs == 0:
            _gc_saved = gc.get_threshold()
            young, middle, _ = _gc_saved
            gc.set_threshold(young, middle, _GC_PLANNING_OLDEST)
        _gc_runs += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_runs -= 1
            if _gc_runs == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None


# Middle-generation collections before a full one during planning (default 10): a planning run
# of 10,000 titles makes far fewer than this many.
_GC_PLANNING_OLDEST = 1_000_000
