"""Staff templates are checked and previewed in a child process with CPU and memory limits and a
hard kill, so no template can stop the service; the planner renders an edit in-process only
after such a check; /healthz answers while the worst templates are previewed."""

from __future__ import annotations

import threading
import time

import pytest
from sqlmodel import Session

from outreach.compose import isolation
from outreach.compose.context import sample_context
from outreach.compose.isolation import render_isolated, render_string_isolated
from outreach.compose.templates import TemplateError, TemplateSet, render_string
from outreach.config import load_settings


def _refusal(source: str, **limits) -> tuple[TemplateError, float]:
    started = time.monotonic()
    with pytest.raises(TemplateError) as info:
        render_isolated(source, {}, name="acquisition/x.id.j2", tz_name="Asia/Makassar",
                        locale="id_ID", **limits)
    return info.value, time.monotonic() - started


def test_the_child_renders_what_the_service_renders():
    settings = load_settings()
    context = sample_context("acquisition", settings, "x", "id")
    source = TemplateSet(settings).source("acquisition", "x", "id")[1]
    assert render_string_isolated(source, context, settings=settings, locale="id") == \
        render_string(source, context, settings=settings, locale="id")


def test_a_refusal_in_the_child_keeps_its_line_and_family():
    error, _ = _refusal("Baru:\n{{ ((10**64)**64)**64 > 1 }}")
    assert error.code == "too_big" and error.line == 2
    assert str(error).startswith("acquisition/x.id.j2, line 2:")


def test_a_child_that_does_not_answer_is_killed_on_time():
    # A loop the watchdog would stop after 2 s: the wall-clock limit comes first and kills the
    # process, as it would one stuck in C holding its GIL.
    error, seconds = _refusal("{% for i in range(9999) %}{% for j in range(9999) %}"
                              "{% endfor %}{% endfor %}", wall_seconds=1.0)
    assert error.code == "too_slow" and "longer than 1 s" in str(error)
    assert seconds < 3


def test_a_child_over_its_memory_limit_is_refused():
    # 10,000 texts of 9,000 characters: ~90 MB, each step within the sandbox's bounds.
    error, _ = _refusal("{% set s = 'x' * 9000 %}{% set ns = namespace(l=[]) %}"
                        "{% for i in range(10000) %}{% set ns.l = ns.l + [s ~ i] %}{% endfor %}"
                        "{{ ns.l|length }}", memory_mb=48)
    assert error.code == "too_big", str(error)


def test_the_child_gets_no_secrets(monkeypatch):
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "sangat-rahasia")
    assert "OUTREACH_SECRET_KEY" not in isolation._child_env()


def test_planning_renders_an_edit_only_after_a_check_in_a_child(db_url, monkeypatch):
    """An edit stored without the save checks (before them, or by hand) is checked once in a
    child before its first render in the planner's process; a clean one is checked once."""
    from outreach.compose.overrides import template_set
    from outreach.db import get_engine
    from outreach.models import TemplateOverride

    checked: list[str] = []
    real_vet = isolation.vet
    monkeypatch.setattr("outreach.compose.overrides.vet",
                        lambda name, *a: (checked.append(name), real_vet(name, *a)))
    bomb = "{{ ((10**64)**64)**64 > 1 }}"
    with Session(get_engine(db_url)) as s:
        s.add(TemplateOverride(name="acquisition/x.id.j2", source=bomb, updated_by="tangan"))
        s.add(TemplateOverride(name="acquisition/facebook.id.j2", source="Buku: {{ title.title }}",
                               updated_by="tangan"))
        s.commit()
        templates = template_set(s, load_settings())
    context = {"title": {"title": "Laut"}}
    with pytest.raises(TemplateError) as info:
        templates.render("acquisition", "x", "id", context)
    assert info.value.code == "too_big"
    for _ in range(3):
        assert templates.render("acquisition", "facebook", "id", context)[1] == "Buku: Laut"
    assert checked == ["acquisition/x.id.j2", "acquisition/facebook.id.j2"]
    # The shipped files are the library's own: not sent to a child.
    assert templates.render("acquisition", "instagram", "id", sample_context(
        "acquisition", load_settings(), "instagram", "id"))[0] == "acquisition/instagram.id.j2"
    assert len(checked) == 2


# The worst of each family, as a manager would preview them.
WORST = [
    "{{ ((10**64)**64)**64 > 1 }}",
    "{{ '%0500000000d' % 1 }}",
    "{{ 'x'|center(500000000) }}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% set ns = namespace(x=[1]) %}{% for i in range(40) %}{% set ns.x = [ns.x, ns.x] %}"
    "{% endfor %}{{ ns.x|string }}",
    "{% for i in range(9999) %}{% for j in range(9999) %}{% endfor %}{% endfor %}",
]


def test_healthz_answers_while_the_worst_templates_are_previewed(web):
    manager = web.client("manager")
    monitor = web.anonymous()
    token = web.csrf(manager)
    answers: list[tuple[int, str, float]] = []

    def preview() -> None:
        for source in WORST:
            started = time.monotonic()
            page = manager.post("/templates/acquisition/x/id/preview",
                                data={"source": source, "csrf_token": token})
            answers.append((page.status_code, page.text, time.monotonic() - started))

    thread = threading.Thread(target=preview)
    thread.start()
    slowest = 0.0
    polls = 0
    while thread.is_alive():
        started = time.monotonic()
        assert monitor.get("/healthz").status_code in (200, 503)
        slowest = max(slowest, time.monotonic() - started)
        polls += 1
        time.sleep(0.1)
    thread.join()
    assert polls >= 5 and slowest < 2.0, (polls, slowest)
    assert len(answers) == len(WORST)
    for (status, text, seconds), source in zip(answers, WORST, strict=True):
        assert status == 200 and "Templat ini ditolak" in text, source
        assert seconds < isolation.WALL_SECONDS + 2, (source, seconds)
