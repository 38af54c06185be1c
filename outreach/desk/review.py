"""Manager review of posts waiting for approval (docs/architecture.md, "Delivery states":
draft -> pending_review -> scheduled).

The rules, shared by the web UI and any other face:

- Nobody approves or rejects a post they wrote, whatever their role (four eyes).
- Approving schedules every delivery of the post that waits for review. A time still ahead is
  kept. A time that passed less than OUTREACH_MISSED_AFTER_HOURS ago becomes "now" (the next
  moment the dispatcher may use; it still keeps each account's spacing). A time that passed
  longer ago is never published late silently: approval is refused until the manager gives a
  new time (or asks for "now" explicitly) — the same promise the dispatcher's "missed" keeps.
- Rejecting needs a reason, which the author sees: it is kept on the post (`review_note`) and on
  each delivery (`last_error`, kind "rejected"). Rejected deliveries go back to `draft`, not
  `cancelled`: the author can edit and send the post for review again (`resubmit`), and a draft,
  unlike a cancelled delivery, cannot be pushed out with "retry" past the manager's decision.
- Every decision is written to the audit log.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from outreach.audit import audit
from outreach.config import Settings
from outreach.desk.error_words import SENTENCES
from outreach.errors import OutreachError
from outreach.models import Account, Delivery, DeliveryStatus, Post, User, utcnow

S = DeliveryStatus
MAX_REASON = 1000
REJECTED = "rejected"  # Delivery.last_error_kind of a post a manager sent back


class ReviewError(OutreachError):
    """A review decision cannot be carried out; the message says why, and `code` which rule
    (for faces that word it in their own language)."""

    sentences = SENTENCES

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class OwnPost(ReviewError):
    """The reviewer wrote the post."""


class NoSuchPost(ReviewError):
    """The post does not exist."""


class NothingWaiting(ReviewError):
    """No delivery of the post waits for this decision (someone decided already)."""


class TooLate(ReviewError):
    """The post's time passed longer ago than the missed window: a new time is needed."""

    def __init__(self, message: str, scheduled_at: datetime) -> None:
        super().__init__(message, "too_late")
        self.scheduled_at = scheduled_at


@dataclass
class Reviewer:
    """Who decides: the e-mail (or "cli") and the user row's id when there is one."""

    actor: str
    user_id: int | None = None


@dataclass
class PendingPost:
    post: Post
    author_name: str
    deliveries: list[tuple[Delivery, Account]] = field(default_factory=list)

    @property
    def first_at(self) -> datetime:
        return min(d.scheduled_at for d, _ in self.deliveries)


def is_author(post: Post, who: Reviewer) -> bool:
    """The post was written by `who`: the same user row, or the same e-mail (posts made before
    the author's id was kept, or from the CLI, carry only the e-mail)."""
    if post.author_id is not None and post.author_id == who.user_id:
        return True
    return (post.author or "").strip().lower() == who.actor.strip().lower()


def approval_time(scheduled_at: datetime, now: datetime, missed_after_hours: float) -> datetime:
    """When an approved delivery may go out: its own time when still ahead, now when it passed
    within the missed window; TooLate beyond it."""
    if scheduled_at >= now:
        return scheduled_at
    if now - scheduled_at <= timedelta(hours=missed_after_hours):
        return now
    raise TooLate(
        f"The post was due at {scheduled_at.isoformat()}, more than {missed_after_hours:g} "
        "hours ago; choose a new time (or publish now) to approve it.", scheduled_at)


def pending_count(session: Session) -> int:
    return session.exec(select(func.count(func.distinct(Delivery.post_id)))
                        .where(Delivery.status == S.pending_review)).one()


def _by(who: Reviewer) -> Any:
    """SQL: the post was written by `who` (as `is_author` says)."""
    same_mail = func.lower(Post.author) == who.actor.strip().lower()
    return same_mail if who.user_id is None else (Post.author_id == who.user_id) | same_mail


def pending_posts(session: Session, *, limit: int = 50, offset: int = 0,
                  author: Reviewer | None = None) -> list[PendingPost]:
    """Posts with deliveries waiting for review (of `author` only, when given), the soonest due
    first; three queries whatever the number of posts."""
    first = func.min(Delivery.scheduled_at)
    query = select(Delivery.post_id, first).where(Delivery.status == S.pending_review)
    if author is not None:
        query = query.join(Post, Post.id == Delivery.post_id).where(_by(author))
    ids = [pid for pid, _ in session.exec(
        query.group_by(Delivery.post_id).order_by(first, Delivery.post_id)
        .offset(offset).limit(limit))]
    if not ids:
        return []
    posts = {p.id: p for p in session.exec(select(Post).where(Post.id.in_(ids)))}
    authors = {p.author_id for p in posts.values() if p.author_id is not None}
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_(authors))).all()) \
        if authors else {}
    found = {pid: PendingPost(posts[pid], names.get(posts[pid].author_id) or posts[pid].author)
             for pid in ids}
    for d, a in session.exec(
            select(Delivery, Account).join(Account, Account.id == Delivery.account_id)
            .where(Delivery.post_id.in_(ids), Delivery.status == S.pending_review)
            .order_by(Delivery.id)):
        found[d.post_id].deliveries.append((d, a))
    return [found[pid] for pid in ids]


def _post_and_pending(session: Session, post_id: int) -> tuple[Post, list[Delivery]]:
    post = session.get(Post, post_id)
    if post is None:
        raise NoSuchPost(f"There is no post {post_id}.")
    waiting = list(session.exec(select(Delivery).where(
        Delivery.post_id == post_id, Delivery.status == S.pending_review).order_by(Delivery.id)))
    if not waiting:
        raise NothingWaiting(
            f"Post {post_id} has nothing waiting for approval (already decided?).")
    return post, waiting


def _not_own(post: Post, who: Reviewer, what: str) -> None:
    if is_author(post, who):
        raise OwnPost(f"You wrote post {post.id}; another manager must {what} it.")


def approve(session: Session, settings: Settings, post_id: int, who: Reviewer, *,
            at: datetime | None = None, now: datetime | None = None) -> list[Delivery]:
    """Schedule the post's deliveries that wait for review (see the module's rules).
    `at`: a new time for all of them chosen by the manager (not in the past)."""
    now = now or utcnow()
    post, waiting = _post_and_pending(session, post_id)
    _not_own(post, who, "approve")
    if at is not None:
        if at.tzinfo is None:
            raise ReviewError("The new time must carry a time zone.", "naive")
        if at < now - timedelta(minutes=1):
            raise ReviewError("The new time is in the past; choose a time from now on.", "past")
        times = {d.id: max(at, now) for d in waiting}
    else:  # all or nothing: one delivery too late refuses the whole approval
        times = {d.id: approval_time(d.scheduled_at, now, settings.missed_after_hours)
                 for d in waiting}
    moved = {}
    for d in waiting:
        if times[d.id] != d.scheduled_at:
            moved[str(d.id)] = d.scheduled_at.isoformat()
        d.status, d.scheduled_at, d.next_attempt_at = S.scheduled, times[d.id], times[d.id]
        d.last_error = d.last_error_kind = None
        d.updated_at = now
        session.add(d)
    post.approver_id, post.approved_at, post.review_note = who.user_id, now, None
    post.updated_at = now
    session.add(post)
    audit(session, who.actor, "post.approve", "post", post.id,
          {"deliveries": [d.id for d in waiting], "moved_from": moved}, user_id=who.user_id)
    session.commit()
    return waiting


def reject(session: Session, post_id: int, who: Reviewer, reason: str, *,
           now: datetime | None = None) -> list[Delivery]:
    """Send the post back to its author as a draft, with the reason they will read."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ReviewError("Say why the post is sent back: the author reads the reason.",
                          "no_reason")
    if len(reason) > MAX_REASON:
        raise ReviewError(f"The reason is too long ({len(reason)} characters, at most "
                          f"{MAX_REASON}).", "long_reason")
    now = now or utcnow()
    post, waiting = _post_and_pending(session, post_id)
    _not_own(post, who, "reject")
    for d in waiting:
        d.status, d.next_attempt_at, d.updated_at = S.draft, None, now
        d.last_error, d.last_error_kind = rejection_text(who.actor, reason), REJECTED
        session.add(d)
    post.review_note, post.approver_id, post.approved_at = reason, None, None
    post.updated_at = now
    session.add(post)
    audit(session, who.actor, "post.reject", "post", post.id,
          {"deliveries": [d.id for d in waiting], "reason": reason}, user_id=who.user_id)
    session.commit()
    return waiting


def rejection_text(actor: str, reason: str) -> str:
    """What the queue shows as the delivery's last error (bilingual, as staff read it)."""
    return f"Ditolak · Rejected ({actor}): {reason}"


def returned_posts(session: Session, who: Reviewer, *, limit: int = 50) -> list[PendingPost]:
    """The posts of `who` that a manager sent back (drafts carrying a rejection), newest first."""
    query = (select(Delivery, Account, Post)
             .join(Account, Account.id == Delivery.account_id)
             .join(Post, Post.id == Delivery.post_id)
             .where(Delivery.status == S.draft, Delivery.last_error_kind == REJECTED,
                    _by(who)))
    found: dict[int, PendingPost] = {}
    grouped: dict[int, list] = defaultdict(list)
    for d, a, p in session.exec(query.order_by(Post.updated_at.desc(), Delivery.id)):
        if p.id not in found:
            if len(found) >= limit:
                break
            found[p.id] = PendingPost(p, p.author)
        grouped[p.id].append((d, a))
    for pid, rows in grouped.items():
        found[pid].deliveries = rows
    return list(found.values())


def resubmit(session: Session, post_id: int, who: Reviewer, *, manager: bool = False,
             now: datetime | None = None) -> list[Delivery]:
    """The author (or a manager) sends a post that was sent back for review again."""
    now = now or utcnow()
    post = session.get(Post, post_id)
    if post is None:
        raise NoSuchPost(f"There is no post {post_id}.")
    if not manager and not is_author(post, who):
        raise ReviewError(f"Only the author of post {post_id} or a manager can send it again.",
                          "not_author")
    drafts = list(session.exec(select(Delivery).where(
        Delivery.post_id == post_id, Delivery.status == S.draft).order_by(Delivery.id)))
    if not drafts:
        raise NothingWaiting(f"Post {post_id} has no draft to send for review.")
    for d in drafts:
        d.status, d.updated_at = S.pending_review, now
        d.last_error = d.last_error_kind = None
        session.add(d)
    post.updated_at = now
    session.add(post)
    audit(session, who.actor, "post.resubmit", "post", post.id,
          {"deliveries": [d.id for d in drafts]}, user_id=who.user_id)
    session.commit()
    return drafts
