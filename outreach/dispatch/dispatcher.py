"""Publish what is due: every post goes out once, on time, or a person is told why not.

docs/architecture.md, "The publishing promise". One worker at a time holds an account (a lease row
on the account), so the account's posts keep their order and spacing however many workers run;
accounts are served in parallel, up to `concurrency` at once per worker. A delivery is claimed with
a guarded update (`rowcount == 1`; on PostgreSQL the candidate is picked `FOR UPDATE SKIP LOCKED`),
its Attempt row is committed before the platform is called, and an unknown outcome is reconciled on
the platform (`find_existing`) before anything is retried (`outcomes.py`). Leases are renewed while
a call is in flight, so a slow platform (Instagram processing) is not mistaken for a dead worker.
The statements and the leases are in `claims.py`. `run_due()` is one pass and says whether more work
is waiting.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Connection
from sqlmodel import Session, select

from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.dispatch import outcomes
from outreach.dispatch.claims import (
    DUE,
    LeaseKeeper,
    claim_and_record,
    lease_account,
    load_account,
    release_account,
    write_back,
)
from outreach.models import Account, AccountHealth, Delivery, DeliveryStatus, utcnow
from outreach.planning.schedule import Schedule, load_schedule
from outreach.platforms import Platform, PublishError, client_for
from outreach.platforms.media_store import url_source
from outreach.platforms.reasons import reason

log = logging.getLogger(__name__)
S = DeliveryStatus


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
    """Media file path -> public URL for platforms that fetch images (Instagram): this
    service's `/media/...` address or a presigned object-store link
    (`platforms.media_store.url_source`)."""
    return url_source(settings)


def mark_missed(session: Session, settings: Settings, now: datetime) -> int:
    """Deliveries overdue past the window are not published late silently: staff decide."""
    cutoff = now - timedelta(hours=settings.missed_after_hours)
    result = session.execute(
        update(Delivery)
        .where(Delivery.status.in_(DUE), Delivery.scheduled_at < cutoff)
        .values(status=S.missed, updated_at=now, last_error_kind="missed",
                last_error=reason("missed", hours=f"{settings.missed_after_hours:g}"))
    )
    session.commit()
    return result.rowcount or 0


# -- one delivery --------------------------------------------------------------------------------
def _attempt(conn: Connection, d: Delivery, account: Account, attempt_id: int, worker: str,
             settings: Settings, client: Platform | None,
             keeper: LeaseKeeper | None) -> tuple[str, Callable[[], bool] | None]:
    """Call the platform for a claimed delivery and record what happened.

    A publish's record is written but not committed: it goes out with the next claim's commit
    (serve_account), one commit fewer per delivery. The function returned writes it again,
    should that transaction fail; None when everything is committed already (every other
    outcome, which may hold the account's deliveries too, is committed at once)."""
    remote_id = message = None
    try:
        if client is None:
            client = client_for(account, settings, media_url=media_resolver(settings))
        if keeper is not None:
            keeper.delivery_id = d.id
        result = client.publish(d)
    except PublishError as exc:
        status = outcomes.settle_error(conn, d, account, client, exc, utcnow())
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
    renewed = client.updated_credentials() if client is not None else None
    d.updated_at = utcnow()

    def write() -> bool:
        return write_back(conn, d, account, attempt_id, outcome, message, remote_id, worker)

    if not write():
        log.warning("delivery %s: the lease was lost while publishing; its outcome (%s) was "
                    "recorded on the attempt only", d.id, outcome)
    log.info("delivery %s on %s: %s", d.id, d.platform, status)
    keep_session = bool(renewed) and account.source == "db"  # env accounts: kept in memory
    if status == S.published and not keep_session:
        return status, write
    conn.commit()
    if keep_session:  # a session the platform renewed, stored again encrypted
        from outreach.crypto import encrypt_credentials

        account.credentials_encrypted = encrypt_credentials(settings, renewed)
        conn.execute(update(Account).where(Account.id == account.id)
                     .values(credentials_encrypted=account.credentials_encrypted))
        conn.commit()
    return status, None


def _rescue(conn: Connection, write: Callable[[], bool] | None) -> None:
    """After an error: roll back whatever was half-done, then write the last publish's record
    again, on its own: a post that went out is not left for reconciling to find."""
    conn.rollback()
    if write is not None:
        write()
        conn.commit()


def publish_one(delivery_id: int, worker: str, settings: Settings) -> str | None:
    """Claim, attempt and settle one given delivery; returns its new status (None: not claimed)."""
    with get_engine(settings.database_url).connect() as conn:
        claimed = claim_and_record(conn, worker, settings, utcnow(), delivery_id=delivery_id)
        if claimed is None:
            return None
        d, attempt_id = claimed
        account = load_account(conn, d.account_id)
        status, write = _attempt(conn, d, account, attempt_id, worker, settings, None, None)
        conn.commit()
        return status


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
    with get_engine(settings.database_url).connect() as conn:
        postgres = conn.dialect.name == "postgresql"
        if not lease_account(conn, account_id, worker, settings, utcnow(), only_if_due=True):
            return result  # another worker serves it now, or has served it
        keeper = LeaseKeeper(settings, account_id, worker).__enter__()
        client: Platform | None = None
        renewed = time.monotonic()
        # The last publish's record, written but not committed: the next claim commits it.
        pending: Callable[[], bool] | None = None
        try:
            account = load_account(conn, account_id)
            spacing = timedelta(minutes=schedule.rhythm(account.platform).spacing_minutes)
            for _ in range(limit):
                if stop is not None and stop.is_set():
                    result.more = True
                    break
                if time.monotonic() - renewed > settings.lease_seconds / 3:
                    leased = lease_account(conn, account_id, worker, settings, utcnow())
                    pending = None  # committed with the lease
                    if not leased:
                        break  # this worker stalled and lost the account: another serves it
                    account = load_account(conn, account_id)
                    renewed = time.monotonic()
                if account.health != AccountHealth.ok:
                    break
                now = utcnow()
                last = account.last_published_at
                if spacing and last is not None and now - last < spacing:
                    # Too soon after the account's last post: the next one waits, in order.
                    conn.execute(update(Delivery)
                                 .where(Delivery.id == _next_due(account_id, now, postgres))
                                 .values(next_attempt_at=last + spacing))
                    conn.commit()
                    pending = None
                    break
                claimed = claim_and_record(conn, worker, settings, now, account_id=account_id)
                pending = None  # committed with the claim (or, when none was due, alone)
                if claimed is None:
                    break
                d, attempt_id = claimed
                if client is None:
                    try:
                        client = client_for(account, settings, media_url=media_resolver(settings))
                    except Exception:  # noqa: BLE001 - _attempt records why, per delivery
                        client = None
                status, pending = _attempt(conn, d, account, attempt_id, worker, settings,
                                           client, keeper)
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
        except BaseException:
            _rescue(conn, pending)
            pending = None
            raise
        finally:
            keeper.__exit__()
            if pending is not None:
                conn.commit()  # the last publish's record
            conn.rollback()  # nothing else is open; after an error nothing half-done is kept
            release_account(conn, account_id, worker)
    return result


def _servable(now: datetime) -> tuple:
    """Accounts a worker may take now: healthy, not leased by another worker, not waiting for
    the platform's rate-limit reset."""
    return (Account.health == AccountHealth.ok,
            or_(Account.lease_until.is_(None), Account.lease_until < now),
            or_(Account.rate_reset_at.is_(None), Account.rate_reset_at <= now,
                Account.rate_remaining.is_(None), Account.rate_remaining > 0))


def due_accounts(session: Session, now: datetime) -> list[int]:
    rows = session.exec(
        select(Delivery.account_id)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status.in_(DUE), Delivery.next_attempt_at <= now, *_servable(now))
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


def next_due_at(settings: Settings | None = None, *, servable: bool = False) -> datetime | None:
    """When the next delivery falls due. `servable`: only on accounts a worker may take now
    (`_servable`): a worker waiting for its next pass must not wake at once, again and again,
    for posts that another worker is publishing, or that wait for a held account or a rate-limit
    reset; it looks again within a second anyway."""
    settings = settings or get_settings()
    query = select(Delivery.next_attempt_at).where(Delivery.status.in_(DUE))
    if servable:
        query = query.join(Account, Account.id == Delivery.account_id).where(
            *_servable(utcnow()))
    with _session(settings) as session:
        return session.exec(query.order_by(Delivery.next_attempt_at).limit(1)).first()
