"""The template engine: Babel dates in WITA, strictness, and hostile templates refused."""

from __future__ import annotations

from datetime import UTC, datetime

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
        "{% set d = {} %}{{ d.update({'a': 1}) }}",
    ],
)
def test_hostile_templates_are_refused(source):
    with pytest.raises(TemplateError):
        render_string(source, {"t": "a"})


def test_only_plain_data_in_context():
    class Thing:
        secret = "s"

    with pytest.raises(TemplateError, match="plain data"):
        render_string("{{ t }}", {"t": Thing()})


def test_shipped_acquisition_template_golden():
    from outreach.compose.templates import render_file
    from outreach.platforms.x import weighted_length

    context = {
        "title": {"title": "Bontang dari Masa ke Masa", "author": "Herlina Sitorus",
                  "call_number": "959.838 SIT b"},
        "library": {"name": "Perpustakaan Kota Bontang"},
        "link": "https://opac.example.id/index.php?p=show_detail&id=7",
        "hashtags": ["#PerpustakaanKotaBontang", "#BukuBaru"],
    }
    name, text = render_file("acquisition", "x", "id", context)
    assert name == "acquisition/x.id.j2"
    assert text == (
        "📚 Koleksi baru di Perpustakaan Kota Bontang!\n\n"
        "“Bontang dari Masa ke Masa” karya Herlina Sitorus\n"
        "Nomor panggil: 959.838 SIT b\n"
        "Pinjam dengan kartu anggota: https://opac.example.id/index.php?p=show_detail&id=7\n\n"
        "#PerpustakaanKotaBontang #BukuBaru"
    )
    assert weighted_length(text) <= 280
