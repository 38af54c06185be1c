"""Approvals: managers review the posts that wait for them (`outreach.desk.review` holds the rules),
and authors see the posts a manager sent back, with the reason, and send them again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from outreach.desk.preview import PreviewError, preview
from outreach.desk.review import (
    MAX_REASON,
    NoSuchPost,
    NothingWaiting,
    OwnPost,
    PendingPost,
    Reviewer,
    ReviewError,
    approve,
    is_author,
    pending_count,
    pending_posts,
    reject,
    resubmit,
    returned_posts,
)
from outreach.desk.users import role_at_least
from outreach.media import MediaError, ensure_asset
from outreach.models import User, utcnow
from outreach.web.auth import DB, Manager, Staff
from outreach.web.pages import _, error_text, flash, render

router = APIRouter()
PAGE = 25


def reviewer(user: User) -> Reviewer:
    return Reviewer(actor=user.email, user_id=user.id)


def _image(session: DB, path: str, alt: str, facts: str) -> dict[str, Any]:
    """An image as the page shows it: served through /media by its unguessable token."""
    try:
        asset = ensure_asset(session, path)
        src = f"/media/{asset.token}/{asset.filename}"
    except MediaError:
        src = None  # the file is gone: the page says so instead of showing a broken image
    return {"src": src, "alt": alt, "facts": facts, "name": path.rsplit("/", 1)[-1]}


def _view(request: Request, session: DB, item: PendingPost, user: User) -> dict[str, Any]:
    """One post for the page: each delivery's text (thread parts), images, warnings."""
    settings = request.app.state.settings
    pending = {d.id for d, _a in item.deliveries}
    try:
        shown = [p for p in preview(session, item.deliveries[0][0].id, settings)
                 if p.id in pending]
    except PreviewError:
        shown = []
    return {
        "post": item.post,
        "author": item.author_name,
        "own": is_author(item.post, reviewer(user)),
        "first_at": item.first_at,
        "deliveries": [{
            "id": p.id, "platform": p.platform, "label": p.label, "account": p.account,
            "status": p.status, "scheduled_at": p.scheduled_at, "parts": p.parts,
            "counting": p.counting, "hashtags": p.hashtags, "hashtag_cap": p.hashtag_cap,
            "problems": p.problems,
            "images": [_image(session, i.path, i.alt_text, i.facts) for i in p.images],
        } for p in shown],
    }


@router.get("/approvals")
def approvals(request: Request, user: Manager, session: DB, page: int = 1) -> Response:
    page = max(1, page)
    total = pending_count(session)
    items = pending_posts(session, limit=PAGE, offset=(page - 1) * PAGE)
    views = [_view(request, session, item, user) for item in items]
    session.commit()  # media tokens made for the thumbnails
    hours = request.app.state.settings.missed_after_hours
    now = utcnow()
    return render(request, "approvals_list.html", {
        "items": views, "total": total, "page": page,
        "pages": max(1, (total + PAGE - 1) // PAGE), "now": now,
        "late_before": now - timedelta(hours=hours), "missed_hours": format(hours, "g"),
        "max_reason": MAX_REASON,
    })


def _local_time(request: Request, value: str) -> datetime | None:
    """A datetime-local value (the library's wall time) as an aware time; None when empty."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        naive = datetime.fromisoformat(value)
    except ValueError:
        raise ReviewError(_(request, "Waktu %(v)s tidak dapat dibaca; gunakan pemilih tanggal "
                                     "dan jam.", v=value), "unreadable") from None
    return naive.replace(tzinfo=request.app.state.settings.tz)


def _message(request: Request, exc: ReviewError, post_id: int) -> tuple[int, str]:
    """The refusal in the page's language, and its status: 403 for one's own post, 404 for a
    post that does not exist, 409 when someone decided already, 400 otherwise."""
    if isinstance(exc, OwnPost):
        return 403, _(request, "Anda menulis unggahan ini sendiri; manajer lain yang harus "
                               "menyetujui atau menolaknya.")
    if isinstance(exc, NoSuchPost):
        return 404, _(request, "Unggahan %(id)s tidak ada.", id=post_id)
    if isinstance(exc, NothingWaiting):
        return 409, _(request, "Unggahan %(id)s tidak sedang menunggu keputusan ini (mungkin "
                               "sudah diputuskan orang lain).", id=post_id)
    hours = format(request.app.state.settings.missed_after_hours, "g")
    words = {
        "too_late": _(request, "Waktu terbit unggahan ini sudah lewat lebih dari %(h)s jam. "
                               "Pilih waktu baru (atau centang \u201cterbitkan sekarang\u201d) "
                               "lalu setujui lagi.", h=hours),
        "past": _(request, "Waktu baru itu sudah lewat; pilih waktu mulai sekarang."),
        "no_reason": _(request, "Tuliskan alasan penolakan: penulis akan membacanya."),
        "long_reason": _(request, "Alasan terlalu panjang (paling banyak %(n)s karakter).",
                         n=MAX_REASON),
        "not_author": _(request, "Hanya penulis unggahan ini atau manajer yang dapat "
                                 "mengirimnya lagi."),
    }
    return 400, words.get(exc.code) or error_text(request, exc)


def _refused(request: Request, exc: ReviewError, post_id: int, back: str) -> Response:
    status, message = _message(request, exc, post_id)
    return render(request, "approvals_refused.html", {
        "title": _(request, "Keputusan tidak dapat dilakukan"), "message": message,
        "back": back}, status_code=status)


@router.post("/approvals/{post_id}/approve")
def approve_post(request: Request, user: Manager, session: DB, post_id: int,
                 at: Annotated[str, Form()] = "",
                 now: Annotated[str, Form()] = "") -> Response:
    try:
        # "Publish now" wins over a time typed in the same form: it is the explicit choice.
        when = utcnow() if now else _local_time(request, at)
        done = approve(session, request.app.state.settings, post_id, reviewer(user), at=when)
    except ReviewError as exc:
        session.rollback()
        return _refused(request, exc, post_id, "/approvals")
    flash(request, _(request, "Unggahan %(id)s disetujui: %(n)s pengiriman dijadwalkan.",
                     id=post_id, n=len(done)))
    return RedirectResponse("/approvals", status_code=303)


@router.post("/approvals/{post_id}/reject")
def reject_post(request: Request, user: Manager, session: DB, post_id: int,
                reason: Annotated[str, Form()] = "") -> Response:
    try:
        done = reject(session, post_id, reviewer(user), reason)
    except ReviewError as exc:
        session.rollback()
        return _refused(request, exc, post_id, "/approvals")
    flash(request, _(request, "Unggahan %(id)s dikembalikan ke penulis sebagai draf "
                              "(%(n)s pengiriman).", id=post_id, n=len(done)))
    return RedirectResponse("/approvals", status_code=303)


@router.get("/approvals/mine")
def my_posts(request: Request, user: Staff, session: DB) -> Response:
    """The author's side: posts waiting for a manager, and those sent back with the reason."""
    me = reviewer(user)
    waiting = pending_posts(session, limit=100, author=me)
    return render(request, "approvals_mine.html", {
        "waiting": waiting, "returned": returned_posts(session, me),
    })


@router.post("/approvals/{post_id}/resubmit")
def resubmit_post(request: Request, user: Staff, session: DB, post_id: int) -> Response:
    try:
        done = resubmit(session, post_id, reviewer(user),
                        manager=role_at_least(user.role, "manager"))
    except ReviewError as exc:
        session.rollback()
        return _refused(request, exc, post_id, "/approvals/mine")
    flash(request, _(request, "Unggahan %(id)s dikirim lagi untuk disetujui (%(n)s "
                              "pengiriman).", id=post_id, n=len(done)))
    return RedirectResponse("/approvals/mine", status_code=303)
