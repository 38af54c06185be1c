"""Start a staff-written post from a title or an event, with the templates planning uses.

The text comes from the same template set (staff edits in the web UI over the library's folder
over the defaults) with the same context as a planned announcement, one text per platform; the
image is the title's cover or a card, with its alt text, made as planning makes it. Staff then
change what they like before queuing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session

from outreach.compose import build
from outreach.compose.cards import CardError
from outreach.compose.context import event_context, title_context, title_dict
from outreach.compose.overrides import template_set
from outreach.compose.templates import TemplateError
from outreach.config import Settings
from outreach.desk.editing import schedule_or_default, target_of
from outreach.desk.error_words import SENTENCES
from outreach.errors import OutreachError
from outreach.models import Account, Event, PostKind, Title, utcnow


class PrefillError(OutreachError):
    """Nothing to start from; the message says why."""

    sentences = SENTENCES


@dataclass
class Prefill:
    kind: str  # acquisition | workshop | event
    subject: str  # the title or the event's name, as the page names it
    texts: dict[str, str] = field(default_factory=dict)  # platform -> rendered text
    image: tuple[str, str] | None = None  # (stored file, alt text)
    problems: list[str] = field(default_factory=list)  # templates or images that failed


def prefill(session: Session, settings: Settings, accounts: Sequence[Account], *,
            title_id: int | None = None, event_id: int | None = None,
            images: bool = True) -> Prefill:
    """The texts (one per platform of `accounts`) and image planning would use for a title or
    an event."""
    schedule = schedule_or_default(settings)
    now = utcnow()
    targets = {a.platform: target_of(a, settings, schedule) for a in accounts}
    if title_id is not None:
        title = session.get(Title, title_id)
        if title is None:
            raise PrefillError(f"There is no title {title_id}.")
        rule, kind, subject = schedule.acquisitions, PostKind.acquisition, title.title

        def context(t):  # noqa: ANN001, ANN202 - a Target in, a template context out
            return title_context(title, settings, t.name, language=rule.language,
                                 campaign=rule.campaign, links=t.links, hashtags=rule.hashtags,
                                 hashtag_cap=t.hashtag_cap, posted_at=now)

        def image(bounds):  # noqa: ANN001, ANN202
            return build.title_image(title_dict(title, settings, "card", rule.campaign),
                                     settings, bounds, rule.language)
    elif event_id is not None:
        event = session.get(Event, event_id)
        if event is None:
            raise PrefillError(f"There is no event {event_id}.")
        workshop = event.kind in schedule.workshops.kinds
        rule = schedule.workshops if workshop else schedule.events
        kind = PostKind.workshop if workshop else PostKind.event
        subject = event.title

        def context(t):  # noqa: ANN001, ANN202
            return event_context(event, settings, t.name, language=rule.language,
                                 campaign=rule.campaign, links=t.links, hashtags=rule.hashtags,
                                 hashtag_cap=t.hashtag_cap, posted_at=now)

        def image(bounds):  # noqa: ANN001, ANN202
            shown = event_context(event, settings, "card")["event"]
            return build.event_image(kind, shown, settings, bounds, rule.language)
    else:
        raise PrefillError("Name a title or an event to start from.")
    found = Prefill(kind=kind, subject=subject)
    templates = template_set(session, settings)
    for platform, target in targets.items():
        try:
            _, found.texts[platform] = templates.render(rule.template, platform, rule.language,
                                                        context(target))
        except TemplateError as exc:
            found.problems.append(str(exc))
    chosen = [t for t in targets.values() if t.images or t.limits.media_required]
    if images and chosen:
        try:
            found.image = image(build.image_bounds(chosen))
        except (CardError, OSError) as exc:
            found.problems.append(f"The image cannot be made: {exc}")
    return found
