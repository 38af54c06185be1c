"""Staff changes to what is queued: checking a text against each platform as it is typed,
editing a delivery's text and alt text, moving it to another time, and starting a post from a
title or an event with the templates planning uses.

Shared by the web UI and any other face, so the same rules hold everywhere:

- A text is fitted and checked exactly as a planned or CLI post is (`compose.fit`,
  `compose.validate`): a text too long for X becomes a numbered thread, and every broken limit is
  one plain sentence in the reader's language.
- A delivery can be edited until it is on its way: not while publishing, once published, while
  its outcome is unknown (it may be out already), or once cancelled. While it waits for review
  only its author or a manager/admin may change it.
- Four eyes stay four eyes: when staff change the text of a post whose kind needs a manager's
  approval and that was already approved, it waits for review again. A draft planning could not
  finish (it broke a limit) goes on once fixed, as the approval policy says.
- A new time lies in the future. A missed or failed delivery moved to a new time is scheduled
  again (a person decided, as with retry).
- Every change is written to the audit log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session

from outreach.audit import audit
from outreach.compose.fit import Target, fit_text, hashtags_in, join_thread, split_thread
from outreach.compose.templates import tidy
from outreach.compose.validate import link_cost_note, problems
from outreach.config import Settings
from outreach.desk.error_words import SENTENCES
from outreach.errors import OutreachError
from outreach.models import (
    DRAFTS_NEEDING_PERSON,
    Account,
    Delivery,
    DeliveryStatus,
    Post,
    Role,
    utcnow,
)
from outreach.planning.planner import initial_status, target_for
from outreach.planning.schedule import Schedule, ScheduleError, load_schedule

S = DeliveryStatus
EDITABLE = (S.draft, S.pending_review, S.scheduled, S.retry_wait, S.failed, S.missed, S.held)
MOVABLE = EDITABLE
# Moving these to a new time puts them back in the queue: a person chose when.
RESTART_ON_MOVE = (S.failed, S.missed)
GRACE = timedelta(minutes=1)  # a time "now" typed a moment ago is not in the past


class EditError(OutreachError):
    """A change cannot be made; `problems` lists each reason as one plain sentence."""

    sentences = SENTENCES

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.problems = list(problems) or [message]

    def lines(self, locale: str = "id") -> list[str]:
        """Each problem in the locale's language (a text check's problems arrive said already
        in the language asked for; the desk's own sentences are English until said here)."""
        return [SENTENCES.translate(p, locale) for p in self.problems]

    def said(self, locale: str = "id") -> str:
        return " ".join(self.lines(locale))


@dataclass
class Check:
    """A text as one platform will take it: the posts it makes, how each counts, what breaks."""

    platform: str
    label: str
    text: str  # as stored: a thread's parts separated by "---" lines
    parts: list[str]
    lengths: list[int]
    max_length: int
    counting: str  # "weighted" | "characters"
    hashtags: int
    hashtag_cap: int | None
    problems: list[str] = field(default_factory=list)
    # Worth knowing, not a broken rule (a link that makes the post cost more on the platform).
    notes: list[str] = field(default_factory=list)

    @property
    def length(self) -> int:
        """The longest part as the platform counts it (one part unless it became a thread)."""
        return max(self.lengths) if self.lengths else 0

    def as_json(self) -> dict[str, Any]:
        return {"platform": self.platform, "label": self.label, "text": self.text,
                "parts": [{"text": t, "length": n} for t, n in zip(self.parts, self.lengths,
                                                                  strict=True)],
                "length": self.length, "max_length": self.max_length,
                "counting": self.counting, "hashtags": self.hashtags,
                "hashtag_cap": self.hashtag_cap, "warnings": list(self.problems),
                "notes": list(self.notes), "ok": not self.problems}


_SCHEDULES: dict[Path, tuple[tuple, Schedule]] = {}


def schedule_or_default(settings: Settings) -> Schedule:
    """The library's schedule; its defaults when a file is broken (checks still work).

    Kept between calls until a file in the folder changes: reading and validating the YAML
    costs more than the rest of a page (the compose preview asks on every pause in typing)."""
    folder = settings.schedules_path
    try:
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size)
                      for p in sorted(folder.glob("*.y*ml")))
    except OSError:
        stamp = ()
    cached = _SCHEDULES.get(folder)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    try:
        schedule = load_schedule(settings)
    except ScheduleError:
        schedule = Schedule()
    _SCHEDULES[folder] = (stamp, schedule)
    return schedule


def target_of(account: Account, settings: Settings, schedule: Schedule) -> Target:
    return target_for(account.platform, settings, schedule, account.backend)


def check_text(target: Target, text: str, media: Sequence[str] = (),
               alt_texts: Sequence[str] = (), locale: str = "id") -> Check:
    """Fit `text` to the platform (a thread where it takes threads) and list what breaks."""
    text = tidy(text or "")
    parts = fit_text(target, text) if text else [""]
    found = problems(target, parts[0], list(media), list(alt_texts), thread=parts[1:],
                     locale=locale)
    return Check(platform=target.name, label=target.label, text=join_thread(parts),
                 parts=parts, lengths=[target.count(p) for p in parts],
                 max_length=target.limits.max_text, counting=target.limits.text_counting,
                 hashtags=sum(len(hashtags_in(p)) for p in parts),
                 hashtag_cap=target.hashtag_cap, problems=found,
                 notes=_notes(target, parts, locale))


def stored_check(target: Target, delivery: Delivery, locale: str = "id") -> Check:
    """A delivery's text as stored (its thread parts as they are), checked again now."""
    parts = split_thread(target, delivery.text or "")
    found = problems(target, parts[0], list(delivery.media or []),
                     list(delivery.alt_text or []), thread=parts[1:], locale=locale)
    return Check(platform=target.name, label=target.label, text=delivery.text or "",
                 parts=parts, lengths=[target.count(p) for p in parts],
                 max_length=target.limits.max_text, counting=target.limits.text_counting,
                 hashtags=sum(len(hashtags_in(p)) for p in parts),
                 hashtag_cap=target.hashtag_cap, problems=found,
                 notes=_notes(target, parts, locale))


def _notes(target: Target, parts: Sequence[str], locale: str) -> list[str]:
    note = next(filter(None, (link_cost_note(target, p, locale) for p in parts)), None)
    return [note] if note else []


def is_author(post: Post | None, user_id: int | None, email: str) -> bool:
    if post is None:
        return False
    if post.author_id is not None and post.author_id == user_id:
        return True
    return (post.author or "").strip().lower() == email.strip().lower()


def may_edit(delivery: Delivery, post: Post | None, user_id: int | None, email: str,
             role: str) -> bool:
    """Whether this person may change the delivery's text, alt text or time now."""
    if delivery.status not in EDITABLE:
        return False
    if delivery.status == S.pending_review and role not in (Role.manager, Role.admin):
        return is_author(post, user_id, email)
    return True


def _refuse_unless_allowed(delivery: Delivery, post: Post | None, user_id: int | None,
                           email: str, role: str, what: str) -> None:
    if delivery.status not in EDITABLE:
        raise EditError(f"Delivery {delivery.id} is {delivery.status}; it can no longer be "
                        f"{what}.")
    if not may_edit(delivery, post, user_id, email, role):
        raise EditError(f"Delivery {delivery.id} waits for a manager's review; only its author "
                        f"or a manager can change it.")


def edit_delivery(session: Session, settings: Settings, delivery_id: int, text: str,
                  alt_texts: Sequence[str], *, actor: str, user_id: int | None, role: str,
                  locale: str = "id", schedule: Schedule | None = None) -> bool:
    """Replace a delivery's text and alt texts after checking them against its platform;
    False when they were the same already (nothing is written then)."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise EditError(f"There is no delivery {delivery_id}.")
    post = session.get(Post, delivery.post_id)
    _refuse_unless_allowed(delivery, post, user_id, actor, role, "edited")
    account = session.get(Account, delivery.account_id)
    schedule = schedule or schedule_or_default(settings)
    alts = [" ".join((a or "").split()) for a in alt_texts]
    if len(alts) != len(delivery.media or []):
        raise EditError(f"Every image needs its alt text: {len(delivery.media or [])} image(s) "
                        f"but {len(alts)} alt text(s).")
    checked = check_text(target_of(account, settings, schedule), text, delivery.media or [],
                         alts, locale)
    if checked.problems:
        raise EditError(checked.problems[0], checked.problems)
    before = {"text": delivery.text, "alt_text": list(delivery.alt_text or []),
              "status": delivery.status}
    stopped = delivery.status == S.draft and delivery.last_error_kind in DRAFTS_NEEDING_PERSON
    if (checked.text == delivery.text and alts == list(delivery.alt_text or [])
            and not stopped):
        return False  # nothing changed: no audit entry, no status change
    now = utcnow()
    delivery.text, delivery.alt_text, delivery.updated_at = checked.text, alts, now
    kind = post.kind if post else "free"
    if stopped:
        # Planning could not finish it, or its subject changed after a hand edit: saved by a
        # person (unchanged is a confirmation), it goes on as the approval policy says.
        delivery.status = initial_status(kind, role, schedule)
        delivery.last_error = delivery.last_error_kind = None
        delivery.next_attempt_at = max(delivery.scheduled_at, now)
    elif (delivery.status in (S.scheduled, S.retry_wait)
          and initial_status(kind, role, schedule) == S.pending_review):
        delivery.status = S.pending_review  # approved text changed by staff: look again
    session.add(delivery)
    audit(session, actor, "delivery.edit", "delivery", delivery.id,
          {"before": before, "after": {"text": delivery.text, "alt_text": alts,
                                       "status": delivery.status}}, user_id=user_id)
    session.commit()
    return True


def reschedule(session: Session, delivery_id: int, at: datetime, *, actor: str,
               user_id: int | None, role: str, now: datetime | None = None) -> Delivery:
    """Move a delivery to a future time."""
    now = now or utcnow()
    delivery = session.get(Delivery, delivery_id)
    if delivery is None:
        raise EditError(f"There is no delivery {delivery_id}.")
    post = session.get(Post, delivery.post_id)
    _refuse_unless_allowed(delivery, post, user_id, actor, role, "moved")
    if at.tzinfo is None:
        raise EditError("The new time must carry a time zone.")
    if at <= now:
        raise EditError("The new time has already passed; choose a time in the future.")
    before = {"scheduled_at": delivery.scheduled_at.isoformat(), "status": delivery.status}
    delivery.scheduled_at = at
    if delivery.status in RESTART_ON_MOVE:
        delivery.status = S.scheduled
        delivery.last_error = delivery.last_error_kind = None
    if delivery.status != S.draft:
        delivery.next_attempt_at = at
    delivery.updated_at = now
    session.add(delivery)
    audit(session, actor, "delivery.reschedule", "delivery", delivery.id,
          {"before": before, "after": {"scheduled_at": at.isoformat(),
                                       "status": delivery.status}}, user_id=user_id)
    session.commit()
    return delivery
