"""OAI-PMH sources (SLiMS, Koha, INLISLite) harvested from a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sources_kit import (
    list_records,
    oai_error,
    run_import_cli,
    serve,
    slims_record,
)
from sqlmodel import Session, select

from outreach.db import get_engine
from outreach.models import ImportRun, Title
from outreach.sources.importing import run_import

XML = "text/xml; charset=utf-8"


def titles(db_url: str) -> dict[str, Title]:
    with Session(get_engine(db_url)) as session:
        return {t.source_id: t for t in session.exec(select(Title))}


class SlimsRepository:
    """A SLiMS oai2.php: two pages, 100 records a page in SLiMS, 2 here; `from=` honoured."""

    def __init__(self) -> None:
        self.records = {
            1: dict(title="Pemrograman Python : panduan praktis", isbn="978-602-03-2478-4",
                    image="python.jpg", authors=("Raharjo, Budi", "Sari, Dewi"),
                    datestamp="2026-02-20T09:15:00Z"),
            2: dict(title="Sejarah Kalimantan Timur", isbn="0-596-00108-8", image=None,
                    authors=("Hadi, Sutrisno",), datestamp="2026-02-21T10:00:00Z"),
            3: dict(title="Buku yang ditarik", deleted=True, datestamp="2026-02-22T00:00:00Z"),
        }
        self.broken_token = False

    def __call__(self, path: str, query: dict[str, str]):
        if path != "/oai2.php" or query.get("verb") != "ListRecords":
            return 404, "text/html", b"<html>Not found</html>"
        token = query.get("resumptionToken")
        if token and self.broken_token:
            return 200, XML, oai_error("badResumptionToken", "expired")
        since = token.split("|")[1] if token else query.get("from")
        fresh = [i for i, r in sorted(self.records.items())
                 if not since or r["datestamp"][:10] >= since]
        if not fresh:
            return 200, XML, oai_error("noRecordsMatch")
        # SLiMS pages by 100; this repository by 2, so three records make two pages.
        start = int(token.split("|")[0]) if token else 0
        chosen = fresh[start:start + 2]
        body = [slims_record(i, **self.records[i]) for i in chosen]
        token = f"{start + 2}|{since or ''}" if start + 2 < len(fresh) else None
        return 200, XML, list_records(body, token)


def test_slims_oai_quirks_paging_and_deleted_records(db_url):
    repo = SlimsRepository()
    with serve(repo) as server:
        code, out = run_import_cli("slims-oai", server.url + "/oai2.php")
        agents = {headers.get("User-Agent") for _, _, headers in server.requests}
    assert code == 0, out
    assert out == {"created": 2, "updated": 0, "unchanged": 1, "errors": []}
    assert agents == {"LibraryOutreach/0.1.0 (library data import)"}
    assert [q.get("resumptionToken") for q in server.queries()] == [None, "2|"]
    rows = titles(db_url)
    assert set(rows) == {"1", "2"}  # biblio_id, as slims-db gives it; deleted 3 never stored
    one = rows["1"]
    assert one.source == "slims"
    assert (one.title, one.subtitle) == ("Pemrograman Python", "panduan praktis")
    assert one.authors == ["Raharjo, Budi", "Sari, Dewi"]
    assert one.isbn == "9786020324784"
    assert one.cover_url == f"{server.url}/images/docs/python.jpg".replace(
        server.url, "http://perpus.example")
    assert one.opac_url == "http://perpus.example/index.php?p=show_detail&id=1"
    assert one.call_number == "005.1 Ray c" and one.classification == "005.1 22"
    assert one.subjects == ["Open source software"]
    assert (one.publisher, one.place, one.year) == ("Penerbit Borneo", "Bontang", "2025")
    assert one.catalogued_at == datetime(2026, 2, 20, 9, 15, tzinfo=UTC)
    two = rows["2"]
    assert two.isbn == "9780596001087"  # ISBN-10 with hyphens, normalised
    assert two.cover_url is None  # SLiMS's default picture is not a cover


def test_incremental_harvest_from_last_successful_run(db_url):
    repo = SlimsRepository()
    with serve(repo) as server:
        url = server.url + "/oai2.php"
        first = run_import("slims-oai", url)
        assert (first.created, first.exit_code) == (2, 0)
        # The clock's path: run_import(kind, source) again -> only what is new since then.
        repo.records[4] = dict(title="Koleksi baru Maret", isbn=None, image="baru.png",
                               datestamp="2026-03-02T03:00:00Z")
        second = run_import("slims-oai", url)
        third_edit = repo.records[1] | {"title": "Pemrograman Python : panduan praktis, ed. 2"}
        repo.records[1] = third_edit
        full = run_import("slims-oai", url, full=True)
        queries = server.queries()
    assert queries[0].get("from") is None
    # The next harvest asks from the server's own responseDate of the last run (day granularity).
    assert [q.get("from") for q in queries[2:3]] == ["2026-03-02"]
    assert (second.created, second.updated, second.unchanged) == (1, 0, 0)
    assert (full.created, full.updated, full.unchanged) == (0, 1, 3)
    rows = titles(db_url)
    assert rows["4"].cover_url == "http://perpus.example/images/docs/baru.png"
    assert rows["1"].subtitle == "panduan praktis, ed. 2"
    assert rows["1"].first_seen_at < rows["1"].updated_at  # edited, not new: never re-announced
    with Session(get_engine(db_url)) as session:
        runs = session.exec(select(ImportRun).order_by(ImportRun.id)).all()
    assert [r.harvested_since for r in runs] == [None, "2026-03-02", None]
    assert all(r.harvest_from == "2026-03-02" for r in runs)


def test_full_harvest_is_due_after_the_configured_days(db_url, monkeypatch):
    monkeypatch.setenv("OUTREACH_FULL_HARVEST_DAYS", "0")  # always full
    repo = SlimsRepository()
    with serve(repo) as server:
        run_import("slims-oai", server.url + "/oai2.php")
        run_import("slims-oai", server.url + "/oai2.php")
        assert all("from" not in q for q in server.queries())


def test_bad_resumption_token_keeps_first_page_and_does_not_advance(db_url):
    repo = SlimsRepository()
    repo.broken_token = True
    with serve(repo) as server:
        code, out = run_import_cli("slims-oai", server.url + "/oai2.php")
        again = run_import("slims-oai", server.url + "/oai2.php")
        queries = server.queries()
    assert code == 2
    assert out["created"] == 2
    assert "badResumptionToken" in out["errors"][-1]["message"]
    assert "resumption token" in out["errors"][-1]["message"]
    assert queries[2].get("from") is None  # the failed run left no "from": full again
    assert again.unreadable


def test_no_records_match_is_not_an_error(db_url):
    with serve(lambda p, q: (200, XML, oai_error("noRecordsMatch"))) as server:
        code, out = run_import_cli("slims-oai", server.url + "/oai2.php")
    assert (code, out) == (0, {"created": 0, "updated": 0, "unchanged": 0, "errors": []})


@pytest.mark.parametrize(("answer", "words"), [
    ((200, "text/html", b"<!DOCTYPE html><html><body>Login</body></html>"), "a web page"),
    ((200, "text/plain", b"Database connection failed"), "did not answer with XML"),
    ((200, XML, b"<rss><channel/></rss>"), "not OAI-PMH"),
    ((404, "text/html", b"nope"), "HTTP 404"),
    ((500, "text/html", b"oops"), "HTTP 500"),
    ((200, XML, oai_error("badVerb", "Illegal verb")), "does not answer OAI-PMH"),
])
def test_unreadable_endpoint_is_exit_2_in_plain_words(db_url, answer, words):
    with serve(lambda p, q: answer) as server:
        code, out = run_import_cli("slims-oai", server.url + "/oai2.php")
    assert code == 2
    assert words in out["errors"][-1]["message"]
    assert "Traceback" not in out["errors"][-1]["message"]


def test_nothing_listening_and_unknown_host(db_url):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    code, out = run_import_cli("slims-oai", f"http://127.0.0.1:{port}/oai2.php")
    assert code == 2 and "refused" in out["errors"][-1]["message"]
    # ".invalid" never resolves (RFC 2606): no query leaves this machine.
    code, out = run_import_cli("slims-oai", "http://perpustakaan.invalid/oai2.php")
    assert code == 2 and "could not be found" in out["errors"][-1]["message"]


def test_sickle_samples_through_koha_oai_falling_back_to_oai_dc(db_url, shared_samples):
    """Generic oai_dc (sickle's samples): a deleted record, resumptionTokens, the server refusing
    marcxml (cannotDisseminateFormat, so the harvest falls back to oai_dc), and a token it no
    longer knows (badResumptionToken: exit 2, the pages read before are kept)."""
    folder = shared_samples / "oai-pmh"

    def answer(path, query):
        if query.get("metadataPrefix") == "marcxml":
            return 200, XML, (folder / "cannotDisseminateFormat.xml").read_bytes()
        name = query.get("resumptionToken") or "ListRecords.xml"
        if not (folder / name).is_file():
            name = "badResumptionToken.xml"
        return 200, XML, (folder / name).read_bytes()

    with serve(answer) as server:
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl")
        asked = [(q.get("metadataPrefix"), q.get("resumptionToken")) for q in server.queries()]
    assert asked == [("marcxml", None), ("oai_dc", None), (None, "ListRecords2.xml"),
                     (None, "ListRecords3.xml")]
    assert code == 2
    assert "badResumptionToken" in out["errors"][-1]["message"]
    rows = titles(db_url)
    assert set(rows) == {"1585322"}  # the deleted 1585310 is never stored
    assert (out["created"], out["unchanged"]) == (1, 1)
    sample = rows["1585322"]
    assert (sample.source, sample.title, sample.authors) == ("koha", "Sample Title", ["John Doe"])
    # Koha's own record page, on the site serving oai.pl (no OUTREACH_OPAC_URL here), rather
    # than the dc:identifier link, which Koha fills from 856 (often a publisher's page).
    assert sample.opac_url == (server.url + "/cgi-bin/koha/opac-detail.pl?biblionumber=1585322")
    assert (sample.publisher, sample.year, sample.language) == ("Sample Publisher", "2010", "eng")


MARCXML_RECORD = """<record><header><identifier>KOHA-OAI-TEST:{n}</identifier>
<datestamp>2026-02-10T08:00:00Z</datestamp></header><metadata>
<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a22000007a 4500</leader>
<controlfield tag="008">260210s2025    io a          000 0 ind d</controlfield>
<datafield tag="020" ind1=" " ind2=" "><subfield code="a">9786020324784 (pbk.)</subfield>
</datafield><datafield tag="020" ind1=" " ind2=" "><subfield code="a">0596001088</subfield>
</datafield><datafield tag="082" ind1="0" ind2="4"><subfield code="a">005.133</subfield>
</datafield><datafield tag="100" ind1="1" ind2=" "><subfield code="a">Raharjo, Budi,</subfield>
</datafield><datafield tag="245" ind1="1" ind2="0"><subfield code="a">Belajar Koha :</subfield>
<subfield code="b">otomasi perpustakaan /</subfield><subfield code="c">Budi</subfield></datafield>
<datafield tag="264" ind1=" " ind2="1"><subfield code="a">Samarinda :</subfield>
<subfield code="b">Mahakam Press,</subfield><subfield code="c">2025.</subfield></datafield>
<datafield tag="952" ind1=" " ind2=" "><subfield code="d">2026-02-27</subfield></datafield>
<datafield tag="952" ind1=" " ind2=" "><subfield code="d">2026-02-25</subfield></datafield>
</record></metadata></record>"""


def test_koha_marcxml_with_date_accessioned(db_url):
    page = list_records([MARCXML_RECORD.format(n=42), MARCXML_RECORD.format(n=43)
                         .replace("<subfield code=\"a\">Belajar Koha :</subfield>", "")])
    with serve(lambda p, q: (200, XML, page)) as server:
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl")
    assert code == 1  # one record rejected, the other kept
    assert out["created"] == 1
    assert out["errors"][0]["where"] == "KOHA-OAI-TEST:43 (page 1)"
    assert "no title" in out["errors"][0]["message"]
    koha = titles(db_url)["42"]
    assert (koha.source, koha.title, koha.subtitle) == ("koha", "Belajar Koha",
                                                         "otomasi perpustakaan")
    assert koha.isbns == ["9786020324784", "9780596001087"]
    assert koha.catalogued_at == datetime(2026, 2, 25, tzinfo=UTC)  # earliest 952$d
    assert (koha.publisher, koha.place, koha.classification) == ("Mahakam Press", "Samarinda",
                                                                 "005.133")


# Koha's MARCXML as its oai.pl gives it: the 001 is the LC control number the record was copied
# with, the biblionumber is in 999$c (and $d the biblioitemnumber), 942 the item type.
KOHA_MARCXML = """<record><header><identifier>oai:koha.perpus.example:{n}</identifier>
<datestamp>2026-02-10T08:00:00Z</datestamp></header><metadata>
<record xmlns="http://www.loc.gov/MARC21/slim"><leader>00000nam a22000007a 4500</leader>
<controlfield tag="001">  2004012345</controlfield>
<datafield tag="245" ind1="1" ind2="0"><subfield code="a">Laskar pelangi /</subfield>
<subfield code="c">Andrea Hirata.</subfield></datafield>
<datafield tag="856" ind1="4" ind2="2"><subfield code="3">Publisher description</subfield>
<subfield code="u">http://www.loc.gov/catdir/enhancements/fy0601/2004012345-d.html</subfield>
</datafield><datafield tag="942" ind1=" " ind2=" "><subfield code="c">BK</subfield></datafield>
<datafield tag="999" ind1=" " ind2=" "><subfield code="c">{n}</subfield>
<subfield code="d">{n}</subfield></datafield></record></metadata></record>"""


def test_koha_oai_known_by_biblionumber_and_linked_to_koha_opac(db_url, monkeypatch):
    from outreach.compose.links import opac_link
    from outreach.config import get_settings

    page = list_records([KOHA_MARCXML.format(n=4711)])
    with serve(lambda p, q: (200, XML, page)) as server:
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl")
        assert (code, out["created"]) == (0, 1)
        koha = titles(db_url)["4711"]  # not the LC control number of the 001
        assert koha.opac_url == server.url + "/cgi-bin/koha/opac-detail.pl?biblionumber=4711"
        # The library's configured OPAC address wins over the endpoint's (an internal name),
        # and posts link there, not through the SLiMS-shaped OUTREACH_OPAC_LINK_PATTERN.
        monkeypatch.setenv("OUTREACH_OPAC_URL", "https://opac.perpus.example/")
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl", "--full")
        assert (code, out["updated"]) == (0, 1)
        # The option wins over both.
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl", "--full",
                                   "-o", "opac_url=https://katalog.perpus.example")
        assert (code, out["updated"]) == (0, 1)
    koha = titles(db_url)["4711"]
    assert koha.opac_url == ("https://katalog.perpus.example/cgi-bin/koha/opac-detail.pl"
                             "?biblionumber=4711")
    assert opac_link(koha, get_settings()) == koha.opac_url
    assert set(titles(db_url)) == {"4711"}


def test_koha_oai_biblionumber_from_999c_rekeys_rows_known_by_the_identifier(db_url):
    # An OAI identifier whose tail is not the biblionumber (a repository that numbers its
    # records otherwise): 999$c is the identity, and the row stored under the tail is re-keyed.
    first = list_records([KOHA_MARCXML.format(n=4711).replace(
        "koha.perpus.example:4711", "koha.perpus.example:rec-4711").replace(
        '<subfield code="c">4711</subfield>', "")])
    second = list_records([KOHA_MARCXML.format(n=4711).replace(
        "koha.perpus.example:4711", "koha.perpus.example:rec-4711")])
    pages = [first, second, second]
    with serve(lambda p, q: (200, XML, pages[0])) as server:
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl")
        assert (code, out["created"]) == (0, 1) and set(titles(db_url)) == {"rec-4711"}
        row_id = titles(db_url)["rec-4711"].id
        pages.pop(0)
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl", "--full")
        assert (code, out["created"], out["updated"], out["rekeyed"]) == (0, 0, 1, 1)
        assert {k: t.id for k, t in titles(db_url).items()} == {"4711": row_id}
        pages.pop(0)
        code, out = run_import_cli("koha-oai", server.url + "/cgi-bin/koha/oai.pl", "--full")
        assert (code, out["unchanged"]) == (0, 1) and "rekeyed" not in out


def test_inlislite_tries_marcxml_then_marc21(db_url):
    page = list_records([MARCXML_RECORD.format(n=7).replace("KOHA-OAI-TEST", "oai:inlis:cat")])

    def answer(path, query):
        prefix = query.get("metadataPrefix")
        if prefix == "marcxml":
            return 200, XML, oai_error("cannotDisseminateFormat")
        return 200, XML, page

    with serve(answer) as server:
        code, out = run_import_cli("inlislite-oai", server.url + "/opac/oai")
        prefixes = [q.get("metadataPrefix") for q in server.queries()]
    assert (code, out["created"]) == (0, 1)
    assert prefixes == ["marcxml", "marc21"]
    assert titles(db_url)["7"].source == "inlislite"
