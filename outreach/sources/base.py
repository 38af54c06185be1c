"""What every library-data reader yields, and how it reports trouble.

A reader is a function `read(source: str, **options) -> Iterator[TitleRecord | EventRecord |
RecordError]`: it streams (flat memory), yields one RecordError for each record it must reject
(where it is and why, in plain words) and goes on with the next one; a RecordWarning tells what was
taken but deserves a look (a value it could not use, events outside the import window). When the
source cannot be read at all it raises SourceUnreadable. Readers never touch the database:
`sources.importing` does.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime


def sentence(text: str) -> str:
    """Marks an English sentence a person reads that is written apart from the RecordError,
    RecordWarning or SourceUnreadable that carries it (a helper returns it, a table holds it);
    returns it unchanged. tests/test_import_words.py finds these calls, as it finds those
    classes' own arguments, and checks that the imports pages can say each one in Indonesian
    (sources/words.py)."""
    return text


class SourceUnreadable(Exception):
    """The whole source could not be read (missing file, not this format, server down)."""


@dataclass(slots=True)
class RecordError:
    where: str  # "record 12 (byte 40213)", "line 7", "oai:slims:123"
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


@dataclass(slots=True)
class RecordWarning:
    """Something the import took with a caveat, or left aside on purpose (a damaged character
    replaced, an encoding other than the declared one, a copy without a date, occurrences outside
    the import window): shown and stored with the run, never a rejection (the exit code does not
    change)."""

    where: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message}


@dataclass(slots=True)
class Tally:
    """A count a reader gives besides its records, for the import summary: slims-csv's
    `Tally("copies", 95)` and `Tally("copies_undated", 60)`."""

    name: str
    count: int


@dataclass(slots=True)
class TitleRecord:
    source_id: str
    title: str
    subtitle: str | None = None
    authors: list[str] = field(default_factory=list)
    isbns: list[str] = field(default_factory=list)  # normalised ISBN-13 first where valid
    publisher: str | None = None
    place: str | None = None
    year: str | None = None
    edition: str | None = None
    classification: str | None = None
    call_number: str | None = None
    language: str | None = None
    subjects: list[str] = field(default_factory=list)
    summary: str | None = None
    cover_url: str | None = None
    opac_url: str | None = None
    catalogued_at: datetime | None = None  # acquisition: catalogue or receipt date (aware, UTC)
    withdrawn: bool = False  # deleted at the source (OAI status="deleted")
    # The identity an earlier version of the reader gave this record (a Koha record's 001,
    # before its biblionumber was used): the import re-keys a row found under it rather than
    # creating a duplicate. Not content: left out of content_hash.
    former_id: str | None = field(default=None, compare=False)

    def content_hash(self) -> str:
        data = asdict(self)
        del data["former_id"]
        data["catalogued_at"] = self.catalogued_at.isoformat() if self.catalogued_at else None
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(slots=True)
class EventRecord:
    source_id: str
    title: str
    starts_at: datetime
    ends_at: datetime | None = None
    kind: str = "other"  # workshop | community | other
    description: str | None = None
    all_day: bool = False
    location: str | None = None
    url: str | None = None
    registration_url: str | None = None
    capacity: int | None = None
    cancelled: bool = False
    series_id: str | None = None  # iCalendar UID of the series an occurrence belongs to

    def content_hash(self) -> str:
        data = asdict(self)
        for key in ("starts_at", "ends_at"):
            data[key] = data[key].isoformat() if data[key] else None
        raw = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()


Item = TitleRecord | EventRecord | RecordError | RecordWarning | Tally
Reader = Callable[..., Iterator[Item]]


@dataclass(slots=True)
class HarvestState:
    """Incremental harvesting (OAI-PMH `from=`), handed to readers of incremental kinds as the
    `harvest` option by `sources.importing`.

    `since` is what the last successful run left (a UTC date, YYYY-MM-DD), or None for a full
    harvest. The reader sets `next_since` from the server's own clock (the OAI responseDate of
    its first answer), so a wrong clock here never makes a harvest skip records.
    """

    since: str | None = None
    next_since: str | None = None


@dataclass(frozen=True, slots=True)
class SourceKind:
    """One entry of the registry: a kind name (a contract), what it yields, and its reader."""

    name: str
    target: str  # "title" | "event"
    source_label: str  # the value stored in Title.source / Event.source
    description: str
    reader: str | None  # "module:function", imported when used; None: not built yet
    incremental: bool = False  # the reader takes `harvest: HarvestState` (OAI-PMH from=)
    # A title the source gives no date is dated when first seen (a new-titles feed: being
    # listed is the news); elsewhere no date means "not known to be new", never announced.
    undated_is_new: bool = False

    def load(self) -> Reader:
        if self.reader is None:
            raise NotImplementedError(
                f"Importing {self.name!r} is not available in this version yet."
            )
        import importlib

        module, _, func = self.reader.partition(":")
        return getattr(importlib.import_module(module), func)
