"""Dispatch figures (issue: "every post goes out once, on time"):

- punctuality: lateness (attempt start − scheduled time) of N deliveries due over a short horizon,
  published by one real `outreach worker` process — goal p99 < 1 s;
- CPU per delivery at zero sandbox latency, in this process, after a warm-up — goal < 2 ms;
- throughput at 100 ms sandbox latency against the limit concurrency ÷ latency — goal ≥ 80 %;
- PostgreSQL with 1 vs 4 worker processes at 100 ms latency — goal ≥ 3.5×, 0 duplicates.

The sandbox runs as its own `outreach sandbox` process, so its CPU is not counted here.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from bench import percentile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

OUTREACH = str(Path(sys.executable).with_name("outreach"))
WARM_UP = 40  # deliveries published before the CPU figure is measured
LEAD = 2.0  # seconds between queueing the throughput runs' deliveries and their falling due
# One worker serves an account at a time (its posts keep their order and spacing), so accounts
# are the unit of parallelism: 4 workers × 4 threads need many more than 16 accounts, or the
# last few accounts leave most threads idle. A network of libraries has dozens (each library's
# X, Facebook and Instagram); 80 accounts of 10 posts give 16 threads 5 full rounds.
ACCOUNTS = 80


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--horizon", type=float, default=60.0, help="seconds over which the "
                        "punctuality deliveries fall due")
    parser.add_argument("--postgres", default=os.environ.get("OUTREACH_TEST_POSTGRES_URL"),
                        help="admin URL of a PostgreSQL server "
                        "(default: OUTREACH_TEST_POSTGRES_URL)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stage:
    """A sandbox process, a database and the environment pointing at them."""

    def __init__(self, database_url: str, folder: Path):
        self.folder = folder
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.sandbox = subprocess.Popen(
            [OUTREACH, "sandbox", "--port", str(port), "--seed", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                httpx.get(self.url + "/_sandbox/state", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        schedules = folder / "schedules"
        shutil.copytree(ROOT / "schedules", schedules)
        (schedules / "zz-bench.yaml").write_text(
            "platforms:\n  x: {spacing_minutes: 0, max_per_day: 1000000}\n", encoding="utf-8")
        self.env = {
            "OUTREACH_DATABASE_URL": database_url, "OUTREACH_X_API_URL": self.url + "/x",
            "OUTREACH_SECRET_KEY": "bench-secret", "OUTREACH_SCHEDULES_DIR": str(schedules),
            "OUTREACH_LOG_LEVEL": "WARNING", "OUTREACH_MISSED_AFTER_HOURS": "6",
        }
        os.environ.update(self.env)
        from scaleout_kit import sandbox_raise_limits

        from outreach.db import init_db

        init_db(database_url)
        sandbox_raise_limits(self.url)

    def latency(self, ms: int) -> None:
        httpx.delete(self.url + "/_sandbox/faults")
        if ms:
            httpx.post(self.url + "/_sandbox/faults", json={
                "endpoint": "x.create_tweet", "mode": "latency", "ms": ms, "rate": 1.0})

    def duplicates(self) -> int:
        posts = httpx.get(self.url + "/_sandbox/state", timeout=30).json()["x"]
        return sum(c - 1 for c in collections.Counter(p["text"] for p in posts).values() if c > 1)

    def close(self) -> None:
        self.sandbox.terminate()
        self.sandbox.wait(timeout=10)
        from outreach.db import dispose_engines

        dispose_engines()


def _workers(n: int, env: dict[str, str], folder: Path) -> list[subprocess.Popen]:
    full = {**os.environ, **env}
    return [subprocess.Popen([OUTREACH, "worker"], env=full, stdout=subprocess.DEVNULL,
                             stderr=(folder / f"worker{i}.log").open("ab"))
            for i in range(n)]


def _wait_ready(url: str, count: int, timeout: float = 120) -> None:
    """Until `count` worker processes have written their heartbeat: start-up (imports) is not
    part of what the figures measure."""
    from sqlmodel import Session, select

    from outreach.db import get_engine
    from outreach.models import Heartbeat

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(get_engine(url)) as session:
            rows = session.exec(select(Heartbeat).where(Heartbeat.role == "worker")).all()
        if len(rows) >= count:
            return
        time.sleep(0.1)
    raise RuntimeError(f"{count} workers did not start within {timeout:.0f} s")


def _wait_published(url: str, n: int, timeout: float) -> None:
    from scaleout_kit import counts

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if counts(url).get("published", 0) >= n:
            return
        # Seldom: the figures come from the rows' own timestamps, and each look costs the
        # database and this process CPU that the workers being measured would miss.
        time.sleep(0.25)
    raise RuntimeError(f"only {counts(url)} after {timeout:.0f} s")


def _rate(url: str, accounts: list[int], n: int, timeout: float) -> float:
    """Deliveries per second: n queued, all due LEAD seconds later, timed from that moment to
    the last publish on record (its attempt's finish).

    The clock starts when the work falls due, not when it was queued: an idle worker looks for
    new posts once a second (punctuality measures that), so timing from the queueing would add
    up to a second to every run, a fifth of the 4-worker run's few seconds."""
    from datetime import timedelta

    from scaleout_kit import queue_many
    from sqlalchemy import func
    from sqlmodel import Session, select

    from outreach.db import get_engine
    from outreach.models import Attempt, utcnow

    due = utcnow() + timedelta(seconds=LEAD)
    queue_many(accounts, n, start=due)
    _wait_published(url, n, timeout)
    with Session(get_engine(url)) as session:
        last = session.exec(select(func.max(Attempt.finished_at))
                            .where(Attempt.outcome == "published")).one()
    return n / (last - due).total_seconds()


def _stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=60)


def punctuality(args: argparse.Namespace, folder: Path) -> dict:
    from scaleout_kit import make_accounts, queue_many
    from sqlmodel import Session, select

    from outreach.db import get_engine
    from outreach.models import Attempt, Delivery, utcnow

    url = f"sqlite:///{folder / 'punctual.db'}"
    stage = Stage(url, folder / "p")
    try:
        accounts = make_accounts(20)
        workers = _workers(1, stage.env, folder)
        _wait_ready(url, 1)  # the worker is up and idle before the first post falls due
        from datetime import timedelta

        queue_many(accounts, args.deliveries, start=utcnow() + timedelta(seconds=2),
                   spread_seconds=args.horizon)
        _wait_published(url, args.deliveries, args.horizon + 120)
        _stop(workers)
        with Session(get_engine(url)) as session:
            rows = session.exec(select(Attempt.started_at, Delivery.scheduled_at)
                                .join(Delivery, Delivery.id == Attempt.delivery_id)).all()
        late = sorted(max(0.0, (a - s).total_seconds()) for a, s in rows)
    finally:
        stage.close()
    p99 = percentile(late, 0.99)
    return {"figure": "punctuality", "setup": f"{args.deliveries} due over {args.horizon:g} s, "
            "1 worker", "measured": f"lateness p50 {statistics.median(late) * 1000:.0f} ms, "
            f"p99 {p99 * 1000:.0f} ms, max {late[-1] * 1000:.0f} ms", "goal": "p99 < 1 s",
            "met": "yes" if p99 < 1.0 else "no"}


def cpu_per_delivery(args: argparse.Namespace, folder: Path) -> dict:
    from scaleout_kit import make_accounts, queue_many

    from outreach.dispatch.dispatcher import run_due

    n = min(args.deliveries, 1000)
    url = f"sqlite:///{folder / 'cpu.db'}"
    stage = Stage(url, folder / "c")
    try:
        accounts = make_accounts(4)

        def publish(count: int) -> int:
            done = 0
            while done < count:
                result = run_due(concurrency=1)
                done += len(result.published)
                if not result.published and not result.more:
                    break
            return done

        # Start-up is not per delivery: a worker imports the platform clients (~0.35 s of CPU
        # for X's text counting) and opens its connections once, however many posts follow.
        warm = 5 if args.quick else WARM_UP
        queue_many(accounts, warm, tag="warm-up ")
        publish(warm)
        queue_many(accounts, n)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        done = publish(n)
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    finally:
        stage.close()
    per = cpu / max(1, done) * 1000
    return {"figure": "CPU per delivery", "setup": f"{done} deliveries, 0 ms latency, SQLite",
            "measured": f"mean {per:.2f} ms CPU, {wall / max(1, done) * 1000:.2f} ms wall",
            "goal": "mean < 2 ms CPU", "met": "yes" if per < 2 else "no"}


def throughput(args: argparse.Namespace, folder: Path, latency_ms: int = 100) -> dict:
    from scaleout_kit import make_accounts

    from outreach.config import get_settings

    concurrency = get_settings().worker_concurrency
    n = 40 if args.quick else 400
    url = f"sqlite:///{folder / 'throughput.db'}"
    stage = Stage(url, folder / "t")
    try:
        stage.latency(latency_ms)
        accounts = make_accounts(concurrency * 2)
        workers = _workers(1, stage.env, folder)
        _wait_ready(url, 1)
        rate = _rate(url, accounts, n, 300)
        _stop(workers)
    finally:
        stage.close()
    limit = concurrency / (latency_ms / 1000)
    return {"figure": "throughput", "setup": f"{n} deliveries, {latency_ms} ms latency, "
            f"1 worker × {concurrency}", "measured": f"{rate:.1f}/s of a {limit:.0f}/s limit "
            f"({rate / limit:.0%})", "goal": "≥ 80 % of limit",
            "met": "yes" if rate >= 0.8 * limit else "no"}


def pg_scaling(args: argparse.Namespace, folder: Path) -> list[dict]:
    if not args.postgres:
        why = ("skipped in --quick" if args.quick
               else "skipped: no server (set OUTREACH_TEST_POSTGRES_URL)")
        return [{"figure": "PostgreSQL 1 vs 4 workers", "setup": why, "measured": "",
                 "goal": "≥ 3.5×", "met": "n/a"}]
    import sqlalchemy as sa
    from scaleout_kit import make_accounts
    from sqlalchemy.engine import make_url

    rates = {}
    dupes = 0
    n = 80 if args.quick else 800
    for count in (1, 4):
        name = "outreach_bench_" + uuid.uuid4().hex[:8]
        admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
        stage = Stage(url, folder / f"pg{count}")
        try:
            stage.latency(100)
            accounts = make_accounts(ACCOUNTS)
            workers = _workers(count, stage.env, folder)
            _wait_ready(url, count)
            rates[count] = _rate(url, accounts, n, 600)
            _stop(workers)
            dupes += stage.duplicates()
        finally:
            stage.close()
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    ratio = rates[4] / rates[1]
    return [{"figure": "PostgreSQL 1 vs 4 workers", "setup": f"{n} deliveries each, 100 ms "
             f"latency, {ACCOUNTS} accounts", "measured": f"1 worker {rates[1]:.1f}/s, "
             f"4 workers {rates[4]:.1f}/s: {ratio:.2f}×, {dupes} duplicates",
             "goal": "≥ 3.5×, 0 duplicates",
             "met": "yes" if ratio >= 3.5 and dupes == 0 else "no"}]


def run(args: argparse.Namespace) -> list[dict]:
    folder = Path(tempfile.mkdtemp(prefix="outreach-bench-dispatch-"))
    saved = dict(os.environ)
    try:
        args.quick = getattr(args, "quick", False)
        if args.quick:
            args.deliveries, args.horizon = 20, 2.0
        rows = [punctuality(args, folder), cpu_per_delivery(args, folder),
                throughput(args, folder)]
        rows += pg_scaling(args, folder)
        if args.quick:  # a smoke test: tiny sizes say nothing of the goals
            for row in rows:
                row["met"] = "n/a (--quick)"
        return rows
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    parser.add_argument("--quick", action="store_true")
    for row in run(parser.parse_args()):
        print(row)
