"""Web load figures (issue 8): 50 signed-in users at once on the queue and the dashboard of a
database holding 100,000 deliveries — requests, p50/p95/max latency and errors per page.

The database is filled with bulk inserts: three accounts (X, Facebook, Instagram), deliveries in
every status spread over the past year and the coming month (mostly published, as a library's
queue is after a year), three engagement snapshots a published delivery with the pointer to the
latest set as the sync sets it, and one user per simulated person (manager: the dashboard needs
it). The app runs as `outreach serve` in its own process (uvicorn, real HTTP, one process as one
library runs it); the people are httpx clients in this process, each signed in through the login
form with its own session cookie, each clicking through the pages in turn with `--web-think`
seconds (±50 %) between clicks, for `--web-seconds`. A response other than 200 (a redirect to the
login page included) or a transport error is an error; the first few are printed with why.
"alone, median": the median of each page requested by one person alone (its own cost, no queueing).

Run: `python -m bench web_load` (or `python -m bench.web_load`); `--quick`: tiny sizes, a smoke
test.
PostgreSQL too with `--postgres URL` or OUTREACH_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

PLATFORMS = ("x", "facebook", "instagram")
PASSWORD = "kata-sandi-bench-2026"
# (status, share of deliveries): what a queue looks like after a year of use.
STATUSES = (("published", 0.80), ("scheduled", 0.06), ("pending_review", 0.03),
            ("draft", 0.01), ("retry_wait", 0.005), ("publishing", 0.001),
            ("unconfirmed", 0.004), ("failed", 0.02), ("held", 0.005), ("missed", 0.01),
            ("cancelled", 0.055))
FUTURE = {"scheduled", "pending_review", "draft", "retry_wait", "publishing", "held"}


def page_mix(today: date) -> list[tuple[str, str]]:
    """(label, path): what the simulated people open, in turn."""
    month = f"date_from={today - timedelta(days=60)}&date_to={today - timedelta(days=30)}"
    return [
        ("queue", "/queue"),
        ("queue ?status=published", "/queue?status=published"),
        ("queue ?platform=x&status=failed", "/queue?platform=x&status=failed"),
        ("queue ?page=5", "/queue?page=5"),
        ("queue, one month", f"/queue?{month}"),
        ("dashboard (30 days)", "/dashboard"),
        ("dashboard ?days=365", "/dashboard?days=365"),
    ]


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--web-deliveries", type=int, default=100_000,
                        help="web_load: deliveries in the database")
    parser.add_argument("--web-users", type=int, default=50,
                        help="web_load: people signed in at once")
    parser.add_argument("--web-seconds", type=float, default=60.0,
                        help="web_load: measured seconds")
    parser.add_argument("--web-think", type=float, default=1.0,
                        help="web_load: seconds between one person's clicks (0: as fast as "
                        "the server answers)")
    if not any(a.dest == "postgres" for a in parser._actions):
        parser.add_argument("--postgres", default=os.environ.get("OUTREACH_TEST_POSTGRES_URL"),
                            help="admin URL of a PostgreSQL server "
                            "(default: OUTREACH_TEST_POSTGRES_URL)")


def _pick_statuses(n: int, rng: random.Random) -> list[str]:
    names = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    return rng.choices(names, weights, k=n)


def generate(url: str, deliveries: int, users: int, seed: int = 8) -> float:
    """Fill a fresh database; returns the seconds taken."""
    from sqlalchemy import insert, text
    from sqlmodel import Session

    from outreach.db import get_engine, init_db
    from outreach.desk.users import hash_password
    from outreach.models import Account, Delivery, EngagementSnapshot, Post, User

    started = time.perf_counter()
    init_db(url)
    rng = random.Random(seed)
    engine = get_engine(url)
    now = datetime.now(UTC).replace(microsecond=0)
    year = timedelta(days=365).total_seconds()
    chunk = 10_000
    password_hash = hash_password(PASSWORD)  # one hash for all: argon2 is slow on purpose
    with Session(engine) as session:
        conn = session.connection()
        conn.execute(insert(Account), [{"id": i + 1, "platform": p, "external_id": f"bench{i}",
                                        "name": f"Perpustakaan ({p})", "source": "db",
                                        "health": "ok", "created_at": now, "updated_at": now}
                                       for i, p in enumerate(PLATFORMS)])
        conn.execute(insert(User), [{"email": f"bench-{i}@perpustakaan.test",
                                     "name": f"Pengguna {i}", "role": "manager",
                                     "password_hash": password_hash, "active": True,
                                     "created_at": now} for i in range(users)])
        statuses = _pick_statuses(deliveries, rng)
        snapshot_id = 0
        for base in range(0, deliveries, chunk):
            posts, rows, snaps = [], [], []
            for i in range(base, min(deliveries, base + chunk)):
                status, platform = statuses[i], PLATFORMS[i % 3]
                if status in FUTURE:
                    when = now + timedelta(seconds=rng.random() * 30 * 86400)
                else:
                    when = now - timedelta(seconds=rng.random() * year)
                posts.append({"id": i + 1, "kind": "free", "language": "id", "author": "bench",
                              "text": f"Unggahan {i}", "subject_title_ids": [],
                              "created_at": when, "updated_at": when})
                last = None
                if status == "published":
                    audience = rng.randint(50, 4000)
                    for k, age in enumerate((3600, 86400, 7 * 86400)):
                        taken = when + timedelta(seconds=age)
                        if taken > now:
                            break
                        snapshot_id += 1
                        grown = audience * (k + 1) // 3
                        last = {"id": snapshot_id, "delivery_id": i + 1, "taken_at": taken,
                                "views": grown * 2, "reach": grown if platform != "x" else None,
                                "likes": grown // 20, "comments": grown // 200,
                                "shares": grown // 150,
                                "saves": grown // 100 if platform != "facebook" else None,
                                "clicks": grown // 50 if platform != "instagram" else None}
                        snaps.append(last)
                failed = status in ("failed", "held", "unconfirmed", "missed")
                rows.append({
                    "id": i + 1, "post_id": i + 1, "account_id": i % 3 + 1,
                    "platform": platform,
                    "text": f"Unggahan {i}: buku baru di Perpustakaan Kota Bontang #BukuBaru",
                    "media": [], "alt_text": [], "remote_extra": {}, "scheduled_at": when,
                    "next_attempt_at": when if status in FUTURE else None, "status": status,
                    "attempts": 1 if status not in FUTURE else 0,
                    "remote_id": str(10**15 + i) if status == "published" else None,
                    "remote_url": (f"https://example.org/{platform}/{10**15 + i}"
                                   if status == "published" else None),
                    "published_at": when if status == "published" else None,
                    "last_error": "Platform menolak: teks duplikat" if failed else None,
                    "last_error_kind": "rejected" if failed else None,
                    "last_snapshot_id": last["id"] if last else None,
                    "last_interactions": (last["likes"] + last["comments"] + last["shares"]
                                          if last else None),
                    "last_base": last["views"] if last else None,
                    "next_sync_at": None, "sync_misses": 0, "comments_seen": 0,
                    "created_at": when, "updated_at": when})
            conn.execute(insert(Post), posts)
            conn.execute(insert(Delivery), rows)
            if snaps:
                conn.execute(insert(EngagementSnapshot), snaps)
        session.commit()
    if engine.dialect.name == "postgresql":  # the steady state of a running database
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    return time.perf_counter() - started


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`outreach serve` in its own process, in an empty folder (no stray .env)."""

    def __init__(self, url: str, folder: Path) -> None:
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
        env.update(OUTREACH_DATABASE_URL=url, OUTREACH_SECRET_KEY=uuid.uuid4().hex * 2,
                   OUTREACH_LOG_LEVEL="WARNING", PYTHONPATH=str(Path(__file__).parents[1]))
        self.log = (folder / "serve.log").open("w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from outreach.cli import main; main()", "serve",
             "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                self.log.seek(0)
                raise RuntimeError("outreach serve did not start:\n" + self.log.read()[-3000:])
            time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()

    def tail(self, chars: int = 4000) -> str:
        return Path(self.log.name).read_text(errors="replace")[-chars:]


async def _sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/login")
    token = _CSRF.search(page.text)
    if token is None:
        raise RuntimeError("the login page has no CSRF field")
    done = await client.post("/login", data={"email": email, "password": PASSWORD,
                                             "csrf_token": token.group(1), "next": "/"})
    if done.status_code != 303 or done.headers.get("location") != "/":
        raise RuntimeError(f"sign-in of {email} failed: HTTP {done.status_code}")


async def _person(base: str, email: str, pages: list[tuple[str, str]], start: int,
                  think: float, ready: asyncio.Barrier, door: asyncio.Semaphore,
                  deadline: list[float], seen: dict[str, list[float]],
                  errors: dict[str, list[str]]) -> None:
    rng = random.Random(email)
    async with httpx.AsyncClient(base_url=base, timeout=120, follow_redirects=False) as client:
        async with door:  # a few at a time, as people arrive (argon2 is slow on purpose)
            await _sign_in(client, email)
        await ready.wait()  # everyone signed in, then the clock starts
        turn = start
        while time.monotonic() < deadline[0]:
            label, path = pages[turn % len(pages)]
            turn += 1
            began = time.perf_counter()
            why = None
            try:
                response = await client.get(path)
                if response.status_code != 200:
                    why = f"HTTP {response.status_code} {response.headers.get('location', '')}"
            except httpx.HTTPError as exc:
                why = f"{type(exc).__name__}: {exc}"
            seen[label].append(time.perf_counter() - began)
            if why:
                errors[label].append(f"{path}: {why}")
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def _load(base: str, users: int, seconds: float, think: float,
                pages: list[tuple[str, str]]) -> tuple[dict, dict, float]:
    seen: dict[str, list[float]] = {label: [] for label, _ in pages}
    errors: dict[str, list[str]] = {label: [] for label in seen}
    ready = asyncio.Barrier(users + 1)
    door = asyncio.Semaphore(4)
    deadline = [float("inf")]
    tasks = [asyncio.create_task(_person(base, f"bench-{i}@perpustakaan.test", pages, i, think,
                                         ready, door, deadline, seen, errors))
             for i in range(users)]
    waiter = asyncio.create_task(ready.wait())
    done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
    if waiter not in done:  # a sign-in failed before everyone was ready
        for task in tasks:
            task.cancel()
        for task in done:
            task.result()
    began = time.monotonic()
    deadline[0] = began + seconds
    await asyncio.gather(*tasks)
    return seen, errors, time.monotonic() - began


def _solo(base: str, pages: list[tuple[str, str]], rounds: int = 10) -> dict[str, float]:
    """Each page alone, one person, one request at a time (after one warm-up): the median is
    the page's own cost, before any queueing. Any answer but 200 stops the bench."""

    async def probe() -> dict[str, float]:
        found = {}
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            await _sign_in(client, "bench-0@perpustakaan.test")
            for label, path in pages:
                times = []
                for _ in range(rounds + 1):
                    began = time.perf_counter()
                    response = await client.get(path)
                    times.append(time.perf_counter() - began)
                    if response.status_code != 200:
                        raise RuntimeError(f"{path} answers HTTP {response.status_code}")
                found[label] = statistics.median(times[1:])
        return found

    return asyncio.run(probe())


def _ms(value: float) -> str:
    return f"{value * 1000:,.0f} ms"


def measure(name: str, url: str, args: argparse.Namespace, folder: Path) -> list[dict]:
    deliveries, users, seconds, think = _sizes(args)
    load = generate(url, deliveries, users)
    server = Server(url, folder)
    try:
        pages = page_mix(datetime.now(UTC).date())
        solo = _solo(server.url, pages)
        seen, errors, took = asyncio.run(_load(server.url, users, seconds, think, pages))
    finally:
        server.stop()
    failed = [why for whys in errors.values() for why in whys]
    if failed:  # say why, not only how many
        print(f"web_load ({name}): {len(failed)} error(s), e.g. " + "; ".join(failed[:5])
              + f"\nThe server said:\n{server.tail()}", file=sys.stderr)
    rows = []
    setup = f"{name}, {deliveries:,} deliveries, {users} users, think {think:g} s"
    every: list[float] = []
    for label, _ in pages:
        times = seen[label]
        every += times
        rows.append(_row(setup, label, solo[label], times, len(errors[label]), took, load))
    rows.append(_row(setup, "all pages", statistics.median(solo.values()), every, len(failed),
                     took, load))
    return rows


def _row(setup: str, label: str, solo: float, times: list[float], errors: int, took: float,
         load: float) -> dict:
    if len(times) > 1:
        q = statistics.quantiles(times, n=20, method="inclusive")
        p50, p95 = q[9], q[18]
    else:
        p50 = p95 = times[0] if times else 0.0
    return {"setup": setup, "page": label, "alone, median": _ms(solo), "requests": len(times),
            "req/s": round(len(times) / took, 1) if took else 0.0,
            "p50": _ms(p50), "p95": _ms(p95), "max": _ms(max(times, default=0.0)),
            "errors": errors, "db fill": f"{load:.0f} s"}


def _sizes(args: argparse.Namespace) -> tuple[int, int, float, float]:
    if args.quick:
        return 1_000, 3, 3.0, args.web_think
    return args.web_deliveries, args.web_users, args.web_seconds, args.web_think


def run(args: argparse.Namespace) -> list[dict]:
    from outreach.db import dispose_engines

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-web-") as folder:
        try:
            rows += measure("SQLite", f"sqlite:///{Path(folder) / 'outreach.db'}", args,
                            Path(folder))
        finally:
            dispose_engines()
        if args.postgres:
            rows += _on_postgres(args, Path(folder))
    return rows


def _on_postgres(args: argparse.Namespace, folder: Path) -> list[dict]:
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    from outreach.db import dispose_engines

    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    name = "outreach_bench_" + uuid.uuid4().hex[:8]
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        return measure("PostgreSQL", url, args, folder)
    finally:
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> int:
    from bench.__main__ import format_table

    parser = argparse.ArgumentParser(prog="python -m bench.web_load")
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    print(format_table([{"figure": "web_load", **r} for r in run(parser.parse_args())]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
