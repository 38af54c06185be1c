"""The FastAPI application: staff pages (server-rendered, see `areas/`), `/healthz` and the media
platforms fetch. Every page but login, "lupa kata sandi" (`password.py`), `/healthz`, media and
static files requires a signed-in user.
"""

from __future__ import annotations

import importlib
import logging
import os
import pkgutil
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError, SQLAlchemyError
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from outreach import __version__
from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.desk.queue import last_ticks, stalled, status_counts
from outreach.desk.users import role_at_least
from outreach.dispatch.dispatcher import next_due_at
from outreach.models import utcnow
from outreach.web import areas
from outreach.web.auth import Forbidden, NotSignedIn, forbidden_page, login_redirect
from outreach.web.auth import router as auth_router
from outreach.web.pages import HERE, _, render
from outreach.web.password import router as password_router
from outreach.web.security import LoginLimiter, session_secret
from outreach.web.sessions import current_user

log = logging.getLogger(__name__)

# Addresses read by programs (platforms fetching media, monitors, scripts), answered in JSON.
MACHINE_PATHS = ("/media/", "/static/", "/healthz", "/api/")


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()]

# No inline scripts anywhere: our small scripts are files under /static. Images may come from a
# library's OPAC (covers), so any http(s) image source is allowed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data: blob: http: https:; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'self'; object-src 'none'")
SESSION_HOURS = 12


def _area_routers():
    for info in sorted(pkgutil.iter_modules(areas.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{areas.__name__}.{info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            yield router


def page_routes(routes) -> list[APIRoute]:
    """Every APIRoute, looking inside included routers (FastAPI keeps those as wrappers).

    Area routers carry no prefix and no router-wide dependencies: each route names its role
    itself (`user: Staff`), which is what the route × role matrix test reads."""
    found: list[APIRoute] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = route.include_context
            if context.prefix or context.dependencies:
                raise RuntimeError("area routers must not use a prefix or router dependencies")
            found.extend(page_routes(inner.routes))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Library Outreach", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.settings = settings
    app.state.default_lang = "en" if settings.locale.startswith("en") else "id"
    secret = session_secret(settings)
    app.state.login_limiter = LoginLimiter(secret)
    # "Lupa kata sandi" requests: counted apart from sign-ins (another key, the same table).
    app.state.reset_limiter = LoginLimiter(secret + ":password-reset")
    secure = bool(settings.public_base_url and settings.public_base_url.startswith("https://"))
    app.add_middleware(SessionMiddleware, secret_key=secret,
                       session_cookie="outreach_session", max_age=SESSION_HOURS * 3600,
                       same_site="lax", https_only=secure)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, exc: NotSignedIn) -> Response:
        if request.method in ("GET", "HEAD"):
            return login_redirect(request)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return forbidden_page(request, exc.reason)

    @app.exception_handler(OverflowError)
    @app.exception_handler(DataError)
    async def out_of_range(request: Request, exc: Exception) -> Response:
        # A number or date from the address or a form beyond what the database or the
        # calendar holds (a 30-digit id, the day after 9999-12-31): the request names nothing.
        log.info("out-of-range input on %s %s: %s", request.method, request.url.path, exc)
        if request.url.path.startswith(MACHINE_PATHS):
            return JSONResponse({"detail": "out of range"}, status_code=400)
        return render(request, "error.html", {
            "title": _(request, "Permintaan tidak dapat dipenuhi"),
            "message": _(request, "Angka atau tanggal di alamat ini di luar jangkauan. Periksa "
                                  "isiannya lalu coba lagi.")}, status_code=400)

    @app.exception_handler(RequestValidationError)
    async def unreadable_input(request: Request, exc: RequestValidationError) -> Response:
        # A value in the address or a form of the wrong type (?page=abc): FastAPI's own answer
        # is English JSON, which a person's browser would show as it is.
        if request.url.path.startswith(MACHINE_PATHS):
            return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
        names = sorted({str(e["loc"][-1]) for e in exc.errors() if e.get("loc")})
        return render(request, "error.html", {
            "title": _(request, "Permintaan tidak dapat dipenuhi"),
            "message": _(request, "Isian %(names)s di alamat atau formulir ini tidak dapat "
                                  "dibaca. Periksa isiannya lalu coba lagi.",
                         names=", ".join(names) or "?")}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(MACHINE_PATHS):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        # Starlette's own details ("Method Not Allowed") are English: a page says it in words.
        title, message = _(request, "Terjadi kesalahan"), _(
            request, "Permintaan ini tidak dapat dipenuhi. Kembali ke halaman sebelumnya lalu "
                     "coba lagi.")
        if exc.status_code == 404:
            title, message = _(request, "Tidak ditemukan"), _(
                request, "Halaman atau data yang Anda cari tidak ada (mungkin sudah dihapus).")
        elif exc.status_code == 405:
            message = _(request, "Alamat ini tidak dapat dibuka dengan cara itu: buka lewat "
                                 "tombol atau tautan di aplikasi.")
        return render(request, "error.html", {"title": title, "message": message},
                      status_code=exc.status_code)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(auth_router)
    app.include_router(password_router)
    for router in _area_routers():
        app.include_router(router)
    app.state.page_paths = {r.path for r in page_routes(app.routes) if "GET" in r.methods}

    @app.get("/healthz")
    def healthz(request: Request) -> JSONResponse:
        """For monitors, which read the status code: 503 when posts are overdue or the clock
        is silent (past their thresholds; a clock that never ticked is not "silent"). Anyone
        gets the status, why, the clock's last tick and the counts by status; only a signed-in
        admin also gets the version and the processes (host names, process ids)."""
        try:
            with Session(get_engine(settings.database_url)) as session:
                counts = status_counts(session)
                ticks = last_ticks(session)
                viewer = current_user(session, request.session,
                                      timedelta(hours=settings.session_idle_hours))
            due = next_due_at(settings)
        except SQLAlchemyError as exc:
            log.warning("health check: database error: %s", exc)
            return JSONResponse(
                {"status": "error", "database": "unavailable", "detail": type(exc).__name__,
                 "reason": "the database cannot be read"},
                status_code=503,
            )
        clock = [t for t in ticks if t.role == "clock"]
        overdue, silent = stalled(ticks, due, utcnow())
        reasons = ([f"the next post is {overdue} s overdue: is a worker running?"]
                   if overdue else [])
        reasons += [f"the clock has been silent for {silent} s"] if silent else []
        body = {
            "status": "stalled" if reasons else "ok",
            "reason": "; ".join(reasons) or None,
            # Non-zero: posts overdue past a minute (nothing sending), a clock silent for 5 min.
            "overdue_seconds": overdue,
            "clock_silent_seconds": silent,
            "clock": {"last_tick": clock[0].last_tick_at.isoformat() if clock else None},
            "deliveries": counts,
        }
        if viewer is not None and role_at_least(viewer.role, "admin"):
            body["version"] = __version__
            body["clock"]["processes"] = [
                {"id": t.process_id, "role": t.role, "last_tick": t.last_tick_at.isoformat()}
                for t in ticks]
        return JSONResponse(body, status_code=503 if reasons else 200,
                            headers={"Cache-Control": "no-store"})

    @app.get("/media/{token}/{filename}")
    def media(token: str, filename: str) -> FileResponse:
        # Public on purpose (platforms fetch from here); the token is unguessable.
        from outreach.media import find_asset

        with Session(get_engine(settings.database_url)) as session:
            asset = find_asset(session, token, filename)
        if asset is None:
            raise HTTPException(status_code=404)
        return FileResponse(asset.path, media_type=asset.content_type,
                            headers={"Cache-Control": "public, max-age=86400"})

    return app


# Idle keep-alive connections are kept this long (uvicorn's default is 5 s). A reverse proxy
# (nginx keeps upstream connections 60 s) or a browser may reuse a connection the moment the
# server closes it, and then sees "server disconnected without sending a response"; the side
# that waits longer must be the server.
KEEP_ALIVE_SECONDS = 75


def proxy_options(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """uvicorn's X-Forwarded-For/-Proto handling: on only for the proxies named in
    FORWARDED_ALLOW_IPS (uvicorn's own variable; addresses or networks, comma-separated).
    Unset: no one is believed (uvicorn would believe 127.0.0.1), so a client cannot pick the
    address the sign-in limit counts by sending the header itself."""
    allowed = (os.environ if environ is None else environ).get("FORWARDED_ALLOW_IPS", "")
    allowed = ",".join(a.strip() for a in allowed.split(",") if a.strip())
    return {"proxy_headers": bool(allowed), "forwarded_allow_ips": allowed or ""}


def web_config(app: FastAPI, host: str, port: int) -> Any:
    import uvicorn

    return uvicorn.Config(app, host=host, port=port, log_level="warning",
                          timeout_keep_alive=KEEP_ALIVE_SECONDS, **proxy_options())


def serve_web(app: FastAPI, host: str, port: int) -> None:
    """Serve the web application with uvicorn until stopped."""
    import uvicorn

    uvicorn.Server(web_config(app, host, port)).run()
