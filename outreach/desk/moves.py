"""Acting on many deliveries at once (the queue's multi-select) and moving one by dragging it to
another day (the calendar), by the rules planning books times with.

A move lands where planning itself could have put the post: not on a quiet date, not past the
account's daily maximum, and at least the account's spacing away from its other posts
(`schedules/*.yaml`, `platforms:`; the same `planner.FREED` statuses do not hold a time). Moving
several posts of one account to one time keeps them apart: the first goes at the chosen time,
the next one spacing later, and so on, on the same local day.

Every refusal is a `Skip` with a code and the facts to word it; the faces (web, CLI) say it in
the reader's language. Whatever can be done is done; the rest is skipped, never half-changed.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.desk.browse import day_start
from outreach.desk.editing import (
    MOVABLE,
    EditError,
    may_edit,
    reschedule,
    schedule_or_default,
)
from outreach.desk.queue import QueueError, cancel
from outreach.desk.review import NothingWaiting, OwnPost, Reviewer, ReviewError, approve
from outreach.models import Account, Delivery, DeliveryStatus, Post, utcnow
from outreach.planning.planner import FREED
from outreach.planning.schedule import Schedule

S = DeliveryStatus
NOT_CANCELLABLE = (S.published, S.publishing, S.cancelled)
MAX_BULK = 500  # one form's worth; more is a mistake, not a triage


@dataclass
class Skip:
    """One delivery left as it was, and why: `code` names the rule, `facts` fill the words."""

    id: int
    code: str
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    done: list[int] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    # For moves: each moved delivery's new time.
    times: dict[int, datetime] = field(default_factory=dict)


def _quiet_name(schedule: Schedule, day: date) -> str | None:
    return next((q.name or "" for q in schedule.quiet_dates if q.covers(day)), None)


class _Account:
    """One account's taken times around the days a move touches."""

    def __init__(self, session: Session, account_id: int, moving: set[int]) -> None:
        self.session, self.account_id, self.moving = session, account_id, moving
        self.loaded: set[date] = set()
        self.times: list[datetime] = []

    def load(self, day: date, tz: ZoneInfo, spacing: timedelta) -> None:
        if day in self.loaded:
            return
        self.loaded.add(day)
        start = day_start(day, tz) - spacing
        end = day_start(day + timedelta(days=1), tz) + spacing
        rows = self.session.exec(select(Delivery.id, Delivery.scheduled_at).where(
            Delivery.account_id == self.account_id, Delivery.status.not_in(FREED),
            Delivery.scheduled_at >= start, Delivery.scheduled_at < end))
        known = set(self.times)
        for delivery_id, when in rows:
            if delivery_id not in self.moving and when not in known:
                bisect.insort(self.times, when)
                known.add(when)

    def on_day(self, day: date, tz: ZoneInfo) -> int:
        return sum(1 for t in self.times if t.astimezone(tz).date() == day)

    def too_close(self, at: datetime, spacing: timedelta) -> datetime | None:
        i = bisect.bisect_left(self.times, at)
        for j in (i - 1, i):
            if 0 <= j < len(self.times) and abs(self.times[j] - at) < spacing:
                return self.times[j]
        return None


def _place(account: _Account, delivery: Delivery, at: datetime, schedule: Schedule,
           tz: ZoneInfo, *, shift: bool) -> tuple[datetime | None, Skip | None]:
    """The time `delivery` may take at `at` (or, with `shift`, the first one after it on the
    same day that keeps the spacing); or why none."""
    day = at.astimezone(tz).date()
    name = _quiet_name(schedule, day)
    if name is not None:
        return None, Skip(delivery.id, "quiet", {"day": day, "name": name})
    rhythm = schedule.rhythm(delivery.platform)
    spacing = timedelta(minutes=rhythm.spacing_minutes)
    account.load(day, tz, spacing)
    if account.on_day(day, tz) >= rhythm.max_per_day:
        return None, Skip(delivery.id, "full", {"day": day, "max": rhythm.max_per_day})
    when = at
    while (near := account.too_close(when, spacing)) is not None:
        if not shift:
            return None, Skip(delivery.id, "spacing", {
                "near": near, "minutes": int(rhythm.spacing_minutes)})
        when = near + spacing
        if when.astimezone(tz).date() != day:
            return None, Skip(delivery.id, "no_room", {
                "day": day, "minutes": int(rhythm.spacing_minutes)})
    return when, None


def _allowed(delivery: Delivery | None, post: Post | None, delivery_id: int,
             who: Reviewer, role: str) -> Skip | None:
    if delivery is None:
        return Skip(delivery_id, "missing")
    if delivery.status not in MOVABLE:
        return Skip(delivery.id, "status", {"status": delivery.status})
    if not may_edit(delivery, post, who.user_id, who.actor, role):
        return Skip(delivery.id, "review_locked")
    return None


def _load(session: Session, ids: Iterable[int]) -> tuple[list[int], dict[int, Delivery],
                                                         dict[int, Post]]:
    wanted = list(dict.fromkeys(int(i) for i in ids))[:MAX_BULK]
    found = {d.id: d for d in session.exec(select(Delivery).where(Delivery.id.in_(wanted)))} \
        if wanted else {}
    post_ids = {d.post_id for d in found.values()}
    posts = {p.id: p for p in session.exec(select(Post).where(Post.id.in_(post_ids)))} \
        if post_ids else {}
    return wanted, found, posts


def move_many(session: Session, settings: Settings, ids: Sequence[int], at: datetime, *,
              who: Reviewer, role: str, shift: bool = True, now: datetime | None = None,
              schedule: Schedule | None = None) -> Outcome:
    """Move the deliveries `ids` to `at` (aware), keeping each account's rules; with `shift`,
    posts of one account after the first go `spacing` later (see the module's rules)."""
    now = now or utcnow()
    tz = settings.tz
    schedule = schedule or schedule_or_default(settings)
    wanted, found, posts = _load(session, ids)
    out = Outcome()
    if at.tzinfo is None:
        raise EditError("The new time must carry a time zone.")
    moving = set(found)
    accounts: dict[int, _Account] = {}
    # Each account's posts in their present order: the earliest keeps the chosen time.
    order = sorted(wanted, key=lambda i: (found[i].scheduled_at, i) if i in found
                   else (at, i))
    for delivery_id in order:
        d = found.get(delivery_id)
        refused = _allowed(d, posts.get(d.post_id) if d else None, delivery_id, who, role)
        if refused is None and at <= now:
            refused = Skip(delivery_id, "past")
        if refused is not None:
            out.skipped.append(refused)
            continue
        account = accounts.setdefault(d.account_id, _Account(session, d.account_id, moving))
        when, refused = _place(account, d, at, schedule, tz, shift=shift)
        if refused is not None:
            out.skipped.append(refused)
            continue
        try:
            reschedule(session, d.id, when, actor=who.actor, user_id=who.user_id, role=role,
                       now=now)
        except EditError:  # changed meanwhile (it went out)
            session.rollback()
            out.skipped.append(Skip(d.id, "status", {"status": d.status}))
            continue
        bisect.insort(account.times, when)
        out.done.append(d.id)
        out.times[d.id] = when
    return out


def move_to_day(session: Session, settings: Settings, delivery_id: int, day: date, *,
                who: Reviewer, role: str, now: datetime | None = None,
                schedule: Schedule | None = None) -> Outcome:
    """The calendar's drag and drop: the same time of day on another local day, or a refusal
    (no shifting: the person chose a day and sees the time)."""
    d = session.get(Delivery, delivery_id)
    if d is None:
        return Outcome(skipped=[Skip(delivery_id, "missing")])
    tz = settings.tz
    local = d.scheduled_at.astimezone(tz)
    at = datetime.combine(day, local.timetz().replace(tzinfo=None), tz)
    if day == local.date():
        return Outcome(skipped=[Skip(delivery_id, "same_day", {"day": day})])
    return move_many(session, settings, [delivery_id], at, who=who, role=role, shift=False,
                     now=now, schedule=schedule)


def cancel_many(session: Session, ids: Sequence[int], *, who: Reviewer, role: str) -> Outcome:
    wanted, found, posts = _load(session, ids)
    out = Outcome()
    for delivery_id in wanted:
        d = found.get(delivery_id)
        if d is None:
            out.skipped.append(Skip(delivery_id, "missing"))
        elif d.status in NOT_CANCELLABLE:
            out.skipped.append(Skip(d.id, "status", {"status": d.status}))
        elif d.status == S.pending_review and not may_edit(
                d, posts.get(d.post_id), who.user_id, who.actor, role):
            out.skipped.append(Skip(d.id, "review_locked"))
        else:
            try:
                cancel(session, d.id, who.actor, who.user_id)
            except QueueError:
                session.rollback()
                out.skipped.append(Skip(d.id, "status", {"status": d.status}))
                continue
            out.done.append(d.id)
    return out


def approve_many(session: Session, settings: Settings, ids: Sequence[int], *,
                 who: Reviewer) -> Outcome:
    """Approve the posts of the chosen deliveries that wait for review (a manager's call; the
    caller checks the role). A post is approved whole, as on the approvals page: its other
    waiting deliveries go with it and count as done."""
    wanted, found, posts = _load(session, ids)
    out = Outcome()
    decided: dict[int, Skip | None] = {}
    for delivery_id in wanted:
        d = found.get(delivery_id)
        if d is None:
            out.skipped.append(Skip(delivery_id, "missing"))
            continue
        if d.post_id in decided:
            if decided[d.post_id] is not None:
                out.skipped.append(Skip(d.id, decided[d.post_id].code,
                                        decided[d.post_id].facts))
            continue
        if d.status != S.pending_review:
            out.skipped.append(Skip(d.id, "not_waiting", {"status": d.status}))
            continue
        try:
            done = approve(session, settings, d.post_id, who)
        except ReviewError as exc:
            session.rollback()
            code = ("own_post" if isinstance(exc, OwnPost) else
                    "not_waiting" if isinstance(exc, NothingWaiting) else exc.code or "refused")
            decided[d.post_id] = Skip(d.id, code, {"status": d.status})
            out.skipped.append(decided[d.post_id])
            continue
        decided[d.post_id] = None
        out.done.extend(x.id for x in done)
    return out


def account_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    """Delivery id -> "platform account" label, for wording skips."""
    ids = list(ids)
    if not ids:
        return {}
    return {i: name for i, name in session.exec(
        select(Delivery.id, Account.name).join(Account, Account.id == Delivery.account_id)
        .where(Delivery.id.in_(ids)))}
