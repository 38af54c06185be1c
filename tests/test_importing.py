"""run_import: upserts by (source, source_id), counts, withdrawals, the ImportRun row."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from marc_samples import book, field, write_iso
from sqlalchemy import func, select

from outreach.db import get_engine, init_db
from outreach.models import Event, ImportRun, Title
from outreach.sources import import_runs, importing
from outreach.sources.base import EventRecord, RecordError, SourceUnreadable, TitleRecord
from outreach.sources.importing import content_hash, mask_source, run_import


@pytest.fixture
def url(tmp_path) -> str:
    url = "sqlite:///" + str(tmp_path / "t.db")
    init_db(url)
    return url


def rows(url: str, table=Title) -> dict[str, dict]:
    with get_engine(url).connect() as conn:
        return {r.source_id: r._asdict() for r in conn.execute(select(table.__table__))}


def runs(url: str) -> list[dict]:
    with get_engine(url).connect() as conn:
        query = select(ImportRun.__table__).order_by(ImportRun.__table__.c.id)
        return [r._asdict() for r in conn.execute(query)]


def catalogue(tmp_path, *records, name="cat.mrc"):
    return str(write_iso(tmp_path / name, *records))


BOOKS = [book(f"B{n}", f"Buku nomor {n} :", field("020", "  ", a="0-306-40615-2"))
         for n in range(1, 6)]


def test_first_import_creates_rows_and_records_the_run(tmp_path, url):
    seen = []
    result = run_import("marc", catalogue(tmp_path, *BOOKS), database_url=url,
                        progress=seen.append)
    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert result.exit_code == 0 and result.errors == [] and result.unreadable is None
    assert result.as_json() == {"created": 5, "updated": 0, "unchanged": 0, "errors": []}
    assert seen and seen[-1] == 5

    stored = rows(url)
    assert sorted(stored) == ["B1", "B2", "B3", "B4", "B5"]
    b1 = stored["B1"]
    assert b1["source"] == "marc" and b1["title"] == "Buku nomor 1"
    assert b1["isbn"] == "9780306406157" and b1["isbns"] == ["9780306406157"]
    assert b1["authors"] == [] and b1["withdrawn_at"] is None
    assert b1["catalogued_at"] == datetime(2024, 1, 15, tzinfo=UTC)
    assert b1["first_seen_at"] == b1["updated_at"]
    assert b1["first_seen_at"].tzinfo is not None
    assert b1["content_hash"] == TitleRecord(**{
        k: b1[k] for k in ("source_id", "title", "subtitle", "authors", "isbns", "publisher",
                           "place", "year", "edition", "classification", "call_number",
                           "language", "subjects", "summary", "cover_url", "opac_url",
                           "catalogued_at")}).content_hash()

    [run] = runs(url)
    assert run["id"] == result.run_id and run["kind"] == "marc"
    assert run["status"] == "ok" and run["created"] == 5 and run["errors"] == []
    assert run["finished_at"] >= run["started_at"]


def test_reimport_changes_and_additions(tmp_path, url):
    run_import("marc", catalogue(tmp_path, *BOOKS), database_url=url)
    before = rows(url)

    again = run_import("marc", catalogue(tmp_path, *BOOKS), database_url=url)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert rows(url) == before

    edited = [*BOOKS[:2], book("B3", "Buku nomor 3, edisi revisi"), *BOOKS[3:],
              book("B6", "Buku baru")]
    result = run_import("marc", catalogue(tmp_path, *edited), database_url=url)
    assert (result.created, result.updated, result.unchanged) == (1, 1, 4)
    after = rows(url)
    assert after["B3"]["title"] == "Buku nomor 3, edisi revisi"
    assert after["B3"]["first_seen_at"] == before["B3"]["first_seen_at"]  # never re-announced
    assert after["B3"]["updated_at"] > before["B3"]["updated_at"]
    assert after["B3"]["id"] == before["B3"]["id"]
    assert after["B1"] == before["B1"]
    assert after["B6"]["first_seen_at"] > before["B1"]["first_seen_at"]
    assert [r["status"] for r in runs(url)] == ["ok", "ok", "ok"]


def test_withdrawn_record_keeps_its_row(tmp_path, url):
    run_import("marc", catalogue(tmp_path, *BOOKS), database_url=url)
    deleted = book("B2", None, status="d")  # a deletion often comes without the fields
    gone = run_import("marc", catalogue(tmp_path, deleted, book("B9", None, status="d")),
                      database_url=url)
    assert (gone.created, gone.updated, gone.unchanged) == (0, 1, 1)
    stored = rows(url)
    assert "B9" not in stored  # never known here: nothing to withdraw
    assert stored["B2"]["withdrawn_at"] is not None
    assert stored["B2"]["title"] == "Buku nomor 2"  # the row still knows what it was

    again = run_import("marc", catalogue(tmp_path, deleted), database_url=url)
    assert (again.updated, again.unchanged) == (0, 1)

    back = run_import("marc", catalogue(tmp_path, BOOKS[1]), database_url=url)
    assert back.updated == 1 and rows(url)["B2"]["withdrawn_at"] is None


@pytest.mark.parametrize("batch_size", [1000, 2])
def test_duplicates_in_one_file_count_once_and_the_later_wins(tmp_path, url, batch_size):
    records = [book("D1", "Pertama"), book("D2", "Lain"), book("D3", "Lain lagi"),
               book("D1", "Kedua")]
    result = run_import("marc", catalogue(tmp_path, *records), database_url=url,
                        batch_size=batch_size)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert rows(url)["D1"]["title"] == "Kedua"

    # Known before; in the file twice, first unchanged and then edited: one update.
    result = run_import("marc", catalogue(tmp_path, book("D1", "Kedua"), book("D2", "Lain"),
                                          book("D1", "Ketiga")), database_url=url,
                        batch_size=batch_size)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert rows(url)["D1"]["title"] == "Ketiga"


def test_rejected_records_give_exit_1_and_are_stored(tmp_path, url):
    path = catalogue(tmp_path, BOOKS[0], b"JUNK", book("NT", None), BOOKS[1])
    result = run_import("marc", path, database_url=url)
    assert (result.created, result.exit_code) == (2, 1)
    junk_at = len(BOOKS[0].as_marc())
    where = [f"record 2 (byte {junk_at})", f"record 3 (byte {junk_at + 4})"]
    assert [e.where for e in result.errors] == where
    as_json = result.as_json()
    assert list(as_json) == ["created", "updated", "unchanged", "errors"]
    assert as_json["errors"][1] == {"where": where[1], "message": result.errors[1].message}
    [run] = runs(url)
    assert run["status"] == "partial" and run["errors"] == as_json["errors"]


def test_stored_errors_are_capped(tmp_path, url):
    no_title = book("NT", None).as_marc()
    path = catalogue(tmp_path, *([no_title] * (import_runs.MAX_STORED_ERRORS + 5)), BOOKS[0])
    result = run_import("marc", path, database_url=url)
    assert len(result.errors) == import_runs.MAX_STORED_ERRORS + 5 and result.created == 1
    stored = runs(url)[0]["errors"]
    assert len(stored) == import_runs.MAX_STORED_ERRORS + 1
    assert "5 more" in stored[-1]["message"]


def test_unreadable_source_gives_exit_2(tmp_path, url):
    result = run_import("marc", str(tmp_path / "nowhere.mrc"), database_url=url)
    assert result.exit_code == 2 and "does not exist" in result.unreadable
    assert result.as_json()["errors"] == [{"where": "source", "message": result.unreadable}]
    [run] = runs(url)
    assert run["status"] == "failed" and run["errors"][-1]["message"] == result.unreadable


def fake_kind(monkeypatch, reader, target="title", label="test", incremental=False):
    kind = SimpleNamespace(name="fake", target=target, source_label=label, load=lambda: reader,
                           incremental=incremental, undated_is_new=False)
    monkeypatch.setattr(importing, "get_kind", lambda name: kind)


def test_incremental_state_from_the_last_successful_run(monkeypatch, url):
    """An incremental reader gets `harvest.since` from the last successful run of the same
    kind and source; a failed run leaves it alone; a full harvest is due after N days."""
    seen, fail = [], []

    def reader(source, *, harvest, **options):
        seen.append(harvest.since)
        harvest.next_since = f"2026-03-0{len(seen)}"
        yield TitleRecord("H1", "Satu")
        if fail:
            raise SourceUnreadable("the server went away")

    fake_kind(monkeypatch, reader, incremental=True)
    src = "https://lib.example/oai2.php"
    run_import("fake", src, database_url=url)  # full: nothing before
    run_import("fake", src, database_url=url)  # from the first run's date
    fail.append(True)
    run_import("fake", src, database_url=url)  # fails: its date is not kept
    fail.clear()
    run_import("fake", src, database_url=url)  # from the second run's date again
    run_import("fake", "https://other.example/oai", database_url=url)  # another source: full
    run_import("fake", src, database_url=url, full=True)
    assert seen == [None, "2026-03-01", "2026-03-02", "2026-03-02", None, None]
    assert [r["harvest_from"] for r in runs(url)] == [
        "2026-03-01", "2026-03-02", None, "2026-03-04", "2026-03-05", "2026-03-06"]
    # The last full harvest of src (run 6) is fresh; pretend it was 8 days ago: full again.
    with get_engine(url).begin() as conn:
        table = ImportRun.__table__
        conn.execute(table.update().values(started_at=datetime.now(UTC) - timedelta(days=8)))
    run_import("fake", src, database_url=url)
    assert seen[-1] is None


def test_open_library_covers_are_addresses_only(monkeypatch, tmp_path, url):
    """With OUTREACH_COVERS_OPENLIBRARY a title without its own cover gets Open Library's
    address for its ISBN; nothing is fetched (compose does that later, or uses a card)."""
    monkeypatch.setenv("OUTREACH_COVERS_OPENLIBRARY", "true")
    own = book("B9", "Bersampul", field("020", "  ", a="0-306-40615-2"),
               field("856", "42", u="https://perpus.example/images/docs/b9.jpg", z="sampul"))
    run_import("marc", catalogue(tmp_path, BOOKS[0], own, book("B8", "Tanpa ISBN")),
               database_url=url)
    stored = rows(url)
    assert stored["B1"]["cover_url"] == (
        "https://covers.openlibrary.org/b/isbn/9780306406157-L.jpg?default=false")
    assert stored["B9"]["cover_url"] == "https://perpus.example/images/docs/b9.jpg"
    assert stored["B8"]["cover_url"] is None
    monkeypatch.setenv("OUTREACH_COVERS_OPENLIBRARY", "false")  # the default
    run_import("marc", catalogue(tmp_path, BOOKS[1], name="b.mrc"), database_url=url)
    assert rows(url)["B2"]["cover_url"] is None


def test_records_read_before_the_source_fails_are_kept(monkeypatch, url):
    def reader(source, **options):
        yield TitleRecord("F1", "Satu")
        yield RecordError("oai:2", "broken")
        raise SourceUnreadable("the server stopped answering")

    fake_kind(monkeypatch, reader)
    result = run_import("fake", "https://lib.example/oai?token=s3cret", database_url=url)
    assert result.created == 1 and result.exit_code == 2
    [run] = runs(url)
    assert run["status"] == "failed" and run["source"] == "https://lib.example/oai?token=***"
    assert sorted(rows(url)) == ["F1"]


def test_a_crashing_reader_marks_the_run_failed(monkeypatch, url):
    def reader(source, **options):
        yield TitleRecord("F1", "Satu")
        raise RuntimeError("bug")

    fake_kind(monkeypatch, reader)
    with pytest.raises(RuntimeError):
        run_import("fake", "x", database_url=url)
    [run] = runs(url)
    assert run["status"] == "failed" and "RuntimeError: bug" in run["errors"][-1]["message"]


def test_events_are_upserted_the_same_way(monkeypatch, url):
    start = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    events = [EventRecord("E1", "Lokakarya menulis", start, kind="workshop"),
              EventRecord("E2", "Klub buku", start + timedelta(days=7), capacity=20)]
    fake_kind(monkeypatch, lambda source, **o: iter(events), target="event", label="events-csv")
    first = run_import("fake", "events.csv", database_url=url)
    assert (first.created, first.updated) == (2, 0)
    before = rows(url, Event)

    events[1] = dataclasses.replace(events[1], capacity=30)
    second = run_import("fake", "events.csv", database_url=url)
    assert (second.created, second.updated, second.unchanged) == (0, 1, 1)
    after = rows(url, Event)
    assert after["E2"]["capacity"] == 30 and after["E2"]["starts_at"] == events[1].starts_at
    assert after["E2"]["first_seen_at"] == before["E2"]["first_seen_at"]
    assert after["E1"] == before["E1"]


def test_wrong_record_type_for_the_target_is_a_bug(monkeypatch, url):
    fake_kind(monkeypatch, lambda source, **o: iter([TitleRecord("T", "x")]), target="event")
    with pytest.raises(TypeError):
        run_import("fake", "x", database_url=url)


def test_unknown_kind():
    with pytest.raises(KeyError, match="Unknown import kind"):
        run_import("floppy", "x")


def test_fast_hash_equals_content_hash():
    title = TitleRecord("B1", "Bumi manusia", authors=["Toer, Pramoedya Ananta", "Ä"],
                        isbns=["9786020324784"], catalogued_at=datetime(2024, 1, 7, tzinfo=UTC))
    assert content_hash(title) == title.content_hash()
    assert content_hash(TitleRecord("B2", "x")) == TitleRecord("B2", "x").content_hash()
    event = EventRecord("E1", "Lokakarya", datetime(2026, 12, 5, 1, tzinfo=UTC), capacity=3)
    assert content_hash(event) == event.content_hash()
    assert content_hash(event) != content_hash(dataclasses.replace(event, capacity=4))


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("/data/katalog.mrc", "/data/katalog.mrc"),
        ("mysql://slims:rahasia@db.local/slims", "mysql://slims:***@db.local/slims"),
        ("https://lib.example/oai2.php?verb=ListRecords&api_key=abc",
         "https://lib.example/oai2.php?verb=ListRecords&api_key=***"),
    ],
)
def test_mask_source(source, shown):
    assert mask_source(source) == shown


def test_postgresql(tmp_path, pg_url):
    init_db(pg_url)
    path = catalogue(tmp_path, *BOOKS)
    assert run_import("marc", path, database_url=pg_url).created == 5
    result = run_import("marc", catalogue(tmp_path, book("B1", "Judul baru"), name="b.mrc"),
                        database_url=pg_url)
    assert result.updated == 1
    stored = rows(pg_url)
    assert stored["B1"]["title"] == "Judul baru" and stored["B2"]["isbns"] == ["9780306406157"]
    with get_engine(pg_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(ImportRun.__table__)).scalar() == 2


def koha_book(control: str, biblionumber: str, title: str, *, koha: bool = True):
    extra = [field("942", "  ", c="BK"), field("999", "  ", c=biblionumber, d=biblionumber)]
    return book(control, title, *(extra if koha else []))


def test_koha_rows_keyed_by_001_before_are_rekeyed_to_the_biblionumber(tmp_path, url):
    # What the reader made of a Koha export before it knew 999$c: rows keyed by the 001 (an LC
    # control number copied with the record). Two records share one copied 001: one row.
    old = [koha_book("2004012345", "11", "Laskar pelangi", koha=False),
           koha_book("2005000001", "12", "Sang pemimpi", koha=False),
           koha_book("2006000002", "13", "Edensor", koha=False)]
    first = run_import("marc", catalogue(tmp_path, *old, name="old.mrc"), database_url=url)
    assert first.created == 3
    before = rows(url)
    assert sorted(before) == ["2004012345", "2005000001", "2006000002"]

    new = [koha_book("2004012345", "11", "Laskar pelangi"),
           koha_book("2005000001", "12", "Sang pemimpi"),
           koha_book("2006000002", "13", "Edensor"),
           koha_book("2006000002", "14", "Edensor (copy of one LC record)"),
           koha_book("2007000003", "15", "Maryamah karpov")]  # never imported before
    path = catalogue(tmp_path, *new, name="koha.mrc")
    second = run_import("marc", path, database_url=url, batch_size=2)
    assert (second.created, second.updated, second.unchanged, second.rekeyed) == (2, 3, 0, 3)
    assert second.as_json()["rekeyed"] == 3
    after = rows(url)
    assert sorted(after) == ["11", "12", "13", "14", "15"]  # no row left under an old key
    for old_key, new_key in (("2004012345", "11"), ("2005000001", "12"), ("2006000002", "13")):
        assert after[new_key]["id"] == before[old_key]["id"]
        assert after[new_key]["first_seen_at"] == before[old_key]["first_seen_at"]

    third = run_import("marc", path, database_url=url)
    assert (third.created, third.updated, third.unchanged, third.rekeyed) == (0, 0, 5, 0)
    assert "rekeyed" not in third.as_json()
