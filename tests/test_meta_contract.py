"""Meta's documented answers (tests/data/meta/, each naming its doc page) read through our Graph
adapters: the classification agrees with the docs, not only with our sandbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from platform_kit import make_client
from pyfacebook.exceptions import FacebookError

from outreach.platforms.graph import refusal, sub_error

DATA = Path(__file__).parent / "data" / "meta"
FIXTURES = sorted(DATA.glob("*.json"))


def test_there_are_fixtures_and_each_names_its_page():
    assert len(FIXTURES) >= 5
    for path in FIXTURES:
        doc = json.loads(path.read_text())
        assert doc["_source"].startswith("https://developers.facebook.com/docs/"), path.name


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_documented_errors_are_classified(sandbox_env, path):
    doc = json.loads(path.read_text())
    expect = doc["_expect"]
    if "refusal" in expect:
        kind = refusal(sub_error(doc))
        assert kind == expect["refusal"]
        assert kind != "gone"  # none of these means the post was deleted
    if "kind" in expect:
        client = make_client("instagram" if path.stem.startswith("ig_") else "facebook")
        error = client.graph_error(FacebookError(doc), publishing=False, action="testing")
        assert error.kind.value == expect["kind"]
