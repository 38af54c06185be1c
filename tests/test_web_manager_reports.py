"""Manager pages: the dashboard, the full report with its CSV export and platform filter, and
the monthly evaluation — figures from engagement snapshots inserted as the sync keeps them."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from manager_kit import accounts as _accounts
from manager_kit import history as _history
from manager_kit import published as _published

from outreach.models import Delivery, Feedback, utcnow


def test_dashboard_shows_the_snapshot_figures_of_the_last_30_days(web):
    ids = _history(web)
    manager = web.client("manager")
    page = manager.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    # 3 posts in the last 30 days; interactions 73 (fb) + 31 (x) + 49 (ig) = 153.
    assert re.search(r"<strong>3</strong>\s*unggahan terbit", html)
    assert re.search(r"<strong>153</strong>\s*interaksi", html)
    facebook_row = re.search(r"<th scope=\"row\">Facebook</th>(.*?)</tr>", html, re.S).group(1)
    assert [c for c in re.findall(r'<td class="n">([^<]*)', facebook_row)][:9] == [
        "1", "900", "700", "61", "7", "5", "—", "12", "73"]
    assert "Lomba mewarnai untuk anak" in html and "Unggahan lama bulan lalu" not in html
    assert "https://example.org/facebook/" in html
    # The trend chart: inline SVG with a title for screen readers.
    assert re.search(r"<svg [^>]*role='img' aria-label='Interaksi per hari terbit'", html)
    assert "<title>Interaksi per hari terbit</title>" in html
    # A longer period takes in the older post.
    longer = manager.get("/dashboard?days=90").text
    assert re.search(r"<strong>4</strong>\s*unggahan terbit", longer)
    assert "Unggahan lama bulan lalu" in longer
    only_x = manager.get("/dashboard?platform=x").text
    assert re.search(r"<strong>31</strong>\s*interaksi", only_x)
    assert manager.get("/dashboard?platform=myspace").status_code == 400
    assert ids  # the deliveries exist


def test_reports_page_csv_export_and_platform_filter(web):
    ids = _history(web)
    manager = web.client("manager")
    tz = web.settings.tz
    start = (utcnow() - timedelta(days=30)).astimezone(tz).date().isoformat()
    end = utcnow().astimezone(tz).date().isoformat()
    page = manager.get(f"/reports?start={start}&end={end}")
    assert page.status_code == 200
    html = page.text
    for words in ("Per platform", "Unggahan per jenis dan templat", "Hari dan jam terbaik",
                  "Perbandingan templat", "Cakupan", "Gagal dan terlewat", "Masukan masyarakat"):
        assert words in html, words
    assert "acquisition/x.id.j2" in html and "Koleksi baru" in html
    assert html.count("<svg ") >= 4  # rates, trend, posts per day, heatmaps, templates

    export = manager.get(f"/reports/export.csv?start={start}&end={end}")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("text/csv")
    assert export.headers["content-disposition"].startswith("attachment; filename=")
    # The Indonesian page downloads the form Excel in Indonesian opens in columns.
    assert export.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    by_id = {int(r["ID"]): r for r in rows}
    assert set(by_id) == {ids["fb"], ids["x"], ids["ig"]}
    fb = by_id[ids["fb"]]
    assert (fb["Platform"], fb["Tayangan"], fb["Jangkauan"], fb["Suka"], fb["Interaksi"]) == (
        "facebook", "900", "700", "61", "73")
    assert fb["Tingkat interaksi"] == "0,104286" and fb["Dasar tingkat"] == "jangkauan"
    assert fb["Tentang"] == "Lomba mewarnai untuk anak"
    assert by_id[ids["x"]]["Disimpan"] == "2" and by_id[ids["x"]]["Jangkauan"] == ""
    assert f"/reports/export.csv?start={start}&amp;end={end}&amp;dialect=international" in html

    world = manager.get(f"/reports/export.csv?start={start}&end={end}&dialect=international")
    rows = list(csv.DictReader(io.StringIO(world.content.decode("utf-8-sig"))))
    fb = {int(r["id"]): r for r in rows}[ids["fb"]]
    assert float(fb["engagement_rate"]) == pytest.approx(73 / 700, abs=1e-6)
    assert manager.get("/reports/export.csv?dialect=excel").status_code == 400

    only = manager.get(f"/reports/export.csv?start={start}&end={end}&platform=instagram"
                       "&dialect=international")
    rows = list(csv.DictReader(io.StringIO(only.content.decode("utf-8-sig"))))
    assert [int(r["id"]) for r in rows] == [ids["ig"]]
    assert "-instagram" in only.headers["content-disposition"]
    filtered = manager.get(f"/reports?start={start}&end={end}&platform=instagram").text
    assert "Jam buka selama libur" in filtered and "Lomba mewarnai" not in filtered

    bad = manager.get("/reports?start=2026-13-01")
    assert bad.status_code == 400 and "Periode tidak dapat dibaca" in bad.text
    assert manager.get("/reports/export.csv?start=2026-12-01&end=2026-11-01").status_code == 400


def test_a_report_of_one_platform_counts_only_its_posts_problems_and_comments(web):
    from dataclasses import replace

    from outreach.reports import build_report, parse_period

    ids = _history(web)
    with web.session() as s:
        x = s.get(Delivery, ids["x"])
        s.add(Delivery(post_id=x.post_id, account_id=x.account_id, platform="x", text="gagal",
                       scheduled_at=utcnow() - timedelta(days=1), status="failed",
                       last_error="X refused the request (400)"))
        s.add(Feedback(delivery_id=ids["ig"], platform="instagram", remote_id="k1",
                       text="Apakah buka?", is_question=True,
                       created_at=utcnow() - timedelta(days=1)))
        s.commit()
    settings = web.settings
    tz = settings.tz
    everything = parse_period(
        settings, start=(utcnow() - timedelta(days=30)).astimezone(tz).date().isoformat(),
        end=utcnow().astimezone(tz).date().isoformat())
    with web.session() as s:
        whole = build_report(s, everything, settings)
        ig = build_report(s, replace(everything, platform="instagram"), settings)
    assert {p.platform for p in whole.platforms} == {"facebook", "x", "instagram"}
    assert whole.problems.counts["failed"] == 1 and whole.feedback.received == 1
    assert [p.platform for p in ig.platforms] == ["instagram"]
    assert [d.id for d in ig.deliveries] == [ids["ig"]]
    assert {t.platform for t in ig.timing} == {"instagram"}
    assert sum(d["posts"] for d in ig.daily) == 1
    assert ig.problems.counts["failed"] == 0 and ig.feedback.received == 1
    with web.session() as s:
        fb = build_report(s, replace(everything, platform="facebook"), settings)
    assert fb.feedback.received == 0 and fb.top_posts[0].id == ids["fb"]


def test_monthly_report_is_a_printable_page_in_bahasa_indonesia(web):
    accounts = _accounts(web)
    _published(web, accounts, "facebook", "Kelas menulis November",
               datetime(2026, 11, 10, 2, tzinfo=UTC), views=100, reach=90, likes=9,
               comments=1, shares=0)
    manager = web.client("manager")
    page = manager.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="id">' in html
    assert "<title>Laporan Evaluasi Media Sosial · November 2026" in html
    assert "<h1>Laporan Evaluasi Media Sosial</h1>" in html
    assert "Kelas menulis November" in html and "<th" in html
    assert manager.get("/reports/monthly?month=2026-13").status_code == 400


def test_monthly_evaluation_downloads_as_an_a4_pdf(web, pdf_engine):
    from pypdf import PdfReader

    accounts = _accounts(web)
    _published(web, accounts, "facebook", "Kelas menulis November",
               datetime(2026, 11, 10, 2, tzinfo=UTC), views=100, reach=90, likes=9,
               comments=1, shares=0)
    manager = web.client("manager")
    page = manager.get("/reports/monthly?month=2026-11").text
    assert '<a href="/reports/monthly.pdf?month=2026-11">Unduh PDF (A4)</a>' in page
    assert 'formaction="/reports/monthly.pdf"' in manager.get("/reports").text
    pdf = manager.get("/reports/monthly.pdf?month=2026-11")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="laporan-evaluasi-2026-11.pdf"' in pdf.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 1
    assert float(reader.pages[0].mediabox.width) == pytest.approx(595.3, abs=1)
    assert "Kelas menulis November" in reader.pages[0].extract_text() + "".join(
        p.extract_text() for p in reader.pages[1:])
    assert manager.get("/reports/monthly.pdf?month=2026-13").status_code == 400
    assert web.client("staff").get("/reports/monthly.pdf?month=2026-11").status_code in (
        302, 303, 403)


OLD_KIND_NAMES = ("Judul baru<", "Ringkasan judul baru", "Teks staf", "Acara komunitas",
                  "Pengingat acara", "Staff-written", "New title<", "New titles digest",
                  "Collection digest", "Staff text", "Community event", "Event reminder")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_kinds_of_post_have_one_name_on_every_page(web, lang):
    """The reports page, the templates list and editor and the catalogue name each kind of post
    with the words of the reports' one table (outreach.reports.words), in the page's language."""
    from outreach.models import Post, PostKind, Title
    from outreach.reports.words import kind_label

    _history(web)
    with web.session() as s:
        title = Title(source="marc", source_id="k1", title="Bumi Manusia", content_hash="h")
        s.add(title)
        s.flush()
        s.add(Post(kind="acquisition", title_id=title.id, text="Bumi Manusia"))
        s.add(Post(kind="digest", subject_title_ids=[title.id], text="Pekan ini"))
        s.commit()
        title_id = title.id
    manager = web.client("manager")
    if lang == "en":
        web.post(manager, "/lang", {"lang": "en", "next": "/"})
    other = "id" if lang == "en" else "en"
    pages = {
        "reports": (manager.get("/reports").text, ("acquisition", "event", "free")),
        "templates": (manager.get("/templates").text, tuple(PostKind)),
        "editor": (manager.get("/templates/reminder/x/id").text, ("reminder",)),
        "catalogue": (manager.get(f"/catalogue/{title_id}").text, ("acquisition", "digest")),
    }
    for name, (page, kinds) in pages.items():
        # what a person reads, without the template sources (their comments are English) and
        # a post's own words (the history's X post begins "Koleksi baru: ")
        page = re.sub(r"<(textarea|pre)\b.*?</\1>", " ", page, flags=re.S)
        page = page.replace("Koleksi baru: Laskar Pelangi", "")
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
        for kind in kinds:
            assert kind_label(kind, lang) in shown, (name, kind)
            # the words of the other language are not on the page
            assert kind_label(kind, other) not in shown, (name, kind)
        for old in OLD_KIND_NAMES:
            assert old not in page, (name, old)
    # the one table: the words the reports use, not a name of the page's own
    assert kind_label("acquisition", lang) == ("Koleksi baru" if lang == "id"
                                               else "New acquisitions")
    assert kind_label("free", lang) == ("Tulisan staf" if lang == "id" else "Staff post")
