"""The dispatcher's statements (dispatcher.py; docs/architecture.md, "The publishing promise"):
claim a delivery and put its Attempt on record, write back the outcome, lease an account and keep
the leases.

A handful of Core statements per delivery on a plain Connection (the claim and its Attempt
committed before the platform is called; a publish's record committed with the next claim,
dispatcher.py): an ORM Session's bookkeeping, and building each statement afresh, would cost more
CPU than the statements themselves (issue 6: < 2 ms per delivery).
"""

from __future__ import annotations

import functools
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, insert, literal_column, or_, select, true, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlmodel import Session

from outreach.config import Settings
from outreach.db import get_engine
from outreach.models import Account, Attempt, Delivery, DeliveryStatus, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")
S = DeliveryStatus
DUE = (S.scheduled, S.retry_wait)

_DELIVERY_COLUMNS = list(Delivery.__table__.c)
_ACCOUNT_COLUMNS = list(Account.__table__.c)
_DELIVERY_STATE = ("status", "next_attempt_at", "attempts", "lease_until", "locked_by", "remote_id",
                   "remote_url", "remote_extra", "published_at", "last_error", "last_error_kind",
                   "next_sync_at", "updated_at")
_ACCOUNT_STATE = ("health", "health_reason", "rate_remaining", "rate_reset_at",
                  "last_published_at", "updated_at")
_ATTEMPT_STATE = ("finished_at", "outcome", "message", "remote_id")
ATTEMPT_ID = "attempt_id_"  # the attempt's id beside the claimed row's columns (PostgreSQL)


@dataclass(frozen=True)
class _Hot:
    postgres: bool
    claim_next: Any  # the account's next due delivery (by :p_account)
    claim_id: Any  # one given delivery (by :p_id)
    add_attempt: Any  # SQLite; on PostgreSQL the claims insert the attempt too
    write_delivery: Any  # SQLite; on PostgreSQL write_all does the three in one statement
    finish_attempt: Any
    write_account: Any
    write_all: Any
    load_account: Any


@functools.cache
def _hot(postgres: bool) -> _Hot:
    """Built once per process: SQLAlchemy memoises a statement's cache key on the statement
    object, so running the same object again skips building and keying it, which is most of
    the CPU a freshly built UPDATE costs. On PostgreSQL the statements of one commit are one
    statement (data-modifying CTEs, run exactly once and atomically): each round trip to the
    server costs the worker more CPU than the work the server does."""
    now = bindparam("p_now", type_=Delivery.__table__.c.next_attempt_at.type)
    worker = bindparam("p_worker", type_=Attempt.__table__.c.worker.type)
    # The statuses written into the SQL: an IN of bound values is re-expanded on every run.
    due = (Delivery.status.in_([literal_column(f"'{s.value}'") for s in DUE]),
           Delivery.next_attempt_at <= now)
    next_due = (select(Delivery.id)
                .where(Delivery.account_id == bindparam("p_account"), *due)
                .order_by(Delivery.next_attempt_at, Delivery.scheduled_at, Delivery.id)
                .limit(1))
    if postgres:  # several workers: skip a row another transaction is claiming right now
        next_due = next_due.with_for_update(skip_locked=True)

    def claim(which: Any) -> Any:
        claimed = (update(Delivery).where(Delivery.id == which, *due)
                   .values(status=S.publishing, locked_by=worker,
                           attempts=Delivery.attempts + 1, lease_until=bindparam("p_lease"),
                           updated_at=now)
                   .returning(*_DELIVERY_COLUMNS))
        if not postgres:
            return claimed
        claimed = claimed.cte("claimed")
        attempt = (insert(Attempt)
                   .from_select(["delivery_id", "number", "worker", "started_at"],
                                select(claimed.c.id, claimed.c.attempts, worker, now))
                   .returning(Attempt.id).cte("attempt"))
        return select(claimed, attempt.c.id.label(ATTEMPT_ID)).select_from(
            claimed.join(attempt, true()))

    write_delivery = (update(Delivery)
                      .where(Delivery.id == bindparam("d_key"), Delivery.locked_by == worker)
                      .values({k: bindparam(f"d_{k}") for k in _DELIVERY_STATE}))
    finish_attempt = (update(Attempt).where(Attempt.id == bindparam("a_key"))
                      .values({k: bindparam(f"a_{k}") for k in _ATTEMPT_STATE}))
    write_account = (update(Account).where(Account.id == bindparam("c_key"))
                     .values({k: bindparam(f"c_{k}") for k in _ACCOUNT_STATE}))
    written = write_delivery.returning(Delivery.id).cte("written")
    write_all = select(func.count()).select_from(written).add_cte(
        finish_attempt.returning(Attempt.id).cte("finished"),
        write_account.returning(Account.id).cte("account_written"))
    return _Hot(
        postgres=postgres,
        claim_next=claim(next_due.scalar_subquery()),
        claim_id=claim(bindparam("p_id")),
        add_attempt=insert(Attempt).values(
            delivery_id=bindparam("p_delivery"), number=bindparam("p_number"),
            worker=worker, started_at=now).returning(Attempt.id),
        write_delivery=write_delivery,
        finish_attempt=finish_attempt,
        write_account=write_account,
        write_all=write_all,
        load_account=select(*_ACCOUNT_COLUMNS).where(Account.id == bindparam("p_id")),
    )


def _from_row(model: type[T], values: Any) -> T:
    """A model instance from a whole row, made the way SQLAlchemy makes the instances it loads
    (`new_instance()`, whose `__new__` SQLModel prepares for this, then the values straight into
    the instance's dict) rather than through `__init__`, which sets ~30 attributes one by one:
    a tenth of the CPU of a delivery."""
    obj = sa_inspect(model).class_manager.new_instance()
    obj.__dict__.update(values)
    return obj


def _hot_for(conn: Connection) -> _Hot:
    return _hot(conn.dialect.name == "postgresql")


def claim_and_record(conn: Connection, worker: str, settings: Settings, now: datetime, *,
                     account_id: int | None = None,
                     delivery_id: int | None = None) -> tuple[Delivery, int] | None:
    """Claim the account's next due delivery (or the given one) and put its Attempt on record,
    in one commit, which also commits what the connection wrote before (the last publish's
    record, dispatcher.py)."""
    hot = _hot_for(conn)
    params = {"p_now": now, "p_worker": worker,
              "p_lease": now + timedelta(seconds=settings.lease_seconds)}
    if delivery_id is not None:
        row = conn.execute(hot.claim_id, {**params, "p_id": delivery_id}).first()
    else:
        row = conn.execute(hot.claim_next, {**params, "p_account": account_id}).first()
    if row is None:
        conn.commit()  # nothing to claim; a publish's record written before goes out now
        return None
    values = dict(row._mapping)
    if hot.postgres:
        attempt_id = values.pop(ATTEMPT_ID)
        d = _from_row(Delivery, values)
    else:
        d = _from_row(Delivery, values)
        attempt_id = conn.execute(hot.add_attempt, {"p_delivery": d.id, "p_number": d.attempts,
                                                    "p_worker": worker, "p_now": now}).scalar_one()
    conn.commit()  # claimed, and the attempt is on record before the platform hears of it
    return d, attempt_id


def write_back(conn: Connection, d: Delivery, account: Account, attempt_id: int,
               outcome: str, message: str | None, remote_id: str | None, worker: str) -> bool:
    """Store the outcome on the delivery (if this worker still holds it), its attempt and the
    account, in one transaction, left open: the caller commits it. False when the delivery's
    lease was lost meanwhile."""
    hot = _hot_for(conn)
    delivery = {"d_key": d.id, "p_worker": worker,
                **{f"d_{k}": getattr(d, k) for k in _DELIVERY_STATE}}
    attempt = {"a_key": attempt_id, "a_finished_at": d.updated_at, "a_outcome": outcome,
               "a_message": message, "a_remote_id": remote_id}
    acct = {"c_key": account.id, **{f"c_{k}": getattr(account, k) for k in _ACCOUNT_STATE}}
    if hot.postgres:
        written = conn.execute(hot.write_all, {**delivery, **attempt, **acct}).scalar_one()
    else:
        written = conn.execute(hot.write_delivery, delivery).rowcount
        conn.execute(hot.finish_attempt, attempt)
        conn.execute(hot.write_account, acct)
    return written == 1


def load_account(conn: Connection, account_id: int) -> Account:
    row = conn.execute(_hot_for(conn).load_account, {"p_id": account_id}).one()
    conn.commit()
    return _from_row(Account, row._mapping)


# -- leases -------------------------------------------------------------------------------------
def lease_account(session: Session | Connection, account_id: int, worker: str,
                  settings: Settings, now: datetime, *, only_if_due: bool = False) -> bool:
    """Take or renew the account's lease. `only_if_due`: only while a delivery of it is due, so
    a worker reaching an account another worker has just served does not take it for nothing
    (several workers go through the same list of accounts)."""
    query = (update(Account)
             .where(Account.id == account_id,
                    or_(Account.lease_until.is_(None), Account.lease_until < now,
                        Account.locked_by == worker))
             .values(locked_by=worker,
                     lease_until=now + timedelta(seconds=settings.lease_seconds))
             .execution_options(synchronize_session=False))
    if only_if_due:
        query = query.where(select(Delivery.id).where(
            Delivery.account_id == account_id, Delivery.status.in_(DUE),
            Delivery.next_attempt_at <= now).exists())
    result = session.execute(query)
    session.commit()
    return result.rowcount == 1


def release_account(session: Session | Connection, account_id: int, worker: str) -> None:
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


class LeaseKeeper:
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
                # One row per commit: the write-back updates the delivery and the account in
                # one statement on PostgreSQL, in no fixed order; holding one row while waiting
                # for the other could deadlock with it.
                with Session(get_engine(self.settings.database_url)) as session:
                    if self.delivery_id is not None:
                        session.execute(update(Delivery).where(
                            Delivery.id == self.delivery_id, Delivery.locked_by == self.worker,
                            Delivery.status == S.publishing).values(lease_until=until))
                        session.commit()
                    session.execute(update(Account).where(
                        Account.id == self.account_id, Account.locked_by == self.worker)
                        .values(lease_until=until))
                    session.commit()
            except Exception:  # noqa: BLE001 - the next renewal tries again
                log.warning("could not renew the leases of account %s", self.account_id)

    def __enter__(self) -> LeaseKeeper:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
