"""CSV that opens right in a spreadsheet: the Indonesian form (what Excel set to Indonesian
expects: semicolons between cells, a decimal comma, Indonesian headers, a UTF-8 byte-order mark)
and the international form (commas, a decimal point, the column names scripts use).

Every CSV of the reports goes through `write_csv`, the one place cells become text: numbers
stay numbers (in the dialect's decimal mark), and a text cell that a spreadsheet would run as a
formula (starting with = + - @, a tab or a carriage return) gets a leading apostrophe, so a
post's text or a comment cannot become a formula in a manager's spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from outreach.errors import OutreachError
from outreach.reports.words import english

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.reports.build import Report

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


class CsvDialectError(OutreachError, ValueError):
    """A CSV form that does not exist; the message names the ones that do."""

    exit_code = 2  # a command-line usage error


@dataclass(frozen=True)
class Dialect:
    name: str
    delimiter: str
    decimal: str
    locale: str  # the language of headers and words in cells


INDONESIAN = Dialect("id", ";", ",", "id")
INTERNATIONAL = Dialect("international", ",", ".", "en")
DIALECTS = {"id": INDONESIAN, "international": INTERNATIONAL}


def dialect_for(name: str | None, locale: str) -> Dialect:
    """The dialect called `name`; without a name, the one of the locale (OUTREACH_LOCALE or the
    page's language): Indonesian unless English."""
    if not name:
        return INTERNATIONAL if english(locale) else INDONESIAN
    found = DIALECTS.get(name.strip().lower())
    if found is None:
        raise CsvDialectError(f"CSV form {name!r} is unknown: use one of "
                              f"{', '.join(DIALECTS)}.")
    return found


def cell(value: Any, dialect: Dialect) -> str:
    """One value as the dialect writes it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.6f}".replace(".", dialect.decimal)
    if isinstance(value, datetime):
        return value.isoformat()
    return safe_cell(str(value))


def safe_cell(text: str) -> str:
    """A text cell that would start a formula, prefixed with ' so it is shown as text; the text
    of a number (a negative one such as "-0.5" too) stays as it is."""
    if text.startswith(FORMULA_START) and not NUMBER.match(text):
        return "'" + text
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], dialect: Dialect, *,
              bom: bool = False) -> str:
    """The CSV text (with a byte-order mark when `bom`: for a file or a download)."""
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=dialect.delimiter, lineterminator="\n")
    writer.writerow([cell(h, dialect) for h in header])
    for row in rows:
        writer.writerow([cell(v, dialect) for v in row])
    return buffer.getvalue()


# (the international header, which scripts read; the Indonesian one, which people read)
REPORT_COLUMNS: list[tuple[str, str]] = [
    ("id", "ID"), ("platform", "Platform"), ("account", "Akun"), ("kind", "Jenis"),
    ("template", "Templat"), ("subject", "Tentang"), ("published_at", "Waktu terbit"),
    ("remote_id", "ID di platform"), ("remote_url", "Tautan"), ("removed", "Dihapus"),
    ("snapshot_at", "Waktu pembacaan"), ("views", "Tayangan"), ("reach", "Jangkauan"),
    ("likes", "Suka"), ("comments", "Komentar"), ("shares", "Dibagikan"),
    ("saves", "Disimpan"), ("clicks", "Klik"), ("interactions", "Interaksi"),
    ("engagement_rate", "Tingkat interaksi"), ("rate_base", "Dasar tingkat"), ("text", "Teks"),
]


def report_csv(report: Report, settings: Settings, dialect: Dialect, *,
               bom: bool = False) -> str:
    """One row per published post of the period, with its latest metrics. The Indonesian form
    writes local times as a spreadsheet reads them ("2026-11-07 09:30") and words in Bahasa
    Indonesia; the international form ISO 8601 times with their offset."""
    from outreach.models import METRICS
    from outreach.reports.words import kind_label, say

    tz = settings.tz
    people = dialect is not INTERNATIONAL

    def when(value: datetime | None) -> str | None:
        if value is None:
            return None
        local = value.astimezone(tz)
        return local.strftime("%Y-%m-%d %H:%M") if people else local.isoformat()

    def word(value: str | None) -> str | None:
        return say(value, dialect.locale) if people and value else value

    rows = ([r.id, r.platform, r.account, kind_label(r.kind, dialect.locale) if people
             else r.kind, r.template, r.subject, when(r.published_at), r.remote_id,
             r.remote_url, say("yes", dialect.locale) if r.removed else None,
             when(r.snapshot_at), *[r.metrics[m] for m in METRICS], r.interactions, r.rate,
             word(r.rate_base), r.text] for r in report.deliveries)
    header = [people_name if people else name for name, people_name in REPORT_COLUMNS]
    return write_csv(header, rows, dialect, bom=bom)
