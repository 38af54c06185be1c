"""SLiMS database: the shared sample (15 titles) from a SQL dump file and from a real MariaDB."""

from __future__ import annotations

import os
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sources_kit import run_import_cli
from sqlmodel import Session, select

from outreach.db import get_engine
from outreach.models import Title

WITA = ZoneInfo("Asia/Makassar")


@pytest.fixture
def slims_dump(tmp_path, shared_samples):
    """A whole-database dump, as mysqldump or a SLiMS backup gives it: DDL, then the rows."""
    dump = tmp_path / "slims.sql"
    with dump.open("w", encoding="utf-8") as out:
        for name in ("senayan_ddl.sql", "sampledata.sql"):
            out.write((shared_samples / "slims" / name).read_text(encoding="utf-8"))
            out.write("\n")
    return dump


def titles(db_url: str) -> dict[str, Title]:
    with Session(get_engine(db_url)) as session:
        return {t.source_id: t for t in session.exec(select(Title))}


def check_sample(rows: dict[str, Title], opac: str) -> None:
    assert len(rows) == 15
    assert all(t.source == "slims" and t.title for t in rows.values())
    assert all(t.authors and t.publisher for t in rows.values())
    assert all(t.cover_url and t.catalogued_at for t in rows.values())
    linux = rows["2"]
    assert linux.title == "Linux In a Nutshell" and linux.edition == "Fifth Edition"
    assert linux.authors[0] == "Siever, Ellen"  # level 1, the primary author, first
    assert set(linux.authors) == {"Siever, Ellen", "Love, Robert", "Robbins, Arnold",
                                  "Figgins, Stephen", "Weber, Aaron"}
    assert (linux.publisher, linux.place, linux.year) == ("OReilly", "Sebastopol, CA", "2005")
    assert linux.cover_url == f"{opac}/images/docs/linux_in_a_nutshell.jpg"
    assert linux.opac_url == f"{opac}/index.php?p=show_detail&id=2"
    assert linux.catalogued_at == datetime(2007, 11, 29, 15, 53, 35, tzinfo=WITA)
    cathedral = rows["4"]
    assert cathedral.isbn == "9780596001087"  # '0-596-00108-8' normalised to ISBN-13
    assert set(cathedral.subjects) == {"Linux", "Open Source"}
    postgres = rows["6"]
    assert (postgres.title, postgres.subtitle) == (
        "PostgreSQL",
        "a comprehensive guide to building, programming, and administering PostgreSQL databases")
    assert postgres.classification == "005.75/85 22"


def test_slims_sample_from_a_dump_file(db_url, slims_dump, monkeypatch):
    monkeypatch.setenv("OUTREACH_OPAC_URL", "https://perpustakaan.bontangkota.go.id")
    code, out = run_import_cli("slims-db", str(slims_dump))
    assert (code, out) == (0, {"created": 15, "updated": 0, "unchanged": 0, "errors": []})
    check_sample(titles(db_url), "https://perpustakaan.bontangkota.go.id")
    code, out = run_import_cli("slims-db", str(slims_dump))
    assert (code, out["created"], out["unchanged"]) == (0, 0, 15)


def test_local_cover_folder_and_item_dates(db_url, tmp_path):
    """Without biblio.input_date the acquisition date is the copies' earliest date; covers may
    come from a local copy of images/docs."""
    images = tmp_path / "images_docs"
    images.mkdir()
    (images / "php5_dummies.jpg").write_bytes(b"\xff\xd8\xff\xe0 a cover\xff\xd9")
    dump = tmp_path / "dump.sql"
    dump.write_text(
        "-- a small hand-made dump: backslash escapes, NULL dates, a hidden title\n"
        "INSERT INTO `biblio` (`biblio_id`, `title`, `isbn_issn`, `image`, `opac_hide`,"
        " `input_date`) VALUES\n"
        "(20, 'Cerita Rakyat Kutai : kumpulan dongeng', '978-602-03-2478-4', 'php5_dummies.jpg',"
        " 0, NULL),\n"
        "(21, 'Tersembunyi', NULL, NULL, 1, '2026-02-01 10:00:00'),\n"
        "(22, 'Rahasia Dapur \\'Etam\\'\\nBontang', NULL, NULL, 0, '2026-02-01 10:00:00');\n"
        "INSERT INTO `item` (`item_id`, `biblio_id`, `received_date`, `input_date`) VALUES\n"
        "(1, 20, NULL, '2026-02-14 09:00:00'), (2, 20, '0000-00-00', '2026-02-10 08:30:00'),"
        " (3, 20, '2026-02-12', '2026-02-20 08:00:00');\n",
        encoding="utf-8")
    code, out = run_import_cli("slims-db", str(dump), "--option",
                               f"images={images}")
    assert code == 0, out
    rows = titles(db_url)
    folk = rows["20"]
    assert folk.catalogued_at == datetime(2026, 2, 10, 8, 30, tzinfo=WITA)
    assert folk.cover_url == str((images / "php5_dummies.jpg").resolve())
    assert folk.opac_url is None  # no OPAC address configured
    assert rows["22"].title == "Rahasia Dapur 'Etam' Bontang"
    # A title hidden from the OPAC is withdrawn (never announced), as SLiMS's OAI-PMH marks it
    # deleted; one never seen before is not stored at all.
    assert "21" not in rows
    assert out["created"] == 2 and out["unchanged"] == 1


def test_damaged_dump_reports_the_line_and_keeps_the_rest(db_url, tmp_path):
    dump = tmp_path / "dump.sql"
    dump.write_text(
        "INSERT INTO `biblio` (`biblio_id`, `title`) VALUES (1, 'Baik');\n"
        "INSERT INTO `biblio` (`biblio_id`, `title`) VALUES (2, 'Rusak' 'x' @@);\n"
        "INSERT INTO `biblio` (`biblio_id`, `title`) VALUES (3, 'Juga baik');\n"
        "INSERT INTO `biblio` (`biblio_id`, `title`) VALUES (4, 'Terpotong",
        encoding="utf-8")
    code, out = run_import_cli("slims-db", str(dump))
    assert code == 1
    assert out["created"] == 2
    wheres = [e["where"] for e in out["errors"]]
    assert wheres == [f"{dump} line 2", f"{dump} line 4"]
    assert "ends inside a statement" in out["errors"][1]["message"]


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: p / "missing.sql", "does not exist"),
    (lambda p: p, "not a SQL dump"),
])
def test_unreadable_dump_is_exit_2(db_url, tmp_path, make, words):
    code, out = run_import_cli("slims-db", str(make(tmp_path)))
    assert code == 2 and words in out["errors"][-1]["message"]


def test_a_file_that_is_not_a_slims_dump(db_url, tmp_path):
    other = tmp_path / "other.sql"
    other.write_text("CREATE TABLE x (a int);\nINSERT INTO x VALUES (1);\n", encoding="utf-8")
    code, out = run_import_cli("slims-db", str(other))
    assert code == 2 and "no SLiMS rows" in out["errors"][-1]["message"]


# -- a real MariaDB/MySQL server ------------------------------------------------------------------
# Read before the tests' clean environment (conftest) removes the OUTREACH_* variables.
MYSQL_URL = os.environ.get("OUTREACH_TEST_MYSQL_URL")


@pytest.fixture
def mysql_url(shared_samples):
    """A fresh database on a real MariaDB/MySQL server holding the SLiMS sample. Skips locally
    when OUTREACH_TEST_MYSQL_URL is not set or the server is unreachable; fails in CI."""
    base = MYSQL_URL
    in_ci = os.environ.get("CI") == "true"
    if not base:
        if in_ci:
            pytest.fail("CI must set OUTREACH_TEST_MYSQL_URL (see .ci/run)")
        pytest.skip("no MariaDB/MySQL server configured (OUTREACH_TEST_MYSQL_URL)")
    import pymysql
    from pymysql.constants import CLIENT
    from sqlalchemy.engine import make_url

    url = make_url(base)
    name = "outreach_slims_" + uuid.uuid4().hex[:10]
    try:
        conn = pymysql.connect(host=url.host or "127.0.0.1", port=url.port or 3306,
                               user=url.username, password=url.password or "",
                               client_flag=CLIENT.MULTI_STATEMENTS, charset="utf8mb4",
                               autocommit=True)
    except pymysql.err.OperationalError as exc:
        if in_ci:
            raise
        pytest.skip(f"MariaDB/MySQL not reachable: {exc}")
    try:
        with conn.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
            cur.execute(f"USE `{name}`")
            for part in ("senayan_ddl.sql", "sampledata.sql"):
                sql = (shared_samples / "slims" / part).read_text(encoding="utf-8")
                # DELIMITER is a directive of the mysql client, not SQL: the triggers it wraps
                # are not needed to read the catalogue.
                sql = re.sub(r"DELIMITER \$\$.*?DELIMITER ;", "", sql, flags=re.S)
                cur.execute(sql)
                while cur.nextset():
                    pass
        yield url.set(drivername="mysql+pymysql", database=name).render_as_string(
            hide_password=False)
    finally:
        with conn.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()


def test_slims_sample_from_mariadb(db_url, mysql_url, monkeypatch):
    monkeypatch.setenv("OUTREACH_OPAC_URL", "https://perpustakaan.bontangkota.go.id")
    code, out = run_import_cli("slims-db", mysql_url)
    assert (code, out) == (0, {"created": 15, "updated": 0, "unchanged": 0, "errors": []})
    check_sample(titles(db_url), "https://perpustakaan.bontangkota.go.id")
    from outreach.models import ImportRun

    with Session(get_engine(db_url)) as session:
        run = session.exec(select(ImportRun)).one()
    assert "outreach_ci" not in run.source or ":***@" in run.source  # no password stored


def test_mariadb_wrong_password_is_exit_2(db_url, mysql_url):
    from sqlalchemy.engine import make_url

    wrong = make_url(mysql_url).set(password="not-the-password").render_as_string(
        hide_password=False)
    code, out = run_import_cli("slims-db", wrong)
    assert code == 2
    message = out["errors"][-1]["message"]
    assert "refused" in message and "not-the-password" not in message


def test_a_koha_dump_is_refused_saying_what_it_is(db_url, tmp_path):
    # The shape of Koha's own tables (installer/data/mysql/kohastructure.sql): a `biblio`
    # keyed by biblionumber, and biblioitems.
    koha = tmp_path / "koha.sql"
    koha.write_text(
        "CREATE TABLE `biblio` (`biblionumber` int(11) NOT NULL, `title` mediumtext,"
        " `author` text, PRIMARY KEY (`biblionumber`));\n"
        "INSERT INTO `biblio` (`biblionumber`, `title`, `author`) VALUES (1, 'Perl', 'Wall');\n"
        "CREATE TABLE `biblioitems` (`biblioitemnumber` int(11), `biblionumber` int(11));\n"
        "INSERT INTO `biblioitems` VALUES (1, 1);\n", encoding="utf-8")
    code, out = run_import_cli("slims-db", str(koha))
    assert code == 2 and out["created"] == 0
    message = out["errors"][-1]["message"]
    assert "looks like a Koha database" in message and "koha-oai" in message
