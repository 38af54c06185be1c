"""Browsing a 100,000-title catalogue (the staff pages /catalogue and /catalogue/{id}): each
search, filter and page as `outreach.desk.catalogue` runs it on SQLite, and the whole
/catalogue page
over HTTP (TestClient: query, posts of the page, template). Median and worst of several runs.

    python -m bench catalogue_browse --catalogue 100000
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import measure

NOW = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)
_WORDS = ("sejarah kota bontang laut hutan kalimantan cerita anak rumah pustaka ilmu data "
          "pemrograman jaringan kopi hujan malam bulan petualangan keluarga sekolah").split()
_FAMILY = ("Siregar Hidayat Lestari Nasution Wibowo Pratama Santoso Kusuma Saputra Rahman "
           "Hakim Daulay Lubis Harahap Sembiring").split()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--catalogue", type=int, default=100_000,
                        help="titles in the catalogue (catalogue_browse; default 100000)")


def _isbn(i: int) -> str:
    from outreach.sources.isbn import isbn13_check_digit

    first = f"978602{i:06d}"
    return first + isbn13_check_digit(first)


def setup(n: str, url: str) -> dict[str, Any]:
    """A catalogue of n titles (one in 50 catalogued within the announce window) with a
    published post on every 10th title."""
    import random

    from sqlalchemy import insert

    from outreach.db import get_engine, init_db
    from outreach.models import Account, Delivery, Post, Title

    count = int(n)
    rng = random.Random(2026)
    init_db(url)
    engine = get_engine(url)
    start = time.perf_counter()
    with engine.begin() as conn:
        rows = []
        for i in range(1, count + 1):
            recent = i % 50 == 0
            rows.append({
                "source": "marc", "source_id": f"B{i:07d}", "isbn": _isbn(i),
                "isbns": [_isbn(i)], "title": " ".join(rng.sample(_WORDS, 3)).capitalize(),
                "authors": [f"{rng.choice(_FAMILY)}, Nama {i % 997}"], "year": "2020",
                "call_number": f"{rng.randint(0, 999):03d}.{i % 100} PEN", "subjects": [],
                "catalogued_at": NOW - timedelta(days=(i % 25) if recent else 40 + i % 3000),
                "first_seen_at": NOW, "updated_at": NOW, "content_hash": str(i)})
            if len(rows) == 5000:
                conn.execute(insert(Title), rows)
                rows = []
        if rows:
            conn.execute(insert(Title), rows)
        account = conn.execute(insert(Account).values(
            platform="facebook", external_id="1", name="Perpustakaan", source="db",
            health="ok", created_at=NOW, updated_at=NOW)).inserted_primary_key[0]
        for i in range(10, count + 1, 10):
            post = conn.execute(insert(Post).values(
                kind="acquisition", title_id=i, subject_key=f"title:{i}", language="id",
                author="system", subject_title_ids=[], created_at=NOW,
                updated_at=NOW)).inserted_primary_key[0]
            conn.execute(insert(Delivery).values(
                post_id=post, account_id=account, platform="facebook", text="Koleksi baru",
                media=[], alt_text=[], remote_extra={}, scheduled_at=NOW, published_at=NOW,
                status="published", attempts=1, sync_misses=0, comments_seen=0,
                created_at=NOW, updated_at=NOW))
    return {"seconds": time.perf_counter() - start, "records": count}


def queries(url: str, repeat: str) -> dict[str, Any]:
    from sqlmodel import Session

    from outreach.db import get_engine
    from outreach.desk import catalogue as cat

    engine = get_engine(url)
    times = int(repeat)
    isbn = _isbn(4242)
    cases = {
        "list, page 1 (newest first)": dict(),
        "list, page 1,000 (deep offset)": dict(page=1000),
        "search one title word": dict(query="kalimantan"),
        "search two words (title+author)": dict(query="hutan siregar"),
        "search author, no match": dict(query="tidakadanama"),
        "search ISBN with hyphens": dict(query=f"{isbn[:3]}-{isbn[3:6]}-{isbn[6:12]}-{isbn[12]}"),
        "search call number": dict(query="123.4"),
        "new within 30 days": dict(new_within_days=30, now=NOW),
    }
    out: dict[str, Any] = {}
    with Session(engine) as session:
        for name, kw in cases.items():
            runs = []
            for _ in range(times):
                start = time.perf_counter()
                page = cat.find_titles(session, per_page=50, **kw)
                cat.announcements(session, title_ids=[t.id for t in page.items])
                runs.append(time.perf_counter() - start)
            out[name] = {"median": statistics.median(runs), "worst": max(runs),
                         "matched": page.total}
    return {"cases": out}


def page(url: str, repeat: str) -> dict[str, Any]:
    """GET /catalogue?q=… as a signed-in staff member, through the whole app."""
    import os

    os.environ["OUTREACH_DATABASE_URL"] = url
    os.environ.setdefault("OUTREACH_SECRET_KEY", "bench-secret-key-catalogue-browse")
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from outreach.config import load_settings
    from outreach.db import get_engine
    from outreach.desk.users import create_user
    from outreach.web.app import create_app

    settings = load_settings()
    with Session(get_engine(url)) as s:
        create_user(s, "bench@perpustakaan.test", "staff", "kata-sandi-bench-1")
        s.commit()
    client = TestClient(create_app(settings), follow_redirects=False)
    import re

    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    client.post("/login", data={"email": "bench@perpustakaan.test",
                                "password": "kata-sandi-bench-1", "csrf_token": token})
    out = {}
    for name, path in (("page /catalogue", "/catalogue"),
                       ("page /catalogue?q=hutan+siregar", "/catalogue?q=hutan+siregar")):
        runs = []
        for _ in range(int(repeat)):
            start = time.perf_counter()
            answer = client.get(path)
            runs.append(time.perf_counter() - start)
            assert answer.status_code == 200, answer.status_code
        out[name] = {"median": statistics.median(runs), "worst": max(runs), "matched": ""}
    return {"cases": out}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    n = 1_000 if args.quick else args.catalogue
    repeat = "3" if args.quick else "7"
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        url = f"sqlite:///{tmp}/catalogue.db"
        built = measure("bench.catalogue_browse:setup", str(n), url)
        found = measure("bench.catalogue_browse:queries", url, repeat)["cases"]
        found.update(measure("bench.catalogue_browse:page", url, repeat)["cases"])
    rows = [{"step": f"build {n:,} titles", "titles": n, "runs": 1, "ms median": None,
             "ms worst": None, "one run ms": built["seconds"] * 1000, "matched": ""}]
    for name, m in found.items():
        rows.append({"step": name, "titles": n, "runs": int(repeat),
                     "ms median": m["median"] * 1000, "ms worst": m["worst"] * 1000,
                     "one run ms": None, "matched": m["matched"]})
    return rows
