"""Several `outreach worker` processes on one PostgreSQL database: every delivery is published
exactly once, and a chaos run (workers killed with SIGKILL while the sandbox fails, throttles and
loses answers) leaves no duplicate and loses nothing. CI runs these with a real PostgreSQL server;
bench/ has the long forms."""

from __future__ import annotations

import collections
import random
import signal
import time

import httpx
import pytest
from scaleout_kit import (
    counts,
    make_accounts,
    queue_many,
    sandbox_raise_limits,
    start_worker,
    stop_worker,
    wait_until,
    worker_env,
)
from sqlmodel import Session, select

from outreach.db import get_engine, init_db
from outreach.models import Account, Attempt, Delivery


@pytest.fixture
def scale_env(pg_url, sandbox_env, fast_schedule, monkeypatch):
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "test-secret-key-for-scaleout")
    monkeypatch.setenv("OUTREACH_LEASE_SECONDS", "5")
    monkeypatch.setenv("OUTREACH_RETRY_BASE_SECONDS", "0.5")
    monkeypatch.setenv("OUTREACH_LOG_LEVEL", "WARNING")
    init_db(pg_url)
    sandbox_raise_limits(sandbox_env.url)
    return pg_url


def _posted_texts(sandbox) -> collections.Counter:
    return collections.Counter(p["text"] for p in sandbox.state()["x"])


def test_three_workers_publish_2000_deliveries_exactly_once(scale_env, sandbox_env, tmp_path):
    accounts = make_accounts(12)
    ids = queue_many(accounts, 2000)
    env = worker_env()
    workers = [start_worker(env, tmp_path / f"worker{i}.log") for i in range(3)]
    try:
        done = wait_until(lambda: counts(scale_env).get("published", 0) == 2000, timeout=240)
    finally:
        for w in workers:
            stop_worker(w)
    assert done, counts(scale_env)
    texts = _posted_texts(sandbox_env)
    assert len(texts) == 2000 and max(texts.values()) == 1
    with Session(get_engine(scale_env)) as session:
        deliveries = session.exec(select(Delivery).where(Delivery.id.in_(ids))).all()
        attempts = session.exec(select(Attempt)).all()
        leased = session.exec(select(Account).where(Account.locked_by.is_not(None))).all()
    assert {d.status for d in deliveries} == {"published"}
    assert len({d.remote_id for d in deliveries}) == 2000
    assert len(attempts) == 2000  # one try each: nothing was claimed twice
    # Every attempt names the process that made it (worker:host:pid:tag), one of the three
    # started here, and each of them took a share.
    assert {a.worker.rsplit(":", 2)[1] for a in attempts} == {str(w.pid) for w in workers}
    assert len({a.worker for a in attempts}) == 3  # the work was shared
    assert leased == []  # SIGTERM released every lease
    # Each account's posts went out in their order.
    by_account = collections.defaultdict(list)
    for d in sorted(deliveries, key=lambda d: d.published_at):
        by_account[d.account_id].append(d.id)
    assert all(order == sorted(order) for order in by_account.values())


def _faults(url: str) -> None:
    for spec in (
        {"endpoint": "x.create_tweet", "mode": "status", "status": 503, "rate": 0.08},
        {"endpoint": "x.create_tweet", "mode": "lost", "rate": 0.08},
        {"endpoint": "x.create_tweet", "mode": "rate_limit", "seconds": 2, "rate": 0.03},
        {"endpoint": "x.create_tweet", "mode": "latency", "ms": 30, "rate": 0.3},
    ):
        r = httpx.post(url + "/_sandbox/faults", json=spec)
        assert r.status_code in (200, 201), r.text


def test_chaos_kills_and_faults_lose_nothing_and_duplicate_nothing(scale_env, sandbox_env,
                                                                    tmp_path):
    rng = random.Random(20261129)
    accounts = make_accounts(6)
    n = 300
    queue_many(accounts, n, tag="kacau")
    _faults(sandbox_env.url)
    env = worker_env()
    workers = [start_worker(env, tmp_path / f"w{i}.log") for i in range(3)]
    kills = 0
    deadline = time.monotonic() + 25
    try:
        while time.monotonic() < deadline:
            time.sleep(rng.uniform(0.3, 1.5))
            victim = rng.randrange(len(workers))
            workers[victim].send_signal(signal.SIGKILL)
            workers[victim].wait()
            kills += 1
            workers[victim] = start_worker(env, tmp_path / f"w{victim}.log")
        # Calm: no more faults; let the survivors reconcile expired leases and finish.
        httpx.delete(sandbox_env.url + "/_sandbox/faults")

        def settled() -> bool:
            c = counts(scale_env)
            return sum(c.get(s, 0) for s in ("scheduled", "retry_wait", "publishing")) == 0

        assert wait_until(settled, timeout=240), counts(scale_env)
    finally:
        for w in workers:
            stop_worker(w)
    assert kills >= 10
    texts = _posted_texts(sandbox_env)
    assert max(texts.values()) == 1, [t for t, c in texts.items() if c > 1]
    with Session(get_engine(scale_env)) as session:
        deliveries = session.exec(select(Delivery)).all()
    assert len(deliveries) == n
    posted = set(texts)
    for d in deliveries:
        if d.status == "published":
            assert d.text in posted and d.remote_id
        else:  # a person is told why
            assert d.status in ("unconfirmed", "failed") and d.last_error, d
            if d.status == "failed":
                assert d.text not in posted
    # Most deliveries made it; every post on the platform belongs to a published delivery.
    published = {d.text for d in deliveries if d.status == "published"}
    assert len(published) >= n * 0.75
    assert posted <= published | {d.text for d in deliveries if d.status == "unconfirmed"}
