"""What happens to a delivery after the platform answered (or did not).

docs/architecture.md, "The publishing promise", steps 3–5: published; rate limited (wait for the
platform's reset, not a failure); auth expired (hold every delivery of the account and flag it);
rejected (failed, with the platform's reason in plain words); transient (retry with backoff and
jitter); unknown outcome (look on the platform before anything else — never a blind retry).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from outreach.models import Account, AccountHealth, Attempt, Delivery, DeliveryStatus, utcnow
from outreach.platforms import ErrorKind, Platform, Published, PublishError
from outreach.platforms.reasons import reason

S = DeliveryStatus
MAX_TRANSIENT_TRIES = 5


def backoff(tries: int, base: float = 30.0) -> float:
    """Exponential backoff with jitter: about base, 2×base, 4×base, ... capped at one hour."""
    return random.uniform(0.5, 1.0) * min(3600.0, base * 2 ** max(0, tries - 1))


def _base() -> float:
    from outreach.config import get_settings

    return get_settings().retry_base_seconds


def finish_attempt(attempt: Attempt, outcome: str, message: str | None,
                   remote_id: str | None = None) -> None:
    attempt.finished_at = utcnow()
    attempt.outcome = outcome
    attempt.message = message
    attempt.remote_id = remote_id


def published(d: Delivery, found: Published, now: datetime) -> str:
    d.status = S.published
    d.remote_id = found.remote_id
    d.remote_url = found.remote_url
    d.remote_extra = {**(d.remote_extra or {}), **found.extra}
    d.published_at = now
    d.next_sync_at = now  # a published delivery without a snapshot is due for one
    d.last_error = d.last_error_kind = None
    d.lease_until = d.locked_by = None
    return S.published


def reconcile(d: Delivery, client: Platform | None, now: datetime, why: str) -> str:
    """After an unknown outcome: look on the platform for the post before anything else."""
    d.lease_until = d.locked_by = None
    if client is None:
        d.status, d.last_error_kind = S.unconfirmed, ErrorKind.unknown_outcome
        d.last_error = reason("settle.no_client", why=why)
        return S.unconfirmed
    try:
        found = client.find_existing(d)
    except PublishError as exc:
        d.status = S.unconfirmed
        d.last_error_kind = ErrorKind.unknown_outcome
        d.last_error = reason("settle.cannot_tell", why=why, detail=exc.message)
        return S.unconfirmed
    if found is not None:
        return published(d, found, now)
    d.status = S.retry_wait  # not there: safe to try again
    d.next_attempt_at = now + timedelta(seconds=backoff(d.attempts, _base()))
    d.last_error_kind = ErrorKind.unknown_outcome
    d.last_error = reason("settle.not_found", why=why)
    return S.retry_wait


# Why an account is held -> its health: reconnect it, or add credits and resume it.
HOLDING = {ErrorKind.auth_expired: AccountHealth.needs_reconnect,
           ErrorKind.out_of_credits: AccountHealth.out_of_credits}


def hold_account(session: Session | Connection, account: Account, message: str,
                 now: datetime, kind: ErrorKind = ErrorKind.auth_expired) -> None:
    """Auth expired (or credits used up): flag the account and hold its waiting deliveries
    until it is reconnected (or resumed once credits are back)."""
    account.health = HOLDING[kind]
    account.health_reason = message
    account.updated_at = now  # the caller writes the account back
    session.execute(
        update(Delivery)
        .where(Delivery.account_id == account.id,
               Delivery.status.in_([S.scheduled, S.retry_wait]))
        .values(status=S.held, last_error_kind=kind, last_error=message,
                updated_at=now)
    )


def settle_error(session: Session | Connection, d: Delivery, account: Account,
                 client: Platform | None, exc: PublishError, now: datetime) -> str:
    d.last_error_kind = exc.kind
    d.lease_until = d.locked_by = None
    if exc.kind == ErrorKind.rate_limited:
        wait = exc.retry_after or 60.0
        d.status = S.retry_wait
        d.next_attempt_at = now + timedelta(seconds=wait)
        d.attempts = max(0, d.attempts - 1)  # waiting for the platform's reset is not a failure
        d.last_error = reason("settle.rate_wait", why=exc.message)
        account.rate_remaining = 0
        account.rate_reset_at = d.next_attempt_at
        return S.retry_wait
    if exc.kind in HOLDING:
        d.status = S.held
        d.last_error = exc.message
        if exc.kind == ErrorKind.out_of_credits:
            d.attempts = max(0, d.attempts - 1)  # nothing was tried: not a failure
        hold_account(session, account, exc.message, now, exc.kind)
        return S.held
    if exc.kind == ErrorKind.rejected:
        d.status = S.failed
        d.last_error = exc.message
        return S.failed
    if exc.kind == ErrorKind.transient:
        if d.attempts >= MAX_TRANSIENT_TRIES:
            d.status = S.failed
            d.last_error = reason("settle.gave_up", why=exc.message, n=d.attempts)
            return S.failed
        d.status = S.retry_wait
        d.next_attempt_at = now + timedelta(seconds=backoff(d.attempts, _base()))
        d.last_error = exc.message
        return S.retry_wait
    return reconcile(d, client, now, exc.message)


def resume_account(session: Session, account: Account, actor: str) -> int:
    """The account was reconnected (or resumed, e.g. once its API credits are back): its held
    deliveries go back to the queue (those whose time
    passed long ago become 'missed' on the next dispatcher pass, so staff decide)."""
    now = utcnow()
    account.health, account.health_reason, account.updated_at = AccountHealth.ok, None, now
    session.add(account)
    result = session.execute(
        update(Delivery)
        .where(Delivery.account_id == account.id, Delivery.status == S.held)
        .values(status=S.scheduled, next_attempt_at=Delivery.scheduled_at, last_error=None,
                last_error_kind=None, updated_at=now)
    )
    from outreach.audit import audit

    audit(session, actor, "account.resume", "account", account.id, {"released": result.rowcount})
    session.commit()
    return result.rowcount or 0
