"""Publish what is due: every post goes out once, on time, or a person is told why not.

DESIGN.md, "Publishing semantics". One worker at a time holds an account (a lease row on the
account), so the account's posts keep their order and spacing however many workers run; accounts
are served in parallel, up to `concurrency` at once per worker. A delivery is claimed with a
guarded update (`rowcount == 1`; on PostgreSQL the candidate is picked `FOR UPDATE SKIP LOCKED`),
its Attempt row is committed before the platform is called, and an unknown outcome is reconciled
on the platform (`find_existing`) before anything is retried (`outcomes.py`). Leases are renewed
while a call is in flight, so a slow platform (Instagram processing) is not mistaken for a dead
worker. `run_due()` is one pass and says whether more work is waiting.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import insert, or_, update
from sqlmodel import Session, select

from outreach import outcomes
from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.media import ensure_asset, public_url
from outreach.models import Account, AccountHealth, Attempt, Delivery, DeliveryStatus, utcnow
from outreach.platforms import Platform, PublishError, client_for
from outreach.schedule import Schedule, load_schedule

log = logging.getLogger(__name__)
S = DeliveryStatus
DUE = (S.scheduled, S.retry_wait)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class PassResult:
    published: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # failed, held, unconfirmed, missed
    waiting: list[int] = field(default_factory=list)  # retry_wait
    more: bool = False  # due work remains that this pass did not reach

    def merge(self, other: PassResult) -> None:
        self.published += other.published
        self.failed += other.failed
        self.waiting += other.waiting
        self.more = self.more or other.more


def _session(settings: Settings) -> Session:
    return Session(get_engine(settings.database_url), expire_on_commit=False)


def media_resolver(settings: Settings):  # noqa: ANN201 - Callable[[str], str]
    """Media file path -> public URL (`{OUTREACH_PUBLIC_BASE_URL}/media/{token}/{name}`) for
    platforms that fetch images (Instagram). The asset row is committed before the URL is handed
    out: the platform fetches it while we wait for the answer."""

    def resolve(path: str) -> str:
        with _session(settings) as session:
            asset = ensure_asset(session, path)
            session.commit()
            return public_url(asset, settings)

    return resolve


def mark_missed(session: Session, settings: Settings, now: datetime) -> int:
    """Deliveries overdue past the window are not published late silently: staff decide."""
    cutoff = now - timedelta(hours=settings.missed_after_hours)
    result = session.execute(
        update(Delivery)
        .where(Delivery.status.in_(DUE), Delivery.scheduled_at < cutoff)
        .values(status=S.missed, updated_at=now, last_error_kind="missed",
                last_error=f"Not published within {settings.missed_after_hours:g} hours of its "
                "time; choose to publish it now or cancel it.")
    )
    session.commit()
    return result.rowcount or 0


# -- leases -------------------------------------------------------------------------------------
def lease_account(session: Session, account_id: int, worker: str, settings: Settings,
                  now: datetime) -> bool:
    result = session.execute(
        update(Account)
        .where(Account.id == account_id,
               or_(Account.lease_until.is_(None), Account.lease_until < now,
                   Account.locked_by == worker))
        .values(locked_by=worker, lease_until=now + timedelta(seconds=settings.lease_seconds))
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def release_account(session: Session, account_id: int, worker: str) -> None:
    session.execute(
        update(Account).where(Account.id == account_id, Account.locked_by == worker)
        .values(locked_by=None, lease_until=None).execution_options(synchronize_session=False)
    )
    session.commit()


def claim(session: Session, delivery_id: int, worker: str, settings: Settings,
          now: datetime) -> bool:
    """Take one delivery for this worker; False when another worker was first."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_(DUE),
               Delivery.next_attempt_at <= now)
        .values(status=S.publishing, locked_by=worker, attempts=Delivery.attempts + 1,
                lease_until=now + timedelta(seconds=settings.lease_seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


class _LeaseKeeper:
    """Renews the account's lease, and the lease of the delivery in flight, while a worker
    serves the account: a slow platform call is not mistaken for a dead worker."""

    def __init__(self, settings: Settings, account_id: int, worker: str):
        self.settings, self.worker, self.account_id = settings, worker, account_id
        self.delivery_id: int | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="lease-keeper")

    def _run(self) -> None:
        every = max(1.0, self.settings.lease_seconds / 3)
        while not self.stop.wait(every):
            until = utcnow() + timedelta(seconds=self.settings.lease_seconds)
            try:
                with _session(self.settings) as session:
                    if self.delivery_id is not None:
                        session.execute(update(Delivery).where(
                            Delivery.id == self.delivery_id, Delivery.locked_by == self.worker,
                            Delivery.status == S.publishing).values(lease_until=until))
                    session.execute(update(Account).where(
                        Account.id == self.account_id, Account.locked_by == self.worker)
                        .values(lease_until=until))
                    session.commit()
            except Exception:  # noqa: BLE001 - the next renewal tries again
                log.warning("could not renew the leases of account %s", self.account_id)

    def __enter__(self) -> _LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)


# -- one delivery --------------------------------------------------------------------------------
# The hot path uses a handful of Core statements per delivery (claim + attempt in one commit, the
# outcome in another): publishing thousands of posts should cost the database little.
_DELIVERY_COLUMNS = list(Delivery.__table__.c)
_ACCOUNT_COLUMNS = list(Account.__table__.c)
_DELIVERY_STATE = ("status", "next_attempt_at", "attempts", "lease_until", "locked_by", "remote_id",
                   "remote_url", "remote_extra", "published_at", "last_error", "last_error_kind",
                   "next_sync_at", "updated_at")
_ACCOUNT_STATE = ("health", "health_reason", "rate_remaining", "rate_reset_at",
                  "last_published_at", "updated_at")


def _claim_and_record(session: Session, where: list, worker: str, settings: Settings,
                      now: datetime) -> tuple[Delivery, int] | None:
    """Claim one due delivery matching `where` and put its Attempt on record, in one commit."""
    conn = session.connection()  # Core on the session's connection: no ORM work per statement
    row = conn.execute(
        update(Delivery)
        .where(*where, Delivery.status.in_(DUE), Delivery.next_attempt_at <= now)
        .values(status=S.publishing, locked_by=worker, attempts=Delivery.attempts + 1,
                lease_until=now + timedelta(seconds=settings.lease_seconds), updated_at=now)
        .returning(*_DELIVERY_COLUMNS)
    ).first()
    if row is None:
        session.rollback()
        return None
    d = Delivery(**row._mapping)
    attempt_id = conn.execute(
        insert(Attempt).values(delivery_id=d.id, number=d.attempts, worker=worker,
                               started_at=now).returning(Attempt.id)
    ).scalar_one()
    session.commit()  # claimed, and the attempt is on record before the platform hears of it
    return d, attempt_id


def _write_back(session: Session, d: Delivery, account: Account, attempt_id: int,
                outcome: str, message: str | None, remote_id: str | None, worker: str) -> None:
    now = utcnow()
    d.updated_at = now
    conn = session.connection()
    written = conn.execute(
        update(Delivery).where(Delivery.id == d.id, Delivery.locked_by == worker)
        .values({k: getattr(d, k) for k in _DELIVERY_STATE})
    )
    if written.rowcount != 1:
        log.warning("delivery %s: the lease was lost while publishing; its outcome (%s) was "
                    "recorded on the attempt only", d.id, outcome)
    conn.execute(
        update(Attempt).where(Attempt.id == attempt_id)
        .values(finished_at=now, outcome=outcome, message=message, remote_id=remote_id)
    )
    conn.execute(
        update(Account).where(Account.id == account.id)
        .values({k: getattr(account, k) for k in _ACCOUNT_STATE})
    )
    session.commit()


def _attempt(session: Session, d: Delivery, account: Account, attempt_id: int, worker: str,
             settings: Settings, client: Platform | None,
             keeper: _LeaseKeeper | None) -> str:
    """Call the platform for a claimed delivery and record what happened."""
    remote_id = message = None
    try:
        if client is None:
            client = client_for(account, settings, media_url=media_resolver(settings))
        if keeper is not None:
            keeper.delivery_id = d.id
        result = client.publish(d)
    except PublishError as exc:
        status = outcomes.settle_error(session, d, account, client, exc, utcnow())
        outcome, message = exc.kind.value, exc.message
    except Exception as exc:  # noqa: BLE001 - a bug or a broken set-up must not lose the post
        log.exception("delivery %s: unexpected error while publishing", d.id)
        message = f"Unexpected error while publishing ({type(exc).__name__}: {exc})."
        status = outcomes.reconcile(d, client, utcnow(), message)
        outcome = "error"
    else:
        status = outcomes.published(d, result, utcnow())
        account.last_published_at = d.published_at
        outcome, remote_id = "published", result.remote_id
    finally:
        if keeper is not None:
            keeper.delivery_id = None
    state = getattr(client, "rate_state", None)
    if state is not None and getattr(state, "remaining", None) is not None \
            and status != S.retry_wait:
        account.rate_remaining = state.remaining
        account.rate_reset_at = state.reset_at
    _write_back(session, d, account, attempt_id, outcome, message, remote_id, worker)
    renewed = client.updated_credentials() if client is not None else None
    if renewed and account.source == "db":  # keep a renewed session (env accounts: in memory)
        from outreach.crypto import encrypt_credentials

        account.credentials_encrypted = encrypt_credentials(settings, renewed)
        session.connection().execute(
            update(Account).where(Account.id == account.id)
            .values(credentials_encrypted=account.credentials_encrypted))
        session.commit()
    log.info("delivery %s on %s: %s", d.id, d.platform, status)
    return status


def _load_account(session: Session, account_id: int) -> Account:
    row = session.execute(select(*_ACCOUNT_COLUMNS).where(Account.id == account_id)).one()
    return Account(**row._mapping)


def publish_one(delivery_id: int, worker: str, settings: Settings) -> str | None:
    """Claim, attempt and settle one given delivery; returns its new status (None: not claimed)."""
    with _session(settings) as session:
        claimed = _claim_and_record(session, [Delivery.id == delivery_id], worker, settings,
                                    utcnow())
        if claimed is None:
            return None
        d, attempt_id = claimed
        account = _load_account(session, d.account_id)
        session.commit()
        return _attempt(session, d, account, attempt_id, worker, settings, None, None)


def recover_expired(settings: Settings, now: datetime, worker: str) -> int:
    """A worker died while publishing: its lease expired, the outcome is unknown -> reconcile."""
    count = 0
    with _session(settings) as session:
        stale = session.exec(
            select(Delivery.id).where(Delivery.status == S.publishing, Delivery.lease_until < now)
        ).all()
        for delivery_id in stale:
            taken = session.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, Delivery.status == S.publishing,
                       Delivery.lease_until < now)
                .values(locked_by=worker,
                        lease_until=now + timedelta(seconds=settings.lease_seconds))
                .execution_options(synchronize_session=False)
            )
            session.commit()
            if taken.rowcount != 1:
                continue
            d = session.get(Delivery, delivery_id)
            session.refresh(d)
            account = session.get(Account, d.account_id)
            why = "The worker stopped while publishing this post."
            try:
                client = client_for(account, settings, media_url=media_resolver(settings))
            except Exception:  # noqa: BLE001 - then a person must look
                client = None
            outcomes.reconcile(d, client, now, why)
            if d.status == S.published:
                account.last_published_at = d.published_at
                session.add(account)
            d.updated_at = now
            session.add(d)
            session.commit()
            count += 1
    return count


# -- one account ---------------------------------------------------------------------------------
def _next_due(account_id: int, now: datetime, postgres: bool):  # noqa: ANN202 - a subquery
    query = (
        select(Delivery.id)
        .where(Delivery.account_id == account_id, Delivery.status.in_(DUE),
               Delivery.next_attempt_at <= now)
        .order_by(Delivery.next_attempt_at, Delivery.scheduled_at, Delivery.id)
        .limit(1)
    )
    if postgres:  # several workers: skip a row another transaction is claiming right now
        query = query.with_for_update(skip_locked=True)
    return query.scalar_subquery()


def serve_account(account_id: int, worker: str, settings: Settings, schedule: Schedule,
                  stop: threading.Event | None = None, limit: int = 200) -> PassResult:
    """Publish an account's due deliveries in order, keeping its spacing; one lease holder."""
    result = PassResult()
    with _session(settings) as session:
        postgres = session.bind.dialect.name == "postgresql"
        if not lease_account(session, account_id, worker, settings, utcnow()):
            return result  # another worker serves it now
        keeper = _LeaseKeeper(settings, account_id, worker).__enter__()
        client: Platform | None = None
        renewed = time.monotonic()
        try:
            account = _load_account(session, account_id)
            session.commit()
            spacing = timedelta(minutes=schedule.rhythm(account.platform).spacing_minutes)
            for _ in range(limit):
                if stop is not None and stop.is_set():
                    result.more = True
                    break
                if time.monotonic() - renewed > settings.lease_seconds / 3:
                    if not lease_account(session, account_id, worker, settings, utcnow()):
                        break  # this worker stalled and lost the account: another serves it
                    account = _load_account(session, account_id)
                    session.commit()
                    renewed = time.monotonic()
                if account.health != AccountHealth.ok:
                    break
                now = utcnow()
                last = account.last_published_at
                if spacing and last is not None and now - last < spacing:
                    # Too soon after the account's last post: the next one waits, in order.
                    session.execute(update(Delivery)
                                    .where(Delivery.id == _next_due(account_id, now, postgres))
                                    .values(next_attempt_at=last + spacing)
                                    .execution_options(synchronize_session=False))
                    session.commit()
                    break
                claimed = _claim_and_record(
                    session, [Delivery.id == _next_due(account_id, now, postgres)], worker,
                    settings, now)
                if claimed is None:
                    break
                d, attempt_id = claimed
                if client is None:
                    try:
                        client = client_for(account, settings, media_url=media_resolver(settings))
                    except Exception:  # noqa: BLE001 - _attempt records why, per delivery
                        client = None
                status = _attempt(session, d, account, attempt_id, worker, settings, client,
                                  keeper)
                if status == S.published:
                    result.published.append(d.id)
                elif status == S.retry_wait:
                    result.waiting.append(d.id)
                    if d.last_error_kind == "rate_limited":
                        break  # the account is out of calls until the reset
                else:
                    result.failed.append(d.id)
            else:
                result.more = True
        finally:
            keeper.__exit__()
            release_account(session, account_id, worker)
    return result


def due_accounts(session: Session, now: datetime) -> list[int]:
    rows = session.exec(
        select(Delivery.account_id)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status.in_(DUE), Delivery.next_attempt_at <= now,
               Account.health == AccountHealth.ok,
               or_(Account.lease_until.is_(None), Account.lease_until < now),
               or_(Account.rate_reset_at.is_(None), Account.rate_reset_at <= now,
                   Account.rate_remaining.is_(None), Account.rate_remaining > 0))
        .group_by(Delivery.account_id)
        .order_by(Delivery.account_id)
    )
    return list(rows)


def run_due(settings: Settings | None = None, *, worker: str | None = None,
            concurrency: int | None = None, stop: threading.Event | None = None,
            schedule: Schedule | None = None) -> PassResult:
    """One pass: mark missed, reconcile expired leases, publish what is due on every account."""
    settings = settings or get_settings()
    schedule = schedule or load_schedule(settings)
    worker = worker or worker_id()
    concurrency = concurrency or settings.worker_concurrency
    now = utcnow()
    result = PassResult()
    with _session(settings) as session:
        mark_missed(session, settings, now)
    recover_expired(settings, now, worker)
    with _session(settings) as session:
        accounts = due_accounts(session, utcnow())
    if not accounts:
        return result
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(accounts))),
                            thread_name_prefix="publish") as pool:
        for part in pool.map(lambda a: serve_account(a, worker, settings, schedule, stop),
                             accounts):
            result.merge(part)
    return result


def next_due_at(settings: Settings | None = None) -> datetime | None:
    settings = settings or get_settings()
    with _session(settings) as session:
        return session.exec(
            select(Delivery.next_attempt_at)
            .where(Delivery.status.in_(DUE))
            .order_by(Delivery.next_attempt_at)
            .limit(1)
        ).first()
