"""Engagement sync figures (issue 7): a sync of 100,000 published deliveries — metric calls used
against the minimum (⌈N/100⌉ on X, ⌈2N/50⌉ Graph batches on Facebook and Instagram: a
post's own fields and its insights are two sub-requests, so a refused insights keeps the
rest), time, and
the same on X within X's real window (900 calls / 15 min per user: the sync stops at the window,
with no 429), and X's replies: posts a few hours old, whose replies are read with recent searches
that OR several posts' `conversation_id:` terms (searches against ⌈N/10⌉ for the N posts whose
replies were read; pages of more than 100 replies apart).

The sandbox runs as its own process, seeded with the posts (published a minute ago: their first
snapshot, before anyone commented, so the figure is the metric sync alone; on Facebook and
Instagram new comments ride in the same batches, so their "comment calls" stay 0 unless a post
has more new comments than one batch answer holds; elsewhere one call per post whose comment
count changed, within a budget per pass), so its CPU is not counted here. The deliveries are
bulk-inserted into a fresh SQLite database.

Run: `python -m bench engagement_sync` (or standalone `python -m bench.engagement_sync`);
`--quick`: tiny sizes, a smoke test.
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
X_USER, PAGE, IG_USER = "1500", "104857600123", "17841400000000123"
SHARES = {"x": 0.5, "facebook": 0.3, "instagram": 0.2}
BATCH = {"x": 100, "facebook": 25, "instagram": 25}  # posts per metrics call


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sync-deliveries", type=int, default=100_000,
                        help="engagement_sync: published deliveries to sync")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def remote_ids(platform: str, n: int) -> list[str]:
    if platform == "x":
        return [str(1_900_000_000_000_000_000 + i * 4096) for i in range(n)]
    if platform == "facebook":
        return [f"{PAGE}_{10**14 + 1 + i}" for i in range(n)]
    return [str(18_000_000_000_000_001 + i) for i in range(n)]


def serve(port: str, counts: str, age: str) -> None:
    """The sandbox in this process, holding the posts (run in a child process)."""
    from datetime import timedelta

    from outreach.sandbox.server import SandboxServer
    from outreach.sandbox.state import SandboxPost

    server = SandboxServer(seed=11)
    state = server.sandbox
    made = state.clock.now() - timedelta(seconds=float(age))
    owners = {"x": X_USER, "facebook": PAGE, "instagram": IG_USER}
    for platform, n in zip(SHARES, (int(c) for c in counts.split(",")), strict=True):
        for rid in remote_ids(platform, n):
            state.posts[(platform, rid)] = SandboxPost(platform=platform, id=rid,
                                                       account=owners[platform],
                                                       text="bench", created_at=made)
    server.start("127.0.0.1", int(port))
    while True:
        time.sleep(3600)


class Stage:
    def __init__(self, folder: Path, counts: dict[str, int], age: float = 60):
        self.url = f"http://127.0.0.1:{_free_port()}"
        port = self.url.rsplit(":", 1)[1]
        arg = ",".join(str(counts.get(p, 0)) for p in SHARES)
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from bench.engagement_sync import serve; "
             f"serve({port!r}, {arg!r}, {str(age)!r})"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(self.url + "/_sandbox/faults", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the sandbox did not start") from None
                time.sleep(0.2)
        self.database_url = f"sqlite:///{folder / 'sync.db'}"
        os.environ.update({
            "OUTREACH_DATABASE_URL": self.database_url, "OUTREACH_LOG_LEVEL": "WARNING",
            "OUTREACH_X_API_URL": self.url + "/x", "OUTREACH_GRAPH_API_URL": self.url + "/graph",
            "OUTREACH_X_CONSUMER_KEY": "bench-ck", "OUTREACH_X_CONSUMER_SECRET": "bench-cs",
            "OUTREACH_X_ACCESS_TOKEN": f"{X_USER}-bench-token",
            "OUTREACH_X_ACCESS_TOKEN_SECRET": "bench-ts", "OUTREACH_FACEBOOK_PAGE_ID": PAGE,
            "OUTREACH_FACEBOOK_PAGE_TOKEN": "EAAbenchpage", "OUTREACH_INSTAGRAM_USER_ID": IG_USER,
            "OUTREACH_INSTAGRAM_ACCESS_TOKEN": "EAAbenchig"})
        self._deliveries(counts, age)

    def limits(self, **limits: int) -> None:
        for endpoint, n in limits.items():
            httpx.post(self.url + "/_sandbox/limits", json={
                "endpoint": endpoint.replace("_", ".", 1), "limit": n, "window": 900},
                timeout=10).raise_for_status()

    def calls(self) -> dict[str, int]:
        return httpx.get(self.url + "/_sandbox/state", timeout=600).json()["calls"]

    def _deliveries(self, counts: dict[str, int], age: float) -> None:
        from datetime import timedelta

        from sqlalchemy import insert
        from sqlmodel import Session, select

        from outreach.config import get_settings
        from outreach.db import get_engine, init_db
        from outreach.models import Account, Delivery, Post, utcnow
        from outreach.platforms import sync_env_accounts

        init_db(self.database_url)
        settings = get_settings()
        engine = get_engine(self.database_url)
        when = utcnow() - timedelta(seconds=age)
        with Session(engine) as session:
            sync_env_accounts(session, settings)
            post = Post(kind="free", template="free/x.id.j2", text="bench", author="bench")
            session.add(post)
            session.commit()
            accounts = {a.platform: a.id for a in session.exec(select(Account))}
            for platform, n in counts.items():
                rows = [{"post_id": post.id, "account_id": accounts[platform],
                         "platform": platform, "text": "bench", "media": [], "alt_text": [],
                         "remote_extra": {}, "scheduled_at": when, "status": "published",
                         "attempts": 1, "remote_id": rid, "published_at": when,
                         "next_sync_at": when, "created_at": when, "updated_at": when,
                         "sync_misses": 0, "comments_seen": 0}
                        for rid in remote_ids(platform, n)]
                for i in range(0, len(rows), 10_000):
                    session.execute(insert(Delivery), rows[i:i + 10_000])
            session.commit()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        from outreach.db import dispose_engines

        dispose_engines()


def _sync() -> tuple[float, int, int, list[str], int, int]:
    from outreach.config import get_settings
    from outreach.engagement.sync import sync_pass

    settings = get_settings()
    started = time.perf_counter()
    snapshots = calls = comment_calls = comments = 0
    waiting: list[str] = []
    while True:
        result = sync_pass(settings)
        snapshots += result.snapshots
        calls += result.calls
        comment_calls += result.comment_calls
        comments += result.comments
        waiting += result.waiting
        if result.errors:
            raise RuntimeError("; ".join(result.errors[:3]))
        if not result.more:
            return (time.perf_counter() - started, snapshots, calls, waiting, comment_calls,
                    comments)


def _replies_read(database_url: str) -> int:
    """X deliveries whose replies were read (their comment count is marked seen)."""
    from sqlalchemy import func
    from sqlmodel import Session, select

    from outreach.db import get_engine
    from outreach.models import Delivery

    with Session(get_engine(database_url)) as session:
        return session.exec(select(func.count()).select_from(Delivery).where(
            Delivery.platform == "x", Delivery.comments_seen > 0)).one()


def run(args: argparse.Namespace) -> list[dict]:
    total = 500 if args.quick else args.sync_deliveries
    counts = {p: int(total * share) for p, share in SHARES.items()}
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-sync-") as folder:
        (Path(folder) / "all").mkdir()
        stage = Stage(Path(folder) / "all", counts)
        try:
            # Generous windows: this row measures calls and time, not the platforms' limits.
            stage.limits(x_get_tweets=10**6, facebook_calls=10**7, instagram_calls=10**7)
            seconds, snapshots, calls, _, comment_calls, _ = _sync()
            seen = stage.calls()
        finally:
            stage.close()
        minimum = {p: math.ceil(n / BATCH[p]) for p, n in counts.items()}
        used = {"x": seen.get("x.get_tweets", 0), "graph": seen.get("graph.batch", 0)}
        rows.append({
            "setup": f"{total:,} deliveries (X {counts['x']:,}, Facebook "
                     f"{counts['facebook']:,}, Instagram {counts['instagram']:,}), SQLite",
            "calls": f"{used['x'] + used['graph']:,} (X {used['x']}, Graph {used['graph']})",
            "minimum": f"{sum(minimum.values()):,} (X {minimum['x']}, Graph "
                       f"{minimum['facebook'] + minimum['instagram']})",
            "snapshots": f"{snapshots:,}", "comment calls": comment_calls,
            "seconds": round(seconds, 1),
            "s per 1,000 snapshots": f"{seconds / snapshots * 1000:.2f}",
            "met": "yes" if used["x"] == minimum["x"] and snapshots == total and
            used["graph"] == minimum["facebook"] + minimum["instagram"] else "no"})

        # X's real window: 900 calls per 15 minutes per user (--quick: 5 calls, 1,000 posts).
        n, window = (1_000, 5) if args.quick else (100_000, 900)
        (Path(folder) / "x").mkdir()
        stage = Stage(Path(folder) / "x", {"x": n})
        try:
            stage.limits(x_get_tweets=window)
            seconds, snapshots, calls, waiting, comment_calls, _ = _sync()
            seen = stage.calls().get("x.get_tweets", 0)
        finally:
            stage.close()
        rows.append({
            "setup": f"{n:,} X deliveries, a window of {window} calls / 15 min",
            "calls": f"{seen:,}, answered 429: {seen - math.ceil(snapshots / 100)}",
            "minimum": f"{math.ceil(n / 100):,}, window {window}",
            "snapshots": f"{snapshots:,} now, {n - snapshots:,} after the reset",
            "comment calls": comment_calls, "seconds": round(seconds, 1),
            "s per 1,000 snapshots": f"{seconds / max(1, snapshots) * 1000:.2f}",
            "met": "yes" if seen == window == math.ceil(snapshots / 100) and waiting else "no"})

        # X's replies: posts three hours old have a few replies each; the sync reads those of
        # the posts whose reply count grew (up to its budget per pass), several posts a search.
        n = 300 if args.quick else 1_000
        (Path(folder) / "replies").mkdir()
        stage = Stage(Path(folder) / "replies", {"x": n}, age=3 * 3600)
        try:
            stage.limits(x_get_tweets=10**6, x_search_recent=10**6)
            seconds, snapshots, calls, _, comment_calls, comments = _sync()
            seen = stage.calls()
            read = _replies_read(stage.database_url)
        finally:
            stage.close()
        metric_calls, metric_min = seen.get("x.get_tweets", 0), math.ceil(n / 100)
        searches = seen.get("x.search_recent.queries", 0)
        pages = seen.get("x.search_recent", 0)
        rows.append({
            "setup": f"{n:,} X deliveries 3 h old: replies of {read:,} read ({comments:,} "
                     "replies)",
            "calls": f"metrics {metric_calls}; reply searches {searches} ({pages} with pages)",
            "minimum": f"metrics {metric_min}; searches ⌈{read}/10⌉ = {math.ceil(read / 10)}",
            "snapshots": f"{snapshots:,}", "comment calls": comment_calls,
            "seconds": round(seconds, 1),
            "per 1,000": f"{seconds / max(1, snapshots) * 1000:.2f} s",
            "met": "yes" if metric_calls == metric_min and read and comments
            and searches <= math.ceil(read / 10) else "no"})
    return rows


def main() -> int:
    from bench.__main__ import format_table

    parser = argparse.ArgumentParser(prog="python -m bench.engagement_sync")
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    print(format_table([{"figure": "engagement_sync", **r} for r in run(parser.parse_args())]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
