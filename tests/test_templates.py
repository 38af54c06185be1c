"""The template engine: Babel dates in WITA, strictness, and hostile templates refused."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outreach.compose.templates import TemplateError, render_string


def test_dates_in_indonesian_and_wita():
    when = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)  # 09.00 in Bontang
    assert render_string("{{ when | datetime }}", {"when": when}) == \
        "Sabtu, 5 Desember 2026 pukul 09.00 WITA"


def test_english_locale(monkeypatch):
    monkeypatch.setenv("OUTREACH_LOCALE", "en")
    when = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert render_string("{{ when | date }}", {"when": when}) == "Saturday, 5 December 2026"


def test_truncation_is_word_safe():
    source = "{{ t | truncate_words(n) }}"
    title = "Sejarah Kota Bontang dari masa ke masa"
    assert render_string(source, {"t": title, "n": 21}) == "Sejarah Kota Bontang…"
    assert render_string(source, {"t": title, "n": 20}) == "Sejarah Kota…"
    assert render_string(source, {"t": title, "n": 100}) == title


def test_unknown_variable_is_an_error_with_line():
    with pytest.raises(TemplateError) as info:
        render_string("Halo\n{{ judul }}", {"title": "x"})
    assert "judul" in str(info.value) and "line 2" in str(info.value)


def test_syntax_error_names_line():
    with pytest.raises(TemplateError, match="line 3"):
        render_string("a\nb\n{% if %}", {})


@pytest.mark.parametrize(
    "source",
    [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{% for i in range(10**7) %}{% for j in range(10**7) %}x{% endfor %}{% endfor %}",
        "{{ 'x' * 100000 }}",
        "{{ t.__dict__ }}",
        "{{ 'x' * 10**10 }}",
        "{{ 9 ** 99999999 }}",
        "{% set r = range(100000) %}{% for i in r %}{% for j in r %}{% for k in r %}"
        "{% endfor %}{% endfor %}{% endfor %}",
        "{% set d = {} %}{{ d.update({'a': 1}) }}",
    ],
)
def test_hostile_templates_are_refused(source):
    with pytest.raises(TemplateError):
        render_string(source, {"t": "a"})


def test_context_builders_give_only_plain_data():
    """Contexts from compose.context skip the per-render check: so every builder is walked here,
    with every key filled (sample_context)."""
    from outreach.compose.context import sample_context
    from outreach.compose.templates import PlainContext, _check_context
    from outreach.config import load_settings

    for kind in KINDS:
        context = sample_context(kind, load_settings())
        assert type(context) is PlainContext
        _check_context(context)


def test_only_plain_data_in_context():
    class Thing:
        secret = "s"

    with pytest.raises(TemplateError, match="plain data"):
        render_string("{{ t }}", {"t": Thing()})


KINDS = ("acquisition", "digest", "workshop", "event", "reminder", "free")
PLATFORMS = ("x", "facebook", "instagram")
GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("kind", KINDS)
def test_shipped_templates_golden(kind, platform, language, monkeypatch):
    """Each shipped template's output for a realistic context, kept in tests/golden/ (reviewed
    by a person; UPDATE_GOLDEN=1 rewrites them after a deliberate change)."""
    from outreach.compose.context import sample_context
    from outreach.compose.fit import Target, fit_text
    from outreach.compose.templates import TemplateSet
    from outreach.compose.validate import problems
    from outreach.config import load_settings
    from outreach.platforms import platform_class

    update = os.environ.get("UPDATE_GOLDEN") == "1"
    monkeypatch.setenv("OUTREACH_OPAC_URL", "https://opac.perpustakaan.example.id")
    settings = load_settings()
    target = Target.of(platform_class(platform), settings)
    context = sample_context(kind, settings, platform, language)
    if not target.links:
        context["link"] = None
    name, text = TemplateSet(settings).render(kind, platform, language, context)
    assert name == f"{kind}/{platform}.{language}.j2"
    golden = GOLDEN / kind / f"{platform}.{language}.txt"
    if update:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == golden.read_text(encoding="utf-8")
    # The shipped copy keeps its platform's rules with a realistic context (media aside; a long
    # digest on X becomes a thread).
    parts = fit_text(target, text)
    assert [p for p in problems(target, parts[0], thread=parts[1:]) if "gambar" not in p] == []


def test_every_shipped_template_exists():
    root = Path(__file__).parents[1] / "post_templates"
    missing = [f"{k}/{p}.{lang}.j2" for k in KINDS for p in PLATFORMS for lang in ("id", "en")
               if not (root / k / f"{p}.{lang}.j2").is_file()]
    assert missing == []


def _keys(value, prefix=""):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield f"{prefix}{key}"
            if isinstance(inner, dict):
                yield from _keys(inner, f"{prefix}{key}.")
            elif isinstance(inner, list) and inner and isinstance(inner[0], dict):
                yield from _keys(inner[0], f"{prefix}{key}[].")


def test_every_template_variable_and_filter_is_documented():
    from outreach.compose.context import sample_context
    from outreach.compose.templates import environment
    from outreach.config import load_settings

    doc = (Path(__file__).parents[1] / "docs" / "templates.md").read_text(encoding="utf-8")
    settings = load_settings()
    names = set()
    for kind in KINDS:
        # Each entry of `titles` has the keys of `title`, documented once.
        keys = _keys(sample_context(kind, settings))
        names.update(n.replace("titles[].", "title.") for n in keys)
    undocumented = sorted(n for n in names if f"`{n}`" not in doc)
    assert undocumented == []
    ours = ("date", "time", "datetime", "time_range", "truncate_words", "hashtag", "hashtags",
            "names")
    assert set(ours) <= set(environment(settings).filters)
    assert [f for f in ours if f"`{f}`" not in doc] == []


def test_template_language_sets_the_language_of_dates():
    from outreach.compose.templates import TemplateSet

    when = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    ctx = {"w": when, "e": when.replace(hour=4), "a": ["Ani", "Budi", "Citra"]}
    src = "{{ w | date }} {{ w | time_range(e) }} {{ a | names }}"
    assert render_string(src, ctx, locale="en") == \
        "Saturday, 5 December 2026 09:00–12:00 WITA Ani, Budi, and Citra"
    assert render_string(src, ctx) == \
        "Sabtu, 5 Desember 2026 09.00–12.00 WITA Ani, Budi, dan Citra"
    assert TemplateSet().source("acquisition", "x", "fr")[0] == "acquisition/x.id.j2"


def test_compiled_once():
    from outreach.compose import templates

    source = "{% for t in titles %}{{ t | upper }} {% endfor %}"
    context = {"titles": ["a", "b", "c"]}
    assert render_string(source, context) == "A B C"
    compiled = templates._compile(templates.environment(), source, None)
    assert render_string(source, context) == "A B C"
    # The second render used the template compiled by the first (compiling costs ~100 renders).
    assert templates._compile(templates.environment(), source, None) is compiled


def test_library_folder_overrides_the_shipped_templates(tmp_path, monkeypatch):
    from outreach.compose.templates import TemplateSet

    (tmp_path / "acquisition").mkdir()
    (tmp_path / "acquisition" / "x.id.j2").write_text("Buku baru: {{ title.title }}")
    monkeypatch.setenv("OUTREACH_TEMPLATES_DIR", str(tmp_path))
    templates = TemplateSet()
    assert templates.render("acquisition", "x", "id", {"title": {"title": "Laut"}})[1] == \
        "Buku baru: Laut"
    # What the library did not copy still comes from the shipped defaults.
    assert templates.source("digest", "x", "id")[0] == "digest/x.id.j2"


@pytest.mark.parametrize("expression", [
    "d.title", "d.items", "d.keys()|list", "d.get('title')", "d.__class__", "d._private",
    "d.mro", "d.__init__", "d.update", "d.pop", "d.title.upper()", "d.nested.x", "d['items']",
    "s.title", "s.upper", "l.append", "n.real", "d.missing", "sub.title", "sub.items",
])
def test_dict_keys_read_as_the_sandbox_reads_them(expression):
    """The shortcut for a dict's keys (`_BoundedEnvironment.getattr`) finds what the library's
    immutable sandbox finds, refuses what it refuses, and leaves other objects to it."""
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    from outreach.compose import bounds
    from outreach.compose.templates import environment

    class Sub(dict):
        pass

    context = {"d": {"title": "Judul", "items": "bukan metode", "_private": 1, "mro": 2,
                     "update": 3, "nested": {"x": 4}},
               "s": "teks", "l": [1], "n": 5, "sub": Sub(title="A", items="B")}
    source = "{{ " + expression + " }}"

    def outcome(env):
        try:
            return env.from_string(source).render(context)
        except Exception as exc:  # the same refusal, the same message
            return type(exc).__name__, str(exc)

    # The same printing rule on both sides (no Python reprs): this compares lookups.
    library = ImmutableSandboxedEnvironment(undefined=StrictUndefined, finalize=bounds.finalize)
    assert outcome(environment()) == outcome(library)
