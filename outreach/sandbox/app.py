"""The sandbox application: platform routes, control routes under `/_sandbox`, and the page.

Control routes (JSON):

- `GET /_sandbox/state`: what was posted (with current metrics), call counts, faults, limits;
- `POST /_sandbox/faults` (one fault object or a list), `GET` and `DELETE /_sandbox/faults`;
- `POST /_sandbox/reset`: forget everything (posts, faults, windows, clock);
- `POST /_sandbox/clock` `{"advance": seconds, "frozen": true|false}`: age the posts;
- `POST /_sandbox/limits` `{"endpoint": "x.create_tweet", "limit": 2, "window": 900}`;
- `POST /_sandbox/options` `{"instagram.processing_seconds": 2}`: tunables (see state `options`);
- `POST /_sandbox/withdrawn` `{"platform": "facebook", "metrics": ["post_clicks"]}`: metrics that
  Meta "withdrew" (asking for one fails the whole request with #100);
- `POST /_sandbox/permissions` `{"token": "...", "lacks": ["read_insights"]}`: a token granted
  without those permissions (`sandbox/graph.py`; `GET /me/permissions` says so too);
- `POST /_sandbox/oauth/revoke` `{"platform": "x"|"meta", "subject": id}`: tokens revoked;
- `GET /_sandbox/media/{id}`: an image that was uploaded or fetched (shown on the page).
"""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from outreach.sandbox import facebook as sandbox_facebook
from outreach.sandbox import graph as sandbox_graph
from outreach.sandbox import instagram as sandbox_instagram
from outreach.sandbox import instagram_private as sandbox_instagram_private
from outreach.sandbox import oauth as sandbox_oauth
from outreach.sandbox import oauth_meta, oauth_x, page
from outreach.sandbox import x as sandbox_x
from outreach.sandbox.faults import ConnectionDropper, Fault, FaultError
from outreach.sandbox.state import SandboxState

control = APIRouter(prefix="/_sandbox")
pages = APIRouter()


class SandboxApp(FastAPI):
    """FastAPI with `ConnectionDropper` outside every middleware, where uvicorn's own `send`
    (and through it, the connection) is still within reach."""

    def build_middleware_stack(self):
        return ConnectionDropper(super().build_middleware_stack())


def create_app(
    seed: int = 0,
    *,
    x_limits: Mapping[str, tuple[int, int]] | None = None,
    hang_seconds: float = 35.0,
) -> FastAPI:
    """A fresh sandbox. `seed` makes metrics and random faults reproducible; `x_limits`
    overrides X's rate-limit windows ({"x.create_tweet": (limit, seconds)}); `hang_seconds` is
    how long a `timeout` fault hangs unless the fault says otherwise."""
    app = SandboxApp(
        title="Library Outreach sandbox", docs_url=None, redoc_url=None, openapi_url=None
    )
    state = SandboxState(seed, hang_seconds=hang_seconds)
    app.state.sandbox = state
    sandbox_x.install(app, state, x_limits)
    sandbox_facebook.install(app, state)
    sandbox_instagram.install(app, state)
    sandbox_graph.install(app, state)
    sandbox_instagram_private.install(app, state)
    oauth_x.install(app, state)
    oauth_meta.install(app, state)
    app.include_router(control)
    app.include_router(pages)
    return app


def _state(request: Request) -> SandboxState:
    return request.app.state.sandbox


def _refused(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _json(request: Request) -> object:
    try:
        return await request.json()
    except ValueError:
        return None


@control.get("/state")
async def get_state(request: Request) -> JSONResponse:
    return JSONResponse(_state(request).snapshot())


@control.get("/faults")
async def list_faults(request: Request) -> JSONResponse:
    return JSONResponse({"faults": _state(request).faults.describe()})


@control.post("/faults")
async def add_faults(request: Request) -> JSONResponse:
    state = _state(request)
    data = await _json(request)
    items = data if isinstance(data, list) else [data]
    try:
        faults = [Fault.parse(item, state.endpoints) for item in items]
    except FaultError as exc:
        return _refused(str(exc))
    for fault in faults:
        state.faults.add(fault)
    return JSONResponse({"faults": state.faults.describe()}, status_code=201)


@control.delete("/faults")
async def clear_faults(request: Request) -> JSONResponse:
    _state(request).faults.clear()
    return JSONResponse({"faults": []})


@control.post("/reset")
async def reset(request: Request) -> JSONResponse:
    _state(request).reset()
    return JSONResponse({"reset": True})


@control.post("/clock")
async def clock(request: Request) -> JSONResponse:
    state = _state(request)
    data = await _json(request)
    if not isinstance(data, dict):
        return _refused('send {"advance": seconds} and/or {"frozen": true|false}')
    try:
        advance = float(data.get("advance", 0))
    except (TypeError, ValueError):
        return _refused("advance is a number of seconds")
    with state.lock:
        if "frozen" in data:
            state.clock.freeze(bool(data["frozen"]))
        state.clock.advance(advance)
        return JSONResponse({"now": state.clock.now().isoformat(), "frozen": state.clock.frozen})


@control.post("/limits")
async def limits(request: Request) -> JSONResponse:
    state = _state(request)
    data = await _json(request)
    if not isinstance(data, dict) or data.get("endpoint") not in state.endpoints:
        return _refused(f"endpoint must be one of {', '.join(sorted(state.endpoints))}")
    try:
        limit, window = int(data["limit"]), int(data.get("window", 900))
    except (KeyError, TypeError, ValueError):
        return _refused("limit (requests) and window (seconds) are whole numbers")
    if limit < 0 or window < 1:
        return _refused("limit must be 0 or more, window 1 second or more")
    with state.lock:
        state.rates.limits[data["endpoint"]] = (limit, window)
    return JSONResponse({"limits": {data["endpoint"]: {"limit": limit, "window": window}}})


@control.post("/options")
async def options(request: Request) -> JSONResponse:
    state = _state(request)
    data = await _json(request)
    if not isinstance(data, dict) or not data:
        return _refused("send an object such as {\"instagram.processing_seconds\": 2}")
    unknown = set(data) - set(state.option_defaults)
    if unknown:
        return _refused(f"unknown option(s) {', '.join(sorted(unknown))}; known: "
                        + ", ".join(sorted(state.option_defaults)))
    try:
        values = {k: float(v) for k, v in data.items()}
    except (TypeError, ValueError):
        return _refused("option values are numbers")
    with state.lock:
        state.options.update(values)
        return JSONResponse({"options": dict(state.options)})


@control.post("/withdrawn")
async def withdrawn(request: Request) -> JSONResponse:
    state = _state(request)
    data = await _json(request)
    if not isinstance(data, dict) or data.get("platform") not in ("facebook", "instagram") \
            or not isinstance(data.get("metrics"), list):
        return _refused('send {"platform": "facebook"|"instagram", "metrics": ["name", ...]}')
    with state.lock:
        memory = state.extras.setdefault(data["platform"], {})
        current = memory.setdefault("withdrawn", set())
        current.update(str(m) for m in data["metrics"])
        return JSONResponse({"withdrawn": sorted(current)})


@control.post("/oauth/revoke")
async def oauth_revoke(request: Request) -> JSONResponse:
    """`{"platform": "x"|"meta", "subject": user or person id}`: every token issued to that
    person stops working, as when they remove the app from their account."""
    data = await _json(request)
    if not isinstance(data, dict) or data.get("platform") not in ("x", "meta") \
            or not data.get("subject"):
        return _refused('send {"platform": "x"|"meta", "subject": "user or person id"}')
    count = sandbox_oauth.revoke_subject(_state(request), data["platform"], str(data["subject"]))
    return JSONResponse({"revoked": count})


@control.get("/media/{blob_id}")
async def media(request: Request, blob_id: str) -> Response:
    found = _state(request).blobs.get(blob_id)
    if found is None:
        return JSONResponse({"error": "no such image"}, status_code=404)
    return Response(found[1], media_type=found[0])


@pages.get("/", response_class=HTMLResponse)
async def index(request: Request) -> HTMLResponse:
    return HTMLResponse(page.render(_state(request).snapshot()))


@pages.get("/x", response_class=HTMLResponse)
async def x_page(request: Request) -> HTMLResponse:
    return HTMLResponse(page.render(_state(request).snapshot(), ["x"]))


@pages.get("/facebook", response_class=HTMLResponse)
async def facebook_page(request: Request) -> HTMLResponse:
    return HTMLResponse(page.render(_state(request).snapshot(), ["facebook"]))


@pages.get("/instagram", response_class=HTMLResponse)
async def instagram_page(request: Request) -> HTMLResponse:
    return HTMLResponse(page.render(_state(request).snapshot(), ["instagram"]))
