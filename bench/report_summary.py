"""Report figures (issue 7): the monthly summary (`build_report` for one month: per-platform
totals and rates, top posts, best days and hours over the last 12 months, templates, coverage,
problems, feedback) over 1,000,000 engagement snapshots spread over a year, on SQLite and on
PostgreSQL. Goal: p95 < 300 ms.

Two histories of 1,000,000 snapshots each: posts read as the default aging schedule reads them
(about 80 readings in 90 days: ~12,800 posts), and a stress history of 10 readings a post
(~102,600 posts: reports cost by posts, not by snapshots). Rows are generated with bulk Core
inserts, in time order as a real history grows, with the pointer to each post's latest snapshot
set as the sync sets it. Each month of the year is summarised `--rounds` times; p50/p95/max are
over all of those. A second row builds the full report with the per-post list (what `report
--format json` prints) for two months.

Run: `python -m bench report_summary` (or standalone `python -m bench.report_summary`);
`--quick`: tiny sizes, a smoke test. PostgreSQL: `--postgres URL` or OUTREACH_TEST_POSTGRES_URL
(a server where a database may be created); skipped when neither is set.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

STRESS_PER_DELIVERY = 10  # the "stress" history: 10 snapshots a post, so 10× more posts


def reading_times(steps: list) -> list[timedelta]:
    """When the default aging schedule reads a post, as ages (about 80 readings in 90 days)."""
    from datetime import UTC, datetime

    from outreach.engagement.sync import next_sync

    t0 = datetime(2000, 1, 1, tzinfo=UTC)
    found, at = [], t0
    while at is not None:
        found.append(at - t0)
        at = next_sync(t0, at, steps)
    return found
KINDS = ("acquisition", "workshop", "event", "reminder", "free")
PLATFORMS = ("x", "facebook", "instagram")
YEAR = 2026


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--snapshots", type=int, default=1_000_000,
                        help="report_summary: engagement snapshots to generate")
    parser.add_argument("--rounds", type=int, default=3,
                        help="report_summary: times each month is summarised")
    if not any(a.dest == "postgres" for a in parser._actions):
        parser.add_argument("--postgres", default=os.environ.get("OUTREACH_TEST_POSTGRES_URL"),
                            help="admin URL of a PostgreSQL server "
                            "(default: OUTREACH_TEST_POSTGRES_URL)")


def generate(url: str, deliveries: int, ages: list[timedelta], seed: int = 5) -> float:
    """Fill a fresh database, each published post read at `ages`; returns the seconds taken."""
    from sqlalchemy import insert, text
    from sqlmodel import Session

    from outreach.db import get_engine, init_db
    from outreach.models import (
        Account,
        Delivery,
        EngagementSnapshot,
        Event,
        Feedback,
        Post,
        Title,
    )

    started = time.perf_counter()
    init_db(url)
    rng = random.Random(seed)
    engine = get_engine(url)
    start = datetime(YEAR, 1, 1, tzinfo=UTC)
    year = timedelta(days=365).total_seconds()
    chunk = 20_000
    with Session(engine) as session:
        conn = session.connection()
        conn.execute(insert(Account), [{"id": i + 1, "platform": p, "external_id": f"b{i}",
                                        "name": f"bench {p}", "source": "db", "health": "ok",
                                        "created_at": start, "updated_at": start}
                                       for i, p in enumerate(PLATFORMS)])
        titles = deliveries // 5
        conn.execute(insert(Title), [{
            "id": i + 1, "source": "bench", "source_id": str(i), "title": f"Judul {i}",
            "isbns": [], "authors": [], "subjects": [], "content_hash": "h",
            "catalogued_at": start + timedelta(seconds=rng.random() * year),
            "first_seen_at": start, "updated_at": start} for i in range(titles)])
        conn.execute(insert(Event), [{
            "id": i + 1, "source": "bench", "source_id": str(i), "title": f"Kegiatan {i}",
            "kind": "workshop", "all_day": False, "cancelled": False, "content_hash": "h",
            "starts_at": start + timedelta(seconds=rng.random() * year),
            "first_seen_at": start, "updated_at": start} for i in range(deliveries // 50)])
        # As in a real history: deliveries made in time order, snapshots appended as taken.
        times = sorted(start + timedelta(seconds=rng.random() * year) for _ in range(deliveries))
        status = ["published" if i % 40 else rng.choice(("failed", "missed", "cancelled"))
                  for i in range(deliveries)]
        snaps = []  # (taken_at, delivery id, views, reach, likes, comments, shares, saves, clicks)
        for i, published in enumerate(times):
            if status[i] != "published":
                continue
            platform = PLATFORMS[i % 3]
            audience = rng.randint(100, 5000)
            for k, age in enumerate(ages):
                grown = audience * (k + 1) / len(ages)
                snaps.append((published + age, i + 1, int(grown * 1.4),
                              int(grown) if platform != "x" else None, int(grown * 0.05),
                              int(grown * 0.004), int(grown * 0.005),
                              int(grown * 0.01) if platform != "facebook" else None,
                              int(grown * 0.02) if platform != "instagram" else None))
        snaps.sort(key=lambda row: row[0])
        latest: dict[int, tuple[int, tuple]] = {}
        for sid, row in enumerate(snaps, 1):
            latest[row[1]] = (sid, row)  # the last taken wins
        for base in range(0, deliveries, chunk):
            posts, rows, comments = [], [], []
            for i in range(base, min(deliveries, base + chunk)):
                # A weekly digest per platform; the other kinds in turn.
                kind = "digest" if i % 500 < 3 else KINDS[i % len(KINDS)]
                platform = PLATFORMS[i % 3]
                published = times[i]
                posts.append({
                    "id": i + 1, "kind": kind, "template": f"{kind}/{platform}.id.j2",
                    "language": "id", "author": "bench", "subject_title_ids": [],
                    "title_id": (i % titles) + 1 if kind == "acquisition" and i % 4 else None,
                    "created_at": published, "updated_at": published})
                sid, last = latest.get(i + 1, (None, None))
                rows.append({
                    "id": i + 1, "post_id": i + 1, "account_id": i % 3 + 1, "platform": platform,
                    "template": f"{kind}/{platform}.id.j2",
                    "text": f"Unggahan {i}", "media": [], "alt_text": [], "remote_extra": {},
                    "scheduled_at": published, "status": status[i], "attempts": 1,
                    "remote_id": str(10**12 + i) if sid else None,
                    "published_at": published if sid else None, "last_snapshot_id": sid,
                    "last_interactions": sum(v or 0 for v in last[4:8]) if last else None,
                    "last_base": (last[3] or last[2]) if last else None,
                    "next_sync_at": None, "sync_misses": 0, "comments_seen": 0,
                    "created_at": published, "updated_at": published})
                if sid and i % 5 == 0:
                    comments.append({
                        "delivery_id": i + 1, "platform": platform, "remote_id": f"c{i}",
                        "text": "Apakah buku ini bisa dipinjam?", "is_question": True,
                        "created_at": published + timedelta(hours=3), "fetched_at": published,
                        "status": "answered" if i % 2 else "new",
                        "handled_at": published + timedelta(hours=5) if i % 2 else None})
            conn.execute(insert(Post), posts)
            conn.execute(insert(Delivery), rows)
            if comments:
                conn.execute(insert(Feedback), comments)
        session.commit()
        conn = session.connection()
        names = ("taken_at", "delivery_id", "views", "reach", "likes", "comments", "shares",
                 "saves", "clicks")
        for j in range(0, len(snaps), chunk):
            conn.execute(insert(EngagementSnapshot), [
                {"id": j + n + 1, **dict(zip(names, row, strict=True))}
                for n, row in enumerate(snaps[j:j + chunk])])
        session.commit()
    # The steady state of a running database (autovacuum): statistics and visibility map.
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return time.perf_counter() - started


def measure(url: str, rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of each monthly summary, and of each full report (with the per-post list)."""
    from sqlmodel import Session

    from outreach.config import load_settings
    from outreach.db import get_engine
    from outreach.reports import build_report, month_period

    settings = load_settings(database_url=url)
    engine = get_engine(url)
    summaries, full = [], []
    with Session(engine) as session:  # warm the caches once, as a running service has them
        build_report(session, month_period(YEAR, 6, settings), settings)
    for _ in range(rounds):
        for month in range(1, 13):
            period = month_period(YEAR, month, settings)
            with Session(engine) as session:
                started = time.perf_counter()
                build_report(session, period, settings, include_deliveries=False)
                summaries.append(time.perf_counter() - started)
    for month in (3, 9):
        with Session(engine) as session:
            started = time.perf_counter()
            build_report(session, month_period(YEAR, month, settings), settings)
            full.append(time.perf_counter() - started)
    return summaries, full


def _row(name: str, snapshots: int, posts: int, load: float, times: list[float],
         what: str, goal: bool = True) -> dict:
    """A row of the table; `goal`: the issue's goal applies (the monthly summary), else the
    figure is for information (the per-post list grows with the posts of the month)."""
    q = statistics.quantiles(times, n=20, method="inclusive") if len(times) > 1 else times * 19
    return {"setup": f"{name}, {snapshots:,} snapshots of {posts:,} posts, {what}",
            "p50": f"{q[9] * 1000:.0f} ms", "p95": f"{q[18] * 1000:.0f} ms",
            "max": f"{max(times) * 1000:.0f} ms", "runs": len(times),
            "fill s": f"{load:.0f}",
            "goal": "p95 < 300 ms" if goal else "(information)",
            "met": ("yes" if q[18] < 0.3 else "no") if goal else ""}


def _histories(total: int) -> list[tuple[str, int, list[timedelta]]]:
    """(name, posts, reading ages): the default schedule's ~80 readings a post, and a stress
    history of 10 readings a post (8× more posts for the same number of snapshots)."""
    from outreach.config import load_settings

    ages = reading_times(load_settings().sync_steps)
    stress = [timedelta(hours=2 ** k) for k in range(STRESS_PER_DELIVERY)]
    published = 39 / 40  # every 40th delivery did not publish: no snapshots
    return [("default schedule", round(total / len(ages) / published), ages),
            ("stress", round(total / len(stress) / published), stress)]


def _measure_all(name: str, url_for, total: int, rounds: int) -> list[dict]:  # noqa: ANN001
    from outreach.db import dispose_engines

    rows = []
    for history, posts, ages in _histories(total):
        url, done = url_for(history)
        try:
            load = generate(url, posts, ages)
            made = (posts - posts // 40) * len(ages)
            summaries, full = measure(url, rounds)
            rows.append(_row(name, made, posts, load, summaries,
                             f"{history}: monthly summary"))
            rows.append(_row(name, made, posts, load, full,
                             f"{history}: with the per-post list (JSON)", goal=False))
        finally:
            dispose_engines()
            done()
    return rows


def run(args: argparse.Namespace) -> list[dict]:
    rows = _run(args)
    if args.quick:  # a smoke test: tiny sizes say nothing of the goal
        for row in rows:
            row["met"] = "n/a (--quick)" if row["met"] else ""
    return rows


def _run(args: argparse.Namespace) -> list[dict]:
    total = 5_000 if args.quick else args.snapshots
    rounds = 1 if args.quick else args.rounds
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        rows = _measure_all("SQLite", lambda h: (
            f"sqlite:///{Path(folder) / (h.replace(' ', '-') + '.db')}", lambda: None),
            total, rounds)
    if args.postgres:
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")

        def database(history: str):  # noqa: ANN202
            name = "outreach_bench_" + uuid.uuid4().hex[:8]
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

            def drop() -> None:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

            return make_url(args.postgres).set(database=name).render_as_string(
                hide_password=False), drop

        try:
            rows += _measure_all("PostgreSQL", database, total, rounds)
        finally:
            admin.dispose()
    return rows


def main() -> int:
    from bench.__main__ import format_table

    parser = argparse.ArgumentParser(prog="python -m bench.report_summary")
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    print(format_table([{"figure": "report_summary", **r} for r in run(parser.parse_args())]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
