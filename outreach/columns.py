"""Column types every table uses: times stored in UTC and read back aware (`UTCDateTime`, `Time`),
JSON lists and dicts (`Json`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out.

    SQLite has no time zone type: values are stored as naive UTC and given tzinfo on the way out.
    A naive datetime on the way in is a bug in the caller (whose clock was it?), so it is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def Time(**kw: Any) -> Any:  # noqa: N802 - reads like a type in the class bodies below
    return Field(sa_type=UTCDateTime, **kw)


def Json(**kw: Any) -> Any:  # noqa: N802
    return Field(sa_type=JSON, **kw)
