"""Images on X: the v2 media upload and alt text, which tweepy 4.17 does not have.

Written over tweepy's own `requests` session and OAuth 1.0a signer, so the calls go through the
same adapter (base URL, timeout, masked logs) as every other X call.

- one shot: `POST /2/media/upload` (multipart `media`, `media_category`: the schema allows no
  other field since `media_type` left it in Aug 2026);
- chunked, for larger files: `POST /2/media/upload/initialize` -> `/{id}/append` (each segment)
  -> `/{id}/finalize`; https://docs.x.com/x-api/media/quickstart/media-upload-chunked
- alt text: `POST /2/media/metadata` (https://docs.x.com/x-api/media/metadata-create);
- an answer with `processing_info` (GIFs, anything X processes after the upload) is polled with
  `GET /2/media/upload?command=STATUS&media_id=…` until `succeeded`, waiting `check_after_secs`
  between reads and at most `poll_timeout` in all; `failed` refuses the post
  (https://docs.x.com/x-api/media/media-upload-status).

An upload shows nobody anything, so its failures are never "unknown outcomes": they are retried.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import requests
import tweepy

from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.images import check_image, read_image
from outreach.platforms.reasons import reason

if TYPE_CHECKING:
    from outreach.platforms.x import XPlatform

API = "https://api.x.com"  # rewritten to OUTREACH_X_API_URL by the session's adapter
ONE_SHOT_MAX = 1024 * 1024  # bytes; larger files go in segments
SEGMENT = 1024 * 1024
_ERRORS = {400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden,
           404: tweepy.NotFound, 429: tweepy.TooManyRequests}


def upload_images(x: XPlatform, paths: list[str], alts: list[str]) -> list[str]:
    """Upload each image with its alt text; returns the media ids, in order."""
    if len(paths) > x.limits.max_media:
        raise PublishError(ErrorKind.rejected, reason("x.too_many", n=len(paths),
                                                      max=x.limits.max_media),
                           code="media_count")
    files = []
    for path in paths:  # check them all before uploading any
        data, info = read_image(path, x.label)
        check_image(Path(path).name, len(data), info, x.limits, x.label)
        files.append((Path(path).name, data, info.content_type))
    ids = []
    for (name, data, kind), alt in zip(files, alts + [""] * len(files), strict=False):
        if len(data) <= x.one_shot_max:
            media_id, answer = _one_shot(x, name, data, kind)
        else:
            media_id, answer = _chunked(x, name, data, kind)
        _wait_until_processed(x, media_id, answer)
        if alt:
            _call(x, "POST", "/2/media/metadata",
                  json={"id": media_id, "metadata": {"alt_text": {"text": alt[:1000]}}})
        ids.append(media_id)
    return ids


def _one_shot(x: XPlatform, name: str, data: bytes, kind: str) -> tuple[str, dict]:
    body = _call(x, "POST", "/2/media/upload", data={"media_category": _category(kind)},
                 files={"media": (name, data, kind)})
    return _media_id(body), body


def _chunked(x: XPlatform, name: str, data: bytes, kind: str) -> str:
    body = _call(x, "POST", "/2/media/upload/initialize",
                 json={"media_type": kind, "total_bytes": len(data),
                       "media_category": _category(kind)})
    media_id = _media_id(body)
    for index, start in enumerate(range(0, len(data), x.segment_size)):
        _call(x, "POST", f"/2/media/upload/{media_id}/append",
              data={"segment_index": str(index)},
              files={"media": (name, data[start:start + x.segment_size],
                               "application/octet-stream")})
    body = _call(x, "POST", f"/2/media/upload/{media_id}/finalize")
    _media_id(body)
    return media_id, body


def _wait_until_processed(x: XPlatform, media_id: str, answer: dict) -> None:
    """Poll the upload's status while X is processing it (X's own pace: `check_after_secs`)."""
    deadline = time.monotonic() + x.poll_timeout
    info = (answer.get("data") or {}).get("processing_info")
    while info:
        state = str(info.get("state") or "")
        if state == "succeeded":
            return
        if state == "failed":
            why = ((info.get("error") or {}).get("message") or "").strip()
            raise PublishError(ErrorKind.rejected,
                               reason("x.media_failed", said=why) if why
                               else reason("x.media_failed_plain"), code="media_processing")
        wait = max(0.0, float(info.get("check_after_secs") or 1))
        if x.poll_interval is not None:
            wait = min(wait, x.poll_interval)
        if time.monotonic() + wait > deadline:
            raise PublishError(ErrorKind.transient, reason("x.media_processing"))
        time.sleep(wait)
        body = _call(x, "GET", "/2/media/upload",
                     params={"command": "STATUS", "media_id": media_id})
        info = (body.get("data") or {}).get("processing_info")


def _category(kind: str) -> str:
    return "tweet_gif" if kind == "image/gif" else "tweet_image"


def _media_id(body: dict) -> str:
    media_id = str((body.get("data") or {}).get("id") or body.get("media_id_string") or "")
    if not media_id:
        raise PublishError(ErrorKind.transient, reason("x.media_no_id"))
    return media_id


def _call(x: XPlatform, method: str, path: str, **kwargs) -> dict:
    try:
        answer = x.client.session.request(method, API + path, auth=x._signer, **kwargs)
    except requests.RequestException as exc:
        raise x._network_error(exc, publishing=False) from None
    if answer.status_code >= 400:
        exc_class = _ERRORS.get(answer.status_code,
                                tweepy.TwitterServerError if answer.status_code >= 500
                                else tweepy.HTTPException)
        error = x._error(exc_class(answer), publishing=False)
        raise PublishError(error.kind, reason("x.upload_failed", why=error.message),
                           retry_after=error.retry_after, status=error.status, code=error.code)
    try:
        body = answer.json() if answer.content else {}
    except ValueError:
        raise PublishError(ErrorKind.transient, reason("x.upload_unreadable")) from None
    return body if isinstance(body, dict) else {}
