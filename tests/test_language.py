"""One language at a time: every message table has both languages with the same fields, and a
reason stored in English (as the database, logs and CLI keep it) is shown in Indonesian."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from outreach.compose import validate
from outreach.platforms import ErrorKind, PublishError
from outreach.platforms.reasons import REASONS, reason, say, translate
from outreach.reports import words
from outreach.reports.words import zone_name
from outreach.sources import words as import_words

FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@pytest.mark.parametrize("table", [REASONS, words.MESSAGES, validate.MESSAGES,
                                   import_words.MESSAGES, import_words.PLACES],
                         ids=["reasons", "report words", "compose checks", "import messages",
                              "import places"])
def test_every_message_has_both_languages_with_the_same_fields(table):
    for key, (indonesian, english) in table.items():
        assert indonesian.strip() and english.strip(), key
        assert set(FIELD.findall(indonesian)) == set(FIELD.findall(english)), key
        assert indonesian != english or len(indonesian) < 25, f"{key} is not translated"


def test_classified_platform_reasons_are_shown_in_indonesian_and_kept_in_english():
    exc = PublishError.coded(ErrorKind.rejected, "graph.duplicate", label="Facebook",
                             code="duplicate")
    assert exc.message.startswith("Facebook refuses this post because the same text")
    assert exc.reason == "graph.duplicate"
    shown = translate(exc.message, "id")
    assert shown == say("graph.duplicate", "id", label="Facebook")
    assert "refuses" not in shown and "menolak" in shown
    assert translate(exc.message, "en") == exc.message  # English pages keep it


def test_nested_reasons_and_actions_are_translated_whole():
    # "Upaya terakhir: Publishing the photo was sent to Facebook but no answer came in time…"
    lost = reason("net.lost_publish", label="Facebook", Action="Publishing the photo",
                  what=reason("net.timeout"))
    shown = translate(reason("settle.not_found", why=lost), "id")
    assert shown.startswith("Menerbitkan foto sudah dikirim ke Facebook, tetapi jawaban tidak "
                            "datang tepat waktu")
    assert "akan dicoba lagi" in shown and " was " not in shown
    gave_up = reason("settle.gave_up", why=reason("x.server", status=503), n=3)
    assert translate(gave_up) == "X menjawab dengan galat server (503). Dihentikan setelah 3 " \
                                 "kali mencoba."


def test_every_reason_round_trips_from_its_english_sentence():
    for key, (_id, english) in REASONS.items():
        values = {name: f"v{i}" for i, name in enumerate(FIELD.findall(english))}
        if "Action" in values:
            values["Action"] = "Publishing the post"
        if "action" in values:
            values["action"] = "publishing the post"
        shown = translate(english.format(**values), "id")
        assert shown != english.format(**values), f"{key} is not recognised"


def test_a_sentence_the_table_does_not_know_is_shown_as_it_is():
    assert translate("Something the platform said.", "id") == "Something the platform said."
    assert translate(None, "id") == ""


@pytest.mark.parametrize(("zone", "name"), [("Asia/Makassar", "WITA"), ("Asia/Jakarta", "WIB"),
                                            ("Asia/Pontianak", "WIB"), ("Asia/Jayapura", "WIT"),
                                            ("UTC", "UTC")])
def test_zones_are_named_as_people_say_them(zone, name):
    assert zone_name(ZoneInfo(zone), "id") == name
    assert zone_name(ZoneInfo(zone), "en") == name


def test_import_messages_are_shown_in_indonesian_and_kept_in_english(tmp_path):
    """A row the events reader rejects keeps its English message for the CLI and the run; the
    imports page shows it in Indonesian, with where it is."""
    from outreach.sources.base import RecordError
    from outreach.sources.events_csv import read_events_csv

    agenda = tmp_path / "agenda.csv"
    agenda.write_text("judul,tanggal,jam mulai\nJam salah,2027-03-09,25:00\n,2027-03-10,09:00\n",
                      encoding="utf-8")
    errors = [r for r in read_events_csv(str(agenda)) if isinstance(r, RecordError)]
    assert [e.as_dict() for e in errors] == [
        {"where": "line 2", "message": "the time '25:00' is not a time like 09:00 or 09.00"},
        {"where": "line 3", "message": "the title (judul) is empty"}]
    shown = [(import_words.place(e.where), import_words.message(e.message)) for e in errors]
    assert shown == [("baris 2", "jam '25:00' bukan jam seperti 09:00 atau 09.00"),
                     ("baris 3", "judul kosong")]
    assert import_words.message(errors[0].message, "en") == errors[0].message


def test_every_import_message_round_trips_and_unknown_ones_stay():
    for table, turn in ((import_words.MESSAGES, import_words.message),
                        (import_words.PLACES, import_words.place)):
        for key, (_indonesian, english) in table.items():
            # a nested sentence or place is one the tables know
            values = {name: "the title is empty" if name in import_words.NESTED else
                      "line 3" if name in ("where", "inner") else f"v{i}"
                      for i, name in enumerate(FIELD.findall(english))}
            assert turn(english.format(**values), "id") != english.format(**values), key
    # a warning stored with its place in front, as import_runs.py keeps it
    assert import_words.message("line 4: the capacity 'x' has no number; it was left empty") \
        == "baris 4: kapasitas 'x' tidak berisi angka; dibiarkan kosong"
    assert import_words.message("lxml says: Opening and ending tag mismatch") \
        == "lxml says: Opening and ending tag mismatch"


# -- a key used in the code but missing from its table fails here, not on a page -----------------
def _tables() -> dict[str, dict]:
    from outreach.compose import template_words

    return {"outreach.platforms.reasons": REASONS, "outreach.reports.words": words.MESSAGES,
            "outreach.compose.validate": validate.MESSAGES,
            "outreach.sources.words": import_words.MESSAGES,
            "outreach.compose.template_words": template_words.MESSAGES}


def _literal_keys(path, module: str):
    """(key, table module, line) for every say/reason/coded call with a literal key: the table
    is the one the called name was imported from (or the module's own)."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    origin = {"coded": "outreach.platforms.reasons"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                origin[alias.asname or alias.name] = node.module
    own = {"say": module, "reason": module}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in ("say", "reason", "coded", "_english"):
            continue
        table = origin.get(name) if name in origin else own.get(name)
        literal = [a.value for a in node.args if isinstance(a, ast.Constant)
                   and isinstance(a.value, str)]
        if table and literal:
            yield literal[0], table, node.lineno


def test_every_message_key_the_code_uses_is_in_its_table():
    from pathlib import Path

    import outreach

    tables = _tables()
    root = Path(outreach.__file__).parent
    missing, seen = [], 0
    for path in sorted(root.rglob("*.py")):
        module = "outreach." + ".".join(path.relative_to(root).with_suffix("").parts)
        for key, table, line in _literal_keys(path, module):
            if table in tables:
                seen += 1
                if key not in tables[table]:
                    missing.append(f"{path.relative_to(root)}:{line}: {key!r} not in {table}")
    # the report template's t("...") keys are the report words' too
    report = (root / "reports" / "templates" / "monthly.html.j2").read_text(encoding="utf-8")
    for key in re.findall(r"""\bt\(["'](\w+)["']""", report):
        seen += 1
        if key not in words.MESSAGES:
            missing.append(f"monthly.html.j2: {key!r} not in outreach.reports.words")
    assert seen > 50  # the scan finds the calls (a broken scan must not pass)
    assert not missing, "\n".join(missing)


def test_every_kind_metric_and_status_has_words_in_both_languages():
    from outreach.models import METRICS, PostKind
    from outreach.reports.render import STATUSES

    for key in ([f"kind_{k}" for k in PostKind] + [f"m_{m}" for m in METRICS]
                + [f"s_{s}" for s in STATUSES]):
        assert key in words.MESSAGES, key
    assert {words.kind_label(k, "en") for k in PostKind}.isdisjoint(
        {words.kind_label(k, "id") for k in PostKind})


def test_template_errors_are_shown_in_indonesian_and_kept_in_english():
    from outreach.compose.template_words import DETAILS
    from outreach.compose.template_words import MESSAGES as TEMPLATE_MESSAGES
    from outreach.compose.template_words import translate as template_said
    from outreach.compose.templates import TemplateError, render_string

    for table in (TEMPLATE_MESSAGES, DETAILS):
        for key, (indonesian, english) in table.items():
            assert set(FIELD.findall(indonesian)) == set(FIELD.findall(english)), key
    with pytest.raises(TemplateError) as caught:
        render_string("Baru:\n{{ judul }}", {}, name="acquisition/x.id.j2")
    english = str(caught.value)
    assert english == "acquisition/x.id.j2, line 2: unknown value: 'judul' is undefined"
    assert template_said(english, "id") == \
        "acquisition/x.id.j2, baris 2: nilai tidak dikenal: 'judul' tidak dikenal"
    assert template_said(english, "en") == english
    with pytest.raises(TemplateError) as caught:
        render_string("{{ ''.__class__ }}", {}, name="event/facebook.id.j2")
    assert template_said(str(caught.value)) == ("event/facebook.id.j2, baris 1: tidak "
                                                "diizinkan: atribut '__class__' pada objek "
                                                "'str' tidak boleh dipakai")
    # the compose checks shown beside the preview are Indonesian too
    assert validate.say("media_required", "id", label="Instagram") != \
        validate.say("media_required", "en", label="Instagram")
