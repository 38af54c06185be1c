"""`outreach import … --json` through the CLI, as another tool would call it (a contract:
docs/architecture.md): exactly one JSON object on stdout, exit 0/1/2, the good records kept around
the bad ones."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import Session, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.db import get_engine
from outreach.demo import load_catalogue, marc_record
from outreach.models import Event, ImportRun, Title

runner = CliRunner()


def records(n: int) -> list[bytes]:
    now = datetime.now(UTC)
    return [marc_record(item, now).as_marc() for item in load_catalogue()[:n]]


def run_json(*args: str):
    result = runner.invoke(app, ["import", *args, "--json"])
    assert "Traceback" not in result.output
    payload = json.loads(result.stdout)  # exactly one JSON document on stdout
    assert set(payload) == {"created", "updated", "unchanged", "errors"}
    return result.exit_code, payload


def test_broken_marc_file_reports_positions_and_keeps_good_records(db_url, tmp_path):
    good = records(5)
    garbage = b"XX\xffNOT MARC AT ALL\x1e\x1d"
    path = tmp_path / "rusak.mrc"
    # good, good, garbage bytes, good, good, then the last record cut in the middle
    path.write_bytes(good[0] + good[1] + garbage + good[2] + good[3] + good[4][: len(good[4]) // 2])
    code, payload = run_json("marc", str(path))
    assert code == 1
    assert payload["created"] == 4
    wheres = [e["where"] for e in payload["errors"]]
    assert len(payload["errors"]) == 2, payload["errors"]
    offset_garbage = len(good[0]) + len(good[1])
    assert f"byte {offset_garbage}" in wheres[0]
    offset_cut = offset_garbage + len(garbage) + len(good[2]) + len(good[3])
    assert f"byte {offset_cut}" in wheres[1]
    assert all(e["message"] for e in payload["errors"])
    with Session(get_engine(db_url)) as session:
        titles = session.exec(select(Title)).all()
        run = session.exec(select(ImportRun)).one()
    assert len(titles) == 4 and run.status == "partial" and len(run.errors) == 2

    # The same file again: nothing new, nothing lost, the same two complaints.
    code, again = run_json("marc", str(path))
    assert code == 1 and again["created"] == 0 and again["unchanged"] == 4


def test_unreadable_source_is_exit_2_with_json(db_url, tmp_path):
    code, payload = run_json("marc", str(tmp_path / "tidak-ada.mrc"))
    assert code == 2
    assert payload["created"] == 0 and payload["errors"]
    assert "tidak-ada.mrc" in json.dumps(payload)


def test_human_output_without_json(db_url, tmp_path):
    path = tmp_path / "baik.mrc"
    path.write_bytes(b"".join(records(3)))
    result = runner.invoke(app, ["import", "marc", str(path)])
    assert result.exit_code == 0
    assert "created 3" in result.output


def test_events_spreadsheet_with_indonesian_headers(db_url, tmp_path):
    path = tmp_path / "acara.csv"
    path.write_text(
        "judul,tanggal,jam mulai,jam selesai,tempat,jenis,pendaftaran,deskripsi\n"
        "Pelatihan Literasi Digital,2030-12-05,09.00,12:00,Ruang Multimedia,pelatihan,"
        "https://example.id/daftar,Belajar aman berinternet\n"
        "Klub Buku,31/12/2030,16:00,,Taman Baca,komunitas,,\n"
        "Tanpa tanggal,,09:00,,,,,\n",
        encoding="utf-8",
    )
    code, payload = run_json("events-csv", str(path))
    assert code == 1 and payload["created"] == 2
    assert payload["errors"] == [{"where": "line 4", "message": "the date (tanggal) is empty"}]
    with Session(get_engine(db_url)) as session:
        workshop = session.exec(select(Event).where(Event.kind == "workshop")).one()
    # 09.00 WITA is 01:00 UTC
    assert workshop.starts_at == datetime(2030, 12, 5, 1, 0, tzinfo=UTC)
    assert workshop.registration_url == "https://example.id/daftar"


def test_import_help_names_the_reader_options():
    from typer.testing import CliRunner

    from outreach.cli import app

    help_text = CliRunner().invoke(app, ["import", "--help"], env={"COLUMNS": "240"}).stdout
    text = " ".join(help_text.split())
    for words in ("encoding=auto|utf-8|marc-8|windows-1251|latin-1", "id_field=999c"):
        assert words in text.replace("│ ", "").replace(" │", ""), text
