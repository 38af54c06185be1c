"""Publish what is due: every post goes out once, or a person is told why not.

DESIGN.md, "Publishing semantics": a delivery is claimed with a guarded update (`rowcount == 1`),
its Attempt row is committed before the platform is called, and an unknown outcome is reconciled
on the platform (`find_existing`) before anything is retried. `run_due()` is one pass and returns
whether more work is waiting, so tests, `publish-due --once` and the worker loop all drive it.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.media import ensure_asset, public_url
from outreach.models import Account, AccountHealth, Attempt, Delivery, DeliveryStatus, utcnow
from outreach.platforms import ErrorKind, Published, PublishError, client_for

log = logging.getLogger(__name__)
S = DeliveryStatus
MAX_TRANSIENT_TRIES = 5


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class PassResult:
    published: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)  # failed, held, unconfirmed, missed
    waiting: list[int] = field(default_factory=list)  # retry_wait
    more: bool = False  # due work remains (the batch was full)


def _session(settings: Settings) -> Session:
    return Session(get_engine(settings.database_url), expire_on_commit=False)


def _backoff(tries: int) -> float:
    """Exponential backoff with full jitter: 30 s, 60 s, 120 s, ... capped at one hour."""
    return random.uniform(0.5, 1.0) * min(3600.0, 30.0 * 2 ** max(0, tries - 1))


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
        .where(Delivery.status.in_([S.scheduled, S.retry_wait]), Delivery.scheduled_at < cutoff)
        .values(status=S.missed, updated_at=now, last_error_kind="missed",
                last_error=f"Not published within {settings.missed_after_hours:g} hours of its "
                "time; choose to publish it now or cancel it.")
    )
    session.commit()
    return result.rowcount or 0


def claim(session: Session, delivery_id: int, worker: str, settings: Settings,
          now: datetime) -> bool:
    """Take one delivery for this worker; False when another worker was first."""
    result = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery_id, Delivery.status.in_([S.scheduled, S.retry_wait]),
               Delivery.next_attempt_at <= now)
        .values(status=S.publishing, locked_by=worker, attempts=Delivery.attempts + 1,
                lease_until=now + timedelta(seconds=settings.lease_seconds), updated_at=now)
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount == 1


def _finish_attempt(session: Session, attempt: Attempt, outcome: str, message: str | None,
                    remote_id: str | None = None) -> None:
    attempt.finished_at = utcnow()
    attempt.outcome = outcome
    attempt.message = message
    attempt.remote_id = remote_id
    session.add(attempt)


def _published(session: Session, d: Delivery, found: Published, now: datetime) -> None:
    d.status = S.published
    d.remote_id = found.remote_id
    d.remote_url = found.remote_url
    d.remote_extra = {**(d.remote_extra or {}), **found.extra}
    d.published_at = now
    d.next_sync_at = now  # a published delivery without a snapshot is due for one
    d.last_error = d.last_error_kind = None
    d.lease_until = d.locked_by = None


def _reconcile(session: Session, d: Delivery, client, now: datetime, why: str) -> str:  # noqa: ANN001
    """After an unknown outcome: look on the platform before anything else."""
    try:
        found = client.find_existing(d)
    except PublishError as exc:
        d.status = S.unconfirmed
        d.last_error_kind = ErrorKind.unknown_outcome
        d.last_error = f"{why} The platform cannot tell whether it was posted: {exc.message} " \
                       "Please check the account, then mark it published or retry."
        return S.unconfirmed
    if found is not None:
        _published(session, d, found, now)
        return S.published
    d.status = S.retry_wait  # not there: safe to try again
    d.next_attempt_at = now + timedelta(seconds=_backoff(d.attempts))
    d.last_error_kind = ErrorKind.unknown_outcome
    d.last_error = f"{why} It was not found on the platform, so it will be tried again."
    return S.retry_wait


def _hold_account(session: Session, account: Account, message: str, now: datetime) -> None:
    account.health = AccountHealth.needs_reconnect
    account.health_reason = message
    account.updated_at = now
    session.add(account)
    session.execute(
        update(Delivery)
        .where(Delivery.account_id == account.id,
               Delivery.status.in_([S.scheduled, S.retry_wait]))
        .values(status=S.held, last_error_kind=ErrorKind.auth_expired, last_error=message,
                updated_at=now)
    )


def _handle_error(session: Session, d: Delivery, account: Account, client, exc: PublishError,  # noqa: ANN001
                  now: datetime) -> str:
    d.last_error_kind = exc.kind
    d.lease_until = d.locked_by = None
    if exc.kind == ErrorKind.rate_limited:
        wait = exc.retry_after or 60.0
        d.status = S.retry_wait
        d.next_attempt_at = now + timedelta(seconds=wait)
        d.attempts -= 1  # waiting for the platform's reset is not a failed try
        d.last_error = f"{exc.message} Waiting until the platform's limit resets."
        account.rate_remaining = 0
        account.rate_reset_at = d.next_attempt_at
        session.add(account)
        return S.retry_wait
    if exc.kind == ErrorKind.auth_expired:
        d.status = S.held
        d.last_error = exc.message
        _hold_account(session, account, exc.message, now)
        return S.held
    if exc.kind == ErrorKind.rejected:
        d.status = S.failed
        d.last_error = exc.message
        return S.failed
    if exc.kind == ErrorKind.transient:
        if d.attempts >= MAX_TRANSIENT_TRIES:
            d.status = S.failed
            d.last_error = f"{exc.message} Gave up after {d.attempts} tries."
            return S.failed
        d.status = S.retry_wait
        d.next_attempt_at = now + timedelta(seconds=_backoff(d.attempts))
        d.last_error = exc.message
        return S.retry_wait
    return _reconcile(session, d, client, now, exc.message)


def publish_one(delivery_id: int, worker: str, settings: Settings) -> str | None:
    """Claim, attempt and settle one delivery; returns its new status (None: not claimed)."""
    now = utcnow()
    with _session(settings) as session:
        if not claim(session, delivery_id, worker, settings, now):
            return None
        d = session.get(Delivery, delivery_id)
        account = session.get(Account, d.account_id)
        attempt = Attempt(delivery_id=d.id, number=d.attempts, worker=worker, started_at=now)
        session.add(attempt)
        session.commit()  # the attempt is on record before the platform hears of it
        try:
            client = client_for(account, settings, media_url=media_resolver(settings))
        except PublishError as exc:
            status = _handle_error(session, d, account, None, exc, utcnow())
            _finish_attempt(session, attempt, exc.kind, exc.message)
        except Exception as exc:  # noqa: BLE001 - a broken account set-up must not stop the queue
            d.status, d.last_error_kind = S.held, "setup"
            d.last_error = f"The account cannot be used: {exc}"
            status = S.held
            _finish_attempt(session, attempt, "setup", d.last_error)
        else:
            try:
                result = client.publish(d)
            except PublishError as exc:
                status = _handle_error(session, d, account, client, exc, utcnow())
                _finish_attempt(session, attempt, exc.kind, exc.message)
            else:
                _published(session, d, result, utcnow())
                status = S.published
                _finish_attempt(session, attempt, "published", None, result.remote_id)
            state = getattr(client, "rate_state", None)
            if state is not None and getattr(state, "remaining", None) is not None:
                account.rate_remaining = state.remaining
                account.rate_reset_at = state.reset_at
                session.add(account)
        d.updated_at = utcnow()
        session.add(d)
        session.commit()
        log.info("delivery %s on %s: %s", d.id, d.platform, status)
        return status


def recover_expired(settings: Settings, now: datetime) -> int:
    """A worker died while publishing: its lease expired, the outcome is unknown -> reconcile."""
    count = 0
    with _session(settings) as session:
        stale = session.exec(
            select(Delivery).where(Delivery.status == S.publishing, Delivery.lease_until < now)
        ).all()
        for d in stale:
            taken = session.execute(
                update(Delivery)
                .where(Delivery.id == d.id, Delivery.status == S.publishing,
                       Delivery.lease_until < now)
                .values(lease_until=now + timedelta(seconds=settings.lease_seconds))
            )
            session.commit()
            if taken.rowcount != 1:
                continue
            session.refresh(d)
            account = session.get(Account, d.account_id)
            why = "The worker stopped while publishing this post."
            try:
                client = client_for(account, settings, media_url=media_resolver(settings))
            except Exception as exc:  # noqa: BLE001
                d.status, d.last_error = S.unconfirmed, f"{why} {exc}"
            else:
                _reconcile(session, d, client, now, why)
            d.lease_until = d.locked_by = None
            d.updated_at = now
            session.add(d)
            session.commit()
            count += 1
    return count


def due_ids(session: Session, now: datetime, limit: int) -> list[int]:
    rows = session.exec(
        select(Delivery.id)
        .join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status.in_([S.scheduled, S.retry_wait]), Delivery.next_attempt_at <= now,
               Account.health == AccountHealth.ok,
               or_(Account.rate_reset_at.is_(None), Account.rate_reset_at <= now,
                   Account.rate_remaining.is_(None), Account.rate_remaining > 0))
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    return list(rows)


def run_due(settings: Settings | None = None, *, worker: str | None = None,
            limit: int = 100) -> PassResult:
    """One pass: mark missed, recover expired leases, publish what is due (in order)."""
    settings = settings or get_settings()
    worker = worker or worker_id()
    now = utcnow()
    result = PassResult()
    with _session(settings) as session:
        mark_missed(session, settings, now)
        ids = due_ids(session, now, limit)
    recover_expired(settings, now)
    for delivery_id in ids:
        status = publish_one(delivery_id, worker, settings)
        if status == S.published:
            result.published.append(delivery_id)
        elif status == S.retry_wait:
            result.waiting.append(delivery_id)
        elif status is not None:
            result.failed.append(delivery_id)
    result.more = len(ids) == limit
    return result


def next_due_at(settings: Settings | None = None) -> datetime | None:
    settings = settings or get_settings()
    with _session(settings) as session:
        return session.exec(
            select(Delivery.next_attempt_at)
            .where(Delivery.status.in_([S.scheduled, S.retry_wait]))
            .order_by(Delivery.next_attempt_at)
            .limit(1)
        ).first()
