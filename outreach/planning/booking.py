"""Free posting times of one account (`Booking`): what planning books each delivery into, by the
rules of `schedule.Rhythm` (slots or a grid, quiet dates, a daily maximum, spacing, a horizon)."""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from outreach.planning.schedule import Rhythm, Schedule


@dataclass(slots=True)
class _Stream:
    """The candidate times of searches from one start, in order, as far as they were needed."""

    next_day: date  # the next local day whose candidates are not in `times` yet
    times: list[datetime] = field(default_factory=list)
    days: list[date] = field(default_factory=list)  # each time's local day
    used: int = 0  # how many of `times` were booked or found unusable


class Booking:
    """Free posting times of one account: in its slots (or on its every-N-minutes grid), not on
    quiet dates, at most max_per_day a local day, at least spacing_minutes apart, before the
    horizon. `taken` are the account's times already in the queue (UTC)."""

    def __init__(self, rhythm: Rhythm, schedule: Schedule, tz: ZoneInfo, now: datetime,
                 taken: list[datetime]):
        self.rhythm, self.schedule, self.tz, self.now = rhythm, schedule, tz, now
        self.horizon = now + timedelta(days=schedule.horizon_days)
        self.spacing = timedelta(minutes=rhythm.spacing_minutes)
        self.taken = sorted(taken)
        self.per_day: dict[date, int] = dict(Counter(t.astimezone(tz).date()
                                                     for t in self.taken))
        self._skip: dict[date, date] = {}  # day -> a later day that may still have room
        # Worked out once, not for every title planned: a day's local midnight and candidate
        # times (in now's zone: comparisons then skip time zone arithmetic), whether a day is
        # quiet, and a search's start and end as local dates.
        self._days: dict[tuple[date, datetime, datetime | None],
                         tuple[datetime, tuple[datetime, ...]]] = {}
        self._quiet: dict[date, bool] = {}
        self._dates: dict[datetime, date] = {}
        # How many of a day's candidates (per _days key) were found too close to a booked time:
        # bookings only add up until a release, so the next search starts past them.
        self._tried: dict[tuple[date, datetime, datetime | None], int] = {}
        # Searches from one start to the horizon, with no preferred time (every new title's).
        self._streams: dict[datetime, _Stream] = {}

    def take(self, earliest: datetime, latest: datetime | None = None,
             prefer: datetime | None = None) -> datetime | None:
        """Book and return the first free time >= earliest (and now), < latest, within the
        horizon; `prefer` is an extra candidate (a digest's fixed time). None: no free time."""
        start = max(earliest, self.now)
        if latest is None and prefer is None:
            return self._next(start)
        end = min(self.horizon, latest) if latest else self.horizon
        day, last = self._local_date(start), self._local_date(end)
        most, per_day, tried = self.rhythm.max_per_day, self.per_day, self._tried
        while True:
            day = self._open(day)
            if day > last:
                return None
            # A day is known to be full (for every later search) when it has its maximum, or
            # when all of its times were tried and none was free.
            full = per_day.get(day, 0) >= most
            if not full:
                key = (day, start, prefer)
                midnight, times = self._day(key)
                full = start <= midnight
                first = tried.get(key, 0)
                for i in range(first, len(times)):
                    when = times[i]
                    if when > end or (latest and when >= latest):
                        full = False  # the rest of the day was not looked at
                        break
                    if self._spaced(when):
                        tried[key] = i + 1
                        self.taken.insert(bisect.bisect_left(self.taken, when), when)
                        per_day[day] = per_day.get(day, 0) + 1
                        return when
                    tried[key] = i + 1
            if full:
                self._skip[day] = day + timedelta(days=1)
            day += timedelta(days=1)

    def _next(self, start: datetime) -> datetime | None:
        """take(start) when only the horizon ends the search: thousands of new titles book
        this way one after another, so the search goes on from where the last one stopped.
        A candidate passed over was taken, too close to a taken time or on a full day, and
        stays so while bookings only add up (`release` starts the streams again)."""
        stream = self._streams.get(start)
        if stream is None:
            stream = self._streams[start] = _Stream(self._local_date(start))
        times, days, i = stream.times, stream.days, stream.used
        taken, per_day, most, spacing = self.taken, self.per_day, self.rhythm.max_per_day, \
            self.spacing
        while True:
            if i == len(times):
                if not self._extend(stream, start):
                    stream.used = i
                    return None
                continue
            when, day = times[i], days[i]
            i += 1
            if per_day.get(day, 0) >= most:
                continue
            j = bisect.bisect_left(taken, when)
            if (j < len(taken) and taken[j] - when < spacing) or (
                    j and when - taken[j - 1] < spacing):
                continue
            taken.insert(j, when)
            per_day[day] = per_day.get(day, 0) + 1
            stream.used = i
            return when

    def _extend(self, stream: _Stream, start: datetime) -> bool:
        """Add the next open day's candidate times to a stream; False past the horizon."""
        last = self._local_date(self.horizon)
        while True:
            day = stream.next_day
            if day > last:
                return False
            stream.next_day = day + timedelta(days=1)
            if self._is_quiet(day):
                continue
            found = [t for t in self._candidates(day, start, None) if t <= self.horizon]
            if found:
                stream.times.extend(found)
                stream.days.extend([day] * len(found))
                return True

    def _open(self, day: date) -> date:
        """The first day >= day that is neither quiet nor known to be full."""
        path = []
        while True:
            if day in self._skip:
                path.append(day)
                day = self._skip[day]
            elif self._is_quiet(day):
                self._skip[day] = day + timedelta(days=1)
            else:
                break
        for seen in path:  # path compression: the next search jumps straight here
            self._skip[seen] = day
        return day

    def _local_date(self, when: datetime) -> date:
        if when not in self._dates:
            self._dates[when] = when.astimezone(self.tz).date()
        return self._dates[when]

    def _is_quiet(self, day: date) -> bool:
        if day not in self._quiet:
            self._quiet[day] = self.schedule.is_quiet(day)
        return self._quiet[day]

    def _day(self, key: tuple[date, datetime, datetime | None]
             ) -> tuple[datetime, tuple[datetime, ...]]:
        found = self._days.get(key)
        if found is None:
            day = key[0]
            midnight = datetime.combine(day, time(0), self.tz).astimezone(self.now.tzinfo)
            found = self._days[key] = midnight, tuple(self._candidates(*key))
        return found

    def _candidates(self, day: date, start: datetime, prefer: datetime | None) -> list[datetime]:
        if self.rhythm.every_minutes:
            step = timedelta(minutes=self.rhythm.every_minutes)
            t = datetime.combine(day, time(0), self.tz)
            nxt = datetime.combine(day + timedelta(days=1), time(0), self.tz)
            if start > t:  # jump to the grid point at or after start, and start itself
                t += step * -(-(start - t) // step)
            times = [start] if start.astimezone(self.tz).date() == day else []
            while t < nxt:
                times.append(t)
                t += step
        else:
            times = [datetime.combine(day, s, self.tz) for s in self.rhythm.times]
        if prefer is not None and prefer.astimezone(self.tz).date() == day:
            times.append(prefer)
        return sorted({t.astimezone(self.now.tzinfo) for t in times if t >= start})

    def _spaced(self, when: datetime) -> bool:
        i = bisect.bisect_left(self.taken, when)
        if i < len(self.taken) and self.taken[i] - when < self.spacing:
            return False
        return not (i > 0 and when - self.taken[i - 1] < self.spacing)

    def release(self, when: datetime) -> None:
        """Give a booked time back (what was to go there could not be composed)."""
        i = bisect.bisect_left(self.taken, when)
        if i < len(self.taken) and self.taken[i] == when:
            del self.taken[i]
            day = when.astimezone(self.tz).date()
            self.per_day[day] -= 1
            # The day (and what pointed past it) may have room again, and its times too.
            self._skip.clear()
            self._tried.clear()
            self._streams.clear()
