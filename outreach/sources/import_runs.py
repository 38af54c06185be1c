"""The record of every import (ImportRun: when, what, counts, rejected records) and where an
incremental harvest starts (`harvest_state`), for `sources.importing.run_import`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from outreach.config import get_settings
from outreach.models import ImportRun, utcnow
from outreach.sources.base import HarvestState, RecordError, RecordWarning
from outreach.sources.fetch import mask_url

MAX_STORED_ERRORS = 1000


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rekeyed: int = 0  # rows found under a record's former id and given its new one (updated)
    errors: list[RecordError] = field(default_factory=list)
    # Repairs and left-out parts that cost no record (they do not change the exit code).
    warnings: list[RecordWarning] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # the readers' Tally items
    unreadable: str | None = None  # why the source could not be read at all
    run_id: int | None = None

    def as_json(self) -> dict[str, Any]:
        """The `outreach import --json` object (a contract); an unreadable source is the last
        of its errors. "warnings" came later: it is there only when there are warnings, so the
        four original keys stay the whole object for every import that has none."""
        errors = [e.as_dict() for e in self.errors]
        if self.unreadable:
            errors.append({"where": "source", "message": self.unreadable})
        data: dict[str, Any] = {"created": self.created, "updated": self.updated,
                                "unchanged": self.unchanged, "errors": errors}
        if self.rekeyed:
            data["rekeyed"] = self.rekeyed  # only when it happened, like "warnings"
        if self.warnings:
            data["warnings"] = [w.as_dict() for w in self.warnings]
        if "copies" in self.counts:
            data["copies"] = {"read": self.counts["copies"],
                              "undated": self.counts.get("copies_undated", 0)}
        return data

    @property
    def exit_code(self) -> int:
        """0: every record taken; 1: some rejected (the rest kept); 2: source unreadable."""
        if self.unreadable is not None:
            return 2
        return 1 if self.errors else 0


def mask_source(source: str) -> str:
    """The source as it may be stored and shown: passwords and tokens in a URL are hidden."""
    return mask_url(source)


def start_run(engine: Engine, kind: str, source: str, state: HarvestState | None) -> int:
    """Write the ImportRun row of a run that starts now; its id."""
    run = ImportRun.__table__
    with engine.begin() as conn:
        return conn.execute(insert(run).values(
            kind=kind, source=mask_source(str(source)), started_at=utcnow(), status="running",
            created=0, updated=0, unchanged=0, errors=[],
            harvested_since=state.since if state else None)).inserted_primary_key[0]


def _stored_errors(result: ImportResult, note: str | None) -> list[dict[str, str]]:
    stored = [e.as_dict() for e in result.errors[:MAX_STORED_ERRORS]]
    if len(result.errors) > MAX_STORED_ERRORS:
        more = len(result.errors) - MAX_STORED_ERRORS
        stored.append({"where": "", "message": f"… and {more} more rejected records, not stored"})
    if result.unreadable:
        stored.append({"where": "source", "message": result.unreadable})
    # Warnings go in the same list under "import", which is not counted as a rejected record
    # (desk.catalogue.rejected_count), so the runs page shows them without a schema change.
    for warning in result.warnings[:MAX_STORED_ERRORS]:
        where = f"{warning.where}: " if warning.where else ""
        stored.append({"where": "import", "message": f"{where}{warning.message}"})
    if note:
        stored.append({"where": "import", "message": note})
    return stored


def finish_run(engine: Engine, result: ImportResult, note: str | None = None,
            state: HarvestState | None = None) -> None:
    if result.unreadable or note:
        status = "failed"
    else:
        status = "partial" if result.errors else "ok"
    run = ImportRun.__table__
    # A failed harvest leaves no "from" for the next run: it starts again where this one did.
    harvest_from = state.next_since if state is not None and status != "failed" else None
    with engine.begin() as conn:
        conn.execute(update(run).where(run.c.id == result.run_id).values(
            finished_at=utcnow(), status=status, created=result.created,
            updated=result.updated, unchanged=result.unchanged,
            errors=_stored_errors(result, note), harvest_from=harvest_from))


def harvest_state(engine: Engine, kind: str, source: str, *, full: bool = False,
                  full_every_days: float | None = None) -> HarvestState:
    """Where an incremental harvest of (kind, source) starts: from the last successful run's
    `harvest_from`; from the beginning (a full harvest) when there is none, when asked, or when
    the last full harvest is older than OUTREACH_FULL_HARVEST_DAYS (SLiMS's OAI datestamp is
    the catalogue date, so only a full harvest sees edits: docs/sources.md)."""
    if full:
        return HarvestState()
    days = get_settings().full_harvest_days if full_every_days is None else full_every_days
    if days <= 0:
        return HarvestState()
    run = ImportRun.__table__
    done = (run.c.kind == kind) & (run.c.source == mask_source(str(source))) & \
        run.c.status.in_(("ok", "partial"))
    with engine.connect() as conn:
        last = conn.execute(select(run.c.harvest_from).where(done)
                            .order_by(run.c.started_at.desc(), run.c.id.desc()).limit(1)).first()
        last_full = conn.execute(select(run.c.started_at).where(
            done & run.c.harvested_since.is_(None))
            .order_by(run.c.started_at.desc()).limit(1)).scalar()
    if last is None or not last.harvest_from or last_full is None:
        return HarvestState()
    if utcnow() - last_full > timedelta(days=days):
        return HarvestState()
    return HarvestState(since=last.harvest_from)
