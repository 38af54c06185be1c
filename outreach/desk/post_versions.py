"""One post, its per-platform versions: the common text staff write once, and each platform's
own version where they adjusted it (an X thread, Instagram's hashtags, a Facebook link).

A platform's version starts as the common text; once a person edits it, it is kept apart and the
common text no longer changes it. Saving, moving and cancelling act on the whole post (every
delivery a person may still change) by default, and on the deliveries of one platform when that
platform is chosen. Each delivery goes through the same rules as a single edit or move
(`desk.editing`): checked against its platform, refused once on its way, audited.

Opening a post again (a draft, or one a manager returned) or duplicating it reads its versions
back: a delivery whose text is what the common text becomes on its platform follows the common
text; any other text is that platform's own version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from outreach.audit import audit
from outreach.config import Settings
from outreach.desk.editing import (
    EditError,
    check_text,
    edit_delivery,
    may_edit,
    reschedule,
    schedule_or_default,
    target_of,
)
from outreach.desk.queue import QueueError, cancel
from outreach.models import Account, Delivery, DeliveryStatus, Post, utcnow
from outreach.platforms import UnknownPlatform

S = DeliveryStatus
ALL = "all"  # the scope that means every platform of the post


@dataclass
class Versions:
    """A post as the composer shows it again."""

    post: Post
    common: str
    own: dict[str, str] = field(default_factory=dict)  # platform -> its kept-apart text
    account_ids: list[int] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    alt_text: list[str] = field(default_factory=list)
    at: datetime | None = None
    deliveries: list[Delivery] = field(default_factory=list)


@dataclass
class Done:
    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    refused: dict[int, list[str]] = field(default_factory=dict)  # delivery id -> why


def versions(session: Session, settings: Settings, post_id: int,
             open_only: bool = False) -> Versions | None:
    """The post's common text and each platform's own version; None when there is no post.
    With `open_only`, cancelled deliveries are left out (they are not edited again)."""
    post = session.get(Post, post_id)
    if post is None:
        return None
    query = select(Delivery, Account).join(Account, Account.id == Delivery.account_id) \
        .where(Delivery.post_id == post_id).order_by(Delivery.id)
    rows = [(d, a) for d, a in session.exec(query)
            if not (open_only and d.status == S.cancelled)]
    common = post.text or (rows[0][0].text if rows else "")
    found = Versions(post=post, common=common)
    schedule = schedule_or_default(settings)
    for d, account in rows:
        found.deliveries.append(d)
        found.account_ids.append(account.id)
        if not found.media and d.media:
            found.media, found.alt_text = list(d.media), list(d.alt_text or [])
        found.at = min(found.at, d.scheduled_at) if found.at else d.scheduled_at
        if d.platform in found.own:
            continue
        try:
            follows = check_text(target_of(account, settings, schedule), common).text
        except (UnknownPlatform, NotImplementedError, ImportError):
            follows = common
        if (d.text or "").strip() != follows.strip():
            found.own[d.platform] = d.text or ""
    return found


def text_for(platform: str, common: str, own: Mapping[str, str]) -> str:
    """A platform's text: its own version when it has one, else the common text."""
    mine = (own.get(platform) or "").strip()
    return own[platform] if mine else common


def in_scope(deliveries: Sequence[Delivery], scope: str) -> list[Delivery]:
    return [d for d in deliveries if scope in (ALL, "", d.platform)]


def save_post(session: Session, settings: Settings, post_id: int, common: str,
              own: Mapping[str, str], alt_texts: Sequence[str], at: datetime | None, *,
              scope: str = ALL, actor: str, user_id: int | None, role: str,
              locale: str = "id", now: datetime | None = None,
              media: Sequence[str] | None = None) -> Done:
    """Save the post's texts (and move it when `at` is given) for the platforms in `scope`.
    Every delivery is checked first; nothing is written when one of them breaks a rule."""
    now = now or utcnow()
    media = [str(Path(p).resolve()) for p in media] if media is not None else None
    post = session.get(Post, post_id)
    if post is None:
        raise EditError(f"There is no post {post_id}.")
    chosen = in_scope(list(session.exec(select(Delivery).where(
        Delivery.post_id == post_id, Delivery.status != S.cancelled).order_by(Delivery.id))),
        scope)
    if not chosen:
        raise EditError(f"Post {post_id} has nothing to change on {scope}.")
    schedule = schedule_or_default(settings)
    for d in chosen:
        if not may_edit(d, post, user_id, actor, role):
            raise EditError(f"Delivery {d.id} ({d.platform}) can no longer be changed.")
        account = session.get(Account, d.account_id)
        files = list(media) if media is not None else list(d.media or [])
        checked = check_text(target_of(account, settings, schedule),
                             text_for(d.platform, common, own), files,
                             list(alt_texts), locale)
        if checked.problems:
            raise EditError(checked.problems[0],
                            [f"{checked.label}: {p}" for p in checked.problems])
    if at is not None and at <= now:
        raise EditError("The new time has already passed; choose a time in the future.")
    done = Done()
    if scope in (ALL, "") and (post.text or "") != common:
        post.text, post.updated_at = common, now
        session.add(post)
        session.commit()
    for d in chosen:
        swapped = media is not None and list(media) != list(d.media or [])
        if swapped:  # images added or removed in the composer: checked above with the texts
            audit(session, actor, "delivery.media", "delivery", d.id,
                  {"before": list(d.media or []), "after": list(media)}, user_id=user_id)
            d.media, d.alt_text = list(media), list(alt_texts)
            session.add(d)
            session.commit()
        changed = swapped | edit_delivery(
            session, settings, d.id, text_for(d.platform, common, own), list(alt_texts),
            actor=actor, user_id=user_id, role=role, locale=locale, schedule=schedule)
        if at is not None and d.scheduled_at != at:
            reschedule(session, d.id, at, actor=actor, user_id=user_id, role=role, now=now)
            changed = True
        (done.changed if changed else done.unchanged).append(d.id)
    return done


def siblings_in_scope(session: Session, delivery_id: int, scope: str) -> list[Delivery]:
    """The deliveries a whole-post action on `delivery_id` reaches: the post's open ones (or
    only this one when `scope` is "one")."""
    d = session.get(Delivery, delivery_id)
    if d is None:
        return []
    if scope == "one":
        return [d]
    return list(session.exec(select(Delivery).where(
        Delivery.post_id == d.post_id,
        Delivery.status.not_in((S.cancelled, S.published, S.publishing)))
        .order_by(Delivery.id)))


def move_post(session: Session, delivery_id: int, at: datetime, scope: str, *, actor: str,
              user_id: int | None, role: str, now: datetime | None = None) -> Done:
    """Move the delivery and (by default) its post's other open deliveries to `at`."""
    done = Done()
    for d in siblings_in_scope(session, delivery_id, scope):
        try:
            reschedule(session, d.id, at, actor=actor, user_id=user_id, role=role, now=now)
        except EditError as exc:
            session.rollback()
            if d.id == delivery_id:
                raise
            done.refused[d.id] = exc.problems
            continue
        done.changed.append(d.id)
    return done


def cancel_post(session: Session, delivery_id: int, scope: str, *, actor: str,
                user_id: int | None, role: str) -> Done:
    """Cancel the delivery and (by default) its post's other open deliveries."""
    done = Done()
    post = None
    for d in siblings_in_scope(session, delivery_id, scope):
        post = post or session.get(Post, d.post_id)
        if d.status == S.pending_review and not may_edit(d, post, user_id, actor, role):
            done.refused[d.id] = ["review_locked"]
            continue
        try:
            cancel(session, d.id, actor, user_id)
        except QueueError as exc:
            session.rollback()
            done.refused[d.id] = [str(exc)]
            continue
        done.changed.append(d.id)
    return done
