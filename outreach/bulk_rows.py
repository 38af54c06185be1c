"""Rows for Core bulk inserts (planning writes thousands of posts and deliveries at once), and a
lazy value for per-subject work planning may never need."""

from __future__ import annotations

from collections.abc import Callable
from copy import copy
from datetime import datetime
from typing import Any


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
