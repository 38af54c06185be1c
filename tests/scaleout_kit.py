"""Helpers for tests and benchmarks that run many deliveries through real worker processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from outreach.config import get_settings
from outreach.crypto import encrypt_credentials
from outreach.db import get_engine
from outreach.models import Account, Delivery, Post, utcnow

OUTREACH = str(Path(sys.executable).with_name("outreach"))


def make_accounts(n: int) -> list[int]:
    """n X accounts stored the way the web UI stores them (credentials encrypted)."""
    settings = get_settings()
    ids = []
    with Session(get_engine(settings.database_url)) as session:
        for i in range(n):
            uid = 5000 + i
            creds = {"consumer_key": "ck-load", "consumer_secret": "cs-load-secret",
                     "access_token": f"{uid}-load-token", "access_token_secret": "ts-load-secret"}
            account = Account(platform="x", external_id=str(uid), name=f"@beban{i}",
                              credentials_encrypted=encrypt_credentials(settings, creds))
            session.add(account)
            session.flush()
            ids.append(account.id)
        session.commit()
    return ids


def queue_many(account_ids: list[int], n: int, *, start: datetime | None = None,
               spread_seconds: float = 0.0, tag: str = "") -> list[int]:
    """n deliveries with unique texts, spread round-robin over the accounts (bulk insert)."""
    start = start or utcnow()
    settings = get_settings()
    with Session(get_engine(settings.database_url)) as session:
        post = Post(kind="free", text="load", author="test")
        session.add(post)
        session.flush()
        rows = []
        for i in range(n):
            when = start + timedelta(seconds=spread_seconds * i / max(1, n))
            rows.append(Delivery(post_id=post.id, account_id=account_ids[i % len(account_ids)],
                                 platform="x", text=f"Uji beban {tag}#{i} — pos nomor {i}",
                                 scheduled_at=when, next_attempt_at=when, status="scheduled"))
        session.add_all(rows)
        session.commit()
        return [d.id for d in rows]


def counts(url: str) -> dict[str, int]:
    with Session(get_engine(url)) as session:
        rows = session.exec(select(Delivery.status, func.count()).group_by(Delivery.status))
        return {status: n for status, n in rows.all()}


def start_worker(env: dict[str, str], log_path: Path) -> subprocess.Popen:
    handle = log_path.open("ab")
    return subprocess.Popen([OUTREACH, "worker"], env=env, stdout=handle, stderr=handle,
                            start_new_session=True)


def stop_worker(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def worker_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()}
    env.update(extra or {})
    return env


def sandbox_raise_limits(sandbox_url: str) -> None:
    for endpoint in ("x.create_tweet", "x.get_tweets", "x.user_tweets"):
        httpx.post(sandbox_url + "/_sandbox/limits",
                   json={"endpoint": endpoint, "limit": 1_000_000, "window": 900})


def wait_until(predicate, timeout: float, every: float = 0.5) -> bool:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(every)
    return predicate()
