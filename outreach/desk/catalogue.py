"""Browsing what the imports brought in: titles, events, import runs, and what was posted about
each (the staff pages under /catalogue, /events and /imports read through here).

Catalogues hold 100,000 titles: searching, filtering and paging happen in SQL, and the posts of a
page's titles are read in one query for the page, never one per row.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import String, cast, func, or_
from sqlmodel import Session, select

from outreach.models import (
    Account,
    Delivery,
    DeliveryStatus,
    Event,
    ImportRun,
    Post,
    PostKind,
    Title,
)
from outreach.sources.fetch import mask_url
from outreach.sources.isbn import normalize_isbn

T = TypeVar("T")
MAX_WORDS = 8  # words of a search taken into account (each one must match somewhere)
EVENT_KINDS = ("workshop", "community", "other")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _page_number(page: int) -> int:
    return max(1, min(int(page or 1), 1_000_000))


def _like(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column: Any, pattern: str, fold: bool) -> Any:
    # SQLite's LIKE already ignores ASCII case, and lower() on both sides made a 100,000-title
    # search three times slower (bench catalogue_browse); PostgreSQL needs ILIKE.
    return column.ilike(pattern, escape="\\") if fold else column.like(pattern, escape="\\")


def _word_condition(word: str, fold: bool) -> Any:
    """One search word in any of title, subtitle, authors, call number, ISBN."""
    pattern = _like(word)
    # Authors are a JSON list stored as text; JSON escapes non-ASCII letters (\u00e9), so a
    # word with such letters is also looked for in its escaped form.
    authors = cast(Title.authors, String)
    options = [_contains(Title.title, pattern, fold), _contains(Title.subtitle, pattern, fold),
               _contains(authors, pattern, fold), _contains(Title.call_number, pattern, fold)]
    escaped = json.dumps(word)[1:-1]
    if escaped != word:
        options.append(_contains(authors, _like(escaped), fold))
    digits = word.replace("-", "")
    if digits.isdigit() and len(digits) >= 4:
        options.append(Title.isbn.like(f"%{digits}%"))
    return or_(*options)


def title_filters(query: str = "", source: str | None = None, new_since: datetime | None = None,
                  until: datetime | None = None, *, fold: bool = True,
                  other_isbns: bool = False) -> list[Any]:
    """WHERE conditions of a catalogue search: every word must match a field; an ISBN (with or
    without hyphens, ISBN-10 or -13) matches the record's normalised ISBN exactly (or, with
    `other_isbns`, any ISBN the record carries: a scan, so only when the first finds none).
    `fold`: ignore case with ILIKE (PostgreSQL); SQLite's LIKE does so by itself."""
    conditions: list[Any] = []
    query = (query or "").strip()
    if query:
        isbn = normalize_isbn(query)
        if isbn and other_isbns:
            conditions.append(cast(Title.isbns, String).like(f"%{isbn}%"))
        elif isbn:
            conditions.append(Title.isbn == isbn)
        else:
            conditions += [_word_condition(w, fold) for w in query.split()[:MAX_WORDS]]
    if source:
        conditions.append(Title.source == source)
    if new_since is not None:
        conditions += [Title.withdrawn_at.is_(None), Title.catalogued_at >= new_since]
        if until is not None:
            conditions.append(Title.catalogued_at <= until)
    return conditions


def find_titles(session: Session, *, query: str = "", source: str | None = None,
                new_within_days: int | None = None, now: datetime | None = None,
                page: int = 1, per_page: int = 50) -> Page[Title]:
    """Titles matching the search, newest catalogued first, one page of them. With
    `new_within_days`, only those the planner would still announce (the announce window)."""
    since = until = None
    if new_within_days is not None and now is not None:
        since, until = now - timedelta(days=new_within_days), now
    fold = session.get_bind().dialect.name != "sqlite"
    conditions = title_filters(query, source, since, until, fold=fold)
    page = _page_number(page)
    words = bool((query or "").strip()) and not normalize_isbn(query)
    if words:
        return _search_page(session, conditions, page, per_page)
    total = session.exec(select(func.count()).select_from(Title).where(*conditions)).one()
    if not total and normalize_isbn(query or ""):
        conditions = title_filters(query, source, since, until, fold=fold, other_isbns=True)
        total = session.exec(select(func.count()).select_from(Title).where(*conditions)).one()
    # NULLS LAST with DESC is SQLite's own order, so it walks ix_title_catalogued_at instead of
    # sorting the whole catalogue (a deep page: 0.5 ms instead of 330 ms on 100,000 titles).
    rows = session.exec(
        select(Title).where(*conditions)
        .order_by(Title.catalogued_at.desc().nulls_last(), Title.id.desc())
        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), total, page, per_page)


def _search_page(session: Session, conditions: list[Any], page: int,
                 per_page: int) -> Page[Title]:
    """A text search reads every row (LIKE '%word%' can use no index). One scan gives the page's
    ids and, through a window, the count: with the window SQLite scans the table and sorts the
    matches, where a plain ORDER BY ... LIMIT walks the date index and fetches every row by
    rowid, twice as slow for a rare word, plus a second scan to count (bench catalogue_browse)."""
    order = (Title.catalogued_at.desc().nulls_last(), Title.id.desc())
    found = session.exec(select(Title.id, func.count().over()).where(*conditions)
                         .order_by(*order).offset((page - 1) * per_page).limit(per_page)).all()
    if found:
        total = found[0][1]
    elif page == 1:
        total = 0
    else:  # past the last page: the count alone
        total = session.exec(select(func.count()).select_from(Title).where(*conditions)).one()
    ids = [r[0] for r in found]
    by_id = {t.id: t for t in session.exec(select(Title).where(Title.id.in_(ids)))} if ids else {}
    return Page([by_id[i] for i in ids], total, page, per_page)


def title_sources(session: Session) -> list[str]:
    return list(session.exec(select(Title.source).distinct().order_by(Title.source)))


@dataclass
class Announcement:
    """What has been posted about one subject: its deliveries' states in one line."""

    deliveries: int = 0
    first_published: datetime | None = None
    next_scheduled: datetime | None = None
    statuses: dict[str, int] = field(default_factory=dict)

    @property
    def state(self) -> str:
        """published | planned | other | none"""
        if self.first_published is not None:
            return "published"
        if self.next_scheduled is not None:
            return "planned"
        return "other" if self.deliveries else "none"


_PLANNED = {DeliveryStatus.scheduled, DeliveryStatus.pending_review, DeliveryStatus.retry_wait,
            DeliveryStatus.publishing, DeliveryStatus.draft}


def _digest_posts(session: Session, title_ids: Sequence[int],
                  since: datetime | None) -> dict[int, list[int]]:
    """post id -> the wanted titles it listed, for digests (their titles are a JSON list, so
    they are matched here; digests are weekly, a few dozen a year)."""
    query = select(Post.id, Post.subject_title_ids).where(Post.kind == PostKind.digest)
    if since is not None:
        query = query.where(Post.created_at >= since)
    wanted = set(title_ids)
    found = {}
    for post_id, ids in session.exec(query):
        hits = [i for i in (ids or []) if i in wanted]
        if hits:
            found[post_id] = hits
    return found


def announcements(session: Session, *, title_ids: Sequence[int] = (),
                  event_ids: Sequence[int] = (),
                  digests_since: datetime | None = None) -> dict[int, Announcement]:
    """subject id -> Announcement, for the titles (digests included) or events of one page."""
    ids = list(title_ids or event_ids)
    if not ids:
        return {}
    column = Post.title_id if title_ids else Post.event_id
    post_subjects: dict[int, list[int]] = defaultdict(list)
    for post_id, subject in session.exec(select(Post.id, column).where(column.in_(ids))):
        post_subjects[post_id].append(subject)
    if title_ids:
        for post_id, hits in _digest_posts(session, ids, digests_since).items():
            post_subjects[post_id].extend(hits)
    result: dict[int, Announcement] = {}
    post_ids = list(post_subjects)
    for i in range(0, len(post_ids), 500):
        rows = session.exec(select(Delivery.post_id, Delivery.status, Delivery.published_at,
                                   Delivery.scheduled_at)
                            .where(Delivery.post_id.in_(post_ids[i:i + 500])))
        for post_id, status, published_at, scheduled_at in rows:
            for subject in post_subjects[post_id]:
                a = result.setdefault(subject, Announcement())
                a.deliveries += 1
                a.statuses[status] = a.statuses.get(status, 0) + 1
                if status == DeliveryStatus.published and published_at is not None:
                    if a.first_published is None or published_at < a.first_published:
                        a.first_published = published_at
                elif status in _PLANNED and (a.next_scheduled is None
                                             or scheduled_at < a.next_scheduled):
                    a.next_scheduled = scheduled_at
    return result


@dataclass
class PostRow:
    post: Post
    deliveries: list[tuple[Delivery, Account | None]]


def subject_posts(session: Session, *, title_id: int | None = None,
                  event_id: int | None = None) -> list[PostRow]:
    """Every post about a title (its own and the digests that listed it) or an event, newest
    first, with their deliveries."""
    if title_id is not None:
        ids = set(session.exec(select(Post.id).where(Post.title_id == title_id)).all())
        ids |= set(_digest_posts(session, [title_id], None))
    else:
        ids = set(session.exec(select(Post.id).where(Post.event_id == event_id)).all())
    if not ids:
        return []
    posts = session.exec(select(Post).where(Post.id.in_(ids))
                         .order_by(Post.created_at.desc(), Post.id.desc())).all()
    rows: dict[int, PostRow] = {p.id: PostRow(p, []) for p in posts}
    for delivery, account in session.exec(
            select(Delivery, Account).join(Account, Account.id == Delivery.account_id,
                                           isouter=True)
            .where(Delivery.post_id.in_(ids)).order_by(Delivery.scheduled_at, Delivery.id)):
        rows[delivery.post_id].deliveries.append((delivery, account))
    return list(rows.values())


def find_events(session: Session, *, when: str = "upcoming", kind: str | None = None,
                now: datetime, page: int = 1, per_page: int = 50) -> Page[Event]:
    """Upcoming events (not yet ended, soonest first) or past ones (latest first)."""
    ends = func.coalesce(Event.ends_at, Event.starts_at)
    conditions: list[Any] = [ends >= now] if when != "past" else [ends < now]
    if kind in EVENT_KINDS:
        conditions.append(Event.kind == kind)
    order = (Event.starts_at, Event.id) if when != "past" else (Event.starts_at.desc(),
                                                               Event.id.desc())
    page = _page_number(page)
    total = session.exec(select(func.count()).select_from(Event).where(*conditions)).one()
    rows = session.exec(select(Event).where(*conditions).order_by(*order)
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), total, page, per_page)


def import_runs(session: Session, *, page: int = 1, per_page: int = 50) -> Page[ImportRun]:
    page = _page_number(page)
    total = session.exec(select(func.count()).select_from(ImportRun)).one()
    rows = session.exec(select(ImportRun).order_by(ImportRun.started_at.desc(),
                                                   ImportRun.id.desc())
                        .offset((page - 1) * per_page).limit(per_page)).all()
    return Page(list(rows), total, page, per_page)


_MORE = re.compile(r"… and (\d+) more rejected records")
_NOT_RECORDS = ("source", "import")  # notes about the whole run, not rejected records


def run_errors(run: ImportRun) -> list[dict[str, str]]:
    """The run's stored errors as {"where", "message"}, secrets in URLs hidden."""
    out = []
    for error in run.errors or []:
        error = error if isinstance(error, dict) else {"message": str(error)}
        out.append({"where": scrub(str(error.get("where") or "")),
                    "message": scrub(str(error.get("message") or ""))})
    return out


def rejected_count(run: ImportRun) -> int:
    """How many records the run rejected (the stored list is capped; its last line counts the
    rest)."""
    total = 0
    for error in run_errors(run):
        more = _MORE.match(error["message"])
        if more and not error["where"]:
            total += int(more.group(1))
        elif error["where"] not in _NOT_RECORDS:
            total += 1
    return total


# user:password@ in any URL-like text, whatever the scheme (mysql+pymysql://, postgresql://, …)
_USERINFO = re.compile(r"(?P<head>\b[a-zA-Z][\w+.-]*://[^\s/:@]*):[^\s@/]*@")


def scrub(text: str | None) -> str:
    """Text about a source as it may be shown: passwords and tokens in URLs hidden. Import runs
    store their source masked already; this also covers messages that quote a URL and rows
    written by older versions."""
    if not text:
        return ""
    text = _USERINFO.sub(r"\g<head>:***@", str(text))
    return " ".join(mask_url(part) if "://" in part and "?" in part else part
                    for part in text.split(" "))
