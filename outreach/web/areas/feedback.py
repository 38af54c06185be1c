"""The feedback inbox (staff): the public's comments and replies under our posts (synced from
the platforms by the engagement sync), questions first, each with the book or event its post was
about, for the staff who answer them: from the app where the platform allows it
(`outreach.engagement.replies`), else on the platform, then marked here. Authors appear only as
`outreach.engagement.feedback` shows them (an anonymous code by default), never as the
platform's user ids."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup, escape

from outreach.engagement.feedback import STATUSES, FeedbackError, counts, inbox, mark
from outreach.engagement.replies import ReplyError, replies_of, reply_limits, send_reply
from outreach.platforms import platform_class
from outreach.platforms.reasons import translate
from outreach.web.areas.reports import platform_names
from outreach.web.auth import DB, Staff, safe_next
from outreach.web.pages import N_, _, flash, foreign, render, request_lang

router = APIRouter()
PAGE = 50
STATUS_LABELS = {"new": N_("Belum ditangani"), "answered": N_("Sudah dijawab"),
                 "not_relevant": N_("Tidak relevan")}
# What the buttons set: answered, not relevant, or back to "not handled yet".
ACTIONS = {"answered": N_("Tandai sudah dijawab"), "not_relevant": N_("Tandai tidak relevan"),
           "new": N_("Kembalikan ke belum ditangani")}


def _reply_message(request: Request, exc: ReplyError) -> str:
    """A refused reply in the page's language; the platform's reason follows where it says
    more than our code does (in the page's language, the platform's own words quoted)."""
    f = exc.facts
    detail = Markup(escape(translate(exc.message, request_lang(request), foreign)))

    def with_detail(message: str, **params: object) -> Markup:
        """The sentence escaped around the platform's reason (kept as markup)."""
        return Markup(escape(_(request, message))) % {**params, "detail": detail}

    if exc.code == "empty":
        return _(request, "Balasan masih kosong.")
    if exc.code == "too_long":
        return _(request, "Balasan ini %(n)s karakter; balasan di %(p)s paling banyak %(max)s "
                 "karakter. Persingkat lalu kirim lagi.", n=f.get("length"), p=f.get("platform"),
                 max=f.get("limit"))
    if exc.code == "unsupported":
        return _(request, "Membalas komentar %(p)s dari aplikasi ini belum bisa; jawab langsung "
                 "di %(p)s.", p=f.get("platform"))
    if exc.code == "duplicate":
        return _(request, "Balasan yang sama sudah terkirim ke komentar ini.")
    if exc.code == "permission":
        return _(request, "Akun %(p)s belum diberi izin %(perm)s untuk membalas komentar. Minta "
                 "admin menyambungkan ulang akun itu dan memberi izin tersebut.",
                 p=f.get("platform"), perm=f.get("permission"))
    if exc.code == "auth":
        return with_detail("Akun %(p)s perlu disambungkan ulang oleh admin sebelum bisa "
                           "membalas. (%(detail)s)", p=f.get("platform"))
    if exc.code == "rate":
        return with_detail("%(p)s sedang membatasi panggilan; coba kirim lagi nanti. "
                           "(%(detail)s)", p=f.get("platform"))
    if exc.code == "unknown":
        return _(request, "Balasan terkirim ke %(p)s tetapi jawabannya tidak sampai: balasan itu "
                 "mungkin sudah muncul. Periksa di %(p)s sebelum menulis lagi.",
                 p=f.get("platform"))
    if exc.code == "missing":
        return _(request, "Komentar atau unggahannya tidak ada lagi di sini.")
    return with_detail("%(p)s menolak balasan ini: %(detail)s", p=f.get("platform") or "")


def _filters(query: str) -> dict[str, str]:
    found = parse_qs(query)
    return {k: (found.get(k) or [""])[0] for k in ("status", "platform", "questions", "page")}


def _page(request: Request, session: DB, *, status: str = "new", platform: str = "",
          questions: str = "", page: int = 1, failed: dict | None = None) -> Response:
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
    items = items[:PAGE]
    replies = replies_of(session, [i.id for i in items])
    limits = {(i.platform, i.backend): reply_limits(i.platform, i.backend) for i in items}
    here = {"status": status, "platform": platform, "questions": questions}
    query = urlencode({k: v for k, v in here.items() if v})
    return render(request, "feedback_inbox.html", {
        "error": error, "items": items, "counts": counts(session), "status": status,
        "platform": platform, "questions": bool(questions), "platforms": platform_names(),
        "statuses": STATUSES, "status_labels": STATUS_LABELS, "actions": ACTIONS,
        "page": page, "more": more, "query": query, "replies": replies, "limits": limits,
        "failed": failed or {},
        "here": "/feedback" + (f"?{query}&page={page}" if query else f"?page={page}"),
    }, status_code=400 if error else (failed or {}).get("status", 200))


@router.get("/feedback")
def feedback_inbox(request: Request, user: Staff, session: DB, status: str = "new",
                   platform: str = "", questions: str = "", page: int = 1) -> Response:
    return _page(request, session, status=status, platform=platform, questions=questions,
                 page=page)


@router.post("/feedback/{feedback_id}/reply")
def reply_feedback(request: Request, user: Staff, session: DB, feedback_id: int,
                   text: Annotated[str, Form()] = "",
                   next: Annotated[str, Form()] = "/feedback") -> Response:
    back = safe_next(next)
    try:
        reply = send_reply(session, request.app.state.settings, feedback_id, text, user.email,
                           user_id=user.id)
    except ReplyError as exc:
        session.rollback()
        if exc.code == "missing":
            return render(request, "error.html", {
                "title": _(request, "Balasan tidak terkirim"),
                "message": _reply_message(request, exc)}, status_code=404)
        # The same page again, the text kept in its box and the reason beside it.
        shown = _filters(urlsplit(back).query)
        try:
            number = int(shown["page"] or 1)
        except ValueError:
            number = 1
        return _page(request, session, status=shown["status"] or "new",
                     platform=shown["platform"], questions=shown["questions"], page=number,
                     failed={"id": feedback_id, "text": text,
                             "message": _reply_message(request, exc),
                             "status": 502 if exc.code in ("unknown", "transient", "rate",
                                                           "auth", "refused") else 400})
    flash(request, _(request, "Balasan terkirim ke %(p)s; komentar %(id)s ditandai sudah "
                     "dijawab.", p=platform_class(reply.platform).label, id=feedback_id))
    return RedirectResponse(back + f"#c-{feedback_id}" if "#" not in back else back,
                            status_code=303)


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
        missing = exc.code == "missing"
        return render(request, "error.html", {
            "title": _(request, "Masukan tidak dapat ditandai"),
            "message": _(request, "Komentar %(id)s tidak ada.", id=feedback_id) if missing
            else _(request, "Status %(s)s tidak dikenal.", s=status),
        }, status_code=404 if missing else 400)
    flash(request, _(request, "Komentar %(id)s ditandai: %(s)s.", id=item.id,
                     s=_(request, STATUS_LABELS[item.status])))
    return RedirectResponse(safe_next(next), status_code=303)
