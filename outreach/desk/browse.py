"""Reading the queue the way staff look at it: pages of deliveries by filter, a calendar of local
days, what needs a person, one delivery with its history.

Everything is filtered, ordered and cut into pages in SQL, reading only the columns a list shows:
the queue stays fast with hundreds of thousands of deliveries (indexes `ix_delivery_scheduled`
and `ix_delivery_status_scheduled`, migration 0002).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, or_, union_all
from sqlmodel import Session, select

from outreach.models import (
    DRAFTS_NEEDING_PERSON,
    NEEDS_PERSON,
    Account,
    Attempt,
    Delivery,
    DeliveryStatus,
    MediaAsset,
    Post,
)

S = DeliveryStatus
EXCERPT = 140  # characters of text a list shows
# The calendar shows what is planned or went out; cancelled posts would only clutter it.
CALENDAR_HIDES = (S.cancelled,)


@dataclass
class QueueFilter:
    status: str | None = None
    platform: str | None = None
    account_id: int | None = None
    date_from: date | None = None  # local days, both included
    date_to: date | None = None

    def conditions(self, tz: ZoneInfo) -> list:
        where = []
        if self.status:
            where.append(Delivery.status == self.status)
        if self.platform:
            where.append(Delivery.platform == self.platform)
        if self.account_id:
            where.append(Delivery.account_id == self.account_id)
        if self.date_from:
            where.append(Delivery.scheduled_at >= day_start(self.date_from, tz))
        if self.date_to:
            where.append(Delivery.scheduled_at < day_start(self.date_to + timedelta(days=1), tz))
        return where


@dataclass
class Row:
    """One delivery as a list shows it."""

    id: int
    post_id: int
    scheduled_at: datetime
    published_at: datetime | None
    platform: str
    account: str
    account_id: int
    status: str
    excerpt: str
    last_error: str | None = None
    last_error_kind: str | None = None
    remote_url: str | None = None
    account_health: str | None = None
    last_attempt: str | None = None  # the last attempt's message (inbox)
    group: str | None = None  # the queue's "today" / "ahead" / "before"


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight of `day`, in UTC (as times are stored)."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def _row_query():
    return (select(Delivery.id, Delivery.post_id, Delivery.scheduled_at, Delivery.published_at,
                   Delivery.platform, Account.name, Account.id, Delivery.status,
                   func.substr(Delivery.text, 1, EXCERPT + 1), Delivery.last_error,
                   Delivery.last_error_kind, Delivery.remote_url, Account.health)
            .join(Account, Account.id == Delivery.account_id))


def _rows(session: Session, query) -> list[Row]:  # noqa: ANN001 - a select of _row_query
    out = []
    for r in session.execute(query):
        text = " ".join((r[8] or "").split())
        excerpt = text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + "…"
        out.append(Row(id=r[0], post_id=r[1], scheduled_at=r[2], published_at=r[3],
                       platform=r[4], account=r[5], account_id=r[6], status=r[7],
                       excerpt=excerpt, last_error=r[9], last_error_kind=r[10],
                       remote_url=r[11], account_health=r[12]))
    return out


def queue_page(session: Session, tz: ZoneInfo, filt: QueueFilter, page: int = 1,
               per_page: int = 50, now: datetime | None = None) -> tuple[list[Row], bool]:
    """Deliveries matching `filt` for triage: today's (local day in `tz`) first in time order,
    then the days ahead in time order, then earlier days, the latest first; (rows, whether a
    next page exists). Each `Row.group` says which of the three it is in.

    Three ordered index range scans, each stopping after the rows this page can need, instead of
    one ORDER BY CASE that would read and sort every match. No total count: counting every
    match would cost more than the page itself."""
    page = max(1, page)
    today = (now or datetime.now(UTC)).astimezone(tz).date()
    start, end = day_start(today, tz), day_start(today + timedelta(days=1), tz)
    need = page * per_page + 1
    where = filt.conditions(tz)
    parts = (
        ("today", (Delivery.scheduled_at >= start, Delivery.scheduled_at < end),
         (Delivery.scheduled_at, Delivery.id)),
        ("ahead", (Delivery.scheduled_at >= end,), (Delivery.scheduled_at, Delivery.id)),
        ("before", (Delivery.scheduled_at < start,),
         (Delivery.scheduled_at.desc(), Delivery.id.desc())),
    )
    rows: list[Row] = []
    for group, bounds, order in parts:
        got = _rows(session, _row_query().where(*where, *bounds).order_by(*order)
                    .limit(need - len(rows)))
        for row in got:
            row.group = group
        rows += got
        if len(rows) >= need:
            break
    rows = rows[(page - 1) * per_page:]
    return rows[:per_page], len(rows) > per_page


@dataclass
class Day:
    day: date
    rows: list[Row] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def calendar(session: Session, tz: ZoneInfo, first: date, last: date,
             per_day: int = 12) -> list[Day]:
    """Every local day from `first` to `last` (both included) with its deliveries in time order
    (at most `per_day` each; `total` says how many there are). Two queries whatever the range:
    day boundaries are computed here (local midnights in UTC), so SQL needs no time zone maths."""
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    bounds = [day_start(d, tz) for d in [*days, last + timedelta(days=1)]]
    # An IN list (not NOT IN): the (status, scheduled_at) index then answers the counts alone.
    visible = Delivery.status.in_([s.value for s in S if s not in CALENDAR_HIDES])
    counts = union_all(*[
        select(literal(i), func.count()).select_from(Delivery)
        .where(visible, Delivery.scheduled_at >= bounds[i], Delivery.scheduled_at < bounds[i + 1])
        for i in range(len(days))])
    found = [Day(d) for d in days]
    for i, n in session.execute(counts):
        found[i].total = int(n)
    # The first `per_day` of each busy day: one index range scan each, in one statement. Here
    # NOT IN: the scheduled_at index is read in order and stops after `per_day` rows.
    shown = Delivery.status.not_in(CALENDAR_HIDES)
    parts = [_row_query().where(shown, Delivery.scheduled_at >= bounds[i],
                                Delivery.scheduled_at < bounds[i + 1])
             .order_by(Delivery.scheduled_at, Delivery.id).limit(per_day).subquery().select()
             for i, day in enumerate(found) if day.total]
    if not parts:
        return found
    rows = _rows(session, union_all(*parts) if len(parts) > 1 else parts[0])
    for row in sorted(rows, key=lambda r: (r.scheduled_at, r.id)):
        index = bisect_right(bounds, row.scheduled_at) - 1
        if 0 <= index < len(found):
            found[index].rows.append(row)
    return found


def waits_for_person():
    """Unconfirmed, failed, missed and held deliveries, and drafts stopped for a person
    (`DRAFTS_NEEDING_PERSON`): what the inbox lists and the home page counts."""
    return or_(Delivery.status.in_(NEEDS_PERSON),
               and_(Delivery.status == S.draft,
                    Delivery.last_error_kind.in_(DRAFTS_NEEDING_PERSON)))


def needs_person_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(Delivery)
                        .where(waits_for_person())).one()


def needs_person(session: Session, page: int = 1, per_page: int = 50) -> tuple[list[Row], bool]:
    """What waits for a person (`waits_for_person`), the latest first, each with the message
    of its last attempt."""
    page = max(1, page)
    latest = (Delivery.scheduled_at.desc(), Delivery.id.desc())
    # The page's ids first, from the (status, scheduled_at) index; then only their rows.
    ids = (select(Delivery.id).where(waits_for_person()).order_by(*latest)
           .offset((page - 1) * per_page).limit(per_page + 1))
    return rows_of_page(session, ids, latest, per_page)


def rows_of_page(session: Session, ids: Any, order: tuple, per_page: int) -> tuple[list, bool]:
    """The rows of one page whose ids `ids` selects (one more than a page, to tell whether
    another follows), in `order`, each with its last attempt's message."""
    rows = _rows(session, _row_query().where(Delivery.id.in_(ids.scalar_subquery()))
                 .order_by(*order))
    more = len(rows) > per_page
    rows = rows[:per_page]
    last = last_attempts(session, [r.id for r in rows])
    for row in rows:
        attempt = last.get(row.id)
        row.last_attempt = attempt.message if attempt else None
    return rows, more


def last_attempts(session: Session, ids: Sequence[int]) -> dict[int, Attempt]:
    if not ids:
        return {}
    latest = (select(Attempt.delivery_id, func.max(Attempt.number).label("n"))
              .where(Attempt.delivery_id.in_(ids)).group_by(Attempt.delivery_id).subquery())
    query = select(Attempt).join(latest, (Attempt.delivery_id == latest.c.delivery_id)
                                 & (Attempt.number == latest.c.n))
    return {a.delivery_id: a for a in session.exec(query)}


@dataclass
class Detail:
    delivery: Delivery
    account: Account
    post: Post | None
    attempts: list[Attempt]
    media: list[tuple[str, str, MediaAsset | None]]  # (file, alt text, its served asset)
    siblings: list[tuple[Delivery, Account]]  # the same post on other accounts


def detail(session: Session, delivery_id: int) -> Detail | None:
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        return None
    account = session.get(Account, delivery.account_id)
    post = session.get(Post, delivery.post_id)
    attempts = list(session.exec(select(Attempt).where(Attempt.delivery_id == delivery.id)
                                 .order_by(Attempt.number, Attempt.id)))
    files = list(delivery.media or [])
    alts = list(delivery.alt_text or [])
    assets = {a.path: a for a in session.exec(
        select(MediaAsset).where(MediaAsset.path.in_(files)))} if files else {}
    media = [(f, alts[i] if i < len(alts) else "", assets.get(f)) for i, f in enumerate(files)]
    siblings = list(session.exec(
        select(Delivery, Account).join(Account, Account.id == Delivery.account_id)
        .where(Delivery.post_id == delivery.post_id, Delivery.id != delivery.id)
        .order_by(Delivery.id)))
    return Detail(delivery, account, post, attempts, media, siblings)
