"""`schedules/*.yaml`: what the clock does and how posts are spaced, validated with clear errors.

Files are read in name order and merged key by key, so a library can keep the shipped
`default.yaml` and add a small `local.yaml` beside it in its own OUTREACH_SCHEDULES_DIR.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from outreach.config import Settings, get_settings


class ScheduleError(Exception):
    """A schedule file is missing, not YAML, or has a value that cannot be used."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Jobs(_Strict):
    plan_every_minutes: float = Field(15, gt=0)
    dispatch_every_seconds: float = Field(5, gt=0)
    sync_every_minutes: float = Field(60, gt=0)


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


class Acquisitions(_Strict):
    template: str = "acquisition"
    platforms: list[str] = ["x", "facebook", "instagram"]
    language: str = "id"

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        from outreach.platforms import PLATFORMS

        for name in value:
            if name not in PLATFORMS:
                raise ValueError(f"unknown platform {name!r}; use {', '.join(PLATFORMS)}")
        return value


class Schedule(_Strict):
    jobs: Jobs = Jobs()
    imports: list[ImportJob] = []
    acquisitions: Acquisitions = Acquisitions()
    spacing_minutes: dict[str, float] = {"x": 30, "facebook": 60, "instagram": 120}

    def spacing_for(self, platform: str) -> float:
        return self.spacing_minutes.get(platform, 60.0)


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
