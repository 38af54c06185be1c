"""Post templates: Jinja2 in an immutable sandbox, with plain-dict contexts only.

Templates can be edited by managers in the web UI, so they are treated as untrusted: the sandbox
refuses attribute tricks, StrictUndefined makes a misspelt variable an error instead of a blank,
and output size and render time are bounded. `render_string` and `TemplateError` are contracts
(DESIGN.md).
"""

from __future__ import annotations

import threading
import time
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.dates import format_datetime
from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from outreach.config import Settings, get_settings

MAX_SOURCE = 20_000  # characters of template source
MAX_OUTPUT = 10_000  # characters of rendered text (the longest platform caption is 2,200)
MAX_SECONDS = 2.0


class TemplateError(Exception):
    """A template is unsafe, invalid or too big; the message says what and on which line."""

    def __init__(self, message: str, line: int | None = None, name: str | None = None):
        where = f"{name or 'template'}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.name = name


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """Counts work while rendering and stops a template that runs too long.

    `range(10**9)` loops are already capped by the sandbox (MAX_RANGE); this catches the rest,
    e.g. nested loops, by checking the clock on every attribute and call the sandbox sees.
    """

    _local = threading.local()

    def _check(self) -> None:
        deadline = getattr(self._local, "deadline", None)
        if deadline is not None and time.monotonic() > deadline:
            raise SecurityError(f"rendering took longer than {MAX_SECONDS:g} s")

    def call(self, __context, __obj, *args, **kwargs):  # noqa: ANN001, ANN202, N807
        self._check()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj, attribute):  # noqa: ANN001, ANN202
        self._check()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):  # noqa: ANN001, ANN202
        self._check()
        return super().getitem(obj, argument)


def _truncate_words(text: Any, length: int = 100, end: str = "…") -> str:
    text = str(text or "")
    if len(text) <= length:
        return text
    keep = max(0, length - len(end))
    cut = text[:keep]
    if text[keep] != " " and " " in cut:  # the cut fell inside a word: drop that word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + end


def _hashtag(text: Any) -> str:
    words = "".join(ch for ch in str(text or "").title() if ch.isalnum())
    return "#" + words if words else ""


def _make_env(settings: Settings) -> ImmutableSandboxedEnvironment:
    env = _BoundedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    tz = settings.tz
    locale = settings.locale

    def local(value: datetime) -> datetime:
        if not isinstance(value, datetime):
            raise TemplateError(f"expected a date and time, got {type(value).__name__}")
        return value.astimezone(tz)

    def tz_abbrev(value: datetime) -> str:
        # Babel's "z" gives "GMT+08:00" for Asia/Makassar; Indonesians write WIB/WITA/WIT.
        name = local(value).tzname() or ""
        return name if name.isalpha() else format_datetime(local(value), "ZZZZ", locale=locale)

    def date(value: datetime, fmt: str = "EEEE, d MMMM y") -> str:
        return format_datetime(local(value), fmt, tzinfo=tz, locale=locale)

    def time_(value: datetime) -> str:
        return format_datetime(local(value), "HH.mm", tzinfo=tz, locale=locale) + " " + tz_abbrev(
            value
        )

    def datetime_(value: datetime) -> str:
        word = "pukul" if locale.startswith("id") else "at"
        return f"{date(value)} {word} {time_(value)}"

    env.filters.update(
        date=date, time=time_, datetime=datetime_, truncate_words=_truncate_words, hashtag=_hashtag
    )
    return env


_envs: dict[tuple[str, str], ImmutableSandboxedEnvironment] = {}


def environment(settings: Settings | None = None) -> ImmutableSandboxedEnvironment:
    settings = settings or get_settings()
    key = (settings.timezone, settings.locale)
    if key not in _envs:
        _envs[key] = _make_env(settings)
    return _envs[key]


def _check_context(context: Mapping[str, Any], path: str = "context") -> None:
    """Only plain data goes in: model objects would hand the template their sessions."""
    for key, value in context.items():
        _check_value(value, f"{path}.{key}")


_PLAIN = (str, int, float, bool, type(None), datetime)


def _check_value(value: Any, path: str) -> None:
    if isinstance(value, _PLAIN):
        return
    if isinstance(value, Mapping):
        _check_context(value, path)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]")
    else:
        raise TemplateError(f"{path} is a {type(value).__name__}; only plain data may be used")


def render_string(
    source: str, context: Mapping[str, Any], *, name: str | None = None,
    settings: Settings | None = None,
) -> str:
    """Render an untrusted template with a plain-dict context; raise TemplateError."""
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"the template is too long ({len(source)} > {MAX_SOURCE} characters)",
                            name=name)
    _check_context(context)
    env = environment(settings)
    try:
        template = env.from_string(source)
    except TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", exc.lineno, name) from None
    env._local.deadline = time.monotonic() + MAX_SECONDS
    pieces: list[str] = []
    size = 0
    try:
        for piece in template.generate(**context):
            size += len(piece)
            if size > MAX_OUTPUT:
                raise TemplateError(f"the text is longer than {MAX_OUTPUT} characters", name=name)
            pieces.append(piece)
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(f"not allowed: {exc}", _lineno(exc), name) from None
    except UndefinedError as exc:
        raise TemplateError(f"unknown value: {exc.message}", _lineno(exc), name) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, OverflowError) as exc:
        raise TemplateError(f"{type(exc).__name__}: {exc}", _lineno(exc), name) from None
    finally:
        env._local.deadline = None
    return tidy("".join(pieces))


def _lineno(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def tidy(text: str) -> str:
    """NFC, no trailing spaces, at most one blank line in a row, no blank start or end."""
    lines = [line.rstrip() for line in unicodedata.normalize("NFC", text).strip().splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def template_path(kind: str, platform: str, language: str, settings: Settings | None = None) -> Path:
    """post_templates/<kind>/<platform>.<lang>.j2, falling back to the default language 'id'."""
    settings = settings or get_settings()
    base = settings.templates_path
    for lang in (language, "id"):
        path = base / kind / f"{platform}.{lang}.j2"
        if path.is_file():
            return path
    raise TemplateError(f"no template for {kind} on {platform} in {base}", name=f"{kind}/{platform}")


def render_file(kind: str, platform: str, language: str, context: Mapping[str, Any],
                settings: Settings | None = None) -> tuple[str, str]:
    """Render the file template; returns (template name, text)."""
    path = template_path(kind, platform, language, settings)
    name = f"{kind}/{path.name}"
    return name, render_string(path.read_text(encoding="utf-8"), context, name=name,
                               settings=settings)
