"""The queue (every delivery, filtered, a page at a time, today's first) with its multi-select
(approve, cancel, move), and the calendar (deliveries by local day, a week or a month at a time)
where a delivery is moved to another day by dragging it or with its "Pindahkan" form.

Both work without JavaScript (checkboxes and submit buttons, a date field per item); the
scripts in static/triage.js only add select-all, a count of what is chosen and drag and drop."""

from __future__ import annotations

from calendar import monthrange
from datetime import date, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import select

from outreach.desk.browse import QueueFilter, calendar, queue_page
from outreach.desk.editing import MOVABLE
from outreach.desk.moves import approve_many, cancel_many, move_many, move_to_day
from outreach.desk.review import Reviewer
from outreach.desk.users import role_at_least
from outreach.models import Account, Role
from outreach.web.areas._staff import (
    STATUSES,
    back_to,
    local_date,
    local_time,
    page_number,
    platforms,
    query,
    see_other,
    whole,
)
from outreach.web.areas._triage import summary
from outreach.web.auth import DB, PostedForm, Staff
from outreach.web.pages import _, flash, render

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
        "problems": problems, "is_manager": role_at_least(user.role, Role.manager),
        "here": "/queue" + query(request),
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
        "here": f"/calendar?view={view}&date={anchor.isoformat()}",
        "movable_statuses": [str(x) for x in MOVABLE],
    })


def _who(user) -> Reviewer:  # noqa: ANN001 - the signed-in User
    return Reviewer(user.email, user.id)


@router.post("/queue/bulk")
def queue_bulk(request: Request, user: Staff, session: DB, form: PostedForm) -> Response:
    """The queue's multi-select: approve (managers), cancel or move the ticked deliveries."""
    origin = back_to(form.get("next"), "/queue")
    action = str(form.get("action") or "")
    ids = [i for i in (whole(v) for v in form.getlist("ids")) if i is not None]
    if action not in ("approve", "cancel", "move"):
        flash(request, _(request, "Pilih tindakan: setujui, batalkan atau pindahkan."), "error")
        return see_other(origin)
    if not ids:
        flash(request, _(request, "Belum ada kiriman yang dipilih: centang kiriman di daftar "
                                  "lalu pilih tindakannya."), "warn")
        return see_other(origin)
    if action == "approve" and not role_at_least(user.role, Role.manager):
        flash(request, _(request, "Hanya manajer yang dapat menyetujui kiriman."), "error")
        return see_other(origin)
    settings = request.app.state.settings
    if action == "move":
        try:
            at = local_time(str(form.get("at") or ""), settings.tz)
        except ValueError:
            at = None
        if at is None:
            flash(request, _(request, "Pilih tanggal dan jam tujuan untuk memindahkan "
                                      "kiriman."), "error")
            return see_other(origin)
        outcome = move_many(session, settings, ids, at, who=_who(user), role=user.role)
    elif action == "cancel":
        outcome = cancel_many(session, ids, who=_who(user), role=user.role)
    else:
        outcome = approve_many(session, settings, ids, who=_who(user))
    for kind, text in summary(request, action, outcome):
        flash(request, text, kind)
    return see_other(origin)


@router.post("/calendar/move")
def calendar_move(request: Request, user: Staff, session: DB, form: PostedForm) -> Response:
    """One delivery to another day at the same time of day (drag and drop, or the item's
    "Pindahkan" form). Answers JSON to the page's script, a redirect with a message otherwise."""
    origin = back_to(form.get("next"), "/calendar")
    wants_json = "application/json" in request.headers.get("accept", "")
    raw_id = str(form.get("id") or "")
    try:
        day = local_date(str(form.get("day") or ""))
    except ValueError:
        day = None
    delivery_id = whole(raw_id)
    if delivery_id is None or day is None:
        message = _(request, "Pilih tanggal tujuan (misalnya 2026-12-05).")
        if wants_json:
            return JSONResponse({"ok": False, "message": message}, status_code=400)
        flash(request, message, "error")
        return see_other(origin)
    outcome = move_to_day(session, request.app.state.settings, delivery_id, day,
                          who=_who(user), role=user.role)
    said = summary(request, "move", outcome)
    if wants_json:
        if outcome.done:  # the script reloads the page, which shows this
            flash(request, said[0][1])
        # A refusal is an answer, not an error: 200 with ok false (the page says it in words).
        return JSONResponse({"ok": bool(outcome.done), "message": " ".join(t for _k, t in said)})
    for kind, text in said:
        flash(request, text, "ok" if kind == "ok" else "error")
    return see_other(origin)
