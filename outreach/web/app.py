"""The FastAPI application: staff pages (server-rendered, see `areas/`), `/healthz` and the media
platforms fetch. Every page but login, "lupa kata sandi" (`password.py`), `/healthz`, media and
static files requires a signed-in user.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from outreach import __version__
from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.desk.queue import last_ticks, stalled, status_counts
from outreach.dispatch.dispatcher import next_due_at
from outreach.models import utcnow
from outreach.web import areas
from outreach.web.auth import Forbidden, NotSignedIn, forbidden_page, login_redirect
from outreach.web.auth import router as auth_router
from outreach.web.pages import HERE, _, render
from outreach.web.password import router as password_router
from outreach.web.security import LoginLimiter, session_secret

log = logging.getLogger(__name__)

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

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(("/media/", "/static/", "/healthz", "/api/")):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        if exc.status_code == 404:
            title, message = _(request, "Tidak ditemukan"), _(
                request, "Halaman atau data yang Anda cari tidak ada (mungkin sudah dihapus).")
        else:
            title, message = _(request, "Terjadi kesalahan"), str(exc.detail)
        return render(request, "error.html", {"title": title, "message": message},
                      status_code=exc.status_code)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(auth_router)
    app.include_router(password_router)
    for router in _area_routers():
        app.include_router(router)
    app.state.page_paths = {r.path for r in page_routes(app.routes) if "GET" in r.methods}

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with Session(get_engine(settings.database_url)) as session:
                counts = status_counts(session)
                ticks = last_ticks(session)
            due = next_due_at(settings)
        except SQLAlchemyError as exc:
            log.warning("health check: database error: %s", exc)
            return JSONResponse(
                {"status": "error", "database": "unavailable", "detail": type(exc).__name__},
                status_code=503,
            )
        clock = [t for t in ticks if t.role == "clock"]
        overdue, silent = stalled(ticks, due, utcnow())
        return JSONResponse({
            "status": "ok",
            # Non-zero: posts overdue past a minute (nothing sending), a clock silent for 5 min.
            "overdue_seconds": overdue,
            "clock_silent_seconds": silent,
            "version": __version__,
            "clock": {
                "last_tick": clock[0].last_tick_at.isoformat() if clock else None,
                "processes": [
                    {"id": t.process_id, "role": t.role, "last_tick": t.last_tick_at.isoformat()}
                    for t in ticks
                ],
            },
            "deliveries": counts,
        })

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


def serve_web(app: FastAPI, host: str, port: int) -> None:
    """Serve the web application with uvicorn until stopped."""
    import uvicorn

    uvicorn.run(app, host=host, port=port, log_level="warning",
                timeout_keep_alive=KEEP_ALIVE_SECONDS)
