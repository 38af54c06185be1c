"""The signed-in person's own page: who they are, a new password, and "keluar dari semua
perangkat" (every session of theirs ends, a copied cookie with it; outreach/web/sessions.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import select

from outreach.audit import audit
from outreach.desk.users import MIN_PASSWORD, UserError, authenticate, set_password
from outreach.models import WebSession
from outreach.web import sessions
from outreach.web.auth import DB, Staff, idle
from outreach.web.pages import _, flash, render

router = APIRouter()


def _page(request: Request, session: Any, user: Any, *, error: str | None = None,
          status_code: int = 200) -> Response:
    count = session.exec(select(func.count()).select_from(WebSession)
                         .where(WebSession.user_id == user.id)).one()
    return render(request, "me.html", {"me": user, "sessions": count, "error": error,
                                       "min_password": MIN_PASSWORD}, status_code=status_code)


@router.get("/me")
def me(request: Request, user: Staff, session: DB) -> Response:
    return _page(request, session, user)


@router.post("/me/password")
def change_password(request: Request, user: Staff, session: DB,
                    current: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                    again: Annotated[str, Form()] = "") -> Response:
    error = None
    if authenticate(session, user.email, current) is None:
        error = _(request, "Kata sandi sekarang salah.")
    elif password != again:
        error = _(request, "Kedua kata sandi baru berbeda.")
    else:
        try:
            set_password(session, user, password)  # ends every session of the user
        except UserError:
            error = _(request, "Kata sandi baru perlu minimal %(n)s karakter.", n=MIN_PASSWORD)
    if error is not None:
        session.rollback()
        return _page(request, session, user, error=error, status_code=422)
    audit(session, user.email, "user.password_change", "user", user.id, user_id=user.id)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    sessions.start(session, request.session, user, idle(request))  # this browser stays in
    session.commit()
    flash(request, _(request, "Kata sandi diganti. Sesi di perangkat lain sudah berakhir."))
    return RedirectResponse("/me", status_code=303)


@router.post("/me/sessions/end")
def sign_out_everywhere(request: Request, user: Staff, session: DB) -> Response:
    audit(session, user.email, "user.sessions_end", "user", user.id, user_id=user.id)
    sessions.end_everywhere(session, user)
    lang = request.session.get("lang")
    request.session.clear()
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)
