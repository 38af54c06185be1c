"""The queue (every delivery, filtered, a page at a time) and the calendar (deliveries by local
day, a week or a month at a time)."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select

from outreach.desk.browse import QueueFilter, calendar, queue_page
from outreach.models import Account
from outreach.web.areas._staff import STATUSES, local_date, page_number, platforms, query, whole
from outreach.web.auth import DB, Staff
from outreach.web.pages import _, render

router = APIRouter()
PER_PAGE = 50


def _int(value: str | None) -> int | None:
    return whole(value)


@router.get("/queue")
def queue(request: Request, user: Staff, session: DB) -> Response:
    tz = request.app.state.settings.tz
    params = request.query_params
    problems = []
    accounts = list(session.exec(select(Account).order_by(Account.platform, Account.name)))
    filt = QueueFilter()
    status = params.get("status") or None
    if status and status not in STATUSES:
        problems.append(_(request, "Status tidak dikenal diabaikan."))
    else:
        filt.status = status
    platform = params.get("platform") or None
    if platform and platform not in {name for name, _label in platforms()}:
        problems.append(_(request, "Platform tidak dikenal diabaikan."))
    else:
        filt.platform = platform
    filt.account_id = _int(params.get("account"))
    for key in ("date_from", "date_to"):
        try:
            setattr(filt, key, local_date(params.get(key)))
        except ValueError:
            problems.append(_(request, "Tanggal tidak valid diabaikan; tulis seperti 2026-12-05."))
    if filt.date_from and filt.date_to and filt.date_from > filt.date_to:
        filt.date_from, filt.date_to = filt.date_to, filt.date_from
    page = page_number(params.get("page"))
    rows, more = queue_page(session, tz, filt, page, PER_PAGE)
    return render(request, "queue_list.html", {
        "rows": rows, "filt": filt, "accounts": accounts, "statuses": STATUSES,
        "platforms": platforms(), "platform_names": dict(platforms()), "page": page,
        "problems": problems,
        "prev_url": query(request, page=page - 1 if page > 2 else None) if page > 1 else None,
        "next_url": query(request, page=page + 1) if more else None,
        "filtered": any((filt.status, filt.platform, filt.account_id, filt.date_from,
                         filt.date_to)),
    })


def _range(view: str, anchor: date) -> tuple[date, date, date, date]:
    """(first day, last day, previous anchor, next anchor) of the week or month of `anchor`."""
    if view == "month":
        first = anchor.replace(day=1)
        last = anchor.replace(day=monthrange(anchor.year, anchor.month)[1])
        before = (first - timedelta(days=1)).replace(day=1)
        after = last + timedelta(days=1)
        return first, last, before, after
    first = anchor - timedelta(days=anchor.weekday())  # weeks start on Monday (Senin)
    return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)


@router.get("/calendar")
def calendar_page(request: Request, user: Staff, session: DB) -> Response:
    tz = request.app.state.settings.tz
    params = request.query_params
    view = params.get("view", "week")
    view = view if view in ("week", "month") else "week"
    today = datetime.now(tz).date()
    problem = None
    try:
        anchor = local_date(params.get("date")) or today
    except ValueError:
        anchor = today
        problem = _(request, "Tanggal tidak valid; kalender menampilkan hari ini.")
    first, last, before, after = _range(view, anchor)
    # A month cell shows fewer (and links to the rest): a grid of 30 long lists helps nobody.
    days = calendar(session, tz, first, last, per_day=6 if view == "month" else 12)
    return render(request, "calendar_view.html", {
        "view": view, "days": days, "first": first, "last": last, "today": today,
        "problem": problem, "lead": first.weekday() if view == "month" else 0,
        "prev_url": f"/calendar?view={view}&date={before.isoformat()}",
        "next_url": f"/calendar?view={view}&date={after.isoformat()}",
        "today_url": f"/calendar?view={view}&date={today.isoformat()}",
        "other_view_url": "/calendar?view={}&date={}".format(
            "month" if view == "week" else "week", anchor.isoformat()),
        "total": sum(d.total for d in days),
        "statuses": STATUSES, "platform_names": dict(platforms()),
    })
