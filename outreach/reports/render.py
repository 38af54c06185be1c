"""A report as JSON (the contract of docs/architecture.md, then the rest), CSV (one row per post,
for a spreadsheet: outreach.reports.csvfile), a plain-text table (the terminal) and HTML (the
monthly evaluation, Bahasa Indonesia first; as an A4 PDF: outreach.reports.pdf)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any

from babel.dates import format_date, format_datetime
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from rich.console import Console
from rich.padding import Padding
from rich.table import Table

from outreach.config import Settings
from outreach.models import METRICS
from outreach.platforms.reasons import translate
from outreach.reports import charts
from outreach.reports.build import DeliveryRow, Report, Timing
from outreach.reports.csvfile import dialect_for, report_csv
from outreach.reports.evidence import MIN_CELL_POSTS, MIN_CELLS, Best, best_cells
from outreach.reports.findings import (
    PLATFORM_LABELS,
    findings,
    findings_rule,
    hour_labels,
    platform_label,
    weekday_names,
)
from outreach.reports.period import period_label
from outreach.reports.words import kind_label, number, percent, say, zone_name

FORMATS = ("table", "csv", "json", "html", "pdf")
TEMPLATES = Path(__file__).resolve().parent / "templates"
STATUSES = ("failed", "missed", "unconfirmed", "held", "cancelled", "published")


def metric_labels(locale: str = "id") -> dict[str, str]:
    return {m: say(f"m_{m}", locale) for m in METRICS}


def status_labels(locale: str = "id") -> dict[str, str]:
    return {s: say(f"s_{s}", locale) for s in STATUSES}


def _iso(value: datetime | None, settings: Settings) -> str | None:
    return value.astimezone(settings.tz).isoformat() if value else None


def _delivery_json(row: DeliveryRow, settings: Settings) -> dict[str, Any]:
    return {"id": row.id, "platform": row.platform, "remote_id": row.remote_id,
            "metrics": dict(row.metrics), "account": row.account, "kind": row.kind,
            "template": row.template, "remote_url": row.remote_url,
            "published_at": _iso(row.published_at, settings), "removed": row.removed,
            "snapshot_at": _iso(row.snapshot_at, settings), "interactions": row.interactions,
            "engagement_rate": row.rate, "rate_base": row.rate_base, "subject": row.subject}


def _timing_json(t: Timing) -> dict[str, Any]:
    def cell(c) -> dict:  # noqa: ANN001
        return {"posts": c.posts, "measured": c.measured, "rate": c.rate}

    return {"platform": t.platform, "since": t.since.isoformat(), "until": t.until.isoformat(),
            "weekdays": [{"weekday": i, **cell(c)} for i, c in enumerate(t.weekdays)],
            "hours": [{"hour": h, **cell(c)} for h, c in enumerate(t.hours)],
            "grid": [[cell(c) for c in line] for line in t.grid],
            "best": {"weekdays": best_cells(t.weekdays, list(range(7))).as_dict(),
                     "hours": best_cells(t.hours, list(range(24))).as_dict()}}


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
            "coverage": {**cov.as_dict(),
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


def to_csv(report: Report, settings: Settings, dialect: str | None = None, *,
           bom: bool = False) -> str:
    """One row per published post of the period, with its latest metrics, in the CSV form
    `dialect` ("id" or "international"; by default OUTREACH_LOCALE's)."""
    return report_csv(report, settings, dialect_for(dialect, settings.locale), bom=bom)


def best(cells: list, labels: list[str]) -> Best:
    """The weekdays or hours that can be compared and whether a winner can be named."""
    return best_cells(cells, labels)


def _base(base: str | None, locale: str) -> str:
    return say(base, locale) if base in ("reach", "views", "reach/views") else "—"


def to_text(report: Report, settings: Settings, width: int = 120) -> str:
    """What `outreach report` prints in a terminal: the report in OUTREACH_LOCALE's language,
    like the monthly evaluation (the CLI's own messages around it stay English)."""
    loc, tz = settings.locale, settings.tz

    def t(key: str, **values: object) -> str:
        return say(key, loc, **values)

    def num(value: float | None) -> str:
        return number(value, loc)

    def pct(value: float | None) -> str:
        return percent(value, loc)

    def head(key: str) -> str:
        return t(key)[:1].upper() + t(key)[1:]

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False)
    console.print(t("x_title", period=period_label(report.period, settings, loc),
                    zone=zone_name(tz, loc)))
    # One column per platform and a row per figure: Indonesian heads are long, and thirteen
    # columns side by side would not fit a terminal.
    table = Table("", *[platform_label(p.platform) for p in report.platforms],
                  title=t("h_by_platform"))
    for label, cells in (
            (t("c_posts"), [num(p.posts) for p in report.platforms]),
            (t("c_measured"), [num(p.measured) for p in report.platforms]),
            *[(head(f"m_{m}"), [num(p.totals[m]) for p in report.platforms]) for m in METRICS],
            (t("c_interactions"), [num(p.interactions) for p in report.platforms]),
            (t("c_rate"), [pct(p.rate) for p in report.platforms]),
            (t("x_base"), [_base(p.rate_base, loc) for p in report.platforms])):
        table.add_row(label, *cells)
    console.print(table)
    top = Table("#", t("c_platform"), t("c_published"), t("c_interactions"), t("c_rate"),
                t("x_subject"), title=t("h_top_posts"))
    for r in report.top_posts:
        top.add_row(str(r.id), platform_label(r.platform),
                    format_datetime(r.published_at.astimezone(tz), "d MMM y HH.mm", locale=loc),
                    num(r.interactions), pct(r.rate), r.subject[:50])
    console.print(top)
    for tm in report.timing:
        for what, cells, labels in (("days", tm.weekdays, weekday_names(loc)),
                                    ("hours", tm.hours, hour_labels())):
            found = best(cells, labels)
            said = "; ".join(f"{d['label']} {pct(d['rate'])} (n={d['measured']})"
                             for d in found.ranked[:3])
            console.print(f"{platform_label(tm.platform)}, {t('best_' + what)}: "
                          + (said if found.enough else not_enough(found, what, loc)))
    tmpl = Table(t("c_kind"), t("c_template"), t("c_platform"), t("c_posts"), t("c_per_post"),
                 t("c_rate"), title=t("h_which_wording_works"))
    for w in report.templates:
        tmpl.add_row(kind_label(w.kind, loc), w.label, platform_label(w.platform), num(w.posts),
                     num(w.interactions / w.measured if w.interactions is not None
                         and w.measured else None), pct(w.rate))
    console.print(tmpl)
    cov = report.coverage
    console.print(t("h_coverage_what_was_announced"))
    console.print(Padding(
        t("coverage_titles", new=num(cov.titles_new), announced=num(cov.titles_announced),
          share=pct(cov.titles_share), scheduled=num(cov.titles_scheduled),
          unplanned=num(cov.titles_unplanned)) + "\n"
        + t("coverage_events", new=num(cov.events_new), announced=num(cov.events_announced),
            share=pct(cov.events_share), scheduled=num(cov.events_scheduled),
            unplanned=num(cov.events_unplanned)), (0, 0, 0, 2), expand=False))
    prob, statuses = report.problems, status_labels(loc)
    console.print(f"{t('h_failures_and_missed_posts')}: " + (", ".join(
        f"{statuses[s]} {num(n)}" for s, n in prob.counts.items()
        if n and s in STATUSES and s != "published") or t("x_none")))
    for item in prob.items[:10]:
        console.print(Padding(f"#{item['id']} {platform_label(item['platform'])} "
                              f"{statuses.get(item['status'], item['status'])}: "
                              f"{translate(item['error'], loc)}", (0, 0, 0, 2),
                              expand=False))
    fb = report.feedback
    console.print(t("h_the_publics_feedback"))
    console.print(Padding(
        t("fb_received", n=num(fb.received), q=num(fb.questions)) + " "
        + t("fb_handled", answered=num(fb.answered), irrelevant=num(fb.not_relevant),
            open=num(fb.open), open_q=num(fb.open_questions)), (0, 0, 0, 2), expand=False))
    return console.file.getvalue()


# -- HTML ---------------------------------------------------------------------------------------
def _environment(locale: str = "id") -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters.update(number=lambda v: number(v, locale), percent=lambda v: percent(v, locale))
    return env


def charts_for(report: Report, locale: str = "id") -> dict[str, Any]:
    """The SVG charts of the monthly report, in the locale's language."""
    platforms = [p for p in report.platforms if p.posts]
    found: dict[str, Any] = {
        "rates": charts.bar_chart(
            [(PLATFORM_LABELS.get(p.platform, p.platform), p.rate) for p in platforms],
            title=say("chart_rates", locale), empty=say("chart_empty", locale),
            fmt=lambda v: percent(v, locale),
            notes=[say("n_posts", locale, n=p.measured) for p in platforms]),
        "daily": charts.column_chart(
            [(format_date(datetime.fromisoformat(d["date"]), "d MMM", locale=locale),
              d["posts"]) for d in report.daily],
            title=say("chart_daily", locale), empty=say("chart_empty", locale),
            fmt=lambda v: number(v, locale)),
        "templates": charts.bar_chart(
            [(f"{kind_label(t.kind, locale)} · {PLATFORM_LABELS.get(t.platform, t.platform)}",
              t.rate) for t in report.templates if t.measured],
            title=say("chart_templates", locale), empty=say("chart_empty", locale),
            fmt=lambda v: percent(v, locale),
            notes=[say("n_posts", locale, n=t.measured) for t in report.templates
                   if t.measured]),
        "heatmaps": [],
    }
    for t in report.timing:
        found["heatmaps"].append(Markup(charts.heatmap(
            [[c.rate for c in line] for line in t.grid],
            [[c.posts for c in line] for line in t.grid],
            rows=weekday_names(locale), columns=[f"{h:02d}" for h in range(24)],
            title=say("chart_heatmap", locale,
                      platform=PLATFORM_LABELS.get(t.platform, t.platform)),
            fmt=lambda v: percent(v, locale), legend=say("chart_legend", locale))))
    return {k: Markup(v) if isinstance(v, str) else v for k, v in found.items()}


def _timing_view(report: Report, settings: Settings) -> list[dict[str, Any]]:
    locale = settings.locale
    return [{"platform": PLATFORM_LABELS.get(t.platform, t.platform),
             "since": format_date(t.since.astimezone(settings.tz), "d MMMM y", locale=locale),
             "days": best(t.weekdays, weekday_names(locale)),
             "hours": best(t.hours, hour_labels()),
             "posts": sum(c.posts for c in t.weekdays)} for t in report.timing]


def not_enough(found: Best, what: str, locale: str) -> str:
    """Why no best day (what="days") or hour is named."""
    return say("not_enough", locale, cells=say(f"cells_{what}", locale, n=len(found.ranked)),
               posts=MIN_CELL_POSTS, need=MIN_CELLS)


def to_html(report: Report, settings: Settings, *, pdf_link: str | None = None,
            for_print: bool = False) -> str:
    """The monthly evaluation a manager hands to the head of the library (`pdf_link`: where the
    page offers its PDF; `for_print`: the PDF's own rendering)."""
    tz = settings.tz
    locale = settings.locale
    return _environment(locale).get_template("monthly.html.j2").render(
        r=report, settings=settings, charts=charts_for(report, locale),
        timing=_timing_view(report, settings),
        findings=findings(report, locale), findings_rule=findings_rule(locale),
        labels=PLATFORM_LABELS, metric_labels=metric_labels(locale), metrics=METRICS,
        status_labels=status_labels(locale), kind_label=lambda k: kind_label(k, locale),
        said=lambda text: translate(text, locale), pdf_link=pdf_link, for_print=for_print,
        t=lambda key, **kw: say(key, locale, **kw),
        locale=locale, zone=zone_name(tz, locale),
        period=period_label(report.period, settings, locale),
        not_enough=lambda found, what: not_enough(found, what, locale),
        timing_rule=say("timing_rule", locale, posts=MIN_CELL_POSTS, cells=MIN_CELLS),
        when=lambda v, fmt="d MMM y HH.mm": format_datetime(v.astimezone(tz), fmt, locale=locale)
        if v else "—",
        generated=format_datetime(report.generated_at.astimezone(tz), "d MMMM y HH.mm",
                                  locale=locale))
