"""What a delivery will look like, and whether it keeps its platform's rules (`outreach preview`).

A preview shows the delivery asked for and the same post on its other accounts: text (each part of a
thread), length as each platform counts it, hashtags, images with their size and alt text, and the
problems validation finds now (a file may have changed since planning).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from outreach.compose.fit import Target, hashtags_in, split_thread
from outreach.compose.validate import image_facts, problems
from outreach.config import Settings
from outreach.desk.error_words import SENTENCES
from outreach.errors import OutreachError
from outreach.models import Account, Delivery
from outreach.planning.schedule import Schedule, ScheduleError, load_schedule
from outreach.platforms import UnknownPlatform, platform_class


class PreviewError(OutreachError):
    """Nothing to preview; the message says why."""

    sentences = SENTENCES


@dataclass
class Part:
    text: str
    length: int | None  # as the platform counts; None when the platform is not available
    max_length: int | None


@dataclass
class Image:
    path: str
    alt_text: str
    facts: str  # "1080 x 1350 JPEG, 182 kB", or why it cannot be read


@dataclass
class DeliveryPreview:
    id: int
    platform: str
    label: str
    account: str
    status: str
    scheduled_at: object
    parts: list[Part]
    hashtags: int
    hashtag_cap: int | None
    images: list[Image] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    counting: str = "characters"
    last_error: str | None = None


def preview(session: Session, delivery_id: int, settings: Settings) -> list[DeliveryPreview]:
    """The delivery asked for first, then the same post's deliveries on other accounts."""
    asked = session.get(Delivery, delivery_id)
    if asked is None:
        raise PreviewError(f"There is no delivery {delivery_id}.")
    try:
        schedule: Schedule | None = load_schedule(settings)
    except ScheduleError:
        schedule = None  # preview still works; links/images choices fall back to the defaults
    rows = session.exec(select(Delivery, Account).join(Account, Account.id == Delivery.account_id)
                        .where(Delivery.post_id == asked.post_id).order_by(Delivery.id)).all()
    rows = sorted(rows, key=lambda r: r[0].id != asked.id)
    return [_one(d, a, settings, schedule) for d, a in rows]


def _one(d: Delivery, account: Account, settings: Settings,
         schedule: Schedule | None) -> DeliveryPreview:
    try:
        rhythm = schedule.rhythm(d.platform) if schedule else None
        target = Target.of(platform_class(d.platform, account.backend), settings,
                           links=rhythm.links if rhythm else True,
                           images=rhythm.images if rhythm else True)
    except (UnknownPlatform, NotImplementedError) as exc:
        target = None
        found = [str(exc.args[0])]
    texts = split_thread(target, d.text or "") if target else [d.text or ""]
    if target is not None:
        found = problems(target, texts[0], list(d.media or []), list(d.alt_text or []),
                         thread=texts[1:], locale=settings.locale)
    parts = [Part(t, target.count(t) if target else None,
                  target.limits.max_text if target else None) for t in texts]
    images = []
    for i, path in enumerate(d.media or []):
        alt = d.alt_text[i] if i < len(d.alt_text or []) else ""
        images.append(Image(path, alt, _facts(path)))
    return DeliveryPreview(
        id=d.id, platform=d.platform, label=target.label if target else d.platform,
        account=account.name, status=d.status, scheduled_at=d.scheduled_at, parts=parts,
        hashtags=sum(len(hashtags_in(t)) for t in texts),
        hashtag_cap=target.hashtag_cap if target else None, images=images, problems=found,
        counting=target.limits.text_counting if target else "characters",
        last_error=d.last_error)


def _facts(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return "remote image"
    if not Path(path).is_file():
        return "file not found"
    facts = image_facts(path)
    if facts is None:
        return "not a readable image"
    kind = (facts.format or "?").split("/")[-1].upper()
    return f"{facts.width} x {facts.height} {kind}, {facts.size / 1000:.0f} kB"
