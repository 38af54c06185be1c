"""Instagram Graph API endpoints (handlers for `sandbox/graph.py`).

Content publishing (https://developers.facebook.com/docs/instagram-platform/content-publishing):
`POST /{ig-user}/media` makes a container (the image is fetched from `image_url` and checked as
Instagram does: JPEG, at most 8 MB, aspect ratio 4:5 to 1.91:1, at least 320 pixels wide), whose
`status_code` goes IN_PROGRESS -> FINISHED (or ERROR; EXPIRED after 24 h; PUBLISHED once used);
`POST /{ig-user}/media_publish` publishes a FINISHED container; carousels are a parent container
with `media_type=CAROUSEL` and `children`. `GET /{ig-user}/content_publishing_limit` reports the
quota (100 posts per 24 h; `POST /_sandbox/limits {"endpoint": "instagram.publish", ...}`).
Insights: `GET /{media}/insights?metric=views,reach,likes,comments,shares,saved`. Comments:
`GET /{media}/comments` (`sandbox/comments.py`; as many as the media's `comments` count, top-level
only). Replies: `POST /{ig-comment-id}/replies` (`message`), with instagram_manage_comments; a
reply to a reply joins its top-level comment
(https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies).
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from fastapi import FastAPI

from outreach.platforms.images import image_info
from outreach.sandbox.comments import comments_of, page, remember_reply, replies_on
from outreach.sandbox.graph import (
    USAGE_LIMITS,
    Ctx,
    GraphError,
    expansion,
    graph_time,
    insights_body,
    invalid_param,
    lacks,
    listing,
    missing_object,
    parse_fields,
    route,
)
from outreach.sandbox.state import SandboxPost, SandboxState

DAY = 24 * 3600
LIMITS = {
    "instagram.create_container": (10**6, 3600),
    "instagram.container_status": (10**6, 3600),
    "instagram.publish": (100, DAY),  # the content publishing limit
    "instagram.publishing_limit": (10**6, 3600),
    "instagram.get_media": (10**6, 3600),
    "instagram.insights": (10**6, 3600),
    "instagram.comments": (10**6, 3600),
    "instagram.reply": (10**6, 3600),
    "instagram.calls": USAGE_LIMITS["instagram.calls"],
}
# How long a container stays IN_PROGRESS; the reach under which a media has no insights
# ("Not enough viewers"; 0: off).
OPTIONS = {"instagram.processing_seconds": 0.3, "instagram.min_viewers": 0.0}
INSIGHTS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
WITHDRAWN = ("impressions", "plays", "video_views")  # deprecated in 2025
MAX_BYTES = 8 * 1024 * 1024
MEDIA_FIELDS = {"like_count", "comments_count", "caption", "timestamp", "permalink",
                "media_type", "comments"}
MAX_CAPTION = 2200
STATUS_TEXT = {
    "IN_PROGRESS": "In Progress: Media is still being processed.",
    "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
    "PUBLISHED": "Published: Media has been successfully published.",
    "EXPIRED": "Expired: The container was not published within 24 hours and has expired.",
}


def install(app: FastAPI, state: SandboxState) -> None:
    state.register("instagram", limits=LIMITS, metrics=media_metrics, options=OPTIONS)


def media_metrics(seed: int, media_id: str, age: int) -> dict[str, int]:
    rng = random.Random(f"instagram:{seed}:{media_id}")
    audience = rng.randint(100, 3000)
    half_life = rng.uniform(1.0, 6.0) * 3600
    reach = math.floor(audience * (1 - 0.5 ** (age / half_life)))
    metrics = {
        "views": math.floor(reach * rng.uniform(1.2, 2.0)),
        "reach": reach,
        "likes": math.floor(reach * rng.uniform(0.03, 0.12)),
        "comments": math.floor(reach * rng.uniform(0.002, 0.01)),
        "shares": math.floor(reach * rng.uniform(0.001, 0.01)),
        "saved": math.floor(reach * rng.uniform(0.002, 0.02)),
    }
    metrics["total_interactions"] = sum(metrics[k] for k in ("likes", "comments", "shares",
                                                              "saved"))
    return metrics


# Image fetches get threads of their own: the loop's default executor has only cpu+4 threads
# (6 on our 2-core machines), shared with anything else that borrows it, and a few slow fetches
# queued there can hold a container creation past the client's read timeout.
_FETCHERS = ThreadPoolExecutor(max_workers=16, thread_name_prefix="sandbox-image-fetch")


async def fetch_image(url: str) -> bytes | None:
    """GET the image as Instagram's fetcher does (at most 8 MB + 1 byte read); None on failure."""

    def get() -> bytes | None:
        try:
            with requests.get(url, timeout=(3, 10), stream=True,
                              headers={"User-Agent": "facebookexternalhit/1.1"}) as answer:
                if answer.status_code != 200:
                    return None
                data = b""
                for chunk in answer.iter_content(65536):
                    data += chunk
                    if len(data) > MAX_BYTES:
                        break
                return data
        except requests.RequestException:
            return None

    if not url.startswith(("http://", "https://")):
        return None
    return await asyncio.get_running_loop().run_in_executor(_FETCHERS, get)


def _memory(ctx_or_state) -> dict:  # noqa: ANN001
    state = ctx_or_state.state if isinstance(ctx_or_state, Ctx) else ctx_or_state
    memory = state.extras.setdefault("instagram", {})
    memory.setdefault("containers", {})
    memory.setdefault("withdrawn", set(WITHDRAWN))
    return memory


def _status(state: SandboxState, container: dict) -> str:
    if container["media_id"]:
        return "PUBLISHED"
    if container.get("error"):
        return "ERROR"
    if state.clock.time() - container["created"] > DAY:
        return "EXPIRED"
    if time.monotonic() - container["started"] < state.options.get(
            "instagram.processing_seconds", 0):
        return "IN_PROGRESS"
    children = [_memory(state)["containers"].get(c) for c in container["children"]]
    if any(c is None or _status(state, c) != "FINISHED" for c in children):
        return "IN_PROGRESS"
    return "FINISHED"


def _owner(state: SandboxState, groups: tuple[str, ...]) -> str | None:
    object_id = groups[0]
    container = _memory(state)["containers"].get(object_id)
    if container is not None:
        return container["account"]
    post = state.get("instagram", object_id)
    return post.account if post else object_id


def _image_error(subcode: int, message: str, code: int = 9004) -> GraphError:
    return GraphError(400, code, message, subcode=subcode, type_="OAuthException",
                      user_msg=message)


async def _checked_image(url: str) -> tuple[bytes, str]:
    data = await fetch_image(url)
    if data is None:
        raise _image_error(2207052, "Media download has failed. The media URI doesn't meet our "
                           "requirements.")
    if len(data) > MAX_BYTES:
        raise _image_error(2207004, "The image is too large to download. It should be less "
                           "than 8 MiB.")
    info = image_info(data[:262144])
    if info is None or info.content_type != "image/jpeg":
        raise _image_error(2207005, "The image format is not supported. Only JPEG images can "
                           "be published.", code=36001)
    if not 0.8 - 0.005 <= info.aspect <= 1.91 + 0.005:
        raise _image_error(2207009, f"The submitted image with aspect ratio "
                           f"('{info.width}/{info.height}') cannot be published. Please "
                           "submit an image with a valid aspect ratio.", code=36003)
    if info.width < 320:
        raise _image_error(2207004, f"The image is {info.width} pixels wide; the minimum "
                           "width is 320 pixels.", code=36001)
    return data, info.content_type


def _caption_checks(caption: str) -> None:
    if len(caption) > MAX_CAPTION:
        raise invalid_param("The caption is longer than 2200 characters.", 2207010)
    if len(re.findall(r"(?<!\w)#\w+", caption)) > 30:
        raise invalid_param("The caption has more than 30 hashtags.", 2207010)
    if len(re.findall(r"(?<!\w)@[\w.]+", caption)) > 20:
        raise invalid_param("The caption has more than 20 @ mentions.", 2207010)


@route("POST", r"(\d+)/media", "instagram.create_container")
async def create_container(ctx: Ctx, account: str):
    p = ctx.params
    media_type = str(p.get("media_type") or "IMAGE").upper()
    caption = str(p.get("caption") or "")
    alt = str(p.get("alt_text") or "")
    is_item = str(p.get("is_carousel_item", "false")).lower() == "true"
    children: list[str] = []
    blob = None
    if media_type == "CAROUSEL":
        raw = p.get("children") or ""
        children = [c.strip() for c in (raw if isinstance(raw, list) else str(raw).split(","))
                    if str(c).strip()]
        if not 2 <= len(children) <= 10:
            raise invalid_param("A carousel holds 2 to 10 children.", 2207036)
        containers = _memory(ctx)["containers"]
        for child in children:
            found = containers.get(child)
            if found is None or found["account"] != account or not found["is_item"]:
                raise invalid_param(f"The child {child} is not a carousel item of this "
                                    "account.", 2207006)
        _caption_checks(caption)
    elif media_type == "IMAGE":
        if not p.get("image_url"):
            raise invalid_param("The parameter image_url is required.")
        if len(alt) > 1000:
            raise invalid_param("alt_text is longer than 1000 characters.")
        if not is_item:
            _caption_checks(caption)
        data, kind = await _checked_image(str(p["image_url"]))
    else:
        raise invalid_param(f"media_type {media_type} is not supported here (IMAGE, "
                            "CAROUSEL).")
    state = ctx.state
    with state.lock:
        cid = str(state.next_id("instagram.container", 17_900_000_000_000_000))
        if media_type == "IMAGE":
            blob = cid
            state.blobs[blob] = (kind, data)
        _memory(ctx)["containers"][cid] = {
            "id": cid, "account": account, "type": media_type, "is_item": is_item,
            "caption": caption, "alt": alt, "blob": blob, "children": children,
            "created": state.clock.time(), "started": time.monotonic(), "media_id": None,
        }
    return {"id": cid}, account


@route("GET", r"(\d+)", "instagram.container_status", owner=_owner)
async def get_object(ctx: Ctx, object_id: str):
    state = ctx.state
    fields = parse_fields(ctx.params.get("fields") or "id")
    with state.lock:
        container = _memory(ctx)["containers"].get(object_id)
        if container is not None:
            status = _status(state, container)
            out = {"id": object_id}
            if "status_code" in fields:
                out["status_code"] = status
            if "status" in fields:
                out["status"] = STATUS_TEXT.get(status, "Error: the media could not be "
                                                "processed.")
            return out, container["account"]
        post = state.get("instagram", object_id)
        if post is not None:
            return _media(state, post, fields, ctx.base), post.account
        facebook = [p for p in state.posts.values() if p.id.startswith(object_id + "_")]
        if facebook:
            return {"id": object_id, "name": f"Sandbox Page {object_id}"}, object_id
    if set(fields) & MEDIA_FIELDS:  # a media that is not (or no longer) there: #100/33
        raise missing_object(object_id)
    return {"id": object_id, "username": f"sandbox_{object_id}"}, object_id


@route("POST", r"(\d+)/media_publish", "instagram.publish")
async def media_publish(ctx: Ctx, account: str):
    state = ctx.state
    cid = str(ctx.params.get("creation_id") or "")
    with state.lock:
        container = _memory(ctx)["containers"].get(cid)
        if container is None or container["account"] != account:
            raise missing_object(cid)
        status = _status(state, container)
        if status == "IN_PROGRESS":
            raise GraphError(400, 9007, "Media ID is not available", subcode=2207027,
                             user_msg="The media is not ready for publishing, please wait "
                             "for a moment")
        if status == "EXPIRED":
            raise GraphError(400, 9007, "The media container has expired.", subcode=2207020,
                             user_msg="The media you are trying to publish has expired. "
                             "Please try again with a new container.")
        if status == "PUBLISHED":
            raise GraphError(400, 9007, "Media has already been published.", subcode=2207008)
        if container["is_item"]:
            raise invalid_param("A carousel item cannot be published on its own.")
        window, allowed = state.rates.hit("instagram.publish", account)
        if not allowed:
            raise GraphError(400, 9, "Application request limit reached", subcode=2207042,
                             user_msg="You reached maximum number of posts that is allowed to "
                             "be published by Content Publish API.")
        containers = _memory(ctx)["containers"]
        parts = [containers[c] for c in container["children"]] or [container]
        media_id = str(state.next_id("instagram.media", 18_000_000_000_000_000))
        container["media_id"] = media_id
        for part in parts:
            part["media_id"] = part["media_id"] or media_id
        state.add(SandboxPost(
            platform="instagram", id=media_id, account=account, text=container["caption"],
            created_at=state.clock.now(), media=[p["blob"] for p in parts],
            alt_text=[p["alt"] for p in parts],
            extra={"media_type": "CAROUSEL_ALBUM" if container["children"] else "IMAGE",
                   "container": cid},
        ))
    return {"id": media_id}, account


@route("GET", r"(\d+)/content_publishing_limit", "instagram.publishing_limit")
async def publishing_limit(ctx: Ctx, account: str):
    with ctx.state.lock:
        window = ctx.state.rates.peek("instagram.publish", account)
    limit = window.limit if window else 100
    used = limit - max(window.remaining, 0) if window else 0
    return {"data": [{"quota_usage": used,
                      "config": {"quota_total": limit, "quota_duration": DAY}}]}, account


def _media(state: SandboxState, post: SandboxPost, fields: dict[str, str],
           base: str = "") -> dict:
    out: dict = {"id": post.id}
    values = state.metrics(post)
    for name in fields:
        if name == "caption" and post.text:
            out["caption"] = post.text
        elif name == "timestamp":
            out["timestamp"] = graph_time(post.created_at)
        elif name == "permalink":
            out["permalink"] = f"https://www.instagram.com/p/sandbox{post.id[-8:]}/"
        elif name == "media_type":
            out["media_type"] = post.extra.get("media_type", "IMAGE")
        elif name == "like_count":
            out["like_count"] = values["likes"]
        elif name == "comments_count":
            out["comments_count"] = values["comments"]
        elif name == "comments":  # field expansion: comments.limit(n){id,text,...}
            limit, sub = expansion(fields[name])
            out["comments"] = _comment_page(state, post, sub, min(limit or 25, 50), None, base)
    return out


@route("GET", r"(\d+)/media", "instagram.get_media")
async def list_media(ctx: Ctx, account: str):
    fields = parse_fields(ctx.params.get("fields") or "id")
    return listing(ctx, "instagram", account, lambda p: _media(ctx.state, p, fields)), account


@route("GET", r"(\d+)/insights", "instagram.insights", owner=_owner)
async def insights(ctx: Ctx, media_id: str):
    metrics = [m for m in str(ctx.params.get("metric") or "").split(",") if m]
    with ctx.state.lock:
        post = ctx.state.get("instagram", media_id)
        if post is None:
            raise missing_object(media_id)
        known = set(INSIGHTS) - _memory(ctx)["withdrawn"]
        bad = [m for m in metrics if m not in known]
        if not metrics or bad:
            raise invalid_param(f"metric[{metrics.index(bad[0]) if bad else 0}] must be one "
                                f"of the following values: {', '.join(sorted(known))}")
        # https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights
        # needs instagram_manage_insights (else "(#10) Application does not have permission for
        # this action"), and a media seen by too few people answers "(#10) Not enough viewers
        # for the media to show insights" (Limitations).
        if lacks(ctx, "instagram_manage_insights"):
            raise GraphError(403, 10, "(#10) Application does not have permission for this "
                             "action")
        values = ctx.state.metrics(post)
        if values["reach"] < ctx.state.options.get("instagram.min_viewers", 0):
            raise GraphError(400, 10, "(#10) Not enough viewers for the media to show insights")
    return insights_body(media_id, {m: values[m] for m in metrics}), post.account


@route("GET", r"(\d+)/comments", "instagram.comments", owner=_owner)
async def media_comments(ctx: Ctx, media_id: str):
    """https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments"""
    try:
        limit = max(1, min(50, int(ctx.params.get("limit", 25))))
    except ValueError:
        raise invalid_param("Param limit must be a number") from None
    with ctx.state.lock:
        post = ctx.state.get("instagram", media_id)
        if post is None or post.extra.get("backend") == "private":
            raise missing_object(media_id)
    return _comment_page(ctx.state, post, ctx.params.get("fields"), limit,
                         ctx.params.get("after"), ctx.base), post.account


def _comment_page(state: SandboxState, post: SandboxPost, raw_fields: str | None, limit: int,
                  after: str | None, base: str) -> dict:
    """One page of a media's comments, newest first, as `GET /{media}/comments` and the
    `comments{...}` field expansion of `GET /{media}` give it."""
    fields = parse_fields(raw_fields or "id,text,timestamp")
    media_id = post.id
    with state.lock:
        found = comments_of(state, post, "comments")
    found.reverse()  # newest first
    chunk, after = page(found, limit, after)
    data = []
    for c in chunk:
        item: dict = {"id": str(COMMENT_BASE + int(media_id) % 10**12 * 1000 + c.number)}
        values = {"text": c.text, "timestamp": graph_time(c.created_at), "username": c.handle,
                  "from": {"id": c.author_id, "username": c.handle}, "like_count": 0,
                  "hidden": False}
        item.update({k: v for k, v in values.items() if k in fields})
        data.append(item)
    paging: dict = {"cursors": {"before": "0", "after": after or str(len(found))}}
    if after:
        paging["next"] = f"{base}/graph/{media_id}/comments?limit={limit}&after={after}"
    return {"data": data, "paging": paging}


COMMENT_BASE = 17_800_000_000_000_000  # + (media id mod 10**12) * 1000 + n: a public comment
MAX_COMMENT = 2200


def _commented_media(state: SandboxState, comment_id: str) -> tuple[SandboxPost, str] | None:
    """(the media, its top-level comment's id) for a comment id: one of the public's, or one of
    the account's replies (whose top-level comment takes the new reply)."""
    with state.lock:
        medias = [p for p in state.posts.values() if p.platform == "instagram"
                  and p.extra.get("backend") != "private"]
        value = int(comment_id) - COMMENT_BASE
        key, n = divmod(value, 1000)
        for post in medias:
            if value >= 0 and int(post.id) % 10**12 == key and \
                    n < len(comments_of(state, post, "comments")):
                return post, comment_id
    for post in medias:
        for r in replies_on(state, "instagram", post.id):
            if r["id"] == comment_id:
                return post, r["parent"]
    return None


def _comment_owner(state: SandboxState, groups: tuple[str, ...]) -> str | None:
    found = _commented_media(state, groups[0])
    return found[0].account if found else None


@route("POST", r"(\d+)/replies", "instagram.reply", owner=_comment_owner)
async def reply_to_comment(ctx: Ctx, comment_id: str):
    found = _commented_media(ctx.state, comment_id)
    if found is None:
        raise missing_object(comment_id)
    post, top = found
    if lacks(ctx, "instagram_manage_comments"):
        raise GraphError(403, 10, "(#10) Application does not have permission for this action")
    message = str(ctx.params.get("message") or "").strip()
    if not message:
        raise invalid_param("The parameter message is required")
    if len(message) > MAX_COMMENT:
        raise invalid_param(f"The comment is longer than {MAX_COMMENT} characters")
    with ctx.state.lock:
        reply_id = str(ctx.state.next_id("instagram.comment", 17_900_000_000_000_000))
    remember_reply(ctx.state, "instagram", post, top, reply_id, message)
    return {"id": reply_id}, post.account
