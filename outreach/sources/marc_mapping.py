"""MARC21 bibliographic record -> TitleRecord (docs/sources.md, "MARC21").

`title_from_fields(leader, fields_by_tag)` is a pure function shared by the ISO 2709 and MARCXML
readers; `title_from_record` does the same for a pymarc Record (OAI harvesters receiving MARCXML
can use either). A record that cannot become a title raises `RecordRejected` with the reason in
plain words; odd values (a bad date, an invalid ISBN) are dropped quietly instead, because one
typo must not cost the library the whole record.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pymarc import Record

from outreach.sources.base import TitleRecord
from outreach.sources.dates import ANY_REST, ISO_DAY, parse_when
from outreach.sources.isbn import normalize_isbn


class RecordRejected(ValueError):
    """This record cannot be imported; the message says why."""


# ISBD punctuation that closes an element before the next one (" /", " :", " ;", " =", ","),
# and the period that ends an area.
_ISBD_END = "/:;=,."
# A final period is kept after these (casefolded, without the period): "Jr.", "ed.", "dkk.".
_ABBREVIATIONS = frozenset(
    "co corp dkk ed eds etc hj hlm inc ir jr ltd no prof sr st vol cet penyunt terj"
    .split()
)
_UNKNOWN_PLACE_OR_PUBLISHER = frozenset(
    ["s.l", "s.n", "sine loco", "sine nomine", "t.p", "t.t", "t.tp", "tanpa penerbit",
     "tanpa tempat", "publisher not identified", "place of publication not identified"]
)
_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")
_COVER_WORDS = ("cover", "sampul", "image", "gambar", "thumbnail")
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp")


def _keeps_period(text: str) -> bool:
    """Whether a period after `text` belongs to an abbreviation or an initial."""
    word = text.rsplit(None, 1)[-1].lstrip("([")
    if len(word) == 1 and word.isalpha():
        return True  # an initial: "Rowling, J. K."
    if "." in word and all(part.isalpha() and len(part) <= 4 for part in word.split(".")):
        return True  # "R.R.", "S.Kom."
    return word.casefold() in _ABBREVIATIONS


def trim(value: str | None) -> str | None:
    """A value without the ISBD punctuation that ties it to the next element."""
    if value is None:
        return None
    text = value.strip()
    if not text or text[-1] not in _ISBD_END:
        return text or None  # the common case
    kept = text.rstrip(_ISBD_END + " \t\n")
    if not kept:
        return None
    after = text[len(kept):]
    if after.startswith("..."):
        return kept + "..."  # an ellipsis is part of the title
    if after[0] == "." and _keeps_period(kept):
        return kept + "."
    return kept


def _unbracket(value: str | None) -> str | None:
    """ "[Jakarta]" -> "Jakarta"; "[s.n.]" (no publisher named) -> None."""
    text = trim(value)
    if text is None:
        return None
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1].strip()
    if text.casefold().rstrip(".") in _UNKNOWN_PLACE_OR_PUBLISHER:
        return None
    return trim(text)


def _values(field, codes: str) -> list[str]:
    return [v.strip() for c, v in field.subfields if c in codes and v and v.strip()]


def _sub(field, code: str) -> str | None:
    """The first non-empty $code of one field."""
    for c, v in field.subfields:
        if c == code and v and (v := v.strip()):
            return v
    return None


def _first_value(fields, code: str) -> str | None:
    """The first non-empty $code among fields."""
    for field in fields:
        if (value := _sub(field, code)) is not None:
            return value
    return None


_DATE_ENTERED = r"(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"  # 008/00-05: yymmdd
_LATEST_CHANGE = r"(?P<Y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})(?P<H>[0-9]{2})(?P<M>[0-9]{2})" \
                 r"(?P<S>[0-9]{2})"  # 005/00-13: yyyymmddhhmmss (".0" follows)


def _catalogued_at(by_tag: dict, f008: str, f005: str) -> datetime | None:
    """Koha's earliest 952$d (date accessioned), else 008/00-05 (date entered), else 005."""
    dates = []
    for field in by_tag.get("952", ()):
        for c, v in field.subfields:
            if c == "d" and (when := parse_when(v, UTC, ISO_DAY + ANY_REST)) is not None:
                dates.append(when)
    if dates:
        return min(dates)
    return (parse_when(f008[0:6], UTC, _DATE_ENTERED)
            or parse_when(f005[0:14], UTC, _LATEST_CHANGE))


def _links(fields) -> tuple[str | None, str | None]:
    """(cover_url, opac_url) from the 856 fields: a cover is labelled or looks like an image."""
    cover = opac = None
    for field in fields:
        url = _sub(field, "u")
        if not url or not url.lower().startswith(("http://", "https://")):
            continue  # only web links can be shown to the public
        label = " ".join(_values(field, "3yz")).casefold()
        path = url.split("?", 1)[0].split("#", 1)[0].lower()
        if any(w in label for w in _COVER_WORDS) or path.endswith(_IMAGE_EXTENSIONS):
            cover = cover or url
        else:
            opac = opac or url
    return cover, opac


def _call_number(by_tag: dict) -> str | None:
    for tag in ("090", "092", "099"):
        for field in by_tag.get(tag, ()):
            parts = _values(field, "ab")
            if parts:
                return " ".join(parts)
    return _first_value(by_tag.get("952", ()), "o")


def _language(by_tag: dict, f008: str) -> str | None:
    code = f008[35:38].strip().lower()
    if len(code) == 3 and code.isascii() and code.isalpha():
        return code
    given = _first_value(by_tag.get("041", ()), "a")
    if given and len(given) >= 3 and given[:3].isascii() and given[:3].isalpha():
        return given[:3].lower()
    return None


def _subjects(fields) -> list[str]:
    """ "Heading -- subdivision -- ..." from $a and its $v $x $y $z, for headings with an $a."""
    subjects: list[str] = []
    for field in fields:
        parts, has_a = [], False
        for c, v in field.subfields:
            if c in "avxyz" and (v := trim(v)):
                parts.append(v)
                has_a = has_a or c == "a"
        if has_a and (subject := " -- ".join(parts)) not in subjects:
            subjects.append(subject)
    return subjects


def _authors(by_tag: dict) -> list[str]:
    authors: list[str] = []
    seen: set[str] = set()
    for tag in ("100", "110", "111", "700", "710"):
        for field in by_tag.get(tag, ()):
            name = trim(_sub(field, "a"))
            if name and (key := name.casefold()) not in seen:
                seen.add(key)
                authors.append(name)
    return authors


def _isbns(fields) -> list[str]:
    isbns: list[str] = []
    for field in fields:
        for c, v in field.subfields:
            if c == "a" and (isbn := normalize_isbn(v)) and isbn not in isbns:
                isbns.append(isbn)
    return isbns


# The tags title_from_fields reads; a decoder may skip all others.
WANTED_TAGS = frozenset(
    "001 005 008 020 041 082 084 090 092 099 100 110 111 245 250 260 264 520 650 651 700 710 "
    "856 952".split()
)


def title_from_record(record: Record) -> TitleRecord:
    """Map one pymarc Record; raise RecordRejected when it cannot be a title."""
    by_tag: dict[str, list] = {}
    for field in record.fields:
        by_tag.setdefault(field.tag, []).append(field)
    return title_from_fields(str(record.leader), by_tag)


def title_from_fields(leader: str, by_tag: dict[str, list]) -> TitleRecord:
    """Map a record given as its leader and its fields by tag (pymarc Fields or MarcFields)."""

    def control(tag: str) -> str:
        fields = by_tag.get(tag)
        data = fields[0].data if fields else None
        return data if isinstance(data, str) else ""

    withdrawn = len(leader) > 5 and leader[5] == "d"
    source_id = control("001").strip()
    if not source_id:
        raise RecordRejected(
            "it has no control number (field 001), so it could not be recognised next time"
        )
    if len(source_id) > 200:
        raise RecordRejected(f"its control number (001) is {len(source_id)} characters long; "
                             "at most 200 are expected")
    title_parts: list[str] = []  # $a, with $n $p (number and name of a part)
    subtitle_parts: list[str] = []
    has_a = False
    for c, v in by_tag["245"][0].subfields if "245" in by_tag else ():
        if v and (v := v.strip()):
            if c in "anp":
                title_parts.append(v)
                has_a = has_a or c == "a"
            elif c == "b":
                subtitle_parts.append(v)
    title = trim(" ".join(title_parts)) if has_a else None
    if title is None and not withdrawn:
        raise RecordRejected(f"the record with control number {source_id!r} has no title "
                             "(field 245 $a is missing or empty)")
    subtitle = trim(" ".join(subtitle_parts))

    f008 = control("008")
    publication = next((f for f in by_tag.get("264", ()) if f.indicator2 == "1"), None)
    if publication is None and by_tag.get("260"):
        publication = by_tag["260"][0]
    publisher = place = year = None
    if publication is not None:
        publisher = _unbracket(_sub(publication, "b"))
        place = _unbracket(_sub(publication, "a"))
        if (date := _sub(publication, "c")) and (m := _YEAR.search(date)):
            year = m[1]
    if year is None and (m := _YEAR.fullmatch(f008[7:11])):
        year = m[1]

    classification = (_first_value(by_tag.get("082", ()), "a")
                      or _first_value(by_tag.get("084", ()), "a"))
    summary = _first_value(by_tag.get("520", ()), "a")
    cover_url, opac_url = _links(by_tag.get("856", ()))
    return TitleRecord(
        source_id=source_id,
        title=title or "",
        subtitle=subtitle,
        authors=_authors(by_tag),
        isbns=_isbns(by_tag.get("020", ())),
        publisher=publisher,
        place=place,
        year=year,
        edition=trim(_first_value(by_tag.get("250", ()), "a")),
        classification=classification[:60] if classification else None,
        call_number=(_call_number(by_tag) or "")[:120] or None,
        language=_language(by_tag, f008),
        subjects=_subjects(by_tag.get("650", []) + by_tag.get("651", [])),
        summary=summary,
        cover_url=cover_url,
        opac_url=opac_url,
        catalogued_at=_catalogued_at(by_tag, f008, control("005")),
        withdrawn=withdrawn,
    )
