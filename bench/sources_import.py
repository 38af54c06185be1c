"""Library data sources beyond MARC: time and peak memory of importing a synthetic SLiMS
catalogue as a SQL dump (`slims-db`) and as CSV exports (`slims-csv`), and a staff events
spreadsheet as XLSX (`events-csv`), each into a fresh SQLite file in a fresh interpreter.

Memory should stay flat as the catalogue grows (streams and pages, never the whole catalogue):
run with two sizes to see it.

    python -m bench sources_import --source-titles 100000
"""

# ruff: noqa: S608 - this writes a synthetic SQL dump file (data), no query is ever run from it
from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import measure

_WORDS = ("sejarah kota bontang laut hutan kalimantan cerita anak rumah pustaka ilmu data "
          "python jaringan kopi hujan malam bulan matahari keluarga sekolah budaya").split()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--source-titles", type=int, default=100_000,
                        help="titles in the synthetic SLiMS catalogue (sources_import; "
                        "default 100000; events are a tenth of it)")


def _title(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(4)).capitalize() + f" {n}"


def write_dump(path: Path, titles: int) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write("INSERT INTO `mst_publisher` (`publisher_id`, `publisher_name`) VALUES "
                  "(1, 'Pustaka Etam'), (2, 'Mahakam Press');\n")
        for start in range(1, titles + 1, 1000):
            ids = range(start, min(start + 1000, titles + 1))
            out.write("INSERT INTO `biblio` (`biblio_id`, `title`, `isbn_issn`, `publisher_id`,"
                      " `publish_year`, `image`, `input_date`) VALUES\n")
            out.write(",\n".join(
                f"({i}, '{_title(rng, i)}', '978602{i:06d}', {i % 2 + 1}, '2025', 'c{i}.jpg', "
                f"'2026-02-{i % 28 + 1:02d} 09:00:00')" for i in ids) + ";\n")
            out.write("INSERT INTO `mst_author` (`author_id`, `author_name`) VALUES "
                      + ",".join(f"({i}, 'Penulis {i}')" for i in ids) + ";\n")
            out.write("INSERT INTO `biblio_author` (`biblio_id`, `author_id`, `level`) VALUES "
                      + ",".join(f"({i}, {i}, 1)" for i in ids) + ";\n")
            out.write("INSERT INTO `item` (`item_id`, `biblio_id`, `received_date`) VALUES "
                      + ",".join(f"({i}, {i}, '2026-02-01')" for i in ids) + ";\n")


def write_csv(folder: Path, titles: int) -> None:
    rng = random.Random(7)
    with (folder / "biblio.csv").open("w", encoding="utf-8") as out:
        out.write('"title","isbn_issn","publisher_name","publish_year","authors","item_code",\n')
        for i in range(1, titles + 1):
            out.write(f'"{_title(rng, i)}","978602{i:06d}","Pustaka Etam","2025",'
                      f'"<Penulis {i}><Penulis {i + 1}>","<B{i:07d}>"\n')
    with (folder / "items.csv").open("w", encoding="utf-8") as out:
        out.write('"item_code","received_date","input_date",\n')
        for i in range(1, titles + 1):
            out.write(f'"B{i:07d}","2026-02-{i % 28 + 1:02d}","2026-02-28 10:00:00"\n')


def write_xlsx(path: Path, events: int) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Agenda")
    sheet.append(["id", "judul", "tanggal", "jam mulai", "jam selesai", "tempat", "jenis"])
    for i in range(events):
        sheet.append([f"E{i}", f"Kegiatan {i}", f"2030-{i % 12 + 1:02d}-{i % 28 + 1:02d}",
                      "09:00", "11:00", "Aula", "pelatihan" if i % 2 else "komunitas"])
    book.save(path)


def import_source(kind: str, source: str, db_path: str) -> dict[str, Any]:
    from outreach.db import init_db
    from outreach.sources.importing import run_import

    url = f"sqlite:///{db_path}"
    init_db(url)
    start = time.perf_counter()
    result = run_import(kind, source, database_url=url)
    seconds = time.perf_counter() - start
    if result.unreadable or (kind != "slims-csv" and result.errors):
        raise SystemExit(f"unexpected errors: {result.as_json()['errors'][:3]}")
    return {"seconds": seconds, "records": result.created + result.updated + result.unchanged}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    titles = 200 if args.quick else args.source_titles
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sources-") as tmp:
        folder = Path(tmp)
        write_dump(folder / "slims.sql", titles)
        (folder / "csv").mkdir()
        write_csv(folder / "csv", titles)
        write_xlsx(folder / "agenda.xlsx", max(titles // 10, 100))
        steps = [("slims-db", folder / "slims.sql", "SQL dump"),
                 ("slims-csv", folder / "csv", "bibliography + item CSV"),
                 ("events-csv", folder / "agenda.xlsx", "events XLSX")]
        for n, (kind, source, what) in enumerate(steps):
            size = sum(p.stat().st_size for p in ([source] if source.is_file()
                                                    else source.iterdir())) / 1e6
            m = measure("bench.sources_import:import_source", kind, str(source),
                        str(folder / f"db{n}.sqlite"))
            rows.append({"step": f"{kind} ({what}, {size:.0f} MB)", "records": m["records"],
                         "seconds": m["seconds"],
                         "records/s": m["records"] / m["seconds"] if m["seconds"] else 0.0,
                         "peak RSS MB": m["peak_rss_mb"]})
    return rows
