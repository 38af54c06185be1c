"""Instagram's private mobile API (what instagrapi speaks; unofficial) under `/instagram-private`.

The client's base URL (OUTREACH_INSTAGRAM_PRIVATE_API_URL) replaces `https://i.instagram.com`, so
paths are the ones instagrapi 3.2.2 sends (read from its source):

- `POST /rupload_igphoto/{name}`: the image bytes; `X-Instagram-Rupload-Params` carries the
  `upload_id`. Answer `{"upload_id", "xsharing_nonces", "status": "ok"}`.
- `POST /api/v1/media/configure/` (one image) and `/api/v1/media/configure_sidecar/` (an album,
  2 to 10 `children_metadata`): body `signed_body=SIGNATURE.{json}`; the alt text is
  `custom_accessibility_caption` (per child in an album). Answer `{"media": {...}, "status": "ok"}`.
- `GET /api/v1/media/{pk}/info/` (`{"items": [media]}`), `GET /api/v1/feed/user/{pk}/`
  (newest first, `count`, `max_id`), `GET /api/v1/media/{pk}_{user}/comments/` (the public's
  comments, `sandbox/comments.py`).
- Signing in (`sandbox/instagram_private_login.py`): `launcher/sync`, `qe/sync` (the password
  key), `accounts/login`, `accounts/two_factor_login`, `feed/reels_tray`, `feed/timeline`.
- Anything else, such as the public web (`/graphql/query/`, `/api/graphql`) that instagrapi
  falls back to: 401 with "login required", counted as `instagram_private.public_web`.

Authorization is instagrapi's header `Bearer IGT:2:{base64 JSON with ds_user_id, sessionid}`. A
session id starting with `expired` is signed out (403 `login_required`); with `challenge`, it
meets a security check (400 `challenge_required`). Errors are Instagram's JSON
`{"message", "status": "fail", ...}`. Faults (`/_sandbox/faults`, endpoints
`instagram_private.*`): `status` answers that status with Instagram's body for it, and a
`detail` of `challenge_required`, `feedback_required` or `login_required` gives that error's
real body and status; `rate_limit` answers 429 "Please wait a few minutes" (no reset time:
Instagram gives none).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from outreach.platforms.images import image_info
from outreach.sandbox import instagram_private_login as login
from outreach.sandbox import instagram_private_media as media
from outreach.sandbox.faults import Fault, after_call, before_call
from outreach.sandbox.state import SandboxPost, SandboxState

PREFIX = "/instagram-private"
router = APIRouter(prefix=PREFIX)
DAY = 24 * 3600
LIMITS = {
    "instagram_private.upload_photo": (10**6, 3600),
    "instagram_private.configure": (100, DAY),  # posts per account and day
    "instagram_private.configure_sidecar": (100, DAY),
    "instagram_private.media_info": (10**6, 3600),
    "instagram_private.user_feed": (10**6, 3600),
    "instagram_private.media_comments": (10**6, 3600),
    **login.LIMITS,
    "instagram_private.public_web": (10**6, 3600),
    "instagram_private.other": (10**6, 3600),
}
MAX_CAPTION = 2200
WAIT = "Please wait a few minutes before you try again."


def install(app: FastAPI, state: SandboxState) -> None:
    # Posts are stored as platform "instagram" (the page and the metrics are Instagram's).
    state.register("instagram_private", limits=LIMITS, metrics=lambda *a: {})
    app.include_router(router)


class Refused(Exception):
    """An answer in Instagram's error format."""

    def __init__(self, status: int, message: str, **extra) -> None:
        super().__init__(message)
        self.status, self.body = status, {"message": message, **extra, "status": "fail"}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body, status_code=self.status)


def challenge(user: str = "0") -> Refused:
    nonce = secrets.token_urlsafe(8)
    return Refused(400, "challenge_required", challenge={
        "url": f"https://i.instagram.com/challenge/{user}/{nonce}/",
        "api_path": f"/challenge/{user}/{nonce}/", "hide_webview_header": True, "lock": True,
        "logout": False, "native_flow": True, "flow_render_type": 0})


def signed_out() -> Refused:
    return Refused(403, "login_required", error_title="You've been logged out.",
                   error_body="Please log back in.", logout_reason=2)


def blocked() -> Refused:
    return Refused(400, "feedback_required", spam=True, feedback_title="Try Again Later",
                   feedback_message="We restrict certain activity to protect our community. "
                   "Tell us if you think we made a mistake.",
                   feedback_url="repute/report_problem/scraping/", feedback_action="report_problem")


def fault_reply(fault: Fault) -> Response:
    special = {"challenge_required": challenge, "login_required": signed_out,
               "feedback_required": blocked}
    if fault.detail in special or (fault.status == 403 and not fault.detail):
        return special[fault.detail or "login_required"]().response()
    default = {429: WAIT}.get(fault.status) or ("Oops, an error occurred."
                                                if fault.status >= 500 else "Invalid parameters")
    return Refused(fault.status, fault.detail or default).response()


@dataclass(slots=True)
class Ctx:
    state: SandboxState
    request: Request
    user: str  # the signed-in account's pk ("" on sign-in routes)
    params: dict
    body: bytes

    @property
    def base(self) -> str:
        """The sandbox's own address (instagrapi sends `Host: i.instagram.com`)."""
        host, port = self.request.scope.get("server") or ("127.0.0.1", 80)
        return f"http://{host}:{port}"

    def memory(self) -> dict:
        memory = self.state.extras.setdefault("instagram_private", {})
        for key in ("uploads", "usernames", "sessions"):
            memory.setdefault(key, {})
        return memory


Handler = Callable[..., Awaitable[tuple[dict, dict] | dict]]
ROUTES: list[tuple[str, re.Pattern, str, Handler, bool]] = []


def route(method: str, pattern: str, endpoint: str, *, auth: bool = True):
    def decorate(func: Handler) -> Handler:
        ROUTES.append((method, re.compile(pattern + r"/?$"), endpoint, func, auth))
        return func

    return decorate


def authorization(request: Request) -> dict | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Bearer IGT:2:"):
        return None
    try:
        data = json.loads(base64.b64decode(header.rsplit(":", 1)[-1]))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def signed_in(request: Request) -> str:
    """The pk of the account the request is signed in as; Refused when it is not."""
    data = authorization(request) or {}
    user, session = str(data.get("ds_user_id") or ""), str(data.get("sessionid") or "")
    if not user.isdigit() or not session or session.startswith("expired"):
        raise signed_out()
    if session.startswith("challenge"):
        raise challenge(user)
    return user


def _params(request: Request, body: bytes) -> dict:
    """Query parameters, form fields, and the JSON of `signed_body=SIGNATURE.{json}`."""
    params: dict = dict(request.query_params)
    kind = request.headers.get("content-type", "")
    if request.method == "POST" and kind.startswith("application/x-www-form-urlencoded"):
        text = body.decode("utf-8", "replace")
        form = {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}
        signed = form.pop("signed_body", "")
        if signed.startswith("SIGNATURE."):
            try:
                decoded = json.loads(signed.removeprefix("SIGNATURE."))
            except ValueError:
                raise Refused(400, "Invalid signed_body") from None
            if isinstance(decoded, dict):
                params.update(decoded)
        elif text.startswith("{"):  # feed/timeline sends bare JSON
            try:
                params.update(json.loads(text))
            except ValueError:
                pass
        params.update(form)
    return params


@router.api_route("/{path:path}", methods=["GET", "POST"])
async def entry(request: Request, path: str) -> Response:
    state: SandboxState = request.app.state.sandbox
    path = path.strip("/")
    found = None
    for method, pattern, endpoint, handler, auth in ROUTES:
        m = pattern.match(path) if method == request.method else None
        if m:
            found = (endpoint, handler, auth, m.groups())
            break
    endpoint = found[0] if found else ("instagram_private.other" if path.startswith("api/v1/")
                                       else "instagram_private.public_web")
    with state.lock:
        state.calls[endpoint] += 1
        fault = state.faults.take(endpoint)
    early = await before_call(request, fault, hang_seconds=state.hang_seconds,
                              status_reply=fault_reply,
                              rate_limited_reply=lambda s: Refused(429, WAIT).response())
    if early is not None:
        return early
    if found is None:
        if endpoint == "instagram_private.public_web":  # logged-out web: never answered here
            return Refused(401, WAIT, require_login=True).response()
        return Refused(404, "Sorry, this page isn't available.").response()
    endpoint, handler, auth, groups = found
    body = await request.body()
    try:
        user = signed_in(request) if auth else ""
        if auth:
            with state.lock:
                _, allowed = state.rates.hit(endpoint, user)
            if not allowed:
                raise Refused(429, WAIT)
        ctx = Ctx(state=state, request=request, user=user, params=_params(request, body),
                  body=body)
        answer = await handler(ctx, *groups)
    except Refused as exc:
        return exc.response()
    content, headers = answer if isinstance(answer, tuple) else (answer, {})
    response = JSONResponse({**content, "status": "ok"}, headers=headers)
    after_call(request, fault)
    return response


# -- posting ---------------------------------------------------------------------------------
@route("POST", r"rupload_igphoto/([^/]+)", "instagram_private.upload_photo")
async def upload_photo(ctx: Ctx, name: str) -> dict:
    try:
        options = json.loads(ctx.request.headers.get("x-instagram-rupload-params", ""))
        upload_id = str(options["upload_id"])
    except (ValueError, KeyError, TypeError):
        raise Refused(400, "Missing or invalid X-Instagram-Rupload-Params") from None
    length = ctx.request.headers.get("x-entity-length")
    if length is not None and length != str(len(ctx.body)):
        raise Refused(400, "Upload is incomplete (X-Entity-Length does not match)")
    info = image_info(ctx.body[:262144])
    if info is None or info.content_type != "image/jpeg":
        raise Refused(400, "Uploaded image is not a JPEG")
    with ctx.state.lock:
        blob = f"igp{upload_id}"
        ctx.state.blobs[blob] = (info.content_type, bytes(ctx.body))
        ctx.memory()["uploads"][upload_id] = {"id": upload_id, "user": ctx.user, "blob": blob,
                                              "width": info.width, "height": info.height}
    return {"upload_id": upload_id, "xsharing_nonces": {}}


def _upload(ctx: Ctx, upload_id: object) -> dict:
    found = ctx.memory()["uploads"].get(str(upload_id))
    if found is None or found["user"] != ctx.user:
        raise Refused(400, "media_needs_reupload", error_title="Upload not found",
                      debug_info={"retriable": False, "type": "ProcessingFailedError"})
    if not 0.8 - 0.01 <= found["width"] / found["height"] <= 1.91 + 0.01:
        raise Refused(400, "Uploaded image isn't in an allowed aspect ratio")
    return found


def _caption(ctx: Ctx) -> str:
    caption = str(ctx.params.get("caption") or "")
    if len(caption) > MAX_CAPTION:
        raise Refused(400, "The caption is too long (2,200 characters at most).")
    if len(re.findall(r"(?<!\w)#\w+", caption)) > 30:
        raise Refused(400, "Your caption has too many hashtags.")
    return caption


def _post(ctx: Ctx, caption: str, parts: list[tuple[dict, str]]) -> SandboxPost:
    state = ctx.state
    with state.lock:
        pk = str(state.next_id("instagram_private.media", 3_500_000_000_000_000_000))
        post = SandboxPost(
            platform="instagram", id=pk, account=ctx.user, text=caption,
            created_at=state.clock.now(), media=[u["blob"] for u, _ in parts],
            alt_text=[alt for _, alt in parts],
            extra={"backend": "private", "code": media.shortcode(int(pk)),
                   "media_type": "CAROUSEL_ALBUM" if len(parts) > 1 else "IMAGE",
                   "sizes": [[u["width"], u["height"]] for u, _ in parts]})
        uploads = ctx.memory()["uploads"]
        for upload, _ in parts:  # an upload makes one post
            uploads.pop(upload["id"], None)
        state.add(post)
    return post


@route("POST", r"api/v1/media/configure", "instagram_private.configure")
async def configure(ctx: Ctx) -> dict:
    upload = _upload(ctx, ctx.params.get("upload_id"))
    alt = str(ctx.params.get("custom_accessibility_caption") or "")
    post = _post(ctx, _caption(ctx), [(upload, alt)])
    return {"media": media.media_json(ctx, post), "upload_id": ctx.params.get("upload_id")}


@route("POST", r"api/v1/media/configure_sidecar", "instagram_private.configure_sidecar")
async def configure_sidecar(ctx: Ctx) -> dict:
    children = ctx.params.get("children_metadata")
    if not isinstance(children, list) or not 2 <= len(children) <= 10:
        raise Refused(400, "An album holds 2 to 10 photos or videos.")
    parts = [(_upload(ctx, c.get("upload_id") if isinstance(c, dict) else None),
              str(c.get("custom_accessibility_caption") or "")) for c in children]
    post = _post(ctx, _caption(ctx), parts)
    return {"media": media.media_json(ctx, post), "client_sidecar_id": ctx.params.get("upload_id")}


media.install_routes(route, Refused)
login.install_routes(route, Refused)
