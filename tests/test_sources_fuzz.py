"""Property-based: every reader, fed arbitrary or truncated bytes, yields records, RecordErrors
and warnings, or raises SourceUnreadable (exit 2 in plain words): never any other exception."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sources_kit import list_records, slims_record
from test_sources_events import CALENDAR
from test_sources_koha_rss import ATOM, RSS
from test_sources_slims_csv import BIBLIO

from outreach.sources.base import (
    EventRecord,
    RecordError,
    RecordWarning,
    SourceUnreadable,
    Tally,
    TitleRecord,
)
from outreach.sources.events_csv import read_events_csv
from outreach.sources.ics import read_ics
from outreach.sources.koha_rss import read_koha_feed
from outreach.sources.oai import _Page
from outreach.sources.slims_csv import read_slims_csv
from outreach.sources.slims_db import read_slims_db

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
ITEMS_TYPES = (TitleRecord, EventRecord, RecordError, RecordWarning, Tally)


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["judul", "tanggal", "jam mulai", "jenis"])
    book.active.append(["Lomba", "2030-08-17", "08:00", "lomba"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


OAI_PAGE = list_records([slims_record(1, "Judul : anak judul", isbn="0-596-00108-8",
                                      image="a.jpg", authors=("A",)),
                         slims_record(2, "Dihapus", deleted=True)], token="t")
# Valid files made here; the SLiMS dump is the team's sample (test_damaged_slims_sample_dump).
VALID: dict[str, bytes] = {
    "csv": BIBLIO.encode(), "events": b"judul,tanggal\nA,2030-01-02\n",
    "xlsx": _xlsx(), "ics": CALENDAR.encode(), "rss": RSS.encode(), "atom": ATOM.encode(),
}


def run_file(reader: Callable, data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        with open(path, "wb") as handle:
            handle.write(data)
        try:
            for item in reader(path):
                assert isinstance(item, ITEMS_TYPES)
                if isinstance(item, RecordError):
                    assert item.where and item.message
        except SourceUnreadable as exc:
            assert str(exc)


def damaged(valid: bytes, fraction: float, flip: int, at: float) -> bytes:
    """The first `fraction` of a valid file with one byte overwritten by `flip`."""
    data = bytearray(valid[: int(len(valid) * fraction)])
    if data:
        data[int((len(data) - 1) * at)] = flip
    return bytes(data)


def run_oai(data: bytes, cut: int) -> None:
    page = _Page(1, "http://127.0.0.1/oai2.php")
    try:
        for chunk in (data[:cut], data[cut:]):
            for record in page.feed(chunk):
                assert record.where
        list(page.close())
    except SourceUnreadable as exc:
        assert str(exc)


READERS: dict[str, tuple[Callable, str]] = {
    "dump": (read_slims_db, "dump.sql"), "csv": (read_slims_csv, "biblio.csv"),
    "events": (read_events_csv, "acara.csv"), "xlsx": (read_events_csv, "acara.xlsx"),
    "ics": (read_ics, "agenda.ics"), "rss": (read_koha_feed, "feed.rss"),
    "atom": (read_koha_feed, "feed.atom"),
}


@FUZZ
@given(kind=st.sampled_from(sorted(READERS)), data=st.binary(max_size=2000))
def test_arbitrary_bytes(kind, data):
    reader, name = READERS[kind]
    run_file(reader, data, name)


@FUZZ
@given(kind=st.sampled_from(sorted(VALID)), fraction=st.floats(0, 1),
       flip=st.integers(0, 255), at=st.floats(0, 1))
def test_truncated_and_damaged_valid_files(kind, fraction, flip, at):
    reader, name = READERS[kind]
    run_file(reader, damaged(VALID[kind], fraction, flip, at), name)


@FUZZ
@given(fraction=st.floats(0, 1), flip=st.integers(0, 255), at=st.floats(0, 1))
def test_truncated_and_damaged_slims_sample_dump(shared_samples, fraction, flip, at):
    dump = (shared_samples / "slims" / "sampledata.sql").read_bytes()
    run_file(read_slims_db, damaged(dump, fraction, flip, at), "dump.sql")


@FUZZ
@given(data=st.binary(max_size=3000), cut=st.integers(0, 3000))
def test_oai_page_arbitrary_bytes(data, cut):
    run_oai(data, cut)


@FUZZ
@given(fraction=st.floats(0, 1), cut=st.integers(0, 5000), flip=st.integers(0, 255),
       at=st.floats(0, 1))
def test_oai_page_truncated_and_damaged(fraction, cut, flip, at):
    data = bytearray(OAI_PAGE[: int(len(OAI_PAGE) * fraction)])
    if data:
        data[int((len(data) - 1) * at)] = flip
    run_oai(bytes(data), cut)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("(),;'\"\\`-#/*\n ab01NUL")),
                    max_size=300))
def test_sql_dump_statement_soup(text):
    soup = "INSERT INTO `biblio` VALUES " + text  # noqa: S608 - parsed, never executed
    run_file(read_slims_db, soup.encode(), "dump.sql")
