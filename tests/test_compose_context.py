"""The shortcuts planning takes when composing: a title's fields read once for all platforms,
and tidy's usual case, give what the long way gives."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outreach.compose.context import (
    sample_title,
    title_context,
    title_fields,
    title_row,
)
from outreach.compose.templates import tidy
from outreach.config import load_settings


@pytest.mark.parametrize("n", [1, 2])
@pytest.mark.parametrize(("platform", "links"), [("x", True), ("facebook", True),
                                                  ("instagram", False)])
def test_shared_fields_give_the_same_context(n, platform, links):
    config = load_settings(opac_url="https://opac.example.id")
    title = sample_title(n)
    fields = title_fields(title, config)
    shared = title_context(title, config, platform, links=links, fields=fields)
    assert shared == title_context(title, config, platform, links=links)
    assert list(shared) == list(title_context(title, config, platform, links=links))
    # Each context owns its lists: nothing one does to them reaches the next platform's.
    assert shared["title"]["authors"] is not fields["authors"]
    assert fields["link"] == f"https://opac.example.id/index.php?p=show_detail&id={100 + n}"


@pytest.mark.parametrize("n", [1, 2])
def test_a_title_row_says_what_its_title_says(n):
    """Planning loads titles as rows (`TitleRow`): composition must not tell the difference."""
    config = load_settings(opac_url="https://opac.example.id")
    title = sample_title(n)
    row = title_row(title)
    assert title_fields(row, config) == title_fields(title, config)
    assert title_context(row, config, "x") == title_context(title, config, "x")


def _tidy_first_written(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip() + "\n"
    if " \n" in text or "\t\n" in text:
        text = re.sub(r"[ \t]+(?=\n)", "", text)
    if "\n\n\n" in text:
        text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.sampled_from(["a", "é", "e\u0301", " ", "\t", "\n", "\r", "\u3000", "\x1c",
                                 "\u00a0", "📚", "-"]), max_size=30).map("".join))
def test_tidy_as_first_written(text):
    assert tidy(text) == _tidy_first_written(text)
