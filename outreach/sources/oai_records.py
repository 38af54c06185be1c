"""OAI-PMH metadata -> TitleRecord: Dublin Core (`oai_dc`) and MARCXML (`marcxml`/`marc21`).

The system modules (slims_oai, inlislite, koha_oai) choose the format, the record identity and
their quirks; the mapping of the common formats lives here once. MARCXML goes through the same
`marc_mapping.title_from_fields` as MARC files, so a title reads the same whichever way it came.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

from outreach.sources.base import HarvestState, Item, RecordError, TitleRecord
from outreach.sources.isbn import normalize_isbn
from outreach.sources.iso2709 import MarcField
from outreach.sources.marc_identity import IdField
from outreach.sources.marc_mapping import RecordRejected, title_from_fields, trim
from outreach.sources.marc_text import nfc
from outreach.sources.oai import OaiRecord, harvest_formats, parse_datestamp

_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")
_IMAGE_PATH = re.compile(r"\.(jpe?g|png|gif|webp)$", re.IGNORECASE)
# Identifiers that are ISBNs: "ISBN 978...", "urn:isbn:...", or a bare run of ISBN characters.
_ISBN_LIKE = re.compile(r"^\s*(?:isbn[:\s]*|urn:isbn:)?[0-9][0-9 -]{8,16}[0-9Xx]\s*(\(.*\))?$",
                        re.IGNORECASE)


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def dc_values(metadata: ET.Element) -> dict[str, list[str]]:
    """Values of an oai_dc record by element name without namespace ("title", "creator",
    SLiMS's "identifier_isbn" and bare "image"), in document order, blank ones dropped."""
    values: dict[str, list[str]] = {}
    for child in metadata:
        text = " ".join("".join(child.itertext()).split())
        if text:
            values.setdefault(local(child.tag), []).append(nfc(text))
    return values


def split_title(text: str) -> tuple[str, str | None]:
    """ISBD "Title : subtitle" -> ("Title", "subtitle"); otherwise the whole text."""
    title, sep, rest = text.partition(" : ")
    if sep and title.strip() and rest.strip():
        return title.strip(), rest.strip()
    return text.strip(), None


def is_image_url(url: str) -> bool:
    path = url.split("?", 1)[0].split("#", 1)[0]
    return bool(_IMAGE_PATH.search(path)) or "createthumb" in path or "cover" in path.lower()


def title_from_dc(values: dict[str, list[str]], source_id: str,
                  catalogued_at: datetime | None) -> TitleRecord:
    """A generic Dublin Core record as a title; raises RecordRejected without a title."""
    raw_title = (values.get("title") or [""])[0]
    if not raw_title:
        raise RecordRejected("it has no title (dc:title is missing or empty)")
    title, subtitle = split_title(raw_title)
    authors: list[str] = []
    for name in values.get("creator", []) + values.get("contributor", []):
        name = trim(name) or ""
        if name and name.casefold() not in {a.casefold() for a in authors}:
            authors.append(name)
    isbns: list[str] = []
    candidates = values.get("identifier_isbn", []) + [
        v for v in values.get("identifier", []) if _ISBN_LIKE.match(v)]
    for value in candidates:
        if (isbn := normalize_isbn(value)) and isbn not in isbns:
            isbns.append(isbn)
    cover = opac = None
    for value in values.get("identifier", []) + values.get("relation", []):
        if value.lower().startswith(("http://", "https://")):
            if is_image_url(value):
                cover = cover or value
            else:
                opac = opac or value
    year = next((m[1] for d in values.get("date", []) if (m := _YEAR.search(d))), None)
    language = (values.get("language") or [None])[0]
    return TitleRecord(
        source_id=source_id,
        title=trim(title) or title,
        subtitle=trim(subtitle) if subtitle else None,
        authors=authors,
        isbns=isbns,
        publisher=trim((values.get("publisher") or [None])[0]),
        year=year,
        language=language[:20] if language else None,
        subjects=list(dict.fromkeys(values.get("subject", []))),
        summary=(values.get("description") or [None])[0],
        cover_url=cover,
        opac_url=opac,
        catalogued_at=catalogued_at,
    )


def marc_fields(record: ET.Element) -> tuple[str, dict[str, list[MarcField]]]:
    """A MARCXML <record> element as (leader, fields by tag) for title_from_fields."""
    leader = ""
    by_tag: dict[str, list[MarcField]] = {}
    for child in record:
        name = local(child.tag)
        if name == "leader":
            leader = child.text or ""
        elif name == "controlfield":
            tag = (child.get("tag") or "").strip()
            by_tag.setdefault(tag, []).append(MarcField(tag, nfc(child.text or "")))
        elif name == "datafield":
            tag = (child.get("tag") or "").strip()
            field = MarcField(tag, None, (child.get("ind1") or " ")[:1],
                              (child.get("ind2") or " ")[:1])
            for sub in child:
                if local(sub.tag) == "subfield":
                    field.subfields.append((sub.get("code") or "", nfc(sub.text or "")))
            by_tag.setdefault(tag, []).append(field)
    return leader, by_tag


def find_marc_record(metadata: ET.Element) -> ET.Element | None:
    if local(metadata.tag) == "record":
        return metadata
    for elem in metadata.iter():
        if local(elem.tag) == "record":
            return elem
    return None


def title_from_marcxml(metadata: ET.Element, source_id: str, datestamp: datetime | None, *,
                       choose_id: Callable[[dict[str, list[MarcField]]], str] | None = None
                       ) -> TitleRecord:
    """A MARCXML record as a title; its 001 is replaced by `source_id` (the system's own id, from
    the OAI identifier), or by what `choose_id(fields by tag)` finds in the record itself."""
    record = find_marc_record(metadata)
    if record is None:
        raise RecordRejected("its metadata holds no MARCXML <record>")
    leader, by_tag = marc_fields(record)
    by_tag["001"] = [MarcField("001", choose_id(by_tag) if choose_id else source_id)]
    title = title_from_fields(leader, by_tag, id_field=IdField("001", None))
    if title.catalogued_at is None:
        title.catalogued_at = datestamp
    return title


Mapper = Callable[[OaiRecord, str, str], TitleRecord]


def oai_titles(source: str, prefixes: list[str], mapper: Mapper, *,
               harvest: HarvestState | None, source_id: Callable[[OaiRecord], str],
               set_spec: str | None = None) -> Iterator[Item]:
    """Harvest `source` and map every record with `mapper(record, prefix, source_id)`.

    A deleted record becomes a withdrawn title (never announced); one that cannot be mapped
    becomes a RecordError naming its OAI identifier, and the harvest goes on.
    """
    for prefix, record in harvest_formats(source, prefixes, state=harvest, set_spec=set_spec):
        if not record.identifier:
            yield RecordError(record.where, "the record has no OAI identifier in its header")
            continue
        sid = source_id(record)
        if record.deleted:
            yield TitleRecord(source_id=sid, title="", withdrawn=True)
            continue
        if record.metadata is None:
            yield RecordError(record.where, "the record has no metadata")
            continue
        try:
            yield mapper(record, prefix, sid)
        except RecordRejected as exc:
            yield RecordError(record.where, str(exc))
        except Exception as exc:  # noqa: BLE001 - one odd record must not stop the harvest
            yield RecordError(record.where, f"it could not be read (unexpected "
                                            f"{type(exc).__name__}: {exc})")


def dc_or_marc(record: OaiRecord, prefix: str, sid: str, tz=UTC) -> TitleRecord:  # noqa: ANN001
    """The mapper for systems offering both formats (INLISLite, Koha)."""
    when = parse_datestamp(record.datestamp, tz)
    assert record.metadata is not None
    if prefix == "oai_dc":
        return title_from_dc(dc_values(record.metadata), sid, when)
    return title_from_marcxml(record.metadata, sid, when)
