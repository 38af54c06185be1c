"""Reports that are right, on crafted histories: each delivery credited to its own template,
posts named by their subject, no "best time" from one slot, scheduled titles not counted as
forgotten, findings only from differences the numbers support; the CSV in the Indonesian form
read back as Excel in Indonesian reads it; the monthly evaluation as an A4 PDF."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from outreach.cli import app
from outreach.config import load_settings
from outreach.db import get_engine
from outreach.engagement.sync import figures
from outreach.models import Account, Delivery, EngagementSnapshot, Event, Post, Title
from outreach.reports import build_report, parse_period
from outreach.reports.evidence import MIN_CELL_POSTS
from outreach.reports.findings import findings
from outreach.reports.render import to_html

runner = CliRunner()
NOV = datetime(2026, 11, 2, 1, tzinfo=UTC)  # Monday 2 November 2026, 09.00 WITA


class History:
    """A library's accounts and a way to add published, measured deliveries."""

    def __init__(self, url: str):
        self.url = url
        self.session = Session(get_engine(url), expire_on_commit=False)
        self.accounts = {}
        for p in ("x", "facebook", "instagram"):
            a = Account(platform=p, external_id=f"{p}-1", name=f"Perpus {p}")
            self.session.add(a)
            self.session.flush()
            self.accounts[p] = a.id

    def post(self, **values) -> Post:
        post = Post(**{"kind": "free", "author": "test", **values})
        self.session.add(post)
        self.session.flush()
        return post

    def delivery(self, post: Post, platform: str, at: datetime, *, status="published",
                 template: str | None = None, base: int | None = 1000,
                 interactions: int | None = 10, text: str = "📚 Koleksi baru di perpustakaan"
                 ) -> Delivery:
        published = status == "published"
        d = Delivery(post_id=post.id, account_id=self.accounts[platform], platform=platform,
                     template=template, text=text, scheduled_at=at, status=status,
                     published_at=at if published else None,
                     remote_id=f"r{post.id}-{platform}-{at:%d%H%M}" if published else None,
                     remote_url=f"https://example.org/{platform}/{post.id}" if published
                     else None)
        self.session.add(d)
        self.session.flush()
        if published and interactions is not None:
            metrics = {"likes": interactions, "comments": 0, "shares": 0,
                       **({"reach": base, "views": base * 2} if platform != "x"
                          else {"views": base})}
            snap = EngagementSnapshot(delivery_id=d.id, taken_at=at + timedelta(days=1),
                                      **metrics)
            self.session.add(snap)
            self.session.flush()
            kept = figures(metrics)
            d.last_snapshot_id, d.last_interactions, d.last_base = snap.id, kept["inter"], \
                kept["base"]
        return d

    def report(self, locale: str = "id", month: str = "2026-11"):
        self.session.commit()
        settings = load_settings(database_url=self.url, locale=locale)
        with Session(get_engine(self.url)) as session:
            return build_report(session, parse_period(settings, month=month), settings,
                                now=datetime(2026, 12, 3, tzinfo=UTC)), settings


def test_each_delivery_is_credited_to_its_own_template(db_url):
    h = History(db_url)
    titles = []
    for i in range(3):
        t = Title(source="marc", source_id=f"t{i}", title=f"Judul {i}", content_hash="h",
                  catalogued_at=NOV)
        h.session.add(t)
        titles.append(t)
    h.session.flush()
    for i, t in enumerate(titles):
        # What the planner kept on the post before: the last platform's template only.
        post = h.post(kind="acquisition", template="acquisition/instagram.id.j2", title_id=t.id)
        at = NOV + timedelta(days=i)
        h.delivery(post, "facebook", at, template="acquisition/facebook.id.j2", interactions=50)
        h.delivery(post, "x", at, template="acquisition/x.id.j2", interactions=5)
        h.delivery(post, "instagram", at, template="acquisition/instagram.id.j2",
                   interactions=20)
    report, _ = h.report()
    rows = {(t.platform, t.template): t for t in report.templates}
    assert set(rows) == {("facebook", "acquisition/facebook.id.j2"),
                         ("x", "acquisition/x.id.j2"),
                         ("instagram", "acquisition/instagram.id.j2")}
    assert rows[("instagram", "acquisition/instagram.id.j2")].posts == 3
    assert rows[("instagram", "acquisition/instagram.id.j2")].rate == pytest.approx(0.02)
    assert rows[("facebook", "acquisition/facebook.id.j2")].rate == pytest.approx(0.05)
    assert {r["template"] for r in report.posts_by} == {t for _, t in rows}
    # Every new-title post begins with the same words: the list names the title instead.
    assert {r.subject for r in report.top_posts} == {"Judul 0", "Judul 1", "Judul 2"}
    assert all(r.remote_url.startswith("https://example.org/") for r in report.top_posts)


def test_the_migration_gives_old_deliveries_their_platforms_template(tmp_path):
    import sqlalchemy as sa
    from alembic import command

    from outreach.db import alembic_config, init_db

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = get_engine(url)

    def insert(conn, table_name: str, **values) -> None:
        """A row as the schema of 0005 wants it (required columns filled in)."""
        table = sa.Table(table_name, sa.MetaData(), autoload_with=conn)
        for column in table.columns:
            if column.name in values or column.nullable or column.primary_key:
                continue
            kind = str(column.type).upper()
            values[column.name] = (0 if "INT" in kind or "BOOL" in kind else
                                   datetime(2026, 11, 1, tzinfo=UTC) if "DATE" in kind else
                                   "{}" if column.name == "remote_extra" else
                                   "[]" if "JSON" in kind else "x")
        conn.execute(table.insert().values(**values))

    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006_session_generation")
        insert(conn, "account", id=1, platform="x", external_id="1", name="a")
        insert(conn, "post", id=1, kind="acquisition", template="acquisition/instagram.en.j2")
        insert(conn, "post", id=2, kind="free", template=None)
        for d_id, post_id, platform in ((1, 1, "facebook"), (2, 1, "x"), (3, 1, "instagram"),
                                        (4, 2, "x")):
            insert(conn, "delivery", id=d_id, post_id=post_id, account_id=1, platform=platform,
                   media="[]", alt_text="[]")
    init_db(url)  # every migration from there on, 0007 among them
    with engine.connect() as conn:
        found = dict(conn.execute(sa.text("SELECT id, template FROM delivery")).all())
    assert found == {1: "acquisition/facebook.en.j2", 2: "acquisition/x.en.j2",
                     3: "acquisition/instagram.en.j2", 4: None}


def test_a_one_slot_history_names_no_best_day_or_hour(db_url):
    h = History(db_url)
    for i in range(30):  # every post on a Monday at 09.00, a week apart
        h.delivery(h.post(text=f"Unggahan {i}"), "facebook",
                   NOV - timedelta(weeks=i), interactions=10 + i)
    report, settings = h.report()
    fb = report.timing[0]
    assert fb.weekdays[0].measured == 30 and fb.hours[9].measured == 30
    html = to_html(report, settings)
    assert "belum cukup data (1 hari dengan sedikitnya 5 unggahan terukur; perlu 3)" in html
    assert not [line for line in findings(report) if "paling banyak ditanggapi" in line]
    from outreach.reports.render import to_json

    best = to_json(report, settings)["summary"]["timing"][0]["best"]
    assert best["weekdays"]["enough"] is False and best["weekdays"]["winner"] is None
    assert best["weekdays"]["ranked"][0]["measured"] == 30


def test_a_best_day_needs_enough_posts_in_several_days(db_url):
    h = History(db_url)
    # Monday, Tuesday and Wednesday at 09.00, 10.00 and 11.00, five posts each; Saturday one
    # post with a huge rate, which is not evidence.
    for day, hour, likes in ((0, 0, 10), (1, 1, 40), (2, 2, 20)):
        for week in range(MIN_CELL_POSTS):
            h.delivery(h.post(text="x"), "facebook",
                       NOV + timedelta(days=day, hours=hour) - timedelta(weeks=week),
                       interactions=likes)
    h.delivery(h.post(text="sekali"), "facebook", NOV + timedelta(days=5, hours=11),
               interactions=900)  # Saturday 20.00
    report, settings = h.report()
    text = " ".join(findings(report))
    assert "Di Facebook, unggahan hari Selasa (4,0%, 5 unggahan terukur) dan sekitar pukul " \
           "10.00 (4,0%, 5 unggahan terukur) paling banyak ditanggapi." in text
    html = to_html(report, settings)
    assert "Selasa 4,0% (n=5), Rabu 2,0% (n=5), Senin 1,0% (n=5)" in html
    english = findings(h.report(locale="en")[0], "en")
    assert any(line.startswith("On Facebook, posts on Tuesday (4.0%, 5 measured posts)")
               for line in english)


def test_scheduled_titles_are_not_counted_as_forgotten(db_url):
    h = History(db_url)
    names = ("Diumumkan", "Dijadwalkan", "Dalam rangkuman", "Gagal saja", "Terlupa")
    titles = {}
    for i, name in enumerate(names):
        t = Title(source="marc", source_id=str(i), title=name, content_hash="h",
                  catalogued_at=NOV + timedelta(days=i))
        h.session.add(t)
        h.session.flush()
        titles[name] = t
    h.delivery(h.post(kind="acquisition", title_id=titles["Diumumkan"].id), "x", NOV)
    h.delivery(h.post(kind="acquisition", title_id=titles["Dijadwalkan"].id), "x",
               NOV + timedelta(days=40), status="scheduled")
    h.delivery(h.post(kind="digest", subject_title_ids=[titles["Dalam rangkuman"].id]),
               "facebook", NOV + timedelta(days=35), status="pending_review")
    h.delivery(h.post(kind="acquisition", title_id=titles["Gagal saja"].id), "x",
               NOV + timedelta(days=3), status="failed")
    events = [Event(source="ics", source_id=f"e{i}", title=f"Acara {i}", content_hash="h",
                    starts_at=NOV + timedelta(days=20 + i)) for i in range(2)]
    h.session.add_all(events)
    h.session.flush()
    h.delivery(h.post(kind="event", event_id=events[0].id), "instagram", NOV + timedelta(days=19),
               status="held")
    report, settings = h.report()
    cov = report.coverage
    assert (cov.titles_new, cov.titles_announced, cov.titles_scheduled,
            cov.titles_unplanned) == (5, 1, 2, 2)
    assert [t["title"] for t in cov.titles_missed] == ["Terlupa", "Gagal saja"]
    assert (cov.events_new, cov.events_announced, cov.events_scheduled,
            cov.events_unplanned) == (2, 0, 1, 1)
    assert [e["title"] for e in cov.events_missed] == ["Acara 1"]
    said = findings(report)
    assert "4 judul baru belum diumumkan: 2 sudah dijadwalkan, 2 belum direncanakan sama " \
           "sekali." in said
    html = to_html(report, settings)
    assert "Sudah diumumkan 1 (20,0%), sudah dijadwalkan 2, belum direncanakan 2." in html


@pytest.mark.parametrize(("posts", "ig_likes", "claimed"), [
    (3, 50, False),  # too few posts on each side
    (12, 90, False),  # 9% against 10%: within the threshold
    (12, 50, True),  # 10% against 5%, twelve posts each
])
def test_findings_claim_only_differences_the_numbers_support(db_url, posts, ig_likes, claimed):
    h = History(db_url)
    for i in range(posts):
        at = NOV + timedelta(days=i, hours=i % 5)
        h.delivery(h.post(text="a"), "facebook", at, interactions=100, base=1000)
        h.delivery(h.post(text="b"), "instagram", at, interactions=ig_likes, base=1000)
        h.delivery(h.post(text="c"), "x", at, interactions=1, base=1000)  # per view: apart
    report, _ = h.report()
    said = [line for line in findings(report) if line.startswith("Tingkat interaksi di")]
    expected = (f"Tingkat interaksi di Facebook (10,0%, {posts} unggahan terukur) lebih tinggi "
                f"daripada di Instagram (5,0%, {posts} unggahan terukur), keduanya dihitung per "
                "jangkauan.")
    assert said == ([expected] if claimed else [])
    assert "X" not in " ".join(said)


def test_csv_in_the_indonesian_form_reads_back_in_excels_dialect(db_url, tmp_path, monkeypatch):
    h = History(db_url)
    h.delivery(h.post(text="=HYPERLINK(\"http://evil\")"), "facebook", NOV, interactions=73,
               base=700, text="=HYPERLINK(\"http://evil\") lalu teks")
    h.delivery(h.post(text="Jam buka; libur"), "x", NOV + timedelta(days=1), interactions=None)
    h.session.commit()
    out = tmp_path / "laporan.csv"
    result = runner.invoke(app, ["report", "--month", "2026-11", "--format", "csv", "-o",
                                 str(out)])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw.startswith(b"\xef\xbb\xbf" * 2)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0])[:7] == ["ID", "Platform", "Akun", "Jenis", "Templat", "Tentang",
                                 "Waktu terbit"]
    fb, x = rows
    assert fb["Tingkat interaksi"] == "0,104286" and fb["Interaksi"] == "73"
    assert fb["Waktu terbit"] == "2026-11-02 09:00" and fb["Jenis"] == "Tulisan staf"
    # A text cell a spreadsheet would run as a formula is kept as text; numbers stay numbers.
    assert fb["Teks"].startswith("'=HYPERLINK") and fb["Tentang"].startswith("'=HYPERLINK")
    assert x["Tentang"] == "Jam buka; libur" and x["Tingkat interaksi"] == ""
    # The international form, for scripts: commas, a decimal point, the old column names.
    result = runner.invoke(app, ["report", "--month", "2026-11", "--format", "csv",
                                 "--csv-dialect", "international"])
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows[0]["engagement_rate"] == "0.104286" and rows[0]["published_at"].endswith("+08:00")
    # An English installation writes the international form unless told otherwise.
    monkeypatch.setenv("OUTREACH_LOCALE", "en")
    result = runner.invoke(app, ["report", "--month", "2026-11", "--format", "csv"])
    assert result.output.startswith("id,platform,account,")


def test_the_monthly_evaluation_as_an_a4_pdf(db_url, tmp_path, pdf_engine):
    from pypdf import PdfReader

    h = History(db_url)
    t = Title(source="marc", source_id="1", title="Laskar Pelangi", content_hash="h",
              catalogued_at=NOV)
    h.session.add(t)
    h.session.flush()
    for i in range(40):  # enough rows for more than one page
        post = h.post(kind="acquisition", title_id=t.id) if i == 0 else h.post(text=f"Info {i}")
        h.delivery(post, ("facebook", "x", "instagram")[i % 3], NOV + timedelta(hours=7 * i),
                   interactions=100 - i)
    h.session.commit()
    out = tmp_path / "laporan.pdf"
    result = runner.invoke(app, ["report", "--month", "2026-11", "--format", "pdf", "-o",
                                 str(out)])
    assert result.exit_code == 0, result.output
    reader = PdfReader(str(out))
    assert 2 <= len(reader.pages) <= 8
    for page in reader.pages:  # A4: 210 × 297 mm = 595 × 842 points
        assert float(page.mediabox.width) == pytest.approx(595.3, abs=1)
        assert float(page.mediabox.height) == pytest.approx(841.9, abs=1)
    text = " ".join(page.extract_text() for page in reader.pages)
    for words in ("Laporan Evaluasi Media Sosial", "November 2026", "Laskar Pelangi",
                  "Cakupan", "https://example.org/"):
        assert words in text, words
    assert "Download PDF" not in text and "Unduh PDF" not in text  # the page's link only


def test_the_monthly_evaluation_is_in_one_language(db_url):
    """English asked for: the body (table heads, notes, charts, kinds, statuses, figures) is
    English, with none of the Indonesian body text; Indonesian keeps none of the English."""
    import re
    from html import unescape

    h = History(db_url)
    for i in range(6):
        h.delivery(h.post(text=f"Lomba {i}", kind="acquisition"), "facebook",
                   NOV - timedelta(days=i), template="acquisition/facebook.j2",
                   interactions=10 + i, text=f"Lomba {i}")
    visible = re.compile(r"<style>.*?</style>|<[^>]+>", re.S)
    english = unescape(visible.sub(" ", to_html(*h.report(locale="en"))))
    for said in ("Made ", "Comments received:", "Engagement rate per platform", "Posts per day",
                 "From the library's own history", "Interactions = likes", "Published",
                 "Monday", "New acquisitions"):
        assert said in english, said
    for indonesian in ("Dibuat", "Komentar masuk", "unggahan", "Tingkat", "Unggahan", "Jenis",
                       "Alasan", "jangkauan", "Senin", "Koleksi baru", "Catatan"):
        assert indonesian not in english, indonesian
    indonesian = unescape(visible.sub(" ", to_html(*h.report())))
    assert "Komentar masuk:" in indonesian and "Koleksi baru" in indonesian
    for said in ("Made ", "Comments received", "Posts per day", "Published"):
        assert said not in indonesian, said
    # the kind of post in words, not its code (the template's own name keeps its path)
    assert "<td>New acquisitions</td>" in to_html(*h.report(locale="en"))
    assert "<td>Koleksi baru</td>" in to_html(*h.report())
