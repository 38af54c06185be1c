"""Templates edited by staff (managers) in the web UI, stored in the database (`TemplateOverride`).

They win over OUTREACH_TEMPLATES_DIR and the shipped defaults, and are checked before they are
saved: the same sandbox renders them with a realistic context of their kind, in a child process
with CPU and memory limits (`compose.isolation`), so a typo or an unsafe construct is refused with
its line number instead of breaking the next planning run, and a bomb cannot stop the service.
Planning renders an edit in-process only after such a check (`template_set`).
"""

from __future__ import annotations

import re

from sqlmodel import Session, select

from outreach.compose.context import sample_context
from outreach.compose.isolation import render_string_isolated, vet
from outreach.compose.templates import TemplateError, TemplateSet
from outreach.config import Settings, default_dir
from outreach.models import PostKind, TemplateOverride, utcnow

NAME = re.compile(r"^(?P<kind>[a-z]+)/(?P<platform>[a-z]+)\.(?P<language>[a-z]{2})\.j2$")


def load_overrides(session: Session) -> dict[str, str]:
    """name -> source of every staff-edited template."""
    return {row.name: row.source for row in session.exec(select(TemplateOverride))}


def check_template(name: str, source: str, settings: Settings) -> str:
    """Render `source` as template `name` with a sample context; return the text or raise
    TemplateError saying what is wrong and on which line."""
    match = NAME.match(name)
    if not match:
        raise TemplateError("a template name looks like acquisition/x.id.j2 "
                            "(<kind>/<platform>.<language>.j2)", name=name)
    kind, platform, language = match["kind"], match["platform"], match["language"]
    if kind not in PostKind.__members__:
        raise TemplateError(f"unknown kind {kind!r}; use one of {', '.join(PostKind)}", name=name)
    if not (default_dir("post_templates") / kind / f"{platform}.id.j2").is_file():
        raise TemplateError(f"there is no {platform!r} platform for {kind} posts", name=name)
    context = sample_context(kind, settings, platform, language)
    return render_string_isolated(source, context, name=name, settings=settings, locale=language)


def save_override(session: Session, name: str, source: str, actor: str,
                  settings: Settings) -> TemplateOverride:
    """Check and store a staff-edited template (replacing an earlier edit of the same name)."""
    check_template(name, source, settings)
    row = session.get(TemplateOverride, name)
    if row is None:
        row = TemplateOverride(name=name, source=source, updated_by=actor)
    else:
        row.source, row.updated_by, row.updated_at = source, actor, utcnow()
    session.add(row)
    session.flush()
    return row


def remove_override(session: Session, name: str) -> bool:
    """Go back to the file template; True when there was an edit to remove."""
    row = session.get(TemplateOverride, name)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def template_set(session: Session, settings: Settings) -> TemplateSet:
    """The templates of this planning run: staff edits over the files, each checked in a limited
    child process before its first render in this one."""
    return TemplateSet(settings, load_overrides(session), vet=vet)
