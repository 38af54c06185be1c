"""The parts of a report beyond the metrics: coverage (what of the library's news was announced),
problems (failed and missed posts) and the public's feedback."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func
from sqlmodel import Session, select

from outreach.models import (
    NEEDS_PERSON,
    Account,
    Delivery,
    DeliveryStatus,
    Event,
    Feedback,
    FeedbackStatus,
    Post,
    PostKind,
    Title,
)

if TYPE_CHECKING:
    from outreach.reports.period import Period

MISSED_SHOWN = 20  # titles and events not announced, listed by name
PROBLEMS_SHOWN = 50


def _between(column, period: Period) -> list:  # noqa: ANN001
    where = [column.is_not(None)]
    if period.start is not None:
        where.append(column >= period.start)
    if period.end is not None:
        where.append(column < period.end)
    return where


# A delivery on its way: planned, waiting for approval or its time, being published or retried
# (unconfirmed: it may be out already). A subject with one is "scheduled", not "not planned".
ON_ITS_WAY = (DeliveryStatus.draft, DeliveryStatus.pending_review, DeliveryStatus.scheduled,
              DeliveryStatus.publishing, DeliveryStatus.retry_wait, DeliveryStatus.held,
              DeliveryStatus.unconfirmed)


@dataclass
class Coverage:
    """What of the period's news went out. Every new title and event is in exactly one of
    three groups: announced (a published post, or a published digest listing the title),
    scheduled (not announced, but a delivery is on its way now), not planned (the rest: never
    planned, or every delivery failed, was missed or cancelled)."""

    titles_new: int = 0  # catalogued in the period
    titles_announced: int = 0  # of those, on at least one platform
    titles_scheduled: int = 0  # not announced yet, a delivery on its way
    events_new: int = 0  # taking place in the period
    events_announced: int = 0
    events_scheduled: int = 0
    titles_missed: list[dict[str, Any]] = field(default_factory=list)  # not planned, newest
    events_missed: list[dict[str, Any]] = field(default_factory=list)  # not planned

    @property
    def titles_unplanned(self) -> int:
        return self.titles_new - self.titles_announced - self.titles_scheduled

    @property
    def events_unplanned(self) -> int:
        return self.events_new - self.events_announced - self.events_scheduled

    @property
    def titles_share(self) -> float | None:
        return self.titles_announced / self.titles_new if self.titles_new else None

    @property
    def events_share(self) -> float | None:
        return self.events_announced / self.events_new if self.events_new else None

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if not k.endswith("missed")},
                "titles_unplanned": self.titles_unplanned,
                "events_unplanned": self.events_unplanned}


def _on(column, period: Period) -> list:  # noqa: ANN001
    """The period's platform, when it names one."""
    return [] if period.platform is None else [column == period.platform]


def _delivered(subject, period: Period, statuses=(DeliveryStatus.published,)) -> Any:  # noqa: ANN001
    """A delivery in one of `statuses` of a post about `subject` (Post.title_id or
    Post.event_id): by default a published one."""
    # Nested, so the database goes post (by its subject index) -> its deliveries, never
    # through every published delivery.
    return exists(select(Post.id).where(subject, exists(select(Delivery.id).where(
        Delivery.post_id == Post.id, Delivery.status.in_(list(statuses)),
        *_on(Delivery.platform, period)))))


def _in_digests(session: Session, period: Period, new_ids: set[int], statuses: tuple,
                until: datetime | None) -> set[int]:
    """Of `new_ids`, the titles a digest with a delivery in `statuses` lists (published ones:
    from the period's start until `until`)."""
    found: set[int] = set()
    where = [Delivery.status.in_(list(statuses)), *_on(Delivery.platform, period)]
    if statuses == (DeliveryStatus.published,):
        where += _between(Delivery.published_at, replace(period, end=until))
    digests = select(Post.subject_title_ids).where(
        Post.kind == PostKind.digest, Post.id.in_(select(Delivery.post_id).where(*where)))
    for ids in session.exec(digests):
        found.update(i for i in ids or [] if i in new_ids)
    return found


def coverage(session: Session, period: Period, window_days: int = 30) -> Coverage:
    """New titles (catalogued in the period) and events (taking place in it): how many a
    published post announced, how many have a delivery on its way, and which were not planned;
    `window_days`: OUTREACH_ANNOUNCE_WINDOW_DAYS."""
    found = Coverage()
    new_titles = [Title.withdrawn_at.is_(None), *_between(Title.catalogued_at, period)]
    new_ids = set(session.exec(select(Title.id).where(*new_titles)).all())
    found.titles_new = len(new_ids)
    announced = set(session.exec(select(Title.id).where(
        *new_titles, _delivered(Post.title_id == Title.id, period))).all())
    if new_ids - announced:
        # Titles announced in a digest (each lists its titles as JSON): the digests published
        # from the period's start until the announce window after its end.
        until = period.end + timedelta(days=window_days) if period.end else None
        announced |= _in_digests(session, period, new_ids, (DeliveryStatus.published,), until)
    found.titles_announced = len(announced)
    scheduled: set[int] = set()
    if new_ids - announced:
        scheduled = set(session.exec(select(Title.id).where(
            *new_titles, _delivered(Post.title_id == Title.id, period, ON_ITS_WAY))).all())
        scheduled |= _in_digests(session, period, new_ids, ON_ITS_WAY, None)
        scheduled -= announced
    found.titles_scheduled = len(scheduled)
    if new_ids - announced - scheduled:
        newest = session.exec(select(Title.id, Title.title, Title.catalogued_at)
                              .where(*new_titles)
                              .order_by(Title.catalogued_at.desc(), Title.id))
        for i, t, c in newest:
            if i not in announced and i not in scheduled:
                found.titles_missed.append({"id": i, "title": t, "catalogued_at": c})
                if len(found.titles_missed) >= MISSED_SHOWN:
                    break
    events = [Event.cancelled.is_(False), *_between(Event.starts_at, period)]
    published = _delivered(Post.event_id == Event.id, period)
    on_its_way = _delivered(Post.event_id == Event.id, period, ON_ITS_WAY)
    found.events_new = session.exec(select(func.count(Event.id)).where(*events)).one()
    found.events_announced = session.exec(select(func.count(Event.id)).where(
        *events, published)).one()
    found.events_scheduled = session.exec(select(func.count(Event.id)).where(
        *events, ~published, on_its_way)).one()
    rows = session.exec(select(Event.id, Event.title, Event.starts_at).where(
        *events, ~published, ~on_its_way)
        .order_by(Event.starts_at, Event.id).limit(MISSED_SHOWN)).all()
    found.events_missed = [{"id": i, "title": t, "starts_at": s} for i, t, s in rows]
    return found


@dataclass
class Problems:
    counts: dict[str, int] = field(default_factory=dict)  # status -> deliveries due in period
    items: list[dict[str, Any]] = field(default_factory=list)  # those a person must look at

    @property
    def needing_person(self) -> int:
        return sum(self.counts.get(s, 0) for s in NEEDS_PERSON)


def problems(session: Session, period: Period) -> Problems:
    found = Problems()
    where = _between(Delivery.scheduled_at, period) + _on(Delivery.platform, period)
    found.counts = {s.value: 0 for s in DeliveryStatus}
    found.counts.update(dict(session.exec(select(Delivery.status, func.count(Delivery.id))
                                          .where(*where).group_by(Delivery.status)).all()))
    rows = session.exec(
        select(Delivery.id, Delivery.platform, Account.name, Delivery.status,
               Delivery.scheduled_at, Delivery.last_error, Delivery.text)
        .join(Account, Account.id == Delivery.account_id)
        .where(*where, Delivery.status.in_(list(NEEDS_PERSON)))
        .order_by(Delivery.scheduled_at, Delivery.id).limit(PROBLEMS_SHOWN)).all()
    found.items = [{"id": i, "platform": p, "account": a, "status": s, "scheduled_at": at,
                    "error": e, "text": (t or "").strip().splitlines()[0][:100] if t else ""}
                   for i, p, a, s, at, e, t in rows]
    return found


@dataclass
class FeedbackSummary:
    received: int = 0
    questions: int = 0
    answered: int = 0
    not_relevant: int = 0
    open: int = 0
    open_questions: int = 0
    by_platform: dict[str, int] = field(default_factory=dict)
    median_response_hours: float | None = None  # questions marked answered: made -> marked


def feedback_summary(session: Session, period: Period) -> FeedbackSummary:
    found = FeedbackSummary()
    where = _between(Feedback.created_at, period) + _on(Feedback.platform, period)
    for status, question, n in session.exec(
            select(Feedback.status, Feedback.is_question, func.count(Feedback.id))
            .where(*where).group_by(Feedback.status, Feedback.is_question)):
        found.received += n
        found.questions += n if question else 0
        if status == FeedbackStatus.answered:
            found.answered += n
        elif status == FeedbackStatus.not_relevant:
            found.not_relevant += n
        else:
            found.open += n
            found.open_questions += n if question else 0
    found.by_platform = dict(session.exec(select(Feedback.platform, func.count(Feedback.id))
                                          .where(*where).group_by(Feedback.platform)).all())
    waits = [(handled - made).total_seconds() / 3600 for made, handled in session.exec(
        select(Feedback.created_at, Feedback.handled_at).where(
            *where, Feedback.is_question.is_(True), Feedback.status == FeedbackStatus.answered,
            Feedback.handled_at.is_not(None)))
        if isinstance(handled, datetime)]
    found.median_response_hours = statistics.median(waits) if waits else None
    return found
