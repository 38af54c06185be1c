"""Best weekdays and hours from the library's own history, and posts per day.

Both are grouped by the database in the library's time zone: PostgreSQL converts with its own
time zone data (`timezone(zone, published_at)`, daylight saving included); SQLite shifts by the
zone's UTC offset when it is the same over the whole window (all of Indonesia: no daylight
saving), and otherwise groups by UTC hour and places each hour here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from outreach.config import Settings
from outreach.models import Delivery, DeliveryStatus, utcnow
from outreach.reports.period import Period
from outreach.reports.sql import BASE, INTERACTIONS, MEASURED, RATED, D, in_period, to_int

HISTORY = timedelta(days=365)  # best days and hours: the library's last year of posts,
HISTORY_POSTS = 15_000  # or its last 15,000 posts when it has more (~90 a cell: evidence enough)


@dataclass
class Cell:
    posts: int = 0
    measured: int = 0  # with a snapshot
    interactions: int = 0  # of posts with reach or views
    base: int = 0  # their reach (else views)

    @property
    def rate(self) -> float | None:
        return self.interactions / self.base if self.base else None

    def add(self, posts: int, measured: int, interactions: int | None, base: int | None) -> None:
        self.posts += posts
        self.measured += measured
        self.interactions += interactions or 0
        self.base += base or 0


@dataclass
class Timing:
    platform: str
    since: datetime
    until: datetime
    weekdays: list[Cell]  # Monday first, in OUTREACH_TIMEZONE
    hours: list[Cell]  # 0..23 local
    grid: list[list[Cell]]  # [weekday][hour]


def fixed_offset(tz: tzinfo, since: datetime, until: datetime) -> int | None:
    """The zone's UTC offset in minutes when it does not change between the two moments."""
    seen = set()
    moment = since
    while moment < until:  # daylight saving lasts months: a weekly look finds every change
        seen.add(moment.astimezone(tz).utcoffset())
        moment += timedelta(days=7)
    seen.add(until.astimezone(tz).utcoffset())
    if len(seen) != 1:
        return None
    return int(seen.pop().total_seconds() // 60)


def _local(session: Session, settings: Settings, since: datetime,
           until: datetime) -> tuple[Any, Any, bool] | None:
    """("weekday hour", date) of `published_at` in the library's zone as SQL, and whether the
    weekday counts from Monday = 1 (ISO) rather than Sunday = 0; None: not possible in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        local = func.timezone(settings.timezone, D.published_at)
        return func.to_char(local, "ID HH24"), func.to_char(local, "YYYY-MM-DD"), True
    offset = fixed_offset(settings.tz, since, until)
    if offset is None:
        return None
    shift = f"{offset:+d} minutes"  # one strftime a row: a year of posts is read here
    return (func.strftime("%w %H", D.published_at, shift),
            func.strftime("%Y-%m-%d", D.published_at, shift), False)


def _history_start(session: Session, until: datetime) -> datetime:
    """A year back, or the time of the HISTORY_POSTS-th newest post when that is later (a
    network of libraries posts more than one library: the newest posts say enough)."""
    year = until - HISTORY
    nth = session.execute(
        select(D.published_at).where(D.published_at < until, D.published_at >= year,
                                     D.status == DeliveryStatus.published)
        .order_by(D.published_at.desc()).offset(HISTORY_POSTS - 1).limit(1)).scalar()
    return max(year, nth) if nth is not None else year


def _measures() -> list:
    return [func.count(D.id).label("posts"), func.count(MEASURED).label("measured"),
            func.sum(RATED).label("rated"), func.sum(BASE).label("base"),
            func.sum(INTERACTIONS).label("interactions")]


def _timing(platform: str, since: datetime, until: datetime) -> Timing:
    return Timing(platform, since, until, [Cell() for _ in range(7)], [Cell() for _ in range(24)],
                  [[Cell() for _ in range(24)] for _ in range(7)])


def timing_and_daily(session: Session, period: Period, settings: Settings
                     ) -> tuple[list[Timing], list[dict[str, Any]]]:
    """Best times over the year up to the period's end, and the period's posts per local day."""
    until = period.end or utcnow()
    history = _history_start(session, until)
    since = min(history, period.start) if period.start is not None else history
    published = D.status == DeliveryStatus.published
    parts = _local(session, settings, since, until)
    if parts is None:
        return _by_utc_hour(session, period, settings, since, until)
    when, day, iso = parts
    timings: dict[str, Timing] = {}
    query = (select(D.platform, when.label("at"), *_measures())
             .select_from(Delivery.__table__)
             .where(published, *in_period(Period(history, until, "", "", period.platform)))
             .group_by(D.platform, when))
    for r in session.execute(query):
        t = timings.get(r.platform) or timings.setdefault(r.platform,
                                                           _timing(r.platform, history, until))
        wd, hr = (int(v) for v in r.at.split())
        wd = wd - 1 if iso else (wd + 6) % 7
        for cell in (t.weekdays[wd], t.hours[hr], t.grid[wd][hr]):
            cell.add(r.posts, r.measured, to_int(r.rated), to_int(r.base))
    days = {}
    window = Period(since if period.start is None else period.start, until, "", "",
                    period.platform)
    query = (select(day.label("day"), func.count(D.id).label("posts"),
                    func.sum(INTERACTIONS).label("interactions"))
             .select_from(Delivery.__table__).where(published, *in_period(window)).group_by(day))
    for r in session.execute(query):
        days[r.day] = {"date": r.day, "posts": r.posts, "interactions": to_int(r.interactions)
                       or 0}
    return [timings[k] for k in sorted(timings)], every_day(days, period, until, settings.tz)


def _by_utc_hour(session: Session, period: Period, settings: Settings, since: datetime,
                 until: datetime) -> tuple[list[Timing], list[dict[str, Any]]]:
    """SQLite in a zone with daylight saving: group by UTC hour (at most 8,760 rows a platform
    and year) and place each hour in the zone here."""
    bucket = func.strftime("%Y-%m-%d %H", D.published_at).label("bucket")
    query = (select(D.platform, bucket, *_measures()).select_from(Delivery.__table__)
             .where(D.status == DeliveryStatus.published,
                    *in_period(Period(since, until, "", "", period.platform)))
             .group_by(D.platform, bucket))
    tz = settings.tz
    history = _history_start(session, until)
    timings: dict[str, Timing] = {}
    days: dict[str, dict[str, Any]] = {}
    for r in session.execute(query):
        moment = datetime.strptime(r.bucket, "%Y-%m-%d %H").replace(tzinfo=UTC)
        local = moment.astimezone(tz)
        if moment >= history:
            t = timings.get(r.platform) or timings.setdefault(r.platform,
                                                               _timing(r.platform, history, until))
            for cell in (t.weekdays[local.weekday()], t.hours[local.hour],
                         t.grid[local.weekday()][local.hour]):
                cell.add(r.posts, r.measured, to_int(r.rated), to_int(r.base))
        if period.start is None or moment + timedelta(hours=1) > period.start:
            day = days.setdefault(local.date().isoformat(), {
                "date": local.date().isoformat(), "posts": 0, "interactions": 0})
            day["posts"] += r.posts
            day["interactions"] += to_int(r.interactions) or 0
    return [timings[k] for k in sorted(timings)], every_day(days, period, until, tz)


def every_day(days: dict[str, dict[str, Any]], period: Period, until: datetime,
              tz: tzinfo) -> list[dict[str, Any]]:
    """The period's days in order, those without posts included (a chart shows the gaps)."""
    if period.start is not None:
        first = period.start.astimezone(tz).date()
    elif days:
        first = date.fromisoformat(min(days))
    else:
        return []
    last = (until - timedelta(microseconds=1)).astimezone(tz).date()
    found, day = [], first
    while day <= last and len(found) < 3700:
        key = day.isoformat()
        found.append(days.get(key, {"date": key, "posts": 0, "interactions": 0}))
        day += timedelta(days=1)
    return found
