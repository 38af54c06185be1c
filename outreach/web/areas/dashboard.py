"""The manager's dashboard: engagement at a glance for a recent period (default the last 30
days) — totals per platform and metric, the trend, the top posts, and what waits for a person.

The figures come from `reports.summary()`, and the counts of what waits for a person (approvals,
questions) beside them from the same minute-long cache: built once for any number of
simultaneous viewers.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from outreach.desk.review import pending_count
from outreach.engagement import feedback
from outreach.web.areas.reports import (
    BadPeriod,
    cached,
    formatters,
    period_from,
    platform_names,
    shown_days,
    summary,
    web_charts,
)
from outreach.web.auth import DB, Manager
from outreach.web.pages import render

router = APIRouter()
PERIODS = (7, 30, 90, 365)
TOP = 5


@router.get("/dashboard")
def dashboard(request: Request, user: Manager, session: DB, days: int = 30,
              platform: str | None = None) -> Response:
    status = 200
    error = None
    if days not in PERIODS:
        days, status = 30, 400
    try:
        period = period_from(request, None, None, platform, days=days)
    except BadPeriod as exc:
        error, status, platform = str(exc), 400, None
        period = period_from(request, None, None, None, days=days)
    report = summary(request, session, period)
    first, last = shown_days(request, period)
    posts = sum(p.posts for p in report.platforms)
    interactions = sum(p.interactions or 0 for p in report.platforms)
    return render(request, "dashboard_index.html", {
        "error": error, "report": report, "first": first, "last": last, "days": days,
        "periods": PERIODS, "platform": period.platform or "", "platforms": platform_names(),
        "posts": posts, "interactions": interactions, "top": report.top_posts[:TOP],
        "charts": web_charts(request, report, ("trend", "rates")),
        **cached(request, session, ("waiting",), lambda: {
            "pending": pending_count(session), "feedback": feedback.counts(session)}),
        "report_query": f"start={first}&end={last}"
                        + (f"&platform={period.platform}" if period.platform else ""),
        **formatters(request),
    }, status_code=status)
