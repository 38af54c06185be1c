"""The mails' words: Jinja2 templates under outreach/web/templates/mail/, translated with the
web pages' catalogues (Bahasa Indonesia in the source, English in locale/en), so one test finds
every untranslated string, in pages and mails alike.

Each template has a `subject` block and a `body` block; both are plain text.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from outreach.config import Settings
from outreach.web.pages import environment, gettext_for


def render(kind: str, lang: str, settings: Settings, **context: Any) -> tuple[str, str]:
    """(subject, body) of the mail `kind` in `lang`."""
    tz = settings.tz

    def dt(value: datetime | None) -> str:
        return "—" if value is None else format_datetime(value, "d MMM y HH.mm zzz", tzinfo=tz,
                                                         locale=lang)

    def day(value: datetime | None) -> str:
        return "—" if value is None else format_date(value.astimezone(tz), "d MMMM y",
                                                     locale=lang)

    def number(value: float | int | None) -> str:
        return "—" if value is None else format_decimal(value, locale=lang)

    template = environment(lang).get_template(f"mail/{kind}.txt")
    values = {"library_name": settings.library_name, "base": settings.public_base_url or "",
              "lang": lang, "dt": dt, "day": day, "number": number, **context}
    ctx = template.new_context(values)
    subject = " ".join("".join(template.blocks["subject"](ctx)).split())
    body = "".join(template.blocks["body"](ctx)).strip() + "\n"
    return subject, body


def translate(lang: str, message: str, **params: Any) -> str:
    text = gettext_for(lang)(message)
    return text % params if params else text
