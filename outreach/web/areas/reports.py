"""Reports for managers: the full report of a period (`outreach.reports` computes every figure
in SQL), its CSV export, and the monthly evaluation in Bahasa Indonesia. The dashboard
(dashboard.py) reads the same summary through `summary()`.

Summaries are kept for a minute per database, period and platform, and a summary being built is
built once however many people ask at the same moment: fifty managers opening the dashboard
cost one build, not fifty. A minute is far below how often engagement is synced.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from babel.dates import format_date, get_day_names
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from outreach.models import METRICS, utcnow
from outreach.platforms import available_platforms
from outreach.reports import Period, PeriodError, Report, build_report, charts, parse_period
from outreach.reports.csvfile import DIALECTS, CsvDialectError
from outreach.reports.evidence import MIN_CELL_POSTS, MIN_CELLS
from outreach.reports.render import best, number, percent, to_csv, to_html
from outreach.reports.words import kind_label, kind_labels
from outreach.web.auth import DB, Manager
from outreach.web.pages import N_, _, render, request_lang

router = APIRouter()

CACHE_SECONDS = 60.0
_CACHE: dict[tuple, tuple[float, Report]] = {}
_BUILDING: dict[tuple, threading.Lock] = {}
_GUARD = threading.Lock()

METRIC_LABELS = {"views": N_("Tayangan"), "reach": N_("Jangkauan"), "likes": N_("Suka"),
                 "comments": N_("Komentar"), "shares": N_("Dibagikan"),
                 "saves": N_("Disimpan"), "clicks": N_("Klik")}
BASE_LABELS = {"reach": N_("per jangkauan"), "views": N_("per tayangan"),
               "reach/views": N_("per jangkauan/tayangan")}
SHOWN_STATUSES = ("failed", "missed", "unconfirmed", "held", "cancelled")


class BadPeriod(ValueError):
    """The period or platform asked for cannot be used; the message is for the page."""


def platform_names() -> list[str]:
    return available_platforms()


def period_from(request: Request, start: str | None, end: str | None,
                platform: str | None, days: int = 30) -> Period:
    """The period of a page: `start`/`end` dates (the end day included) in the library's zone,
    by default the last `days` days up to today; `platform` one platform's posts only."""
    settings = request.app.state.settings
    start, end, platform = (start or "").strip(), (end or "").strip(), (platform or "").strip()
    if platform and platform not in platform_names():
        raise BadPeriod(_(request, "Platform %(p)s tidak dikenal.", p=platform))
    if not start and not end:
        today = utcnow().astimezone(settings.tz).date()
        start, end = (today - timedelta(days=days - 1)).isoformat(), today.isoformat()
    try:
        period = parse_period(settings, start=start or None, end=end or None)
    except PeriodError:
        raise BadPeriod(_(request, "Periode tidak dapat dibaca: gunakan tanggal seperti "
                                   "2026-11-01, dengan tanggal akhir tidak sebelum tanggal "
                                   "awal.")) from None
    if not platform:
        return period
    return replace(period, platform=platform, key=f"{period.key}-{platform}")


def cached(request: Request, session: DB, key: tuple, build: Callable[[], Any]) -> Any:
    """`build()`'s result for `key` (and this database), kept CACHE_SECONDS; built once however
    many requests ask for it at the same moment."""
    key = (request.app.state.settings.database_url, *key)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    with _GUARD:
        lock = _BUILDING.setdefault(key, threading.Lock())
    if not lock.acquire(blocking=False):
        # Another request builds it: wait without holding a database connection (fifty
        # waiting requests would otherwise empty the pool).
        session.rollback()
        lock.acquire()
    try:
        hit = _CACHE.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        value = build()
        with _GUARD:
            now = time.monotonic()
            for old in [k for k, (until, _v) in _CACHE.items() if until <= now]:
                _CACHE.pop(old, None)
                if old != key and not _BUILDING[old].locked():
                    _BUILDING.pop(old, None)  # at worst two requests build it once more
            _CACHE[key] = (now + CACHE_SECONDS, value)
    finally:
        lock.release()
    return value


def summary(request: Request, session: DB, period: Period) -> Report:
    """The period's figures without the per-post list, from the minute-long cache."""
    settings = request.app.state.settings
    return cached(request, session,
                  ("summary", settings.timezone, period.start, period.end, period.platform),
                  lambda: build_report(session, period, settings, include_deliveries=False))


def forget_summaries() -> None:
    """Empty the cache (tests that change figures between two looks)."""
    with _GUARD:
        _CACHE.clear()


def shown_days(request: Request, period: Period) -> tuple[date | None, date | None]:
    """The first and last local day of the period (its end is the midnight after)."""
    tz = request.app.state.settings.tz
    first = period.start.astimezone(tz).date() if period.start else None
    last = (period.end - timedelta(microseconds=1)).astimezone(tz).date() if period.end else None
    return first, last


def formatters(request: Request) -> dict[str, Any]:
    lang = request_lang(request)
    return {"percent": lambda v: percent(v, lang), "num": lambda v: number(v, lang),
            "metric_labels": METRIC_LABELS, "kind_labels": kind_labels(lang),
            "base_labels": BASE_LABELS, "metrics": METRICS}


def _label(platform: str) -> str:
    from outreach.platforms import platform_class

    try:
        return platform_class(platform).label
    except (KeyError, NotImplementedError):
        return platform


def web_charts(request: Request, report: Report,
               only: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The report's charts (`only` these), titled in the page's language (server-side SVG,
    role="img" with a title: readable without script and by screen readers)."""
    lang = request_lang(request)
    pct = lambda v: percent(v, lang)  # noqa: E731
    num = lambda v: number(v, lang)  # noqa: E731
    platforms = [p for p in report.platforms if p.posts]
    day = lambda d: format_date(date.fromisoformat(d["date"]), "d MMM", locale=lang)  # noqa: E731
    measured = [t for t in report.templates if t.measured]
    weekdays = [get_day_names("abbreviated", locale=lang)[i] for i in range(7)]
    empty = _(request, "Belum ada data")
    makers: dict[str, Any] = {
        "rates": lambda: charts.bar_chart(
            [(_label(p.platform), p.rate) for p in platforms],
            title=_(request, "Tingkat interaksi per platform"), fmt=pct, empty=empty,
            notes=[_(request, "%(n)s unggahan terukur", n=p.measured) for p in platforms]),
        "trend": lambda: charts.column_chart(
            [(day(d), d["interactions"]) for d in report.daily],
            title=_(request, "Interaksi per hari terbit"), fmt=num, empty=empty),
        "daily": lambda: charts.column_chart(
            [(day(d), d["posts"]) for d in report.daily],
            title=_(request, "Unggahan per hari"), fmt=num, color=charts.ACCENT,
            empty=empty),
        "templates": lambda: charts.bar_chart(
            [(f"{kind_label(t.kind, lang)} · {_label(t.platform)}", t.rate)
             for t in measured],
            title=_(request, "Tingkat interaksi per templat"), fmt=pct, empty=empty,
            notes=[_(request, "%(n)s unggahan terukur", n=t.measured) for t in measured]),
        "heatmaps": lambda: [charts.heatmap(
            [[c.rate for c in line] for line in t.grid],
            [[c.posts for c in line] for line in t.grid],
            rows=weekdays, columns=[f"{h:02d}" for h in range(24)],
            title=_(request, "%(p)s: hari dan jam terbit", p=_label(t.platform)), fmt=pct)
            for t in report.timing],
    }
    found = {name: make() for name, make in makers.items() if only is None or name in only}
    return {k: [Markup(v) for v in val] if isinstance(val, list) else Markup(val)
            for k, val in found.items()}


def timing_view(request: Request, report: Report) -> list[dict[str, Any]]:
    """Per platform the weekdays and hours that can be compared (outreach.reports.evidence),
    and in words why no best one is named when there are too few."""
    lang = request_lang(request)
    days = [get_day_names("wide", locale=lang)[i] for i in range(7)]
    found = []
    for t in report.timing:
        view = {"platform": t.platform, "since": t.since, "posts": sum(c.posts for c in t.weekdays),
                "days": best(t.weekdays, days),
                "hours": best(t.hours, [f"{h:02d}.00" for h in range(24)])}
        view["days_missing"] = _(request, "belum cukup data (%(n)s hari dengan sedikitnya "
                                          "%(p)s unggahan terukur; perlu %(c)s)",
                                 n=len(view["days"].ranked), p=MIN_CELL_POSTS, c=MIN_CELLS)
        view["hours_missing"] = _(request, "belum cukup data (%(n)s jam dengan sedikitnya "
                                           "%(p)s unggahan terukur; perlu %(c)s)",
                                  n=len(view["hours"].ranked), p=MIN_CELL_POSTS, c=MIN_CELLS)
        found.append(view)
    return found


def has_delivery_page(request: Request) -> bool:
    """The staff pages' delivery detail exists (linked from the problem list when it does)."""
    return any(p.startswith("/deliveries/{") for p in request.app.state.page_paths)


@router.get("/reports")
def reports(request: Request, user: Manager, session: DB, start: str | None = None,
            end: str | None = None, platform: str | None = None) -> Response:
    try:
        period = period_from(request, start, end, platform)
    except BadPeriod as exc:
        return render(request, "reports_index.html", {
            "error": str(exc), "report": None, "start": start or "", "end": end or "",
            "platform": platform or "", "platforms": platform_names(), **formatters(request),
        }, status_code=400)
    report = summary(request, session, period)
    first, last = shown_days(request, period)
    return render(request, "reports_index.html", {
        "error": None, "report": report, "first": first, "last": last,
        "start": first.isoformat() if first else "", "end": last.isoformat() if last else "",
        "platform": period.platform or "", "platforms": platform_names(),
        "charts": web_charts(request, report), "timing": timing_view(request, report),
        "query": _query(first, last, period.platform), "month": _last_month(request),
        "delivery_links": has_delivery_page(request), "shown_statuses": SHOWN_STATUSES,
        "other_csv": _other_dialect(request), "min_cell_posts": MIN_CELL_POSTS,
        "min_cells": MIN_CELLS, **formatters(request),
    })


def _other_dialect(request: Request) -> str:
    """The CSV form the page's download is not: its language's is the default."""
    return "international" if request_lang(request) == "id" else "id"


def _query(first: date | None, last: date | None, platform: str | None) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in (("start", first and first.isoformat()),
                                        ("end", last and last.isoformat()),
                                        ("platform", platform)) if v})


def _last_month(request: Request) -> str:
    today = utcnow().astimezone(request.app.state.settings.tz).date()
    previous = today.replace(day=1) - timedelta(days=1)
    return f"{previous.year}-{previous.month:02d}"


@router.get("/reports/export.csv")
def export_csv(request: Request, user: Manager, session: DB, start: str | None = None,
               end: str | None = None, platform: str | None = None,
               dialect: str | None = None) -> Response:
    """One row per published post of the period with its latest metrics (the CLI's CSV), in
    the page language's form unless `dialect` ("id" or "international") says otherwise."""
    settings = request.app.state.settings
    if dialect and dialect not in DIALECTS:
        return Response(_(request, "Format CSV %(d)s tidak dikenal.", d=dialect) + "\n",
                        status_code=400, media_type="text/plain; charset=utf-8")
    try:
        period = period_from(request, start, end, platform)
    except BadPeriod as exc:
        return Response(str(exc) + "\n", status_code=400, media_type="text/plain; charset=utf-8")
    report = build_report(session, period, settings)
    try:
        # With a byte-order mark, so spreadsheet programs read the text as UTF-8.
        text = to_csv(report, settings, dialect or ("id" if request_lang(request) == "id"
                                                     else "international"), bom=True)
    except CsvDialectError:  # pragma: no cover - checked above
        return Response(status_code=400)
    name = f"outreach-report-{period.key.replace('..', '_')}.csv"
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _monthly_report(request: Request, session: DB, month: str | None) -> Report | Response:
    """The monthly evaluation's report for `month` (last month by default), or the page that
    says the month cannot be read."""
    settings = request.app.state.settings
    try:
        period = parse_period(settings, month=month or _last_month(request))
    except PeriodError:
        return render(request, "error.html", {
            "title": _(request, "Bulan tidak dapat dibaca"),
            "message": _(request, "Tulis bulan seperti 2026-11."),
        }, status_code=400)
    return build_report(session, period, settings, include_deliveries=False)


@router.get("/reports/monthly")
def monthly(request: Request, user: Manager, session: DB, month: str | None = None) -> Response:
    """The monthly evaluation (Bahasa Indonesia), a standalone page to print or save as PDF."""
    settings = request.app.state.settings
    report = _monthly_report(request, session, month)
    if isinstance(report, Response):
        return report
    return HTMLResponse(to_html(report, settings,
                                pdf_link=f"/reports/monthly.pdf?month={report.period.key}"))


@router.get("/reports/monthly.pdf")
def monthly_pdf(request: Request, user: Manager, session: DB,
                month: str | None = None) -> Response:
    """The monthly evaluation on A4 pages, to hand over or archive."""
    from outreach.reports.pdf import PdfUnavailable, to_pdf

    settings = request.app.state.settings
    report = _monthly_report(request, session, month)
    if isinstance(report, Response):
        return report
    try:
        data = to_pdf(report, settings)
    except PdfUnavailable:
        return render(request, "error.html", {
            "title": _(request, "PDF tidak dapat dibuat"),
            "message": _(request, "Pustaka PDF belum terpasang di server. Buka laporan bulanan "
                                  "lalu cetak ke PDF dari peramban."),
        }, status_code=503)
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="laporan-evaluasi-{report.period.key}.pdf"'})
