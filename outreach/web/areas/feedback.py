"""The feedback inbox (staff): the public's comments and replies under our posts (synced from
the platforms by the engagement sync), questions first, each with the book or event its post was
about, for the staff who answer them. Authors appear only as `outreach.engagement.feedback` shows
them (an anonymous code by default), never as the platform's user ids."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from outreach.engagement.feedback import STATUSES, FeedbackError, counts, inbox, mark
from outreach.web.areas.reports import platform_names
from outreach.web.auth import DB, Staff, safe_next
from outreach.web.pages import N_, _, flash, render

router = APIRouter()
PAGE = 50
STATUS_LABELS = {"new": N_("Belum ditangani"), "answered": N_("Sudah dijawab"),
                 "not_relevant": N_("Tidak relevan")}
# What the buttons set: answered, not relevant, or back to "not handled yet".
ACTIONS = {"answered": N_("Tandai sudah dijawab"), "not_relevant": N_("Tandai tidak relevan"),
           "new": N_("Kembalikan ke belum ditangani")}


@router.get("/feedback")
def feedback_inbox(request: Request, user: Staff, session: DB, status: str = "new",
                   platform: str = "", questions: str = "", page: int = 1) -> Response:
    settings = request.app.state.settings
    error = None
    if status != "all" and status not in STATUSES:
        error, status = _(request, "Status %(s)s tidak dikenal.", s=status), "new"
    if platform and platform not in platform_names():
        error, platform = _(request, "Platform %(p)s tidak dikenal.", p=platform), ""
    page = max(1, page)
    items = inbox(session, settings, status=None if status == "all" else status,
                  platform=platform or None, questions_only=bool(questions), limit=PAGE + 1,
                  offset=(page - 1) * PAGE)
    more = len(items) > PAGE
    here = {"status": status, "platform": platform, "questions": questions}
    query = urlencode({k: v for k, v in here.items() if v})
    return render(request, "feedback_inbox.html", {
        "error": error, "items": items[:PAGE], "counts": counts(session), "status": status,
        "platform": platform, "questions": bool(questions), "platforms": platform_names(),
        "statuses": STATUSES, "status_labels": STATUS_LABELS, "actions": ACTIONS,
        "page": page, "more": more, "query": query,
        "here": "/feedback" + (f"?{query}&page={page}" if query else f"?page={page}"),
    }, status_code=400 if error else 200)


@router.post("/feedback/{feedback_id}/mark")
def mark_feedback(request: Request, user: Staff, session: DB, feedback_id: int,
                  status: Annotated[str, Form()] = "",
                  note: Annotated[str, Form()] = "",
                  next: Annotated[str, Form()] = "/feedback") -> Response:
    try:
        item = mark(session, feedback_id, status, user.email, note if note.strip() else None,
                    user_id=user.id)
    except FeedbackError as exc:
        session.rollback()
        missing = "There is no comment" in str(exc)
        return render(request, "error.html", {
            "title": _(request, "Masukan tidak dapat ditandai"),
            "message": _(request, "Komentar %(id)s tidak ada.", id=feedback_id) if missing
            else _(request, "Status %(s)s tidak dikenal.", s=status),
        }, status_code=404 if missing else 400)
    flash(request, _(request, "Komentar %(id)s ditandai: %(s)s.", id=item.id,
                     s=_(request, STATUS_LABELS[item.status])))
    return RedirectResponse(safe_next(next), status_code=303)
