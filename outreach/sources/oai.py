"""OAI-PMH harvesting (https://www.openarchives.org/OAI/openarchivesprotocol.html), shared by
SLiMS (`oai2.php`), INLISLite (`/oai`) and Koha (`/cgi-bin/koha/oai.pl`).

`harvest()` streams ListRecords pages (XMLPullParser: one record in memory at a time), follows
`resumptionToken`s, and yields `OaiRecord`s; the system modules map their metadata to titles.
Incremental: with a HarvestState whose `since` is set, it asks for `from=` that date; it sets
`next_since` from the first answer's responseDate (the server's clock, day granularity, which
every repository must accept). Errors: `noRecordsMatch` is an empty result, not an error; every
other OAI error, and a page that is not OAI-PMH XML, ends the harvest with SourceUnreadable
(the records read before are kept, but the state is not advanced, so nothing is skipped).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from outreach.sources.base import HarvestState, SourceUnreadable, sentence
from outreach.sources.dates import CLOCK, FRACTION, ISO_DAY, ZONE, parse_when
from outreach.sources.fetch import get, is_url, mask_url, read_chunks

OAI = "{http://www.openarchives.org/OAI/2.0/}"
MAX_PAGES = 100_000  # a server repeating itself forever must not keep the clock busy forever

# What each OAI error means for the library's IT person (protocol section 3.6).
_ERRORS = {
    "badResumptionToken": sentence("the server no longer accepts the resumption token of page "
                                   "{page} (it expired or the server restarted); the next run "
                                   "starts again"),
    "cannotDisseminateFormat": sentence("the server does not offer the metadata format "
                                        "{prefix!r}"),
    "badArgument": sentence("the server refused the request's arguments"),
    "badVerb": sentence("the address does not answer OAI-PMH requests (badVerb)"),
    "noSetHierarchy": sentence("the server has no sets"),
    "idDoesNotExist": sentence("the server does not know that identifier"),
    # any other code
    "": sentence("the server reported an error"),
}


class OaiFormatRefused(SourceUnreadable):
    """cannotDisseminateFormat: the caller may try another metadata format."""


@dataclass(slots=True)
class OaiRecord:
    identifier: str
    datestamp: str
    deleted: bool
    metadata: ET.Element | None  # the element inside <metadata>, detached
    where: str  # for RecordError: "oai:slims:12 (page 2)"


def parse_datestamp(text: str | None, tz=UTC) -> datetime | None:  # noqa: ANN001
    """OAI datestamps are UTC (YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ); a bare date is taken in `tz`
    (the library's day). Anything else: None."""
    when = (parse_when(text, tz, ISO_DAY, earliest=1)
            or parse_when(text, UTC, ISO_DAY + CLOCK + FRACTION + ZONE, earliest=1))
    return None if when is None else when.astimezone(UTC)


def identifier_tail(identifier: str) -> str:
    """ "oai:perpus.example:slims-12" -> "slims-12"; "KOHA-OAI-TEST:123" -> "123"."""
    return identifier.rsplit(":", 1)[-1].strip() or identifier


class _Page:
    """Parses one ListRecords page from chunks of bytes, yielding records as they close."""

    def __init__(self, page: int, where: str) -> None:
        self.page = page
        self.where = where
        self.parser = ET.XMLPullParser(events=("start", "end"))
        self.depth = 0
        self.root_seen = False
        self.response_date: str | None = None
        self.token: str | None = None
        self.error: tuple[str, str] | None = None
        self.count = 0
        self.head = b""

    def feed(self, chunk: bytes) -> Iterator[OaiRecord]:
        if len(self.head) < 200:
            self.head += chunk[:200]
        try:
            self.parser.feed(chunk)
            yield from self._events()
        except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: bad encoding
            yield from self._broken(exc)

    def close(self) -> Iterator[OaiRecord]:
        try:
            self.parser.close()
            yield from self._events()
        except (ET.ParseError, LookupError, ValueError) as exc:
            yield from self._broken(exc)
        if not self.root_seen:
            raise SourceUnreadable(f"{self.where} answered with nothing (an empty page).")

    def _broken(self, exc: Exception) -> Iterator[OaiRecord]:
        if isinstance(exc, LookupError):
            raise SourceUnreadable(f"{self.where} answered in an unknown character encoding "
                                   f"({exc}).")
        if not self.root_seen:
            start = self.head.lstrip()[:60].decode("utf-8", "replace")
            raise SourceUnreadable(
                f"{self.where} did not answer with XML (it starts with {start!r}): check "
                "that this is the OAI-PMH address.")
        line = exc.position[0] if getattr(exc, "position", None) else "?"
        raise SourceUnreadable(
            f"the answer for page {self.page} of {self.where} is broken XML at line {line} "
            f"after {self.count} records; the harvest stopped there")
        yield  # pragma: no cover - makes this a generator

    def _events(self) -> Iterator[OaiRecord]:
        for event, elem in self.parser.read_events():
            if event == "start":
                self.depth += 1
                if self.depth == 1:
                    if elem.tag.lower() in ("html", "{http://www.w3.org/1999/xhtml}html"):
                        raise SourceUnreadable(
                            f"{self.where} answered with a web page, not OAI-PMH: check that "
                            "this is the OAI-PMH address (such as …/oai2.php).")
                    if elem.tag != OAI + "OAI-PMH":
                        raise SourceUnreadable(
                            f"{self.where} answered with XML that is not OAI-PMH (its root "
                            f"element is <{elem.tag.split('}')[-1]}>).")
                    self.root_seen = True
                continue
            self.depth -= 1
            tag = elem.tag
            if tag == OAI + "record" and self.depth == 2:
                self.count += 1
                yield self._record(elem)
                elem.clear()
            elif tag == OAI + "responseDate" and self.depth == 1:
                self.response_date = (elem.text or "").strip()
            elif tag == OAI + "error" and self.depth == 1:
                self.error = (elem.get("code") or "unknown", " ".join((elem.text or "").split()))
            elif tag == OAI + "resumptionToken" and self.depth == 2:
                self.token = (elem.text or "").strip() or None

    def _record(self, elem: ET.Element) -> OaiRecord:
        header = elem.find(OAI + "header")
        identifier = datestamp = ""
        deleted = False
        if header is not None:
            identifier = (header.findtext(OAI + "identifier") or "").strip()
            datestamp = (header.findtext(OAI + "datestamp") or "").strip()
            deleted = header.get("status") == "deleted"
        metadata = None
        holder = elem.find(OAI + "metadata")
        if holder is not None and len(holder):
            metadata = holder[0]
        where = f"{identifier or f'record {self.count}'} (page {self.page})"
        return OaiRecord(identifier, datestamp, deleted, metadata, where)


def harvest(base_url: str, prefix: str, *, state: HarvestState | None = None,
            set_spec: str | None = None) -> Iterator[OaiRecord]:
    """Every record of a ListRecords harvest, page after page."""
    if not is_url(base_url):
        raise SourceUnreadable(f"{base_url!r} is not an http(s) address of an OAI-PMH "
                               "endpoint (such as https://perpustakaan.example/oai2.php).")
    base_url = base_url.split("?", 1)[0] if "verb=" in base_url else base_url
    params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": prefix}
    if set_spec:
        params["set"] = set_spec
    if state is not None and state.since:
        params["from"] = state.since
    shown = mask_url(base_url)
    tokens: set[str] = set()
    for page_number in range(1, MAX_PAGES + 1):
        page = _Page(page_number, shown)
        with get(base_url, params) as response:
            for chunk in read_chunks(response, shown):
                yield from page.feed(chunk)
            yield from page.close()
        if page_number == 1 and state is not None and page.response_date:
            when = parse_datestamp(page.response_date)
            state.next_since = when.date().isoformat() if when else None
        if page.error is not None:
            code, text = page.error
            if code == "noRecordsMatch":
                return  # nothing new: a normal answer
            explained = _ERRORS.get(code, _ERRORS[""]).format(
                page=page_number, prefix=prefix)
            error = OaiFormatRefused if code == "cannotDisseminateFormat" else SourceUnreadable
            raise error(f"{shown}: {explained} (OAI error {code}"
                        + (f": {text}" if text else "") + ").")
        if not page.token:
            return
        if page.token in tokens:
            raise SourceUnreadable(f"{shown} sent the same resumption token twice (page "
                                   f"{page_number}); the harvest stopped to avoid a loop.")
        tokens.add(page.token)
        params = {"verb": "ListRecords", "resumptionToken": page.token}
    raise SourceUnreadable(f"{shown}: more than {MAX_PAGES} pages; the harvest stopped.")


def harvest_formats(base_url: str, prefixes: list[str], *, state: HarvestState | None,
                    set_spec: str | None = None) -> Iterator[tuple[str, OaiRecord]]:
    """Like harvest(), trying each metadata format in turn until the server accepts one
    (INLISLite calls MARCXML `marcxml` or `marc21` depending on the version)."""
    for n, prefix in enumerate(prefixes):
        started = False
        try:
            for record in harvest(base_url, prefix, state=state, set_spec=set_spec):
                started = True
                yield prefix, record
            return
        except OaiFormatRefused:
            if started or n == len(prefixes) - 1:
                raise
