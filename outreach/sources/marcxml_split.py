"""Cuts a MARCXML file into its <record> elements, as bytes, without parsing it.

So that a record whose XML is broken (a tag left open, an undefined entity) costs that record
only: `marc.read_marcxml` parses each record on its own, wrapped in the file's own prologue
(the XML declaration and the opening <collection> tag with its namespace declarations), and
reports the broken one with its number and line. Memory holds one record at a time.

A record runs from its start tag to the first end tag of a record after it; when another start
tag comes first, the record was never closed and ends there (its parse then fails, alone).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

# <record …>, </record>, with or without a prefix (<marc:record>); not <recordX>.
_RECORD_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.-]*:)?record(?=[\s/>])")
_NOT_ELEMENTS = re.compile(rb"<!--.*?-->|<\?.*?\?>|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>", re.S)
_START_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")


@dataclass(slots=True)
class Piece:
    kind: str  # "record", or "gap": anything else between records that is not blank
    line: int  # where it starts, 1-based
    data: bytes


def root_closer(prologue: bytes) -> bytes:
    """The end tag of the element the prologue opens (<collection …> -> </collection>), or b""
    when it opens none (the file is a single <record>)."""
    found = _START_TAG.search(_NOT_ELEMENTS.sub(b"", prologue))
    return b"</" + found[1] + b">" if found else b""


class XmlRecordSplitter:
    """`pieces()` yields the records and non-blank gaps; `prologue` is set once the first record
    is found; when there is none, `whole` holds the whole file (to be parsed as one document)."""

    def __init__(self, file: BinaryIO, first: bytes, chunk: int = 1 << 20) -> None:
        self.file = file
        self.chunk = chunk
        self.buf = bytearray(first)
        self.line = 1  # the line at buf[0]
        self.eof = False
        self.prologue: bytes | None = None
        self.whole: bytes | None = None
        self.closer = b""

    def _more(self) -> bool:
        if self.eof:
            return False
        data = self.file.read(self.chunk)
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def _drop(self, upto: int) -> None:
        self.line += self.buf.count(b"\n", 0, upto)
        del self.buf[:upto]

    def _line_at(self, at: int) -> int:
        return self.line + self.buf.count(b"\n", 0, at)

    def _gap(self, end: int) -> Iterator[Piece]:
        text = bytes(self.buf[:end])
        rest = _NOT_ELEMENTS.sub(b"", text).strip()
        if rest and rest != self.closer:
            yield Piece("gap", self._line_at(len(text) - len(text.lstrip())), text)
        self._drop(end)

    def pieces(self) -> Iterator[Piece]:
        # The prologue: everything before the first record's start tag.
        at = 0
        while True:
            found = next((m for m in _RECORD_TAG.finditer(self.buf, at) if not m[1]), None)
            if found is not None:
                break
            at = max(0, len(self.buf) - 64)  # a tag cut by the chunk's end is looked at again
            if not self._more():
                self.whole = bytes(self.buf)
                return
        self.prologue = bytes(self.buf[:found.start()])
        self.closer = root_closer(self.prologue)
        self._drop(found.start())
        while True:
            # buf starts with a record's start tag.
            at = 1
            while (m := _RECORD_TAG.search(self.buf, at)) is None:
                at = max(1, len(self.buf) - 64)
                if not self._more():
                    yield Piece("record", self.line, bytes(self.buf))
                    return
            if m[1]:  # its end tag: up to the ">"
                while (gt := self.buf.find(b">", m.end())) < 0:
                    if not self._more():
                        yield Piece("record", self.line, bytes(self.buf))
                        return
                end = gt + 1
            else:  # another record starts first: this one was never closed
                end = m.start()
            yield Piece("record", self.line, bytes(self.buf[:end]))
            self._drop(end)
            # Up to the next record's start tag; what lies between should be blank.
            at = 0
            while (m := next((x for x in _RECORD_TAG.finditer(self.buf, at) if not x[1]),
                             None)) is None:
                at = max(0, len(self.buf) - 64)
                if not self._more():
                    yield from self._gap(len(self.buf))
                    return
            yield from self._gap(m.start())
