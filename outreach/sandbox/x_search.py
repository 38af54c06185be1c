"""X API v2 recent search under `/x`, as far as the feedback inbox needs it: the replies in a
post's conversation (`GET /2/tweets/search/recent?query=conversation_id:ID`).

Wire format: https://docs.x.com/x-api/posts/search/api-reference/get-tweets-search-recent —
newest first, `includes.users` for `expansions=author_id`, `meta.next_token` while more pages
exist. Recent search covers the last 7 days: older replies are not found, and a `start_time`
older than that is refused (400), as on X. Replies come from `sandbox/comments.py`.

Queries: `conversation_id:ID` terms joined by ` OR ` (upper case: X takes a lower-case "or"
for a keyword), each term or the whole optionally in parentheses; anything else is refused,
since the sandbox does not match text. A query longer than the self-serve limit of 512
characters (https://docs.x.com/x-api/posts/search/integrate/build-a-query, "Query
limitations"; Enterprise allows 4,096: option `x.search_query_max`) is refused with 400 before
anything is searched. The docs give the limit but not X's wording of the refusal: the answer is
X's invalid-request problem naming the `query` parameter.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response

from outreach.sandbox import x_wire
from outreach.sandbox.comments import comments_of, page
from outreach.sandbox.state import SandboxPost, SandboxState

router = APIRouter(prefix="/x")
LIMITS = {"x.search_recent": (300, 15 * 60)}
WINDOW = timedelta(days=7)
QUERY_MAX = 512
OPTIONS = {"x.search_query_max": float(QUERY_MAX)}
_TERM = re.compile(r"^conversation_id:(\d{1,19})$")
_OR = re.compile(r"\s+OR\s+")


def install(app: FastAPI, state: SandboxState) -> None:
    app.include_router(router)


def reply_id(post_id: str, number: int) -> str:
    # Snowflakes of posts made a millisecond apart differ by 2**22: no clash with other posts.
    return str(int(post_id) + 1 + number)


def public_reply(state: SandboxState, tweet_id: str) -> SandboxPost | None:
    """The post whose conversation holds the public's reply `tweet_id` (`reply_id`), if any.
    The caller holds the state's lock."""
    if not str(tweet_id).isdigit():
        return None
    for post in state.posts.values():
        if post.platform == "x" and post.id.isdigit():
            n = int(tweet_id) - int(post.id) - 1
            if 0 <= n < 1000 and n < len(comments_of(state, post, "reply_count")):
                return post
    return None


def conversation(state: SandboxState, tweet_id: str) -> str | None:
    """The id of the post that started the conversation `tweet_id` is in (itself for a post
    that answers nothing). The caller holds the state's lock."""
    post = state.get("x", str(tweet_id))
    if post is not None:
        return post.extra.get("conversation_id") or (conversation(state, post.reply_to)
                                                     if post.reply_to else post.id)
    root = public_reply(state, str(tweet_id))
    return root.id if root else None


@router.get("/2/tweets/search/recent")
async def search_recent(request: Request) -> Response:
    call = await x_wire.begin(request, "x.search_recent")
    if not isinstance(call, x_wire.Call):
        return call
    params = request.query_params
    query = params.get("query", "")
    state = call.state
    longest = int(state.options.get("x.search_query_max", QUERY_MAX))
    if len(query) > longest:
        return x_wire.invalid_request(
            [f"There were errors processing your request: Query is {len(query)} characters "
             f"long; the maximum is {longest}."], call.window, {"query": [query]})
    whole = query.strip()
    if whole.startswith("(") and whole.endswith(")") and whole.count("(") == 1:
        whole = whole[1:-1]  # "(a OR b)"
    terms = [t.strip() for t in _OR.split(whole)] if whole else []
    matched = [_TERM.match(t[1:-1] if t.startswith("(") and t.endswith(")") else t)
               for t in terms]
    if not terms or not all(matched):
        return x_wire.invalid_request(["This sandbox searches `conversation_id:ID` terms (joined "
                                  "by OR) only."], call.window, {"query": [query]})
    try:
        limit = int(params.get("max_results", 10))
    except ValueError:
        limit = 0
    if not 10 <= limit <= 100:
        return x_wire.invalid_request([f"The `max_results` query parameter value [{limit}] is not "
                                  "between 10 and 100"], call.window)
    if not params.get("next_token"):
        with state.lock:  # searches apart from their further pages, for the figures
            state.calls["x.search_recent.queries"] += 1
    now = state.clock.now()
    start = None
    if params.get("start_time"):
        try:
            start = datetime.fromisoformat(params["start_time"].replace("Z", "+00:00"))
        except ValueError:
            return x_wire.invalid_request(["Invalid `start_time`."], call.window)
        if start < now - WINDOW:
            return x_wire.invalid_request(
                [f"Invalid 'start_time':'{params['start_time']}'. 'start_time' must be on or "
                 f"after {(now - WINDOW).strftime('%Y-%m-%dT%H:%MZ')}"], call.window)
    wanted_users = "author_id" in params.get("expansions", "")
    replies, users = [], {}
    with state.lock:
        for post_id in dict.fromkeys(m.group(1) for m in matched):
            post = state.get("x", post_id)
            if post is None:
                continue
            for c in comments_of(state, post, "reply_count"):
                if c.created_at < now - WINDOW or (start and c.created_at < start):
                    continue
                replies.append({
                    "id": reply_id(post.id, c.number), "text": c.text, "author_id": c.author_id,
                    "created_at": c.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "conversation_id": post.id, "edit_history_tweet_ids": [],
                    "referenced_tweets": [{"type": "replied_to", "id": post.id}],
                    "in_reply_to_user_id": post.account,
                })
                replies[-1]["edit_history_tweet_ids"] = [replies[-1]["id"]]
                users[c.author_id] = {"id": c.author_id, "name": c.name, "username": c.handle}
            # The account's own answers in that conversation (made through POST /2/tweets).
            for own in state.posts.values():
                if own.platform != "x" or own.extra.get("conversation_id") != post.id or \
                        own.created_at < now - WINDOW or (start and own.created_at < start):
                    continue
                replies.append({
                    "id": own.id, "text": own.text, "author_id": own.account,
                    "created_at": own.created_at.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "conversation_id": post.id, "edit_history_tweet_ids": [own.id],
                    "referenced_tweets": [{"type": "replied_to", "id": own.reply_to}],
                })
                users[own.account] = {"id": own.account, "name": "Perpustakaan",
                                      "username": "perpustakaan"}
    replies.sort(key=lambda r: (r["created_at"], int(r["id"])), reverse=True)
    chunk, token = page(replies, limit, params.get("next_token"))
    fields = {f for f in (params.get("tweet.fields") or "").split(",") if f}
    data = [{k: v for k, v in r.items()
             if k in ("id", "text", "edit_history_tweet_ids") or k in fields} for r in chunk]
    meta: dict = {"result_count": len(data)}
    if data:
        meta.update(newest_id=data[0]["id"], oldest_id=data[-1]["id"])
    if token:
        meta["next_token"] = token
    body: dict = {"data": data} if data else {}
    if data and wanted_users:
        body["includes"] = {"users": [users[r["author_id"]] for r in
                                      {r["author_id"]: r for r in chunk}.values()]}
    body["meta"] = meta
    return x_wire.finish(request, call, JSONResponse(body))
