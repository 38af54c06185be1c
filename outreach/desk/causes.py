"""The inbox by cause: what waits for a person, grouped by why it waits.

One expired token holds every waiting delivery of its account; listing them one by one buried
the one post that really needed a person under dozens of identical cards. So deliveries stopped
by something about their account (access to reconnect, API credits, the platform's rate limit)
or by something that struck many at once (missed while nothing ran, gave up after passing
trouble) are one `Cause` per (account, kind), with a few of its posts and the count of the rest.
Deliveries that each need their own fix (the platform refused the content, the outcome is
unknown, a draft to check) stay one card each (`singles`).

`kind_of` is the one place that says which cause a delivery has; SQL groups by the same CASE, so
counts, cards and bulk actions always agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, func, or_
from sqlmodel import Session, select

from outreach.desk.browse import (
    Row,
    _row_query,
    _rows,
    rows_of_page,
    waits_for_person,
)
from outreach.desk.lifetimes import RECONNECT, Attention, action_url, attention
from outreach.desk.moves import MAX_BULK, Outcome, Skip
from outreach.desk.queue import QueueError, retry
from outreach.models import Account, AccountHealth, Delivery, DeliveryStatus

S = DeliveryStatus

# Causes of many deliveries at once: one card per (account, kind).
CREDITS = "credits"  # held: the app's paid API credits ran out
RATE = "rate_limited"  # waiting for the platform's limit to reset (nothing for a person to do)
MISSED = "missed"  # not published within the missed window
TRANSIENT = "transient"  # failed after every retry on passing trouble
GROUPED = (RECONNECT, CREDITS, MISSED, TRANSIENT, RATE)
# Causes each delivery has on its own: one card per delivery.
REJECTED = "rejected"  # the platform refused the content: the text or image must change
UNCONFIRMED = "unconfirmed"  # sent, answer lost: look on the platform first
DRAFT = "draft"  # a draft planning or a changed subject stopped for a person
OTHER = "other"  # failed for another reason
SINGLE = (REJECTED, UNCONFIRMED, DRAFT, OTHER)
KINDS = (*SINGLE, *GROUPED)
SHOWN = 3  # posts a cause card lists; the rest are in the queue, filtered
# Groups where "retry all" can succeed whatever the account: nothing about the account stopped
# them. Held ones can be retried only once their account is healthy again.
RETRY_ALL = (MISSED, TRANSIENT)
# Where the queue lists a cause's deliveries (its status filter).
QUEUE_STATUS = {RECONNECT: S.held, CREDITS: S.held, MISSED: S.missed, TRANSIENT: S.failed,
                RATE: S.retry_wait}

_rate = and_(Delivery.status == S.retry_wait, Delivery.last_error_kind == "rate_limited")
kind_of = case(
    (and_(Delivery.status == S.held, Delivery.last_error_kind == "out_of_credits"), CREDITS),
    (Delivery.status == S.held, RECONNECT),
    (_rate, RATE),
    (Delivery.status == S.missed, MISSED),
    (and_(Delivery.status == S.failed, Delivery.last_error_kind == "transient"), TRANSIENT),
    (and_(Delivery.status == S.failed, Delivery.last_error_kind == "rejected"), REJECTED),
    (Delivery.status == S.unconfirmed, UNCONFIRMED),
    (Delivery.status == S.draft, DRAFT),
    else_=OTHER,
)


def listed():
    """What the inbox lists: what waits for a person, and deliveries waiting out a rate limit
    (said once per account, so nobody wonders why they are late)."""
    return or_(waits_for_person(), _rate)


@dataclass
class Filter:
    kind: str | None = None
    platform: str | None = None

    def conditions(self) -> list:
        where = [listed()]
        if self.kind:
            where.append(kind_of == self.kind)
        if self.platform:
            where.append(Delivery.platform == self.platform)
        return where


@dataclass
class Cause:
    """Deliveries of one account stopped for one reason."""

    kind: str
    account: Account
    count: int
    rows: list[Row] = field(default_factory=list)  # the first `SHOWN`, the soonest first
    until: datetime | None = None  # a rate limit: when the last of them is tried again
    access: Attention | None = None  # a reconnect: where an admin signs in again
    message: str | None = None  # the platform's words, once for the whole group

    @property
    def key(self) -> str:
        return f"{self.account.id}-{self.kind}"

    @property
    def more(self) -> int:
        return self.count - len(self.rows)

    @property
    def can_retry(self) -> bool:
        """Whether "retry all" can succeed now: not while the account itself is broken."""
        if self.kind in RETRY_ALL:
            return True
        return self.kind in (RECONNECT, CREDITS) and self.account.health == AccountHealth.ok

    @property
    def reconnect_url(self) -> str:
        return self.access.action_url if self.access else action_url(self.account)

    @property
    def queue_url(self) -> str:
        return f"/queue?status={QUEUE_STATUS[self.kind]}&account={self.account.id}"


def counts(session: Session, platform: str | None = None) -> dict[str, int]:
    """How many deliveries each cause kind has (for the filter), within `platform`."""
    where = Filter(platform=platform).conditions()
    return {k: int(n) for k, n in session.execute(
        select(kind_of, func.count()).where(*where).group_by(kind_of))}


def groups(session: Session, filt: Filter) -> list[Cause]:
    """The causes of many deliveries, each account's own: accounts to reconnect first (with
    those whose access ended and hold nothing yet), then the rest by how many they stop."""
    if filt.kind and filt.kind not in GROUPED:
        return []
    where = [*filt.conditions(), kind_of.in_(GROUPED)]
    found = list(session.execute(
        select(Delivery.account_id, kind_of, func.count(), func.max(Delivery.next_attempt_at))
        .where(*where).group_by(Delivery.account_id, kind_of)))
    accounts = {a.id: a for a in session.exec(select(Account).where(
        Account.id.in_({r[0] for r in found})))} if found else {}
    causes = [Cause(kind, accounts[account_id], int(n), until=until if kind == RATE else None)
              for account_id, kind, n, until in found]
    if filt.kind in (None, RECONNECT):
        access = {a.account.id: a for a in attention(session) if a.kind == RECONNECT
                  and (not filt.platform or a.account.platform == filt.platform)}
        for cause in causes:
            if cause.kind == RECONNECT:
                cause.access = access.pop(cause.account.id, None)
        # An account whose renewal was refused needs reconnecting before it holds anything.
        causes += [Cause(RECONNECT, a.account, 0, access=a) for a in access.values()]
    order = {k: i for i, k in enumerate(GROUPED)}
    causes.sort(key=lambda c: (order[c.kind], -c.count, c.account.platform, c.account.name))
    for cause in causes:
        if cause.count:
            cause.rows = _rows(session, _row_query().where(*_members(cause.account.id, cause.kind))
                               .order_by(Delivery.scheduled_at, Delivery.id).limit(SHOWN))
        held = cause.kind in (RECONNECT, CREDITS)
        cause.message = (cause.account.health_reason or cause.account.refresh_error
                         if held else None) or next(
            (r.last_error for r in cause.rows if r.last_error), None)
    return causes


def singles(session: Session, filt: Filter, page: int = 1,
            per_page: int = 50) -> tuple[list[Row], bool]:
    """Deliveries that each need their own fix, a page at a time: refused content first (a
    person must change it), then unknown outcomes, drafts and other failures; the latest first
    within each. Each row carries the message of its last attempt."""
    if filt.kind and filt.kind not in SINGLE:
        return [], False
    page = max(1, page)
    rank = case(*[(kind_of == k, i) for i, k in enumerate(SINGLE)], else_=len(SINGLE))
    order = (rank, Delivery.scheduled_at.desc(), Delivery.id.desc())
    ids = (select(Delivery.id).where(*filt.conditions(), kind_of.in_(SINGLE)).order_by(*order)
           .offset((page - 1) * per_page).limit(per_page + 1))
    return rows_of_page(session, ids, order, per_page)


def _members(account_id: int, kind: str) -> list:
    return [listed(), Delivery.account_id == account_id, kind_of == kind]


def members(session: Session, account_id: int, kind: str) -> list[int]:
    """The deliveries of one cause now (a bulk action acts on what is there when it runs, not
    on what the page showed); at most `MAX_BULK`."""
    if kind not in GROUPED:
        return []
    return list(session.exec(select(Delivery.id).where(*_members(account_id, kind))
                             .order_by(Delivery.scheduled_at, Delivery.id).limit(MAX_BULK)))


def retry_many(session: Session, ids: Sequence[int], actor: str,
               user_id: int | None = None) -> Outcome:
    """Retry each delivery now, except where a retry cannot succeed: held ones whose account
    still needs reconnecting or credits (they resume by themselves once it is fixed)."""
    out = Outcome()
    for delivery_id in dict.fromkeys(ids):
        d = session.get(Delivery, delivery_id)
        if d is None:
            out.skipped.append(Skip(delivery_id, "missing"))
            continue
        if blocked_by_account(session, d):
            out.skipped.append(Skip(d.id, "account"))
            continue
        try:
            retry(session, d.id, actor, user_id)
        except QueueError:
            session.rollback()
            out.skipped.append(Skip(d.id, "status", {"status": d.status}))
            continue
        out.done.append(d.id)
    return out


def blocked_by_account(session: Session, d: Delivery) -> bool:
    """A held delivery whose account cannot publish yet: retrying it would only hold it again.
    Reconnecting (or resuming once credits are back) releases it by itself."""
    if d.status != S.held:
        return False
    account = session.get(Account, d.account_id)
    return account is not None and account.health != AccountHealth.ok
