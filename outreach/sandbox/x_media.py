"""X API v2 media and user routes under `/x`: uploads, alt text, the account's recent posts.

- `POST /2/media/upload` (one shot, multipart `media`, `media_category`; any other field is
  refused, as the schema's `additionalProperties: false` says);
- `GET /2/media/upload?command=STATUS&media_id=…`: where X's processing of an upload stands
  (https://docs.x.com/x-api/media/media-upload-status). With `x.gif_processing_seconds` above 0,
  a GIF answers `processing_info` (`pending`, then `in_progress`) until that time has passed,
  then `succeeded` — or `failed` with `x.media_processing_fails`; a post may carry it only
  once it succeeded;
- `POST /2/media/upload/initialize` (JSON) -> `/{id}/append` (multipart `media`,
  `segment_index`) -> `/{id}/finalize`; https://docs.x.com/x-api/media/quickstart/media-upload-chunked
- `POST /2/media/metadata` `{"id", "metadata": {"alt_text": {"text"}}}` (at most 1,000 characters);
- `GET /2/users/me`, `GET /2/users/{id}/tweets` (https://docs.x.com/x-api/posts/user-posts-timeline).
"""

from __future__ import annotations

import base64
import time

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from outreach.platforms.images import image_info
from outreach.sandbox import x_wire
from outreach.sandbox.state import SandboxState

router = APIRouter(prefix="/x")
LIMITS = {
    "x.media_upload": (500, 15 * 60),
    "x.media_metadata": (500, 15 * 60),
}
OPTIONS = {"x.gif_processing_seconds": 0.0, "x.media_processing_fails": 0.0}
IMAGE_MAX = 5 * 1024 * 1024
GIF_MAX = 15 * 1024 * 1024
EXPIRES = 24 * 3600
CATEGORIES = ("tweet_image", "tweet_gif", "tweet_video", "dm_image", "dm_gif", "dm_video",
              "subtitles", "amplify_video")


def install(app: FastAPI, state: SandboxState) -> None:
    app.include_router(router)


def media_store(state: SandboxState) -> dict:
    return state.extras.setdefault("x", {}).setdefault("media", {})


async def _form(request: Request) -> tuple[dict, dict[str, bytes]]:
    fields, files = {}, {}
    kind = request.headers.get("content-type", "")
    if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        form = await request.form()
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = await value.read()
            else:
                fields[key] = value
    elif kind.startswith("application/json"):
        try:
            body = await request.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            fields.update({k: v for k, v in body.items() if k != "media"})
            if isinstance(body.get("media"), str):  # base64 in JSON bodies
                try:
                    files["media"] = base64.b64decode(body["media"], validate=True)
                except ValueError:
                    pass
    return fields, files


def _checked(data: bytes, category: str) -> tuple[str | None, dict | None]:
    """(problem, image description) for uploaded bytes."""
    info = image_info(data[:262144])
    if info is None:
        return "media type unrecognized.", None
    limit = GIF_MAX if info.content_type == "image/gif" else IMAGE_MAX
    if len(data) > limit:
        return f"File size exceeds {limit} bytes.", None
    return None, {"image_type": info.content_type, "w": info.width, "h": info.height}


def _new_media(state: SandboxState, account: str, data: bytes | None, kind: str,
               category: str, total: int | None = None) -> dict:
    with state.lock:
        media_id = str(state.next_id("x.media", 1_880_000_000_000_000_000))
        entry = {"id": media_id, "account": account, "type": kind, "category": category,
                 "alt": None, "chunks": {}, "total": total, "done": data is not None,
                 "expires": time.time() + EXPIRES}
        if data is not None:
            state.blobs[media_id] = (kind, data)
        media_store(state)[media_id] = entry
    return entry


def _media_data(entry: dict, size: int, image: dict | None = None) -> dict:
    data = {"id": entry["id"], "media_key": f"3_{entry['id']}", "size": size,
            "expires_after_secs": max(0, int(entry["expires"] - time.time()))}
    if image:
        data["image"] = image
    if _processing(entry):
        data["processing_info"] = _processing(entry)
    return data


@router.post("/2/media/upload")
async def upload(request: Request) -> Response:
    call = await x_wire.begin(request, "x.media_upload", user_only=True)
    if not isinstance(call, x_wire.Call):
        return call
    fields, files = await _form(request)
    if fields.get("command"):  # the retired v1.1-style INIT/APPEND/FINALIZE on one URL
        return x_wire.invalid_request(["Use /2/media/upload/initialize, /append and /finalize."],
                                 call.window)
    category = str(fields.get("media_category") or "tweet_image")
    if category not in CATEGORIES:
        return x_wire.invalid_request([f"`media_category` {category!r} is not valid."], call.window)
    data = files.get("media")
    if not data:
        return x_wire.invalid_request(["`media` is required."], call.window)
    extra = sorted(set(fields) - {"media_category", "additional_owners"})
    if extra:
        return x_wire.invalid_request([f"Unknown field(s) {', '.join(extra)}."], call.window)
    problem, image = _checked(data, category)
    if problem:
        return x_wire.invalid_request([problem], call.window)
    entry = _new_media(call.state, call.account, data, image["image_type"], category)
    _start_processing(call.state, entry)
    return x_wire.finish(request, call, JSONResponse({"data": _media_data(entry, len(data),
                                                                       image)}))


def _start_processing(state: SandboxState, entry: dict) -> None:
    seconds = state.options.get("x.gif_processing_seconds", 0)
    if seconds > 0 and entry["type"] == "image/gif":
        entry["ready_at"] = time.time() + seconds
        entry["fails"] = bool(state.options.get("x.media_processing_fails"))


def _processing(entry: dict) -> dict | None:
    """X's `processing_info` for an upload, None when nothing is processed."""
    ready = entry.get("ready_at")
    if ready is None:
        return None
    left = ready - time.time()
    if left > 0:
        started = entry.get("polled", False)
        return {"state": "in_progress" if started else "pending",
                "check_after_secs": max(1, int(left + 0.999)),
                **({"progress_percent": 50} if started else {})}
    return {"state": "failed" if entry.get("fails") else "succeeded", "progress_percent": 100}


@router.get("/2/media/upload")
async def status(request: Request) -> Response:
    call = await x_wire.begin(request, "x.media_upload", user_only=True)
    if not isinstance(call, x_wire.Call):
        return call
    media_id = request.query_params.get("media_id", "")
    if request.query_params.get("command", "STATUS") != "STATUS":
        return x_wire.invalid_request(["`command` must be STATUS."], call.window)
    entry = media_store(call.state).get(media_id)
    if entry is None or entry["account"] != call.account or not entry["done"]:
        return x_wire.invalid_request([f"Media id {media_id!r} was not found."], call.window)
    info = _processing(entry)
    entry["polled"] = True
    data = {"id": media_id, "media_key": f"3_{media_id}",
            "expires_after_secs": max(0, int(entry["expires"] - time.time()))}
    if info:
        data["processing_info"] = info
    return x_wire.finish(request, call, JSONResponse({"data": data}))


@router.post("/2/media/upload/initialize")
async def initialize(request: Request) -> Response:
    call = await x_wire.begin(request, "x.media_upload", user_only=True)
    if not isinstance(call, x_wire.Call):
        return call
    fields, _ = await _form(request)
    try:
        total = int(fields.get("total_bytes"))
    except (TypeError, ValueError):
        return x_wire.invalid_request(["`total_bytes` is required."], call.window)
    kind = str(fields.get("media_type") or "")
    if not kind.startswith(("image/", "video/")):
        return x_wire.invalid_request(["`media_type` is required."], call.window)
    if total > (GIF_MAX if kind == "image/gif" else IMAGE_MAX) and kind.startswith("image/"):
        return x_wire.invalid_request([f"File size exceeds {IMAGE_MAX} bytes."], call.window)
    entry = _new_media(call.state, call.account, None, kind,
                       str(fields.get("media_category") or "tweet_image"), total)
    data = {"id": entry["id"], "media_key": f"3_{entry['id']}",
            "expires_after_secs": EXPIRES}
    return x_wire.finish(request, call, JSONResponse({"data": data}))


def _pending(call, media_id: str) -> dict | None:  # noqa: ANN001
    entry = media_store(call.state).get(media_id)
    if entry is None or entry["account"] != call.account or entry["done"]:
        return None
    return entry


@router.post("/2/media/upload/{media_id}/append")
async def append(request: Request, media_id: str) -> Response:
    call = await x_wire.begin(request, "x.media_upload", user_only=True)
    if not isinstance(call, x_wire.Call):
        return call
    fields, files = await _form(request)
    entry = _pending(call, media_id)
    if entry is None:
        return x_wire.invalid_request([f"Media id {media_id} is not an upload in progress."],
                                 call.window)
    try:
        index = int(fields.get("segment_index"))
    except (TypeError, ValueError):
        return x_wire.invalid_request(["`segment_index` is required."], call.window)
    if not 0 <= index <= 999 or "media" not in files:
        return x_wire.invalid_request(["`segment_index` is 0 to 999 and `media` is required."],
                                 call.window)
    with call.state.lock:
        entry["chunks"][index] = files["media"]
    expires = int(entry["expires"])
    return x_wire.finish(request, call, JSONResponse({"data": {"expires_at": expires}}))


@router.post("/2/media/upload/{media_id}/finalize")
async def finalize(request: Request, media_id: str) -> Response:
    call = await x_wire.begin(request, "x.media_upload", user_only=True)
    if not isinstance(call, x_wire.Call):
        return call
    entry = _pending(call, media_id)
    if entry is None:
        return x_wire.invalid_request([f"Media id {media_id} is not an upload in progress."],
                                 call.window)
    chunks = entry["chunks"]
    if sorted(chunks) != list(range(len(chunks))):
        return x_wire.invalid_request(["Segments are missing."], call.window)
    data = b"".join(chunks[i] for i in range(len(chunks)))
    if len(data) != entry["total"]:
        return x_wire.invalid_request([f"File size mismatch: {len(data)} bytes received, "
                                  f"{entry['total']} announced."], call.window)
    problem, image = _checked(data, entry["category"])
    if problem:
        return x_wire.invalid_request([problem], call.window)
    with call.state.lock:
        entry.update(done=True, chunks={})
        call.state.blobs[media_id] = (image["image_type"], data)
    _start_processing(call.state, entry)
    return x_wire.finish(request, call, JSONResponse({"data": _media_data(entry, len(data),
                                                                       image)}))


@router.post("/2/media/metadata")
async def metadata(request: Request) -> Response:
    call = await x_wire.begin(request, "x.media_metadata", user_only=True)
    if not isinstance(call, x_wire.Call):
        return call
    try:
        body = await request.json()
    except ValueError:
        body = None
    media_id = str((body or {}).get("id", "")) if isinstance(body, dict) else ""
    alt = (((body or {}).get("metadata") or {}).get("alt_text") or {}).get("text") \
        if isinstance(body, dict) else None
    entry = media_store(call.state).get(media_id)
    if entry is None or entry["account"] != call.account or not entry["done"]:
        return x_wire.invalid_request([f"Media id {media_id!r} was not found."], call.window)
    if not isinstance(alt, str) or not alt or len(alt) > 1000:
        return x_wire.invalid_request(["`metadata.alt_text.text` holds 1 to 1000 characters."],
                                 call.window)
    with call.state.lock:
        entry["alt"] = alt
    data = {"id": media_id, "associated_metadata": {"alt_text": {"text": alt}}}
    return x_wire.finish(request, call, JSONResponse({"data": data}))


def attach(state: SandboxState, account: str, media_ids: list[str]) -> tuple[list, list] | None:
    """(blob ids, alt texts) of uploaded media a post may carry; None when one is not usable."""
    store = media_store(state)
    found = [store.get(m) for m in media_ids]
    if any(e is None or e["account"] != account or not e["done"] or e["expires"] < time.time()
           or (_processing(e) or {}).get("state", "succeeded") != "succeeded" for e in found):
        return None
    return [e["id"] for e in found], [e["alt"] or "" for e in found]
