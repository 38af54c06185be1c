"""Koha's OPAC new-titles feed (RSS 2.0 and Atom) over real HTTP and from a saved file."""

from __future__ import annotations

from datetime import UTC, datetime

from sources_kit import run_import_cli, serve
from sqlmodel import Session, select

from outreach.db import get_engine
from outreach.models import Title

OPAC = "https://koha.perpus.example/cgi-bin/koha"

RSS = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"
     xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <title>Koha Online Catalog Search for 'sort_by=acqdate_dsc'</title>
  <link>{OPAC}/opac-search.pl?q=&amp;sort_by=acqdate_dsc&amp;format=rss</link>
  <opensearch:totalResults>2</opensearch:totalResults>
  <item>
    <title>Belajar Koha : otomasi perpustakaan /</title>
    <dc:identifier>ISBN 9786020324784</dc:identifier>
    <link>{OPAC}/opac-detail.pl?biblionumber=321</link>
    <description><![CDATA[<img
      src="https://koha.perpus.example/cgi-bin/koha/opac-image.pl?thumbnail=1&amp;biblionumber=321"
      />
      <p>By Raharjo, Budi.<br />Mahakam Press, 2025.<br />ISBN 9786020324784</p>]]></description>
    <guid>{OPAC}/opac-detail.pl?biblionumber=321</guid>
    <pubDate>Mon, 02 Mar 2026 09:30:00 +0800</pubDate>
  </item>
  <item>
    <title>Sejarah Kutai</title>
    <link>{OPAC}/opac-detail.pl?biblionumber=320</link>
    <description>By Hadi, S. ISBN 0-596-00108-8</description>
  </item>
  <item><description>an item without a title</description>
    <link>{OPAC}/opac-detail.pl?biblionumber=1</link></item>
</channel>
</rss>
"""

ATOM = f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>New titles</title>
  <id>{OPAC}/opac-search.pl?format=atom</id>
  <updated>2026-03-02T10:00:00Z</updated>
  <entry>
    <title>Cerita Rakyat Kutai</title>
    <id>{OPAC}/opac-detail.pl?biblionumber=77</id>
    <link rel="alternate" href="{OPAC}/opac-detail.pl?biblionumber=77"/>
    <author><name>Tim Penyusun</name></author>
    <updated>2026-02-28T02:00:00Z</updated>
    <summary>Kumpulan cerita rakyat.</summary>
  </entry>
</feed>
"""


def titles(db_url: str) -> dict[str, Title]:
    with Session(get_engine(db_url)) as session:
        return {t.source_id: t for t in session.exec(select(Title))}


def test_rss_feed_over_http(db_url):
    with serve(lambda p, q: (200, "application/rss+xml", RSS.encode())) as server:
        url = server.url + "/cgi-bin/koha/opac-search.pl?q=&sort_by=acqdate_dsc&format=rss"
        code, out = run_import_cli("koha-rss", url)
        assert code == 1 and out["created"] == 2
        assert out["errors"] == [{"where": "item 3", "message": "the item has no title"}]
        rows = titles(db_url)
        koha = rows["321"]  # the biblionumber: the same identity as koha-oai's
        assert (koha.source, koha.title, koha.subtitle) == ("koha", "Belajar Koha",
                                                             "otomasi perpustakaan")
        assert koha.isbn == "9786020324784" and koha.authors == ["Raharjo, Budi"]
        assert koha.opac_url == f"{OPAC}/opac-detail.pl?biblionumber=321"
        assert koha.cover_url.startswith("https://koha.perpus.example/cgi-bin/koha/opac-image")
        assert koha.catalogued_at == datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
        # No date in the feed: dated when first seen (being listed is the news), and kept.
        undated = rows["320"]
        assert undated.catalogued_at == undated.first_seen_at
        assert undated.isbn == "9780596001087"
        code, out = run_import_cli("koha-rss", url)
        assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 2)
        assert titles(db_url)["320"].catalogued_at == undated.catalogued_at


def test_atom_feed_from_a_saved_file(db_url, tmp_path):
    path = tmp_path / "baru.atom"
    path.write_text(ATOM, encoding="utf-8")
    code, out = run_import_cli("koha-rss", str(path))
    assert (code, out["created"]) == (0, 1), out
    row = titles(db_url)["77"]
    assert row.authors == ["Tim Penyusun"] and row.summary == "Kumpulan cerita rakyat."
    assert row.catalogued_at == datetime(2026, 2, 28, 2, 0, tzinfo=UTC)


def test_not_a_feed_is_exit_2(db_url, tmp_path):
    with serve(lambda p, q: (200, "text/html", b"<html><body>Koha</body></html>")) as server:
        code, out = run_import_cli("koha-rss", server.url + "/opac-search.pl")
    assert code == 2 and "not an RSS or Atom feed" in out["errors"][-1]["message"]
    broken = tmp_path / "cut.rss"
    broken.write_text(RSS[: RSS.index("<item>", RSS.index("<item>") + 1) + 30], encoding="utf-8")
    code, out = run_import_cli("koha-rss", str(broken))
    assert code == 1 and out["created"] == 1  # what came before the break is kept
    assert "broken" in out["errors"][-1]["message"]


def test_isbd_description_is_no_summary_and_titles_lose_isbd_punctuation(db_url, tmp_path):
    # Koha's RSS item description is the record's ISBD areas; the Atom title keeps " :".
    feed = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Baru</title>
  <item><title>Pengantar ilmu perpustakaan :</title>
    <link>https://koha.example/cgi-bin/koha/opac-detail.pl?biblionumber=7</link>
    <description>By Sulistyo-Basuki.. Jakarta : Gramedia, c1988. . ix, 173 p. ; 22 cm.. ISBN :
    </description></item>
  <item><title>Kamus [Indonesia-Inggris /</title>
    <link>https://koha.example/cgi-bin/koha/opac-detail.pl?biblionumber=8</link>
    <dc:description>Kamus untuk pelajar sekolah menengah.</dc:description></item>
</channel></rss>"""
    path = tmp_path / "baru.rss"
    path.write_text(feed, encoding="utf-8")
    code, out = run_import_cli("koha-rss", str(path))
    assert (code, out["created"]) == (0, 2), out
    rows = titles(db_url)
    assert (rows["7"].title, rows["7"].summary) == ("Pengantar ilmu perpustakaan", None)
    assert rows["7"].authors == ["Sulistyo-Basuki"]
    assert rows["8"].title == "Kamus Indonesia-Inggris"
    assert rows["8"].summary == "Kamus untuk pelajar sekolah menengah."
    code, out = run_import_cli("koha-rss", str(path))
    assert (out["created"], out["updated"], out["unchanged"]) == (0, 0, 2)
