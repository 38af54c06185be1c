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

FIELD = re.compile(r"\{(\w+)(?::[^}]*)?\}")


@pytest.mark.parametrize("table", [REASONS, words.MESSAGES, validate.MESSAGES],
                         ids=["reasons", "report words", "compose checks"])
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
