"""The figures of a report, as plain data (dataclasses), computed in SQL.

Every per-post figure uses the delivery's latest snapshot, found through
`Delivery.last_snapshot_id` (one primary-key join per post, whatever the length of the history).
Rates: interactions (likes + comments + shares + saves) per reach where the platform gives reach,
else per view; a group's rate pools its posts (sum of interactions / sum of reach or views), so
one small post cannot dominate. Every group carries the number of posts behind it. Templates
are each delivery's own (`Delivery.template`): one post has one template per platform.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlmodel import Session

from outreach.config import Settings
from outreach.models import METRICS, DeliveryStatus, Title, utcnow
from outreach.reports import extra
from outreach.reports.period import Period
from outreach.reports.sql import (
    BASE,
    INTERACTIONS,
    MEASURED,
    RATED,
    A,
    D,
    E,
    P,
    S,
    T,
    in_period,
    joined,
    rate,
    to_int,
)
from outreach.reports.timing import Timing, timing_and_daily
from outreach.reports.words import say

TOP = 10
SUBJECT_WORDS = 10  # a staff post is named by its first words
DIGEST_NAMED = 3  # titles named in a digest's subject


@dataclass
class DeliveryRow:
    id: int
    platform: str
    account: str
    kind: str
    template: str | None  # Delivery.template: "<kind>/<platform>.<lang>.j2"; None: staff text
    remote_id: str | None
    remote_url: str | None
    published_at: datetime
    text: str
    removed: bool
    snapshot_at: datetime | None
    metrics: dict[str, int | None]
    interactions: int | None
    rate: float | None
    rate_base: str | None  # "reach" | "views" | None
    subject: str = ""  # what it is about: the title, the event, a digest's titles, first words


@dataclass
class PlatformSummary:
    platform: str
    posts: int
    measured: int  # with at least one snapshot
    removed: int
    totals: dict[str, int | None]
    interactions: int | None
    rate: float | None
    rate_base: str | None  # "reach", "views", "reach/views"
    click_rate: float | None  # clicks per view


@dataclass
class TemplateRow:
    kind: str
    template: str | None  # Delivery.template: "<kind>/<platform>.<lang>.j2"
    platform: str
    posts: int
    measured: int
    interactions: int | None
    rate: float | None
    views_per_post: float | None

    @property
    def label(self) -> str:
        """"acquisition · id": the template's folder and language (the platform has a column
        of its own)."""
        found = re.fullmatch(r"([^/]+)/[^/.]+\.(\w+)\.j2", self.template or "")
        return f"{found.group(1)} · {found.group(2)}" if found else (self.template or "—")


@dataclass
class Report:
    period: Period
    generated_at: datetime
    platforms: list[PlatformSummary]
    posts_by: list[dict[str, Any]]  # platform, kind, template, posts
    top_posts: list[DeliveryRow]
    timing: list[Timing]
    templates: list[TemplateRow]
    coverage: extra.Coverage
    problems: extra.Problems
    feedback: extra.FeedbackSummary
    daily: list[dict[str, Any]]  # local date, posts, interactions
    deliveries: list[DeliveryRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, dict[str, int | None]]:
        return {p.platform: p.totals for p in self.platforms}


def _first_words(text: str | None) -> str:
    line = next((t.strip() for t in (text or "").splitlines() if t.strip()), "")
    words = line.split()
    return " ".join(words[:SUBJECT_WORDS]) + ("…" if len(words) > SUBJECT_WORDS else "")


def _subject(r: Any, digests: dict[int, str], locale: str) -> str:
    """What the post is about, for a person telling posts apart: every new-title post starts
    with the same words, so the first line of the text does not do."""
    if r.title_name:
        return r.title_name
    if r.event_name:
        return r.event_name
    if r.kind == "digest":
        names = [digests[i] for i in (r.subject_title_ids or [])[:DIGEST_NAMED] if i in digests]
        if not names:
            return say("digest_empty", locale)
        more = len(r.subject_title_ids or []) - len(names)
        listed = ", ".join(names)
        return say("digest", locale, titles=say("digest_more", locale, titles=listed, n=more)
                   if more > 0 else listed)
    return _first_words(r.post_text) or _first_words(r.text) or say("no_text", locale)


def _row(r: Any, settings: Settings, digests: dict[int, str]) -> DeliveryRow:
    metrics = {m: getattr(r, m) for m in METRICS}
    base = "reach" if r.reach else ("views" if r.views else None)
    inter = r.interactions
    return DeliveryRow(
        id=r.id, platform=r.platform, account=r.account, kind=r.kind, template=r.template,
        remote_id=r.remote_id, remote_url=r.remote_url, published_at=r.published_at,
        text=(r.text or "").strip().splitlines()[0][:140] if r.text else "",
        removed=r.removed_at is not None, snapshot_at=r.taken_at, metrics=metrics,
        interactions=inter, rate=rate(inter, r.reach or r.views), rate_base=base,
        subject=_subject(r, digests, settings.locale))


def _rows(session: Session, query: Any, settings: Settings) -> list[DeliveryRow]:
    found = list(session.execute(query))
    wanted = {i for r in found if r.kind == "digest"
              for i in (r.subject_title_ids or [])[:DIGEST_NAMED]}
    digests: dict[int, str] = {}
    ordered = sorted(wanted)
    for i in range(0, len(ordered), 500):  # one query per 500 titles named
        digests.update(list(session.execute(select(Title.id, Title.title).where(
            Title.id.in_(ordered[i:i + 500]))).tuples()))
    return [_row(r, settings, digests) for r in found]


def _row_query():  # noqa: ANN202
    return select(D.id, D.platform, A.name.label("account"), P.kind, D.template, D.remote_id,
                  D.remote_url, D.published_at, D.text, D.removed_at, S.taken_at,
                  T.title.label("title_name"), E.title.label("event_name"),
                  P.subject_title_ids, P.text.label("post_text"),
                  *[S[m] for m in METRICS], INTERACTIONS.label("interactions")
                  ).select_from(joined(subject=True))


def delivery_rows(session: Session, period: Period, settings: Settings) -> list[DeliveryRow]:
    query = _row_query().where(D.status == DeliveryStatus.published, *in_period(period)
                               ).order_by(D.published_at, D.id)
    return _rows(session, query, settings)


def _groups(session: Session, period: Period) -> list[Any]:
    """One pass over the period's posts, grouped by platform, kind and template: the per
    platform totals, the post counts and the template comparison all come from these rows."""
    query = (select(D.platform, P.kind, D.template, func.count(D.id).label("posts"),
                    func.count(MEASURED).label("measured"),
                    func.count(D.removed_at).label("removed"),
                    *[func.sum(S[m]).label(m) for m in METRICS],
                    func.count(S.views).label("viewed"),
                    func.sum(INTERACTIONS).label("interactions"),
                    func.sum(RATED).label("rated"), func.sum(BASE).label("base"),
                    func.sum(case((func.coalesce(S.reach, 0) > 0, 1), else_=0)).label("by_reach"),
                    func.sum(case((and_(func.coalesce(S.reach, 0) == 0, S.views > 0), 1),
                                  else_=0)).label("by_views"),
                    func.sum(case((S.clicks.is_not(None), S.clicks))).label("clicked"),
                    func.sum(case((S.clicks.is_not(None), S.views))).label("click_views"))
             .select_from(joined(account=False))
             .where(D.status == DeliveryStatus.published, *in_period(period))
             .group_by(D.platform, P.kind, D.template)
             .order_by(D.platform, P.kind, D.template))
    return list(session.execute(query))


def _add(a: int | None, b: Any) -> int | None:
    """Sums where "no figure" stays None until a figure comes."""
    return a if b is None else (a or 0) + int(b)


def platform_summaries(groups: list[Any]) -> list[PlatformSummary]:
    sums: dict[str, dict[str, Any]] = {}
    fields = ("posts", "measured", "removed", *METRICS, "interactions", "rated", "base",
              "by_reach", "by_views", "clicked", "click_views")
    for r in groups:
        mine = sums.setdefault(r.platform, dict.fromkeys(fields))
        for name in fields:
            mine[name] = _add(mine[name], getattr(r, name))
    found = []
    for platform, r in sums.items():
        base_name = ("reach" if r["by_reach"] and not r["by_views"] else
                     "views" if r["by_views"] and not r["by_reach"] else
                     "reach/views" if r["by_reach"] else None)
        found.append(PlatformSummary(
            platform=platform, posts=r["posts"] or 0, measured=r["measured"] or 0,
            removed=r["removed"] or 0, totals={m: r[m] for m in METRICS},
            interactions=r["interactions"], rate=rate(r["rated"], r["base"]),
            rate_base=base_name, click_rate=rate(r["clicked"], r["click_views"])))
    return found


def posts_by(groups: list[Any]) -> list[dict[str, Any]]:
    return [{"platform": r.platform, "kind": r.kind, "template": r.template, "posts": r.posts}
            for r in groups]


def top_posts(session: Session, period: Period, settings: Settings,
              limit: int = TOP) -> list[DeliveryRow]:
    # Ranked from the delivery rows alone; only the few on top are joined.
    top = (select(D.id).where(D.status == DeliveryStatus.published, MEASURED.is_not(None),
                              *in_period(period))
           .order_by(INTERACTIONS.desc(), D.id).limit(limit))
    query = _row_query().where(D.id.in_(top)).order_by(INTERACTIONS.desc(), D.id)
    return _rows(session, query, settings)


def templates(groups: list[Any]) -> list[TemplateRow]:
    rows = [TemplateRow(kind=r.kind, template=r.template, platform=r.platform, posts=r.posts,
                        measured=r.measured, interactions=to_int(r.interactions),
                        rate=rate(to_int(r.rated), to_int(r.base)),
                        views_per_post=int(r.views) / r.viewed if r.viewed else None)
            for r in groups]
    return sorted(rows, key=lambda t: (t.kind, t.platform, t.template or ""))


def build_report(session: Session, period: Period, settings: Settings, *,
                 include_deliveries: bool = True, now: datetime | None = None) -> Report:
    """Every figure of the report for `period`; `include_deliveries=False` leaves out the
    per-post list (the summary a manager reads)."""
    timing, daily = timing_and_daily(session, period, settings)
    groups = _groups(session, period)
    return Report(
        period=period, generated_at=now or utcnow(),
        platforms=platform_summaries(groups), posts_by=posts_by(groups),
        top_posts=top_posts(session, period, settings), timing=timing,
        templates=templates(groups),
        coverage=extra.coverage(session, period, settings.announce_window_days),
        problems=extra.problems(session, period),
        feedback=extra.feedback_summary(session, period), daily=daily,
        deliveries=delivery_rows(session, period, settings) if include_deliveries else [])

