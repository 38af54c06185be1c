"""Turn what is new in the catalogue into posts and deliveries (DESIGN.md, "The flow").

A title is announced once per account, and only when its acquisition date lies within the announce
window: connecting a catalogue of 50,000 old titles must not flood anyone's timeline. Re-planning is
idempotent: the (account, subject) unique constraint makes a second run find nothing to do, even
when two processes plan at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from outreach.compose.context import title_context
from outreach.compose.templates import render_file
from outreach.config import Settings, get_settings
from outreach.models import (
    Account,
    AccountHealth,
    Delivery,
    DeliveryStatus,
    Post,
    PostKind,
    Title,
    utcnow,
)
from outreach.platforms import available_platforms, sync_env_accounts
from outreach.schedule import Schedule, load_schedule

log = logging.getLogger(__name__)


@dataclass
class PlannedDelivery:
    subject: str
    platform: str
    account: str
    scheduled_at: datetime
    text: str


@dataclass
class PlanResult:
    planned: list[PlannedDelivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why something was not planned


def active_accounts(session: Session, settings: Settings, platforms: list[str]) -> list[Account]:
    sync_env_accounts(session, settings)
    usable = [p for p in platforms if p in available_platforms()]
    if not usable:
        return []
    return list(
        session.exec(
            select(Account)
            .where(Account.platform.in_(usable), Account.health != AccountHealth.paused)
            .order_by(Account.id)
        )
    )


class _Slots:
    """Next free time per account: after `now`, and `spacing` after the account's latest post."""

    def __init__(self, session: Session, schedule: Schedule, now: datetime):
        self.session, self.schedule, self.now = session, schedule, now
        self.next: dict[int, datetime] = {}

    def take(self, account: Account) -> datetime:
        spacing = timedelta(minutes=self.schedule.spacing_for(account.platform))
        if account.id not in self.next:
            latest = self.session.exec(
                select(func.max(Delivery.scheduled_at)).where(
                    Delivery.account_id == account.id,
                    Delivery.status.not_in([DeliveryStatus.cancelled, DeliveryStatus.failed]),
                )
            ).one()
            if latest is not None and latest.tzinfo is None:  # max() bypasses the column type
                latest = latest.replace(tzinfo=self.now.tzinfo)
            self.next[account.id] = max(self.now, latest + spacing) if latest else self.now
        slot = self.next[account.id]
        self.next[account.id] = slot + spacing
        return slot


def new_titles(session: Session, settings: Settings, now: datetime) -> list[Title]:
    since = now - timedelta(days=settings.announce_window_days)
    return list(
        session.exec(
            select(Title)
            .where(
                Title.withdrawn_at.is_(None),
                Title.catalogued_at.is_not(None),
                Title.catalogued_at >= since,
                Title.catalogued_at <= now,
            )
            .order_by(Title.catalogued_at, Title.id)
        )
    )


def plan(
    session: Session,
    *,
    settings: Settings | None = None,
    schedule: Schedule | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> PlanResult:
    """Queue one announcement per new title on each account; commit unless dry_run."""
    settings = settings or get_settings()
    schedule = schedule or load_schedule(settings)
    now = now or utcnow()
    result = PlanResult()
    acq = schedule.acquisitions
    accounts = active_accounts(session, settings, acq.platforms)
    if not accounts:
        result.skipped.append(
            "No connected account on " + ", ".join(acq.platforms) + ": nothing can be planned."
        )
        return result
    slots = _Slots(session, schedule, now)
    for title in new_titles(session, settings, now):
        subject = f"title:{title.id}"
        taken = set(
            session.exec(select(Delivery.account_id).where(Delivery.subject_key == subject))
        )
        todo = [a for a in accounts if a.id not in taken]
        if not todo:
            continue
        post = Post(kind=PostKind.acquisition, subject_key=subject, title_id=title.id,
                    template=acq.template, language=acq.language, author="system")
        deliveries = []
        for account in todo:
            context = title_context(title, settings, account.platform)
            template, text = render_file(acq.template, account.platform, acq.language, context,
                                         settings)
            post.template = template
            when = slots.take(account)
            deliveries.append(
                Delivery(post_id=0, account_id=account.id, platform=account.platform,
                         subject_key=subject, text=text, link=context.get("link"),
                         scheduled_at=when, next_attempt_at=when,
                         status=DeliveryStatus.scheduled)
            )
            result.planned.append(PlannedDelivery(subject, account.platform, account.name, when,
                                                  text))
        if dry_run:
            continue
        try:
            with session.begin_nested():
                session.add(post)
                session.flush()
                for d in deliveries:
                    d.post_id = post.id
                    session.add(d)
                session.flush()
        except IntegrityError:
            # Another planner got there first: the unique constraint kept the promise.
            result.skipped.append(f"{subject}: already planned by another process")
            result.planned = [p for p in result.planned if p.subject != subject]
    if dry_run:
        session.rollback()
    else:
        session.commit()
    log.info("planned %d deliveries", len(result.planned))
    return result
