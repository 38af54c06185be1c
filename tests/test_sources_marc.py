"""MARC21 readers (ISO 2709 and MARCXML) and the record -> TitleRecord mapping."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marc_samples import book, field, fields, write_iso, write_xml
from pymarc import Field

from outreach.sources.base import RecordError, RecordWarning, SourceUnreadable, TitleRecord
from outreach.sources.isbn import isbn13_check_digit, normalize_isbn
from outreach.sources.marc import read_marc, read_marcxml
from outreach.sources.marc_mapping import title_from_record, trim


def read(path: Path, **options) -> list:
    return list(read_marc(str(path), **options))


def titles(items: list) -> list[str]:
    return [i.source_id for i in items if isinstance(i, TitleRecord)]


def errors(items: list) -> list[RecordError]:
    return [i for i in items if isinstance(i, RecordError)]


def warnings(items: list) -> list[RecordWarning]:
    return [i for i in items if isinstance(i, RecordWarning)]


def full_record():
    return book(
        " BTG-0042 ", "Bumi manusia.",
        fields("020", "  ", ("a", "978-602-03-2478-4 (pbk.)"), ("q", "paperback")),
        field("020", "  ", a="9786020324785"),  # wrong check digit: dropped
        field("020", "  ", a="0-306-40615-2"),  # ISBN-10, becomes 978...
        field("020", "  ", a="ISBN 9786020324784"),  # the same ISBN again: kept once
        field("082", "04", a="899.221 3"),
        field("084", "  ", a="899.2 TOE b"),
        field("092", "  ", a="899.221 3", b="TOE b"),
        field("100", "1 ", a="Toer, Pramoedya Ananta,", d="1925-2006."),
        field("700", "1 ", a="Rowling, J. K."),
        field("700", "1 ", a="Toer, Pramoedya Ananta."),  # the main author again
        field("250", "  ", a="Cetakan ke-5."),
        field("260", "  ", a="Bandung :", b="Penerbit Lama,", c="1980."),
        field("264", " 4", c="©2018"),
        field("264", " 1", a="[Jakarta] :", b="Lentera Dipantara,", c="[2019]"),
        field("520", "  ", a="Kisah Minke di awal abad ke-20."),
        fields("650", " 4", ("a", "Indonesian fiction"), ("z", "Java"), ("x", "History.")),
        field("651", " 4", a="Surabaya."),
        field("856", "40", u="https://opac.example.id/index.php?p=show_detail&id=42"),
        field("856", "42", u="https://opac.example.id/lib/thumb.php?f=42", y="Sampul buku"),
        field("952", "  ", d="2024-03-05", o="899.221 3 TOE b c.1"),
        field("952", "  ", d="2024-02-30"),  # no such day: ignored
        field("952", "  ", d="2024-01-07"),
    )


def test_full_record_is_mapped(tmp_path):
    [title] = read(write_iso(tmp_path / "one.mrc", full_record()))
    assert title == TitleRecord(
        source_id="BTG-0042",
        title="Bumi manusia",
        subtitle="sebuah roman",
        authors=["Toer, Pramoedya Ananta", "Rowling, J. K."],
        isbns=["9786020324784", "9780306406157"],
        publisher="Lentera Dipantara",
        place="Jakarta",
        year="2019",
        edition="Cetakan ke-5",
        classification="899.221 3",
        call_number="899.221 3 TOE b",
        language="ind",
        subjects=["Indonesian fiction -- Java -- History", "Surabaya"],
        summary="Kisah Minke di awal abad ke-20.",
        cover_url="https://opac.example.id/lib/thumb.php?f=42",
        opac_url="https://opac.example.id/index.php?p=show_detail&id=42",
        catalogued_at=datetime(2024, 1, 7, tzinfo=UTC),
    )


def test_fallbacks_260_084_008_and_koha_call_number(tmp_path):
    record = book(
        "B2", "Laskar pelangi /",
        field("084", "  ", a="899.221 3 HIR l"),
        field("260", "  ", a="Yogyakarta :", b="Bentang,", c="cetakan ulang"),  # no year in $c
        field("264", " 4", c="©2005"),  # copyright date, not publication: ignored
        field("952", "  ", o="899.221 3 HIR l"),
        field("856", "40", u="http://example.id/covers/b2.JPG"),  # an image by its extension
    )
    [title] = read(write_iso(tmp_path / "b2.mrc", record))
    assert (title.publisher, title.place, title.year) == ("Bentang", "Yogyakarta", "2019")
    assert title.classification == "899.221 3 HIR l"
    assert title.call_number == "899.221 3 HIR l"
    assert title.cover_url == "http://example.id/covers/b2.JPG" and title.opac_url is None
    assert title.catalogued_at == datetime(2024, 1, 15, tzinfo=UTC)  # 008/00-05


@pytest.mark.parametrize(
    ("entered", "f005", "expected"),
    [
        ("991231", None, datetime(1999, 12, 31, tzinfo=UTC)),
        ("690101", None, datetime(2069, 1, 1, tzinfo=UTC)),
        ("241341", "20230405101500.0", datetime(2023, 4, 5, 10, 15, tzinfo=UTC)),
        ("uuuuuu", "2023", None),
    ],
)
def test_catalogued_at_from_008_then_005(tmp_path, entered, f005, expected):
    extra = [Field("005", data=f005)] if f005 else []
    [title] = read(write_iso(tmp_path / "d.mrc", book("B3", "Judul", *extra, entered=entered)))
    assert title.catalogued_at == expected
    assert title.call_number is None and title.isbns == []


def test_deleted_record_is_withdrawn(tmp_path):
    [title] = read(write_iso(tmp_path / "del.mrc", book("B4", None, status="d")))
    assert title.withdrawn is True and title.source_id == "B4"


def test_marc8_record_is_converted_to_unicode(tmp_path):
    # MARC-8 puts the combining acute (0xE2) before its letter: "Se\u0301" once converted.
    record = book("M8", "S\xe2e dan Ayah\xe2e /", field("100", "1 ", a="Dini, N. H."), marc8=True)
    data = record.as_marc()
    assert data[9:10] == b" " and b"S\xe2e" in data
    [title] = read(write_iso(tmp_path / "m8.mrc", data))
    assert title.title == "Sé dan Ayahé"
    assert title.authors == ["Dini, N. H."]


def test_utf8_decomposed_accents_are_composed(tmp_path):
    [title] = read(write_iso(tmp_path / "nfd.mrc", book("U1", "Caf\u0065\u0301 :")))
    assert title.title == "Café" and len(title.title) == 4


@pytest.mark.parametrize("namespace", [True, False])
def test_marcxml_gives_the_same_titles(tmp_path, namespace):
    records = [full_record(), book("B5", "Kedua"), book("B6", "Ketiga")]
    from_iso = read(write_iso(tmp_path / "a.mrc", *records))
    xml = write_xml(tmp_path / "a.xml", *records, namespace=namespace)
    assert list(read_marcxml(str(xml))) == from_iso
    assert read(xml) == from_iso  # read_marc detects MARCXML


def test_marcxml_detected_after_bom_and_blank_lines(tmp_path):
    xml = write_xml(tmp_path / "a.xml", book("B7", "Tujuh"))
    xml.write_bytes(b"\xef\xbb\xbf\n\n" + xml.read_bytes())
    assert titles(read(xml)) == ["B7"]


def test_marcxml_problems_keep_the_good_records(tmp_path):
    xml = write_xml(tmp_path / "a.xml", book("B1", "Satu"), book("B2", None), book("B3", "Tiga"))
    lines = xml.read_text().splitlines()
    record_lines = [n for n, line in enumerate(lines, 1) if line.startswith("<record")]
    items = list(read_marcxml(str(xml)))
    assert titles(items) == ["B1", "B3"]
    [error] = errors(items)
    assert error.where == f"record 2 (line {record_lines[1]})"
    assert "245" in error.message and "B2" in error.message


@pytest.mark.parametrize(("damage", "words"), [
    (lambda rec: rec.replace("<leader>", "&undefined;<leader>"), "undefined entity"),
    (lambda rec: rec.replace("</subfield>", "", 1), "mismatched tag"),
    (lambda rec: rec.replace("</record>", ""), "mismatched tag"),  # never closed
])
def test_marcxml_broken_record_costs_that_record_only(tmp_path, damage, words):
    xml = write_xml(tmp_path / "a.xml", *[book(f"B{n}", f"Buku {n}") for n in range(1, 5)])
    text = xml.read_text()
    start = text.index("<record", text.index("<record") + 1)
    end = text.index("</record>", start) + len("</record>")
    xml.write_text(text[:start] + damage(text[start:end]) + text[end:])
    items = read(xml)
    assert titles(items) == ["B1", "B3", "B4"]
    [error] = errors(items)
    assert error.where == f"record 2 (line {text.count(chr(10), 0, start) + 1})"
    assert words in error.message and "reading went on" in error.message


def test_marcxml_prefixed_utf16_and_text_between_records(tmp_path):
    ns = 'xmlns:marc="http://www.loc.gov/MARC21/slim"'
    record = ('<marc:record><marc:leader>00000nam a2200000 a 4500</marc:leader>'
              '<marc:controlfield tag="001">{id}</marc:controlfield>'
              '<marc:datafield tag="245" ind1="0" ind2="0"><marc:subfield code="a">{t}'
              '</marc:subfield></marc:datafield></marc:record>')
    text = (f'<?xml version="1.0" encoding="UTF-16"?>\n<marc:collection {ns}>\n'
            + record.format(id="A1", t="Satu") + "\nstray words\n"
            + record.format(id="A2", t="Dua &amp; tiga") + "\n</marc:collection>\n")
    path = tmp_path / "u16.xml"
    path.write_bytes(text.encode("utf-16"))
    items = read(path)
    assert [(t.source_id, t.title) for t in items if isinstance(t, TitleRecord)] == [
        ("A1", "Satu"), ("A2", "Dua & tiga")]
    [error] = errors(items)
    assert error.where == "line 4" and "not a MARC record" in error.message


def test_xml_that_is_not_marcxml(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text("<rss><channel><title>x</title></channel></rss>")
    [error] = read(path)
    assert "not MARCXML" in error.message and "<rss>" in error.message


# --- damaged ISO 2709 files: every problem is one error at its place; the rest is kept ---

def offsets(*parts: bytes) -> list[int]:
    out, at = [], 0
    for part in parts:
        out.append(at)
        at += len(part)
    return out


def good(n: int) -> bytes:
    return book(f"G{n}", f"Buku {n}").as_marc()


def test_truncated_last_record(tmp_path):
    parts = [good(1), good(2), good(3)[:-40]]
    items = read(write_iso(tmp_path / "t.mrc", *parts))
    assert titles(items) == ["G1", "G2"]
    [error] = errors(items)
    assert error.where == f"record 3 (byte {offsets(*parts)[2]})"
    assert "file ends in the middle of this record" in error.message
    assert f"declares {len(good(3))} bytes but only {len(parts[2])} remain" in error.message


def test_record_cut_short_in_the_middle_of_the_file(tmp_path):
    parts = [good(1), good(2)[:-60], good(3), good(4)]
    items = read(write_iso(tmp_path / "t.mrc", *parts))
    assert titles(items) == ["G1", "G3", "G4"]
    [error] = errors(items)
    assert error.where == f"record 2 (byte {offsets(*parts)[1]})"


def test_garbage_between_records(tmp_path):
    parts = [good(1), b"GARBAGE!\x00\x13garbage", good(2), good(3)]
    items = read(write_iso(tmp_path / "g.mrc", *parts))
    assert titles(items) == ["G1", "G2", "G3"]
    [error] = errors(items)
    assert error.where == f"record 2 (byte {offsets(*parts)[1]})"
    assert f"skipped {len(parts[1])} bytes up to the next record" in error.message


def test_garbage_at_the_start(tmp_path):
    items = read(write_iso(tmp_path / "g.mrc", b"PK\x03\x04 not marc", good(1), good(2)))
    assert titles(items) == ["G1", "G2"]
    [error] = errors(items)
    assert error.where == "record 1 (byte 0)"
    assert error.message.startswith("the file does not start with a MARC record")


def test_non_numeric_and_too_small_lengths(tmp_path):
    bad_length = b"0a5" + good(2)[3:]
    tiny = b"00012" + good(3)[5:]
    parts = [good(1), bad_length, tiny, good(4)]
    items = read(write_iso(tmp_path / "n.mrc", *parts))
    assert titles(items) == ["G1", "G4"]
    first, second = errors(items)
    assert first.where == f"record 2 (byte {offsets(*parts)[1]})"
    assert "length in 5 digits" in first.message and "'0a5" in first.message
    assert second.where == f"record 3 (byte {offsets(*parts)[2]})"
    assert "length of 12 bytes" in second.message


def test_records_without_title_or_control_number(tmp_path):
    parts = [good(1), book("NT", None).as_marc(), book(None, "Tanpa nomor").as_marc(), good(4)]
    items = read(write_iso(tmp_path / "m.mrc", *parts))
    # Without a 001 the record is known by a key of its content (no ISBN here).
    assert titles(items)[0] == "G1" and titles(items)[2] == "G4"
    assert titles(items)[1].startswith("key:")
    [no_title] = errors(items)
    assert no_title.where == f"record 2 (byte {offsets(*parts)[1]})"
    assert "no title (field 245 $a" in no_title.message and "'NT'" in no_title.message


def test_invalid_utf8_and_damaged_directory(tmp_path):
    bad_utf8 = book("BU", "Judul").as_marc().replace(b"Judul", b"Jud\xffl")
    record = good(3)
    bad_directory = record[:27] + b"x" + record[28:]  # a letter in a field length
    parts = [good(1), bad_utf8, bad_directory, good(4)]
    items = read(write_iso(tmp_path / "d.mrc", *parts))
    # The bad byte costs one character, replaced and warned about; the record is kept.
    assert titles(items) == ["G1", "BU", "G4"]
    assert [i.title for i in items if isinstance(i, TitleRecord)][1] == "Jud\ufffdl"
    [utf8] = warnings(items)
    assert utf8.where == f"record 2 (byte {offsets(*parts)[1]}), id BU"
    assert "not valid UTF-8" in utf8.message and "field 245" in utf8.message
    [directory] = errors(items)
    assert directory.where == f"record 3 (byte {offsets(*parts)[2]})"
    assert "directory is damaged" in directory.message


def test_line_breaks_between_records_are_not_errors(tmp_path):
    items = read(write_iso(tmp_path / "nl.mrc", good(1), b"\r\n", good(2), b"\n\x1a"))
    assert titles(items) == ["G1", "G2"] and errors(items) == []


def test_encoding_option_overrides_the_leader(tmp_path):
    # A UTF-8 file whose leader says MARC-8 (leader/09 blank), as some exporters write.
    data = book("E1", "Caf\xe9").as_marc()
    data = data[:9] + b" " + data[10:]
    path = write_iso(tmp_path / "e.mrc", data)
    warning, title = read(path)  # found out, read as UTF-8, and said so
    assert title.title == "Café" and "marked as MARC-8" in warning.message
    assert read(path, encoding="utf-8") == [title]
    assert read(path, encoding="marc-8")[0].title != "Café"
    with pytest.raises(ValueError):
        read(path, encoding="latin-9")


def test_empty_file_has_no_records(tmp_path):
    (tmp_path / "empty.mrc").write_bytes(b"")
    assert read(tmp_path / "empty.mrc") == []


def test_unreadable_sources(tmp_path):
    with pytest.raises(SourceUnreadable, match="does not exist"):
        read(tmp_path / "missing.mrc")
    with pytest.raises(SourceUnreadable, match="folder"):
        read(tmp_path)
    with pytest.raises(SourceUnreadable, match="does not exist"):
        list(read_marcxml(str(tmp_path / "missing.xml")))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_permission(tmp_path):
    path = write_iso(tmp_path / "secret.mrc", good(1))
    path.chmod(0)
    with pytest.raises(SourceUnreadable, match="permission"):
        read(path)


# --- whatever the bytes, only records and errors come out ---

VALID = b"".join(good(n) for n in range(1, 4))
# Junk that cannot look like a record start (digits) or an end (0x1D); and not "<", since a file
# that starts with "<" is read as MARCXML.
NOT_DIGITS_OR_END = st.binary(min_size=1, max_size=60).map(
    lambda b: bytes(x for x in b if not (0x30 <= x <= 0x39 or x in b"\x1d<")) or b"?")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "input.mrc"


def only_items(path: Path) -> list:
    items = read(path)
    assert all(isinstance(i, TitleRecord | RecordError | RecordWarning) for i in items)
    return items


FUZZ = settings(max_examples=300, deadline=None)
XML = (b'<?xml version="1.0"?>\n<collection xmlns="http://www.loc.gov/MARC21/slim">\n<record>'
       b'<leader>00000nam a2200000 a 4500</leader><controlfield tag="001">X1</controlfield>'
       b'<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Judul</subfield></datafield>'
       b"</record>\n</collection>\n")
# Pieces of real records and separators, so that the fuzzing reaches the decoder, not only the
# "this is not a record" path that random bytes mostly take.
PIECES = st.one_of(
    st.binary(max_size=40),
    st.sampled_from([b"\x1d", b"\x1e", b"\x1f", b"00024", b"99999", b"nam a22", XML[:60]]),
    st.builds(lambda n, i, j: good(n)[min(i, j):max(i, j)], st.integers(1, 3),
              st.integers(0, 200), st.integers(0, 200)),
    st.builds(lambda i, j: XML[min(i, j):max(i, j)], st.integers(0, len(XML)),
              st.integers(0, len(XML))),
)


@FUZZ
@given(data=st.one_of(st.binary(max_size=3000), st.lists(PIECES, max_size=12).map(b"".join)))
def test_arbitrary_bytes(scratch, data):
    scratch.write_bytes(data)
    only_items(scratch)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(VALID)))
def test_truncations_keep_every_complete_record(scratch, cut):
    scratch.write_bytes(VALID[:cut])
    items = only_items(scratch)
    ends = [offsets(good(1), good(2), good(3))[i] + len(good(i + 1)) for i in range(3)]
    assert titles(items) == [f"G{i + 1}" for i in range(3) if ends[i] <= cut]


@FUZZ
@given(junk=NOT_DIGITS_OR_END, where=st.integers(min_value=0, max_value=3),
       flips=st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), max_size=4))
def test_damage_never_escapes(scratch, junk, where, flips):
    records = [good(n) for n in range(1, 4)]
    with_junk = b"".join(records[:where]) + junk + b"".join(records[where:])
    scratch.write_bytes(with_junk)
    assert titles(only_items(scratch)) == ["G1", "G2", "G3"]  # junk alone loses nothing
    damaged = bytearray(VALID)
    for at, value in flips:
        damaged[at] = value
    scratch.write_bytes(bytes(damaged))
    only_items(scratch)


# --- pieces -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("978-602-03-2478-4 (pbk.)", "9786020324784"),
        ("9786020324784", "9786020324784"),
        ("9786020324785", None),  # check digit wrong
        ("0-306-40615-2", "9780306406157"),
        ("0306406153", None),
        ("080442957X", "9780804429573"),
        ("ISBN 979-10-90636-07-1 : Rp 75.000", "9791090636071"),
        ("9771234567003", None),  # an ISSN-based EAN, not a book's ISBN
        ("Rp 75.000", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_isbn(text, expected):
    assert normalize_isbn(text) == expected


def test_isbn13_check_digit():
    assert isbn13_check_digit("978602032478") == "4"
    with pytest.raises(ValueError):
        isbn13_check_digit("97860203247")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Bumi manusia :", "Bumi manusia"),
        ("Jakarta ;", "Jakarta"),
        ("Toer, Pramoedya Ananta,", "Toer, Pramoedya Ananta"),
        ("Rowling, J. K.", "Rowling, J. K."),
        ("Smith, John, Jr.", "Smith, John, Jr."),
        ("Sejarah Indonesia. /", "Sejarah Indonesia"),
        ("Dan seterusnya...", "Dan seterusnya..."),
        (" / ", None),
    ],
)
def test_trim_isbd_punctuation(value, expected):
    assert trim(value) == expected


def test_title_from_a_pymarc_record():
    title = title_from_record(full_record())
    assert title.source_id == "BTG-0042" and title.isbns[0] == "9786020324784"


def test_koha_record_is_known_by_its_biblionumber_and_linked_to_its_opac(tmp_path):
    record = book("  2004012345", "Laskar pelangi /",  # 001: a copied LC control number
                  field("942", "  ", c="BK"), field("999", "  ", c="4711", d="4711"))
    [title] = read(write_iso(tmp_path / "koha.mrc", record),
                   opac_url="https://koha.perpus.example/")
    assert title.source_id == "4711"
    assert title.opac_url == ("https://koha.perpus.example/cgi-bin/koha/opac-detail.pl"
                              "?biblionumber=4711")
    # Without 942 and 999: the 001; with id_field, whichever field the library names.
    [plain] = read(write_iso(tmp_path / "p.mrc", book("B1", "Judul", field("999", "  ", c="9"))))
    assert plain.source_id == "B1" and plain.opac_url is None
    [named] = read(write_iso(tmp_path / "n.mrc", book("B1", "Judul", field("035", "  ", a="X9"))),
                   id_field="035a")
    assert named.source_id == "X9"
    with pytest.raises(ValueError, match="id_field"):
        read(tmp_path / "n.mrc", id_field="99")


def test_without_001_isbn_then_content_key_stable_across_files(tmp_path):
    with_isbn = book(None, "Bumi manusia :", field("020", "  ", a="978-602-03-2478-4"))
    bare = book(None, "Anak semua bangsa /", field("100", "1 ", a="Toer, Pramoedya."))
    volume_2 = book(None, "Anak semua bangsa. Jilid 2 /", field("100", "1 ", a="Toer, P."))
    first = titles(read(write_iso(tmp_path / "a.mrc", with_isbn, bare, bare, volume_2)))
    assert first[0] == "isbn:9786020324784"
    assert first[1] == first[2] and first[1].startswith("key:")  # one title exported twice
    assert first[3].startswith("key:") and first[3] != first[1]
    # ISBD punctuation and case do not change the key.
    again = book(None, "ANAK SEMUA BANGSA", field("100", "1 ", a="Toer, Pramoedya"))
    assert titles(read(write_iso(tmp_path / "b.mrc", again)))[0] == first[1]


@pytest.mark.parametrize(("ind", "label", "url", "cover", "opac"), [
    ("42", {"3": "Publisher description"}, "http://www.loc.gov/catdir/enhancements/fy0604/1.html",
     None, None),
    ("  ", {"3": "Table of contents"}, "http://catdir.example/toc/1.html", None, None),
    ("42", {}, "https://publisher.example/book/1", None, None),  # a related resource
    ("40", {}, "https://ebook.example/read/1", None, "https://ebook.example/read/1"),
    ("  ", {"y": "Lihat di OPAC"}, "https://opac.example/x?1", None, "https://opac.example/x?1"),
    ("  ", {}, "https://somewhere.example/page", None, None),  # says nothing: not taken
    ("42", {"3": "Cover image"}, "https://img.example/c?1", "https://img.example/c?1", None),
])
def test_856_is_taken_only_for_what_it_says(tmp_path, ind, label, url, cover, opac):
    link = field("856", ind, u=url, **label)
    [title] = read(write_iso(tmp_path / "l.mrc", book("L1", "Judul", link)))
    assert (title.cover_url, title.opac_url) == (cover, opac)


def test_titles_parallel_titles_parts_corporate_names_and_isbd(tmp_path):
    record = book("P1", None,
                  fields("245", "10", ("a", "Kamus ilmu perpustakaan ="), ("b", "Dictionary of "
                         "library science /"), ("c", "Tim.")),
                  fields("110", "1 ", ("a", "Indonesia."), ("b", "Kementerian Pendidikan."),
                         ("b", "Pusat Bahasa.")),
                  fields("710", "2 ", ("a", "Perpustakaan Nasional"), ("b", "(Indonesia)")),
                  field("260", "  ", a="[Jakarta :", b="Balai Pustaka]\u00a0\u00a0,", c="2019."))
    [title] = read(write_iso(tmp_path / "t.mrc", record))
    assert (title.title, title.subtitle) == ("Kamus ilmu perpustakaan",
                                            "Dictionary of library science")
    assert title.authors == ["Indonesia. Kementerian Pendidikan. Pusat Bahasa",
                             "Perpustakaan Nasional (Indonesia)"]
    assert (title.place, title.publisher) == ("Jakarta", "Balai Pustaka")
    parts = book("P2", None, fields("245", "10", ("a", "Ensiklopedia anak."), ("n", "Jilid 2,"),
                                    ("p", "Hewan =", ), ("b", "Children's encyclopedia.")))
    [title] = read(write_iso(tmp_path / "p.mrc", parts))
    assert (title.title, title.subtitle) == ("Ensiklopedia anak. Jilid 2, Hewan",
                                            "Children's encyclopedia")


def test_original_script_880_is_the_title_with_the_transliteration_kept(tmp_path):
    record = book("R1", None,
                  fields("245", "10", ("6", "880-01"), ("a", "Beikoku no tochi /")),
                  fields("880", "10", ("6", "245-01/$1"), ("a", "米国の統治 /")),
                  fields("100", "1 ", ("6", "880-02"), ("a", "Tanaka, Taro.")),
                  fields("880", "1 ", ("6", "100-02/$1"), ("a", "田中太郎.")))
    [title] = read(write_iso(tmp_path / "r.mrc", record))
    assert (title.title, title.subtitle) == ("米国の統治", "Beikoku no tochi")
    assert title.authors == ["Tanaka, Taro", "田中太郎"]


def test_windows_1252_text_in_a_record_marked_utf8_is_detected(tmp_path):
    data = book("W1", "Caf\xe9  de la gare").as_marc()  # UTF-8, then made Latin-1
    data = data.replace(b"\xc3\xa9 ", b"\xe9  ")  # the same length: the directory holds
    [warning, title] = read(write_iso(tmp_path / "w.mrc", data))
    assert title.title == "Café de la gare" and "Windows-1252" in warning.message
