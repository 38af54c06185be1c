"""ISO 2709 (MARC transmission format): cutting a stream into records, and decoding one record.

`RecordSplitter` knows every record's number and byte offset, which pymarc's MARCReader does not,
and after damage it resynchronises on the next plausible record start instead of giving up.

`decode_record` is a lean decoder for the fields the catalogue uses. pymarc's `Record(data=...)`
builds a Field object per field and looks the leader up once per subfield, which made it most of
an import's time; here the wanted fields are decoded once each (a whole UTF-8 field in one call)
into small `MarcField`s that the mapping reads the same way as pymarc's. MARC-8 text still goes
through pymarc's converter. Damage in a field nobody reads does not cost the record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import BinaryIO

from outreach.sources.base import SourceUnreadable, sentence
from outreach.sources.marc_text import MARC8, REPLACEMENT, UTF8, choose_encoding, decode_field

CHUNK = 1 << 20
LEADER_LENGTH = 24
END_OF_RECORD = 0x1D
# Bytes some exporters put between records (line breaks, NUL block padding, DOS end-of-file).
_FILLER = re.compile(rb"[ \t\r\n\x00\x1a]*")
# A plausible record start: right after an end-of-record mark, or, when the mark is lost, a
# leader-shaped run of text: length, status/type letters (which a directory, all digits, never
# has), "22", base address, 3 more bytes and the entry map.
_NEXT_RECORD = re.compile(
    rb"\x1d(?=[0-9]{5})|[0-9]{5}[a-zA-Z ]{5}22[0-9]{5}[\x20-\x7e]{3}[0-9]{4}"
)
# MARC-8 text made of printable ASCII (and MARC separators) reads the same in MARC-8 and Unicode.
_PLAIN_ASCII = re.compile(rb"[\x1d\x1e\x1f\x20-\x7e]*")
# Directory entries: a printable tag, a 4-digit length and a 5-digit position.
_DIRECTORY = re.compile(rb"(?:[\x20-\x7e]{3}[0-9]{9})+")
_ENTRY = re.compile(r"(.{3})([0-9]{4})([0-9]{5})", re.DOTALL)


def _preview(data: bytes) -> str:
    text = "".join(chr(b) if 0x20 <= b < 0x7F else "?" for b in data[:12])
    return f"'{text}'" if text else "nothing"


class RecordSplitter:
    """Cuts an ISO 2709 stream into records; memory holds about one read chunk."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self.buf = b""
        self.pos = 0  # index of the current byte in buf
        self.base = 0  # file offset of buf[0]
        self.eof = False

    def _fill(self, need: int) -> int:
        """Make `need` bytes available from pos if the file has them; return how many are."""
        while len(self.buf) - self.pos < need and not self.eof:
            try:
                chunk = self.file.read(max(CHUNK, need))
            except OSError as exc:
                offset = self.base + len(self.buf)
                raise SourceUnreadable(f"Reading stopped at byte {offset}: {exc}.") from None
            if not chunk:
                self.eof = True
                break
            self.base += self.pos
            self.buf = self.buf[self.pos:] + chunk
            self.pos = 0
        return len(self.buf) - self.pos

    def _skip_filler(self) -> None:
        while True:
            self.pos = _FILLER.match(self.buf, self.pos).end()
            if self.pos < len(self.buf) or self._fill(1) == 0:
                return

    def _resync(self) -> int:
        """Move to the next plausible record start after pos (or the end); return bytes skipped."""
        start = self.base + self.pos
        search_from = self.pos + 1
        while True:
            match = _NEXT_RECORD.search(self.buf, search_from)
            if match is not None:
                at = match.start() + (1 if self.buf[match.start()] == END_OF_RECORD else 0)
                self.pos = at
                return self.base + at - start
            if self.eof:
                self.pos = len(self.buf)
                return self.base + self.pos - start
            # Drop what was searched but a leader's worth: a record start may straddle the refill.
            self.pos = max(search_from, len(self.buf) - LEADER_LENGTH)
            self._fill(len(self.buf) - self.pos + 1)
            search_from = self.pos

    def _rest(self) -> str:
        return " up to the next record" if self.pos < len(self.buf) else " to the end of the file"

    def records(self) -> Iterator[tuple[int, int, bytes | str]]:
        """(number, byte offset, the record's bytes or a message saying what is wrong)."""
        number = 0
        while True:
            self._skip_filler()
            if self._fill(1) == 0:
                return
            number += 1
            offset = self.base + self.pos
            self._fill(LEADER_LENGTH)
            head = self.buf[self.pos:self.pos + 5]
            if len(head) < 5 or not head.isdigit():
                seen = self.buf[self.pos:self.pos + 12]
                skipped = self._resync()
                message = sentence(
                    f"a record starts with its length in 5 digits, but here there is "
                    f"{_preview(seen[:skipped])}; skipped {skipped} bytes{self._rest()}")
                if number == 1:
                    message = sentence("the file does not start with a MARC record: " + message)
                yield number, offset, message
                continue
            length = int(head)
            if length < LEADER_LENGTH:
                skipped = self._resync()
                yield number, offset, sentence(
                    f"the record declares a length of {length} bytes, less than its own "
                    f"24-byte leader; skipped {skipped} bytes{self._rest()}")
                continue
            available = self._fill(length)
            if available < length:
                skipped = self._resync()
                if self.pos >= len(self.buf):
                    message = sentence(f"the file ends in the middle of this record: it declares "
                               f"{length} bytes but only {available} remain")
                else:
                    message = sentence(f"the record declares {length} bytes but the next "
                                       f"record starts after {skipped}: it is damaged and was "
                                       "skipped")
                yield number, offset, message
                continue
            if self.buf[self.pos + length - 1] != END_OF_RECORD:
                skipped = self._resync()
                yield number, offset, sentence(
                    f"the record does not end where its leader says (byte {offset + length - 1} "
                    f"should be the end-of-record mark 0x1D): it is cut short or its length is "
                    f"wrong; skipped {skipped} bytes{self._rest()}")
                continue
            chunk = self.buf[self.pos:self.pos + length]
            self.pos += length
            yield number, offset, chunk


class MarcField:
    """One decoded field, read like a pymarc Field: `.data` for control fields (001-009),
    `.indicator1`, `.indicator2` and `.subfields` ((code, value) pairs) for the others."""

    __slots__ = ("tag", "data", "indicator1", "indicator2", "subfields")

    def __init__(self, tag: str, data: str | None = None, indicator1: str = " ",
                 indicator2: str = " ", subfields: list[tuple[str, str]] | None = None) -> None:
        self.tag = tag
        self.data = data
        self.indicator1 = indicator1
        self.indicator2 = indicator2
        self.subfields = subfields if subfields is not None else []

    def __repr__(self) -> str:
        if self.data is not None:
            return f"MarcField({self.tag!r}, {self.data!r})"
        return f"MarcField({self.tag!r}, {self.indicator1 + self.indicator2!r}, {self.subfields})"


def _indicators(raw: bytes) -> tuple[str, str]:
    head = raw.split(b"\x1f", 1)[0].decode("latin-1")
    return (head[0] if head else " "), (head[1] if len(head) > 1 else " ")


def _field(tag: str, text: str, problems: list[str] | None = None) -> MarcField:
    if tag < "010" and tag.isdigit():
        return MarcField(tag, text)
    parts = text.split("\x1f")
    head = parts[0]
    subfields = []
    for part in parts[1:]:
        if not part:
            continue
        code = part[0]
        if not (code.isascii() and code.isalnum()) and problems is not None:
            # A damaged code (a replaced byte before the real one): the next letter or digit.
            rest = part.lstrip(part[0] + REPLACEMENT)
            if rest and rest[0].isascii() and rest[0].isalnum():
                problems.append(sentence(f"field {tag}: a damaged subfield code before "
                                         f"${rest[0]} was skipped"))
                code, part = rest[0], rest
        subfields.append((code, part[1:]))
    return MarcField(tag, None, head[0] if head else " ", head[1] if len(head) > 1 else " ",
                     subfields)


def _marc8_field(tag: str, raw: bytes, problems: list[str]) -> MarcField:
    if tag < "010" and tag.isdigit():
        return MarcField(tag, raw.decode("latin-1"))  # how pymarc reads MARC-8 control fields
    ind1, ind2 = _indicators(raw)
    subfields = []
    for part in raw.split(b"\x1f")[1:]:
        if part:
            text, note = decode_field(part[1:], MARC8)
            if note:
                problems.append(sentence(f"field {tag}: {note}"))
            subfields.append((chr(part[0]), text))
    return MarcField(tag, None, ind1, ind2, subfields)


def _bad_entry(directory: bytes) -> str:
    for i in range(0, len(directory), 12):
        entry = directory[i:i + 12]
        if not _DIRECTORY.fullmatch(entry):
            return sentence(f"its directory is damaged: entry {i // 12 + 1} reads "
                    f"{entry.decode('latin-1')!r}, not a tag, a length and a position")
    return sentence("its directory (the list of fields after the leader) is damaged: "
            f"{len(directory)} bytes is not a whole number of 12-byte entries")


def decode_record(chunk: bytes, encoding: str, wanted: frozenset[str],
                  problems: list[str] | None = None
                  ) -> tuple[str, dict[str, list[MarcField]]] | str:
    """(leader, fields by tag) of one ISO 2709 record, keeping only the `wanted` tags; or a
    message saying why the record cannot be read.

    `encoding`: "auto" (leader/09, checked against the bytes: marc_text.choose_encoding),
    "utf-8", "marc-8" or a single-byte code page ("cp1251", "cp1252"). What had to be repaired
    (a replaced byte, a broken escape, an encoding other than the declared one) is appended to
    `problems`, one sentence each."""
    notes: list[str] = problems if problems is not None else []
    leader_bytes = chunk[:LEADER_LENGTH]
    if not leader_bytes.isascii():
        return sentence("its leader (the first 24 bytes) contains bytes that are not plain "
                        "ASCII")
    leader = leader_bytes.decode("ascii")
    if not leader[12:17].isdigit():
        return sentence("its leader gives no valid start of the data (base address, bytes "
                        "12-16)")
    base = int(leader[12:17])
    end = len(chunk) - 1  # the end-of-record mark
    if base <= LEADER_LENGTH or base > end:
        return sentence(f"its leader puts the start of the data (base address {base}) outside "
                        "the record")
    directory = chunk[LEADER_LENGTH:base - 1]
    if not _DIRECTORY.fullmatch(directory):
        return _bad_entry(directory)
    entries = []
    for tag, length, offset in _ENTRY.findall(directory.decode("ascii")):
        if tag not in wanted:
            continue
        start = base + int(offset)
        stop = start + int(length) - 1  # without the field terminator
        if stop > end or stop < start:
            return sentence(f"its field {tag} lies outside the record (the directory is "
                            "damaged)")
        entries.append((tag, start, stop))
    # Most records are plain ASCII: decode once, and byte offsets are character offsets.
    whole = chunk.decode("ascii") if _PLAIN_ASCII.fullmatch(chunk, base) else None
    if whole is None:
        if encoding == "auto":
            declared = UTF8 if leader[9] == "a" else MARC8
            sample = b"".join(chunk[start:stop] for tag, start, stop in entries if tag >= "010")
            encoding, note = choose_encoding(declared, sample)
            if note:
                notes.append(note)
    by_tag: dict[str, list[MarcField]] = {}
    for tag, start, stop in entries:
        if whole is not None:
            field = _field(tag, whole[start:stop])
        elif encoding == MARC8:
            field = _marc8_field(tag, chunk[start:stop], notes)
        else:
            text, note = decode_field(chunk[start:stop], encoding)
            if note:
                notes.append(sentence(f"field {tag}: {note}"))
            field = _field(tag, text, notes)
        by_tag.setdefault(tag, []).append(field)
    return leader, by_tag
