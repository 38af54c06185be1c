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
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import unquote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from outreach.platforms.sandbox import x_media, x_search
from outreach.platforms.sandbox.faults import Fault, after_call, before_call
from outreach.platforms.sandbox.state import SandboxPost, SandboxState, Window
from outreach.platforms.x import MAX_WEIGHTED, weighted_length

router = APIRouter(prefix="/x")

# Per-user limits of X's user context, (requests, window seconds); create_app(x_limits=...) and
# POST /_sandbox/limits change them.
DEFAULT_LIMITS: dict[str, tuple[int, int]] = {
    "x.create_tweet": (100, 15 * 60),
    "x.get_tweets": (900, 15 * 60),
    "x.get_tweet": (900, 15 * 60),
    **x_media.LIMITS,
    **x_search.LIMITS,
}
URL = re.compile(r"https?://[^\s]+")
PRIVATE_DAYS = 30  # non-public and organic metrics: own posts of the last 30 days
PROBLEM = "application/problem+json"
INVALID_REQUEST = "https://api.twitter.com/2/problems/invalid-request"
NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
DUPLICATE = "You are not allowed to create a Tweet with duplicate content."
TOO_LONG = (
    "Your Tweet text is too long. For more information on how Twitter determines text length "
    "see https://github.com/twitter/twitter-text."
)
APP_ONLY = (
    "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported "
    "authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context]."
)
TWEPOCH_MS = 1288834974657  # X's snowflake epoch
_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')
METRIC_FIELDS = (
    "retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
    "impression_count",
)


def install(app: FastAPI, state: SandboxState, limits: Mapping[str, tuple[int, int]] | None):
    state.register("x", limits={**DEFAULT_LIMITS, **(limits or {})}, metrics=public_metrics)
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


# -- answers ------------------------------------------------------------------------------------
def _rate_headers(window: Window | None) -> dict[str, str]:
    if window is None:
        return {}
    return {
        "x-rate-limit-limit": str(window.limit),
        "x-rate-limit-remaining": str(max(window.remaining, 0)),
        "x-rate-limit-reset": str(window.reset),
    }


def problem(
    status: int,
    detail: str | None = None,
    *,
    window: Window | None = None,
    type_: str = "about:blank",
    title: str | None = None,
    **extra,
) -> JSONResponse:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    body = {"title": title or phrase, "detail": detail or phrase, "type": type_, "status": status}
    return JSONResponse(
        {**extra, **body}, status_code=status, media_type=PROBLEM, headers=_rate_headers(window)
    )


def invalid_request(
    messages: list[str], window: Window | None, parameters: dict | None = None
) -> JSONResponse:
    errors = [{"parameters": parameters or {}, "message": m} for m in messages]
    return problem(
        400,
        "One or more parameters to your request was invalid.",
        window=window,
        type_=INVALID_REQUEST,
        title="Invalid Request",
        errors=errors,
    )


def _not_found(post_id: str, parameter: str) -> dict:
    return {
        "value": post_id,
        "detail": f"Could not find tweet with {parameter}: [{post_id}].",
        "title": "Not Found Error",
        "resource_type": "tweet",
        "parameter": parameter,
        "resource_id": post_id,
        "type": NOT_FOUND,
    }


# -- the common part of every call --------------------------------------------------------------
@dataclass(slots=True)
class Call:
    state: SandboxState
    account: str
    window: Window | None
    fault: Fault | None


def _account(request: Request) -> tuple[str | None, bool]:
    """(account, user context?) from the Authorization header; (None, False) when absent.

    The sandbox checks that an OAuth 1.0a header names a consumer key; it does not verify the
    signature (it has no secrets). A token "1500-..." belongs to user 1500, as on X.
    """
    header = request.headers.get("authorization", "")
    if header.startswith("Bearer ") and len(header) > 7:
        return "app", False
    if not header.startswith("OAuth "):
        return None, False
    params = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(header)}
    consumer = params.get("oauth_consumer_key")
    if not consumer:
        return None, False
    token = params.get("oauth_token", "")
    user, dash, _ = token.partition("-")
    return (user if dash and user.isdigit() else token or f"app:{consumer}"), bool(token)


async def _begin(request: Request, endpoint: str, *, user_only: bool = False) -> Call | Response:
    state: SandboxState = request.app.state.sandbox
    account, user_context = _account(request)
    with state.lock:
        state.calls[endpoint] += 1
        fault = state.faults.take(endpoint)
        window = state.rates.peek(endpoint, account or "anonymous")

    def rate_limited(seconds: float) -> Response:
        # Resets are real Unix seconds: the client compares them with its own clock.
        limit = window.limit if window else 0
        used_up = Window(limit=limit, remaining=0, reset=int(time.time() + seconds))
        return problem(429, "Too Many Requests", window=used_up)

    early = await before_call(
        request,
        fault,
        hang_seconds=state.hang_seconds,
        status_reply=lambda f: problem(f.status, f.detail, window=window),
        rate_limited_reply=rate_limited,
    )
    if early is not None:
        return early
    if account is None:
        return problem(401, "Unauthorized", window=window)
    if user_only and not user_context:
        return problem(403, APP_ONLY, window=window, title="Unsupported Authentication",
                       type_="https://api.twitter.com/2/problems/unsupported-authentication")
    with state.lock:
        window, allowed = state.rates.hit(endpoint, account)
    if not allowed:
        return problem(429, "Too Many Requests", window=window)
    return Call(state=state, account=account, window=window, fault=fault)


def _finish(request: Request, call: Call, response: Response) -> Response:
    response.headers.update(_rate_headers(call.window))
    after_call(request, call.fault)
    return response


# -- routes -------------------------------------------------------------------------------------
@router.post("/2/tweets")
async def create_tweet(request: Request) -> Response:
    call = await _begin(request, "x.create_tweet", user_only=True)
    if not isinstance(call, Call):
        return call
    try:
        body = await request.json()
    except ValueError:
        return invalid_request(["Request body is not valid JSON."], call.window)
    if not isinstance(body, dict):
        return invalid_request(["Request body must be a JSON object."], call.window)
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
    with state.lock:
        mine = [p for p in state.posts.values() if p.platform == "x" and p.account == call.account]
        if text and any(p.text == text for p in mine):
            return problem(403, DUPLICATE, window=call.window)
        if reply_to is not None and state.get("x", str(reply_to)) is None:
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
        )
        state.add(post)
    data = {"id": post.id, "text": post.text, "edit_history_tweet_ids": [post.id]}
    return _finish(request, call, JSONResponse({"data": data}, status_code=201))


@router.get("/2/tweets")
async def get_tweets(request: Request) -> Response:
    call = await _begin(request, "x.get_tweets")
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
        for post_id in dict.fromkeys(ids):
            post = call.state.get("x", post_id)
            if post is None:
                errors.append(_not_found(post_id, "ids"))
            else:
                data.append(_tweet(call.state, post, fields, viewer=call.account))
        errors += _private_errors(call.state, ids, fields, call.account)
    body: dict = {}
    if data:
        body["data"] = data
    if errors:
        body["errors"] = errors  # partial errors come with 200 on X
    return _finish(request, call, JSONResponse(body))


@router.get("/2/tweets/{post_id}")
async def get_tweet(request: Request, post_id: str) -> Response:
    call = await _begin(request, "x.get_tweet")
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
            else {"errors": [_not_found(post_id, "id")]}
        )
    return _finish(request, call, JSONResponse(body))


def _fields(request: Request) -> set[str]:
    # Newer X docs say `post.fields`; tweepy sends `tweet.fields`: accept both.
    raw = request.query_params.get("tweet.fields") or request.query_params.get("post.fields") or ""
    return {f for f in raw.split(",") if f}


def _tco(match: re.Match) -> str:
    digest = hashlib.sha1(match.group(0).encode()).hexdigest()[:10]
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
