"""The notification pass: find what needs someone, tell each person once, send the outbox.

Each fact has a key ("failed:d42:failed:a3", "weekly:2026-12-07"); a person is told a fact once
(`Notice` keeps fact + person), and what one person is to be told of one kind in one pass goes
out as one mail listing it all. The clock runs the pass every few minutes (leader only);
`outreach notify --once` runs it by hand. Without e-mail settings it does nothing at all, so
turning e-mail on later does not bring a flood of old news.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, select

from outreach.config import Settings
from outreach.db import get_engine
from outreach.models import (
    Account,
    AccountHealth,
    Delivery,
    DeliveryStatus,
    Notice,
    OutboxMail,
    Post,
    User,
    utcnow,
)
from outreach.notify import prefs
from outreach.notify.outbox import SendResult, enqueue, send_due
from outreach.notify.texts import render

log = logging.getLogger(__name__)
LOOKBACK = timedelta(days=3)  # failures older than this when e-mail starts are not news
WEEKLY_HOUR = 7  # the weekly summary goes out on Monday from this local hour
KEEP = timedelta(days=90)  # notices and sent mail are forgotten after this
EXCERPT = 90


@dataclass
class NotifyResult:
    enabled: bool
    queued: dict[str, int] = field(default_factory=dict)  # kind -> mails queued
    sent: SendResult = field(default_factory=SendResult)

    def as_json(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "queued": self.queued, "sent": len(self.sent.sent),
                "retrying": len(self.sent.retrying), "failed": len(self.sent.failed)}


def excerpt(text: str | None) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    first = lines[0] if lines else "—"
    return first if len(first) <= EXCERPT else first[:EXCERPT - 1].rstrip() + "…"


# -- facts: (key, recipients' user ids or None for "everyone the kind allows", item) -----------
Fact = tuple[str, set[int] | None, dict[str, Any]]


def account_facts(session: Session, settings: Settings, now: datetime) -> list[Fact]:
    from outreach.desk.accounts import REMOVED, waiting_deliveries
    from outreach.desk.connect import WARN_AHEAD, access_ends

    today = now.astimezone(settings.tz).date().isoformat()
    facts: list[Fact] = []
    for a in session.exec(select(Account).where(Account.source != REMOVED)
                          .order_by(Account.id)).all():
        item = {"name": a.name, "platform": a.platform, "health": a.health,
                "reason": a.health_reason, "ends": access_ends(a)}
        if a.health in (AccountHealth.needs_reconnect, AccountHealth.out_of_credits):
            key = f"account:{a.id}:{a.health}:{today}"  # a reminder each day until it is fixed
        elif a.health == AccountHealth.ok and item["ends"] is not None \
                and item["ends"] - now <= WARN_AHEAD:
            key = f"account:{a.id}:ends:{item['ends'].date().isoformat()}"
            item["health"] = "ending"
        else:
            continue
        item["held"] = waiting_deliveries(session, a.id)
        facts.append((key, None, item))
    return facts


def failed_facts(session: Session, now: datetime) -> list[Fact]:
    rows = session.exec(
        select(Delivery, Post.author_id, Account.name)
        .join(Post, Post.id == Delivery.post_id).join(Account, Account.id == Delivery.account_id)
        .where(Delivery.status.in_([DeliveryStatus.failed, DeliveryStatus.missed]),
               Delivery.updated_at >= now - LOOKBACK)
        .order_by(Delivery.scheduled_at, Delivery.id)).all()
    return [(f"failed:d{d.id}:{d.status}:a{d.attempts}", {author} if author else set(),
             {"id": d.id, "status": d.status, "platform": d.platform, "account": account,
              "scheduled_at": d.scheduled_at, "excerpt": excerpt(d.text), "author_id": author})
            for d, author, account in rows]


def approval_facts(session: Session) -> list[Fact]:
    rows = session.exec(
        select(Post, func.min(Delivery.scheduled_at), func.min(Delivery.id))
        .join(Delivery, Delivery.post_id == Post.id)
        .where(Delivery.status == DeliveryStatus.pending_review)
        .group_by(Post.id).order_by(func.min(Delivery.scheduled_at))).all()
    facts: list[Fact] = []
    for post, first_at, first_id in rows:
        platforms = session.exec(select(Delivery.platform).distinct().where(
            Delivery.post_id == post.id, Delivery.status == DeliveryStatus.pending_review)).all()
        first = session.get(Delivery, first_id)
        author = session.get(User, post.author_id) if post.author_id else None
        facts.append((f"approval:p{post.id}", None, {
            "excerpt": excerpt(post.text or (first.text if first else "")),
            "author": (author.name or author.email) if author else post.author,
            "author_id": post.author_id,
            "platforms": ", ".join(p.capitalize() if p != "x" else "X" for p in sorted(platforms)),
            "first_at": first_at}))
    return facts


def week_start(now: datetime, settings: Settings) -> date:
    local = now.astimezone(settings.tz).date()
    return local - timedelta(days=local.weekday())


def weekly_due(now: datetime, settings: Settings) -> bool:
    local = now.astimezone(settings.tz)
    return local.weekday() == 0 and local.hour >= WEEKLY_HOUR


def weekly_summary(session: Session, settings: Settings, now: datetime) -> dict[str, Any]:
    """Last week's figures (Monday to Monday, local time) from the reports' own builder."""
    from outreach.reports.build import build_report
    from outreach.reports.period import Period

    monday = week_start(now, settings)
    start_day = monday - timedelta(days=7)
    start, end = (datetime.combine(d, time(0), tzinfo=settings.tz) for d in (start_day, monday))
    period = Period(start, end, "", f"{start_day.isoformat()}..{monday.isoformat()}")
    report = build_report(session, period, settings, include_deliveries=False, now=now)
    platforms = [{"platform": p.platform, "posts": p.posts, "interactions": p.interactions,
                  "reach": p.totals.get("reach"), "views": p.totals.get("views")}
                 for p in report.platforms if p.posts]
    top = [{"excerpt": excerpt(t.text), "platform": t.platform, "url": t.remote_url,
            "interactions": t.interactions} for t in report.top_posts[:3]]
    return {"start": start, "last_day": end - timedelta(days=1), "platforms": platforms,
            "top": top, "needing_person": report.problems.needing_person,
            "open_questions": report.feedback.open_questions,
            "key": f"weekly:{start_day.isoformat()}"}


# -- the pass --------------------------------------------------------------------------------
def _told(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(keys), 500):
        found.update(session.exec(select(Notice.key).where(Notice.key.in_(keys[i:i + 500]))))
    return found


def _recipients(kind: str, fact: Fact, users: list[User], pref: dict) -> list[User]:
    _key, only, item = fact
    if kind == "failed":  # the author (failed_mine) and the desk (failed_all)
        return [u for u in users
                if (u.id in (only or set()) and prefs.wants(u, "failed_mine", pref.get(u.id)))
                or prefs.wants(u, "failed_all", pref.get(u.id))]
    chosen = [u for u in users if prefs.wants(u, kind, pref.get(u.id))]
    if kind == "approvals":  # nobody is asked to approve their own post
        chosen = [u for u in chosen if u.id != item.get("author_id")]
    return chosen


def _queue(session: Session, settings: Settings, kind: str, facts: list[Fact],
           users: list[User], pref: dict, now: datetime, **extra: Any) -> int:
    """One mail per person listing the facts of `kind` they have not been told yet."""
    per_user: dict[int, list[tuple[str, dict]]] = defaultdict(list)
    for fact in facts:
        for user in _recipients(kind, fact, users, pref):
            per_user[user.id].append((f"{fact[0]}:u{user.id}", fact[2]))
    told = _told(session, [k for items in per_user.values() for k, _ in items])
    by_id = {u.id: u for u in users}
    queued = 0
    for user_id, items in per_user.items():
        new = [(k, item) for k, item in items if k not in told]
        if not new:
            continue
        user = by_id[user_id]
        lang = prefs.language(pref.get(user_id), settings)
        listed = [dict(item, mine=item.get("author_id") == user_id) for _k, item in new]
        context = dict(extra, items=listed, accounts=listed, name=user.name or user.email)
        subject, body = render(kind, lang, settings, **context)
        row = enqueue(session, settings, kind=kind, to=user.email, subject=subject, body=body,
                      user_id=user_id, now=now)
        session.add_all(Notice(key=k, outbox_id=row.id, created_at=now) for k, _ in new)
        queued += 1
    session.commit()
    return queued


def gather(session: Session, settings: Settings, *, now: datetime | None = None,
           weekly: bool | None = None) -> dict[str, int]:
    """Queue the mail this pass has to send; returns mails queued per kind."""
    now = now or utcnow()
    users = list(session.exec(select(User).where(User.active).order_by(User.id)).all())
    pref = prefs.preferences(session, users)
    queued = {
        "accounts": _queue(session, settings, "accounts", account_facts(session, settings, now),
                           users, pref, now),
        "failed": _queue(session, settings, "failed", failed_facts(session, now), users, pref,
                         now),
        "approvals": _queue(session, settings, "approvals", approval_facts(session), users,
                            pref, now),
    }
    if weekly if weekly is not None else weekly_due(now, settings):
        summary = weekly_summary(session, settings, now)
        fact: Fact = (summary.pop("key"), None, {})
        queued["weekly"] = _queue(session, settings, "weekly", [fact], users, pref, now,
                                  **summary)
    session.execute(delete(Notice).where(Notice.created_at < now - KEEP))
    session.execute(delete(OutboxMail).where(OutboxMail.created_at < now - KEEP,
                                             OutboxMail.status != "pending"))
    session.commit()
    return queued


def notify_pass(settings: Settings, *, now: datetime | None = None,
                weekly: bool | None = None, send: bool = True) -> NotifyResult:
    """Queue what is news, then send what is due in the outbox."""
    if not settings.mail_enabled:
        return NotifyResult(enabled=False)
    with Session(get_engine(settings.database_url), expire_on_commit=False) as session:
        result = NotifyResult(enabled=True, queued=gather(session, settings, now=now,
                                                          weekly=weekly))
        if send:
            result.sent = send_due(session, settings, now=now)
    if any(result.queued.values()) or result.sent.sent:
        log.info("notifications: %s", result.as_json())
    return result
