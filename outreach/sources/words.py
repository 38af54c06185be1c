"""The readers' messages in Bahasa Indonesia, for the pages that show import runs.

Readers write their errors and warnings in English: that is what the CLI prints, what `--json`
gives as {"where", "message"} and what an import run stores. The imports pages translate a stored
sentence at the face through this table of English patterns (placeholders are `str.format`
fields), as platforms/reasons.py does for platform reasons, so runs stored before a sentence was
listed are translated too. Fields named in NESTED are a sentence of their own and are translated
recursively; the others (values from the file, numbers) are kept as they are. What matches
nothing (a parser's or a server's own words) stays English, and a page marks it so
(`message(..., html=True)`: `lang="en"`).

This module holds the records' sentences (a row, a record, a repair) and the machinery;
words_sources.py holds why a whole source could not be read. tests/test_import_words.py finds
every message the readers write and fails when one is missing here.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from outreach.errors import Sentences
from outreach.sources.words_sources import SOURCES

RECORDS: dict[str, tuple[str, str]] = {
    # -- rows of events CSV / spreadsheets (events_csv.py, sheet_cells.py)
    "row.no_title": ("judul kosong", "the title (judul) is empty"),
    "row.no_date": ("tanggal kosong", "the date (tanggal) is empty"),
    "row.title_empty": ("judul kosong", "the title is empty"),
    "row.end_before": ("tanggal selesai {end} lebih awal dari tanggal {day}",
                       "the end date {end} is before the date {day}"),
    "row.end_time": ("jam selesai {end} tidak lebih lambat dari jam mulai {start}",
                     "the end time {end} is not after the start time {start}"),
    "row.unreadable": ("baris ini tidak dapat dibaca: {detail}",
                       "the line cannot be read: {detail}"),
    "cell.no_such_date": ("tanggal {value} tidak ada (dibaca sebagai {order})",
                          "the date {value} does not exist (read as {order})"),
    "cell.date": ("tanggal {value} bukan tanggal seperti {example}",
                  "the date {value} is not a date like {example}"),
    "cell.zone": ("zona waktu {value} bukan zona seperti WIB, WITA, WIT atau +07:00",
                  "the time zone {value} is not one like WIB, WITA, WIT or +07:00"),
    "cell.time": ("jam {value} bukan jam seperti 09:00 atau 09.00",
                  "the time {value} is not a time like 09:00 or 09.00"),
    "cell.capacity": ("kapasitas {value} bukan bilangan bulat; dibiarkan kosong",
                      "the capacity {value} is not a whole number; it was left empty"),
    "cell.capacity_none": ("kapasitas {value} tidak berisi angka; dibiarkan kosong",
                           "the capacity {value} has no number; it was left empty"),
    "cell.capacity_many": ("kapasitas {value} berisi beberapa angka; dibiarkan kosong",
                           "the capacity {value} has several numbers; it was left empty"),
    # the values staff are shown as examples ({order}, {example} above)
    "cell.order_dmy": ("hari/bulan/tahun", "day/month/year"),
    "cell.order_google": ("bulan/hari/tahun, sesuai format CSV Google Calendar",
                          "month/day/year, as Google Calendar's CSV format has it"),
    "cell.example": ("05/12/2026, 5 Desember 2026 atau 2026-12-05",
                     "05/12/2026, 5 Desember 2026 or 2026-12-05"),
    "cell.example_google": ("05/30/2026 atau 2026-05-30", "05/30/2026 or 2026-05-30"),
    # -- iCalendar (ics.py, ics_checks.py)
    "ics.no_title": ("acara tidak berjudul (SUMMARY)", "it has no title (SUMMARY)"),
    "ics.no_start": ("acara tidak punya waktu mulai (DTSTART)", "it has no start (DTSTART)"),
    "ics.ends_before": ("acara selesai sebelum mulai (DTEND sebelum DTSTART)",
                        "it ends before it starts (DTEND before DTSTART)"),
    "ics.not_date": ("{value} bukan tanggal atau waktu", "{value} is not a date or time"),
    "ics.dates": ("tanggalnya tidak dapat dihitung ({detail})",
                  "its dates cannot be worked out ({detail})"),
    "ics.starts": ("acara ini punya {n} waktu mulai (DTSTART: {values}); satu acara hanya punya "
                   "satu", "it has {n} starts (DTSTART: {values}); an event has one"),
    "ics.many": ("acara ini punya {n} {what} ({prop}); satu acara hanya punya satu",
                 "it has {n} {what}s ({prop}); an event has one"),
    "ics.not_date_of": ("{what} ({prop}) {value} bukan tanggal atau waktu",
                        "its {what} ({prop}) {value} is not a date or time"),
    "ics.not_duration": ("{what} ({prop}) {value} bukan durasi",
                         "its {what} ({prop}) {value} is not a duration"),
    "ics.start": ("waktu mulai", "start"),
    "ics.end": ("waktu selesai", "end"),
    "ics.duration": ("durasi", "duration"),
    "ics.rule": ("aturan pengulangan", "repeat rule"),
    "ics.rdate": ("tanggal tambahan", "extra dates"),
    "ics.exdate": ("tanggal yang dikecualikan", "excluded dates"),
    "ics.original": ("tanggal asal", "original date"),
    "ics.rule_bad": ("aturan pengulangannya (RRULE) {value} tidak dapat dibaca ({detail})",
                     "its repeat rule (RRULE) {value} cannot be read ({detail})"),
    "ics.rule_fixed": ("aturan pengulangan (RRULE) {value} dibaca sebagai {normal}",
                       "the repeat rule (RRULE) {value} was read as {normal}"),
    "ics.outside": ("{n} kejadian berada di luar rentang impor {start} sampai {end} dan tidak "
                    "diimpor ({before} sebelumnya, {after} sesudahnya)",
                    "{n} occurrence falls outside the import window {start} to {end} and was "
                    "not imported ({before} before it, {after} after it)"),
    "ics.outside_many": ("{n} kejadian berada di luar rentang impor {start} sampai {end} dan "
                         "tidak diimpor ({before} sebelumnya, {after} sesudahnya)",
                         "{n} occurrences fall outside the import window {start} to {end} and "
                         "were not imported ({before} before it, {after} after it)"),
    "ics.forever": ("{n} acara berulang terus berlanjut setelah {end}; impor berikutnya "
                    "mengambil tanggal-tanggal berikutnya seiring bergesernya rentang",
                    "{n} repeating event goes on after {end}; later imports take the next "
                    "dates as the window moves"),
    "ics.forever_many": ("{n} acara berulang terus berlanjut setelah {end}; impor berikutnya "
                         "mengambil tanggal-tanggal berikutnya seiring bergesernya rentang",
                         "{n} repeating events go on after {end}; later imports take the next "
                         "dates as the window moves"),
    "ics.window": ("{first}. Gunakan -o since=YYYY-MM-DD dan -o until=YYYY-MM-DD untuk "
                   "mengimpor rentang lain.",
                   "{first}. Use -o since=YYYY-MM-DD and -o until=YYYY-MM-DD to import another "
                   "window."),
    "ics.window_both": ("{first}; {second}. Gunakan -o since=YYYY-MM-DD dan -o "
                        "until=YYYY-MM-DD untuk mengimpor rentang lain.",
                        "{first}; {second}. Use -o since=YYYY-MM-DD and -o until=YYYY-MM-DD to "
                        "import another window."),
    # -- catalogue records (marc.py, oai_records.py, koha_rss.py, slims_*.py, importing.py)
    "rec.unexpected": ("rekaman tidak dapat dibaca (kesalahan tak terduga {detail})",
                       "it could not be read (unexpected {detail})"),
    "rec.unreadable": ("rekaman tidak dapat dibaca ({detail})", "it could not be read ({detail})"),
    "rec.no_oai_id": ("rekaman tidak punya pengenal OAI di kepalanya",
                      "the record has no OAI identifier in its header"),
    "rec.no_metadata": ("rekaman tidak punya metadata", "the record has no metadata"),
    "rec.no_id": ("rekaman tidak punya pengenal", "the record has no identifier"),
    "rec.long_id": ("pengenal rekaman lebih dari {n} karakter",
                    "the record has an identifier longer than {n} characters"),
    "marc.no_title": ("rekaman {id} tidak berjudul (field 245 $a tidak ada atau kosong)",
                      "the record {id} has no title (field 245 $a is missing or empty)"),
    "marc.no_title_id": ("rekaman tidak berjudul (field 245 $a tidak ada atau kosong)",
                         "the record has no title (field 245 $a is missing or empty)"),
    "marc.long_id": ("nomor rekamannya ({id}) {n} karakter; paling banyak 200",
                     "its record number ({id}) is {n} characters long; at most 200 are expected"),
    "marc.deleted": ("rekaman terhapus tanpa nomor rekaman (001) atau judul tidak dapat "
                     "dicocokkan dengan impor sebelumnya",
                     "a deleted record without a record number (001) or title cannot be matched "
                     "to anything imported before"),
    "marc.leader_ascii": ("leader-nya (24 bita pertama) berisi bita yang bukan ASCII biasa",
                          "its leader (the first 24 bytes) contains bytes that are not plain "
                          "ASCII"),
    "marc.leader_base": ("leader-nya tidak memberi awal data yang sah (alamat dasar, bita 12-16)",
                         "its leader gives no valid start of the data (base address, bytes "
                         "12-16)"),
    "marc.base_outside": ("leader-nya menaruh awal data (alamat dasar {base}) di luar rekaman",
                          "its leader puts the start of the data (base address {base}) outside "
                          "the record"),
    "marc.field_outside": ("field {tag} berada di luar rekaman (direktorinya rusak)",
                           "its field {tag} lies outside the record (the directory is damaged)"),
    "rec.no_title_dc": ("rekaman tidak berjudul (dc:title tidak ada atau kosong)",
                        "it has no title (dc:title is missing or empty)"),
    "rec.no_marcxml": ("metadatanya tidak berisi <record> MARCXML",
                       "its metadata holds no MARCXML <record>"),
    "rss.no_link": ("butir tidak punya tautan atau id untuk mengenalinya",
                    "the item has no link or id to know it by"),
    "rss.no_title": ("butir tidak berjudul", "the item has no title"),
    "slims.no_date": ("eksemplar {code} tidak punya tanggal terima atau masuk; eksemplar ini "
                      "tidak memberi tanggal pada judulnya",
                      "the copy {code} has no receipt or entry date; it does not date its title"),
    "slims.no_items": ("tidak ada CSV eksemplar (Bibliography > Item Export) di sebelahnya, jadi "
                       "judul-judulnya tidak punya tanggal pengadaan dan tidak akan diumumkan "
                       "sebagai koleksi baru",
                       "no item CSV (Bibliography > Item Export) was found beside it, so the "
                       "titles have no acquisition date and will not be announced as new"),
    "slims.cover_name": ("nama gambar sampul {image} menunjuk ke luar folder images; judulnya "
                         "diimpor tanpa sampul",
                         "the cover image name {image} points outside the images folder; the "
                         "title is imported without a cover"),
    "slims.cover_link": ("gambar sampul {image} menaut ke luar folder images; judulnya diimpor "
                         "tanpa sampul",
                         "the cover image {image} links outside the images folder; the title is "
                         "imported without a cover"),
    "rss.broken": ("umpan rusak di sini ({detail}); butir setelah butir {n} tidak dibaca",
                   "the feed is broken here ({detail}); the items after item {n} were not read"),
    # -- MARC files: cutting the file into records (iso2709.py)
    "iso.not_marc": ("berkas ini tidak diawali rekaman MARC: {detail}",
                     "the file does not start with a MARC record: {detail}"),
    "iso.no_length": ("rekaman diawali panjangnya dalam 5 angka, tetapi di sini ada {preview}; "
                      "{n} bita dilewati {rest}",
                      "a record starts with its length in 5 digits, but here there is "
                      "{preview}; skipped {n} bytes{rest}"),
    "iso.no_length_empty": ("rekaman diawali panjangnya dalam 5 angka, tetapi di sini tidak ada "
                            "apa-apa; {n} bita dilewati {rest}",
                            "a record starts with its length in 5 digits, but here there is "
                            "nothing; skipped {n} bytes{rest}"),
    "iso.rest_next": ("sampai rekaman berikutnya", "up to the next record"),
    "iso.rest_end": ("sampai akhir berkas", "to the end of the file"),
    "iso.short": ("rekaman menyatakan panjang {length} bita, kurang dari leader-nya sendiri "
                  "yang 24 bita; {n} bita dilewati {rest}",
                  "the record declares a length of {length} bytes, less than its own 24-byte "
                  "leader; skipped {n} bytes{rest}"),
    "iso.cut": ("berkas berakhir di tengah rekaman ini: rekaman menyatakan {length} bita, "
                "tetapi hanya tersisa {available}",
                "the file ends in the middle of this record: it declares {length} bytes but "
                "only {available} remain"),
    "iso.damaged": ("rekaman menyatakan {length} bita, tetapi rekaman berikutnya sudah mulai "
                    "setelah {n} bita: rekaman ini rusak dan dilewati",
                    "the record declares {length} bytes but the next record starts after {n}: "
                    "it is damaged and was skipped"),
    "iso.no_end": ("rekaman tidak berakhir di tempat yang disebut leader-nya (bita {byte} "
                   "seharusnya tanda akhir rekaman 0x1D): rekaman terpotong atau panjangnya "
                   "salah; {n} bita dilewati {rest}",
                   "the record does not end where its leader says (byte {byte} should be the "
                   "end-of-record mark 0x1D): it is cut short or its length is wrong; skipped "
                   "{n} bytes{rest}"),
    "iso.entry": ("direktorinya rusak: entri {n} berbunyi {value}, bukan tag, panjang, dan "
                  "posisi",
                  "its directory is damaged: entry {n} reads {value}, not a tag, a length and "
                  "a position"),
    "iso.directory": ("direktorinya (daftar field setelah leader) rusak: {n} bita bukan "
                      "kelipatan utuh entri 12 bita",
                      "its directory (the list of fields after the leader) is damaged: {n} "
                      "bytes is not a whole number of 12-byte entries"),
    "iso.subfield": ("field {tag}: kode subfield yang rusak sebelum ${code} dilewati",
                     "field {tag}: a damaged subfield code before ${code} was skipped"),
    "iso.field": ("field {tag}: {note}", "field {tag}: {note}"),
    # -- MARC text encodings (marc_text.py)
    "enc.utf8_is": ("rekaman ditandai UTF-8, tetapi teksnya dalam {name}; dibaca sebagai {name}",
                    "it is marked as UTF-8 but its text is in {name}; it was read as such"),
    "enc.marc8_utf8": ("rekaman ditandai MARC-8 (leader/09 kosong), tetapi teksnya dalam UTF-8; "
                       "dibaca sebagai UTF-8",
                       "it is marked as MARC-8 (leader/09 blank) but its text is in UTF-8; it "
                       "was read as UTF-8"),
    "enc.marc8_is": ("rekaman ditandai MARC-8 (leader/09 kosong), tetapi teksnya dalam {name}; "
                     "dibaca sebagai {name}",
                     "it is marked as MARC-8 (leader/09 blank) but its text is in {name}; it was "
                     "read as such"),
    "enc.cjk": ("satu karakter MARC-8 multibita yang terpotong dibuang",
                "a multi-byte MARC-8 character that was cut short was left out"),
    "enc.marc8_bad": ("bita yang bukan MARC-8 yang sah diganti dengan \ufffd",
                      "bytes that are not valid MARC-8 were replaced by \ufffd"),
    "enc.escape": ("urutan escape MARC-8 yang rusak diganti dengan \ufffd",
                   "a broken MARC-8 escape sequence was replaced by \ufffd"),
    "enc.byte": ("satu bita yang bukan {name} yang sah diganti dengan \ufffd",
                 "a byte that is not valid {name} replaced by \ufffd"),
    "enc.bytes": ("{n} bita yang bukan {name} yang sah diganti dengan \ufffd",
                  "{n} bytes that are not valid {name} replaced by \ufffd"),
    # -- MARCXML (marc.py)
    "xml.control": ("karakter kontrol ({code}), yang tidak diizinkan dalam XML, diganti dengan "
                    "\ufffd; pembacaan berlanjut",
                    "a control character ({code}), which XML does not allow, was replaced by "
                    "\ufffd; reading went on"),
    "xml.between": ("ada teks yang bukan rekaman MARC di antara rekaman di sini; teks itu "
                    "dilewati",
                    "text that is not a MARC record stands between the records here; it was "
                    "skipped"),
    "xml.broken": ("XML-nya rusak di sini ({detail}); tidak ada rekaman yang terbaca",
                   "the XML is broken here ({detail}); no record was read"),
    "xml.record_broken": ("XML rekaman ini rusak di baris {line} ({detail}); rekaman ini "
                          "dilewati dan pembacaan berlanjut ke rekaman berikutnya",
                          "the XML of this record is broken at line {line} ({detail}); the "
                          "record was left out and reading went on with the next one"),
    "xml.not_marcxml": ("berkas XML ini bukan MARCXML: elemen akarnya <{root}>, padahal yang "
                        "diharapkan <collection> atau <record>; tidak ada yang dibaca",
                        "this XML file is not MARCXML: its root element is <{root}>, where "
                        "<collection> or <record> was expected; nothing was read"),
    # -- SQL dumps (sqldump.py, slims_db.py)
    "sql.paren": ("seharusnya ada '(' dalam daftar VALUES di dekat {text}",
                  "expected '(' in the VALUES list near {text}"),
    "sql.value": ("sebuah nilai tidak dapat dibaca di dekat {text}",
                  "a value cannot be read near {text}"),
    "sql.insert": ("pernyataan INSERT yang tidak dapat dibaca",
                   "an INSERT statement that cannot be read"),
    "sql.skipped": ("{detail}; pernyataan ini dilewati", "{detail}; the statement was skipped"),
    "sql.ends": ("berkas berakhir di tengah pernyataan ({text}…); pernyataan itu tidak dibaca",
                 "the file ends inside a statement ({text}…); it was not read"),
    # -- the run as a whole (import_runs.py, importing.py)
    "run.unreadable": ("sumber tidak dapat dibaca", "the source could not be read"),
    "run.more": ("… dan {n} rekaman lain yang ditolak, tidak disimpan",
                 "… and {n} more rejected records, not stored"),
    "run.stopped": ("impor berhenti: {detail}", "the import stopped: {detail}"),
    # what importing.py stores when a reader fails in an unexpected way (an exception class)
    "run.stopped_by": ("impor berhenti ({kind}): {detail}", "the import stopped: {kind}: {detail}"),
    "run.note": ("{where}: {message}", "{where}: {message}"),
}

MESSAGES: dict[str, tuple[str, str]] = {**RECORDS, **SOURCES}

# Where a message points (RecordError.where): "line 7", "record 12 (byte 40213)", ...
PLACES: dict[str, tuple[str, str]] = {
    "line": ("baris {n}", "line {n}"),
    "line_in": ("baris {n} ({inner})", "line {n} ({inner})"),
    "file_line": ("{file} baris {n}", "{file} line {n}"),
    "sheet_row": ("lembar {sheet} baris {n}", "sheet {sheet} row {n}"),
    "record": ("rekaman {n}", "record {n}"),
    "record_byte": ("rekaman {n} (bita {byte})", "record {n} (byte {byte})"),
    "record_line": ("rekaman {n} (baris {line})", "record {n} (line {line})"),
    "with_id": ("{where}, id {id}", "{where}, id {id}"),
    "oai_page": ("{inner} (halaman {page})", "{inner} (page {page})"),
    "event": ("acara {n}", "event {n}"),
    "item": ("butir {n}", "item {n}"),
    "source": ("sumber", "source"),
    "import": ("impor", "import"),
    "window": ("rentang impor", "import window"),
}

# Fields that are a sentence of their own: translated recursively, and left English only when
# no sentence of the table fits (a test fails then).
NESTED = frozenset({"message", "why", "what", "hint", "explained", "order", "example", "note",
                    "first", "second", "rest"})
# Fields that are often not ours at all: a parser's, library's or server's own words (lxml's
# "Opening and ending tag mismatch", an HTTP reason). Translated when they are one of our
# sentences; otherwise shown as they are, and an Indonesian page quotes them as English.
FOREIGN = frozenset({"detail", "reason"})
_MESSAGES = Sentences(MESSAGES)
_PLACES = Sentences(PLACES)
_INSIDE = ("inner", "where")  # the fields of a place that are a place themselves
_LETTER = re.compile(r"[^\W\d_]")
_LITERAL = {code: len(re.sub(r"\{\w+\}", "", en)) for code, (_id, en) in MESSAGES.items()}


def _english(locale: str) -> bool:
    return locale.startswith("en")


def _foreign(text: str, whole: bool) -> Markup:
    """Words that are not ours, marked English for the browser and screen readers: a part of a
    sentence is quoted (styled `tech`), a whole unknown sentence only marked."""
    if whole:
        return Markup('<span lang="en">%s</span>') % text
    return Markup('<q lang="en" class="tech">%s</q>') % text


def _say(text: str, locale: str, html: bool, whole: bool = True
         ) -> tuple[str, list[str], int]:
    """(the sentence in the locale, the parts left English, how much of it the table knew).

    A sentence may fit several patterns ("Cannot read {source}: {why}." and "{host} answered
    HTTP {status} {reason}" both fit a failed request): the reading that leaves the fewest parts
    English wins, then the one that knows the most of the text (nested sentences included)."""
    text = text.strip()
    best: tuple[tuple[int, int], str, list[str], int] | None = None
    for code, values in _MESSAGES.matches(text):
        missing: list[str] = []
        known = _LITERAL[code]
        said: dict[str, object] = {}
        for key, value in values.items():
            if key == "where":
                said[key] = place(value, locale)
                if said[key] == value.strip() and _LETTER.search(value):
                    missing.append(value)  # not a place: another reading may fit better
            elif key in NESTED or key in FOREIGN:
                inner, left, score = _say(value, locale, html, whole=False)
                if left and key in FOREIGN:
                    inner, left, score = _raw(value, html)
                said[key], known = inner, known + score
                missing += left
            else:
                said[key] = value
        template = MESSAGES[code][0]
        shown = escape(template).format(**said) if html else template.format(**said)
        rank = (len(missing), -known)
        if best is None or rank < best[0]:
            best = (rank, shown, missing, known)
    if best is not None:
        return best[1], best[2], best[3]
    shown, _none, _score = _raw(text, html, whole)
    return shown, ([text] if _LETTER.search(text) else []), 0


def _raw(text: str, html: bool, whole: bool = False) -> tuple[str, list[str], int]:
    """A value shown as it is: quoted as English on a page when it has words in it."""
    if not html:
        return text, [], 0
    return (_foreign(text, whole) if _LETTER.search(text) else escape(text)), [], 0


def message(text: str | None, locale: str = "id", *, html: bool = False) -> str:
    """A stored English message in the locale's language; unknown sentences stay as they are.

    `html`: Markup for a page, everything escaped, and the words that stay English (a parser's
    own, or a sentence the table does not know) marked `lang="en"`."""
    if not text:
        return ""
    if _english(locale):
        return escape(text) if html else text
    return _say(text, locale, html)[0]


def untranslated(text: str, locale: str = "id") -> list[str]:
    """The parts of a message an Indonesian page would still show in English (for the tests)."""
    return _say(text, locale, False)[1]


def place(text: str | None, locale: str = "id") -> str:
    """Where a message points, in the locale's language ("line 7" → "baris 7")."""
    if not text or _english(locale):
        return text or ""
    found = list(_PLACES.matches(text.strip()))
    if not found:
        return text

    def words_left(match: tuple[str, dict[str, str]]) -> int:
        # "record 3 (byte 40), id 12" fits "record {n}" too: the reading whose own values
        # (not the places inside it) hold no words wins
        return sum(bool(_LETTER.search(v)) for k, v in match[1].items() if k not in _INSIDE)

    code, values = min(found, key=words_left)  # min keeps the most specific of equals
    values = {k: (place(v, locale) if k in _INSIDE else v) for k, v in values.items()}
    return PLACES[code][0].format(**values)
