"""Turn the library's data into queued posts, following `schedules/*.yaml` (docs/architecture.md,
"The flow").

What gets announced: new titles (one post per title and account, in the next free slot; only when
the acquisition date lies within the announce window, so connecting an old catalogue floods no
timeline), a weekly digest of new titles, workshops and events ahead of time, reminders shortly
before. When: in each account's slots, never on quiet dates, at most N a day, spaced, no further
ahead than the horizon (`booking.Booking`). Who looks first: the approval policy per kind.

Never two announcements of one subject on one account: deliveries carry a subject key ("title:12",
"digest:2026-W48", "event:5", "reminder:event:5") under a unique (account, subject) constraint, so
re-planning is idempotent even when two processes plan at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from sqlmodel import Session, select

from outreach.compose import build
from outreach.compose.cards import CardError
from outreach.compose.context import (
    digest_context,
    event_context,
    title_context,
    title_dict,
    title_fields,
)
from outreach.compose.fit import Target
from outreach.compose.overrides import template_set
from outreach.compose.templates import TemplateError
from outreach.config import Settings, get_settings
from outreach.models import (
    Account,
    AccountHealth,
    Delivery,
    DeliveryStatus,
    Event,
    Post,
    PostKind,
    Role,
    Title,
    utcnow,
)
from outreach.planning import store as store
from outreach.planning.booking import Booking
from outreach.planning.rows import no_full_collections, once
from outreach.planning.schedule import EventRule, Rule, Schedule, load_schedule
from outreach.platforms import available_platforms, platform_class, sync_env_accounts

log = logging.getLogger(__name__)
S = DeliveryStatus
# Deliveries that hold their time: they count for spacing and the daily maximum.
FREED = (S.cancelled, S.failed, S.missed)
DIGEST_PREPARE = timedelta(hours=1)  # a digest is composed this long before its time
DIGEST_GRACE = timedelta(days=1)  # ... and still sent this long after, if planning was down
PROGRESS_EVERY = 25  # subjects between progress reports (a title with a card: ~50 ms)


@dataclass
class PlannedDelivery:
    subject: str
    kind: str
    platform: str
    account: str
    scheduled_at: datetime
    status: str
    text: str  # as stored: a thread's parts separated by "---" lines
    parts: list[str] = field(default_factory=list)  # the posts it makes
    media: list[str] = field(default_factory=list)
    alt_text: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    length: int = 0  # of the first part, as the platform counts
    max_length: int = 0


@dataclass
class PlanResult:
    planned: list[PlannedDelivery] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # why something was not planned
    cancelled: int = 0  # deliveries of cancelled events / withdrawn titles taken off the queue
    # (subject key, account id) of queued deliveries composed again: their subject changed
    refreshed: list[tuple[str, int]] = field(default_factory=list)
    # (subject key, account id) of queued deliveries edited by hand whose subject changed: kept
    # as drafts that say why, for a person to check (not composed again over their work)
    to_check: list[tuple[str, int]] = field(default_factory=list)


def initial_status(kind: str, author_role: str | None = None,
                   schedule: Schedule | None = None) -> DeliveryStatus:
    """The approval policy: `automatic` kinds are scheduled; `review` kinds wait for a manager,
    unless a manager or admin wrote the post."""
    schedule = schedule or load_schedule()
    policy = getattr(schedule.approval, str(kind), "review")
    if policy == "automatic" or author_role in (Role.manager, Role.admin):
        return S.scheduled
    return S.pending_review


def target_for(platform: str, settings: Settings, schedule: Schedule,
               backend: str | None = None) -> Target:
    """The platform's declared rules (for the account's backend) and the schedule's choices."""
    rhythm = schedule.rhythm(platform)
    return Target.of(platform_class(platform, backend), settings, links=rhythm.links,
                     images=rhythm.images)


def compose_free(platform: str, text: str, media: Sequence[str], alt_text: Sequence[str],
                 settings: Settings, schedule: Schedule | None = None,
                 backend: str | None = None) -> build.Composed:
    """A staff-written text on one platform: the thread it becomes and what breaks the rules."""
    from outreach.compose.fit import fit_text, join_thread
    from outreach.compose.validate import problems

    target = target_for(platform, settings, schedule or load_schedule(settings), backend)
    parts = fit_text(target, text)
    found = problems(target, parts[0], list(media), list(alt_text), thread=parts[1:],
                     locale=settings.locale)
    return build.Composed(template="free", text=join_thread(parts), parts=parts,
                          media=list(media), alt_text=list(alt_text), problems=found)


class _Account(NamedTuple):
    """What planning reads of an account, read once: an ORM attribute costs ~20x a tuple's, and
    planning reads a dozen per account and subject."""

    id: int
    platform: str
    backend: str | None
    name: str


@dataclass
class _Subject:
    """One thing to announce, on the accounts of its rule's platforms."""

    kind: str
    key: str
    rule: Rule
    earliest: datetime
    context: Callable[[Target, datetime], dict[str, Any]]
    images: Callable[[list[Target]], list[tuple[str, str]]]
    post: dict[str, Any]
    latest: datetime | None = None
    prefer: datetime | None = None


class Planner:
    def __init__(self, session: Session, settings: Settings, schedule: Schedule, now: datetime,
                 dry_run: bool = False, images: bool = True,
                 progress: Callable[[int, int], None] | None = None):
        self.session, self.settings, self.schedule = session, settings, schedule
        self.progress = progress
        self.now, self.dry_run, self.tz, self.make_images = now, dry_run, settings.tz, images
        self.result = PlanResult()
        self.templates = template_set(session, settings)
        self.accounts = self._accounts()
        self.targets = {(a.platform, a.backend): target_for(a.platform, settings, schedule,
                                                            a.backend)
                        for accounts in self.accounts.values() for a in accounts}
        self.bookings: dict[int, Booking] = {}
        self.rows: list[store.Row] = []

    def _accounts(self) -> dict[str, list[_Account]]:
        sync_env_accounts(self.session, self.settings)
        rules = (self.schedule.acquisitions, self.schedule.digest, self.schedule.workshops,
                 self.schedule.events)
        wanted = {p for r in rules for p in r.platforms if p in available_platforms()}
        found: dict[str, list[_Account]] = {}
        for account in self.session.exec(
            select(Account).where(Account.platform.in_(wanted),
                                  Account.health != AccountHealth.paused).order_by(Account.id)
        ):
            found.setdefault(account.platform, []).append(
                _Account(account.id, account.platform, account.backend, account.name))
        return found

    # -- the subjects ---------------------------------------------------------------------------
    def run(self) -> PlanResult:
        if not self.accounts:
            self.result.skipped.append("No connected account on the schedule's platforms: "
                                       "nothing can be planned.")
            return self.result
        if not self.dry_run:
            self.result.cancelled = store.take_off_cancelled(self.session, self.now)
        # Fixed times and narrow windows first: the digest at its hour, then reminders, then
        # announcements, so a long list of new titles never crowds out an event.
        subjects = [*self._digest(), *self._events(reminders=True),
                    *self._events(reminders=False), *self._acquisitions()]
        keys = {s.key for s in subjects}
        # Before the queue is read: what is dropped here is planned again below, fresh.
        self.result.refreshed, self.result.to_check = store.drop_stale(
            self.session, keys, self.now, self.settings.locale)
        taken, posts = store.taken_keys(self.session, keys), store.post_ids(self.session, keys)
        for done, subject in enumerate(subjects, 1):
            self._plan(subject, taken, posts.get(subject.key))
            if self.progress is not None and (not done % PROGRESS_EVERY or done == len(subjects)):
                self.progress(done, len(subjects))  # cards and covers take a while each
        if not self.dry_run:
            store.write(self.session, self.rows, self.now, self.result)
        return self.result

    def _acquisitions(self) -> Iterable[_Subject]:
        rule = self.schedule.acquisitions
        for title in store.new_titles(self.session, self.settings, self.now):
            # What a title says on every platform, read from it once (when it is planned).
            fields = once(partial(title_fields, title, self.settings))
            yield _Subject(
                PostKind.acquisition, f"title:{title.id}", rule, self.now,
                context=lambda t, when, title=title, rule=rule, fields=fields: title_context(
                    title, self.settings, t.name, language=rule.language, campaign=rule.campaign,
                    links=t.links, hashtags=rule.hashtags, hashtag_cap=t.hashtag_cap,
                    posted_at=when, fields=fields()),
                images=lambda targets, title=title, rule=rule, fields=fields: [build.title_image(
                    title_dict(title, self.settings, "card", rule.campaign, fields=fields()),
                    self.settings, build.image_bounds(targets), rule.language)],
                post={"title_id": title.id, "subject_hash": title.content_hash})

    def _digest(self) -> Iterable[_Subject]:
        rule = self.schedule.digest
        when = rule.occurrence(self.now, self.tz, DIGEST_PREPARE, DIGEST_GRACE)
        if when is None or not rule.platforms:
            return
        year, week, _ = when.astimezone(self.tz).isocalendar()
        key = f"digest:{year}-W{week:02d}"
        existing = self.session.exec(select(Post).where(Post.subject_key == key)).first()
        if existing is not None:
            ids = list(existing.subject_title_ids)
        else:
            ids = store.digest_title_ids(self.session, when - timedelta(days=7), self.now)
        if not ids:
            return
        titles = list(self.session.exec(select(Title).where(Title.id.in_(ids))))
        titles.sort(key=lambda t: ids.index(t.id))
        listed = titles[: rule.max_titles]
        period = (when - timedelta(days=7), when)

        def context(t: Target, at: datetime) -> dict[str, Any]:
            return digest_context(listed, len(titles), *period, self.settings, t.name,
                                  language=rule.language, campaign=rule.campaign, links=t.links,
                                  hashtags=rule.hashtags, hashtag_cap=t.hashtag_cap, posted_at=at)

        def images(targets: list[Target]) -> list[tuple[str, str]]:
            shown = [title_dict(t, self.settings, "card", rule.campaign) for t in listed]
            return [build.digest_image(shown, len(titles), self.settings,
                                       build.image_bounds(targets), rule.language)]

        yield _Subject(PostKind.digest, key, rule, when, context, images,
                       {"subject_title_ids": ids}, latest=when + DIGEST_GRACE, prefer=when)

    def _events(self, reminders: bool) -> Iterable[_Subject]:
        horizon = self.now + timedelta(days=self.schedule.horizon_days)
        for rule, kind in ((self.schedule.workshops, PostKind.workshop),
                           (self.schedule.events, PostKind.event)):
            days = rule.remind_days_before if reminders else rule.announce_days_before
            if days is None or not rule.platforms:
                continue
            ahead = timedelta(days=days)
            for event in self.session.exec(
                select(Event).where(Event.kind.in_(rule.kinds), Event.cancelled.is_(False),
                                    Event.starts_at > self.now,
                                    Event.starts_at <= horizon + ahead).order_by(Event.starts_at)
            ):
                if (not reminders and rule.remind_days_before is not None
                        and event.starts_at - timedelta(days=rule.remind_days_before) <= self.now):
                    continue  # learnt of it late: the reminder alone says it, not twice in a day
                post_kind = PostKind.reminder if reminders else kind
                key = f"reminder:event:{event.id}" if reminders else f"event:{event.id}"
                template = rule.reminder_template if reminders else rule.template
                yield _Subject(
                    post_kind, key, rule.model_copy(update={"template": template}),
                    event.starts_at - ahead,
                    context=lambda t, when, event=event, rule=rule: event_context(
                        event, self.settings, t.name, language=rule.language,
                        campaign=rule.campaign, links=t.links, hashtags=rule.hashtags,
                        hashtag_cap=t.hashtag_cap, posted_at=when),
                    images=lambda targets, event=event, rule=rule, k=post_kind: [build.event_image(
                        k, event_context(event, self.settings, "card")["event"], self.settings,
                        build.image_bounds(targets), rule.language)],
                    post={"event_id": event.id, "subject_hash": event.content_hash},
                    latest=event.starts_at)

    # -- one subject ----------------------------------------------------------------------------
    def _plan(self, subject: _Subject, taken: set[tuple[int, str]], post_id: int | None) -> None:
        todo = [a for p in subject.rule.platforms for a in self.accounts.get(p, [])
                if (a.id, subject.key) not in taken]
        if not todo:
            return
        times = {}
        for account in todo:
            when = self._booking(account).take(subject.earliest, subject.latest, subject.prefer)
            if when is None:
                self.result.skipped.append(
                    f"{subject.key} on {account.platform} ({account.name}): no free time "
                    f"{'before it starts' if subject.latest else 'within the horizon'}; "
                    "it will be tried again at the next planning run.")
            else:
                times[account.id] = when
        if not times:
            return
        targets = [self.targets[a.platform, a.backend] for a in todo if a.id in times]
        images: list[tuple[str, str]] = []
        planned_before = len(self.result.planned)
        try:
            if self.make_images and build.wants_images(targets):
                images = subject.images(targets)
        except (CardError, OSError) as exc:
            # A subject that cannot be composed must not stop the others: say why, give the
            # times back, and try again at the next run (after the file is fixed).
            for account_id, when in times.items():
                self.bookings[account_id].release(when)
            del self.result.planned[planned_before:]
            self.result.skipped.append(f"{subject.key}: its image cannot be made: {exc}")
            return
        deliveries, made = [], None
        status = initial_status(subject.kind, schedule=self.schedule)
        for account in (a for a in todo if a.id in times):
            target, when = self.targets[account.platform, account.backend], times[account.id]
            try:
                made = build.compose(self.templates, subject.rule.template, target,
                                     subject.rule.language, subject.context(target, when),
                                     images, self.settings.locale)
            except TemplateError as exc:  # this platform waits; the others go ahead
                self.bookings[account.id].release(when)
                self.result.skipped.append(f"{subject.key} on {account.platform}: the template "
                                           f"cannot be used: {exc}")
                continue
            deliveries.append(self._delivery(subject, account, target, when, made, status))
        if made is None:
            return
        post = {"kind": subject.kind, "subject_key": subject.key, "template": made.template,
                "language": subject.rule.language, "author": "system", **subject.post}
        self.rows.append((subject.key, post_id, post, deliveries))

    def _delivery(self, subject: _Subject, account: _Account, target: Target, when: datetime,
                  made: build.Composed, status: DeliveryStatus) -> dict[str, Any]:
        if made.problems:
            status = S.draft  # a person must fix it first; last_error says what and how
        self.result.planned.append(PlannedDelivery(
            subject.key, subject.kind, account.platform, account.name, when, status, made.text,
            made.parts, made.media, made.alt_text, made.problems, target.count(made.parts[0]),
            target.limits.max_text))
        return {"account_id": account.id, "platform": account.platform,
                "subject_key": subject.key, "template": made.template, "text": made.text,
                "media": made.media, "alt_text": made.alt_text, "link": made.link,
                "scheduled_at": when, "next_attempt_at": when, "status": status,
                "last_error": " ".join(made.problems) or None,
                "last_error_kind": "invalid" if made.problems else None}

    def _booking(self, account: _Account) -> Booking:
        if account.id not in self.bookings:
            horizon = self.now + timedelta(days=self.schedule.horizon_days + 1)
            rows = self.session.exec(select(Delivery.scheduled_at).where(
                Delivery.account_id == account.id, Delivery.status.not_in(FREED),
                Delivery.scheduled_at >= self.now - timedelta(days=1),
                Delivery.scheduled_at <= horizon))
            self.bookings[account.id] = Booking(self.schedule.rhythm(account.platform),
                                                self.schedule, self.tz, self.now, list(rows))
        return self.bookings[account.id]

def plan(session: Session, *, settings: Settings | None = None,
         schedule: Schedule | None = None, now: datetime | None = None,
         dry_run: bool = False, images: bool = True,
         progress: Callable[[int, int], None] | None = None) -> PlanResult:
    """Queue what the schedule says is due; commit unless dry_run (then nothing changes).
    images=False composes text only (benchmarks): deliveries that need an image stay drafts.
    `progress(done, total)` is called every PROGRESS_EVERY subjects and at the end."""
    settings = settings or get_settings()
    schedule = schedule or load_schedule(settings)
    planner = Planner(session, settings, schedule, now or utcnow(), dry_run, images, progress)
    with no_full_collections():
        result = planner.run()
    if dry_run:
        session.rollback()
    log.info("planned %d deliveries", len(result.planned))
    if result.refreshed:
        log.info("composed %d queued deliveries again: their event or title changed (%s)",
                 len(result.refreshed), ", ".join(sorted({k for k, _ in result.refreshed})))
    if result.to_check:
        log.warning("%d queued deliveries edited by hand wait for a person: their event or "
                    "title changed (%s)", len(result.to_check),
                    ", ".join(sorted({k for k, _ in result.to_check})))
    return result


__all__ = ["EventRule", "PlanResult", "PlannedDelivery", "Planner", "compose_free",
           "initial_status", "plan", "target_for"]
