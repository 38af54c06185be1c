"""The clock: APScheduler wiring only. Jobs call plain functions; the database holds the work.

One clock is elected through a lease row, so `outreach run` on several machines still plans and
imports once. Every process writes a heartbeat that `/healthz` and `outreach status` show.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.dispatch.dispatcher import next_due_at, run_due
from outreach.models import Heartbeat, Lease, utcnow
from outreach.planning.planner import plan
from outreach.planning.schedule import Schedule, load_schedule

log = logging.getLogger(__name__)
CLOCK_LEASE = "clock"
NOTIFY_MINUTES = 10


def process_id(role: str) -> str:
    return f"{role}:{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:4]}"


def beat(settings: Settings, pid: str, role: str) -> None:
    now = utcnow()
    with Session(get_engine(settings.database_url)) as session:
        row = session.get(Heartbeat, pid)
        if row is None:
            row = Heartbeat(process_id=pid, role=role, host=socket.gethostname(), pid=os.getpid(),
                            started_at=now)
        row.last_tick_at = now
        session.add(row)
        session.commit()


def hold_lease(settings: Settings, name: str, holder: str, seconds: float) -> bool:
    """Take or renew the named lease; True when this holder has it until now + seconds."""
    now = utcnow()
    until = now + timedelta(seconds=seconds)
    with Session(get_engine(settings.database_url)) as session:
        taken = session.execute(
            update(Lease)
            .where(Lease.name == name, (Lease.holder == holder) | (Lease.expires_at < now))
            .values(holder=holder, expires_at=until)
        )
        session.commit()
        if taken.rowcount == 1:
            return True
        if session.get(Lease, name) is not None:
            return False
        try:
            session.add(Lease(name=name, holder=holder, expires_at=until))
            session.commit()
            return True
        except IntegrityError:
            return False  # another process created it first


class Clock:
    """Periodic jobs in UTC: coalesced, one instance each, with an explicit misfire grace."""

    def __init__(self, settings: Settings | None = None, schedule: Schedule | None = None):
        self.settings = settings or get_settings()
        self.schedule = schedule or load_schedule(self.settings)
        self.pid = process_id("clock")
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
        )
        self.leader = False

    def _tick(self) -> None:
        beat(self.settings, self.pid, "clock")
        lease_for = 3 * 10 + 5
        self.leader = hold_lease(self.settings, CLOCK_LEASE, self.pid, lease_for)

    def _plan(self) -> None:
        if not self.leader:
            return
        with Session(get_engine(self.settings.database_url), expire_on_commit=False) as session:
            result = plan(session, settings=self.settings, schedule=self.schedule)
        if result.planned:
            log.info("clock: planned %d deliveries", len(result.planned))

    def _sync(self) -> None:
        """Engagement snapshots: any process may run it (claims are guarded), so no leader check;
        it keeps going while more is due, within one job run."""
        from outreach.engagement.sync import sync_due

        for _ in range(100):
            if not sync_due(self.settings):
                break

    def _renew(self) -> None:
        """Access tokens of accounts connected by signing in, renewed before they end (guarded:
        workers renewing at the same moment never spend one refresh token twice)."""
        if not self.leader:
            return
        from outreach.dispatch.renewal import renew_ahead

        renew_ahead(self.settings)

    def _notify(self) -> None:
        """E-mail: what needs someone, each fact once (notify/gather.py). Leader only, so each
        mail is queued once; nothing at all without OUTREACH_SMTP_HOST."""
        if not self.leader or not self.settings.mail_enabled:
            return
        from outreach.notify.gather import notify_pass

        notify_pass(self.settings)

    def _send_mail(self) -> None:
        """The outbox between passes: retries, and mail queued by the web (reset links)."""
        if not self.leader or not self.settings.mail_enabled:
            return
        from outreach.notify.outbox import send_due

        with Session(get_engine(self.settings.database_url), expire_on_commit=False) as session:
            send_due(session, self.settings)

    def _import(self, kind: str, source: str) -> None:
        if not self.leader:
            return
        from outreach.sources.importing import run_import

        result = run_import(kind, source, database_url=self.settings.database_url)
        log.info("clock: import %s: %s", kind, result.as_json())
        self._plan()

    def _tidy_media(self) -> None:
        if not self.leader:
            return
        from outreach.media import remove_orphans

        with Session(get_engine(self.settings.database_url)) as session:
            removed = remove_orphans(session, self.settings)
        if removed:
            log.info("clock: removed %d images no post uses", removed)

    def _safe(self, func, *args):  # noqa: ANN001, ANN202
        def job() -> None:
            try:
                func(*args)
            except Exception:  # a failing job must not stop the clock; the next tick retries
                log.exception("clock job %s failed", getattr(func, "__name__", func))

        return job

    def start(self) -> None:
        jobs = self.schedule.jobs
        now = datetime.now(UTC)
        self._safe(self._tick)()
        self.scheduler.add_job(self._safe(self._tick), "interval", seconds=10, id="tick")
        self.scheduler.add_job(self._safe(self._plan), "interval", minutes=jobs.plan_every_minutes,
                               id="plan", next_run_time=now)
        self.scheduler.add_job(self._safe(self._sync), "interval",
                               minutes=jobs.sync_every_minutes, id="sync-engagement",
                               next_run_time=now)
        self.scheduler.add_job(self._safe(self._tidy_media), "interval", hours=1,
                               id="tidy-media")
        # Every 5 minutes: tokens ending within 30 minutes are renewed in good time.
        self.scheduler.add_job(self._safe(self._renew), "interval", minutes=5,
                               id="renew-access", next_run_time=now)

        if self.settings.mail_enabled:
            # The weekly summary rides on this pass: it goes out on the first pass from Monday
            # 07:00 in OUTREACH_TIMEZONE.
            self.scheduler.add_job(self._safe(self._notify), "interval", minutes=NOTIFY_MINUTES,
                                   id="notify", next_run_time=now + timedelta(seconds=30))
            self.scheduler.add_job(self._safe(self._send_mail), "interval", minutes=1,
                                   id="send-mail")
        for i, imp in enumerate(self.schedule.imports):
            self.scheduler.add_job(self._safe(self._import, imp.kind, imp.source), "interval",
                                   hours=imp.every_hours, id=f"import-{i}", next_run_time=now)
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.shutdown(wait=True)


def load_platforms(settings: Settings) -> None:
    """Import the clients of the connected accounts' platforms now, not while the first posts
    wait: X's text counting alone takes a third of a second of CPU to load."""
    from sqlmodel import select

    from outreach.models import Account
    from outreach.platforms import platform_class

    with Session(get_engine(settings.database_url)) as session:
        kinds = session.exec(select(Account.platform, Account.backend).distinct()).all()
    for name, backend in kinds:
        try:
            platform_class(name, backend)
        except Exception:  # noqa: BLE001 - publishing reports it, per delivery, with the reason
            log.debug("platform %s (%s) could not be loaded ahead", name, backend)


def worker_loop(stop: threading.Event, settings: Settings | None = None,
                idle_seconds: float = 1.0) -> None:
    """Publish due deliveries until `stop` is set; what is in flight is finished first.

    It sleeps until the next delivery is due (at most `idle_seconds`, so posts queued by other
    processes are seen within a second), instead of polling on a fixed minute.
    """
    from outreach.dispatch.dispatcher import worker_id

    settings = settings or get_settings()
    pid = process_id("worker")
    worker = worker_id()
    schedule = load_schedule(settings)
    try:
        load_platforms(settings)
    except Exception:  # noqa: BLE001 - e.g. the database is not up yet: the loop reports that
        log.debug("platform clients not loaded ahead", exc_info=True)
    last_beat = 0.0
    while not stop.is_set():
        try:
            if time.monotonic() - last_beat > 5:
                beat(settings, pid, "worker")
                last_beat = time.monotonic()
            result = run_due(settings, worker=worker, stop=stop, schedule=schedule)
        except Exception:
            log.exception("worker pass failed")
            stop.wait(idle_seconds)
            continue
        if result.more:
            continue
        wait = idle_seconds
        try:
            due = next_due_at(settings, servable=True)
        except Exception:
            due = None
        if due is not None:
            wait = min(idle_seconds, max(0.01, (due - utcnow()).total_seconds()))
        stop.wait(wait)
