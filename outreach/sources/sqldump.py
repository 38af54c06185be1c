"""Reading the rows of a MySQL/MariaDB dump (mysqldump, phpMyAdmin, SLiMS's own backups)
without a MySQL server, streaming.

Only what a catalogue reader needs is understood: `CREATE TABLE` (for the column order of
`INSERT ... VALUES` without a column list) and `INSERT [IGNORE] INTO` / `REPLACE INTO` rows of
the wanted tables; every other statement is skipped whole. Strings follow MySQL's rules (`''`
and backslash escapes); functions such as `NOW()` read as NULL (none of the wanted columns
depends on them). A statement that cannot be understood is reported with its line and skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TextIO

_CHUNK = 1 << 20
# One whole statement up to its ";" (strings, quoted names and comments may hold ";").
# Possessive quantifiers: no backtracking, so damaged input cannot make this slow.
_STATEMENT = re.compile(
    r"""(?:[^;'"`/#-]++|'(?:[^'\\]++|\\.|'')*+'|"(?:[^"\\]++|\\.|"")*+"|`(?:[^`]++|``)*+`"""
    r"""|/\*.*?\*/|--[^\n]*+|\#[^\n]*+|[/#-])*+;""",
    re.S,
)
_SPACE_AND_COMMENTS = re.compile(r"(?:\s++|--[^\n]*+|\#[^\n]*+|/\*(?!!).*?\*/)*+", re.S)
_INSERT = re.compile(
    r"(INSERT|REPLACE)\s+(?:(?:LOW_PRIORITY|DELAYED|HIGH_PRIORITY|IGNORE)\s+)*(?:INTO\s+)?"
    r"(`(?:[^`]|``)+`|[\w$]+)(?:\s*\.\s*(`(?:[^`]|``)+`|[\w$]+))?\s*(\([^)]*\))?\s*VALUES?\s*",
    re.I | re.S,
)
_CREATE = re.compile(
    r"CREATE\s+(?:TEMPORARY\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(`(?:[^`]|``)+`|[\w$]+)"
    r"(?:\s*\.\s*(`(?:[^`]|``)+`|[\w$]+))?\s*\(",
    re.I | re.S,
)
_COLUMN_LINE = re.compile(r"^\s*(`(?:[^`]|``)+`|[\w$]+)\s+\w", re.M)
_NOT_COLUMNS = {"primary", "key", "unique", "index", "constraint", "fulltext", "foreign",
                "check", "spatial"}
# A value inside VALUES (...): string, number, NULL, a function call, hex, bit or charset
# prefixed string; then "," or ")".
_VALUE = re.compile(
    r"""\s*+(?:(?P<s>'(?:[^'\\]++|\\.|'')*+')|(?P<intro>_\w+\s*+)(?P<s2>'(?:[^'\\]++|\\.|'')*+')"""
    r"""|(?P<d>"(?:[^"\\]++|\\.|"")*+")|(?P<n>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"""
    r"""|(?P<null>NULL\b)|(?P<hex>0x[0-9A-Fa-f]*|[xX]'[0-9A-Fa-f]*')"""
    r"""|(?P<func>[A-Za-z_]\w*\s*\((?:[^()'"]|'(?:[^'\\]|\\.|'')*')*\)|CURRENT_\w+|TRUE|FALSE|DEFAULT))"""
    r"""\s*+(?P<end>[,)])""",
    re.I | re.S,
)
_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a", "\\": "\\",
            "'": "'", '"': '"', "%": "\\%", "_": "\\_"}
_ESCAPE = re.compile(r"\\(.)|''|\"\"", re.S)


def _unescape(body: str) -> str:
    if "\\" not in body and "''" not in body and '""' not in body:
        return body

    def one(m: re.Match) -> str:
        if m[1] is None:
            return m[0][0]
        return _ESCAPES.get(m[1], m[1])

    return _ESCAPE.sub(one, body)


def _name(raw: str) -> str:
    return raw[1:-1].replace("``", "`") if raw.startswith("`") else raw


class DumpError(ValueError):
    """One statement could not be read; the message says why."""


@dataclass(slots=True)
class Rows:
    table: str
    columns: list[str] | None  # None: the table's declared order
    rows: list[tuple]
    replace: bool  # REPLACE INTO: a later row wins over an earlier one
    line: int


def _values(text: str, start: int, line: int) -> Iterator[tuple]:
    """The tuples of `VALUES (..),(..)` starting at `start`."""
    pos, end = start, len(text)
    while pos < end:
        while pos < end and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= end or text[pos] == ";":
            return
        if text[pos] != "(":
            raise DumpError(f"expected '(' in the VALUES list near {text[pos:pos + 20]!r}")
        pos += 1
        row: list = []
        while True:
            m = _VALUE.match(text, pos)
            if m is None:
                if text.startswith(")", pos) and not row:  # "()": an empty row
                    pos += 1
                    break
                raise DumpError(f"a value cannot be read near {text[pos:pos + 30]!r}")
            if (s := m["s"] or m["s2"] or m["d"]) is not None:
                row.append(_unescape(s[1:-1]))
            elif m["n"] is not None:
                row.append(m["n"])
            else:
                row.append(None)  # NULL, functions, hex blobs: nothing the reader uses
            pos = m.end()
            if m["end"] == ")":
                break
        yield tuple(row)


def _create_columns(statement: str, start: int) -> list[str]:
    body = statement[start:]
    columns = []
    for m in _COLUMN_LINE.finditer(body):
        name = _name(m[1])
        if name.lower() not in _NOT_COLUMNS:
            columns.append(name)
    return columns


def read_dump(handle: TextIO, tables: Iterable[str]) -> Iterator[Rows | DumpError | tuple]:
    """Stream ('create', table, columns) tuples, Rows of the wanted tables, and a DumpError
    (with its line) for each statement that could not be read."""
    wanted = {t.lower() for t in tables}
    buffer, pos, line, eof = "", 0, 1, False
    while True:
        skip = _SPACE_AND_COMMENTS.match(buffer, pos)
        if skip.end() > pos:
            line += buffer.count("\n", pos, skip.end())
            pos = skip.end()
        m = _STATEMENT.match(buffer, pos)
        if m is None or (m.end() == len(buffer) and not eof):
            if eof:
                rest = buffer[pos:].strip()
                if rest:
                    yield DumpError(f"line {line}: the file ends inside a statement "
                                    f"({rest[:40]!r}…); it was not read")
                return
            chunk = handle.read(_CHUNK if len(buffer) - pos < _CHUNK else len(buffer) - pos)
            if not chunk:
                eof = True
            buffer = buffer[pos:] + chunk
            pos = 0
            continue
        statement = buffer[pos:m.end()]
        start_line = line
        line += statement.count("\n")
        pos = m.end()
        head = statement[:12].upper()
        try:
            if head.startswith(("INSERT", "REPLACE")):
                found = _INSERT.match(statement)
                if found is None:
                    raise DumpError("an INSERT statement that cannot be read")
                table = _name(found[3] or found[2])
                if table.lower() not in wanted:
                    continue
                columns = None
                if found[4]:
                    columns = [_name(c.strip()) for c in found[4][1:-1].split(",")]
                rows = list(_values(statement, found.end(), start_line))
                yield Rows(table.lower(), columns, rows, head.startswith("REPLACE"),
                           start_line)
            elif head.startswith("CREATE"):
                found = _CREATE.match(statement)
                if found is not None:
                    table = _name(found[2] or found[1])
                    if table.lower() in wanted:
                        yield ("create", table.lower(), _create_columns(statement, found.end()))
        except DumpError as exc:
            yield DumpError(f"line {start_line}: {exc}; the statement was skipped")
