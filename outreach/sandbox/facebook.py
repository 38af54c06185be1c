"""Facebook Page endpoints of the Graph API (handlers for `sandbox/graph.py`).

- `POST /{page}/feed` (`message`, `link`, `attached_media`) -> `{"id": "{page}_{n}"}`;
  https://developers.facebook.com/docs/graph-api/reference/page/feed#publish
- `POST /{page}/photos` (multipart `source` or `url`, `caption`/`message`, `alt_text_custom`,
  `published`) -> `{"id", "post_id"}`; https://developers.facebook.com/docs/graph-api/reference/page/photos
- `GET /{page}/feed`, `GET /{post}` with field expansion (reactions/comments summaries, shares,
  `insights.metric(...)`), `GET /{post}/insights?metric=...`;
- `GET /{post}/comments` (`fields`, `order`, `limit`, `after`): the public's comments
  (`sandbox/comments.py`), as many as the post's `comments` count, and the Page's replies;
  https://developers.facebook.com/docs/graph-api/reference/object/comments
- `POST /{comment-id}/comments` (`message`): the Page replies to a comment; needs
  pages_manage_engagement (https://developers.facebook.com/documentation/pages-api/comments-mentions);
  the reply is listed with the post's comments (its `parent` the comment, `from` the Page).

Meta withdraws insights metrics from time to time; asking for one fails the whole request with
#100. `POST /_sandbox/withdrawn {"platform": "facebook", "metrics": [...]}` rehearses that.
"""

from __future__ import annotations

import json
import math
import random
import re
from datetime import timedelta

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
    modifier,
    parse_fields,
    route,
)
from outreach.sandbox.state import SandboxPost, SandboxState

LIMITS = {
    "facebook.publish_feed": (10**6, 3600),
    "facebook.upload_photo": (10**6, 3600),
    "facebook.get_feed": (10**6, 3600),
    "facebook.get_post": (10**6, 3600),
    "facebook.insights": (10**6, 3600),
    "facebook.comments": (10**6, 3600),
    "facebook.reply": (10**6, 3600),
    "facebook.calls": USAGE_LIMITS["facebook.calls"],
}
INSIGHTS = ("post_media_view", "post_total_media_view_unique", "post_clicks",
            "post_reactions_by_type_total")
# Withdrawn in 2025 (https://developers.facebook.com/docs/platforminsights/page/deprecated-metrics):
WITHDRAWN = ("post_impressions", "post_impressions_unique", "post_impressions_organic")
REACTIONS = ("like", "love", "care", "wow", "haha", "sad", "angry")
MAX_MESSAGE = 63206
MAX_COMMENT = 8000  # what Facebook's comment box takes
COMMENT_BASE = 9 * 10**15  # a public comment's id: "{post number}_{COMMENT_BASE + n + 1}"
# The Page's likes (POST /_sandbox/options {"facebook.page_likes": 40}: a Page under 100 likes,
# whose posts have no insights).
PAGE_LIKES = 1000.0
POST_ID = r"(\d+_\d+)"


def install(app: FastAPI, state: SandboxState) -> None:
    state.register("facebook", limits=LIMITS, metrics=page_post_metrics,
                   options={"facebook.page_likes": PAGE_LIKES})
    state.extras["facebook"].clear()


def page_post_metrics(seed: int, post_id: str, age: int) -> dict[str, int]:
    """Deterministic, growing: an audience from (seed, id), reached along a saturating curve."""
    rng = random.Random(f"facebook:{seed}:{post_id}")
    audience = rng.randint(150, 4000)
    half_life = rng.uniform(2.0, 10.0) * 3600
    reach = math.floor(audience * (1 - 0.5 ** (age / half_life)))
    views = math.floor(reach * rng.uniform(1.1, 1.6))
    reaction_rate = rng.uniform(0.02, 0.08)
    split = [rng.random() ** 2 for _ in REACTIONS]
    split[0] += 2  # most reactions are likes
    total = sum(split)
    reactions = {f"reactions_{n}": math.floor(reach * reaction_rate * w / total)
                 for n, w in zip(REACTIONS, split, strict=True)}
    return {
        "post_media_view": views,
        "post_total_media_view_unique": reach,
        **reactions,
        "comments": math.floor(reach * rng.uniform(0.002, 0.01)),
        "shares": math.floor(reach * rng.uniform(0.001, 0.008)),
        "post_clicks": math.floor(reach * rng.uniform(0.01, 0.05)),
    }


def _owner(state: SandboxState, groups: tuple[str, ...]) -> str:
    return groups[0].split("_")[0]


def _memory(ctx: Ctx) -> dict:
    memory = ctx.memory()
    memory.setdefault("photos", {})  # unpublished photo id -> {"page", "blob", "alt"}
    memory.setdefault("withdrawn", set(WITHDRAWN))
    return memory


def _truthy(value) -> bool:  # noqa: ANN001
    return str(value).lower() not in ("false", "0", "")


def _attached(params: dict) -> list[str]:
    """`attached_media` as a JSON array, or as `attached_media[0]={"media_fbid": ...}` fields."""
    raw = params.get("attached_media")
    items = []
    if raw is not None:
        try:
            items = json.loads(raw) if isinstance(raw, str) else list(raw)
        except ValueError:
            raise invalid_param("param attached_media must be an array") from None
    else:
        keyed = sorted((int(m.group(1)), v) for k, v in params.items()
                       if (m := re.fullmatch(r"attached_media\[(\d+)\]", k)))
        for _, value in keyed:
            try:
                items.append(json.loads(value) if isinstance(value, str) else value)
            except ValueError:
                raise invalid_param("param attached_media must be an array") from None
    ids = []
    for item in items:
        if not isinstance(item, dict) or not str(item.get("media_fbid", "")).isdigit():
            raise invalid_param("attached_media items need a media_fbid")
        ids.append(str(item["media_fbid"]))
    return ids


def _new_post(ctx: Ctx, page: str, message: str, media: list[str], alts: list[str],
              extra: dict) -> SandboxPost:
    state = ctx.state
    with state.lock:
        now = state.clock.now()
        for p in state.posts.values():
            # Meta refuses the same status twice in a row ("Duplicate status message", #506).
            if p.platform == "facebook" and p.account == page and message and \
                    p.text == message and now - p.created_at < timedelta(hours=24):
                raise GraphError(400, 506, "Duplicate status message",
                                 type_="FacebookApiException")
        number = state.next_id("facebook.post", 10**14)
        post = SandboxPost(platform="facebook", id=f"{page}_{number}", account=page,
                           text=message, created_at=now, media=media, alt_text=alts,
                           extra={k: v for k, v in extra.items() if v})
        state.add(post)
    return post


@route("POST", r"(\d+)/feed", "facebook.publish_feed")
async def publish_feed(ctx: Ctx, page: str):
    message = str(ctx.params.get("message") or "")
    link = ctx.params.get("link")
    photo_ids = _attached(ctx.params)
    if not message and not link and not photo_ids:
        raise invalid_param("Missing message or attachment")
    if len(message) > MAX_MESSAGE:
        raise invalid_param("Param message must be at most 63206 characters long")
    photos = _memory(ctx)["photos"]
    for pid in photo_ids:
        photo = photos.get(pid)
        if photo is None or photo["page"] != page:
            raise invalid_param(f"param attached_media[0] has an invalid media_fbid {pid}")
    post = _new_post(ctx, page, message, [photos[p]["blob"] for p in photo_ids],
                     [photos[p]["alt"] for p in photo_ids], {"link": link})
    for pid in photo_ids:
        photos.pop(pid, None)
    return {"id": post.id}, page


@route("POST", r"(\d+)/photos", "facebook.upload_photo")
async def upload_photo(ctx: Ctx, page: str):
    if "source" in ctx.files:
        _, data, _ = ctx.files["source"]
    elif ctx.params.get("url"):
        from outreach.sandbox.instagram import fetch_image

        data = await fetch_image(str(ctx.params["url"]))
        if data is None:
            raise GraphError(400, 100, "(#100) url should represent a valid URL")
    else:
        raise GraphError(400, 324, "(#324) Requires upload file")
    info = image_info(data[:262144])
    if info is None:
        raise GraphError(400, 324, "(#324) Missing or invalid image file")
    alt = str(ctx.params.get("alt_text_custom") or "")
    message = str(ctx.params.get("caption") or ctx.params.get("message") or "")
    state = ctx.state
    with state.lock:
        photo_id = str(state.next_id("facebook.photo", 10**15))
        state.blobs[photo_id] = (info.content_type, data)
    if not _truthy(ctx.params.get("published", "true")):
        _memory(ctx)["photos"][photo_id] = {"page": page, "blob": photo_id, "alt": alt}
        return {"id": photo_id}, page
    post = _new_post(ctx, page, message, [photo_id], [alt], {})
    return {"id": photo_id, "post_id": post.id}, page


def _post(ctx: Ctx, post_id: str) -> SandboxPost:
    post = ctx.state.get("facebook", post_id)
    if post is None:
        raise missing_object(post_id)
    return post


def _insights(ctx: Ctx, post: SandboxPost, metrics: list[str]) -> dict:
    withdrawn = _memory(ctx)["withdrawn"]
    known = set(INSIGHTS) - withdrawn
    if not metrics or any(m not in known for m in metrics):
        raise GraphError(400, 100, "(#100) The value must be a valid insights metric")
    # Insights need the read_insights permission and a Page with 100 or more likes
    # (https://developers.facebook.com/docs/graph-api/reference/insights, Permissions and
    # Limitations). The permission error is #200 ("API Permission", error-handling guide); the
    # small Page's is subcode 2874008 (https://developers.facebook.com/docs/pages-api/error-codes).
    if lacks(ctx, "read_insights"):
        raise GraphError(403, 200, "(#200) The read_insights permission is required to read "
                         "this Page's insights")
    if ctx.state.options.get("facebook.page_likes", PAGE_LIKES) < 100:
        raise GraphError(400, 100, "Facebook Page insights are only available for Pages with "
                         "at least 100 likes", subcode=2874008)
    values = ctx.state.metrics(post)
    out = {}
    for name in metrics:
        if name == "post_reactions_by_type_total":
            out[name] = {n: values[f"reactions_{n}"] for n in REACTIONS}
        else:
            out[name] = values[name]
    return insights_body(post.id, out)


def _summary(total: int, kind: str) -> dict:
    summary = {"total_count": total}
    summary.update({"viewer_reaction": "NONE"} if kind == "reactions" else
                   {"order": "ranked", "can_comment": True})
    return {"data": [], "summary": summary}


def _fields(ctx: Ctx, post: SandboxPost, raw: str | None) -> dict:
    fields = parse_fields(raw or "id,message,created_time")
    values = ctx.state.metrics(post)
    out: dict = {"id": post.id}
    for name, mods in fields.items():
        if name == "message" and post.text:
            out["message"] = post.text
        elif name == "created_time":
            out["created_time"] = graph_time(post.created_at)
        elif name == "permalink_url":
            page, _, number = post.id.partition("_")
            out["permalink_url"] = f"https://www.facebook.com/{page}/posts/{number}"
        elif name == "shares":
            if values["shares"]:
                out["shares"] = {"count": values["shares"]}  # absent when nobody shared
        elif name == "reactions":
            out["reactions"] = _summary(sum(values[f"reactions_{n}"] for n in REACTIONS),
                                        "reactions")
        elif name == "comments":
            out["comments"] = _summary(values["comments"], "comments")
            limit, sub = expansion(mods)
            if limit:  # comments{...} ride along (field expansion), newest first if asked
                out["comments"].update(_comment_page(
                    ctx, post, sub, min(limit, 100), None,
                    modifier(mods, "order") == "reverse_chronological"))
        elif name == "insights":
            metric = modifier(mods, "metric") or ""
            out["insights"] = _insights(ctx, post, [m for m in metric.split(",") if m])
        elif name == "attachments" and post.media:
            out["attachments"] = {"data": [{"media_type": "photo", "target": {"id": m}}
                                           for m in post.media]}
        elif name not in ("id", "message", "attachments"):
            raise invalid_param(f"Tried accessing nonexisting field ({name}) on node type "
                                "(PagePost)")
    return out


@route("GET", r"(\d+)/(?:feed|posts|published_posts)", "facebook.get_feed")
async def get_feed(ctx: Ctx, page: str):
    fields = ctx.params.get("fields")
    return listing(ctx, "facebook", page, lambda p: _fields(ctx, p, fields)), page


@route("GET", POST_ID, "facebook.get_post", owner=_owner)
async def get_post(ctx: Ctx, post_id: str):
    with ctx.state.lock:
        return _fields(ctx, _post(ctx, post_id), ctx.params.get("fields")), None


@route("GET", POST_ID + r"/insights", "facebook.insights", owner=_owner)
async def post_insights(ctx: Ctx, post_id: str):
    metric = str(ctx.params.get("metric") or "")
    with ctx.state.lock:
        return _insights(ctx, _post(ctx, post_id), [m for m in metric.split(",") if m]), None


@route("GET", POST_ID + r"/comments", "facebook.comments", owner=_owner)
async def post_comments(ctx: Ctx, post_id: str):
    try:
        limit = max(1, min(100, int(ctx.params.get("limit", 25))))
    except ValueError:
        raise invalid_param("Param limit must be a number") from None
    with ctx.state.lock:
        post = _post(ctx, post_id)
    return _comment_page(ctx, post, ctx.params.get("fields"), limit, ctx.params.get("after"),
                         ctx.params.get("order") == "reverse_chronological"), None


COMMENT_FIELDS = {"id", "message", "created_time", "from", "parent", "permalink_url",
                  "like_count"}


def _comment_page(ctx: Ctx, post: SandboxPost, raw_fields: str | None, limit: int,
                  after: str | None, newest_first: bool) -> dict:
    """One page of a post's comments, as `GET /{post}/comments` and the `comments{...}` field
    expansion of `GET /{post}` give it."""
    fields = parse_fields(raw_fields or "id,message,created_time")
    unknown = set(fields) - COMMENT_FIELDS
    if unknown:
        raise invalid_param(f"Tried accessing nonexisting field ({sorted(unknown)[0]}) on node "
                            "type (Comment)")
    post_id = post.id
    page_id, _, number = post_id.partition("_")
    with ctx.state.lock:
        # The public's comments and the Page's replies, in the order they were made.
        found = [(c.created_at, f"{number}_{COMMENT_BASE + c.number + 1}", c.text,
                  {"name": c.name, "id": c.author_id}, None)
                 for c in comments_of(ctx.state, post, "comments")]
    found += [(r["created_at"], r["id"], r["message"], {"name": "Page", "id": page_id},
               r["parent"]) for r in replies_on(ctx.state, "facebook", post_id)]
    found.sort(key=lambda e: e[0])
    if newest_first:
        found.reverse()
    chunk, after = page(found, limit, after)
    data = []
    for created, comment_id, text, author, parent in chunk:
        item: dict = {"id": comment_id}
        if "message" in fields:
            item["message"] = text
        if "created_time" in fields:
            item["created_time"] = graph_time(created)
        if "from" in fields:  # a Page token sees who commented
            item["from"] = author
        if "parent" in fields and parent:
            item["parent"] = {"id": parent}
        if "permalink_url" in fields:
            item["permalink_url"] = (f"https://www.facebook.com/{page_id}/posts/{number}"
                                     f"?comment_id={comment_id.partition('_')[2]}")
        if "like_count" in fields:
            item["like_count"] = 0
        data.append(item)
    paging: dict = {"cursors": {"before": "0", "after": after or str(len(found))}}
    if after:
        paging["next"] = (f"{ctx.base}/graph/{post_id}/comments?limit={limit}&after={after}")
    return {"data": data, "paging": paging}


def _commented_post(state: SandboxState, comment_id: str) -> SandboxPost | None:
    """The Page post a comment id belongs to ("{post number}_{n}"), when the comment exists:
    one of the public's (sandbox/comments.py) or one of the Page's replies."""
    number, _, tail = comment_id.partition("_")
    with state.lock:
        post = next((p for p in state.posts.values() if p.platform == "facebook"
                     and p.id.partition("_")[2] == number), None)
        if post is None:
            return None
        n = int(tail) - COMMENT_BASE - 1
        if 0 <= n < len(comments_of(state, post, "comments")):
            return post
    if any(r["id"] == comment_id for r in replies_on(state, "facebook", post.id)):
        return post
    return None


def _comment_owner(state: SandboxState, groups: tuple[str, ...]) -> str | None:
    post = _commented_post(state, groups[0])
    return post.account if post else None


@route("POST", r"(\d+_\d+)/comments", "facebook.reply", owner=_comment_owner)
async def reply_to_comment(ctx: Ctx, comment_id: str):
    """The Page answers a comment: https://developers.facebook.com/docs/graph-api/reference/object/comments
    (Publishing), with pages_manage_engagement (pages-api comments-mentions guide)."""
    post = _commented_post(ctx.state, comment_id)
    if post is None:
        raise missing_object(comment_id)
    if lacks(ctx, "pages_manage_engagement"):
        raise GraphError(403, 200, "(#200) The pages_manage_engagement permission is required "
                         "to comment as this Page")
    message = str(ctx.params.get("message") or "").strip()
    if not message:
        raise invalid_param("Missing message or attachment")
    if len(message) > MAX_COMMENT:
        raise invalid_param(f"Param message must be at most {MAX_COMMENT} characters long")
    number = post.id.partition("_")[2]
    with ctx.state.lock:
        reply_id = f"{number}_{ctx.state.next_id('facebook.comment', 95 * 10**14)}"
    remember_reply(ctx.state, "facebook", post, comment_id, reply_id, message)
    return {"id": reply_id}, post.account
