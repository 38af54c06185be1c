"""Publishing semantics against the sandbox with its faults: each outcome ends where DESIGN.md
says, nothing is published twice, and a person is told why when something is not published."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from outreach.config import get_settings
from outreach.db import get_engine
from outreach.dispatch import claim, run_due
from outreach.models import Account, Attempt, Delivery, utcnow
from outreach.queue import NewPost, create_post, retry


def queue_posts(*texts: str, at=None) -> list[int]:
    settings = get_settings()
    ids = []
    with Session(get_engine(settings.database_url), expire_on_commit=False) as session:
        for text in texts:
            (d,) = create_post(session, settings, NewPost(
                platforms=["x"], text=text, images=[], alt_texts=[], at=at or utcnow()))
            ids.append(d.id)
    return ids


def fault(sandbox, **spec) -> None:
    r = httpx.post(sandbox.url + "/_sandbox/faults", json={"endpoint": "x.create_tweet", **spec})
    assert r.status_code in (200, 201), r.text


def load(delivery_id: int) -> Delivery:
    with Session(get_engine(get_settings().database_url)) as session:
        return session.get(Delivery, delivery_id)


def account() -> Account:
    with Session(get_engine(get_settings().database_url)) as session:
        return session.exec(select(Account)).one()


def test_published_with_attempt_on_record(db_url, sandbox_env):
    (d_id,) = queue_posts("Selamat pagi, Bontang!")
    result = run_due()
    assert result.published == [d_id]
    d = load(d_id)
    assert d.status == "published" and d.remote_id and d.attempts == 1
    with Session(get_engine(db_url)) as session:
        (attempt,) = session.exec(select(Attempt)).all()
    assert attempt.outcome == "published" and attempt.remote_id == d.remote_id
    assert attempt.finished_at >= attempt.started_at


def test_rate_limit_waits_for_reset_and_is_not_a_failure(db_url, sandbox_env):
    (d_id,) = queue_posts("Kuota habis")
    fault(sandbox_env, mode="rate_limit", seconds=120)
    run_due()
    d = load(d_id)
    assert d.status == "retry_wait" and d.attempts == 0
    wait = (d.next_attempt_at - utcnow()).total_seconds()
    assert 100 < wait <= 125
    assert "limit" in d.last_error
    assert sandbox_env.state()["x"] == []


def test_auth_expired_holds_every_delivery_of_the_account(db_url, sandbox_env):
    ids = queue_posts("Satu", "Dua", at=utcnow())
    later = queue_posts("Tiga", at=utcnow() + timedelta(hours=2))
    fault(sandbox_env, mode="status", status=401)
    run_due()
    statuses = {load(i).status for i in ids + later}
    assert statuses == {"held"}
    acct = account()
    assert acct.health == "needs_reconnect" and "reconnect" in acct.health_reason
    # A held account is not tried again until it is reconnected.
    assert run_due().published == []
    assert sandbox_env.state()["x"] == []


def test_duplicate_content_fails_with_plain_reason(db_url, sandbox_env):
    first, second = queue_posts("Teks yang sama", "Teks yang sama")
    run_due()
    assert load(first).status == "published"
    d = load(second)
    assert d.status == "failed"
    assert d.last_error_kind == "rejected" and "same text" in d.last_error
    assert len(sandbox_env.state()["x"]) == 1


@pytest.mark.parametrize("spec", [
    {"mode": "lost"},
    {"mode": "status", "status": 503},
])
def test_unknown_outcome_is_never_blindly_retried(db_url, sandbox_env, spec):
    (d_id,) = queue_posts("Jawaban hilang")
    fault(sandbox_env, **spec)
    run_due()
    d = load(d_id)
    # X's sandbox cannot be searched yet, so the outcome stays unknown and a person decides.
    assert d.status == "unconfirmed"
    assert "check" in d.last_error
    posted_before = len(sandbox_env.state()["x"])
    run_due()
    run_due()
    assert len(sandbox_env.state()["x"]) == posted_before  # no duplicate
    assert load(d_id).status == "unconfirmed"


def test_transient_network_error_retries_later(db_url, sandbox_env, monkeypatch):
    # Nothing listens on this port: the connection is refused before anything is sent.
    monkeypatch.setenv("OUTREACH_X_API_URL", "http://127.0.0.1:9/x")
    (d_id,) = queue_posts("Tidak terkirim")
    run_due()
    d = load(d_id)
    assert d.status == "retry_wait" and d.next_attempt_at > utcnow()
    with Session(get_engine(db_url)) as session:
        retry(session, d_id, "test")
    monkeypatch.setenv("OUTREACH_X_API_URL", sandbox_env.url + "/x")
    assert run_due().published == [d_id]


def test_claim_is_taken_once(db_url, sandbox_env):
    (d_id,) = queue_posts("Satu kali saja")
    settings = get_settings()
    now = utcnow()
    with Session(get_engine(db_url)) as a, Session(get_engine(db_url)) as b:
        assert claim(a, d_id, "worker-a", settings, now) is True
        assert claim(b, d_id, "worker-b", settings, now) is False


def test_overdue_post_is_missed_not_published_late(db_url, sandbox_env):
    (d_id,) = queue_posts("Terlambat", at=utcnow() - timedelta(hours=7))
    run_due()
    d = load(d_id)
    assert d.status == "missed" and "hours" in d.last_error
    assert sandbox_env.state()["x"] == []


def test_expired_lease_is_reconciled_not_republished(db_url, sandbox_env):
    (d_id,) = queue_posts("Pekerja mati")
    with Session(get_engine(db_url)) as session:
        d = session.get(Delivery, d_id)
        d.status, d.locked_by = "publishing", "dead-worker"
        d.lease_until = utcnow() - timedelta(seconds=1)
        session.add(d)
        session.commit()
    run_due()
    d = load(d_id)
    assert d.status == "unconfirmed" and d.locked_by is None
    assert sandbox_env.state()["x"] == []
