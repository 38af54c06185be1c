"""Koha's OPAC new-titles feed, RSS 2.0 or Atom (kind `koha-rss`):

    https://koha.example/cgi-bin/koha/opac-search.pl?q=&sort_by=acqdate_dsc&count=50&format=rss

(`format=atom` for Atom). Each item is a title: its identity is the biblionumber in its link
(`opac-detail.pl?biblionumber=123` -> "123", the same as `koha-oai`'s), the link is its OPAC
page, the cover is the item's image (enclosure, media:thumbnail or the first <img> of the
description), the ISBN comes from dc:identifier or an "ISBN ..." in the description. An item's
date (pubDate, dc:date, Atom updated/published) is its acquisition date; an item without one
is dated when it is first seen (the feed is, by its sort order, the list of new titles). Read
as a stream (XMLPullParser), from a URL or a saved file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import parse_qs, urlsplit

from outreach.config import get_settings
from outreach.sources.base import Item, RecordError, SourceUnreadable, TitleRecord
from outreach.sources.fetch import open_source
from outreach.sources.isbn import normalize_isbn
from outreach.sources.marc_mapping import trim
from outreach.sources.oai import parse_datestamp
from outreach.sources.oai_records import local, split_title

_IMG = re.compile(r"<img[^>]+src=[\"']([^\"']+)[\"']", re.IGNORECASE)
_ISBN = re.compile(r"ISBN[:\s]*([0-9Xx][0-9Xx\- ]{8,20})", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]+>")
_BY = re.compile(r"\bBy:?\s+([^<\n]+?)(?:\.\s|<|$)|\boleh:?\s+([^<\n]+?)(?:\.\s|<|$)",
                 re.IGNORECASE)


def _date(text: str | None, tz) -> datetime | None:  # noqa: ANN001
    text = (text or "").strip()
    if not text:
        return None
    try:
        when = parsedate_to_datetime(text)  # RSS: "Tue, 03 Mar 2026 09:00:00 +0800"
        return (when if when.tzinfo else when.replace(tzinfo=tz)).astimezone(UTC)
    except (TypeError, ValueError, IndexError):
        return parse_datestamp(text, tz)


def _biblionumber(link: str | None) -> str | None:
    if not link:
        return None
    query = parse_qs(urlsplit(link).query)
    value = (query.get("biblionumber") or [""])[0].strip()
    return value or None


# What Koha writes into an item's description: "By X.. Place : Publisher, c1988. . ix, 173 p. ;
# 22 cm.. ISBN :" - the ISBD areas of the record, not a summary of the book.
_ISBD_SIGNS = (re.compile(r"^\s*(?:By|Oleh):?\s", re.I), re.compile(r"\s:\s[^.]+,\s*c?\d{4}"),
               re.compile(r"\b[ivxlc\d]+,?\s*\d*\s*(?:p|hlm|pages)\.", re.I),
               re.compile(r"\b\d+\s*cm\b"), re.compile(r"\bISBN\b", re.I))


def looks_like_isbd(text: str) -> bool:
    """Whether `text` is a record's ISBD description (two of its signs) rather than prose."""
    return sum(1 for sign in _ISBD_SIGNS if sign.search(text)) >= 2


def _summary(values: dict[str, list[str]]) -> str | None:
    """Only an element meant as a summary (Atom's summary, dc:description, an abstract), and
    only when it is prose; the RSS item description and Atom content are Koha's ISBD lines."""
    for key in ("summary", "dc_description", "abstract"):
        for raw in values.get(key, []):
            text = " ".join(_TAGS.sub(" ", unescape(raw)).split())
            if text and not looks_like_isbd(text):
                return text
    return None


def _item(elem: ET.Element, tz, where: str) -> Item:  # noqa: ANN001
    values: dict[str, list[str]] = {}
    link = cover = None
    for child in elem:
        name = local(child.tag)
        if name == "link":
            href = child.get("href")
            if href is None:
                link = link or (child.text or "").strip()
            elif child.get("rel") in (None, "alternate"):
                link = link or href
            elif child.get("rel") == "enclosure" and (child.get("type") or "").startswith("image"):
                cover = cover or href
            continue
        if name in ("enclosure", "thumbnail", "content") and child.get("url"):
            if name != "content" or (child.get("medium") == "image"
                                     or (child.get("type") or "").startswith("image")):
                cover = cover or child.get("url")
            continue
        if name == "author":
            author = child.findtext("{http://www.w3.org/2005/Atom}name") or child.text
            if author and author.strip():
                values.setdefault("creator", []).append(author.strip())
            continue
        if name == "description" and child.tag.startswith("{") and "/dc/" in child.tag:
            name = "dc_description"  # Dublin Core's description, not RSS's item description
        text = "".join(child.itertext()).strip()
        if text:
            values.setdefault(name, []).append(text)
    raw_title = " ".join(_TAGS.sub(" ", unescape((values.get("title") or [""])[0])).split())
    link = link or (values.get("guid") or values.get("id") or [None])[0]
    sid = _biblionumber(link) or (values.get("guid") or values.get("id") or [None])[0] or link
    if not sid:
        return RecordError(where, "the item has no link or id to know it by")
    if not raw_title:
        return RecordError(where, "the item has no title")
    description = (values.get("description") or values.get("summary")
                   or values.get("content") or [""])[0]
    html = unescape(description)
    if cover is None and (m := _IMG.search(html)):
        cover = m[1]
    isbns = []
    for candidate in values.get("identifier", []) + [m[1] for m in _ISBN.finditer(html)]:
        if (isbn := normalize_isbn(candidate)) and isbn not in isbns:
            isbns.append(isbn)
    authors = list(dict.fromkeys(values.get("creator", [])))
    if not authors and (m := _BY.search(html)):
        authors = [trim(m[1] or m[2]) or (m[1] or m[2]).strip()]
    title, subtitle = split_title(raw_title)
    title = trim(title) or title
    subtitle = trim(subtitle) if subtitle else None
    summary = _summary(values)
    when = None
    for key in ("date", "pubDate", "published", "updated", "issued"):
        if (when := _date((values.get(key) or [None])[0], tz)) is not None:
            break
    return TitleRecord(
        source_id=sid[:200], title=title, subtitle=subtitle, authors=authors, isbns=isbns,
        publisher=(values.get("publisher") or [None])[0], summary=summary,
        cover_url=cover if cover and cover.startswith(("http://", "https://")) else None,
        opac_url=link if link and link.startswith(("http://", "https://")) else None,
        catalogued_at=when,
    )


def read_koha_feed(source: str, **_options: object) -> Iterator[Item]:
    """Stream the titles of a Koha new-titles feed (RSS 2.0 or Atom), from a URL or a file."""
    tz = get_settings().tz
    parser = ET.XMLPullParser(events=("start", "end"))
    depth, count, root = 0, 0, None
    with open_source(source, "feed") as stream:
        while True:
            chunk = stream.read(1 << 16)
            try:
                if chunk:
                    parser.feed(chunk)
                else:
                    parser.close()
                for event, elem in parser.read_events():
                    if event == "start":
                        depth += 1
                        if depth == 1:
                            root = local(elem.tag)
                            if root not in ("rss", "feed", "RDF"):
                                raise SourceUnreadable(
                                    f"{source} is not an RSS or Atom feed (its root element is "
                                    f"<{root}>).")
                        continue
                    depth -= 1
                    if local(elem.tag) in ("item", "entry"):
                        count += 1
                        try:
                            item = _item(elem, tz, f"item {count}")
                        except Exception as exc:  # noqa: BLE001 - one odd item, not the feed
                            item = RecordError(f"item {count}", f"it could not be read "
                                               f"({type(exc).__name__}: {exc})")
                        yield item
                        elem.clear()
            except LookupError as exc:
                raise SourceUnreadable(f"{source} is in an unknown character encoding ({exc})."
                                       ) from None
            except (ET.ParseError, ValueError) as exc:
                if root is None or not isinstance(exc, ET.ParseError):
                    raise SourceUnreadable(f"{source} is not an RSS or Atom feed (not XML: "
                                           f"{exc}).") from None
                yield RecordError(f"line {getattr(exc, 'position', ('?',))[0]}",
                                  f"the feed is broken here ({exc}); the items after "
                                  f"item {count} were not read")
                return
            if not chunk:
                if root is None:
                    raise SourceUnreadable(f"{source} is empty.")
                return
