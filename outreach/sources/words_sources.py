"""Why a whole source could not be read (SourceUnreadable), in Bahasa Indonesia: a file that is
missing or of another kind, a server that is down or answers badly, an OAI-PMH error, a database
that is not SLiMS's, a reader option that makes no sense. `sources.words` merges this table
with the records' one; the same rules hold (English patterns, `str.format` fields, fields named
in words.NESTED translated recursively).
"""

from __future__ import annotations

SOURCES: dict[str, tuple[str, str]] = {
    # -- files (fetch.py, csvfiles.py, marc.py, slims_*.py, events_csv.py, ics.py)
    "file.missing": ("Berkas {path} tidak ada.", "The file {path} does not exist."),
    "file.missing_bare": ("Berkas {path} tidak ada", "The file {path} does not exist"),
    "file.gone": ("{path} tidak ada.", "{path} does not exist."),
    "file.folder": ("{path} adalah folder, bukan {what}.", "{path} is a folder, not a {what}."),
    "what.file": ("berkas", "file"),
    "what.csv": ("berkas CSV", "CSV file"),
    "what.marc": ("berkas MARC", "MARC file"),
    "what.feed": ("umpan", "feed"),
    "what.calendar": ("berkas kalender", "calendar file"),
    "file.permission": ("Tidak ada izin untuk membaca {path}.", "No permission to read {path}."),
    "file.open": ("{path} tidak dapat dibuka: {why}.", "Cannot open {path}: {why}."),
    "file.read": ("{source} tidak dapat dibaca: {why}.", "Cannot read {source}: {why}."),
    "file.no_such": ("berkas tidak ada", "no such file"),
    "file.stopped": ("Pembacaan terhenti di bita {n}: {detail}.",
                     "Reading stopped at byte {n}: {detail}."),
    "csv.binary": ("{path} bukan berkas teks CSV (mungkinkah ini berkas Excel .xlsx yang "
                   "disimpan dengan nama lain?).",
                   "{path} is not a CSV text file (is it an Excel .xlsx file saved with another "
                   "name?)."),
    "csv.unreadable": ("{path} tidak dapat dibaca sebagai CSV: {detail}.",
                       "{path} cannot be read as CSV: {detail}."),
    # -- events spreadsheets (events_csv.py)
    "events.no_title": ("{path} tidak punya kolom judul: nama kolom yang diharapkan misalnya "
                        "judul, tanggal, jam mulai, jam selesai, tempat, jenis, pendaftaran, "
                        "deskripsi (atau kolom Google Calendar: Subject, Start Date, Start "
                        "Time …).",
                        "{path} has no title column: expected headers such as judul, tanggal, "
                        "jam mulai, jam selesai, tempat, jenis, pendaftaran, deskripsi (or "
                        "Google Calendar's Subject, Start Date, Start Time …)."),
    "xlsx.no_sheets": ("{path} tidak punya lembar kerja.", "{path} has no sheets."),
    "xlsx.no_sheet": ("{path} tidak punya lembar bernama {sheet}; lembar yang ada: {names}.",
                      "{path} has no sheet named {sheet}; its sheets: {names}."),
    "xlsx.damaged": ("{path}: lembar {sheet} rusak setelah baris {n} ({detail}); baris-baris "
                     "sebelumnya sudah dibaca.",
                     "{path}: the sheet {sheet} is damaged after row {n} ({detail}); the rows "
                     "before it were read."),
    "xlsx.open": ("{path} tidak dapat dibuka sebagai buku kerja Excel ({detail}); simpan lagi "
                  "dari Excel sebagai .xlsx atau CSV.",
                  "{path} could not be opened as an Excel workbook ({detail}); save it again "
                  "from Excel as .xlsx or CSV."),
    "xls.old": ("{path} adalah berkas Excel .xls lama: simpan sebagai .xlsx (Excel Workbook) "
                "atau CSV UTF-8, lalu impor berkas itu.",
                "{path} is an old Excel .xls file: save it as .xlsx (Excel Workbook) or CSV "
                "UTF-8 and import that."),
    # -- iCalendar (ics.py)
    "ics.too_big": ("{source} lebih besar dari {n} MB; itu bukan kalender perpustakaan.",
                    "{source} is larger than {n} MB; that is not a library's calendar."),
    "ics.not_ics": ("{source} bukan berkas iCalendar (isinya diawali {start}; seharusnya "
                    "BEGIN:VCALENDAR).",
                    "{source} is not an iCalendar file (it starts with {start}; expected "
                    "BEGIN:VCALENDAR)."),
    "ics.unreadable": ("{source} tidak dapat dibaca sebagai iCalendar: {detail}.",
                       "{source} could not be read as iCalendar: {detail}."),
    "ics.option_date": ("-o {name}={value}: seharusnya tanggal seperti 2026-01-31.",
                        "-o {name}={value}: expected a date like 2026-01-31."),
    "ics.window_empty": ("Rentang impor {start} sampai {end} kosong.",
                         "The import window {start} to {end} is empty."),
    # -- over HTTP (fetch.py)
    "http.unavailable": ("{host} sedang tidak tersedia (HTTP 503)",
                         "{host} is unavailable (HTTP 503)"),
    "http.status_hint": ("{host} menjawab HTTP {status} {reason} ({hint})",
                         "{host} answered HTTP {status} {reason} ({hint})"),
    "http.status": ("{host} menjawab HTTP {status} {reason}",
                    "{host} answered HTTP {status} {reason}"),
    "http.401": ("server meminta masuk (login)", "it asks for a login"),
    "http.403": ("akses ke layanan ini dilarang", "access is forbidden to this service"),
    "http.404": ("halaman itu tidak ada: periksa alamatnya", "no such page: check the address"),
    "http.500": ("server mengalami galat internal", "the server had an internal error"),
    "net.dns": ("nama host {host} tidak ditemukan (DNS); periksa alamatnya",
                "the host name {host} could not be found (DNS); check the address"),
    "net.timeout": ("{host} tidak menjawab dalam {n} detik",
                    "{host} did not answer within {n} seconds"),
    "net.tls": ("koneksi aman ke {host} gagal (masalah sertifikat atau TLS)",
                "the secure connection to {host} failed (certificate or TLS problem)"),
    "net.refused": ("{host} menolak koneksi (apakah servernya berjalan, apakah port-nya benar?)",
                    "{host} refused the connection (is the server running, is the port right)"),
    "net.closed": ("{host} menutup koneksi sebelum jawabannya lengkap",
                   "{host} closed the connection without a complete answer"),
    "net.connect": ("tidak dapat terhubung ke {host}", "could not connect to {host}"),
    "net.failed": ("permintaan ke {host} gagal ({detail})",
                   "the request to {host} failed ({detail})"),
    "net.stopped": ("Pembacaan {source} terhenti: {why}.", "Reading {source} stopped: {why}."),
    # -- Koha's feed (koha_rss.py)
    "rss.encoding": ("{source} memakai pengodean karakter yang tidak dikenal ({detail}).",
                     "{source} is in an unknown character encoding ({detail})."),
    "rss.empty": ("{source} kosong.", "{source} is empty."),
    "rss.not_feed": ("{source} bukan umpan RSS atau Atom (elemen akarnya <{root}>).",
                     "{source} is not an RSS or Atom feed (its root element is <{root}>)."),
    "rss.not_xml": ("{source} bukan umpan RSS atau Atom (bukan XML: {detail}).",
                    "{source} is not an RSS or Atom feed (not XML: {detail})."),
    # -- OAI-PMH (oai.py)
    "oai.empty": ("{source} tidak menjawab apa pun (halamannya kosong).",
                  "{source} answered with nothing (an empty page)."),
    "oai.encoding": ("{source} menjawab dengan pengodean karakter yang tidak dikenal ({detail}).",
                     "{source} answered in an unknown character encoding ({detail})."),
    "oai.not_xml": ("{source} tidak menjawab dengan XML (jawabannya diawali {start}): periksa "
                    "apakah ini alamat OAI-PMH.",
                    "{source} did not answer with XML (it starts with {start}): check that this "
                    "is the OAI-PMH address."),
    "oai.broken": ("jawaban untuk halaman {page} dari {source} berisi XML rusak di baris {line} "
                   "setelah {n} rekaman; panen berhenti di situ",
                   "the answer for page {page} of {source} is broken XML at line {line} after "
                   "{n} records; the harvest stopped there"),
    "oai.web_page": ("{source} menjawab dengan halaman web, bukan OAI-PMH: periksa apakah ini "
                     "alamat OAI-PMH (misalnya …/oai2.php).",
                     "{source} answered with a web page, not OAI-PMH: check that this is the "
                     "OAI-PMH address (such as …/oai2.php)."),
    "oai.not_oai": ("{source} menjawab dengan XML yang bukan OAI-PMH (elemen akarnya <{root}>).",
                    "{source} answered with XML that is not OAI-PMH (its root element is "
                    "<{root}>)."),
    "oai.not_url": ("{source} bukan alamat http(s) sebuah titik akhir OAI-PMH (misalnya "
                    "https://perpustakaan.example/oai2.php).",
                    "{source} is not an http(s) address of an OAI-PMH endpoint (such as "
                    "https://perpustakaan.example/oai2.php)."),
    "oai.error": ("{source}: {explained} (galat OAI {code}).",
                  "{source}: {explained} (OAI error {code})."),
    "oai.error_said": ("{source}: {explained} (galat OAI {code}: {detail}).",
                       "{source}: {explained} (OAI error {code}: {detail})."),
    "oai.loop": ("{source} mengirim token lanjutan (resumption token) yang sama dua kali "
                 "(halaman {page}); panen dihentikan agar tidak berputar tanpa akhir.",
                 "{source} sent the same resumption token twice (page {page}); the harvest "
                 "stopped to avoid a loop."),
    "oai.pages": ("{source}: lebih dari {n} halaman; panen dihentikan.",
                  "{source}: more than {n} pages; the harvest stopped."),
    "oai.token": ("server tidak lagi menerima token lanjutan halaman {page} (kedaluwarsa atau "
                  "server dimulai ulang); impor berikutnya mulai lagi dari awal",
                  "the server no longer accepts the resumption token of page {page} (it expired "
                  "or the server restarted); the next run starts again"),
    "oai.format": ("server tidak menyediakan format metadata {prefix}",
                   "the server does not offer the metadata format {prefix}"),
    "oai.arguments": ("server menolak argumen permintaan",
                      "the server refused the request's arguments"),
    "oai.verb": ("alamat ini tidak menjawab permintaan OAI-PMH (badVerb)",
                 "the address does not answer OAI-PMH requests (badVerb)"),
    "oai.sets": ("server tidak punya set", "the server has no sets"),
    "oai.identifier": ("server tidak mengenal pengenal itu",
                       "the server does not know that identifier"),
    "oai.other": ("server melaporkan galat", "the server reported an error"),
    # -- SLiMS exports and databases (slims_csv.py, slims_db.py)
    "slims.no_csv": ("Tidak ada CSV bibliografi SLiMS di {folder}: ekspor dari Bibliography > "
                     "Export, dengan nama kolom.",
                     "No SLiMS bibliography CSV was found in {folder}: export it from "
                     "Bibliography > Export, with column names."),
    "slims.no_item_code": ("{path} tidak punya kolom item_code (kode eksemplar).",
                           "{path} has no item_code column (kode eksemplar)."),
    "slims.no_title_column": ("{path} tidak punya kolom title (judul): apakah ini ekspor "
                              "bibliografi SLiMS, dengan nama kolom?",
                              "{path} has no title column (judul): is it SLiMS's bibliography "
                              "export, with column names?"),
    "db.koha": ("{source} tampaknya basis data Koha (ada tabel biblio/biblioitems milik Koha), "
                "bukan SLiMS: impor katalog Koha dengan koha-oai (OAI-PMH-nya, "
                "/cgi-bin/koha/oai.pl) atau koha-rss.",
                "{source} looks like a Koha database (it has Koha's biblio/biblioitems "
                "tables), not SLiMS's: import Koha's catalogue with koha-oai (its OAI-PMH, "
                "/cgi-bin/koha/oai.pl) or koha-rss."),
    "db.backend": ("slims-db membaca MySQL atau MariaDB (mysql+pymysql://…) atau berkas dump "
                   ".sql, bukan {backend}.",
                   "slims-db reads MySQL or MariaDB (mysql+pymysql://…) or a .sql dump file, "
                   "not {backend}."),
    "db.not_dump": ("{path} bukan berkas dump SQL.", "{path} is not a SQL dump file."),
    "db.no_rows": ("{path} tidak berisi baris SLiMS (tidak ada INSERT INTO biblio …): apakah "
                   "ini dump SQL basis data SLiMS?",
                   "{path} holds no SLiMS rows (no INSERT INTO biblio …): is it a SQL dump of "
                   "the SLiMS database?"),
    "db.not_url": ("{source} bukan URL basis data seperti "
                   "mysql+pymysql://user:password@host/slims.",
                   "{source} is not a database URL such as "
                   "mysql+pymysql://user:password@host/slims."),
    "db.not_loaded": ("Dump {path} tidak dapat dimuat: {detail}.",
                      "The dump {path} could not be loaded: {detail}."),
    "db.not_read": ("Dump {path} tidak dapat dibaca: {detail}.",
                    "The dump {path} could not be read: {detail}."),
    "db.refused": ("nama pengguna atau kata sandinya ditolak",
                   "the user name or password was refused"),
    "db.forbidden": ("pengguna ini tidak boleh membaca basis data itu",
                     "this user may not read that database"),
    "db.no_database": ("basis data itu tidak ada", "no such database"),
    "db.unreachable": ("server tidak dapat dihubungi (apakah servernya berjalan, apakah port-nya "
                       "terbuka?)",
                       "the server cannot be reached (is it running, is the port open?)"),
    "db.dns": ("nama host tidak ditemukan (DNS)", "the host name could not be found (DNS)"),
    "db.no_table": ("ada tabel SLiMS yang tidak ada: apakah ini basis data SLiMS?",
                    "a SLiMS table is missing: is this the SLiMS database?"),
    # -- reader options that make no sense (marc.py, marc_identity.py): the run stops
    "opt.encoding": ("encoding harus salah satu dari {known}, bukan {value}",
                     "encoding must be one of {known}, not {value}"),
    "opt.id_field": ("id_field harus berupa tag dan subfield seperti 999c (biblionumber Koha) "
                     "atau field kontrol seperti 001, bukan {value}",
                     "id_field must be a tag and a subfield such as 999c (Koha's biblionumber) "
                     "or a control field such as 001, not {value}"),
    "opt.id_control": ("id_field {value}: {tag} adalah field kontrol, tidak punya subfield",
                       "id_field {value}: {tag} is a control field, it has no subfields"),
    "opt.id_subfield": ("id_field {value} tidak menyebut subfield: tulis sebagai {tag}a atau "
                        "{tag}c",
                        "id_field {value} names no subfield: write it as {tag}a or {tag}c"),
}
