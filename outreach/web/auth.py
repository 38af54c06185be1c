"""Signing in and out, who the user is, and what their role lets them open.

Every page route depends on `require(role)`: it sends the anonymous to the login page, answers 403
to a role too low, and checks the CSRF token on anything but GET/HEAD/OPTIONS. The route × role
matrix test finds the role through the dependency's `min_role`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from outreach.audit import audit
from outreach.db import get_engine
from outreach.desk.users import authenticate, role_at_least
from outreach.models import User
from outreach.web import sessions
from outreach.web.pages import LANGS, _, flash, render
from outreach.web.security import CSRF_FIELD, CSRF_HEADER, SAFE_METHODS, csrf_ok

router = APIRouter()


class NotSignedIn(Exception):
    """No valid session: the handler sends the browser to the login page."""


class Forbidden(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "role" or "csrf"


def db(request: Request) -> Iterator[Session]:
    with Session(get_engine(request.app.state.settings.database_url)) as session:
        yield session


DB = Annotated[Session, Depends(db)]


def optional_user(request: Request, session: DB) -> User | None:
    user = sessions.current_user(session, request.session, idle(request))
    if user is not None:
        request.state.user = user
    return user


def idle(request: Request) -> timedelta:
    return timedelta(hours=request.app.state.settings.session_idle_hours)


async def check_csrf(request: Request) -> None:
    if request.method in SAFE_METHODS:
        return
    presented = request.headers.get(CSRF_HEADER)
    if presented is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    if not csrf_ok(request.session, presented):
        raise Forbidden("csrf")


def require(role: str):
    """Dependency: the signed-in user, who must have at least `role`."""

    async def dependency(request: Request, session: DB) -> User:
        # Database work never runs on the event loop: a wait there for a pooled connection
        # would stop the loop, and with it the requests holding the connections (deadlock).
        user = await run_in_threadpool(optional_user, request, session)
        if user is None:
            raise NotSignedIn()
        if not role_at_least(user.role, role):
            raise Forbidden("role")
        await check_csrf(request)
        return user

    dependency.min_role = role  # type: ignore[attr-defined]
    return dependency


Staff = Annotated[User, Depends(require("staff"))]
Manager = Annotated[User, Depends(require("manager"))]
Admin = Annotated[User, Depends(require("admin"))]


def safe_next(target: str | None) -> str:
    # Only paths on this site: "//host" or "https://…" would send a fresh login elsewhere.
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)


@router.get("/login")
def login_page(request: Request, session: DB, next: str = "/") -> Response:
    if optional_user(request, session) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "email": "", "error": None})


@router.post("/login")
async def login(request: Request, session: DB,
                email: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
                next: Annotated[str, Form()] = "/") -> Response:
    await check_csrf(request)
    limiter = request.app.state.login_limiter
    client = request.client.host if request.client else "?"

    def attempt() -> tuple[int, User | None]:
        # In the thread pool: argon2 takes tens of milliseconds of CPU and the lookups need a
        # database connection; neither may hold up the event loop.
        wait = limiter.retry_after(session, client, email)
        if wait:
            return wait, None
        found = authenticate(session, email, password)
        if found is None:
            limiter.failed(session, client, email)
        else:
            limiter.succeeded(session, client, email)
        return 0, found

    wait, user = await run_in_threadpool(attempt)
    if wait:
        minutes = max(1, round(wait / 60))
        error = _(request, "Terlalu banyak percobaan masuk. Coba lagi dalam %(n)s menit.",
                  n=minutes)
        return render(request, "login.html", {"next": safe_next(next), "email": email,
                                              "error": error}, status_code=429)
    if user is None:
        error = _(request, "E-mail atau kata sandi salah.")
        return render(request, "login.html", {"next": safe_next(next), "email": email,
                                              "error": error}, status_code=401)
    lang = request.session.get("lang")
    request.session.clear()  # a new session on sign-in: nothing carried over from before
    if lang:
        request.session["lang"] = lang

    def record() -> None:
        sessions.start(session, request.session, user, idle(request))
        audit(session, user.email, "user.login", "user", user.id, user_id=user.id)
        session.commit()

    await run_in_threadpool(record)
    return RedirectResponse(safe_next(next), status_code=303)


@router.post("/logout")
async def logout(request: Request, session: DB) -> Response:
    await check_csrf(request)
    lang = request.session.get("lang")
    await run_in_threadpool(sessions.end, session, request.session)
    if lang:
        request.session["lang"] = lang
    return RedirectResponse("/login", status_code=303)


@router.post("/lang")
async def switch_language(request: Request, lang: Annotated[str, Form()] = "id",
                          next: Annotated[str, Form()] = "/") -> Response:
    await check_csrf(request)
    if lang in LANGS:
        request.session["lang"] = lang
    return RedirectResponse(safe_next(next), status_code=303)


def forbidden_page(request: Request, reason: str) -> Response:
    if reason == "csrf":
        message = _(request, "Formulir ini sudah kedaluwarsa atau tidak sah. Muat ulang halaman "
                             "lalu coba lagi.")
    else:
        message = _(request, "Halaman ini tidak tersedia untuk peran Anda.")
    return render(request, "error.html", {"title": _(request, "Akses ditolak"),
                                          "message": message}, status_code=403)


def notice(request: Request, message: str, kind: str = "ok") -> None:
    flash(request, message, kind)


async def posted_form(request: Request) -> FormData:
    """The submitted form, read on the event loop so the route itself can be a plain `def`
    (FastAPI runs those in the thread pool: database and platform calls never block the loop)."""
    return await request.form()


async def posted_json(request: Request) -> Any:
    """The JSON body, or None when it is not JSON (same reason as `posted_form`)."""
    try:
        return await request.json()
    except ValueError:
        return None


PostedForm = Annotated[FormData, Depends(posted_form)]
PostedJSON = Annotated[Any, Depends(posted_json)]
