"""Library data readers, one module per format, and the explicit registry of import kinds.

The kind names are a contract (docs/architecture.md, "Contracts"): CLI, schedules and the web UI
use them.
"""

from __future__ import annotations

from outreach.sources.base import (
    EventRecord,
    HarvestState,
    RecordError,
    RecordWarning,
    SourceKind,
    SourceUnreadable,
    TitleRecord,
)

__all__ = [
    "KINDS",
    "EventRecord",
    "HarvestState",
    "RecordError",
    "RecordWarning",
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
        SourceKind("slims-oai", "title", "slims", "SLiMS OAI-PMH endpoint (oai2.php)",
                   "outreach.sources.slims_oai:read_slims_oai", incremental=True),
        SourceKind("slims-db", "title", "slims",
                   "SLiMS database, read-only (MySQL/MariaDB URL or SQL dump file)",
                   "outreach.sources.slims_db:read_slims_db"),
        SourceKind("slims-csv", "title", "slims",
                   "SLiMS bibliography + item CSV exports (a folder or the bibliography file)",
                   "outreach.sources.slims_csv:read_slims_csv"),
        SourceKind("inlislite-oai", "title", "inlislite", "INLISLite OAI-PMH endpoint",
                   "outreach.sources.inlislite:read_inlislite_oai", incremental=True),
        SourceKind("koha-oai", "title", "koha", "Koha OAI-PMH endpoint (oai.pl)",
                   "outreach.sources.koha_oai:read_koha_oai", incremental=True),
        SourceKind("koha-rss", "title", "koha", "Koha OPAC new-titles feed (RSS or Atom)",
                   "outreach.sources.koha_rss:read_koha_feed", undated_is_new=True),
        SourceKind("ics", "event", "ics", "iCalendar file or URL",
                   "outreach.sources.ics:read_ics"),
        SourceKind("events-csv", "event", "events-csv",
                   "Events spreadsheet kept by staff (CSV or XLSX)",
                   "outreach.sources.events_csv:read_events_csv"),
    ]
}


def get_kind(name: str) -> SourceKind:
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(KINDS)
        raise KeyError(f"Unknown import kind {name!r}. Known kinds: {known}.") from None
