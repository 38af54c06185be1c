"""Events whose details changed after an announcement of them went out.

Planning composes the queued posts about a changed event again (`planning/store.py`, `drop_stale`),
but what is already published still says the old day, time or place: staff should post a correction.
The staff inbox lists such events until somebody writes a new post about the event (compose from the
event) or marks the change as handled (an audit entry for that version of the event).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from outreach.audit import audit
from outreach.models import AuditLog, Delivery, DeliveryStatus, Event, Post, PostKind, utcnow

SEEN = "event.change_seen"
_ABOUT_EVENTS = (PostKind.workshop, PostKind.event, PostKind.reminder)


@dataclass
class ChangedEvent:
    event: Event
    first_published: datetime  # the earliest announcement that went out with the old details
    platforms: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)


def announced_then_changed(session: Session, now: datetime | None = None) -> list[ChangedEvent]:
    """Upcoming, not cancelled events changed after one of their announcements was published,
    soonest first; without those handled already."""
    now = now or utcnow()
    rows = session.exec(
        select(Event, Delivery.platform, Delivery.published_at, Delivery.remote_url)
        .join(Post, Post.event_id == Event.id)
        .join(Delivery, Delivery.post_id == Post.id)
        .where(Event.starts_at > now, Event.cancelled.is_(False),
               Post.kind.in_(_ABOUT_EVENTS), Delivery.status == DeliveryStatus.published,
               Delivery.published_at.is_not(None), Delivery.published_at < Event.updated_at)
        .order_by(Event.starts_at, Event.id, Delivery.published_at)).all()
    found: dict[int, ChangedEvent] = {}
    for event, platform, published_at, url in rows:
        item = found.setdefault(event.id, ChangedEvent(event, published_at))
        if platform not in item.platforms:
            item.platforms.append(platform)
        if url:
            item.urls.append(url)
    if not found:
        return []
    ids = list(found)
    # A post about the event that staff wrote after the change (their correction) settles it.
    for event_id, created in session.exec(select(Post.event_id, Post.created_at).where(
            Post.event_id.in_(ids), Post.kind == PostKind.free)):
        if created > found[event_id].event.updated_at:
            found.pop(event_id, None)
    seen = session.exec(select(AuditLog.object_id, AuditLog.detail).where(
        AuditLog.action == SEEN, AuditLog.object_type == "event",
        AuditLog.object_id.in_([str(i) for i in found])))
    for object_id, detail in seen:
        item = found.get(int(object_id))
        if item and (detail or {}).get("updated_at") == item.event.updated_at.isoformat():
            found.pop(item.event.id)
    return list(found.values())


def mark_seen(session: Session, event: Event, actor: str, user_id: int | None = None) -> None:
    """This version of the event needs no correction (a later change shows it again)."""
    audit(session, actor, SEEN, "event", event.id,
          {"updated_at": event.updated_at.isoformat(), "title": event.title}, user_id=user_id)
