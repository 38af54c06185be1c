"""The readers' common messages in Bahasa Indonesia, for the pages that show import runs.

Readers write their errors and warnings in English: that is what the CLI prints, what `--json`
gives as {"where", "message"} and what an import run stores. The imports pages translate a stored
sentence at the face through this table of English patterns (placeholders are `str.format`
fields), as platforms/reasons.py does for platform reasons, so runs stored before a sentence was
listed are translated too. A sentence that matches nothing (a parser's own words) is shown as it
is. Fields named in NESTED are a sentence of their own and are translated recursively; the others
(values from the file, numbers) are kept as they are.
"""

from __future__ import annotations

from outreach.errors import Sentences

MESSAGES: dict[str, tuple[str, str]] = {
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
    # -- iCalendar (ics.py, ics_checks.py)
    "ics.no_title": ("acara tidak berjudul (SUMMARY)", "it has no title (SUMMARY)"),
    "ics.no_start": ("acara tidak punya waktu mulai (DTSTART)", "it has no start (DTSTART)"),
    "ics.ends_before": ("acara selesai sebelum mulai (DTEND sebelum DTSTART)",
                        "it ends before it starts (DTEND before DTSTART)"),
    "ics.not_date": ("{value} bukan tanggal atau waktu", "{value} is not a date or time"),
    "ics.dates": ("tanggalnya tidak dapat dihitung ({detail})",
                  "its dates cannot be worked out ({detail})"),
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
    # -- the run as a whole (import_runs.py, importing.py)
    "run.more": ("… dan {n} rekaman lain yang ditolak, tidak disimpan",
                 "… and {n} more rejected records, not stored"),
    "run.stopped": ("impor berhenti: {detail}", "the import stopped: {detail}"),
    "run.note": ("{where}: {message}", "{where}: {message}"),
}

# Where a message points (RecordError.where): "line 7", "record 12 (byte 40213)", ...
PLACES: dict[str, tuple[str, str]] = {
    "line": ("baris {n}", "line {n}"),
    "line_in": ("baris {n} ({inner})", "line {n} ({inner})"),
    "file_line": ("{file} baris {n}", "{file} line {n}"),
    "sheet_row": ("lembar {sheet} baris {n}", "sheet {sheet} row {n}"),
    "record": ("rekaman {n}", "record {n}"),
    "record_byte": ("rekaman {n} (bita {byte})", "record {n} (byte {byte})"),
    "item": ("butir {n}", "item {n}"),
    "source": ("sumber", "source"),
    "import": ("impor", "import"),
    "window": ("rentang impor", "import window"),
}

NESTED = frozenset({"message", "where"})
_MESSAGES = Sentences(MESSAGES)
_PLACES = Sentences(PLACES)


def _english(locale: str) -> bool:
    return locale.startswith("en")


def message(text: str | None, locale: str = "id") -> str:
    """A stored English message in the locale's language; unknown sentences stay as they are."""
    if not text or _english(locale):
        return text or ""
    for code, values in _MESSAGES.matches(text.strip()):
        if code == "run.note":
            # "where: message" of a warning kept with the run: only when the message is ours
            said = message(values["message"], locale)
            if said == values["message"]:
                continue
            return f"{place(values['where'], locale)}: {said}"
        return MESSAGES[code][0].format(**values)
    return text


def place(text: str | None, locale: str = "id") -> str:
    """Where a message points, in the locale's language ("line 7" → "baris 7")."""
    if not text or _english(locale):
        return text or ""
    found = _PLACES.match(text.strip())
    if found is None:
        return text
    code, values = found
    values = {k: (place(v, locale) if k == "inner" else v) for k, v in values.items()}
    return PLACES[code][0].format(**values)
