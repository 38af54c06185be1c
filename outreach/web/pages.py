"""Page rendering: one Jinja2 environment per UI language, Babel message catalogues, the filters
pages share (local times, labels), and the context every page gets (user, menu, CSRF field).

Source strings are Bahasa Indonesia; `locale/en/LC_MESSAGES/messages.po` translates them to English.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from outreach.errors import OutreachError
from outreach.platforms.reasons import translate
from outreach.reports.words import zone_name
from outreach.sources import words as import_words
from outreach.web.security import CSRF_FIELD, csrf_token

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
LOCALE_DIR = HERE / "locale"
LANGS = ("id", "en")
DEFAULT_LANG = "id"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """All catalogues of a language merged (one .po file per area keeps edits apart)."""
    if lang == DEFAULT_LANG:
        return gettext.NullTranslations()
    merged: Translations | None = None
    for po in sorted((LOCALE_DIR / lang / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)  # compiled in memory: no build step, nothing generated in the tree
        buf.seek(0)
        part = Translations(buf)
        merged = part if merged is None else merged.merge(part)
    return merged or gettext.NullTranslations()


def gettext_for(lang: str) -> Callable[[str], str]:
    return translations(lang if lang in LANGS else DEFAULT_LANG).gettext


def request_lang(request: Request) -> str:
    lang = request.session.get("lang") if "session" in request.scope else None
    return lang if lang in LANGS else request.app.state.default_lang


def _(request: Request, message: str, **params: Any) -> str:
    """Translate a message for this request's language (`%(name)s` placeholders)."""
    text = gettext_for(request_lang(request))(message)
    return text % params if params else text


@cache
def environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(("html", "xml", "j2")),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def _local(request: Request, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(request.app.state.settings.tz)


def foreign(text: str) -> Markup:
    """Words kept in the platform's language (English) inside a page: quoted and marked, so a
    reader (and a screen reader) knows they are the platform's own, not the page's."""
    return Markup('<q lang="en">{}</q>').format(text)


def _filters(request: Request, lang: str) -> dict[str, Callable[..., Any]]:
    tz = request.app.state.settings.tz

    def dt(value: datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return "—"
        if fmt == "long":  # "Sabtu, 5 Desember 2026 09.00 WITA"
            return format_datetime(value, "EEEE, d MMMM y HH.mm", tzinfo=tz, locale=lang) \
                + " " + zone_name(tz, lang)
        return format_datetime(value, "d MMM y HH.mm", tzinfo=tz, locale=lang)

    def date(value: datetime | None, fmt: str = "medium") -> str:
        if value is None:
            return "—"
        local = _local(request, value) if isinstance(value, datetime) else value
        return format_date(local, fmt, locale=lang)

    def time(value: datetime | None) -> str:
        return "—" if value is None else format_time(value, "HH.mm", tzinfo=tz, locale=lang)

    def iso_local(value: datetime | None) -> str:
        """For <input type=datetime-local>: local wall time without offset."""
        local = _local(request, value)
        return local.strftime("%Y-%m-%dT%H:%M") if local else ""

    def number(value: float | int | None) -> str:
        return "—" if value is None else format_decimal(value, locale=lang)

    def said(text: str | None) -> Markup:
        """A stored platform/dispatch sentence (English in the database) in the page's language;
        what the platform itself said stays as it said it, marked as quoted English."""
        return Markup(escape(translate(text, lang, foreign)))

    def import_said(text: str | None) -> Markup:
        """A stored import message (the readers write English) in the page's language, as
        HTML: escaped, with a parser's own words (which stay English) marked lang="en"."""
        return Markup(import_words.message(text, lang, html=True))

    def import_where(text: str | None) -> str:
        return import_words.place(text, lang)

    return {"dt": dt, "date": date, "time": time, "iso_local": iso_local, "number": number,
            "said": said, "import_said": import_said, "import_where": import_where,
            "zone": zone_name(tz, lang)}




def error_text(request: Request, exc: OutreachError) -> str:
    """What a desk or domain error says, in this request's language: the error carries its
    English message (the CLI's) and its class's table of sentences says the Indonesian one.
    Handlers show this, never `str(exc)` (tests/test_error_words.py reads them)."""
    return exc.said(request_lang(request))


def error_lines(request: Request, exc: OutreachError) -> list[str]:
    """`error_text` as the list of sentences a form shows (an edit can break several rules)."""
    return exc.lines(request_lang(request))


def N_(message: str) -> str:
    """Marks a string for the catalogue where it is translated later (labels in tables)."""
    return message


# Menu: (path, label, least role). Shown only when the route exists and the user may open it.
MENU = (
    ("/", N_("Beranda"), "staff"),
    ("/queue", N_("Antrean"), "staff"),
    ("/calendar", N_("Kalender"), "staff"),
    ("/compose", N_("Tulis"), "staff"),
    ("/media-library", N_("Pustaka media"), "staff"),
    ("/inbox", N_("Perlu tindakan"), "staff"),
    ("/catalogue", N_("Katalog"), "staff"),
    ("/events", N_("Acara"), "staff"),
    ("/imports", N_("Impor"), "staff"),
    ("/approvals/mine", N_("Unggahan saya"), "staff"),
    ("/feedback", N_("Masukan"), "staff"),
    ("/approvals", N_("Persetujuan"), "manager"),
    ("/dashboard", N_("Dasbor"), "manager"),
    ("/reports", N_("Laporan"), "manager"),
    ("/templates", N_("Templat"), "manager"),
    ("/admin/accounts", N_("Akun platform"), "admin"),
    ("/admin/users", N_("Pengguna"), "admin"),
    ("/admin/audit", N_("Log audit"), "admin"),
    ("/settings/notifications", N_("Notifikasi"), "staff"),
)


def menu(request: Request, user: Any) -> list[dict[str, Any]]:
    from outreach.desk.users import role_at_least

    paths = request.app.state.page_paths
    here = request.url.path
    items = []
    for path, label, role in MENU:
        if path in paths and user is not None and role_at_least(user.role, role):
            current = here == path or (path != "/" and here.startswith(path + "/")
                                       and not any(p == here for p, _l, _r in MENU))
            items.append({"path": path, "label": label, "current": current})
    return items


def flash(request: Request, message: str, kind: str = "ok") -> None:
    """A message for the next page this browser sees (already translated by the caller)."""
    request.session.setdefault("flash", []).append({"kind": kind, "text": message})


def render(request: Request, name: str, context: dict[str, Any] | None = None,
           status_code: int = 200, user: Any = None) -> HTMLResponse:
    lang = request_lang(request)
    env = environment(lang)
    token = csrf_token(request.session)
    user = user if user is not None else getattr(request.state, "user", None)
    ctx: dict[str, Any] = {
        "request": request,
        "user": user,
        "lang": lang,
        "langs": LANGS,
        "menu": menu(request, user),
        "csrf_token": token,
        "csrf_field": Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'),
        "flashes": request.session.pop("flash", []),
        "library_name": request.app.state.settings.library_name,
        "path": request.url.path,
    }
    ctx.update(_filters(request, lang))
    ctx.update(context or {})
    html = env.get_template(name).render(ctx)
    return HTMLResponse(html, status_code=status_code)


def render_fragment(request: Request, name: str, context: dict[str, Any]) -> str:
    """Part of a page as HTML (a preview a script puts in place), with the page's filters and
    language; the flash messages stay for the next full page."""
    lang = request_lang(request)
    ctx: dict[str, Any] = {"request": request, "lang": lang}
    ctx.update(_filters(request, lang))
    ctx.update(context)
    return environment(lang).get_template(name).render(ctx)
