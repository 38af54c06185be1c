""""Lupa kata sandi": ask for a link, open it, choose a new password. Public pages (nobody is
signed in), each change checked against the session's CSRF token like the login form.

The answer to "send me a link" is the same page whether or not the address has an account, and
the mail is sent after the answer (a background task, then the outbox's retries), so neither the
words nor the time of the answer say anything. Requests count against a limit like sign-ins.
The token leaves the address bar at once: opening the link keeps it in the (signed) session and
redirects to a page without it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from outreach.db import get_engine
from outreach.desk.users import MIN_PASSWORD, UserError
from outreach.notify.password_reset import available, request_reset, reset_password, valid_reset
from outreach.web.auth import DB, check_csrf
from outreach.web.pages import _, flash, render, request_lang

router = APIRouter()
CSRF = Annotated[None, Depends(check_csrf)]
SESSION_KEY = "reset_token"


def _send_now(database_url: str, settings, mail_id: int) -> None:  # noqa: ANN001
    from outreach.notify.outbox import send_due

    with Session(get_engine(database_url), expire_on_commit=False) as session:
        send_due(session, settings, ids=[mail_id])  # a failure stays queued for the clock


@router.get("/password/forgot")
def forgot_page(request: Request) -> Response:
    settings = request.app.state.settings
    return render(request, "password_forgot.html", {"available": available(settings),
                                                    "sent": False, "email": "", "error": None})


@router.post("/password/forgot")
def forgot(request: Request, session: DB, background: BackgroundTasks, _csrf: CSRF,
           email: Annotated[str, Form()] = "") -> Response:
    settings = request.app.state.settings
    if not available(settings):
        return render(request, "password_forgot.html", {"available": False, "sent": False,
                                                        "email": "", "error": None})
    limiter = request.app.state.reset_limiter
    client = request.client.host if request.client else "?"
    wait = limiter.retry_after(session, client, email)
    if wait:
        error = _(request, "Terlalu banyak permintaan. Coba lagi dalam %(n)s menit.",
                  n=max(1, round(wait / 60)))
        return render(request, "password_forgot.html", {"available": True, "sent": False,
                                                        "email": email, "error": error},
                      status_code=429)
    limiter.failed(session, client, email)  # every request counts, known address or not
    mail = request_reset(session, settings, email, request_lang(request))
    if mail is not None:
        background.add_task(_send_now, settings.database_url, settings, mail.id)
    return render(request, "password_forgot.html", {"available": True, "sent": True,
                                                    "email": "", "error": None})


@router.get("/password/reset/{token}")
def open_link(request: Request, token: str, session: DB) -> Response:
    if valid_reset(session, token) is None:
        return _dead_link(request)
    request.session[SESSION_KEY] = token
    return RedirectResponse("/password/reset", status_code=303)


def _dead_link(request: Request) -> Response:
    request.session.pop(SESSION_KEY, None)
    return render(request, "password_reset.html", {"dead": True, "errors": [],
                                                   "min_password": MIN_PASSWORD},
                  status_code=400)


@router.get("/password/reset")
def reset_page(request: Request, session: DB) -> Response:
    user = valid_reset(session, request.session.get(SESSION_KEY, ""))
    if user is None:
        return _dead_link(request)
    return render(request, "password_reset.html", {"dead": False, "errors": [],
                                                   "email": user.email,
                                                   "min_password": MIN_PASSWORD})


@router.post("/password/reset")
def reset(request: Request, session: DB, _csrf: CSRF, password: Annotated[str, Form()] = "",
          confirm: Annotated[str, Form()] = "") -> Response:
    token = request.session.get(SESSION_KEY, "")
    user = valid_reset(session, token)
    if user is None:
        return _dead_link(request)
    errors = []
    if password != confirm:
        errors.append(_(request, "Kedua kata sandi tidak sama."))
    elif len(password) < MIN_PASSWORD:
        errors.append(_(request, "Kata sandi perlu minimal %(n)s karakter.", n=MIN_PASSWORD))
    if not errors:
        try:
            done = reset_password(session, token, password)
        except UserError:
            done = None
            errors.append(_(request, "Kata sandi perlu minimal %(n)s karakter.",
                            n=MIN_PASSWORD))
        else:
            if done is None:
                return _dead_link(request)
    if errors:
        return render(request, "password_reset.html", {"dead": False, "errors": errors,
                                                       "email": user.email,
                                                       "min_password": MIN_PASSWORD},
                      status_code=400)
    lang = request.session.get("lang")
    request.session.clear()  # whatever this browser held before is over too
    if lang:
        request.session["lang"] = lang
    flash(request, _(request, "Kata sandi baru tersimpan. Silakan masuk dengannya."), "ok")
    return RedirectResponse("/login", status_code=303)
