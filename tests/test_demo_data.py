"""Sanity checks for the invented demo data in outreach/demo/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

DEMO_DIR = Path(__file__).resolve().parents[1] / "outreach" / "demo"

BOOK_KEYS: dict[str, tuple[type, ...]] = {
    "control_number": (str,),
    "title": (str,),
    "subtitle": (str, type(None)),
    "authors": (list,),
    "publisher": (str,),
    "place": (str,),
    "year": (int,),
    "edition": (str, type(None)),
    "isbn": (str,),
    "ddc": (str,),
    "call_number": (str,),
    "language": (str,),
    "subjects": (list,),
    "summary": (str,),
    "pages": (int,),
    "days_ago": (int,),
    "audience": (str,),
}

EVENT_KEYS: dict[str, tuple[type, ...]] = {
    "id": (str,),
    "title": (str,),
    "kind": (str,),
    "description": (str,),
    "days_ahead": (int,),
    "start": (str,),
    "end": (str,),
    "location": (str,),
    "registration_url": (str, type(None)),
    "capacity": (int, type(None)),
}

DDC_RE = re.compile(r"^\d{3}(\.\d+)?( \d+)*$")
HHMM_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
CONTROL_RE = re.compile(r"^BTG-\d{4}-\d{4}$")


def _load(name: str) -> list[dict]:
    data = yaml.safe_load((DEMO_DIR / name).read_text(encoding="utf-8"))
    assert isinstance(data, list), f"{name} must be a YAML list"
    assert all(isinstance(item, dict) for item in data), f"{name} entries must be mappings"
    return data


@pytest.fixture(scope="module")
def books() -> list[dict]:
    return _load("catalogue.yaml")


@pytest.fixture(scope="module")
def events() -> list[dict]:
    return _load("events.yaml")


def isbn13_check_digit(first12: str) -> int:
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(first12))
    return (10 - total % 10) % 10


def _check_types(entry: dict, spec: dict[str, tuple[type, ...]], label: str) -> None:
    assert set(entry) == set(spec), f"{label}: keys differ: {sorted(set(entry) ^ set(spec))}"
    for key, types in spec.items():
        value = entry[key]
        # bool is a subclass of int; never accept it where an int is expected
        assert not isinstance(value, bool), f"{label}: {key} must not be a boolean"
        assert isinstance(value, types), f"{label}: {key}={value!r} is not {types}"


def test_isbn13_helper_rejects_bad_digit() -> None:
    assert isbn13_check_digit("978030640615") == 7  # textbook example 978-0-306-40615-7
    assert isbn13_check_digit("978030640615") != 6


def test_catalogue_size(books: list[dict]) -> None:
    assert len(books) >= 30


def test_book_keys_and_types(books: list[dict]) -> None:
    for book in books:
        label = book.get("control_number", repr(book.get("title")))
        _check_types(book, BOOK_KEYS, label)
        assert CONTROL_RE.match(book["control_number"]), label
        assert book["title"].strip(), label
        assert book["summary"].strip(), label
        assert 1 <= len(book["authors"]) <= 3, label
        assert all(isinstance(a, str) and a.strip() for a in book["authors"]), label
        assert 1 <= len(book["subjects"]) <= 3, label
        assert all(isinstance(s, str) and s.strip() for s in book["subjects"]), label
        assert 2024 <= book["year"] <= 2026, label
        assert book["pages"] > 0, label
        assert book["days_ago"] >= 0, label
        assert book["language"] in {"ind", "eng"}, label
        assert book["audience"] in {"anak", "remaja", "dewasa", "umum"}, label


def test_isbns_valid_and_unique(books: list[dict]) -> None:
    isbns = [b["isbn"] for b in books]
    assert len(set(isbns)) == len(isbns), "duplicate ISBN"
    for isbn in isbns:
        assert re.fullmatch(r"\d{13}", isbn), isbn
        assert isbn.startswith(("978602", "978623")), f"{isbn}: not an Indonesian prefix"
        assert int(isbn[-1]) == isbn13_check_digit(isbn[:12]), f"{isbn}: bad check digit"


def test_control_numbers_unique(books: list[dict]) -> None:
    numbers = [b["control_number"] for b in books]
    assert len(set(numbers)) == len(numbers)


def test_ddc_and_call_number(books: list[dict]) -> None:
    for book in books:
        ddc, call = book["ddc"], book["call_number"]
        assert DDC_RE.match(ddc), f"{book['control_number']}: bad DDC {ddc!r}"
        assert call.startswith(ddc[:3]), f"{book['control_number']}: {call!r} vs {ddc!r}"
        # SLiMS style: DDC, three capitals of the main entry, first letter of the title
        assert re.fullmatch(re.escape(ddc) + r" [A-Z]{3} [a-z]", call), call
        assert call[-1] == book["title"][0].lower(), call


def test_exactly_four_old_titles(books: list[dict]) -> None:
    old = [b for b in books if b["days_ago"] > 30]
    assert len(old) == 4
    assert all(60 <= b["days_ago"] <= 400 for b in old)


def test_events(events: list[dict]) -> None:
    assert len(events) >= 8
    assert {e["kind"] for e in events} == {"workshop", "community"}
    ids = [e["id"] for e in events]
    assert len(set(ids)) == len(ids), "duplicate event id"
    for event in events:
        label = event.get("id", repr(event.get("title")))
        _check_types(event, EVENT_KEYS, label)
        assert HHMM_RE.match(event["start"]) and HHMM_RE.match(event["end"]), label
        assert event["start"] < event["end"], label
        assert 1 <= event["days_ahead"] <= 45, label
        if event["capacity"] is not None:
            assert event["capacity"] > 0, label
        if event["registration_url"] is not None:
            assert event["registration_url"].startswith("https://"), label
