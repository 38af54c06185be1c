"""The home page: what needs a person today (per role: each line links to a page that role may
open), what is waiting, what is next, and whether the accounts are healthy."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, or_
from sqlmodel import Session, select

from outreach.desk.browse import needs_person_count
from outreach.desk.changed_events import announced_then_changed
from outreach.desk.lifetimes import attention
from outreach.desk.queue import last_ticks, status_counts
from outreach.desk.review import Reviewer, pending_count, pending_posts, returned_posts
from outreach.desk.users import role_at_least
from outreach.engagement.feedback import counts as feedback_counts
from outreach.models import (
    NEEDS_PERSON,
    Account,
    AccountHealth,
    Delivery,
    DeliveryStatus,
    Post,
    User,
)
from outreach.web.auth import DB, Staff
from outreach.web.pages import N_, render

router = APIRouter()
SHOWN = 5  # deliveries named one by one; the rest are counted


def _mine(user: User) -> Any:
    """SQL: a post written by `user` (the same user row, or the same e-mail)."""
    return or_(Post.author_id == user.id, func.lower(Post.author) == user.email.lower())


def todo(session: Session, user: User) -> list[dict[str, Any]]:
    """Today's list of what needs this person, by role: (label, count, link) and, for their own
    posts that stopped, each post. Only lines with something to do."""
    lines: list[dict[str, Any]] = []
    me = Reviewer(user.email, user.id)
    returned = returned_posts(session, me, limit=SHOWN)
    if returned:
        lines.append({"label": N_("Unggahan saya yang dikembalikan manajer"),
                      "count": len(returned), "href": "/approvals/mine"})
    stopped = session.exec(
        select(Delivery.id, Delivery.platform, Delivery.text, Delivery.status)
        .join(Post, Post.id == Delivery.post_id)
        .where(Delivery.status.in_(NEEDS_PERSON), _mine(user))
        .order_by(Delivery.scheduled_at.desc()).limit(SHOWN + 1)).all()
    if stopped:
        lines.append({"label": N_("Kiriman saya yang gagal atau tertahan"),
                      "count": len(stopped) if len(stopped) <= SHOWN else f"{SHOWN}+",
                      "href": "/inbox",
                      "items": [{"href": f"/deliveries/{i}", "platform": p,
                                 "text": (t or "").splitlines()[0][:80] if t else "",
                                 "status": s} for i, p, t, s in stopped[:SHOWN]]})
    questions = feedback_counts(session)["open_questions"]
    if questions:
        lines.append({"label": N_("Pertanyaan masyarakat yang belum dijawab"),
                      "count": questions, "href": "/feedback?questions=1"})
    if role_at_least(user.role, "manager"):
        waiting = pending_count(session)
        if waiting:
            lines.append({"label": N_("Unggahan menunggu persetujuan Anda"), "count": waiting,
                          "href": "/approvals"})
    if role_at_least(user.role, "admin"):
        troubled = session.exec(select(func.count()).select_from(Account).where(
            Account.source != "removed",
            or_(Account.health != AccountHealth.ok, Account.reconnect_reason.is_not(None)))
        ).one()
        if troubled:
            lines.append({"label": N_("Akun platform yang perlu diperhatikan"),
                          "count": troubled, "href": "/admin/accounts"})
    return lines


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
    if not manager:  # staff cannot open /approvals: their own posts waiting, on "Unggahan saya"
        pending = len(pending_posts(session, limit=100, author=Reviewer(user.email, user.id)))
    return render(request, "home.html", {
        "counts": counts,
        # What the inbox lists: deliveries, events changed after they were announced, and
        # accounts whose access ends or ended.
        "needs_person": needs_person_count(session) + len(announced_then_changed(session))
        + len(attention(session)),
        "pending": pending,
        "pending_link": "/approvals" if manager else "/approvals/mine",
        "questions": feedback_counts(session)["open_questions"],
        "todo": todo(session, user),
        "next_due": next_due,
        "accounts": accounts,
        "last_tick": clock[0].last_tick_at if clock else None,
    })
