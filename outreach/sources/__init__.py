"""Library data readers, one module per format, and the explicit registry of import kinds.

The kind names are a contract (DESIGN.md): CLI, schedules and the web UI use them.
"""

from __future__ import annotations

from outreach.sources.base import (
    EventRecord,
    RecordError,
    SourceKind,
    SourceUnreadable,
    TitleRecord,
)

__all__ = [
    "KINDS",
    "EventRecord",
    "RecordError",
    "SourceKind",
    "SourceUnreadable",
    "TitleRecord",
    "get_kind",
]

KINDS: dict[str, SourceKind] = {
    k.name: k
    for k in [
        SourceKind("marc", "title", "marc", "MARC21 file, ISO 2709 (MARCXML is detected)",
                   "outreach.sources.marc:read_marc"),
        SourceKind("marcxml", "title", "marc", "MARCXML file",
                   "outreach.sources.marc:read_marcxml"),
        SourceKind("slims-oai", "title", "slims", "SLiMS OAI-PMH endpoint (oai2.php)", None),
        SourceKind("slims-db", "title", "slims", "SLiMS database (MySQL URL or SQL dump)", None),
        SourceKind("slims-csv", "title", "slims", "SLiMS bibliography + item CSV exports", None),
        SourceKind("inlislite-oai", "title", "inlislite", "INLISLite OAI-PMH endpoint", None),
        SourceKind("koha-oai", "title", "koha", "Koha OAI-PMH endpoint (oai.pl)", None),
        SourceKind("koha-rss", "title", "koha", "Koha OPAC new-titles feed (RSS or Atom)", None),
        SourceKind("ics", "event", "ics", "iCalendar file or URL", None),
        SourceKind("events-csv", "event", "events-csv",
                   "Events spreadsheet kept by staff (CSV)",
                   "outreach.sources.events_csv:read_events_csv"),
    ]
}


def get_kind(name: str) -> SourceKind:
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(KINDS)
        raise KeyError(f"Unknown import kind {name!r}. Known kinds: {known}.") from None
