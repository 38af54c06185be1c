"""Post templates as managers see and edit them (the web's /templates pages): every template of
every kind, platform and language with where it comes from, and a preview of an edited source
rendered on the library's own data through the same sandbox and platform rules as planning.

Storing and checking an edit is `compose.overrides` (save_override / remove_override); this adds
what an editor needs around it. Nothing here renders an edited source in this process: previews
go through `compose.isolation` (a child process with CPU and memory limits and a hard kill).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from outreach.compose.context import (
    digest_context,
    event_context,
    free_context,
    sample_context,
    title_context,
)
from outreach.compose.fit import Target, fit_text, hashtags_in
from outreach.compose.isolation import render_string_isolated
from outreach.compose.overrides import load_overrides, save_override
from outreach.compose.templates import TemplateError, TemplateSet, template_name
from outreach.compose.validate import problems, say
from outreach.config import Settings, default_dir
from outreach.models import Event, PostKind, TemplateOverride, Title, utcnow
from outreach.planning.schedule import Rule, Schedule, ScheduleError, load_schedule
from outreach.platforms import available_platforms, platform_class

LANGUAGES = ("id", "en")


@dataclass
class TemplateEntry:
    kind: str
    platform: str
    language: str
    # override: edited in the web UI; library: OUTREACH_TEMPLATES_DIR; default: shipped;
    # fallback: no template in this language, the Bahasa Indonesia one is used
    origin: str
    used: str  # the name of the template actually rendered
    updated_by: str | None = None
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        return template_name(self.kind, self.platform, self.language)

    @property
    def overridden(self) -> bool:
        return self.origin == "override"


def platforms_for(kind: str) -> list[str]:
    """The platforms a kind has templates for (the shipped defaults define the set)."""
    base = default_dir("post_templates") / kind
    return [p for p in available_platforms() if (base / f"{p}.id.j2").is_file()]


def is_template(kind: str, platform: str, language: str) -> bool:
    return (kind in PostKind.__members__ and language in LANGUAGES
            and platform in platforms_for(kind))


def _origin(settings: Settings, overrides: dict[str, TemplateOverride], kind: str,
            platform: str, language: str) -> tuple[str, str]:
    for lang in dict.fromkeys((language, "id")):
        name = template_name(kind, platform, lang)
        if name in overrides:
            return ("override" if lang == language else "fallback"), name
        if settings.templates_dir is not None and \
                (settings.templates_dir / kind / f"{platform}.{lang}.j2").is_file():
            return ("library" if lang == language else "fallback"), name
        if (default_dir("post_templates") / kind / f"{platform}.{lang}.j2").is_file():
            return ("default" if lang == language else "fallback"), name
    return "fallback", template_name(kind, platform, "id")


def entries(session: Session, settings: Settings) -> list[TemplateEntry]:
    """Every template, kind by kind."""
    overrides = {o.name: o for o in session.exec(select(TemplateOverride))}
    out = []
    for kind in PostKind:
        for platform in platforms_for(kind):
            for language in LANGUAGES:
                origin, used = _origin(settings, overrides, kind, platform, language)
                row = overrides.get(template_name(kind, platform, language))
                out.append(TemplateEntry(kind.value, platform, language, origin, used,
                                         row.updated_by if row else None,
                                         row.updated_at if row else None))
    return out


def entry(session: Session, settings: Settings, kind: str, platform: str,
          language: str) -> TemplateEntry | None:
    if not is_template(kind, platform, language):
        return None
    overrides = {o.name: o for o in session.exec(select(TemplateOverride))}
    origin, used = _origin(settings, overrides, kind, platform, language)
    row = overrides.get(template_name(kind, platform, language))
    return TemplateEntry(kind, platform, language, origin, used,
                         row.updated_by if row else None, row.updated_at if row else None)


def current_source(session: Session, settings: Settings, kind: str, platform: str,
                   language: str) -> str:
    """The source planning uses now (an edit, else the library's file, else the default)."""
    return TemplateSet(settings, load_overrides(session)).source(kind, platform, language)[1]


def file_source(settings: Settings, kind: str, platform: str, language: str) -> str:
    """The file template, what a reset goes back to."""
    return TemplateSet(settings).source(kind, platform, language)[1]


# -- preview ------------------------------------------------------------------------------------
@dataclass
class Part:
    text: str
    length: int
    max_length: int

    @property
    def over(self) -> bool:
        return self.length > self.max_length


@dataclass
class Preview:
    label: str  # the platform's name as people write it
    sample: str  # what the sample data is, in words
    sample_is_real: bool
    text: str | None = None
    error: str | None = None  # the sandbox's TemplateError message (with its line)
    error_line: int | None = None
    error_code: str | None = None  # the family of a refusal (TemplateError.code), for the UI
    parts: list[Part] = field(default_factory=list)
    counting: str = "characters"
    hashtags: int = 0
    hashtag_cap: int | None = None
    problems: list[str] = field(default_factory=list)


def _schedule(settings: Settings) -> Schedule:
    try:
        return load_schedule(settings)
    except ScheduleError:
        return Schedule()  # a broken schedule file must not stop template editing


def _rule(schedule: Schedule, kind: str) -> Rule:
    return {"acquisition": schedule.acquisitions, "digest": schedule.digest,
            "event": schedule.events}.get(kind, schedule.workshops)


def _target(settings: Settings, platform: str, schedule: Schedule) -> Target:
    rhythm = schedule.rhythm(platform)
    return Target.of(platform_class(platform), settings, links=rhythm.links,
                     images=rhythm.images)


def preview_context(session: Session, settings: Settings, kind: str, target: Target,
                    language: str, schedule: Schedule,
                    now: datetime | None = None) -> tuple[dict[str, Any], str, bool]:
    """(context, what it shows, whether it is the library's own data): the newest title or the
    next event from the database, else the built-in sample of the kind."""
    now = now or utcnow()
    rule = _rule(schedule, kind)
    common = {"language": language, "hashtags": rule.hashtags, "hashtag_cap": target.hashtag_cap,
              "posted_at": now}
    recent = select(Title).where(Title.withdrawn_at.is_(None)).order_by(
        Title.catalogued_at.is_(None), Title.catalogued_at.desc(), Title.id.desc())
    if kind == "acquisition":
        title = session.exec(recent.limit(1)).first()
        if title is not None:
            return (title_context(title, settings, target.name, campaign=rule.campaign,
                                  links=target.links, **common), title.title, True)
    elif kind == "digest":
        titles = list(session.exec(recent.limit(3)))
        if titles:
            return (digest_context(titles, len(titles), now - timedelta(days=7), now, settings,
                                   target.name, campaign=rule.campaign, links=target.links,
                                   **common), ", ".join(t.title for t in titles), True)
    elif kind in ("workshop", "event", "reminder"):
        wanted = ["workshop"] if kind != "event" else ["community", "other"]
        query = select(Event).where(Event.cancelled.is_(False), Event.kind.in_(wanted))
        event = session.exec(query.where(Event.starts_at >= now).order_by(Event.starts_at)
                             .limit(1)).first() or session.exec(
            query.order_by(Event.starts_at.desc()).limit(1)).first()
        if event is not None:
            return (event_context(event, settings, target.name, campaign=rule.campaign,
                                  links=target.links, **common), event.title, True)
    elif kind == "free":
        text = ("Perpustakaan buka pukul 08.00 WITA." if language != "en"
                else "The library opens at 08:00.")
        return free_context(text, settings, target.name, **common), text, False
    return sample_context(kind, settings, target.name, language), "", False


def render_preview(session: Session, settings: Settings, kind: str, platform: str,
                   language: str, source: str, *, ui_locale: str = "id") -> Preview:
    """Render `source` as this template on sample data and check the text against the
    platform's rules (`ui_locale`: the language of the messages). Images are added by planning,
    so the rule that an image is required is not reported here."""
    schedule = _schedule(settings)
    target = _target(settings, platform, schedule)
    context, sample, real = preview_context(session, settings, kind, target, language, schedule)
    found = Preview(label=target.label, sample=sample, sample_is_real=real,
                    counting=target.limits.text_counting, hashtag_cap=target.hashtag_cap)
    try:
        text = render_string_isolated(source, context,
                                      name=template_name(kind, platform, language),
                                      settings=settings, locale=language)
    except TemplateError as exc:
        found.error, found.error_line, found.error_code = str(exc), exc.line, exc.code
        return found
    parts = fit_text(target, text)
    found.text = text
    found.parts = [Part(p, target.count(p), target.limits.max_text) for p in parts]
    found.hashtags = sum(len(hashtags_in(p)) for p in parts)
    needs_image = say("media_required", ui_locale, label=target.label)
    found.problems = [p for p in problems(target, parts[0], thread=parts[1:], locale=ui_locale)
                      if p != needs_image]
    return found


def save(session: Session, settings: Settings, kind: str, platform: str, language: str,
         source: str, actor: str) -> TemplateOverride:
    """Check `source` on the built-in sample and on the library's own data, then store it.
    Raises TemplateError (nothing stored) when either render fails."""
    if not is_template(kind, platform, language):
        raise TemplateError("there is no such template", name=f"{kind}/{platform}.{language}")
    name = template_name(kind, platform, language)
    preview = render_preview(session, settings, kind, platform, language, source)
    if preview.error is not None:
        raise TemplateError(preview.error.split(": ", 1)[-1], preview.error_line, name,
                            preview.error_code)
    return save_override(session, name, source, actor, settings)  # and the built-in sample


def variables(kind: str, settings: Settings) -> list[str]:
    """The names a template of this kind can use (`title.author`, `titles[].title`, …), read
    from the sample context so the list never drifts from what templates really get."""
    names: list[str] = []

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else str(key))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            walk(value[0], prefix + "[]")
        else:
            names.append(prefix)

    walk(dict(sample_context(kind, settings)), "")
    return names
