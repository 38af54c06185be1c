"""MARC21 readers: ISO 2709 (`read_marc`, which hands MARCXML over to `read_marcxml`) and MARCXML.

Both stream: memory stays flat whatever the file size. Damage never stops an import: each broken
record becomes one RecordError saying where it is ("record 7 (byte 10342)", "record 3 (line
120)") and what is wrong, and reading goes on with the next record.

ISO 2709 is cut and decoded by `iso2709` (which says why not pymarc's MARCReader); MARCXML is read
with xml.sax, incrementally. Both hand each record to `marc_mapping.title_from_fields`.
"""

from __future__ import annotations

import io
import os
import re
import xml.sax
from collections.abc import Iterator
from typing import BinaryIO
from xml.sax.expatreader import ExpatLocator
from xml.sax.handler import ContentHandler, feature_external_ges, feature_namespaces

from outreach.config import get_settings
from outreach.sources.base import (
    Item,
    RecordError,
    RecordWarning,
    SourceUnreadable,
    TitleRecord,
    sentence,
)
from outreach.sources.iso2709 import MarcField, RecordSplitter, decode_record
from outreach.sources.marc_identity import IdentityCounter, IdField
from outreach.sources.marc_mapping import (
    WANTED_TAGS,
    RecordRejected,
    title_from_fields,
)
from outreach.sources.marc_text import SINGLE_BYTE, nfc
from outreach.sources.marcxml_split import XmlRecordSplitter

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


class _Mapper:
    """title_from_fields with the reader's options, and derived ids kept apart within a file."""

    def __init__(self, options: dict) -> None:
        raw = options.get("id_field")
        self.id_field = IdField.parse(str(raw)) if raw else None
        self.wanted = WANTED_TAGS | {self.id_field.tag} if self.id_field else WANTED_TAGS
        self.opac_url = str(options.get("opac_url") or get_settings().opac_url or "") or None
        self.counter = IdentityCounter()

    def __call__(self, leader: str, by_tag: dict[str, list[MarcField]], where: str
                 ) -> TitleRecord | RecordError:
        try:
            title = title_from_fields(leader, by_tag, id_field=self.id_field,
                                      opac_url=self.opac_url)
        except RecordRejected as exc:
            return RecordError(where, str(exc))
        except Exception as exc:  # noqa: BLE001 - one odd record must not stop the import
            return RecordError(where, f"it could not be read (unexpected {type(exc).__name__}: "
                                      f"{exc})")
        title.source_id = self.counter(title.source_id, title.content_hash)
        return title


def _decode(chunk: bytes, encoding: str, where: str, mapper: _Mapper) -> Iterator[Item]:
    problems: list[str] = []
    try:
        decoded = decode_record(chunk, encoding, mapper.wanted, problems)
    except Exception as exc:  # noqa: BLE001 - one odd record must not stop the import
        decoded = sentence(f"it could not be read (unexpected {type(exc).__name__}: {exc})")
    if isinstance(decoded, str):
        yield RecordError(where, decoded)
        return
    item = mapper(*decoded, where)
    if problems and isinstance(item, TitleRecord):
        named = f"{where}, id {item.source_id}"
        for problem in dict.fromkeys(problems):
            yield RecordWarning(named, problem)
    yield item


def _check_encoding(options: dict) -> str:
    encoding = str(options.get("encoding") or "auto").lower().replace("marc8", "marc-8")
    encoding = encoding.replace("utf8", "utf-8")
    if encoding in SINGLE_BYTE:
        return SINGLE_BYTE[encoding]
    if encoding not in _ENCODINGS:
        known = ", ".join(_ENCODINGS + ("windows-1251", "windows-1252", "latin-1"))
        raise ValueError(f"encoding must be one of {known}, not {encoding!r}")
    return encoding


def read_marc(source: str, **options: object) -> Iterator[Item]:
    """Stream the titles of an ISO 2709 MARC21 file (MARCXML is detected and read as such).

    Options: `encoding` "auto" (default: leader/09, checked against the bytes), "utf-8",
    "marc-8", "windows-1251" or "latin-1" for files whose leaders lie about it; `id_field`
    (999c: the field holding the record id); `opac_url` (the OPAC's address, for links).
    """
    encoding = _check_encoding(options)
    mapper = _Mapper(options)
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
            if isinstance(data, str):
                yield RecordError(where, data)
            else:
                yield from _decode(data, encoding, where, mapper)


# What XML 1.0 does not allow, raw or as a character reference: C0 controls but tab, LF, CR.
_BAD_XML = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]"
    rb"|&#(?:[xX]0*(?:[0-8bBcCeEfF]|1[0-9a-fA-F])|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]));")


def _filtered(data: bytes, line: int) -> Iterator[RecordWarning]:
    for found in _BAD_XML.finditer(data):
        at = line + data.count(b"\n", 0, found.start()) + 1
        shown = found[0].decode("ascii", "replace")
        code = f"0x{ord(shown):02X}" if len(shown) == 1 else shown
        yield RecordWarning(f"line {at}", f"a control character ({code}), which XML does not "
                                          "allow, was replaced by \ufffd; reading went on")


class _NotMarcXml(Exception):
    """Stops the parse: the document is XML, but not MARCXML."""


class _MarcXmlHandler(ContentHandler):
    """Collects MARCXML records from SAX events, with or without the MARCXML namespace."""

    def __init__(self, mapper: _Mapper, line_offset: int = 0) -> None:
        super().__init__()
        self.mapper = mapper
        self.ready: list[Item] = []
        self.count = 0
        self.line_offset = line_offset
        self._depth = 0
        self._leader: str | None = None
        self._fields: dict[str, list[MarcField]] | None = None  # the record being read
        self._line = 0
        self._field: MarcField | None = None
        self._code: str | None = None
        self._text: list[str] = []

    def reset(self) -> None:
        """Ready for the next document (each record is parsed as one); `count` goes on."""
        self._depth = 0
        self._fields = self._field = None
        self._code = None
        self._text = []

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
            self.ready.append(self.mapper(self._leader or "", fields, where))
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


def _parse(document: bytes, handler: _MarcXmlHandler, line_offset: int) -> None:
    """Parse one whole document into `handler` (raises SAXParseException, _NotMarcXml)."""
    parser = xml.sax.make_parser()
    parser.setFeature(feature_namespaces, True)
    # Never fetch external entities named by the file (XXE).
    parser.setFeature(feature_external_ges, False)
    parser.setContentHandler(handler)
    # parse() would hand the handler a locator; feed() does not.
    handler.setDocumentLocator(ExpatLocator(parser))
    handler.line_offset = line_offset
    handler.reset()
    parser.feed(document)
    parser.close()


def _clean(data: bytes, line: int, warn: bool = True) -> tuple[bytes, list[RecordWarning]]:
    """`data` (starting at `line`) with the characters XML does not allow replaced."""
    warnings = list(_filtered(data, line - 1)) if warn else []
    return _BAD_XML.sub(b"&#xFFFD;", data), warnings


def _utf8(file: BinaryIO, head: bytes) -> BinaryIO:
    """A UTF-16 file as UTF-8 bytes, streamed, its declaration saying so (the splitter reads
    bytes, and "<record" is not those bytes in UTF-16)."""
    text = io.TextIOWrapper(file, encoding="utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff")
                            else ("utf-16-le" if head[1:2] == b"\x00" else "utf-16-be"))

    class Recoded(io.RawIOBase):
        first = True

        def read(self, size: int = -1) -> bytes:
            chunk = text.read(_CHUNK)
            if self.first:
                chunk = _DECLARED.sub(r"\1", chunk.lstrip("\ufeff"), count=1)
                self.first = False
            return chunk.encode("utf-8")

    return Recoded()  # type: ignore[return-value]


_DECLARED = re.compile(r"^(\s*<\?xml[^>]*?)\s+encoding=[\"'][^\"']*[\"']")


def read_marcxml(source: str, **options: object) -> Iterator[Item]:
    """Stream the titles of a MARCXML file (a <collection> of <record>s, or one <record>).

    Characters XML does not allow (a stray control character, raw or as "&#27;") are replaced
    by U+FFFD before parsing, each with a warning giving its line. Any other break in the XML
    (a tag left open, an undefined entity) costs the record it is in: each record is parsed on
    its own (marcxml_split), and a broken one is one RecordError giving its number and line;
    reading goes on with the next record.
    """
    mapper = _Mapper(options)
    with _open(source) as file:
        try:
            head = file.read(4)
            file.seek(0)
        except OSError as exc:
            raise SourceUnreadable(f"Cannot read {source}: {exc.strerror or exc}.") from None
        stream: BinaryIO = file
        if head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head:
            stream = _utf8(file, head)
        yield from _read_pieces(source, stream, mapper)


def _read_pieces(source: str, file: BinaryIO, mapper: _Mapper) -> Iterator[Item]:
    try:
        first = file.read(_CHUNK)
    except OSError as exc:
        raise SourceUnreadable(f"Cannot read {source}: {exc.strerror or exc}.") from None
    # Blank lines or a UTF-8 byte-order mark before "<?xml" would upset expat.
    first = first.removeprefix(b"\xef\xbb\xbf")
    skipped = len(first) - len(first.lstrip(b" \t\r\n"))
    splitter = XmlRecordSplitter(file, first[skipped:])
    splitter.line += first.count(b"\n", 0, skipped)
    handler = _MarcXmlHandler(mapper)
    number = 0
    try:
        for piece in splitter.pieces():
            if piece.kind == "gap":
                yield RecordError(f"line {piece.line}", "text that is not a MARC record stands "
                                  "between the records here; it was skipped")
                continue
            number += 1
            data, warnings = _clean(piece.data, piece.line)
            yield from warnings
            prologue, _ = _clean(splitter.prologue or b"", 1, warn=False)
            handler.count = number - 1
            try:
                _parse(prologue + data + splitter.closer, handler,
                       piece.line - 1 - prologue.count(b"\n"))
            except _NotMarcXml as exc:
                yield RecordError(f"line {handler.line()}", str(exc))
                return
            except xml.sax.SAXParseException as exc:
                handler.ready.clear()
                yield RecordError(
                    f"record {number} (line {piece.line})",
                    f"the XML of this record is broken at line "
                    f"{exc.getLineNumber() + handler.line_offset} ({exc.getMessage()}); the "
                    "record was left out and reading went on with the next one")
                continue
            yield from handler.ready
            handler.ready.clear()
    except OSError as exc:
        raise SourceUnreadable(f"Cannot read {source}: {exc.strerror or exc}.") from None
    if splitter.whole is not None and splitter.whole.strip():
        # No record at all: an empty collection, or XML of another kind (said so).
        data, warnings = _clean(splitter.whole, splitter.line)
        yield from warnings
        try:
            _parse(data, handler, splitter.line - 1)
        except _NotMarcXml as exc:
            yield RecordError(f"line {handler.line()}", str(exc))
        except xml.sax.SAXParseException as exc:
            yield RecordError(f"line {exc.getLineNumber() + handler.line_offset}",
                              f"the XML is broken here ({exc.getMessage()}); no record was read")
