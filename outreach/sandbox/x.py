"""X API v2 under `/x`: create a post, look posts up, with X's real wire formats.

Shapes follow https://docs.x.com/x-api/posts/create-post and
https://docs.x.com/x-api/posts/lookup/quickstart; errors are problem JSON
(https://docs.x.com/x-api/fundamentals/response-codes-and-errors); every answer carries the
`x-rate-limit-*` headers of its endpoint's window.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Mapping
from datetime import datetime

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from outreach.platforms.x import MAX_WEIGHTED, weighted_length
from outreach.sandbox import x_media, x_search
from outreach.sandbox.state import SandboxPost, SandboxState
from outreach.sandbox.x_wire import (
    DUPLICATE,
    TOO_LONG,
    Call,
    begin,
    finish,
    invalid_request,
    not_found,
    problem,
)

router = APIRouter(prefix="/x")

# Per-user limits of X's user context, (requests, window seconds); create_app(x_limits=...) and
# POST /_sandbox/limits change them.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "x.create_tweet": (100, 15 * 60),
    "x.get_tweets": (900, 15 * 60),
    "x.get_tweet": (900, 15 * 60),
    "x.users_me": (75, 15 * 60),
    "x.user_tweets": (900, 15 * 60),
    **x_media.LIMITS,
    **x_search.LIMITS,
}
# Switches (POST /_sandbox/options), all off by default: the app's credits (-1: unlimited,
# see x_wire), a t.co link to the media at the end of a media post's text, GIFs that need
# processing (seconds; 0: ready at once) and processing that fails.
OPTIONS = {"x.credits": -1.0, "x.media_link": 0.0, **x_media.OPTIONS, **x_search.OPTIONS}
URL = re.compile(r"https?://[^\s]+")
PRIVATE_DAYS = 30  # non-public and organic metrics: own posts of the last 30 days
TWEPOCH_MS = 1288834974657  # X's snowflake epoch
METRIC_FIELDS = (
    "retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
    "impression_count",
)


def install(app: FastAPI, state: SandboxState, limits: Mapping[str, tuple[int, int]] | None):
    state.register("x", limits={**DEFAULT_LIMITS, **(limits or {})}, metrics=public_metrics,
                   options=OPTIONS)
    app.include_router(router)
    x_media.install(app, state)
    x_search.install(app, state)


def public_metrics(seed: int, post_id: str, age: int) -> dict[str, int]:
    """Deterministic, growing metrics: each post has an audience drawn from (seed, id), and
    reaches it along a saturating curve. Same (seed, id, age) -> same numbers."""
    rng = random.Random(f"x:{seed}:{post_id}")
    audience = rng.randint(200, 5000)
    half_life = rng.uniform(1.5, 8.0) * 3600
    views = math.floor(audience * (1 - 0.5 ** (age / half_life)))
    rates = {
        "url_link_clicks": rng.uniform(0.002, 0.02),
        "user_profile_clicks": rng.uniform(0.001, 0.01),
        "like_count": rng.uniform(0.01, 0.05),
        "reply_count": rng.uniform(0.001, 0.006),
        "retweet_count": rng.uniform(0.002, 0.012),
        "quote_count": rng.uniform(0.0005, 0.003),
        "bookmark_count": rng.uniform(0.001, 0.008),
    }
    # Floors of a non-decreasing `views`: every count only ever grows.
    metrics = {name: math.floor(views * rate) for name, rate in rates.items()}
    return {**metrics, "impression_count": views}


# -- routes -------------------------------------------------------------------------------------
@router.post("/2/tweets")
async def create_tweet(request: Request) -> Response:
    call = await begin(request, "x.create_tweet", user_only=True)
    if not isinstance(call, Call):
        return call
    try:
        body = await request.json()
    except ValueError:
        return invalid_request(["Request body is not valid JSON."], call.window)
    if not isinstance(body, dict):
        return invalid_request(["Request body must be a JSON object."], call.window)
    if "text" not in body:
        # X's schema: "Defaulted to an empty string so it is always sent: the backend's
        # `tweet_text` variable is non-null and rejects an absent value" (CreatePostsRequest).
        return invalid_request(["`text` must be sent (\"\" for media alone)."], call.window)
    text = body.get("text")
    media_ids = [str(m) for m in ((body.get("media") or {}).get("media_ids") or [])]
    reply_to = (body.get("reply") or {}).get("in_reply_to_tweet_id")
    if text is not None and not isinstance(text, str):
        return invalid_request(["`text` must be a string."], call.window)
    if not text and not media_ids:
        return invalid_request(
            ["`text` is required when `media.media_ids` is not present."], call.window
        )
    if len(media_ids) > 4:
        return invalid_request(["`media.media_ids` holds 1 to 4 ids."], call.window)
    if text and weighted_length(text) > MAX_WEIGHTED:
        return problem(400, TOO_LONG, window=call.window)
    state = call.state
    attached = x_media.attach(state, call.account, media_ids) if media_ids else ([], [])
    if attached is None:
        return invalid_request(["Your media IDs are invalid."], call.window,
                               {"media.media_ids": media_ids})
    # X stores links shortened (t.co) and refuses the same text twice from one account.
    text = URL.sub(_tco, text) if text else text
    typed = text or ""
    if attached[0] and state.options.get("x.media_link"):
        # The text of a post with media ends with a t.co link to the media
        # (https://docs.x.com/x-api/fundamentals/data-dictionary, Post `text`).
        text = f"{typed} {_tco_for('media:' + attached[0][0])}".strip()
    with state.lock:
        mine = [p for p in state.posts.values() if p.platform == "x" and p.account == call.account]
        if typed and any(p.extra.get("typed", p.text) == typed for p in mine):
            return problem(403, DUPLICATE, window=call.window)
        # A reply answers one of our posts or one of the public's replies in a conversation
        # of ours (x_search.py); X keeps the conversation's first post as `conversation_id`.
        root = x_search.conversation(state, str(reply_to)) if reply_to is not None else None
        if reply_to is not None and root is None:
            return problem(
                403,
                "You attempted to reply to a Tweet that is deleted or not visible to you.",
                window=call.window,
            )
        post = SandboxPost(
            platform="x",
            id=_next_id(state),
            account=call.account,
            text=text or "",
            created_at=state.clock.now(),
            media=attached[0],
            alt_text=attached[1],
            reply_to=None if reply_to is None else str(reply_to),
            extra={**({"typed": typed} if typed != (text or "") else {}),
                   # answering the public: the post that started the conversation
                   **({"conversation_id": root} if reply_to is not None
                      and state.get("x", str(reply_to)) is None else {})},
        )
        state.add(post)
    data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    return finish(request, call, JSONResponse({"data": data}, status_code=201))


@router.get("/2/tweets")
async def get_tweets(request: Request) -> Response:
    call = await begin(request, "x.get_tweets")
    if not isinstance(call, Call):
        return call
    raw = request.query_params.get("ids", "")
    ids = [i for i in raw.split(",") if i]
    if not ids:
        return invalid_request(["The `ids` query parameter can not be empty"], call.window,
                               {"ids": [raw]})
    if len(ids) > 100:
        return invalid_request(
            [f"The number of values in the `ids` query parameter list [{len(ids)}] is not "
             "between 1 and 100"], call.window, {"ids": [raw]})
    bad = [i for i in ids if not i.isdigit() or len(i) > 19]
    if bad:
        return invalid_request(
            [f"The `ids` query parameter value [{i}] is not valid" for i in bad], call.window,
            {"ids": [raw]})
    fields = _fields(request)
    data, errors = [], []
    with call.state.lock:
        refused = _private_errors(call.state, ids, fields, call.account)
        # A post whose private fields are refused is left out of `data` (its only trace is
        # the `errors[]` entry), as X does for others' posts and posts past 30 days.
        left_out = {e["resource_id"] for e in refused}
        for post_id in dict.fromkeys(ids):
            post = call.state.get("x", post_id)
            if post is None:
                errors.append(not_found(post_id, "ids"))
            elif post_id not in left_out:
                data.append(_tweet(call.state, post, fields, viewer=call.account))
        errors += refused
    body: dict = {}
    if data:
        body["data"] = data
    if errors:
        body["errors"] = errors  # partial errors come with 200 on X
    return finish(request, call, JSONResponse(body))


@router.get("/2/tweets/{post_id}")
async def get_tweet(request: Request, post_id: str) -> Response:
    call = await begin(request, "x.get_tweet")
    if not isinstance(call, Call):
        return call
    if not post_id.isdigit():
        return invalid_request([f"The `id` query parameter value [{post_id}] is not valid"],
                               call.window, {"id": [post_id]})
    with call.state.lock:
        post = call.state.get("x", post_id)
        body = (
            {"data": _tweet(call.state, post, _fields(request), viewer=call.account)}
            if post is not None
            else {"errors": [not_found(post_id, "id")]}
        )
    return finish(request, call, JSONResponse(body))


def _fields(request: Request) -> set[str]:
    # Newer X docs say `post.fields`; tweepy sends `tweet.fields`: accept both.
    raw = request.query_params.get("tweet.fields") or request.query_params.get("post.fields") or ""
    return {f for f in raw.split(",") if f}


def _tco(match: re.Match) -> str:
    return _tco_for(match.group(0))


def _tco_for(value: str) -> str:
    digest = hashlib.sha1(value.encode()).hexdigest()[:10]
    return f"https://t.co/{digest}"


def _private_ok(state: SandboxState, post: SandboxPost, viewer: str | None) -> bool:
    return post.account == viewer and state.age(post) < PRIVATE_DAYS * 86400


def _private_errors(state: SandboxState, ids: list[str], fields: set[str],
                    viewer: str) -> list[dict]:
    """X answers "not authorized" per post for non-public fields of others' or old posts."""
    wanted = [f for f in ("non_public_metrics", "organic_metrics") if f in fields]
    errors = []
    for post_id in dict.fromkeys(ids):
        post = state.get("x", post_id)
        if post is None or _private_ok(state, post, viewer):
            continue
        for name in wanted:
            errors.append({
                "value": post_id, "resource_type": "tweet", "field": name,
                "title": "Field Authorization Error", "resource_id": post_id,
                "section": "data", "parameter": "tweet.fields",
                "detail": f"Sorry, you are not authorized to access '{name}' on the Tweet "
                          f"with ids: {post_id}.",
                "type": "https://api.twitter.com/2/problems/not-authorized-for-field",
            })
    return errors


def _tweet(state: SandboxState, post: SandboxPost, fields: set[str],
           viewer: str | None = None) -> dict:
    tweet: dict = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    metrics = state.metrics(post) if fields else {}
    if "public_metrics" in fields:
        tweet["public_metrics"] = {k: metrics[k] for k in METRIC_FIELDS}
    if fields & {"non_public_metrics", "organic_metrics"} and _private_ok(state, post, viewer):
        clicks = {"url_link_clicks": metrics["url_link_clicks"],
                  "user_profile_clicks": metrics["user_profile_clicks"]}
        if "non_public_metrics" in fields:
            tweet["non_public_metrics"] = {"impression_count": metrics["impression_count"],
                                           **clicks}
        if "organic_metrics" in fields:
            tweet["organic_metrics"] = {k: metrics[k] for k in (
                "impression_count", "like_count", "reply_count", "retweet_count")} | clicks
    if "attachments" in fields and post.media:
        tweet["attachments"] = {"media_keys": [f"3_{m}" for m in post.media]}
    if "created_at" in fields:
        tweet["created_at"] = post.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if "author_id" in fields:
        tweet["author_id"] = post.account
    return tweet


def _next_id(state: SandboxState) -> str:
    """A snowflake like X's: milliseconds since X's epoch, a worker number, a sequence."""
    ms = int(state.clock.time() * 1000) - TWEPOCH_MS
    candidate = (ms << 22) | ((state.seed % 1024) << 12)
    last = state.last_ids.get("x", 0)
    new = max(candidate, last + 1)
    state.last_ids["x"] = new
    return str(new)


@router.get("/2/users/me")
async def users_me(request: Request) -> Response:
    call = await begin(request, "x.users_me", user_only=True)
    if not isinstance(call, Call):
        return call
    data = {"id": call.account, "name": f"Sandbox {call.account}",
            "username": f"sandbox_{call.account}"}
    return finish(request, call, JSONResponse({"data": data}))


@router.get("/2/users/{user_id}/tweets")
async def user_tweets(request: Request, user_id: str) -> Response:
    call = await begin(request, "x.user_tweets")
    if not isinstance(call, Call):
        return call
    try:
        limit = int(request.query_params.get("max_results", 10))
    except ValueError:
        limit = 0
    if not 5 <= limit <= 100:
        return invalid_request(["The `max_results` query parameter value is not between 5 "
                                "and 100"], call.window)
    since = request.query_params.get("start_time")
    start = None
    if since:
        try:
            start = datetime.fromisoformat(since.replace("Z", "+00:00"))
        except ValueError:
            return invalid_request(["Invalid `start_time`."], call.window)
    fields = _fields(request)
    with call.state.lock:
        mine = [p for p in call.state.posts.values() if p.platform == "x"
                and p.account == user_id and (start is None or p.created_at >= start)]
        mine.sort(key=lambda p: int(p.id), reverse=True)
        data = [_tweet(call.state, p, fields, viewer=call.account) for p in mine[:limit]]
    meta = {"result_count": len(data)}
    if data:
        meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
    body = {"data": data, "meta": meta} if data else {"meta": meta}
    return finish(request, call, JSONResponse(body))
