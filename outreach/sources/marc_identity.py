"""Who a MARC record is, and where it lives: its identity, its OPAC page, its 856 links.

Identity (docs/sources.md, "MARC21"), first that applies:

1. the field named by the `id_field` option (`-o id_field=999c`: tag 999, subfield c);
2. Koha's biblionumber, 999$c, when the record is Koha's (a 942, or a 999 with numeric $c and
   $d, which is where Koha keeps biblionumber and biblioitemnumber). Koha's 001 is often the
   LC control number of a copied record, shared with other libraries, so its OPAC link would
   point at the wrong title;
3. the control number, 001;
4. `isbn:<ISBN-13>`, the first valid ISBN;
5. `key:<hash>` of the title, first author, year and publisher as mapped (ISBD punctuation
   and case do not count), so that re-importing the same export finds the same titles. SLiMS's
   own MARC export writes no 001 at all.

A derived identity (4, 5) repeated within one file (two volumes with one ISBN) gets "#2", "#3"
in file order: `IdentityCounter`.

856 links say what they are: the second indicator (0 the resource, 1 a version of it, 2 a
related resource), `$3` (materials specified), `$y` (link text) and `$z` (public note). A link
is a cover when it says so or is an image; it is the catalogue link only when it is the
resource itself or says it is the catalogue record; a related resource (a publisher's
description, a table of contents, a biography, a review, a sample) is never either.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from outreach.sources.isbd import trim

KOHA_DETAIL = "/cgi-bin/koha/opac-detail.pl?biblionumber={id}"

_COVER_WORDS = ("cover", "sampul", "image", "gambar", "thumbnail", "jacket")
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_RELATED_WORDS = ("table of contents", "contents", "description", "biograph", "review",
                  "sample", "excerpt", "daftar isi", "deskripsi", "sinopsis", "resensi",
                  "contributor", "publisher", "penerbit", "finding aid")
_CATALOGUE_WORDS = ("opac", "catalog", "katalog", "record", "detail", "cantuman")
# OPAC record pages of the systems libraries run (Koha, SLiMS, VuFind, INLISLite).
_CATALOGUE_URL = re.compile(
    r"opac-detail\.pl|p=show_detail|/Record/|/opac/detail|detail-opac|catalog\.", re.I)
# Library of Congress's "enhancements" (publisher descriptions, tables of contents, bios).
_RELATED_URL = re.compile(r"loc\.gov/catdir/|/toc/|/description/|/bios?/", re.I)


@dataclass(frozen=True, slots=True)
class IdField:
    tag: str
    code: str | None  # None: a control field (001-009)

    @classmethod
    def parse(cls, text: str) -> IdField:
        """ "999c", "999$c" or "001" -> IdField; ValueError for anything else."""
        raw = text.strip().replace("$", "")
        tag, code = raw[:3], raw[3:]
        if len(tag) != 3 or not tag.isalnum() or len(code) > 1 or (code and not code.isalnum()):
            raise ValueError(f"id_field must be a tag and a subfield such as 999c (Koha's "
                             f"biblionumber) or a control field such as 001, not {text!r}")
        if code and tag.isdigit() and tag < "010":
            raise ValueError(f"id_field {text!r}: {tag} is a control field, it has no subfields")
        if not code and not (tag.isdigit() and tag < "010"):
            raise ValueError(f"id_field {text!r} names no subfield: write it as {tag}a or "
                             f"{tag}c")
        return cls(tag, code or None)


def _sub(field, code: str) -> str | None:  # noqa: ANN001
    for c, v in field.subfields:
        if c == code and v and (v := v.strip()):
            return v
    return None


def _field_value(by_tag: dict, rule: IdField) -> str | None:
    for field in by_tag.get(rule.tag, ()):
        if rule.code is None:
            value = field.data.strip() if isinstance(field.data, str) else ""
        else:
            value = _sub(field, rule.code) or ""
        if value:
            return value
    return None


def is_koha(by_tag: dict) -> bool:
    if by_tag.get("942"):
        return True
    for field in by_tag.get("999", ()):
        c, d = _sub(field, "c"), _sub(field, "d")
        if c and d and c.isdigit() and d.isdigit():
            return True
    return False


def koha_biblionumber(by_tag: dict) -> str | None:
    """999$c when it is a number: where Koha keeps the biblionumber, in MARC exports and in the
    MARCXML its OAI-PMH server gives."""
    value = _field_value(by_tag, IdField("999", "c"))
    return value if value is not None and value.isdigit() else None


def system_id(by_tag: dict, id_field: IdField | None) -> tuple[str | None, str | None]:
    """(the record's own id, "koha" when it is Koha's biblionumber) from 1-3 above."""
    if id_field is not None and (value := _field_value(by_tag, id_field)):
        return value, ("koha" if (id_field.tag, id_field.code) == ("999", "c") else None)
    if id_field is None and is_koha(by_tag):
        if (value := _field_value(by_tag, IdField("999", "c"))) is not None:
            return value, "koha"
    control = by_tag.get("001")
    data = control[0].data if control else None
    return (data.strip() or None) if isinstance(data, str) else None, None


def _key_part(text: str | None) -> str:
    return " ".join("".join(c for c in (text or "").casefold() if c.isalnum() or c == " ")
                    .split())


def derived_id(title: str, authors: list[str], year: str | None, publisher: str | None,
               isbns: list[str]) -> str:
    """`isbn:…` or `key:…` for a record without an id of its own (4, 5 above)."""
    if isbns:
        return f"isbn:{isbns[0]}"
    key = "|".join(_key_part(part) for part in (title, authors[0] if authors else "", year,
                                                 publisher))
    return "key:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]


class IdentityCounter:
    """Gives a second, different record with the same derived id "#2", a third "#3" (file
    order); the same record repeated keeps its id (it is one title, exported twice)."""

    def __init__(self) -> None:
        self.seen: dict[str, list[str]] = {}  # derived id -> content hashes, in file order

    def __call__(self, sid: str, content: Callable[[], str]) -> str:
        if not sid.startswith(("isbn:", "key:")):
            return sid
        hashes = self.seen.setdefault(sid, [])
        digest = content()
        if digest not in hashes:
            hashes.append(digest)
        number = hashes.index(digest) + 1
        return sid if number == 1 else f"{sid}#{number}"


def opac_page(system: str | None, sid: str, opac_url: str | None) -> str | None:
    """The record's page in its own OPAC, where the system and the OPAC's address are known."""
    if system == "koha" and opac_url and sid.isdigit():
        return opac_url.rstrip("/") + KOHA_DETAIL.format(id=sid)
    return None


def links(fields) -> tuple[str | None, str | None]:  # noqa: ANN001
    """(cover_url, catalogue link) from the 856 fields, each only where the field says so."""
    cover = opac = None
    for field in fields:
        url = _sub(field, "u")
        if not url or not url.lower().startswith(("http://", "https://")):
            continue  # only web links can be shown to the public
        label = " ".join(trim(v) or "" for c, v in field.subfields if c in "3yz").casefold()
        path = url.split("?", 1)[0].split("#", 1)[0].lower()
        if any(w in label for w in _COVER_WORDS) or path.endswith(_IMAGE_EXTENSIONS):
            cover = cover or url
            continue
        related = (field.indicator2 == "2" or any(w in label for w in _RELATED_WORDS)
                   or bool(_RELATED_URL.search(url)))
        if related:
            continue
        says_catalogue = (any(w in label for w in _CATALOGUE_WORDS)
                          or bool(_CATALOGUE_URL.search(url)))
        if says_catalogue or field.indicator2 in ("0", "1"):
            opac = opac or url
    return cover, opac
