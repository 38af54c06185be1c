"""SLiMS CSV exports: the bibliography CSV joined with the item CSV, English or Indonesian."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sources_kit import run_import_cli
from sqlmodel import Session, select

from outreach.db import get_engine
from outreach.models import Title

WITA = ZoneInfo("Asia/Makassar")

# As SLiMS 9 writes them (export.php, item_export.php): the header row ends with a separator,
# several values in one cell are <A><B>.
BIBLIO = (
    '"title","gmd_name","edition","isbn_issn","publisher_name","publish_year","collation",'
    '"series_title","call_number","language_name","place_name","classification","notes",'
    '"image","sor","authors","topics","item_code",\n'
    '"Linux In a Nutshell","Text","Fifth Edition","9780596009304","OReilly","2005",'
    '"xiv, 925 p.","In a Nutshell","005.4/32-22 Ell l","English","Sebastopol, CA",'
    '"005.4/32 22","","linux_in_a_nutshell.jpg","","<Siever, Ellen><Love, Robert>",'
    '"<Operating System><Linux>","<B00010><B00009>"\n'
    '"Cerita Rakyat Kutai : kumpulan dongeng","Text","","602-03-2478-8","Mahakam Press","2025",'
    '"","","398.2 Cer","Indonesia","Samarinda","398.2","","","","<Tim Penyusun>","","<B00100>"\n'
    '"","Text","","","","","","","","","","","","","","","",""\n'
)
ITEMS = (
    '"item_code","call_number","coll_type_name","inventory_code","received_date",'
    '"supplier_name","order_no","location_name","order_date","item_status_name","site",'
    '"source","invoice","price","price_currency","invoice_date","input_date","last_update",'
    '"title",\n'
    '"B00009","","Reference","INV/B00009","","","","","","","","1","","630000","Rupiah","",'
    '"2026-02-26 22:19:28","2026-02-26 22:19:28","Linux In a Nutshell"\n'
    '"B00010","","Reference","INV/B00010","2026-02-20","","","","","","","1","","630000",'
    '"Rupiah","","2026-02-27 10:00:00","2026-02-27 10:00:00","Linux In a Nutshell"\n'
    '"B00100","","","","","","","","","","","","","","","","2026-03-01 09:00:00","",""\n'
)


def titles(db_url: str) -> dict[str, Title]:
    with Session(get_engine(db_url)) as session:
        return {t.source_id: t for t in session.exec(select(Title))}


def test_folder_with_both_exports(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_OPAC_URL", "https://perpus.example")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "senayan_biblio_export.csv").write_text(BIBLIO, encoding="utf-8")
    (folder / "senayan_item_export.csv").write_text(ITEMS, encoding="utf-8")
    code, out = run_import_cli("slims-csv", str(folder))
    assert code == 1  # the row without a title is rejected, the others kept
    assert out["created"] == 2
    assert out["errors"] == [{"where": "senayan_biblio_export.csv line 4",
                              "message": "the title (judul) is empty"}]
    rows = titles(db_url)
    linux = rows["item:B00009"]
    assert linux.source == "slims"
    assert linux.authors == ["Siever, Ellen", "Love, Robert"]
    assert linux.subjects == ["Operating System", "Linux"]
    assert linux.edition == "Fifth Edition" and linux.isbn == "9780596009304"
    # The earliest copy: B00010 received 2026-02-20 (B00009 entered on the 26th).
    assert linux.catalogued_at == datetime(2026, 2, 20, tzinfo=WITA)
    assert linux.cover_url == "https://perpus.example/images/docs/linux_in_a_nutshell.jpg"
    folk = rows["item:B00100"]
    assert (folk.title, folk.subtitle) == ("Cerita Rakyat Kutai", "kumpulan dongeng")
    assert folk.isbn == "9786020324784"  # ISBN-10 602-03-2478-8 as ISBN-13
    assert folk.catalogued_at == datetime(2026, 3, 1, 9, 0, tzinfo=WITA)
    # Re-import: unchanged; a changed record: updated, first seen kept.
    code, out = run_import_cli("slims-csv", str(folder))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 2)
    (folder / "senayan_biblio_export.csv").write_text(
        BIBLIO.replace("Fifth Edition", "Sixth Edition"), encoding="utf-8")
    code, out = run_import_cli("slims-csv", str(folder))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 1, 1)
    again = titles(db_url)["item:B00009"]
    assert again.edition == "Sixth Edition" and again.first_seen_at == linux.first_seen_at


def test_indonesian_headers_semicolons_and_items_option(db_url, tmp_path):
    biblio = tmp_path / "katalog.csv"
    biblio.write_text(
        "Judul;Pengarang;Penerbit;Tahun Terbit;ISBN;Kode Eksemplar;Subjek\n"
        "Sejarah Bontang;<Hadi, Sutrisno>;Pustaka Etam;2024;978-602-03-2478-4;<BTG-001>;"
        "<Sejarah><Kalimantan Timur>\n",
        encoding="cp1252")
    items = tmp_path / "elsewhere.csv"
    items.write_text("Kode Eksemplar;Tanggal Diterima;Tanggal Input\nBTG-001;03/02/2026;\n",
                     encoding="utf-8")
    code, out = run_import_cli("slims-csv", str(biblio), "-o", f"items={items}")
    assert (code, out["created"]) == (0, 1), out
    row = titles(db_url)["item:BTG-001"]
    assert row.authors == ["Hadi, Sutrisno"] and row.publisher == "Pustaka Etam"
    assert row.subjects == ["Sejarah", "Kalimantan Timur"]
    assert row.catalogued_at == datetime(2026, 2, 3, tzinfo=WITA)


def test_without_the_item_csv_titles_are_kept_and_the_reason_given(db_url, tmp_path):
    alone = tmp_path / "only"
    alone.mkdir()
    (alone / "biblio.csv").write_text(BIBLIO, encoding="utf-8")
    code, out = run_import_cli("slims-csv", str(alone / "biblio.csv"))
    # Every title was stored: a warning, not a rejection (the row without a title is one).
    assert code == 1 and out["created"] == 2 and len(out["errors"]) == 1
    assert "no item CSV" in out["warnings"][0]["message"]
    assert all(t.catalogued_at is None for t in titles(db_url).values())


def test_headerless_export_in_slims_column_order(db_url, tmp_path):
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "b.csv").write_text(BIBLIO.split("\n", 1)[1], encoding="utf-8")
    (folder / "i.csv").write_text(ITEMS.split("\n", 1)[1], encoding="utf-8")
    code, out = run_import_cli("slims-csv", str(folder))
    assert out["created"] == 2, out
    assert titles(db_url)["item:B00009"].catalogued_at == datetime(2026, 2, 20, tzinfo=WITA)


def test_not_a_slims_export_is_exit_2(db_url, tmp_path):
    (tmp_path / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    code, out = run_import_cli("slims-csv", str(tmp_path / "x.csv"))
    assert code == 2 and "no title column" in out["errors"][-1]["message"]
    code, out = run_import_cli("slims-csv", str(tmp_path / "nothing"))
    assert code == 2 and "does not exist" in out["errors"][-1]["message"]


def test_undated_copies_are_warnings_and_counted_apart_from_titles(db_url, tmp_path):
    folder = tmp_path / "undated"
    folder.mkdir()
    biblio = BIBLIO.rsplit("\n", 2)[0] + "\n"  # without the row that has no title
    (folder / "b.csv").write_text(biblio, encoding="utf-8")
    undated = ITEMS.replace('"2026-02-20"', '""').replace("2026-02-26 22:19:28", "")
    (folder / "i.csv").write_text(undated, encoding="utf-8")
    code, out = run_import_cli("slims-csv", str(folder))
    assert code == 0 and out["created"] == 2 and out["errors"] == []
    assert out["copies"] == {"read": 3, "undated": 1}  # B00010 still has its entry date
    assert [w["where"] for w in out["warnings"]] == ["i.csv line 2"]
    assert "B00009 has no receipt or entry date" in out["warnings"][0]["message"]
    code, out = run_import_cli("slims-csv", str(folder))
    assert (code, out["created"], out["unchanged"]) == (0, 0, 2)
