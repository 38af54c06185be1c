"""What one template may ask of C code, and what it may print: every known family of hostile
template is refused quickly, in this process, with a TemplateError naming its family (the web
shows that family in the manager's language)."""

from __future__ import annotations

import time

import pytest

from outreach.compose.templates import TemplateError, render_string

# (family code, source): each would hold the GIL for seconds or take gigabytes in C, or print
# a Python repr, or escape the sandbox, without the bounds.
HOSTILE = [
    # big integers, computed in C
    ("too_big", "{{ ((10**64)**64)**64 > 1 }}"),
    ("too_big", "{{ 9 ** 99999999 }}"),
    ("too_big", "{% set n = 2**8000 %}{{ (n * n * n) > 1 }}"),
    # folded at compile time before (no watchdog, no size limit there)
    ("too_big", "{{ '%0500000000d' % 1 }}"),
    ("too_big", "{{ 'x'|center(500000000) }}"),
    ("too_big", "{% autoescape 'x'|center(500000000) %}a{% endautoescape %}"),
    ("too_big", "{{ '%0500000000d'|format(1) }}"),
    # widths and counts of filters and string methods
    ("too_big", "{{ 'x'|indent(500000000) }}"),
    ("too_big", "{{ 'x'|wordwrap(500000000) }}"),
    ("too_big", "{{ ('x' * 9000)|replace('x', 'y' * 9000) }}"),
    ("too_big", "{{ range(10000)|join('x' * 9000) }}"),
    ("too_big", "{{ [1]|batch(500000000, 0)|list|length }}"),
    ("too_big", "{{ 'x'.center(500000000) }}"),
    ("too_big", "{{ 'x'.zfill(500000000) }}"),
    ("too_big", "{{ '{:>500000000}'.format(1) }}"),
    ("too_big", "{{ ', '.join([('x' * 9000)] * 9) * 2 }}"),
    ("too_big", "{{ 'x' * 10**10 }}"),
    ("too_big", "{{ range(10**9)|list|length }}"),
    # doubling a text in a loop or a recursion
    ("too_big", "{% set ns = namespace(x='x' * 9000) %}{% for i in range(40) %}"
                "{% set ns.x = ns.x ~ ns.x %}{% endfor %}{{ ns.x|length }}"),
    ("too_big", "{% set ns = namespace(x='x' * 9000) %}{% for i in range(40) %}"
                "{% set ns.x = ns.x + ns.x %}{% endfor %}{{ ns.x|length }}"),
    ("too_big", "{% set ns = namespace(x='x' * 9000) %}{% for i in range(40) %}"
                "{% set ns.x = '%s%s' % (ns.x, ns.x) %}{% endfor %}{{ ns.x|length }}"),
    # a tiny structure whose repr is 2**40 long, made into text in C
    *[("too_big", "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}"
                  "{% set ns.x = [ns.x, ns.x] %}{% endfor %}" + out)
      for out in ("{{ ns.x }}", "{{ ns.x|string|length }}", "{{ (ns.x ~ '')|length }}",
                  "{{ ('%s' % (ns.x,))|length }}", "{{ '{}'.format(ns.x)|length }}",
                  "{{ [ns.x]|join|length }}", "{{ ns.x|upper|length }}",
                  "{{ ns.x|center(5)|length }}", "{{ ', '.join([ns.x])|length }}")],
    # recursion
    ("too_deep", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"),
    ("too_deep", "{% for x in [[1]] recursive %}{{ loop([x]) }}{% endfor %}"),
    ("too_deep", "{{ " + "(" * 3000 + "1" + ")" * 3000 + " }}"),
    # Python reprs (memory addresses)
    ("not_printable", "{{ cycler }}"),
    ("not_printable", "{{ cycler(1, 2) }}"),
    ("not_printable", "{{ cycler(1, 2)|string }}"),
    ("not_printable", "{{ joiner() ~ '' }}"),
    ("not_printable", "{{ '%s' % namespace }}"),
    ("not_printable", "{{ '{}'.format(range) }}"),
    ("not_printable", "{{ range }}"),
    ("not_printable", "{{ 'a'.upper }}"),
    ("not_printable", "{{ [1, 2]|select }}"),
    ("not_printable", "{% macro m() %}{% endmacro %}{{ m }}"),
    ("not_printable", "{{ self }}"),
    ("not_printable", "{{ '%s'.format }}"),
    # attribute walks and format tricks
    ("unsafe", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    ("unsafe", "{{ self.__init__.__globals__ }}"),
    ("unsafe", "{{ cycler.__init__.__globals__.os }}"),
    ("unsafe", "{{ '{0.__class__}'.format(t) }}"),
    ("unsafe", "{{ '{0.__class__.__mro__}'.format(t) }}"),
    ("unsafe", "{{ '%s'.format.__globals__ }}"),
    ("unsafe", "{{ '{:{w}}'.format(1, w=500000000) }}"),
    ("unsafe", "{{ '%*d' % (500000000, 1) }}"),
    ("unsafe", "{% set d = {} %}{{ d.update({'a': 1}) }}"),
    # other files
    ("no_include", "{% include 'acquisition/x.id.j2' %}"),
    ("no_include", "{% include '/etc/passwd' %}"),
    ("no_include", "{% import 'macros.j2' as m %}"),
    ("no_include", "{% from '../../outreach/config.py' import x %}"),
    ("no_include", "{% extends 'acquisition/x.id.j2' %}"),
]


@pytest.mark.parametrize(("code", "source"), HOSTILE)
def test_hostile_template_refused_quickly(code, source):
    started = time.monotonic()
    with pytest.raises(TemplateError) as info:
        render_string(source, {"t": "a"})
    assert info.value.code == code, str(info.value)
    assert time.monotonic() - started < 1.5
    assert "0x" not in str(info.value)  # no address in the message either


@pytest.mark.parametrize("source", [
    "{{ request }}", "{{ config }}", "{{ t.__dict__ }}", "{{ settings.secret_key }}",
    "{{ lipsum() }}", "{{ x|tojson }}", "{{ x|pprint }}",
    "{{ " + "9" * 5000 + " }}",
])
def test_lookups_of_what_is_not_there_are_template_errors(source):
    with pytest.raises(TemplateError):
        render_string(source, {"x": 1})


@pytest.mark.parametrize(("source", "text"), [
    ("{{ 2 ** 100 }}", str(2**100)),
    ("{{ '-' * 20 }}", "-" * 20),
    ("{{ '%05.1f|%s' % (3.14159, 'a') }}", "003.1|a"),
    ("{{ '{:03d}'.format(7) }}", "007"),
    ("{{ 'x'|center(5) }}|", "x  |"),  # tidy strips the leading spaces
    ("{{ 'a b c'|replace(' ', '-') }}", "a-b-c"),
    ("{{ ['#a', '#b']|join(' ') }}", "#a #b"),
    ("{{ range(3)|join(',') }}", "0,1,2"),
    ("{{ 'a' ~ 1 ~ 'b' }}", "a1b"),
    ("{{ 'ab' + 'cd' }} {{ 1 + 2 }}", "abcd 3"),
    ("{{ [1, 2] }} {{ {'a': 1} }}", "[1, 2] {'a': 1}"),
    ("{{ 'satu dua tiga'|truncate(9, leeway=0) }}", "satu..."),
    ("{% set c = cycler('a', 'b') %}{{ c.next() }}{{ c.next() }}", "ab"),
    ("{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}"
     "{% endfor %}{{ ns.n }}", "3"),
    ("{% macro hi(n) %}Halo {{ n }}{% endmacro %}{{ hi('Ani') }}", "Halo Ani"),
])
def test_ordinary_templates_still_work(source, text):
    assert render_string(source, {}) == text


@pytest.mark.parametrize("source", [
    "{% if 1 %}" * 900 + "x" + "{% endif %}" * 900,
    "{% for i in range(1) %}" * 30 + "x" + "{% endfor %}" * 30,  # Python: 20 nested blocks
    "{% for i in range(2) %}" * 500 + "x" + "{% endfor %}" * 500,
    "{{ 'x'" + "|e" * 6000 + " }}",
    "{{ 1" + " + 1" * 4000 + " }}",
    "{{ 1" + " + 1" * 400 + " }}",
    "{{ " + "[" * 6000 + "]" * 6000 + " }}",
    "{{ x" + ".a" * 9000 + " }}",
    "{{ " + "range(" * 2800 + "1" + ")" * 2800 + " }}",
])
def test_compile_time_bombs_are_refused_quickly(source):
    """The longest sources allowed, nested as deep as they go: Jinja's parser and Python's
    compiler give up (RecursionError and the like) within a bounded time, as a TemplateError."""
    assert len(source) <= 20_000
    started = time.monotonic()
    with pytest.raises(TemplateError) as info:
        render_string(source, {"x": {}})
    assert info.value.code == "too_deep", str(info.value)
    assert time.monotonic() - started < 3
