"""A report as JSON (the contract of docs/architecture.md, then the rest), CSV (one row per post,
for a spreadsheet), a plain-text table (the terminal) and HTML (the monthly evaluation, Bahasa
Indonesia first, printable to PDF)."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from rich.console import Console
from rich.table import Table

from outreach.config import Settings
from outreach.models import METRICS
from outreach.reports import charts
from outreach.reports.build import DeliveryRow, Report, Timing

FORMATS = ("table", "csv", "json", "html")
TEMPLATES = Path(__file__).resolve().parent / "templates"
WEEKDAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
PLATFORM_LABELS = {"x": "X", "facebook": "Facebook", "instagram": "Instagram"}
METRIC_LABELS = {"views": "tayangan", "reach": "jangkauan", "likes": "suka",
                 "comments": "komentar", "shares": "dibagikan", "saves": "disimpan",
                 "clicks": "klik"}
STATUS_LABELS = {"failed": "gagal", "missed": "terlewat", "unconfirmed": "belum pasti",
                 "held": "ditahan", "cancelled": "dibatalkan", "published": "terbit"}
MIN_EVIDENCE = 3  # posts behind a weekday or hour before it is called "best"


def _iso(value: datetime | None, settings: Settings) -> str | None:
    return value.astimezone(settings.tz).isoformat() if value else None


def _delivery_json(row: DeliveryRow, settings: Settings) -> dict[str, Any]:
    return {"id": row.id, "platform": row.platform, "remote_id": row.remote_id,
            "metrics": dict(row.metrics), "account": row.account, "kind": row.kind,
            "template": row.template, "remote_url": row.remote_url,
            "published_at": _iso(row.published_at, settings), "removed": row.removed,
            "snapshot_at": _iso(row.snapshot_at, settings), "interactions": row.interactions,
            "engagement_rate": row.rate, "rate_base": row.rate_base}


def _timing_json(t: Timing) -> dict[str, Any]:
    def cell(c) -> dict:  # noqa: ANN001
        return {"posts": c.posts, "measured": c.measured, "rate": c.rate}

    return {"platform": t.platform, "since": t.since.isoformat(), "until": t.until.isoformat(),
            "weekdays": [{"weekday": i, **cell(c)} for i, c in enumerate(t.weekdays)],
            "hours": [{"hour": h, **cell(c)} for h, c in enumerate(t.hours)],
            "grid": [[cell(c) for c in line] for line in t.grid]}


def to_json(report: Report, settings: Settings) -> dict[str, Any]:
    """`{"totals": {platform: {metric: n}}, "deliveries": [{"id", "platform", "remote_id",
    "metrics"}, ...]}` (a contract), with each delivery's latest snapshot; then the summary."""
    cov, prob, fb = report.coverage, report.problems, report.feedback
    return {
        "totals": report.totals,
        "deliveries": [_delivery_json(r, settings) for r in report.deliveries],
        "period": report.period.as_dict(settings),
        "generated_at": _iso(report.generated_at, settings),
        "summary": {
            "platforms": [{**p.__dict__} for p in report.platforms],
            "posts_by": report.posts_by,
            "top_posts": [_delivery_json(r, settings) for r in report.top_posts],
            "timing": [_timing_json(t) for t in report.timing],
            "templates": [{**t.__dict__} for t in report.templates],
            "coverage": {**{k: v for k, v in cov.__dict__.items() if not k.endswith("missed")},
                         "titles_missed": [{**m, "catalogued_at": _iso(m["catalogued_at"],
                                                                       settings)}
                                           for m in cov.titles_missed],
                         "events_missed": [{**m, "starts_at": _iso(m["starts_at"], settings)}
                                           for m in cov.events_missed]},
            "problems": {"counts": prob.counts, "items": [
                {**i, "scheduled_at": _iso(i["scheduled_at"], settings)} for i in prob.items]},
            "feedback": {**fb.__dict__},
            "daily": report.daily,
        },
    }


CSV_COLUMNS = ["id", "platform", "account", "kind", "template", "published_at", "remote_id",
               "remote_url", "removed", "snapshot_at", *METRICS, "interactions",
               "engagement_rate", "rate_base", "text"]


# A spreadsheet takes a cell starting with one of these as a formula: `=HYPERLINK(...)` typed
# into a post would run when the export is opened (OWASP, "CSV Injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def safe_cell(value: object) -> object:
    """A text cell that would start a formula, prefixed with ' so it is shown as text; numbers
    (a negative one too, or its text such as "-0.5") stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.match(value):
        return "'" + value
    return value


def to_csv(report: Report, settings: Settings) -> str:
    """One row per published post of the period, with its latest metrics."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in report.deliveries:
        writer.writerow(safe_cell(cell) for cell in [
            r.id, r.platform, r.account, r.kind, r.template or "",
            _iso(r.published_at, settings), r.remote_id or "", r.remote_url or "",
            "yes" if r.removed else "", _iso(r.snapshot_at, settings) or "",
            *["" if r.metrics[m] is None else r.metrics[m] for m in METRICS],
            "" if r.interactions is None else r.interactions,
            "" if r.rate is None else f"{r.rate:.6f}", r.rate_base or "", r.text])
    return buffer.getvalue()


# -- words and numbers for people ----------------------------------------------------------
def number(value: float | None, locale: str = "id") -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.#", locale=locale)


def percent(value: float | None, locale: str = "id") -> str:
    return "—" if value is None else format_percent(value, format="#,##0.0%", locale=locale)


def best(cells: list, labels: list[str], count: int = 3) -> list[dict[str, Any]]:
    """The cells with the highest rate among those with enough posts behind them."""
    ranked = sorted(((c.rate, i) for i, c in enumerate(cells)
                     if c.rate is not None and c.measured >= MIN_EVIDENCE), reverse=True)
    return [{"label": labels[i], "rate": r, "posts": cells[i].posts,
             "measured": cells[i].measured} for r, i in ranked[:count]]


def to_text(report: Report, settings: Settings, width: int = 120) -> str:
    """What `outreach report` prints in a terminal (English, like the other commands)."""
    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    console.print(f"Engagement report: {report.period.label} ({settings.timezone})")
    table = Table("platform", "posts", "measured", *METRICS, "interactions", "rate", "per",
                  title="By platform (rate: interactions per reach, else per view)")
    for p in report.platforms:
        table.add_row(PLATFORM_LABELS.get(p.platform, p.platform), str(p.posts),
                      str(p.measured), *[number(p.totals[m], "en") for m in METRICS],
                      number(p.interactions, "en"), percent(p.rate, "en"), p.rate_base or "—")
    console.print(table)
    top = Table("id", "platform", "published", "interactions", "rate", "text",
                title="Top posts")
    for r in report.top_posts:
        top.add_row(str(r.id), r.platform,
                    r.published_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
                    number(r.interactions, "en"), percent(r.rate, "en"), r.text[:50])
    console.print(top)
    english_days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    for t in report.timing:
        name = PLATFORM_LABELS.get(t.platform, t.platform)
        for what, cells, labels in (
                ("best days", t.weekdays, list(english_days)),
                ("best hours", t.hours, [f"{h:02d}:00" for h in range(24)])):
            said = "; ".join(f"{d['label']} {percent(d['rate'], 'en')} (n={d['measured']})"
                             for d in best(cells, labels))
            console.print(f"{name}, {what}: {said or 'not enough measured posts yet'}")
    tmpl = Table("kind", "template", "platform", "posts", "interactions/post", "rate",
                 title="Templates")
    for t in report.templates:
        tmpl.add_row(t.kind, t.label, t.platform, str(t.posts),
                     number(t.interactions / t.measured if t.interactions is not None
                            and t.measured else None, "en"), percent(t.rate, "en"))
    console.print(tmpl)
    cov = report.coverage
    console.print(f"Coverage: new titles announced {cov.titles_announced} of {cov.titles_new} "
                  f"({percent(cov.titles_share, 'en')}); events {cov.events_announced} of "
                  f"{cov.events_new} ({percent(cov.events_share, 'en')})")
    prob = report.problems
    console.print("Problems: " + (", ".join(
        f"{s} {n}" for s, n in prob.counts.items()
        if n and s in ("failed", "missed", "unconfirmed", "held", "cancelled")) or "none"))
    for item in prob.items[:10]:
        console.print(f"  #{item['id']} {item['platform']} {item['status']}: "
                      f"{item['error'] or ''}"[:width])
    fb = report.feedback
    console.print(f"Feedback: {fb.received} comments, {fb.questions} questions, "
                  f"{fb.open_questions} not answered yet")
    return console.file.getvalue()


# -- HTML ---------------------------------------------------------------------------------------
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(number=number, percent=percent)
    return env


def charts_for(report: Report) -> dict[str, Any]:
    """The SVG charts of the monthly report (also for the web UI)."""
    platforms = [p for p in report.platforms if p.posts]
    found: dict[str, Any] = {
        "rates": charts.bar_chart(
            [(PLATFORM_LABELS.get(p.platform, p.platform), p.rate) for p in platforms],
            title="Tingkat interaksi per platform", fmt=lambda v: percent(v),
            notes=[f"{p.measured} unggahan" for p in platforms]),
        "daily": charts.column_chart(
            [(format_date(datetime.fromisoformat(d["date"]), "d MMM", locale="id"),
              d["posts"]) for d in report.daily],
            title="Unggahan per hari", fmt=lambda v: number(v)),
        "templates": charts.bar_chart(
            [(f"{t.kind} · {PLATFORM_LABELS.get(t.platform, t.platform)}", t.rate)
             for t in report.templates if t.measured],
            title="Tingkat interaksi per templat", fmt=lambda v: percent(v),
            notes=[f"{t.measured} unggahan" for t in report.templates if t.measured]),
        "heatmaps": [],
    }
    for t in report.timing:
        found["heatmaps"].append(Markup(charts.heatmap(
            [[c.rate for c in line] for line in t.grid],
            [[c.posts for c in line] for line in t.grid],
            rows=list(WEEKDAYS), columns=[f"{h:02d}" for h in range(24)],
            title=f"{PLATFORM_LABELS.get(t.platform, t.platform)}: hari dan jam",
            fmt=lambda v: percent(v))))
    return {k: Markup(v) if isinstance(v, str) else v for k, v in found.items()}


def findings(report: Report) -> list[str]:
    """A few sentences a manager can act on, from the figures (Bahasa Indonesia)."""
    lines = []
    rated = [p for p in report.platforms if p.rate is not None and p.measured >= MIN_EVIDENCE]
    if rated:
        top = max(rated, key=lambda p: p.rate)
        base = "jangkauan" if top.rate_base == "reach" else "tayangan"
        lines.append(f"Tingkat interaksi tertinggi ada di {PLATFORM_LABELS.get(top.platform)}: "
                     f"{percent(top.rate)} dari {base} ({top.measured} unggahan terukur).")
    if report.top_posts:
        p = report.top_posts[0]
        lines.append(f"Unggahan dengan interaksi terbanyak: \u201c{p.text[:80]}\u201d di "
                     f"{PLATFORM_LABELS.get(p.platform)} ({number(p.interactions)} interaksi).")
    for t in report.timing:
        days = best(t.weekdays, list(WEEKDAYS), 1)
        hours = best(t.hours, [f"{h:02d}.00" for h in range(24)], 1)
        if days and hours:
            lines.append(f"Di {PLATFORM_LABELS.get(t.platform)}, unggahan hari {days[0]['label']} "
                         f"(n={days[0]['measured']}) dan sekitar pukul {hours[0]['label']} "
                         f"(n={hours[0]['measured']}) paling banyak ditanggapi.")
    missed = report.coverage.titles_new - report.coverage.titles_announced
    if missed > 0:
        lines.append(f"{number(missed)} judul baru belum diumumkan di media sosial.")
    if report.problems.needing_person:
        lines.append(f"{number(report.problems.needing_person)} unggahan gagal, terlewat atau "
                     "belum pasti dan perlu ditindaklanjuti staf.")
    if report.feedback.open_questions:
        lines.append(f"{number(report.feedback.open_questions)} pertanyaan dari masyarakat "
                     "belum dijawab.")
    return lines


def to_html(report: Report, settings: Settings) -> str:
    """The monthly evaluation a manager hands to the head of the library."""
    tz = settings.tz
    timing = [{"platform": PLATFORM_LABELS.get(t.platform, t.platform),
               "since": format_date(t.since.astimezone(tz), "d MMMM y", locale="id"),
               "days": best(t.weekdays, list(WEEKDAYS)),
               "hours": best(t.hours, [f"{h:02d}.00" for h in range(24)]),
               "posts": sum(c.posts for c in t.weekdays)} for t in report.timing]
    return _environment().get_template("monthly.html.j2").render(
        r=report, settings=settings, charts=charts_for(report), timing=timing,
        findings=findings(report),
        labels=PLATFORM_LABELS, metric_labels=METRIC_LABELS, metrics=METRICS,
        status_labels=STATUS_LABELS,
        when=lambda v, fmt="d MMM y HH.mm": format_datetime(v.astimezone(tz), fmt, locale="id")
        if v else "—",
        generated=format_datetime(report.generated_at.astimezone(tz), "d MMMM y HH.mm",
                                  locale="id"))
