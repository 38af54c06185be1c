"""Small pieces the staff pages share (queue, calendar, compose, deliveries, inbox): reading
local times and dates from forms, and where a form sends the browser back to."""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import RedirectResponse

from outreach.models import DeliveryStatus
from outreach.platforms import available_platforms, platform_class
from outreach.web.auth import safe_next

STATUSES = [s.value for s in DeliveryStatus]
# The largest id a database column holds (signed 64 bits): larger numbers name nothing, and
# the drivers would raise OverflowError on them.
MAX_ID = 2**63 - 1
PAGE_CAP = 1_000_000  # far past any real list; keeps offsets small


def whole(value: object) -> int | None:
    """A whole number typed or sent by a browser; None for anything else (`²`, `1e3`, a number
    too large for any record), never an error."""
    text = str(value).strip() if value is not None else ""
    if not text or not text.lstrip("-").isascii() or not text.lstrip("-").isdigit():
        return None
    number = int(text)
    return number if abs(number) <= MAX_ID else None


def page_number(value: object) -> int:
    """A page number from the query string: anything odd is the first page."""
    return min(max(1, whole(value) or 1), PAGE_CAP)


def platforms() -> list[tuple[str, str]]:
    """(name, label) of every platform this version publishes on."""
    return [(name, platform_class(name).label) for name in available_platforms()]


def local_time(value: str | None, tz: ZoneInfo) -> datetime | None:
    """A datetime-local field (wall time in the library's zone) as an aware datetime; None when
    empty; ValueError when it is not a time."""
    value = (value or "").strip()
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def local_date(value: str | None) -> date | None:
    value = (value or "").strip()
    return date.fromisoformat(value) if value else None


def see_other(target: str) -> RedirectResponse:
    return RedirectResponse(target, status_code=303)


def back_to(form_next: object, default: str) -> str:
    """Where a form asked to go back to (only paths on this site), else `default`."""
    if isinstance(form_next, str) and form_next:
        return safe_next(form_next)
    return default


def query(request: Request, **changes: object) -> str:
    """This page's query string with some parameters changed (None drops one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else ""
