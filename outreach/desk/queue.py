"""The queue as people see it: staff-written posts, listings, counts and operator actions.

Shared by the CLI and the web UI so both say the same thing and enforce the same rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from outreach.audit import audit
from outreach.compose.templates import tidy
from outreach.config import Settings
from outreach.desk.error_words import SENTENCES
from outreach.errors import OutreachError
from outreach.models import (
    Account,
    Delivery,
    DeliveryStatus,
    Heartbeat,
    Post,
    PostKind,
    utcnow,
)
from outreach.platforms import UnknownPlatform, platform_class, sync_env_accounts

S = DeliveryStatus


class QueueError(OutreachError):
    """A request about the queue cannot be carried out; the message says why."""

    sentences = SENTENCES


@dataclass
class NewPost:
    platforms: list[str]
    text: str
    images: list[str]
    alt_texts: list[str]
    at: datetime
    review: bool = False
    author: str = "cli"
    author_role: str = "admin"  # the CLI is an operator; the web passes the user's
    author_id: int | None = None  # the web's user row: review tells the author by it
    # Exactly these accounts (the web's checkboxes); None: the first account of each platform.
    account_ids: list[int] | None = None
    title_id: int | None = None  # what the post is about, when it was started from a title
    event_id: int | None = None  # ... or an event
    # Platform -> its own version of the text (the composer's tabs); others take `text`.
    texts: dict[str, str] | None = None


def create_post(session: Session, settings: Settings, new: NewPost) -> list[Delivery]:
    """Queue a staff-written post on one account of each named platform."""
    text = tidy(new.text or "")
    if not text:
        raise QueueError("The post has no text.")
    if not new.platforms and not new.account_ids:
        raise QueueError("Name at least one platform with --platform (x, facebook, instagram).")
    if len(new.alt_texts) != len(new.images):
        raise QueueError(
            f"Every image needs its alt text: {len(new.images)} image(s) but "
            f"{len(new.alt_texts)} --alt given (they are matched in order)."
        )
    for path, alt in zip(new.images, new.alt_texts, strict=True):
        if not Path(path).is_file():
            raise QueueError(f"Image not found: {path}")
        if not alt.strip():
            raise QueueError(f"The alt text for {path} is empty; describe the image.")
    if new.at.tzinfo is None:
        raise QueueError("The time must carry a time zone.")
    sync_env_accounts(session, settings)
    accounts = _chosen_accounts(session, new.account_ids) if new.account_ids else []
    for name in dict.fromkeys([] if new.account_ids else new.platforms):
        try:
            platform_class(name)
        except (UnknownPlatform, NotImplementedError) as exc:
            raise QueueError(str(exc.args[0])) from None
        account = session.exec(  # not one an admin removed (outreach.desk.accounts.REMOVED)
            select(Account).where(Account.platform == name, Account.source != "removed")
            .order_by(Account.id)
        ).first()
        if account is None:
            raise QueueError(
                f"No {name} account is connected. Connect one in the web UI or set its "
                "OUTREACH_* credentials (see .env.example)."
            )
        accounts.append(account)
    # Platform limits (a too-long text becomes a thread where the platform has threads) and the
    # approval policy of schedules/*.yaml, as for planned posts (planning/planner.py).
    from outreach.planning.planner import compose_free, initial_status
    from outreach.planning.schedule import ScheduleError, load_schedule

    try:
        schedule = load_schedule(settings)
    except ScheduleError as exc:
        raise QueueError(str(exc)) from None
    media = [str(Path(p).resolve()) for p in new.images]
    alts = [a.strip() for a in new.alt_texts]
    own = {k: tidy(v) for k, v in (new.texts or {}).items() if tidy(v or "")}
    made = {a.id: compose_free(a.platform, own.get(a.platform, text), media, alts, settings,
                               schedule, a.backend)
            for a in accounts}
    broken = [f"{a.platform}: {p}" for a in accounts for p in made[a.id].problems]
    if broken:
        raise QueueError("The post breaks the platforms' limits:\n" + "\n".join(broken))
    status = (S.pending_review if new.review
              else initial_status(PostKind.free, new.author_role, schedule))
    post = Post(kind=PostKind.free, text=text, author=new.author, author_id=new.author_id,
                title_id=new.title_id, event_id=new.event_id, language="id")
    session.add(post)
    session.flush()
    deliveries = []
    for account in accounts:
        d = Delivery(post_id=post.id, account_id=account.id, platform=account.platform,
                     text=made[account.id].text, media=media,
                     alt_text=alts, scheduled_at=new.at, next_attempt_at=new.at, status=status)
        session.add(d)
        deliveries.append(d)
    session.flush()
    audit(session, new.author, "post.create", "post", post.id,
          {"platforms": [a.platform for a in accounts], "status": status},
          user_id=new.author_id)
    session.commit()
    return deliveries


def _chosen_accounts(session: Session, ids: list[int]) -> list[Account]:
    found = {a.id: a for a in session.exec(select(Account).where(Account.id.in_(ids)))}
    # An account an admin removed (outreach.desk.accounts.REMOVED) takes no new posts.
    missing = [i for i in ids if i not in found or found[i].source == "removed"]
    if missing:
        raise QueueError(f"No connected account with id {missing[0]}.")
    for account in found.values():
        try:
            platform_class(account.platform, account.backend)
        except (UnknownPlatform, NotImplementedError) as exc:
            raise QueueError(str(exc.args[0])) from None
    return [found[i] for i in dict.fromkeys(ids)]



def delivery_dict(d: Delivery, account: Account | None, settings: Settings) -> dict[str, Any]:
    """The `queue --json` shape (a contract: docs/architecture.md); times ISO 8601 with offset."""
    tz = settings.tz

    def iso(value: datetime | None) -> str | None:
        return value.astimezone(tz).isoformat() if value else None

    return {
        "id": d.id,
        "post_id": d.post_id,
        "platform": d.platform,
        "account": account.name if account else None,
        "status": d.status,
        "text": d.text,
        "media": list(d.media or []),
        "alt_text": list(d.alt_text or []),
        "link": d.link,
        "scheduled_at": iso(d.scheduled_at),
        "published_at": iso(d.published_at),
        "attempts": d.attempts,
        "remote_id": d.remote_id,
        "remote_url": d.remote_url,
        "last_error": d.last_error,
    }


def list_deliveries(session: Session, status: str | None = None,
                    limit: int | None = None) -> list[tuple[Delivery, Account]]:
    query = select(Delivery, Account).join(Account, Account.id == Delivery.account_id)
    if status:
        if status not in S.__members__:
            raise QueueError(f"Unknown status {status!r}; use one of {', '.join(S)}.")
        query = query.where(Delivery.status == status)
    query = query.order_by(Delivery.scheduled_at, Delivery.id)
    if limit:
        query = query.limit(limit)
    return list(session.exec(query))


def status_counts(session: Session) -> dict[str, int]:
    rows = session.exec(select(Delivery.status, func.count()).group_by(Delivery.status)).all()
    counts = {s.value: 0 for s in S}
    counts.update({status: n for status, n in rows})
    return counts


def last_ticks(session: Session) -> list[Heartbeat]:
    return list(session.exec(select(Heartbeat).order_by(Heartbeat.last_tick_at.desc())))


STALE_DUE = timedelta(minutes=1)  # the dispatcher sends within a second of the due time
STALE_CLOCK = timedelta(minutes=5)  # a running clock ticks every 10 seconds


def stalled(ticks: list[Heartbeat], next_due: datetime | None,
            now: datetime) -> tuple[int, int]:
    """(seconds the next post is overdue, seconds the clock has been silent), each 0 unless
    past its threshold: then nothing is sending, or nothing is planning (`status`, /healthz)."""
    clock = [t.last_tick_at for t in ticks if t.role == "clock"]
    overdue = now - next_due if next_due else timedelta(0)
    silent = now - max(clock) if clock else timedelta(0)
    return (int(overdue.total_seconds()) if overdue > STALE_DUE else 0,
            int(silent.total_seconds()) if silent > STALE_CLOCK else 0)


def _get(session: Session, delivery_id: int) -> Delivery:
    d = session.get(Delivery, delivery_id)
    if d is None:
        raise QueueError(f"There is no delivery {delivery_id}.")
    return d


def retry(session: Session, delivery_id: int, actor: str,
          user_id: int | None = None) -> Delivery:
    d = _get(session, delivery_id)
    allowed = (S.failed, S.unconfirmed, S.missed, S.held, S.retry_wait, S.cancelled)
    if d.status not in allowed:
        raise QueueError(
            f"Delivery {d.id} is {d.status}; only {', '.join(allowed)} can be retried."
        )
    now = utcnow()
    d.status, d.next_attempt_at, d.updated_at = S.scheduled, now, now
    if d.scheduled_at < now:
        d.scheduled_at = now  # a person chose to publish it now: it is no longer "missed"
    d.last_error = d.last_error_kind = None
    audit(session, actor, "delivery.retry", "delivery", d.id, user_id=user_id)
    session.commit()
    return d


def cancel(session: Session, delivery_id: int, actor: str,
           user_id: int | None = None) -> Delivery:
    d = _get(session, delivery_id)
    if d.status in (S.published, S.publishing):
        raise QueueError(f"Delivery {d.id} is {d.status} and cannot be cancelled.")
    d.status, d.updated_at = S.cancelled, utcnow()
    audit(session, actor, "delivery.cancel", "delivery", d.id, user_id=user_id)
    session.commit()
    return d


# Where a person may record by hand that a post is out: it went wrong or nobody knows, and they
# found it on the platform. Not from review, scheduled or cancelled (nobody approved it to go
# out), nor publishing (the worker holds it). Waiting for review is where edit and cancel ask
# for the author or a manager: it is not in this list, so no one else's draft can be marked.
MARKABLE = (S.failed, S.unconfirmed, S.held, S.missed)


def mark_published(session: Session, delivery_id: int, url: str, actor: str,
                   user_id: int | None = None) -> Delivery:
    d = _get(session, delivery_id)
    if d.status == S.published:
        raise QueueError(f"Delivery {d.id} is already published.")
    if d.status not in MARKABLE:
        raise QueueError(f"Delivery {d.id} is {d.status}; only {', '.join(MARKABLE)} "
                         "deliveries can be marked published.")
    url = url.strip()
    if not url.startswith(("http://", "https://")):
        raise QueueError("Give the post's address on the platform, starting with https://.")
    account = session.get(Account, d.account_id)
    try:
        cls = platform_class(d.platform, account.backend if account else None)
    except (UnknownPlatform, NotImplementedError) as exc:
        raise QueueError(str(exc.args[0])) from None
    if len(url) > MAX_URL or not cls.is_post_url(url):
        raise QueueError(f"The address must be a {cls.label} post's page, on "
                         f"{' or '.join(cls.post_hosts)}.")
    now = utcnow()
    d.status, d.remote_url, d.published_at, d.updated_at = S.published, url, now, now
    d.last_error = d.last_error_kind = None
    d.lease_until = d.locked_by = None
    audit(session, actor, "delivery.mark_published", "delivery", d.id, {"url": url},
          user_id=user_id)
    session.commit()
    return d


MAX_URL = 2000
