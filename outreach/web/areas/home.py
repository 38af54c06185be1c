"""The home page: what is waiting, what is next, and whether the accounts are healthy."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func
from sqlmodel import select

from outreach.desk.browse import needs_person_count
from outreach.desk.changed_events import announced_then_changed
from outreach.desk.queue import last_ticks, status_counts
from outreach.desk.review import Reviewer, pending_posts
from outreach.desk.users import role_at_least
from outreach.models import Account, Delivery, DeliveryStatus
from outreach.web.auth import DB, Staff
from outreach.web.pages import render

router = APIRouter()


@router.get("/")
def home(request: Request, user: Staff, session: DB) -> Response:
    counts = status_counts(session)
    next_due = session.exec(
        select(func.min(Delivery.scheduled_at)).where(Delivery.status == DeliveryStatus.scheduled)
    ).one()
    accounts = session.exec(select(Account).where(Account.source != "removed")
                            .order_by(Account.platform, Account.name)).all()
    clock = [t for t in last_ticks(session) if t.role == "clock"]
    manager = role_at_least(user.role, "manager")
    pending = counts.get(DeliveryStatus.pending_review.value, 0)
    if not manager:  # staff cannot open /approvals: their own posts waiting, on "Posting saya"
        pending = len(pending_posts(session, limit=100, author=Reviewer(user.email, user.id)))
    return render(request, "home.html", {
        "counts": counts,
        # What the inbox lists: deliveries, and events changed after they were announced.
        "needs_person": needs_person_count(session) + len(announced_then_changed(session)),
        "pending": pending,
        "pending_link": "/approvals" if manager else "/approvals/mine",
        "next_due": next_due,
        "accounts": accounts,
        "last_tick": clock[0].last_tick_at if clock else None,
    })
