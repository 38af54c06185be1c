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
from outreach.sources.isbd import clean_text, trim, unbracket
from outreach.sources.isbn import normalize_isbn
from outreach.sources.marc_identity import IdField, derived_id, links, opac_page, system_id


class RecordRejected(ValueError):
    """This record cannot be imported; the message says why."""


_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")


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


# Which subfields make up a name: a person's name and numeration; a body with its subordinate
# units ("Indonesia. Kementerian Pendidikan dan Kebudayaan"); a meeting with its number, date
# and place.
_NAME_CODES = {"100": "ab", "700": "ab", "110": "ab", "710": "ab", "111": "andc", "711": "andc"}


def _name(field, tag: str) -> str | None:  # noqa: ANN001
    parts = _values(field, _NAME_CODES[tag])
    return trim(" ".join(parts)) if parts and field.subfields else None


def linked(by_tag: dict, tag: str) -> list:
    """The 880 fields holding the original script of `tag` ($6 "245-01/$1")."""
    return [f for f in by_tag.get("880", ()) if (_sub(f, "6") or "")[:3] == tag]


def _authors(by_tag: dict) -> list[str]:
    """Main and added names, each romanised name followed by its original script (880)."""
    authors: list[str] = []
    seen: set[str] = set()
    for tag in ("100", "110", "111", "700", "710", "711"):
        for field in by_tag.get(tag, []) + linked(by_tag, tag):
            name = _name(field, tag)
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
    "711 856 880 942 952 999".split()
)


def title_from_record(record: Record, **options: object) -> TitleRecord:
    """Map one pymarc Record; raise RecordRejected when it cannot be a title."""
    by_tag: dict[str, list] = {}
    for field in record.fields:
        by_tag.setdefault(field.tag, []).append(field)
    return title_from_fields(str(record.leader), by_tag, **options)  # type: ignore[arg-type]


def _title_statement(field) -> tuple[str | None, str | None, list[str]]:  # noqa: ANN001
    """(title with its part number and name, subtitle, parallel titles) of a 245 (or its 880).

    ISBD puts " =" before a parallel title: a $b (or $n, $p) after it belongs to the title in
    the other language, not to this one; " = " inside one $b starts a parallel subtitle.
    """
    title: list[str] = []
    subtitle: list[str] = []
    parallel: list[str] = []
    after_equals = has_a = False
    for code, value in field.subfields if field is not None else ():
        value = (value or "").strip()
        if not value:
            continue
        if code == "a" or (code in "np" and not after_equals):
            title.append(value)
            has_a = has_a or code == "a"
        elif code == "b":
            own, sep, other = value.partition(" = ")
            if after_equals:
                parallel.append(value)
            else:
                subtitle.append(own)
                if sep:
                    parallel.append(other)
        if code in "abnp":
            after_equals = value.endswith("=")
        else:
            after_equals = False
    return (trim(" ".join(title)) if has_a else None, trim(" ".join(subtitle)),
            [p for p in (trim(v) for v in parallel) if p])


def _titles(by_tag: dict) -> tuple[str | None, str | None]:
    """Title and subtitle; where the 245 is a transliteration, the original script (880) is the
    title and the transliterated title its subtitle, so both are shown."""
    title, subtitle, parallel = _title_statement((by_tag.get("245") or [None])[0])
    original = linked(by_tag, "245")
    if original:
        own, own_sub, _ = _title_statement(original[0])
        if own and title and own.casefold() != title.casefold():
            romanised = title + (f" : {subtitle}" if subtitle else "")
            return own, own_sub or romanised
    if subtitle is None and parallel:
        subtitle = parallel[0]  # the title in the other language, apart from the part number
    return title, subtitle


def _catalogued_fallback(by_tag: dict) -> str:
    """005, also where SLiMS's export writes it as a data field with $a."""
    for field in by_tag.get("005", ()):
        if isinstance(field.data, str):
            # Read as a control field, SLiMS's data field keeps its indicators and "\x1fa".
            return field.data.rpartition("\x1fa")[2]
        if (value := _sub(field, "a")) is not None:
            return value
    return ""


def title_from_fields(leader: str, by_tag: dict[str, list], *, id_field: IdField | None = None,
                      opac_url: str | None = None) -> TitleRecord:
    """Map a record given as its leader and its fields by tag (pymarc Fields or MarcFields).

    `id_field` names the field holding the record's id; `opac_url` is the OPAC's address, for
    the links to systems whose pattern is known (marc_identity)."""

    def control(tag: str) -> str:
        fields = by_tag.get(tag)
        data = fields[0].data if fields else None
        return data if isinstance(data, str) else ""

    withdrawn = len(leader) > 5 and leader[5] == "d"
    own_id, system = system_id(by_tag, id_field)
    if own_id is not None and len(own_id) > 200:
        raise RecordRejected(f"its record number ({own_id[:20]}…) is {len(own_id)} characters "
                             "long; at most 200 are expected")
    title, subtitle = _titles(by_tag)
    if title is None and not withdrawn:
        raise RecordRejected(
            f"the record {own_id!r} has no title (field 245 $a is missing or empty)" if own_id
            else "the record has no title (field 245 $a is missing or empty)")

    f008 = control("008")
    publication = next((f for f in by_tag.get("264", ()) if f.indicator2 == "1"), None)
    if publication is None and by_tag.get("260"):
        publication = by_tag["260"][0]
    publisher = place = year = None
    if publication is not None:
        publisher = unbracket(_sub(publication, "b"))
        place = unbracket(_sub(publication, "a"))
        if (date := _sub(publication, "c")) and (m := _YEAR.search(date)):
            year = m[1]
    if year is None and (m := _YEAR.fullmatch(f008[7:11])):
        year = m[1]

    authors = _authors(by_tag)
    isbns = _isbns(by_tag.get("020", ()))
    if own_id is None:
        if title is None:
            raise RecordRejected("a deleted record without a record number (001) or title "
                                 "cannot be matched to anything imported before")
        source_id = derived_id(title, authors, year, publisher, isbns)
    else:
        source_id = own_id
    classification = (_first_value(by_tag.get("082", ()), "a")
                      or _first_value(by_tag.get("084", ()), "a"))
    summary = clean_text(" ".join(_values(by_tag["520"][0], "ab")) if by_tag.get("520")
                         else None)
    cover_url, link = links(by_tag.get("856", ()))
    # Koha records were keyed by their 001 before the biblionumber was used: the import finds
    # rows stored that way by it (importing.py) instead of creating duplicates.
    control_number = control("001").strip()
    former_id = control_number if system == "koha" and control_number not in ("", source_id) \
        else None
    return TitleRecord(
        source_id=source_id,
        title=title or "",
        subtitle=subtitle,
        authors=authors,
        isbns=isbns,
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
        opac_url=opac_page(system, source_id, opac_url) or link,
        catalogued_at=_catalogued_at(by_tag, f008, _catalogued_fallback(by_tag)),
        withdrawn=withdrawn,
        former_id=former_id,
    )
