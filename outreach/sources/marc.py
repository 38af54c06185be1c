"""MARC21 readers: ISO 2709 (`read_marc`, which hands MARCXML over to `read_marcxml`) and MARCXML.

Both stream: memory stays flat whatever the file size. Damage never stops an import: each broken
record becomes one RecordError saying where it is ("record 7 (byte 10342)", "record 3 (line
120)") and what is wrong, and reading goes on with the next record.

ISO 2709 is cut and decoded by `iso2709` (which says why not pymarc's MARCReader); MARCXML is read
with xml.sax, incrementally. Both hand each record to `marc_mapping.title_from_fields`.
"""

from __future__ import annotations

import os
import re
import xml.sax
from collections.abc import Iterator
from typing import BinaryIO
from xml.sax.expatreader import ExpatLocator
from xml.sax.handler import ContentHandler, feature_external_ges, feature_namespaces

from outreach.sources.base import Item, RecordError, SourceUnreadable, TitleRecord
from outreach.sources.iso2709 import MarcField, RecordSplitter, decode_record, nfc
from outreach.sources.marc_mapping import (
    WANTED_TAGS,
    RecordRejected,
    title_from_fields,
)

__all__ = ["read_marc", "read_marcxml"]

_CHUNK = 1 << 20
_ENCODINGS = ("auto", "utf-8", "marc-8")
# MARCXML: after an optional byte-order mark and blank space, "<" opening a declaration, a
# comment or an element (also in UTF-16, whose BOM is followed by "<\0" or "\0<").
_XML_START = re.compile(rb"(?:\xef\xbb\xbf|\xff\xfe|\xfe\xff)?[ \t\r\n]*\x00?<\x00?[?!A-Za-z_]")


def _open(source: str) -> BinaryIO:
    """Open a local file for reading, or raise SourceUnreadable saying why not."""
    path = os.fspath(source)
    if os.path.isdir(path):
        raise SourceUnreadable(f"{path} is a folder, not a MARC file.")
    try:
        return open(path, "rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError:
        raise SourceUnreadable(f"The file {path} does not exist.") from None
    except PermissionError:
        raise SourceUnreadable(f"No permission to read {path}.") from None
    except OSError as exc:
        raise SourceUnreadable(f"Cannot open {path}: {exc.strerror or exc}.") from None


def _to_item(leader: str, by_tag: dict[str, list[MarcField]], where: str
             ) -> TitleRecord | RecordError:
    try:
        return title_from_fields(leader, by_tag)
    except RecordRejected as exc:
        return RecordError(where, str(exc))
    except Exception as exc:  # noqa: BLE001 - one odd record must not stop the import
        return RecordError(where, f"it could not be read (unexpected {type(exc).__name__}: "
                                  f"{exc})")


def _decode(chunk: bytes, encoding: str, where: str) -> TitleRecord | RecordError:
    utf8 = encoding == "utf-8" or (encoding == "auto" and chunk[9:10] == b"a")
    try:
        decoded = decode_record(chunk, utf8, WANTED_TAGS)
    except Exception as exc:  # noqa: BLE001 - one odd record must not stop the import
        decoded = f"it could not be read (unexpected {type(exc).__name__}: {exc})"
    if isinstance(decoded, str):
        return RecordError(where, decoded)
    return _to_item(*decoded, where)


def _check_encoding(options: dict) -> str:
    encoding = str(options.get("encoding") or "auto").lower().replace("marc8", "marc-8")
    encoding = encoding.replace("utf8", "utf-8")
    if encoding not in _ENCODINGS:
        raise ValueError(f"encoding must be one of {', '.join(_ENCODINGS)}, not {encoding!r}")
    return encoding


def read_marc(source: str, **options: object) -> Iterator[Item]:
    """Stream the titles of an ISO 2709 MARC21 file (MARCXML is detected and read as such).

    Option `encoding`: "auto" (default: leader/09 'a' is UTF-8, anything else MARC-8), "utf-8" or
    "marc-8" for files whose leader lies about it.
    """
    encoding = _check_encoding(options)
    with _open(source) as file:
        try:
            head = file.read(1024)
            file.seek(0)
        except OSError as exc:
            raise SourceUnreadable(f"Cannot read {source}: {exc.strerror or exc}.") from None
        if _XML_START.match(head):
            yield from read_marcxml(source, **options)
            return
        for number, offset, data in RecordSplitter(file).records():
            where = f"record {number} (byte {offset})"
            yield RecordError(where, data) if isinstance(data, str) else _decode(
                data, encoding, where)


class _NotMarcXml(Exception):
    """Stops the parse: the document is XML, but not MARCXML."""


class _MarcXmlHandler(ContentHandler):
    """Collects MARCXML records from SAX events, with or without the MARCXML namespace."""

    def __init__(self, line_offset: int = 0) -> None:
        super().__init__()
        self.ready: list[TitleRecord | RecordError] = []
        self.count = 0
        self.line_offset = line_offset
        self._depth = 0
        self._leader: str | None = None
        self._fields: dict[str, list[MarcField]] | None = None  # the record being read
        self._line = 0
        self._field: MarcField | None = None
        self._code: str | None = None
        self._text: list[str] = []

    def line(self) -> int:
        return (self._locator.getLineNumber() if self._locator else 0) + self.line_offset

    def startElementNS(self, name, qname, attrs) -> None:  # noqa: ANN001, N802 - SAX API
        local = name[1]
        self._depth += 1
        if self._depth == 1 and local not in ("collection", "record"):
            raise _NotMarcXml(f"this XML file is not MARCXML: its root element is <{local}>, "
                              "where <collection> or <record> was expected; nothing was read")
        self._text = []
        if local == "record":
            if self._fields is None:
                self.count += 1
                self._line = self.line()
                self._leader, self._fields = "", {}
            return
        if self._fields is None:
            return
        if local in ("controlfield", "datafield"):
            tag = (attrs.get((None, "tag")) or "").strip()
            ind1 = (attrs.get((None, "ind1")) or " ")[:1]
            ind2 = (attrs.get((None, "ind2")) or " ")[:1]
            control = local == "controlfield"
            self._field = MarcField(tag, "" if control else None, ind1, ind2)
            self._fields.setdefault(tag, []).append(self._field)
        elif local == "subfield":
            self._code = attrs.get((None, "code")) or ""

    def endElementNS(self, name, qname) -> None:  # noqa: ANN001, N802 - SAX API
        local = name[1]
        self._depth -= 1
        fields, text = self._fields, "".join(self._text)
        self._text = []
        if fields is None:
            return
        if local == "record":
            where = f"record {self.count} (line {self._line})"
            self.ready.append(_to_item(self._leader or "", fields, where))
            self._fields = self._field = None
        elif local == "leader":
            self._leader = text
        elif local == "controlfield" and self._field is not None:
            self._field.data = nfc(text)
        elif local == "subfield" and self._field is not None and self._code is not None:
            self._field.subfields.append((self._code, nfc(text)))
            self._code = None

    def characters(self, content: str) -> None:
        self._text.append(content)


def read_marcxml(source: str, **options: object) -> Iterator[Item]:
    """Stream the titles of a MARCXML file (a <collection> of <record>s, or one <record>).

    A break in the XML ends the reading there: the records before it are kept, and one
    RecordError gives the line.
    """
    with _open(source) as file:
        handler: _MarcXmlHandler | None = None
        parser = xml.sax.make_parser()
        parser.setFeature(feature_namespaces, True)
        # Never fetch external entities named by the file (XXE).
        parser.setFeature(feature_external_ges, False)
        while True:
            try:
                data = file.read(_CHUNK)
            except OSError as exc:
                raise SourceUnreadable(f"Cannot read {source}: {exc.strerror or exc}.") from None
            if handler is None:
                # Blank lines or a UTF-8 byte-order mark before "<?xml" would upset expat.
                stripped = data.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
                if not stripped:
                    if data:
                        continue
                    return  # an empty file holds no records
                handler = _MarcXmlHandler(line_offset=data[: len(data) - len(stripped)]
                                          .count(b"\n"))
                parser.setContentHandler(handler)
                # parse() would hand the handler a locator; feed() does not.
                handler.setDocumentLocator(ExpatLocator(parser))
                data = stripped
            try:
                if data:
                    parser.feed(data)
                else:
                    parser.close()
            except (xml.sax.SAXParseException, _NotMarcXml) as exc:
                yield from handler.ready
                handler.ready.clear()
                if isinstance(exc, _NotMarcXml):
                    yield RecordError(f"line {handler.line()}", str(exc))
                else:
                    after = f" after record {handler.count}" if handler.count else ""
                    yield RecordError(
                        f"line {exc.getLineNumber() + handler.line_offset}",
                        f"the XML is broken here ({exc.getMessage()}); the rest of the file"
                        f"{after} was not read",
                    )
                return
            yield from handler.ready
            handler.ready.clear()
            if not data:
                return
