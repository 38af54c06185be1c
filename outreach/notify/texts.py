"""The mails' words: Jinja2 templates under outreach/web/templates/mail/, translated with the
web pages' catalogues (Bahasa Indonesia in the source, English in locale/en), so one test finds
every untranslated string, in pages and mails alike.

Each template extends mail/_layout.txt: its `subject` block is the first line of what renders,
the rest is the body. Plain text.
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
    subject, _sep, body = template.render(values).lstrip("\n").partition("\n")
    return " ".join(subject.split()), body.strip("\n") + "\n"


def translate(lang: str, message: str, **params: Any) -> str:
    text = gettext_for(lang)(message)
    return text % params if params else text
