"""Dates and times as the library's systems write them, read in one place.

Each reader names the shapes its source writes (SLiMS: 2026-02-10 08:30:00, or 10/02/2026 once
Excel has touched the file; MARC 008: 260210; OAI: 2026-02-10T08:30:00Z …) as patterns with
named groups, and `parse_when` turns the first that fits into a datetime:

    Y  four-digit year       y  two-digit year (00-69: 2000s, 70-99: 1900s, as MARC 008 means)
    m  month   d  day        H, M, S  hour, minute, second (optional)
    b  a month's name, Indonesian or English, full or short (Desember, Des, December, Dec)
    z  zone: Z or +hh:mm / +hhmm (optional; without one the value is in `tz`)

A pattern must fit the whole text; one that ends in `ANY_REST` fits its start. Nothing raises:
a value that is not a date gives None, and the reader words its own error where it needs one.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from typing import Any

ISO_DAY = r"(?P<Y>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"
CLOCK = r"[ T](?P<H>[0-9]{2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2}))?"
ISO_DATE_TIME = ISO_DAY + f"(?:{CLOCK})?"  # 2026-02-10, 2026-02-10 08:30, 2026-02-10T08:30:00
FRACTION = r"(?:\.[0-9]+)?"
ZONE = r"(?P<z>Z|[+-][0-9]{2}:?[0-9]{2})?"
# 10/02/2026, 10-2-2026, 10.02.2026: the day first, as Indonesia writes it
DAY_MONTH_YEAR = r"(?P<d>[0-9]{1,2})(?P<sep>[/.-])(?P<m>[0-9]{1,2})(?P=sep)(?P<Y>[0-9]{4})"
# 05/30/2026: the month first, as Google Calendar's CSV import format is documented
MONTH_DAY_YEAR = r"(?P<m>[0-9]{1,2})(?P<sep>[/.-])(?P<d>[0-9]{1,2})(?P=sep)(?P<Y>[0-9]{4})"
ANY_REST = r".*"  # what follows the date is not read (fractions, a zone nobody needs …)
MONTHS = {
    **dict.fromkeys(("januari", "january", "jan"), 1),
    **dict.fromkeys(("februari", "pebruari", "february", "feb", "peb"), 2),
    **dict.fromkeys(("maret", "march", "mar"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "june", "jun"), 6),
    **dict.fromkeys(("juli", "july", "jul"), 7),
    **dict.fromkeys(("agustus", "august", "agu", "agt", "ags", "aug"), 8),
    **dict.fromkeys(("september", "sept", "sep"), 9),
    **dict.fromkeys(("oktober", "october", "okt", "oct"), 10),
    **dict.fromkeys(("november", "nopember", "nov", "nop"), 11),
    **dict.fromkeys(("desember", "december", "des", "dec"), 12),
}
_MONTH_NAME = "|".join(sorted(MONTHS, key=len, reverse=True))
# 5 Desember 2026, 05-Des-2026, 5 Dec. 2026: how staff write a date in words
DAY_MONTH_NAME_YEAR = (r"(?P<d>[0-9]{1,2})[ -](?i:(?P<b>" + _MONTH_NAME + r"))\.?[ -]"
                       r"(?P<Y>[0-9]{4})")


@lru_cache(maxsize=64)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.DOTALL)


def _zone(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return timezone(offset if text[0] == "+" else -offset)


def _from_match(match: re.Match[str], tz: tzinfo | None) -> datetime:
    """Raises ValueError for a day that does not exist (2026-02-30)."""
    found = match.groupdict()
    if found.get("Y") is not None:
        year = int(found["Y"])
    else:
        yy = int(found["y"])
        year = (2000 if yy < 70 else 1900) + yy
    month = MONTHS[found["b"].lower()] if found.get("b") else int(found["m"])
    when = datetime(year, month, int(found["d"]), int(found.get("H") or 0),
                    int(found.get("M") or 0), int(found.get("S") or 0))
    zone = found.get("z")
    return when.replace(tzinfo=_zone(zone) if zone else tz)


def parse_when(value: Any, tz: tzinfo | None, *patterns: str, earliest: int = 1900
               ) -> datetime | None:
    """`value` as a datetime, by the first of `patterns` that fits it; None when none does.

    A datetime or date (from a spreadsheet cell or a database driver) is taken as it is, a
    date at midnight. A value without a zone gets `tz` (None: stays naive). Years before
    `earliest` give None: the placeholders systems write for "no date" (0000-00-00, Excel's
    1899-12-30) are not dates of anything the library did.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        when = value if value.tzinfo is not None or tz is None else value.replace(tzinfo=tz)
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day, tzinfo=tz)
    else:
        text = str(value).strip()
        when = None
        for pattern in patterns:
            if match := _compiled(pattern).fullmatch(text):
                try:
                    when = _from_match(match, tz)
                    break
                except ValueError:
                    continue
    if when is None or when.year < earliest:
        return None
    return when


def fits_shape(value: Any, *patterns: str) -> bool:
    """True when `value` is written like one of `patterns`, whether or not that day exists:
    tells "31/02/2026 does not exist" apart from "this is not a date"."""
    text = str(value).strip()
    return any(_compiled(p).fullmatch(text) for p in patterns)
