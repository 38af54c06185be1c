"""Builders of MARC21 test data with pymarc: records, ISO 2709 files and MARCXML files."""

from __future__ import annotations

from pathlib import Path

from pymarc import Field, Indicators, Record, Subfield
from pymarc.marcxml import record_to_xml


def field(tag: str, ind: str = "  ", **subfields: str) -> Field:
    """A data field; subfield codes are the keyword names."""
    return Field(tag, Indicators(ind[0], ind[1]),
                 [Subfield(code, value) for code, value in subfields.items()])


def fields(tag: str, ind: str, *pairs: tuple[str, str]) -> Field:
    """A data field with repeated or digit subfield codes: fields("020", "  ", ("a", "..."))."""
    return Field(tag, Indicators(ind[0], ind[1]), [Subfield(c, v) for c, v in pairs])


def book(control: str | None = "BTG001", title: str | None = "Bumi manusia :", *extra: Field,
         status: str = "n", entered: str = "240115", marc8: bool = False) -> Record:
    """A plausible book record; `extra` fields are added after the basic ones."""
    # leader/09: 'a' is UTF-8, blank is MARC-8 (pymarc then writes the str values as Latin-1
    # bytes, so MARC-8 bytes are given as the Latin-1 characters with those codes).
    coding = " " if marc8 else "a"
    record = Record(to_unicode=not marc8, leader=f"00000{status}am {coding}2200000 a 4500")
    if control is not None:
        record.add_field(Field("001", data=control))
    record.add_field(Field("008", data=f"{entered}s2019    io            000 1 ind d"))
    if title is not None:
        record.add_field(field("245", "10", a=title, b="sebuah roman /", c="Pramoedya."))
    for extra_field in extra:
        record.add_field(extra_field)
    return record


def write_iso(path: Path, *parts: Record | bytes) -> Path:
    """Write records (and raw byte strings, for damage) one after the other."""
    path.write_bytes(b"".join(p if isinstance(p, bytes) else p.as_marc() for p in parts))
    return path


def write_xml(path: Path, *records: Record, namespace: bool = True) -> Path:
    """A MARCXML collection, one element per line so that line numbers mean something."""
    ns = ' xmlns="http://www.loc.gov/MARC21/slim"' if namespace else ""
    body = "\n".join(record_to_xml(r).decode("utf-8").replace("><", ">\n<") for r in records)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?>\n<collection{ns}>\n{body}\n'
                    "</collection>\n", encoding="utf-8")
    return path
