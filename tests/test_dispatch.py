"""Publishing semantics against the sandbox with its faults: each outcome ends where
docs/architecture.md says, nothing is published twice, and a person is told why when something is
not published."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlmodel import Session, select

from outreach.config import get_settings
from outreach.db import get_engine, init_db
from outreach.desk.queue import NewPost, create_post, retry
from outreach.dispatch.claims import claim
from outreach.dispatch.dispatcher import run_due
from outreach.models import Account, Attempt, Delivery, utcnow


@pytest.fixture(autouse=True)
def _no_spacing(fast_schedule):
    return fast_schedule


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, monkeypatch) -> str:
    """Every test here on SQLite and, when a server is configured, on PostgreSQL: the two run
    different statements on the hot path (dispatch/claims.py)."""
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
    else:
        url = f"sqlite:///{tmp_path / 'outreach.db'}"
        monkeypatch.setenv("OUTREACH_DATABASE_URL", url)
    init_db(url)
    return url


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
        return session.exec(select(Account).where(Account.platform == "x")).one()


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


def test_lost_answer_is_found_on_the_platform_not_posted_twice(db_url, sandbox_env):
    """The post reached X but the answer was lost: reconcile finds it among the account's
    recent posts, so the delivery is published with the remote id, and X has it once."""
    (d_id,) = queue_posts("Jawaban hilang")
    fault(sandbox_env, mode="lost")
    result = run_due()
    d = load(d_id)
    assert result.published == [d_id] and d.status == "published"
    [stored] = sandbox_env.state()["x"]
    assert d.remote_id == stored["id"] and stored["text"] == "Jawaban hilang"
    run_due()
    assert len(sandbox_env.state()["x"]) == 1


def test_server_error_not_found_on_the_platform_is_retried_once(db_url, sandbox_env):
    """A 503 on the publish call: the outcome is unknown, the post is looked for, not found,
    so it is retried later and published exactly once."""
    (d_id,) = queue_posts("Server sibuk")
    fault(sandbox_env, mode="status", status=503)
    run_due()
    d = load(d_id)
    assert d.status == "retry_wait" and d.last_error_kind == "unknown_outcome"
    assert "not found" in d.last_error and sandbox_env.state()["x"] == []
    with Session(get_engine(db_url)) as session:
        retry(session, d_id, "test")
    assert run_due().published == [d_id]
    assert len(sandbox_env.state()["x"]) == 1


def test_cannot_tell_leaves_it_unconfirmed(db_url, sandbox_env):
    """The answer is lost and the platform cannot be searched either: a person decides."""
    (d_id,) = queue_posts("Tidak bisa dipastikan")
    fault(sandbox_env, mode="lost")
    httpx.post(sandbox_env.url + "/_sandbox/faults",
               json={"endpoint": "x.user_tweets", "mode": "status", "status": 503})
    run_due()
    d = load(d_id)
    assert d.status == "unconfirmed" and "check" in d.last_error
    run_due()
    run_due()
    assert len(sandbox_env.state()["x"]) == 1  # never blindly retried
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
    # Looked for on X, not there: safe to try again (never blindly, never silently dropped).
    assert d.status == "retry_wait" and d.locked_by is None
    assert "not found" in d.last_error
    assert sandbox_env.state()["x"] == []


def test_account_spacing_and_order_are_kept(db_url, sandbox_env, monkeypatch, fast_schedule):
    (fast_schedule / "zz-test.yaml").write_text("platforms:\n  x: {spacing_minutes: 30}\n")
    first, second = queue_posts("Pertama", "Kedua")
    result = run_due()
    assert result.published == [first]
    d1, d2 = load(first), load(second)
    assert d2.status == "scheduled"
    assert d2.next_attempt_at == d1.published_at + timedelta(minutes=30)
    assert [p["text"] for p in sandbox_env.state()["x"]] == ["Pertama"]


def test_held_deliveries_resume_when_account_is_reconnected(db_url, sandbox_env):
    from outreach.dispatch.outcomes import resume_account

    now_id, = queue_posts("Sekarang")
    later_id, = queue_posts("Nanti", at=utcnow() + timedelta(hours=2))
    fault(sandbox_env, mode="status", status=401)
    run_due()
    assert {load(now_id).status, load(later_id).status} == {"held"}
    with Session(get_engine(db_url)) as session:
        acct = session.exec(select(Account).where(Account.platform == "x")).one()
        assert resume_account(session, acct, "admin@perpustakaan.id") == 2
    assert run_due().published == [now_id]
    d_later = load(later_id)
    assert d_later.status == "scheduled"  # keeps its own time: not published early
    assert d_later.next_attempt_at == d_later.scheduled_at
    assert account().health == "ok"


def test_idle_worker_waits_only_for_posts_it_may_publish(db_url, sandbox_env):
    """A worker sleeps until the next post it could take: one on an account another worker is
    serving, held, or waiting for a rate-limit reset does not wake it again and again."""
    from outreach.dispatch.dispatcher import next_due_at

    settings = get_settings()
    (d_id,) = queue_posts("Sedang dilayani pekerja lain", at=utcnow() - timedelta(seconds=5))
    assert next_due_at(settings, servable=True) == load(d_id).next_attempt_at

    def set_account(**values):
        with Session(get_engine(db_url)) as session:
            acct = session.exec(select(Account).where(Account.platform == "x")).one()
            for key, value in values.items():
                setattr(acct, key, value)
            session.add(acct)
            session.commit()

    soon = utcnow() + timedelta(seconds=30)
    for values in ({"locked_by": "other-worker", "lease_until": soon},
                   {"health": "needs_reconnect"},
                   {"rate_remaining": 0, "rate_reset_at": soon}):
        set_account(**values)
        assert next_due_at(settings, servable=True) is None, values
        assert next_due_at(settings) == load(d_id).next_attempt_at  # `status` still shows it
        set_account(locked_by=None, lease_until=None, health="ok", rate_remaining=None,
                    rate_reset_at=None)
    assert next_due_at(settings, servable=True) == load(d_id).next_attempt_at


def test_a_failing_claim_does_not_lose_the_publish_before_it(db_url, sandbox_env):
    """A publish's record is committed with the next claim; when that claim fails (here the
    database refuses its Attempt row), the record is written again on its own: the post that
    went out is on record, the next one was not taken, and the account is free again."""
    first, second = queue_posts("Pertama tercatat", "Kedua ditolak")
    engine = get_engine(db_url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                                 "RAISE EXCEPTION 'refused'; END $$ LANGUAGE plpgsql")
            conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON attempt FOR EACH ROW "
                                 f"WHEN (NEW.delivery_id = {second}) EXECUTE FUNCTION refuse()")
        else:
            conn.exec_driver_sql(f"CREATE TRIGGER refuse BEFORE INSERT ON attempt WHEN "
                                 f"NEW.delivery_id = {second} BEGIN SELECT RAISE(ABORT, "
                                 "'refused'); END")
    with pytest.raises(Exception, match="refused"):
        run_due()
    d1, d2 = load(first), load(second)
    assert d1.status == "published" and d1.remote_id and d1.locked_by is None
    assert d2.status == "scheduled" and d2.attempts == 0 and d2.locked_by is None
    with Session(engine) as session:
        attempts = session.exec(select(Attempt)).all()
    assert [(a.delivery_id, a.outcome) for a in attempts] == [(first, "published")]
    assert account().locked_by is None and account().last_published_at == d1.published_at
    assert [p["text"] for p in sandbox_env.state()["x"]] == ["Pertama tercatat"]


def test_an_account_with_nothing_due_is_not_leased_for_nothing(db_url, sandbox_env):
    """Workers go through the same list of accounts: one reaching an account another worker
    has just served must not take it (and set up to serve it) when nothing of it is due."""
    from outreach.dispatch.claims import lease_account

    settings = get_settings()
    queue_posts("Nanti saja", at=utcnow() + timedelta(hours=1))
    acct = account()
    with get_engine(db_url).connect() as conn:
        assert not lease_account(conn, acct.id, "worker-a", settings, utcnow(), only_if_due=True)
        assert account().locked_by is None
        later = utcnow() + timedelta(hours=1, minutes=1)
        assert lease_account(conn, acct.id, "worker-a", settings, later, only_if_due=True)
        assert account().locked_by == "worker-a"
        # Renewing a lease does not depend on what is due.
        assert lease_account(conn, acct.id, "worker-a", settings, utcnow())


def test_credits_used_up_hold_the_account_until_an_admin_resumes_it(db_url, sandbox_env):
    from outreach.desk.accounts import resume

    options = sandbox_env.url + "/_sandbox/options"
    ids = queue_posts("Satu", "Dua", at=utcnow())
    httpx.post(options, json={"x.credits": 0}).raise_for_status()
    run_due()
    for d in map(load, ids):
        # Not "rejected": nothing is wrong with the posts, and no attempt is used up.
        assert d.status == "held" and d.last_error_kind == "out_of_credits" and d.attempts == 0
        assert "credits" in d.last_error
    acct = account()
    assert acct.health == "out_of_credits" and "Developer Console" in acct.health_reason
    assert run_due().published == [] and sandbox_env.state()["x"] == []
    httpx.post(options, json={"x.credits": -1}).raise_for_status()  # credits bought
    with Session(get_engine(db_url)) as session:
        acct = session.exec(select(Account).where(Account.platform == "x")).one()
        assert resume(session, get_settings(), acct, actor="admin@perpustakaan.id") == 2
    assert sorted(run_due().published) == sorted(ids)
    assert account().health == "ok"
