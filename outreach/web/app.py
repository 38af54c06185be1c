"""The FastAPI application. For now it answers `/healthz`; the staff pages arrive with the web
issue. Every page but login, `/healthz`, media and static files will require a signed-in user."""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from outreach import __version__
from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.queue import last_ticks, status_counts

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="Library Outreach", version=__version__, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with Session(get_engine(settings.database_url)) as session:
                counts = status_counts(session)
                ticks = last_ticks(session)
        except SQLAlchemyError as exc:
            log.warning("health check: database error: %s", exc)
            return JSONResponse(
                {"status": "error", "database": "unavailable", "detail": type(exc).__name__},
                status_code=503,
            )
        clock = [t for t in ticks if t.role == "clock"]
        return JSONResponse({
            "status": "ok",
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
