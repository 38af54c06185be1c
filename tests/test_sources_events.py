"""Events: iCalendar files and URLs (recurrences, all-day, time zones, categories) and the staff
spreadsheet as CSV or XLSX."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sources_kit import run_import_cli, serve
from sqlmodel import Session, select

from outreach.db import get_engine
from outreach.models import Event

NEXT_YEAR = datetime.now(UTC).year + 1


def events(db_url: str) -> list[Event]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Event).order_by(Event.starts_at, Event.source_id)))


CALENDAR = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Perpustakaan Kota Bontang//Agenda//ID
BEGIN:VEVENT
UID:kelas-menulis@perpus.bontang
SUMMARY:Kelas Menulis Cerpen
DTSTART;TZID=Asia/Makassar:{NEXT_YEAR}0105T090000
DTEND;TZID=Asia/Makassar:{NEXT_YEAR}0105T113000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Asia/Makassar:{NEXT_YEAR}0112T090000
CATEGORIES:Pelatihan,Remaja
LOCATION:Ruang Serbaguna
DESCRIPTION:Gratis. Daftar di https://forms.gle/abc123 sebelum hari H.
END:VEVENT
BEGIN:VEVENT
UID:kelas-menulis@perpus.bontang
RECURRENCE-ID;TZID=Asia/Makassar:{NEXT_YEAR}0119T090000
SUMMARY:Kelas Menulis Cerpen (pindah ke sore)
DTSTART;TZID=Asia/Makassar:{NEXT_YEAR}0119T150000
DTEND;TZID=Asia/Makassar:{NEXT_YEAR}0119T170000
CATEGORIES:Pelatihan
END:VEVENT
BEGIN:VEVENT
UID:hut-kota@perpus.bontang
SUMMARY:Pameran Buku HUT Kota Bontang
DTSTART;VALUE=DATE:{NEXT_YEAR}0312
DTEND;VALUE=DATE:{NEXT_YEAR}0314
CATEGORIES:Pameran
END:VEVENT
BEGIN:VEVENT
UID:libcal-123@libcal
SUMMARY:Storytelling Anak
DTSTART:{NEXT_YEAR}0201T010000Z
DTEND:{NEXT_YEAR}0201T020000Z
CATEGORIES:Storytelling
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:rapat@perpus.bontang
SUMMARY:Rapat Pengelola
DTSTART:{NEXT_YEAR}0202T080000
END:VEVENT
BEGIN:VEVENT
UID:broken@perpus.bontang
DTSTART:{NEXT_YEAR}0203T080000
END:VEVENT
END:VCALENDAR
"""


def test_ics_file_recurrences_all_day_zones_and_kinds(db_url, tmp_path):
    path = tmp_path / "agenda.ics"
    path.write_text(CALENDAR.replace("\n", "\r\n"), encoding="utf-8")
    code, out = run_import_cli("ics", str(path))
    assert code == 1  # the event without a title is rejected, the others kept
    assert out["created"] == 6
    assert len(out["errors"]) == 1
    assert "broken@perpus.bontang" in out["errors"][0]["where"]
    assert "no title" in out["errors"][0]["message"]
    rows = events(db_url)
    classes = [e for e in rows if e.series_id == "kelas-menulis@perpus.bontang"]
    # Four weeks, one excluded (EXDATE), one moved (RECURRENCE-ID): three occurrences.
    assert [e.starts_at for e in classes] == [
        datetime(NEXT_YEAR, 1, 5, 1, 0, tzinfo=UTC),  # 09:00 WITA
        datetime(NEXT_YEAR, 1, 19, 7, 0, tzinfo=UTC),  # moved to 15:00 WITA
        datetime(NEXT_YEAR, 1, 26, 1, 0, tzinfo=UTC)]
    assert classes[1].title == "Kelas Menulis Cerpen (pindah ke sore)"
    assert classes[1].source_id == f"kelas-menulis@perpus.bontang/{NEXT_YEAR}0119T010000Z"
    first = classes[0]
    assert (first.kind, first.location, first.source) == ("workshop", "Ruang Serbaguna", "ics")
    assert first.ends_at == datetime(NEXT_YEAR, 1, 5, 3, 30, tzinfo=UTC)
    assert first.registration_url == "https://forms.gle/abc123"
    fair = next(e for e in rows if e.source_id == "hut-kota@perpus.bontang")
    assert fair.all_day and fair.kind == "community"
    assert fair.starts_at == datetime(NEXT_YEAR, 3, 11, 16, 0, tzinfo=UTC)  # midnight WITA
    assert fair.ends_at - fair.starts_at == timedelta(days=2)
    story = next(e for e in rows if e.source_id == "libcal-123@libcal")
    assert story.cancelled and story.starts_at == datetime(NEXT_YEAR, 2, 1, 1, 0, tzinfo=UTC)
    meeting = next(e for e in rows if e.source_id == "rapat@perpus.bontang")
    assert meeting.kind == "other"  # no category
    assert meeting.starts_at == datetime(NEXT_YEAR, 2, 2, 0, 0, tzinfo=UTC)  # floating: WITA
    # Unchanged calendar: nothing created or updated.
    code, out = run_import_cli("ics", str(path))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 6)


def test_ics_url_tzid_without_vtimezone_and_configured_rules(db_url, monkeypatch):
    monkeypatch.setenv("OUTREACH_EVENT_KIND_RULES", "workshop: literasi; community: rapat")
    feed = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\n"
            f"BEGIN:VEVENT\r\nUID:g1\r\nSUMMARY:Gerakan Literasi\r\n"
            f"DTSTART;TZID=Asia/Jakarta:{NEXT_YEAR}0410T100000\r\nCATEGORIES:Literasi\r\n"
            f"END:VEVENT\r\nBEGIN:VEVENT\r\nUID:g2\r\nSUMMARY:Rapat RT\r\n"
            f"DTSTART;TZID=WITA:{NEXT_YEAR}0411T100000\r\nCATEGORIES:Rapat warga\r\n"
            f"END:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    with serve(lambda p, q: (200, "text/calendar", feed)) as server:
        code, out = run_import_cli("ics", server.url + "/calendar.ics")
    assert (code, out["created"]) == (0, 2), out
    by_id = {e.source_id: e for e in events(db_url)}
    assert by_id["g1"].kind == "workshop"
    assert by_id["g1"].starts_at == datetime(NEXT_YEAR, 4, 10, 3, 0, tzinfo=UTC)  # WIB +7
    assert by_id["g2"].kind == "community"
    # An unknown TZID ("WITA" is not an IANA name) is read in the library's time zone.
    assert by_id["g2"].starts_at == datetime(NEXT_YEAR, 4, 11, 2, 0, tzinfo=UTC)


def test_recurrence_stops_at_the_horizon(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_EVENTS_HORIZON_DAYS", "30")
    today = datetime.now(UTC).date()
    path = tmp_path / "daily.ics"
    path.write_text("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VEVENT\nUID:d\n"
                    "SUMMARY:Jam baca\n"
                    f"DTSTART;VALUE=DATE:{today:%Y%m%d}\nRRULE:FREQ=DAILY\nEND:VEVENT\n"
                    "END:VCALENDAR\n", encoding="utf-8")
    code, out = run_import_cli("ics", str(path))
    assert code == 0 and 29 <= out["created"] <= 32  # never endless


def _calendar(*events: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Perpus//Agenda//ID",
                        *events, "END:VCALENDAR", ""])


def _vevent(uid: str, *lines: str) -> str:
    return "\r\n".join(["BEGIN:VEVENT", f"UID:{uid}", *lines, "END:VEVENT"])


def test_bad_events_are_named_by_line_and_uid_and_the_rest_kept(db_url, tmp_path):
    path = tmp_path / "agenda.ics"
    path.write_text(_calendar(
        _vevent("ok-1", "SUMMARY:Klub Buku", f"DTSTART:{NEXT_YEAR}0105T020000Z"),  # line 4
        _vevent("no-start", "SUMMARY:Tanpa jam"),  # line 9
        _vevent("two-starts", "SUMMARY:Dua jam", f"DTSTART:{NEXT_YEAR}0106T020000Z",
                f"DTSTART:{NEXT_YEAR}0107T020000Z"),  # line 13
        _vevent("bad-start", "SUMMARY:Jam salah", "DTSTART:besok pagi"),  # line 19
        _vevent("bad-rule", "SUMMARY:Aturan salah", f"DTSTART:{NEXT_YEAR}0108T020000Z",
                "RRULE:FREQ=FORTNIGHTLY;COUNT=3"),  # line 24
        _vevent("ok-2", "SUMMARY:Dongeng", f"DTSTART:{NEXT_YEAR}0109T020000Z"),  # line 30
    ), encoding="utf-8")
    code, out = run_import_cli("ics", str(path))
    assert (code, out["created"]) == (1, 2), out
    assert [(e["where"], e["message"]) for e in out["errors"]] == [
        ("line 9 (UID no-start)", "it has no start (DTSTART)"),
        ("line 13 (UID two-starts)",
         f"it has 2 starts (DTSTART: {NEXT_YEAR}0106T020000Z, {NEXT_YEAR}0107T020000Z); an "
         "event has one"),
        ("line 19 (UID bad-start)", "its start (DTSTART) 'besok pagi' is not a date or time"),
        ("line 24 (UID bad-rule)", "its repeat rule (RRULE) 'FREQ=FORTNIGHTLY;COUNT=3' cannot "
         "be read (Expected frequency, got: FORTNIGHTLY)"),
    ]
    assert sorted(e.source_id for e in events(db_url)) == ["ok-1", "ok-2"]


def test_exchange_spaced_and_lower_case_rules_are_read_and_told(db_url, tmp_path):
    path = tmp_path / "exchange.ics"
    path.write_text(_calendar(
        _vevent("senin-rabu", "SUMMARY:Jam Baca Bersama",
                f"DTSTART;TZID=Asia/Jakarta:{NEXT_YEAR}0104T090000",
                "RRULE:FREQ=WEEKLY;BYDAY=MO, TU, WE;COUNT=6"),
        _vevent("kecil", "SUMMARY:Kelas Menulis", f"DTSTART:{NEXT_YEAR}0104T010000Z",
                "RRULE:freq=weekly;byday=mo;count=2"),
    ), encoding="utf-8")
    code, out = run_import_cli("ics", str(path))
    assert (code, out["created"], out["errors"]) == (0, 8, []), out
    assert out["warnings"] == [{
        "where": "line 4 (UID senin-rabu)",
        "message": "the repeat rule (RRULE) 'FREQ=WEEKLY;BYDAY=MO, TU, WE;COUNT=6' was read as "
                   "'FREQ=WEEKLY;BYDAY=MO,TU,WE;COUNT=6'"}]
    rows = [e for e in events(db_url) if e.series_id == "senin-rabu"]
    assert {e.starts_at.weekday() for e in rows} == {0, 1, 2} and len(rows) == 6
    assert rows[0].starts_at.hour == 2  # 09:00 WIB
    assert len([e for e in events(db_url) if e.series_id == "kecil"]) == 2
    code, out = run_import_cli("ics", str(path))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 8)


def test_events_outside_the_window_are_counted_with_the_window(db_url, tmp_path):
    path = tmp_path / "lama.ics"
    path.write_text(_calendar(
        _vevent("lama", "SUMMARY:Pameran 2019", "DTSTART;VALUE=DATE:20190105"),
        _vevent("jauh", "SUMMARY:Festival", f"DTSTART;VALUE=DATE:{NEXT_YEAR + 3}0105"),
        _vevent("mingguan", "SUMMARY:Dongeng Sabtu", "DTSTART:20190105T020000Z",
                "RRULE:FREQ=WEEKLY;COUNT=3"),
        _vevent("kini", "SUMMARY:Klub Buku", f"DTSTART:{NEXT_YEAR}0105T020000Z"),
    ), encoding="utf-8")
    code, out = run_import_cli("ics", str(path), "-o", "since=2020-01-01",
                               "-o", f"until={NEXT_YEAR}-12-31")
    assert (code, out["created"], out["errors"]) == (0, 1, []), out
    assert out["warnings"] == [{"where": "import window", "message": (
        f"5 occurrences fall outside the import window 2020-01-01 to {NEXT_YEAR}-12-31 and "
        "were not imported (4 before it, 1 after it). Use -o since=YYYY-MM-DD and "
        "-o until=YYYY-MM-DD to import another window.")}]
    from outreach.desk.catalogue import rejected_count
    from outreach.models import ImportRun

    with Session(get_engine(db_url)) as session:
        run = session.exec(select(ImportRun)).one()
    # Kept with the run (the runs page shows it) and not counted as a rejected record.
    assert run.status == "ok" and rejected_count(run) == 0
    assert run.errors == [{"where": "import", "message": "import window: " +
                           out["warnings"][0]["message"]}]
    code, out = run_import_cli("ics", str(path), "-o", "since=tomorrow")
    assert code == 2 and "since=tomorrow" in out["errors"][-1]["message"]


@pytest.mark.parametrize(("body", "words"), [
    (b"<html>not a calendar</html>", "not an iCalendar file"),
    (b"", "not an iCalendar file"),
])
def test_unreadable_calendar_is_exit_2(db_url, tmp_path, body, words):
    path = tmp_path / "x.ics"
    path.write_bytes(body)
    code, out = run_import_cli("ics", str(path))
    assert code == 2 and words in out["errors"][-1]["message"]


def test_calendar_url_404_is_exit_2(db_url):
    with serve(lambda p, q: (404, "text/plain", b"no")) as server:
        code, out = run_import_cli("ics", server.url + "/missing.ics")
    assert code == 2 and "HTTP 404" in out["errors"][-1]["message"]


# -- the staff spreadsheet ------------------------------------------------------------------------
HEADERS = ["judul", "tanggal", "jam mulai", "jam selesai", "tempat", "jenis", "pendaftaran",
           "deskripsi"]


def test_xlsx_with_indonesian_headers_and_excel_cells(db_url, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Agenda Maret"
    sheet.append(["Agenda Perpustakaan Kota Bontang"])  # a title row above the table? no:
    sheet.delete_rows(1)
    sheet.append([h.title() for h in HEADERS])  # "Judul", "Jam Mulai": case is ignored
    sheet.append(["Pelatihan Literasi Digital", date(NEXT_YEAR, 3, 5), time(9, 0),
                  time(12, 0), "Ruang Multimedia", "Pelatihan", "https://s.id/daftar",
                  "Belajar aman berinternet"])
    sheet.append(["Klub Buku Remaja", datetime(NEXT_YEAR, 3, 7), "16.00", None, "Taman Baca",
                  "Klub buku", None, None])
    sheet.append([None] * 8)  # blank rows are skipped
    sheet.append(["Tanpa tanggal", None, "09:00", None, None, None, None, None])
    sheet.append(["Jam salah", date(NEXT_YEAR, 3, 9), "25:00", None, None, None, None, None])
    path = tmp_path / "agenda.xlsx"
    book.save(path)
    code, out = run_import_cli("events-csv", str(path))
    assert code == 1 and out["created"] == 2
    assert out["errors"] == [
        {"where": "sheet 'Agenda Maret' row 5", "message": "the date (tanggal) is empty"},
        {"where": "sheet 'Agenda Maret' row 6",
         "message": "the time '25:00' is not a time like 09:00 or 09.00"}]
    rows = events(db_url)
    literacy, club = rows
    assert literacy.kind == "workshop" and club.kind == "community"
    assert literacy.starts_at == datetime(NEXT_YEAR, 3, 5, 1, 0, tzinfo=UTC)
    assert literacy.ends_at == datetime(NEXT_YEAR, 3, 5, 4, 0, tzinfo=UTC)
    assert literacy.registration_url == "https://s.id/daftar"
    assert club.starts_at == datetime(NEXT_YEAR, 3, 7, 8, 0, tzinfo=UTC)
    # The same sheet again: unchanged; a changed place: updated, not a new event.
    code, out = run_import_cli("events-csv", str(path))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 2)
    sheet["E2"] = "Aula Lantai 2"
    book.save(path)
    code, out = run_import_cli("events-csv", str(path))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 1, 1)


def test_xlsx_named_sheet_and_old_xls(db_url, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["catatan"])
    other = book.create_sheet("Acara")
    other.append(HEADERS)
    other.append(["Lomba Mewarnai", f"{NEXT_YEAR}-08-17", "08:00", "11:00", "Halaman",
                  "lomba", "", ""])
    book.save(tmp_path / "a.xlsx")
    code, out = run_import_cli("events-csv", str(tmp_path / "a.xlsx"), "-o", "sheet=Acara")
    assert (code, out["created"]) == (0, 1), out
    code, out = run_import_cli("events-csv", str(tmp_path / "a.xlsx"))
    assert code == 2 and "no title column" in out["errors"][-1]["message"]
    code, out = run_import_cli("events-csv", str(tmp_path / "a.xlsx"), "-o", "sheet=Tidak ada")
    assert code == 2 and "no sheet named" in out["errors"][-1]["message"]
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    code, out = run_import_cli("events-csv", str(tmp_path / "old.xls"))
    assert code == 2 and "old Excel .xls" in out["errors"][-1]["message"]


def test_csv_with_semicolons_from_excel_in_indonesian(db_url, tmp_path):
    path = tmp_path / "acara.csv"
    path.write_bytes(("Judul;Tanggal;Jam Mulai;Jam Selesai;Tempat;Jenis\r\n"
                      f"Bedah Buku \"Laskar Pelangi\";05/12/{NEXT_YEAR};09.00;11.00;"
                      "Aula;Bedah buku\r\n").encode("cp1252"))
    code, out = run_import_cli("events-csv", str(path))
    assert (code, out["created"]) == (0, 1), out
    [row] = events(db_url)
    assert row.kind == "community" and row.location == "Aula"
    assert row.starts_at == datetime(NEXT_YEAR, 12, 5, 1, 0, tzinfo=UTC)


def test_zones_in_time_cells_are_honoured(db_url, tmp_path):
    """The library is in WITA (UTC+8) by default; a cell that says WIB or WIT, or +07:00, is
    read in that zone."""
    path = tmp_path / "agenda.csv"
    path.write_text(
        "Judul Kegiatan;Hari/Tanggal;Waktu;Tempat Kegiatan;Kuota Peserta;Keterangan\n"
        f"Webinar Literasi;Sabtu, 5 Desember {NEXT_YEAR};09.00 WIB;Zoom;20 orang;Daring\n"
        f"Bedah Buku Papua;06/12/{NEXT_YEAR};09.00 WIT;Jayapura;maks. 30 peserta;\n"
        f"Kelas Menulis;07/12/{NEXT_YEAR};09.00 - 11.30 WIB;Aula;1.000;\n"
        f"Pameran Arsip;08/12/{NEXT_YEAR};09:00+07:00;Galeri;tidak terbatas;\n"
        f"Dongeng Anak;09/12/{NEXT_YEAR};13.00 s.d. selesai;Taman;20-30 anak;\n"
        f"Rapat Lokal;10/12/{NEXT_YEAR};09.00;Kantor;;\n", encoding="utf-8")
    code, out = run_import_cli("events-csv", str(path))
    assert (code, out["created"], out["errors"]) == (0, 6, []), out
    assert out["warnings"] == [
        {"where": "line 5", "message": "the capacity 'tidak terbatas' has no number; it was "
                                       "left empty"},
        {"where": "line 6", "message": "the capacity '20-30 anak' has several numbers; it was "
                                       "left empty"}]
    by_title = {e.title: e for e in events(db_url)}
    webinar = by_title["Webinar Literasi"]
    assert webinar.starts_at == datetime(NEXT_YEAR, 12, 5, 2, 0, tzinfo=UTC)  # 09.00 WIB
    assert (webinar.capacity, webinar.location, webinar.description) == (20, "Zoom", "Daring")
    papua = by_title["Bedah Buku Papua"]
    assert papua.starts_at == datetime(NEXT_YEAR, 12, 6, 0, 0, tzinfo=UTC)  # 09.00 WIT
    assert papua.capacity == 30
    writing = by_title["Kelas Menulis"]
    assert writing.starts_at == datetime(NEXT_YEAR, 12, 7, 2, 0, tzinfo=UTC)
    assert writing.ends_at == datetime(NEXT_YEAR, 12, 7, 4, 30, tzinfo=UTC)  # 11.30 WIB
    assert writing.capacity == 1000
    assert by_title["Pameran Arsip"].starts_at == datetime(NEXT_YEAR, 12, 8, 2, 0, tzinfo=UTC)
    tales = by_title["Dongeng Anak"]
    assert tales.ends_at is None and tales.capacity is None
    assert by_title["Rapat Lokal"].starts_at == datetime(NEXT_YEAR, 12, 10, 1, 0, tzinfo=UTC)
    code, out = run_import_cli("events-csv", str(path))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 6)


def test_google_calendar_csv_is_read_month_first(db_url, tmp_path):
    """Google's CSV import format (support.google.com/calendar/answer/37118): month first,
    12-hour times, All Day Event, End Date."""
    path = tmp_path / "google.csv"
    path.write_text(
        "Subject,Start Date,Start Time,End Date,End Time,All Day Event,Description,Location,"
        "Private\n"
        f"Final exam,05/30/{NEXT_YEAR},10:00 AM,05/30/{NEXT_YEAR},1:00 PM,False,"
        "50 questions,Aula,True\n"
        f"Pameran Buku,06/01/{NEXT_YEAR},,06/03/{NEXT_YEAR},,True,,Lobi,False\n"
        f"Malam Puisi,06/04/{NEXT_YEAR},7:30 PM,,,False,,,\n"
        f"Salah urut,30/05/{NEXT_YEAR},10:00 AM,,,False,,,\n", encoding="utf-8")
    code, out = run_import_cli("events-csv", str(path))
    assert (code, out["created"]) == (1, 3), out
    assert out["errors"] == [{"where": "line 5", "message": (
        f"the date '30/05/{NEXT_YEAR}' does not exist (read as month/day/year, as Google "
        "Calendar's CSV format has it)")}]
    by_title = {e.title: e for e in events(db_url)}
    exam = by_title["Final exam"]
    assert exam.starts_at == datetime(NEXT_YEAR, 5, 30, 2, 0, tzinfo=UTC)  # 10:00 WITA
    assert exam.ends_at == datetime(NEXT_YEAR, 5, 30, 5, 0, tzinfo=UTC)  # 1:00 PM WITA
    assert (exam.description, exam.location, exam.all_day) == ("50 questions", "Aula", False)
    fair = by_title["Pameran Buku"]
    assert fair.all_day and fair.starts_at == datetime(NEXT_YEAR, 5, 31, 16, 0, tzinfo=UTC)
    assert fair.ends_at == datetime(NEXT_YEAR, 6, 3, 16, 0, tzinfo=UTC)  # through 3 June
    assert by_title["Malam Puisi"].starts_at == datetime(NEXT_YEAR, 6, 4, 11, 30, tzinfo=UTC)


def test_impossible_date_is_reported_with_its_row(db_url, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Agenda"
    sheet.append(["Nama Kegiatan", "Tanggal", "Jam", "Lokasi", "Kapasitas"])
    sheet.append(["Lomba Mewarnai", f"31/02/{NEXT_YEAR}", "08.00 WITA", "Halaman", 40])
    sheet.append(["Tanggal teks", "besok", "08.00", "Halaman", None])
    sheet.append(["Zona salah", f"02/03/{NEXT_YEAR}", "08.00 EST", "Halaman", None])
    sheet.append(["Klub Buku", f"1 Maret {NEXT_YEAR}", "15.00 WITA", "Taman", "25 kursi"])
    path = tmp_path / "agenda.xlsx"
    book.save(path)
    code, out = run_import_cli("events-csv", str(path))
    assert (code, out["created"]) == (1, 1), out
    assert out["errors"] == [
        {"where": "sheet 'Agenda' row 2",
         "message": f"the date '31/02/{NEXT_YEAR}' does not exist (read as day/month/year)"},
        {"where": "sheet 'Agenda' row 3", "message": "the date 'besok' is not a date like "
                                                     "05/12/2026, 5 Desember 2026 or 2026-12-05"},
        {"where": "sheet 'Agenda' row 4",
         "message": "the time '08.00 EST' is not a time like 09:00 or 09.00"}]
    [club] = events(db_url)
    assert club.starts_at == datetime(NEXT_YEAR, 3, 1, 7, 0, tzinfo=UTC) and club.capacity == 25
