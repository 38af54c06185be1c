"""Reports for managers, on a small library history whose figures are known: the period follows
the library's time zone, rates use reach where it exists, best times carry their evidence, and
coverage, problems and feedback say what was missed. SQLite and PostgreSQL agree."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.config import load_settings
from outreach.db import get_engine, init_db
from outreach.engagement.sync import figures
from outreach.models import (
    Account,
    Delivery,
    EngagementSnapshot,
    Event,
    Feedback,
    Post,
    Title,
)
from outreach.platforms.reasons import reason
from outreach.reports import PeriodError, build_report, parse_period, render
from outreach.reports.period import period_label
from outreach.reports.render import to_csv

runner = CliRunner()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _snap(session, d: Delivery, at: datetime, **metrics) -> None:
    """A reading of the metrics, kept as the sync keeps it."""
    s = EngagementSnapshot(delivery_id=d.id, taken_at=at, **metrics)
    session.add(s)
    session.flush()
    kept = figures(metrics)
    d.last_snapshot_id, d.last_interactions, d.last_base = s.id, kept["inter"], kept["base"]
    session.add(d)


def history(url: str) -> dict[str, int]:
    """November 2026 at the library (WITA = UTC+8), and a little around it."""
    with Session(get_engine(url), expire_on_commit=False) as session:
        accounts = {p: Account(platform=p, external_id=f"{p}-1", name=f"Perpus {p}")
                    for p in ("x", "facebook", "instagram")}
        session.add_all(accounts.values())
        titles = [Title(source="marc", source_id=str(i), title=name, catalogued_at=when,
                        content_hash="h") for i, (name, when) in enumerate([
                            ("Laskar Pelangi", utc(2026, 11, 2)),
                            ("Bumi Manusia", utc(2026, 11, 3)),
                            ("Cantik Itu Luka", utc(2026, 11, 20)),
                            ("Ronggeng Dukuh Paruk", utc(2026, 11, 25)),
                            ("Oktober saja", utc(2026, 10, 15))])]
        events = [Event(source="ics", source_id="e1", title="Kelas menulis", content_hash="h",
                        starts_at=utc(2026, 11, 14, 1), kind="workshop"),
                  Event(source="ics", source_id="e2", title="Dongeng anak", content_hash="h",
                        starts_at=utc(2026, 11, 21, 1), kind="community")]
        session.add_all(titles + events)
        session.flush()
        posts = {
            "acq": Post(kind="acquisition", template="acquisition/facebook.id.j2",
                        title_id=titles[0].id),
            "event": Post(kind="event", template="event/facebook.id.j2", event_id=events[0].id),
            "digest": Post(kind="digest", template="digest/x.id.j2",
                           subject_title_ids=[titles[1].id, titles[4].id]),
            "free": Post(kind="free", template="free/instagram.id.j2", text="Libur"),
        }
        session.add_all(posts.values())
        session.flush()

        def delivery(post, platform, published, status="published", **kw) -> Delivery:
            folder = posts[post].template.split("/")[0]  # each platform its own template
            d = Delivery(post_id=posts[post].id, account_id=accounts[platform].id,
                         platform=platform, text=f"{post} on {platform}",
                         template=f"{folder}/{platform}.id.j2",
                         scheduled_at=published, published_at=published
                         if status == "published" else None, status=status,
                         remote_id=f"r-{post}-{platform}-{published:%d%H}"
                         if status == "published" else None,
                         remote_url=f"https://example.org/{post}", **kw)
            session.add(d)
            session.flush()
            return d

        ids = {}
        d1 = delivery("acq", "facebook", utc(2026, 11, 7, 1, 30))  # Sabtu 09.30 WITA
        _snap(session, d1, utc(2026, 11, 7, 3), views=100, reach=90, likes=1, comments=0,
              shares=0, clicks=1)  # an older reading: never counted
        _snap(session, d1, utc(2026, 11, 20), views=1000, reach=800, likes=40, comments=5,
              shares=3, clicks=20)
        d2 = delivery("event", "facebook", utc(2026, 11, 9, 4))  # Senin 12.00 WITA
        _snap(session, d2, utc(2026, 11, 20), views=500, reach=400, likes=10, comments=2,
              shares=0, clicks=4)
        d3 = delivery("digest", "x", utc(2026, 11, 10, 1))
        _snap(session, d3, utc(2026, 11, 20), views=2000, likes=30, comments=1, shares=4,
              saves=2, clicks=9)
        d4 = delivery("free", "instagram", utc(2026, 11, 30, 16, 30))  # 1 Desember WITA
        _snap(session, d4, utc(2026, 12, 2), views=50, reach=40, likes=9, comments=0, shares=0,
              saves=1)
        d5 = delivery("free", "instagram", utc(2026, 10, 31, 16, 30))  # 1 November WITA
        _snap(session, d5, utc(2026, 11, 2), views=300, reach=200, likes=20, comments=3,
              shares=1, saves=6)
        d6 = delivery("free", "x", utc(2026, 11, 28, 2))  # no reading yet
        delivery("acq", "x", utc(2026, 11, 12, 1), status="failed",
                 last_error="X refused the request (400): media is bad")
        delivery("event", "instagram", utc(2026, 11, 13, 1), status="missed",
                 last_error="Not published within 6 hours of its time.")
        for number, (text, question, status, made, handled) in enumerate([
                ("Apakah buku ini bisa dipinjam hari Sabtu?", True, "answered",
                 utc(2026, 11, 8, 1), utc(2026, 11, 8, 3)),
                ("Jam berapa buka hari Minggu?", True, "new", utc(2026, 11, 9, 5), None),
                ("Mantap!", False, "not_relevant", utc(2026, 11, 9, 6), utc(2026, 11, 9, 7))]):
            session.add(Feedback(delivery_id=d1.id, platform="facebook",
                                 remote_id=f"c{number}", text=text, created_at=made,
                                 is_question=question, status=status, handled_at=handled,
                                 handled_by="staf" if handled else None))
        session.commit()
        ids = {"d1": d1.id, "d2": d2.id, "d3": d3.id, "d4": d4.id, "d5": d5.id, "d6": d6.id}
    return ids


def november(url: str):
    settings = load_settings(database_url=url)
    period = parse_period(settings, month="2026-11")
    with Session(get_engine(url)) as session:
        return build_report(session, period, settings, now=utc(2026, 12, 3)), settings


def check_november(url: str) -> None:
    ids = history(url)
    report, settings = november(url)
    assert sorted(r.id for r in report.deliveries) == sorted(
        ids[k] for k in ("d1", "d2", "d3", "d5", "d6"))  # d4 was 1 December in Bontang
    by = {p.platform: p for p in report.platforms}
    assert {k: v.posts for k, v in by.items()} == {"facebook": 2, "instagram": 1, "x": 2}
    fb = by["facebook"]
    assert fb.totals == {"views": 1500, "reach": 1200, "likes": 50, "comments": 7, "shares": 3,
                         "saves": None, "clicks": 24}
    assert fb.rate == pytest.approx((40 + 5 + 3 + 10 + 2) / 1200) and fb.rate_base == "reach"
    x = by["x"]
    assert x.measured == 1 and x.rate == pytest.approx(37 / 2000) and x.rate_base == "views"
    assert by["instagram"].rate == pytest.approx(30 / 200)
    assert [r.id for r in report.top_posts] == [ids["d1"], ids["d3"], ids["d5"], ids["d2"]]
    assert report.top_posts[0].interactions == 48
    timing = {t.platform: t for t in report.timing}
    saturday, monday = 5, 0
    assert timing["facebook"].grid[saturday][9].posts == 1  # 01.30 UTC is 09.30 WITA
    assert timing["facebook"].grid[monday][12].posts == 1
    assert timing["facebook"].weekdays[saturday].rate == pytest.approx(48 / 800)
    assert timing["x"].hours[10].posts == 1 and timing["x"].hours[10].measured == 0
    rows = {(t.kind, t.platform): t for t in report.templates}
    assert rows[("acquisition", "facebook")].rate == pytest.approx(48 / 800)
    cov = report.coverage
    assert (cov.titles_new, cov.titles_announced) == (4, 2)
    assert [t["title"] for t in cov.titles_missed] == ["Ronggeng Dukuh Paruk", "Cantik Itu Luka"]
    assert (cov.events_new, cov.events_announced) == (2, 1)
    assert [e["title"] for e in cov.events_missed] == ["Dongeng anak"]
    assert report.problems.counts["failed"] == 1 and report.problems.counts["missed"] == 1
    assert {i["status"] for i in report.problems.items} == {"failed", "missed"}
    assert "media is bad" in report.problems.items[0]["error"]
    fbk = report.feedback
    assert (fbk.received, fbk.questions, fbk.answered, fbk.open_questions) == (3, 2, 1, 1)
    assert fbk.median_response_hours == pytest.approx(2.0)
    assert {d["date"]: d["posts"] for d in report.daily}["2026-11-01"] == 1


def test_november_on_sqlite(db_url):
    check_november(db_url)


def test_november_on_postgresql(pg_url):
    init_db(pg_url)
    check_november(pg_url)


def test_renderings(db_url):
    history(db_url)
    report, settings = november(db_url)
    data = json.loads(render(report, "json", settings))
    assert set(data["totals"]) == {"facebook", "instagram", "x"}
    for d in data["deliveries"]:
        assert {"id", "platform", "remote_id", "metrics"} <= set(d)
        assert set(d["metrics"]) == {"views", "reach", "likes", "comments", "shares", "saves",
                                     "clicks"}
    assert data["period"]["start"] == "2026-11-01T00:00:00+08:00"
    rows = list(csv.DictReader(io.StringIO(to_csv(report, settings, "international"))))
    assert len(rows) == 5 and rows[0]["published_at"].endswith("+08:00")
    assert {r["views"] for r in rows if r["platform"] == "x"} == {"2000", ""}
    text = render(report, "table", settings)
    assert "Per platform" in text and "November 2026" in text and "Cantik" not in text
    html = render(report, "html", settings)
    assert "Laporan Evaluasi Media Sosial" in html and "November 2026" in html
    assert "<script" not in html and not re.search(r"<link|src=\"http", html)
    svgs = re.findall(r"<svg.*?</svg>", html, flags=re.S)
    assert len(svgs) >= 4
    for svg in svgs:
        ET.fromstring(svg)  # well-formed
    assert "Cantik Itu Luka" in html and "pertanyaan dari masyarakat belum dijawab" in html
    assert "Minggu" in html  # the heat map's rows


def test_cli_report_periods_and_files(db_url, tmp_path):
    history(db_url)
    result = runner.invoke(app, ["report", "--month", "2026-11", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["deliveries"]) == 5
    out = tmp_path / "laporan.html"
    result = runner.invoke(app, ["report", "--month", "2026-11", "--format", "html", "-o",
                                 str(out)])
    assert result.exit_code == 0 and out.read_text(encoding="utf-8").startswith("<!doctype")
    result = runner.invoke(app, ["report", "--format", "csv", "-o", str(tmp_path / "a.csv")])
    assert (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # opens in Excel
    assert not (tmp_path / "a.csv").read_bytes().startswith(b"\xef\xbb\xbf" * 2)
    for args, words in ((["--month", "2026-13"], "2026-11"), (["--format", "docx"], "html"),
                        (["--format", "pdf"], "-o"),
                        (["--format", "csv", "--csv-dialect", "excel"], "international"),
                        (["--from", "2026-11-30", "--to", "2026-11-01"], "before"),
                        (["-o", str(tmp_path / "no" / "x.csv")], "does not exist")):
        result = runner.invoke(app, ["report", *args])
        said = " ".join(result.output.split())  # the console wraps long lines
        assert result.exit_code == 2 and words in said, said
        assert "Traceback" not in result.output


def test_periods_follow_the_library_time_zone():
    settings = load_settings()
    p = parse_period(settings, month="2026-11")
    assert p.start == utc(2026, 10, 31, 16) and p.end == utc(2026, 11, 30, 16)
    assert p.label == "November 2026"
    p = parse_period(settings, start="2026-11-01", end="2026-11-15")
    assert p.end == utc(2026, 11, 15, 16)
    # in words in the report's language (the JSON's label stays Indonesian)
    august = parse_period(settings, month="2026-08")
    assert august.label == period_label(august, settings, "id") == "Agustus 2026"
    assert period_label(august, settings, "en") == "August 2026"
    assert period_label(p, settings, "en") == "1 November 2026 – 15 November 2026"
    assert period_label(parse_period(settings, end="2026-11-15"), settings, "id") == \
        "awal – 15 November 2026"
    assert period_label(parse_period(settings), settings, "en") == "All history"
    p = parse_period(settings, last_month=True, now=utc(2027, 1, 10))
    assert p.key == "2026-12"
    assert parse_period(settings).start is None
    with pytest.raises(PeriodError):
        parse_period(settings, month="2026-11", start="2026-11-01")
    with pytest.raises(PeriodError):
        parse_period(settings, start="kemarin")


def test_an_empty_database_gives_an_empty_report(db_url):
    settings = load_settings()
    with Session(get_engine(db_url)) as session:
        report = build_report(session, parse_period(settings), settings)
    data = json.loads(render(report, "json", settings))
    assert data["totals"] == {} and data["deliveries"] == []
    assert "Tidak ada unggahan" in render(report, "html", settings)
    assert to_csv(report, settings).count("\n") == 1


def test_old_history_counts_for_best_times_but_not_for_the_month(db_url):
    history(db_url)
    with Session(get_engine(db_url)) as session:
        post = Post(kind="free", template="free/x.id.j2", text="lama")
        session.add(post)
        session.flush()
        account = session.get(Account, 1)
        d = Delivery(post_id=post.id, account_id=account.id, platform=account.platform,
                     text="lama", scheduled_at=utc(2026, 6, 6, 1),
                     published_at=utc(2026, 6, 6, 1),
                     status="published", remote_id="r-old")
        session.add(d)
        session.flush()
        _snap(session, d, utc(2026, 6, 8), views=900, likes=9, comments=0, shares=0, saves=0)
        session.commit()
    report, _ = november(db_url)
    assert "r-old" not in {r.remote_id for r in report.deliveries}
    timing = {t.platform: t for t in report.timing}
    # Saturday 6 June 2026, 09.00 WITA, beside 28 November (Saturday too, not measured yet).
    saturday = timing["x"].weekdays[5]
    assert (saturday.posts, saturday.measured, saturday.interactions) == (2, 1, 9)
    assert timing["x"].grid[5][9].posts == 1
    assert timing["x"].since <= utc(2026, 6, 6) and timing["x"].until == utc(2026, 11, 30, 16)
    assert timedelta(days=364) < timing["x"].until - timing["x"].since <= timedelta(days=366)


def test_best_times_in_a_zone_with_daylight_saving(db_url):
    """SQLite cannot convert time zones: with daylight saving in the window it groups by UTC
    hour and places the hours here — the same figures the database computes for fixed zones."""
    from outreach.reports.timing import _by_utc_hour, timing_and_daily

    history(db_url)
    wita = load_settings()
    period = parse_period(wita, month="2026-11")
    with Session(get_engine(db_url)) as session:
        in_sql = timing_and_daily(session, period, wita)
        here = _by_utc_hour(session, period, wita, period.end - timedelta(days=365), period.end)
        amsterdam = load_settings(timezone="Europe/Amsterdam")
        dst = timing_and_daily(session, parse_period(amsterdam, month="2026-11"), amsterdam)
    assert in_sql[1] == here[1]
    for a, b in zip(in_sql[0], here[0], strict=True):
        assert [[c.posts for c in line] for line in a.grid] == \
            [[c.posts for c in line] for line in b.grid]
        assert [c.rate for c in a.hours] == [c.rate for c in b.hours]
    timing = {t.platform: t for t in dst[0]}
    assert timing["facebook"].grid[5][2].posts == 1  # 01.30 UTC is 02.30 in Amsterdam (CET)
    assert timing["instagram"].grid[5][17].posts == 1  # 31 October 16.30 UTC, after the change


def test_charts_are_self_contained_and_escape_their_text():
    from outreach.reports import charts

    hostile = "<script>alert(1)</script> & \"quotes\""
    made = [charts.bar_chart([(hostile, 0.5), ("X", None)], title=hostile, notes=["n=3", ""]),
            charts.column_chart([(hostile, 3.0), ("b", 0.0)], title=hostile),
            charts.column_chart([], title="kosong"),
            charts.heatmap([[0.1, None], [None, 0.3]], [[2, 0], [1, 4]], rows=["Senin", hostile],
                           columns=["00", "01"], title=hostile)]
    for svg in made:
        tree = ET.fromstring(svg)  # well-formed, so the text was escaped
        assert tree.get("role") == "img" and tree.find("{http://www.w3.org/2000/svg}title") \
            is not None
        assert "<script" not in svg and "http" not in svg.replace(
            "http://www.w3.org/2000/svg", "")


def test_best_times_read_the_newest_posts_when_there_are_many(db_url, monkeypatch):
    from outreach.reports import timing

    history(db_url)
    monkeypatch.setattr(timing, "HISTORY_POSTS", 3)
    report, _ = november(db_url)
    # The third newest post of November (d6 28 Nov, d3 10 Nov, d2 9 Nov) starts the window.
    assert {t.since for t in report.timing} == {utc(2026, 11, 9, 4)}
    assert sum(c.posts for t in report.timing for c in t.weekdays) == 3
    assert sum(d["posts"] for d in report.daily) == 5  # the period itself is whole


def _measured_october(url: str) -> None:
    """Five measured X posts on each of Monday, Tuesday and Wednesday of October, at 09.00,
    10.00 and 11.00 WITA: enough for a best day and hour to be named."""
    with Session(get_engine(url)) as session:
        account = session.exec(select(Account).where(Account.platform == "x")).one()
        for n in range(15):
            at = utc(2026, 10, 5 + n % 3, 1 + n % 3) + timedelta(days=7 * (n // 3))
            post = Post(kind="free", template="free/x.id.j2", text=f"Info {n}")
            session.add(post)
            session.flush()
            d = Delivery(post_id=post.id, account_id=account.id, platform="x", text=f"Info {n}",
                         template="free/x.id.j2", scheduled_at=at, published_at=at,
                         status="published", remote_id=f"oct-{n}")
            session.add(d)
            session.flush()
            _snap(session, d, at + timedelta(days=1), views=1000, likes=10 + 10 * (n % 3),
                  comments=0, shares=0)
        missed = session.exec(select(Delivery).where(Delivery.status == "missed")).one()
        missed.last_error = reason("missed", hours=6)  # the sentence the dispatcher stores
        session.add(missed)
        session.commit()


# The report's own words in the other language must not be left in a terminal report.
ENGLISH = ("Engagement report", "By platform", "Top posts", "Which wording works", "Coverage",
           "Failures and missed posts", "The public's feedback", "best days", "best hours",
           "Posts", "Measured", "Views", "Reach", "Interactions", "Rate", "Subject", "Kind",
           "Template", "Published", "New acquisitions", "Staff post", "Acquisitions digest",
           "failed", "missed", "Monday", "Comments received", "refused", "Not published",
           "Asia/Makassar", "none")
INDONESIAN = ("Laporan interaksi", "Unggahan", "Diukur", "Tayangan", "Jangkauan", "Interaksi",
              "Tingkat", "Tentang", "Jenis", "Templat", "Terbit", "Perbandingan", "Cakupan",
              "Gagal", "terlewat", "Masukan", "terbaik", "Senin", "Koleksi baru",
              "Tulisan staf", "Rangkuman koleksi", "menolak", "Tidak terbit", "Komentar masuk",
              "Dihitung per", "jangkauan")


def _has(words: str, text: str) -> bool:
    """`words` as whole words ("Template" does not hold the word "Templat")."""
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text) is not None


def test_the_terminal_report_is_in_the_locales_language(db_url, monkeypatch):
    """`outreach report` (the table) says everything in OUTREACH_LOCALE's language, like the
    monthly evaluation: headings, column heads, labels, weekdays, reasons, numbers, zone."""
    history(db_url)
    _measured_october(db_url)

    def table(locale: str) -> str:
        monkeypatch.setenv("OUTREACH_LOCALE", locale)
        result = runner.invoke(app, ["report", "--month", "2026-11"])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())  # the console wraps long lines

    indonesian = table("id")
    for said in ("Laporan interaksi: November 2026 (WITA)", "Per platform", "Unggahan teratas",
                 "Perbandingan templat", "Cakupan", "Gagal dan terlewat: gagal 1, terlewat 1",
                 "Masukan masyarakat", "Komentar masuk: 3, di antaranya 2 pertanyaan",
                 "Judul baru (dikatalogkan pada periode ini): 4. Sudah diumumkan 2 (50,0%)",
                 "Tayangan", "Jangkauan", "Dihitung per", "Tentang", "Koleksi baru",
                 "Rangkuman koleksi", "Tulisan staf", "X menolak permintaan ini (400)",
                 "Tidak terbit dalam 6 jam", "X, hari terbaik: Rabu", "X, jam terbaik: 11.00",
                 "Facebook, hari terbaik: belum cukup data (0 hari dengan sedikitnya 5",
                 "1.500", "5,0%"):
        assert said in indonesian, said
    for english in ENGLISH:
        assert not _has(english, indonesian), english
    english = table("en")
    for said in ("Engagement report: November 2026 (WITA)", "By platform", "Top posts",
                 "Which wording works", "Coverage: what was announced",
                 "Failures and missed posts: failed 1, missed 1", "The public's feedback",
                 "Comments received: 3, of which 2 questions", "Views", "Reach", "Subject",
                 "New acquisitions", "Acquisitions digest", "Staff post",
                 "X refused the request (400)", "Not published within 6 hours",
                 "X, best days: Wednesday", "X, best hours: 11.00",
                 "Facebook, best days: not enough data yet (0 days with at least 5",
                 "1,500", "5.0%"):
        assert said in english, said
    for words in INDONESIAN:
        assert not _has(words, english), words
