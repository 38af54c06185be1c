"""`schedules/*.yaml`: what the clock does, when each account may post, and what gets announced.

Files are read in name order and merged key by key, so a library can keep the shipped
`default.yaml` and add a small `local.yaml` beside it in its own OUTREACH_SCHEDULES_DIR. Every value
is checked (pydantic); a bad one stops with the file's folder, the key and what is expected.
Times of day are in OUTREACH_TIMEZONE. `Booking` finds free posting times for one account.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from outreach.config import Settings, get_settings
from outreach.errors import OutreachError

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class ScheduleError(OutreachError):
    """A schedule file is missing, not YAML, or has a value that cannot be used."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _clock(value: str) -> str:
    match = _CLOCK.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a time of day: write HH:MM, such as 09:00 or 16:30")
    return f"{int(match[1]):02d}:{match[2]}"


def _platform_names(names: list[str]) -> list[str]:
    from outreach.platforms import PLATFORMS

    for name in names:
        if name not in PLATFORMS:
            raise ValueError(f"unknown platform {name!r}; use {', '.join(PLATFORMS)}")
    return list(dict.fromkeys(names))


class Jobs(_Strict):
    plan_every_minutes: float = Field(15, gt=0)
    dispatch_every_seconds: float = Field(5, gt=0)
    sync_every_minutes: float = Field(10, gt=0)


class ImportJob(_Strict):
    kind: str
    source: str
    every_hours: float = Field(6, gt=0)

    @field_validator("kind")
    @classmethod
    def _known(cls, value: str) -> str:
        from outreach.sources import KINDS

        if value not in KINDS:
            raise ValueError(f"unknown import kind {value!r}; known: {', '.join(KINDS)}")
        return value


class Rhythm(_Strict):
    """When one account of a platform may post."""

    slots: list[str] = ["09:00", "12:30", "16:00"]
    every_minutes: float | None = Field(None, gt=0)  # instead of slots: any time on this grid
    max_per_day: int = Field(3, ge=1)
    spacing_minutes: float = Field(60, ge=0)
    links: bool = True  # put OPAC / registration links in posts
    images: bool = True  # attach covers and cards (a platform that requires images always has)

    @field_validator("slots")
    @classmethod
    def _slots(cls, value: list[str]) -> list[str]:
        return sorted(set(_clock(v) for v in value))

    @model_validator(mode="after")
    def _some_time(self) -> Rhythm:
        if not self.slots and self.every_minutes is None:
            raise ValueError("give slots (e.g. [\"09:00\"]) or every_minutes")
        return self

    @property
    def times(self) -> list[time]:
        return [time(int(s[:2]), int(s[3:])) for s in self.slots]


class QuietDate(_Strict):
    """A day without posts: one date, a range, or a date every year ("12-25")."""

    start: date | None = None
    end: date | None = None
    every_year: tuple[int, int] | None = None  # (month, day)
    name: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, date):
            return {"start": value}
        if isinstance(value, str):
            value = {"date": value}
        if not isinstance(value, dict):
            raise ValueError("write a date (2026-12-25), a yearly date (12-25) or "
                             "{from: 2026-12-24, to: 2026-12-26, name: ...}")
        value = dict(value)
        if "date" in value:
            raw = value.pop("date")
            text = raw.isoformat() if isinstance(raw, date) else str(raw).strip()
            if re.fullmatch(r"\d{1,2}-\d{1,2}", text):
                month, day = (int(p) for p in text.split("-"))
                try:
                    date(2024, month, day)  # a leap year: 02-29 is allowed
                except ValueError:
                    raise ValueError(f"{text!r} is not a month-day such as 12-25") from None
                value["every_year"] = (month, day)
            else:
                try:
                    value["start"] = date.fromisoformat(text)
                except ValueError:
                    raise ValueError(f"{text!r} is not a date such as 2026-12-25") from None
        if "from" in value:
            value["start"] = value.pop("from")
            value["end"] = value.pop("to", None)
        return value

    @model_validator(mode="after")
    def _order(self) -> QuietDate:
        if self.start is None and self.every_year is None:
            raise ValueError("a quiet date needs a date")
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValueError(f"the range ends ({self.end}) before it starts ({self.start})")
        return self

    def covers(self, day: date) -> bool:
        if self.every_year is not None:
            return (day.month, day.day) == self.every_year
        return self.start <= day <= (self.end or self.start)


Approval = Literal["automatic", "review"]


class Rule(_Strict):
    platforms: list[str]
    template: str
    language: str = "id"
    campaign: str  # utm_campaign of the links
    hashtags: list[str] | None = None  # None: OUTREACH_HASHTAGS

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        return _platform_names(value)

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in ("id", "en"):
            raise ValueError("use id (Bahasa Indonesia) or en (English)")
        return value


class AcquisitionRule(Rule):
    """New titles: one post per title and account, in the next free slot."""

    platforms: list[str] = ["facebook", "instagram"]
    template: str = "acquisition"
    campaign: str = "koleksi-baru"


class DigestRule(Rule):
    """A weekly list of the new titles."""

    platforms: list[str] = ["x"]
    template: str = "digest"
    campaign: str = "koleksi-baru"
    weekday: Literal[WEEKDAYS] = "monday"  # type: ignore[valid-type]
    time: str = "09:00"
    max_titles: int = Field(10, ge=1, le=50)

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        return _clock(value)

    def occurrence(self, now: datetime, tz: ZoneInfo, prepare: timedelta,
                   grace: timedelta) -> datetime | None:
        """The digest to plan now: the latest one at or before now + prepare, unless it is more
        than `grace` old (then next week's will come)."""
        local = now.astimezone(tz)
        back = (local.weekday() - WEEKDAYS.index(self.weekday)) % 7
        when = datetime.combine(local.date() - timedelta(days=back),
                                time(int(self.time[:2]), int(self.time[3:])), tz)
        if when > now + prepare:
            when -= timedelta(days=7)
        return when if now - when <= grace else None


class EventRule(Rule):
    """Events of some kinds: announced ahead, optionally reminded shortly before."""

    platforms: list[str] = ["x", "facebook", "instagram"]
    kinds: list[str] = ["community", "other"]
    template: str = "event"
    campaign: str = "acara"
    announce_days_before: float = Field(7, ge=0)
    remind_days_before: float | None = Field(None, gt=0)
    reminder_template: str = "reminder"


class Approvals(_Strict):
    """Who must look before a post goes out: automatic -> scheduled; review -> a manager
    approves (staff-written posts by a manager or admin go straight to scheduled)."""

    acquisition: Approval = "automatic"
    digest: Approval = "automatic"
    workshop: Approval = "automatic"
    event: Approval = "automatic"
    reminder: Approval = "automatic"
    free: Approval = "review"


def _default_platforms() -> dict[str, Rhythm]:
    return {"x": Rhythm(max_per_day=4, spacing_minutes=30), "facebook": Rhythm(),
            "instagram": Rhythm(max_per_day=2, spacing_minutes=120)}


class Schedule(_Strict):
    jobs: Jobs = Jobs()
    imports: list[ImportJob] = []
    horizon_days: float = Field(14, gt=0)  # plan this far ahead, no further
    quiet_dates: list[QuietDate] = []
    platforms: dict[str, Rhythm] = Field(default_factory=_default_platforms)
    acquisitions: AcquisitionRule = AcquisitionRule()
    digest: DigestRule = DigestRule()
    workshops: EventRule = EventRule(
        kinds=["workshop"], template="workshop", campaign="pelatihan",
        announce_days_before=14, remind_days_before=1)
    events: EventRule = EventRule()
    approval: Approvals = Approvals()

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: dict[str, Rhythm]) -> dict[str, Rhythm]:
        _platform_names(list(value))
        return value

    def rhythm(self, platform: str) -> Rhythm:
        return self.platforms.get(platform) or Rhythm()

    def is_quiet(self, day: date) -> bool:
        return any(q.covers(day) for q in self.quiet_dates)


def _merge(base: dict, extra: dict) -> dict:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_schedule(settings: Settings | None = None, folder: Path | None = None) -> Schedule:
    settings = settings or get_settings()
    folder = folder or settings.schedules_path
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    if not files:
        raise ScheduleError(f"No schedule files (*.yaml) in {folder}")
    merged: dict = {}
    for path in files:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f", line {mark.line + 1}" if mark else ""
            raise ScheduleError(f"{path}{where}: not valid YAML ({exc})") from None
        if not isinstance(data, dict):
            raise ScheduleError(f"{path}: expected a mapping of settings at the top level")
        merged = _merge(merged, data)
    try:
        return Schedule.model_validate(merged)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            problems.append(f"  {loc}: {err['msg'].removeprefix('Value error, ')}")
        raise ScheduleError(f"Schedule in {folder} is not valid:\n" + "\n".join(problems)) from None
