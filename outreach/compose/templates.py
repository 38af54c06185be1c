"""Post templates: Jinja2 in an immutable sandbox, with plain-dict contexts only.

Templates can be edited by managers in the web UI, so they are treated as untrusted: the sandbox
refuses attribute tricks, StrictUndefined makes a misspelt variable an error instead of a blank,
output size and render time are bounded, and so is what one operator, filter or string method may
ask of C code (`compose.bounds`). Nothing is folded at compile time (where neither bound holds),
nothing but plain values is printed, and a template must be complete on its own (no include,
import or extends). Staff edits are first checked in a child process with CPU and memory limits
(`compose.isolation`). `render_string` and `TemplateError` are contracts (docs/architecture.md,
"Contracts").
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import new_context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from outreach.compose import bounds, filters
from outreach.compose.watchdog import RenderTimeout, watchdog
from outreach.config import Settings, default_dir, get_settings
from outreach.errors import OutreachError

MAX_SOURCE = 20_000  # characters of template source
MAX_OUTPUT = 10_000  # characters of rendered text (the longest platform caption is 2,200)
MAX_SECONDS = 2.0


class TemplateError(OutreachError):
    """A template is unsafe, invalid or too big; the message says what and on which line.

    `code` names the family of a refusal for people (the web shows it in their language):
    unsafe, too_big, too_slow, too_deep, no_include, not_printable, busy; None for mistakes
    (syntax, unknown values) the message itself explains."""

    def __init__(self, message: str, line: int | None = None, name: str | None = None,
                 code: str | None = None):
        where = f"{name or 'template'}" + (f", line {line}" if line else "")
        super().__init__(f"{where}: {message}")
        self.line = line
        self.name = name
        self.code = code
        self.detail = message

    def said(self, locale: str = "id") -> str:
        """The message in the locale's language (its place, then the sentences and Jinja2's
        own words, through compose/template_words.py)."""
        from outreach.compose.template_words import translate

        return translate(str(self), locale)


class _Generator(CodeGenerator):
    """Jinja's code generator, with `a ~ b` going through the environment's bounded `concat`:
    joining strings is one C call, and `{% set ns.x = ns.x ~ ns.x %}` in a loop doubles."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_concat((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with `*`, `**` and `%`, string methods and `str.format` bounded
    before they run (`compose.bounds`): `'x' * 10**10` or `9 ** 9 ** 9` would take gigabytes or
    minutes in C, where neither the output check nor the watchdog can stop them. Render time is
    bounded by `watchdog`."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])
    code_generator_class = _Generator

    def call_binop(self, context, operator, left, right):  # noqa: ANN001, ANN201
        return bounds.binop(operator, left, right)

    @staticmethod
    def bounded_concat(values: tuple[Any, ...]) -> str:
        return bounds.concat(values)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201, N805
        bounds.check_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        spec = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            bounds.check_format_spec(spec)
            for arg in (*args, *kwargs.values()):
                bounds.check_structure(arg)
            return bounds.checked_size(wrapped(*args, **kwargs))

        return checked

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `title.author` on a context's dict: its key, as the sandbox finds it once getattr has
        # failed, without raising and catching that AttributeError (most of a lookup's cost,
        # and templates do little else). An exact dict has no attribute but its type's
        # (`_DICT_ATTRIBUTES`): any other name fails getattr. Those names, missing keys and
        # every other object take the sandbox's own way.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


_DICT_ATTRIBUTES = frozenset(dir(dict))


def _make_env(tz_name: str, locale: str) -> ImmutableSandboxedEnvironment:
    # optimized=False: Jinja's optimizer folds constant expressions while compiling, i.e. runs
    # `'x'|center(500000000)` with no watchdog yet (the finalize below stops the other folding,
    # of printed expressions).
    env = _BoundedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=False, optimized=False, finalize=bounds.finalize,
    )
    env.filters = bounds.bounded_filters(env.filters)
    env.filters.update(filters.for_locale(tz_name, locale))
    # lipsum: a text generator no post needs, with unbounded sizes.
    env.globals.pop("lipsum", None)
    env.globals["range"] = bounds.bounded_range
    return env


_envs: dict[tuple[str, str], ImmutableSandboxedEnvironment] = {}


def environment(settings: Settings | None = None,
                locale: str | None = None) -> ImmutableSandboxedEnvironment:
    """The sandbox for OUTREACH_TIMEZONE and a locale (default OUTREACH_LOCALE)."""
    settings = settings or get_settings()
    return environment_for(settings.timezone, locale_for(settings, locale))


def environment_for(tz_name: str, locale: str) -> ImmutableSandboxedEnvironment:
    """The sandbox for a time zone and a resolved locale (what `environment` picks)."""
    key = (tz_name, locale)
    if key not in _envs:
        _envs[key] = _make_env(*key)
    return _envs[key]


def locale_for(settings: Settings, language: str | None) -> str:
    """A template's language picks the locale of its dates ("en" -> "en"); the configured locale
    wins when it is of the same language (e.g. OUTREACH_LOCALE=id_ID for "id")."""
    if not language or settings.locale.split("_")[0] == language:
        return settings.locale
    return language


class PlainContext(dict):
    """A context built by `compose.context` from plain values only (its tests walk every one):
    rendering skips the per-render check for it. Any other mapping is checked every time."""


_PLAIN = frozenset({str, int, float, bool, type(None), datetime})
_CONTAINERS = (dict, list, tuple)


def _check_context(context: Mapping[str, Any]) -> None:
    """Only plain data goes in: model objects would hand the template their sessions. (Runs on
    every render, so it walks without building paths; `_where` names the culprit.)"""
    stack: list[Any] = [context]
    while stack:
        value = stack.pop()
        for item in value.values() if isinstance(value, Mapping) else value:
            kind = type(item)
            if kind in _PLAIN:
                continue
            if kind in _CONTAINERS or isinstance(item, Mapping | list | tuple):
                stack.append(item)
            elif not isinstance(item, datetime):  # a datetime subclass is plain too
                raise TemplateError(f"{_where(context, item)} is a {kind.__name__}; only plain "
                                    "data may be used")


def _where(value: Any, wanted: Any, path: str = "context") -> str:
    items = value.items() if isinstance(value, Mapping) else enumerate(value)
    for key, item in items:
        inner = f"{path}.{key}" if isinstance(value, Mapping) else f"{path}[{key}]"
        if item is wanted:
            return inner
        if isinstance(item, Mapping | list | tuple):
            found = _where(item, wanted, inner)
            if found:
                return found
    return "" if path != "context" else "a value"


def render_string(
    source: str, context: Mapping[str, Any], *, name: str | None = None,
    settings: Settings | None = None, locale: str | None = None,
) -> str:
    """Render an untrusted template with a plain-dict context; raise TemplateError.

    `locale` (e.g. "en" for an English template) sets the language of dates; default
    OUTREACH_LOCALE."""
    return render_in(environment(settings, locale), source, context, name)


def render_in(env: ImmutableSandboxedEnvironment, source: str, context: Mapping[str, Any],
              name: str | None = None) -> str:
    """`render_string` in a given sandbox (`environment_for`)."""
    _check_size(source, name)
    if type(context) is not PlainContext:
        _check_context(context)
    return _render(_compile(env, source, name), context, name)


def _check_size(source: str, name: str | None) -> None:
    if len(source) > MAX_SOURCE:
        raise TemplateError(f"the template is too long ({len(source)} > {MAX_SOURCE} characters)",
                            name=name)


class _Compiled(NamedTuple):
    template: Template
    # The template's globals (the sandbox's range, dict, ...) as a plain dict: Jinja reads
    # them through a ChainMap on every render, a third of a short template's time.
    globals: dict[str, Any]


def _render(compiled: _Compiled, context: Mapping[str, Any], name: str | None) -> str:
    """The bounded render of a compiled template, its context checked already."""
    template = compiled.template
    pieces: list[str] = []
    size = 0
    try:
        token = watchdog.start(MAX_SECONDS)
        try:
            # What Template.generate does, without its generator around the render function
            # (handle_exception turns the traceback into template lines, for _lineno).
            try:
                output = template.root_render_func(new_context(
                    template.environment, template.name, template.blocks, context, False,
                    compiled.globals))
                # Taken in chunks (C-level loops): a loop writing megabytes stops at MAX_OUTPUT
                # without paying a Python-level check for every small piece.
                while chunk := list(islice(output, 256)):
                    piece = "".join(chunk)
                    size += len(piece)
                    if size > MAX_OUTPUT:
                        break
                    pieces.append(piece)
            except Exception:
                template.environment.handle_exception()
        finally:
            watchdog.stop(token)
    except RenderTimeout:
        raise TemplateError(f"rendering took longer than {MAX_SECONDS:g} s", name=name,
                            code="too_slow") from None
    except TemplateError:
        raise
    except SecurityError as exc:
        raise TemplateError(f"not allowed: {exc}", _lineno(exc), name,
                            getattr(exc, "code", "unsafe")) from None
    except UndefinedError as exc:
        raise TemplateError(f"unknown value: {exc.message}", _lineno(exc), name) from None
    except RecursionError as exc:  # a macro calling itself, `loop(...)` in a recursive for
        raise TemplateError("a macro or loop calls itself too deeply", _lineno(exc), name,
                            "too_deep") from None
    except MemoryError as exc:
        raise TemplateError("the template needs too much memory", _lineno(exc), name,
                            "too_big") from None
    except Exception as exc:  # TypeError, ValueError, ...: the template's own mistake
        raise TemplateError(f"{type(exc).__name__}: {exc}", _lineno(exc), name) from None
    if size > MAX_OUTPUT:
        raise TemplateError(f"the text is longer than {MAX_OUTPUT} characters", name=name,
                            code="too_big")
    text = pieces[0] if len(pieces) == 1 else "".join(pieces)
    if bounds.shows_repr(text):
        raise TemplateError("the text would show a Python object; print text or numbers",
                            name=name, code="not_printable")
    return tidy(text)


_compiled: OrderedDict[tuple[int, str], _Compiled] = OrderedDict()
_COMPILED_MAX = 512  # distinct template sources kept compiled (36 shipped + staff edits)
_compile_lock = threading.Lock()


def _compile(env: ImmutableSandboxedEnvironment, source: str, name: str | None) -> _Compiled:
    """Compile once per (environment, source): compiling costs ~100x a render."""
    key = (id(env), source)
    with _compile_lock:
        compiled = _compiled.get(key)
        if compiled is not None:
            _compiled.move_to_end(key)
            return compiled
    try:
        tree = env.parse(source)
        _refuse_other_files(tree, name)
        template = env.from_string(tree)
    except TemplateSyntaxError as exc:
        raise TemplateError(exc.message or "syntax error", exc.lineno, name) from None
    except TemplateError:
        raise
    except (RecursionError, SyntaxError):  # `((((...))))` thousands deep; Python's own limit
        # of nested blocks (the only SyntaxError Jinja's generated code meets)
        raise TemplateError("the template is nested too deeply", name=name,
                            code="too_deep") from None
    except MemoryError:
        raise TemplateError("the template needs too much memory", name=name,
                            code="too_big") from None
    except Exception as exc:  # e.g. a 5,000-digit number, or code Python cannot compile
        raise TemplateError(f"the template cannot be compiled ({type(exc).__name__}: {exc})",
                            name=name) from None
    compiled = _Compiled(template, dict(template.globals))
    with _compile_lock:
        _compiled[key] = compiled
        while len(_compiled) > _COMPILED_MAX:
            _compiled.popitem(last=False)
    return compiled


_OTHER_FILES = (nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)


def _refuse_other_files(tree: nodes.Template, name: str | None) -> None:
    """A post template is complete on its own: the sandbox has no loader, so an include,
    import or extends could only fail at render time with a puzzling error; say so up front."""
    for node in tree.find_all(_OTHER_FILES):
        word = {nodes.Extends: "extends", nodes.Include: "include"}.get(type(node), "import")
        raise TemplateError(f"{word} is not available: a post template must be complete on its "
                            "own (copy the text you need into it)", node.lineno, name,
                            "no_include")


def _lineno(exc: BaseException) -> int | None:
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


_TRAILING = re.compile(r"[ \t]+(?=\n)")
_BLANKS = re.compile(r"\n{3,}")


def tidy(text: str) -> str:
    """NFC, no trailing spaces, at most one blank line in a row, no blank start or end."""
    text = unicodedata.normalize("NFC", text)  # returns `text` itself when already NFC
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Substring tests, not one regex: `re` scans a post several times slower than `in`, and a
    # one-character test ("\t") several times faster than a longer one.
    if " \n" not in text and ("\t" not in text or "\t\n" not in text) and "\n\n\n" not in text:
        return text.strip()  # the usual case: nothing inside to change
    text = text.strip() + "\n"
    if " \n" in text or "\t\n" in text:
        text = _TRAILING.sub("", text)
    if "\n\n\n" in text:
        text = _BLANKS.sub("\n\n", text)
    return text.strip()


def template_name(kind: str, platform: str, language: str) -> str:
    return f"{kind}/{platform}.{language}.j2"


class TemplateSet:
    """Where each template comes from, resolved once per planning run.

    Order: a template edited by staff in the web UI (stored in the database, passed in as
    `overrides`), then the library's OUTREACH_TEMPLATES_DIR, then the shipped defaults; in the
    requested language first, then in Bahasa Indonesia. Every source goes through the same sandbox.

    `vet(name, source, context, tz_name, locale)`, when given, is called before a staff edit is
    first rendered here and raises TemplateError to refuse it (`isolation.vet`: a check in a
    limited child process).
    """

    def __init__(self, settings: Settings | None = None,
                 overrides: Mapping[str, str] | None = None,
                 vet: Callable[[str, str, Mapping[str, Any], str, str], None] | None = None):
        self.settings = settings or get_settings()
        self.overrides = dict(overrides or {})
        self.vet = vet
        folders = [self.settings.templates_path, default_dir("post_templates")]
        self.folders = list(dict.fromkeys(folders))
        self._sources: dict[tuple[str, str, str], tuple[str, str]] = {}
        self._compiled: dict[tuple[str, str, str], tuple[str, _Compiled]] = {}

    def source(self, kind: str, platform: str, language: str) -> tuple[str, str]:
        """(name, source) of the template for this kind, platform and language."""
        key = (kind, platform, language)
        if key not in self._sources:
            self._sources[key] = self._find(kind, platform, language)
        return self._sources[key]

    def _find(self, kind: str, platform: str, language: str) -> tuple[str, str]:
        for lang in dict.fromkeys((language, "id")):
            name = template_name(kind, platform, lang)
            if name in self.overrides:
                return name, self.overrides[name]
            for folder in self.folders:
                path = folder / kind / f"{platform}.{lang}.j2"
                if path.is_file():
                    return name, path.read_text(encoding="utf-8")
        raise TemplateError(f"there is no template for {kind} posts on {platform} in "
                            f"{self.folders[0]}", name=f"{kind}/{platform}")

    def render(self, kind: str, platform: str, language: str,
               context: Mapping[str, Any]) -> tuple[str, str]:
        """Render; returns (template name, text). The same as render_string, with the
        template looked up and compiled once per set (planning renders thousands)."""
        key = (kind, platform, language)
        ready = self._compiled.get(key)
        if ready is None:
            name, source = self.source(kind, platform, language)
            _check_size(source, name)
        if type(context) is not PlainContext:
            _check_context(context)
        if ready is None:
            locale = locale_for(self.settings, name.rsplit(".", 2)[-2])
            if self.vet is not None and self.overrides.get(name) == source:
                self.vet(name, source, context, self.settings.timezone, locale)
            env = environment_for(self.settings.timezone, locale)
            ready = self._compiled[key] = name, _compile(env, source, name)
        return ready[0], _render(ready[1], context, ready[0])


def template_path(kind: str, platform: str, language: str,
                  settings: Settings | None = None) -> Path:
    """The template file for this kind and platform (library folder first, then the defaults),
    falling back to the default language 'id'."""
    settings = settings or get_settings()
    for lang in dict.fromkeys((language, "id")):
        for base in dict.fromkeys((settings.templates_path, default_dir("post_templates"))):
            path = base / kind / f"{platform}.{lang}.j2"
            if path.is_file():
                return path
    raise TemplateError(f"there is no template for {kind} posts on {platform} in "
                        f"{settings.templates_path}", name=f"{kind}/{platform}")


def render_file(kind: str, platform: str, language: str, context: Mapping[str, Any],
                settings: Settings | None = None) -> tuple[str, str]:
    """Render the file template (no staff edits); returns (template name, text)."""
    path = template_path(kind, platform, language, settings)
    name = f"{kind}/{path.name}"
    return name, render_string(path.read_text(encoding="utf-8"), context, name=name,
                               settings=settings, locale=path.name.rsplit(".", 2)[-2])
