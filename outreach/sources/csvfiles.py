"""Opening the CSV files staff export (SLiMS exports, events spreadsheets saved as CSV): the
encoding (UTF-8, with or without a byte-order mark, else Windows-1252 as older Excel writes), and
the separator (comma, semicolon as Indonesian-locale Excel writes, tab or |)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TextIO

from outreach.sources.base import SourceUnreadable

SEPARATORS = ",;\t|"


def open_csv(path: Path) -> tuple[TextIO, type[csv.Dialect] | csv.Dialect]:
    """The file as text and its CSV dialect; SourceUnreadable when it cannot be opened."""
    if path.is_dir():
        raise SourceUnreadable(f"{path} is a folder, not a CSV file.")
    try:
        with path.open("rb") as raw:
            head = raw.read(1 << 20)
    except FileNotFoundError:
        raise SourceUnreadable(f"The file {path} does not exist.") from None
    except OSError as exc:
        raise SourceUnreadable(f"Cannot open {path}: {exc.strerror or exc}.") from None
    if b"\x00" in head[:4096]:
        raise SourceUnreadable(f"{path} is not a CSV text file (is it an Excel .xlsx file "
                               "saved with another name?).")
    encoding = "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut at the end of the sample is not a reason to doubt UTF-8.
        if exc.start < len(head) - 4:
            encoding = "cp1252"
    handle = path.open(encoding=encoding, errors="replace", newline="")
    sample = head[:8192].decode(encoding, "replace")
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=SEPARATORS)
    except csv.Error:
        dialect = csv.excel
        first = sample.splitlines()[0] if sample else ""
        counts = {sep: first.count(sep) for sep in SEPARATORS}
        best = max(counts, key=counts.get)  # type: ignore[arg-type]
        if counts[best]:
            dialect = type("Sniffed", (csv.excel,), {"delimiter": best})
    return handle, dialect


def normalise_header(name: str | None) -> str:
    """ "Jam Mulai " -> "jam mulai"; "publisher_name" -> "publisher name"; "No. Panggil" ->
    "no panggil"."""
    text = (name or "").strip().lower().replace("_", " ").replace(".", " ")
    return " ".join(text.replace("\ufeff", "").split())
