"""The Graph API under `/graph/{version}/...`: the part Facebook Pages and Instagram share.

One catch-all route reads the parameters as Graph does (query string, form or multipart body),
checks the access token, applies faults and the usage window, and dispatches to the handlers
that `sandbox/facebook.py` and `sandbox/instagram.py` register. The batch endpoint
(`POST /graph/` or `/graph/{version}/` with `batch=[...]`) runs its sub-requests through the same
handlers. Wire formats: errors `{"error": {message, type, code, error_subcode, fbtrace_id}}`
(https://developers.facebook.com/docs/graph-api/guides/error-handling), usage headers
`X-App-Usage` and `X-Business-Use-Case-Usage`
(https://developers.facebook.com/docs/graph-api/overview/rate-limiting).
"""

from __future__ import annotations

import json
import math
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from outreach.sandbox import oauth
from outreach.sandbox.faults import Fault, after_call, before_call
from outreach.sandbox.state import SandboxState

VERSION = re.compile(r"^v\d+\.\d+$")
PLATFORM_TYPE = {"facebook": "pages", "instagram": "instagram"}
# The usage window of each platform, per account (calls per hour), like Meta's
# business-use-case limits; POST /_sandbox/limits {"endpoint": "facebook.calls", ...} changes it.
USAGE_LIMITS = {"facebook.calls": (4800, 3600), "instagram.calls": (4800, 3600)}
RATE_CODE = {"facebook": 80001, "instagram": 80002}  # "too many calls to this ... account"
# Instagram's temporary container errors (error-codes page): subcode -> (code, user message,
# is_transient). 2207003: the image took too long to download; 2207052: the fetch failed.
CONTAINER_ERRORS = {
    2207003: (-2, "It takes too long to download the media.", True),
    2207052: (9004, "Media download has failed. The media URI doesn't meet our requirements.",
              False),
}


class GraphError(Exception):
    def __init__(self, status: int, code: int, message: str, *, subcode: int | None = None,
                 type_: str = "OAuthException", transient: bool = False,
                 user_msg: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.subcode = status, code, message, subcode
        self.type, self.transient, self.user_msg = type_, transient, user_msg

    def body(self) -> dict:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient:
            error["is_transient"] = True
        if self.user_msg:
            error["error_user_title"] = "Error"
            error["error_user_msg"] = self.user_msg
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(15)
        return {"error": error}


def invalid_param(message: str, subcode: int | None = None) -> GraphError:
    return GraphError(400, 100, f"(#100) {message}", subcode=subcode)


def missing_object(object_id: str) -> GraphError:
    return GraphError(
        400, 100,
        f"Unsupported get request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation.",
        subcode=33, type_="GraphMethodException",
    )


def fault_error(fault: Fault, platform: str) -> GraphError:
    """What a `status` fault answers on Graph: the code given, else the usual one for it."""
    status = fault.status
    code = fault.code
    if code is None:
        code = {401: 190, 403: 10, 404: 100, 429: 4, 500: 1, 502: 2, 503: 2}.get(status, 100)
    if code == 190:
        return GraphError(status, 190, fault.detail or "Error validating access token: Session "
                          "has expired.", subcode=fault.subcode if fault.subcode else 463)
    if code == 506:
        return GraphError(status, 506, fault.detail or "Duplicate status message",
                          subcode=fault.subcode, type_="FacebookApiException")
    if code == 368:
        # "Temporarily blocked for policies violations: wait and retry the operation"
        # (https://developers.facebook.com/docs/graph-api/guides/error-handling); 1390008 is the
        # "posting too fast" subcode.
        return GraphError(status, 368, fault.detail or "The action attempted has been deemed "
                          "abusive or is otherwise disallowed", subcode=fault.subcode or 1390008)
    if code == 100 and fault.subcode == 33:  # the object does not exist (a deleted post)
        error = missing_object("0")
        error.status = status
        return error
    if fault.subcode in CONTAINER_ERRORS:
        # https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
        code, message, transient = CONTAINER_ERRORS[fault.subcode]
        return GraphError(status, code, fault.detail or message, subcode=fault.subcode,
                          transient=transient, user_msg=message)
    transient = status >= 500 or code in (1, 2)
    message = fault.detail or ("An unexpected error has occurred. Please retry your request "
                               "later." if transient else f"(#{code}) Invalid parameter")
    return GraphError(status, code, message, subcode=fault.subcode, transient=transient,
                      type_="OAuthException" if not transient else "FacebookApiException")


@dataclass(slots=True)
class Ctx:
    """One Graph call (or one sub-request of a batch)."""

    state: SandboxState
    request: Request
    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes, str]] = field(default_factory=dict)
    platform: str = "facebook"
    account: str | None = None  # whose usage window this call counts against

    @property
    def base(self) -> str:
        """The sandbox's own address (for URLs in answers)."""
        return str(self.request.base_url).rstrip("/")

    def memory(self) -> dict:
        return self.state.extras.setdefault(self.platform, {})


Handler = Callable[..., Awaitable[tuple[dict | list, str | None]]]


@dataclass(slots=True)
class Route:
    method: str
    pattern: re.Pattern
    endpoint: str  # "facebook.publish_feed": faults and rate windows use this name
    handler: Handler  # (ctx, *groups) -> (body, account)
    owner: Callable[[SandboxState, tuple[str, ...]], str | None] | None = None


ROUTES: list[Route] = []


def route(method: str, pattern: str, endpoint: str,
          owner: Callable[[SandboxState, tuple[str, ...]], str | None] | None = None):
    """Register a handler for `METHOD {version}/pattern`. `owner` names the account a call counts
    against when the path does not start with it (e.g. a post or a container id)."""

    def decorate(func: Handler) -> Handler:
        ROUTES.append(Route(method, re.compile(pattern + r"/?$"), endpoint, func, owner))
        return func

    return decorate


def install(app: FastAPI, state: SandboxState) -> None:
    """Serve the Graph API; `sandbox/facebook.py` and `sandbox/instagram.py` add the handlers
    (and their `<platform>.calls` usage windows)."""
    state.register("graph", limits={"graph.batch": (10**6, 3600)}, metrics=lambda *a: {})
    app.add_api_route("/_sandbox/permissions", set_permissions, methods=["POST"])
    app.add_api_route("/graph/{path:path}", graph_entry, methods=["GET", "POST", "DELETE"])
    app.add_api_route("/graph", graph_entry, methods=["GET", "POST"])


async def set_permissions(request: Request) -> Response:
    """`POST /_sandbox/permissions {"token": "...", "lacks": ["read_insights", ...]}`: a token
    granted without those permissions (off by default: every token has them all). Until
    `POST /_sandbox/reset`."""
    state: SandboxState = request.app.state.sandbox
    try:
        data = await request.json()
    except ValueError:
        data = None
    if not isinstance(data, dict) or not data.get("token") or \
            not isinstance(data.get("lacks"), list):
        return JSONResponse({"error": 'send {"token": "...", "lacks": ["read_insights"]}'},
                            status_code=400)
    with state.lock:
        lacking = state.extras.setdefault("graph", {}).setdefault("lacks", {})
        lacking[str(data["token"])] = {str(p) for p in data["lacks"]}
        return JSONResponse({"token_lacks": sorted(lacking[str(data["token"])])})


def lacks(ctx: Ctx, permission: str) -> bool:
    """Whether the call's token was granted without `permission` (`set_permissions`)."""
    token = str(ctx.params.get("access_token") or "")
    return permission in ctx.state.extras.get("graph", {}).get("lacks", {}).get(token, ())


async def _params(request: Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes, str]]]:
    params: dict[str, Any] = dict(request.query_params)
    files: dict[str, tuple[str, bytes, str]] = {}
    if request.method == "POST":
        kind = request.headers.get("content-type", "")
        if kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
            form = await request.form()
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    files[key] = (value.filename or key, await value.read(),
                                  value.content_type or "application/octet-stream")
                else:
                    params[key] = value
        elif kind.startswith("application/json"):
            try:
                body = await request.json()
            except ValueError:
                body = None
            if isinstance(body, dict):
                params.update(body)
    return params, files


def _json_response(status: int, body: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers or {})


async def graph_entry(request: Request, path: str = "") -> Response:
    state: SandboxState = request.app.state.sandbox
    parts = path.strip("/").split("/", 1)
    rest = path.strip("/")
    if parts and VERSION.match(parts[0]):
        rest = parts[1] if len(parts) > 1 else ""
    params, files = await _params(request)
    if request.method == "POST" and rest == "" and "batch" in params:
        return await _batch(request, state, params)
    ctx = Ctx(state=state, request=request, method=request.method, params=params, files=files)
    return await _dispatch(ctx, rest, top=True)


def _find(method: str, rest: str) -> tuple[Route, tuple[str, ...]] | None:
    for r in ROUTES:
        if r.method == method:
            m = r.pattern.match(rest)
            if m:
                return r, m.groups()
    return None


# Endpoints called without an access token (the code exchange of Facebook Login).
NO_TOKEN: set[str] = set()


def _token_error(params: dict[str, Any], state: SandboxState | None = None) -> GraphError | None:
    token = str(params.get("access_token") or "")
    if not token:
        return GraphError(400, 2500, "An active access token must be used to query "
                          "information about the current user.")
    if token.startswith("expired"):
        return GraphError(400, 190, "Error validating access token: Session has expired.",
                          subcode=463)
    if state is not None:  # a token of the sandbox's Facebook Login (oauth_meta.py)
        _grant, dead = oauth.check(state, token)
        if dead == "expired":
            return GraphError(400, 190, "Error validating access token: Session has expired.",
                              subcode=463)
        if dead == "revoked":
            # https://developers.facebook.com/docs/graph-api/guides/error-handling: 458, the
            # person removed the app.
            return GraphError(400, 190, "Error validating access token: The user has not "
                              "authorized application.", subcode=458)
    return None


def usage_headers(state: SandboxState, platform: str, account: str | None) -> dict[str, str]:
    if account is None:
        return {}
    window = state.rates.peek(f"{platform}.calls", account)
    if window is None or not window.limit:
        return {}
    pct = min(100, math.ceil(100 * (window.limit - max(window.remaining, 0)) / window.limit))
    regain = math.ceil(max(0, window.reset - time.time()) / 60) if window.remaining <= 0 else 0
    app = {"call_count": pct, "total_cputime": pct // 2, "total_time": pct // 2}
    business = {account: [{"type": PLATFORM_TYPE[platform], "call_count": pct,
                           "total_cputime": pct // 2, "total_time": pct // 2,
                           "estimated_time_to_regain_access": regain}]}
    return {"X-App-Usage": json.dumps(app), "X-Business-Use-Case-Usage": json.dumps(business)}


async def _dispatch(ctx: Ctx, rest: str, *, top: bool) -> Response:
    """Handle one call; in a batch (`top=False`) faults that drop connections do not apply."""
    state = ctx.state
    found = _find(ctx.method, rest)
    if found is None:
        endpoint, route_ = "graph.unknown", None
    else:
        route_, groups = found
        endpoint = route_.endpoint
        ctx.platform = endpoint.split(".")[0]
        ctx.account = route_.owner(state, groups) if route_.owner else groups[0]
    with state.lock:
        state.calls[endpoint] += 1
        fault = state.faults.take(endpoint) if route_ is not None else None

    def headers() -> dict[str, str]:
        return usage_headers(state, ctx.platform, ctx.account)

    def rate_limited_reply(seconds: float) -> Response:
        minutes = max(1, math.ceil(seconds / 60))
        error = GraphError(400, RATE_CODE.get(ctx.platform, 4), "There have been too many "
                           f"calls to this {ctx.platform.capitalize()} account. Wait a bit and "
                           "try again.")
        business = {ctx.account or "0": [{"type": PLATFORM_TYPE.get(ctx.platform, "pages"),
                                          "call_count": 100, "total_cputime": 40,
                                          "total_time": 40,
                                          "estimated_time_to_regain_access": minutes}]}
        return _json_response(error.status, error.body(), {
            "X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 40, "total_time": 40}),
            "X-Business-Use-Case-Usage": json.dumps(business)})

    if top:
        early = await before_call(
            ctx.request, fault, hang_seconds=state.hang_seconds,
            status_reply=lambda f: _json_response(
                fault_error(f, ctx.platform).status, fault_error(f, ctx.platform).body(),
                headers()),
            rate_limited_reply=rate_limited_reply)
        if early is not None:
            return early
    elif fault is not None and fault.mode == "status":
        error = fault_error(fault, ctx.platform)
        return _json_response(error.status, error.body())
    if route_ is None:
        error = GraphError(400, 100, f"Unknown path components: /{rest}",
                           type_="OAuthException")
        return _json_response(400, error.body())
    error = None if route_.endpoint in NO_TOKEN else _token_error(ctx.params, state)
    if error is None and ctx.account is not None:
        with state.lock:
            window, allowed = state.rates.hit(f"{ctx.platform}.calls", ctx.account)
        if not allowed:
            return rate_limited_reply(max(1.0, window.reset - time.time()))
    if error is not None:
        return _json_response(error.status, error.body(), headers())
    try:
        body, _ = await route_.handler(ctx, *groups)
    except GraphError as exc:
        return _json_response(exc.status, exc.body(), headers())
    response = _json_response(200, body, headers())
    if top:
        after_call(ctx.request, fault)
    return response


async def _batch(request: Request, state: SandboxState, params: dict[str, Any]) -> Response:
    with state.lock:
        state.calls["graph.batch"] += 1
        fault = state.faults.take("graph.batch")
    early = await before_call(
        request, fault, hang_seconds=state.hang_seconds,
        status_reply=lambda f: _json_response(f.status, fault_error(f, "facebook").body()),
        rate_limited_reply=lambda s: _json_response(
            400, GraphError(400, 4, "(#4) Application request limit reached").body()))
    if early is not None:
        return early
    error = _token_error(params, state)
    if error is not None:
        return _json_response(error.status, error.body())
    try:
        items = json.loads(params["batch"]) if isinstance(params["batch"], str) \
            else params["batch"]
    except ValueError:
        items = None
    if not isinstance(items, list) or not items:
        return _json_response(400, invalid_param("Param batch must be a JSON array").body())
    if len(items) > 50:
        return _json_response(400, GraphError(
            400, 1, "Too many requests in batch message. Maximum batch size is 50").body())
    answers = []
    for item in items:
        if not isinstance(item, dict) or "relative_url" not in item:
            answers.append({"code": 400, "body": json.dumps(invalid_param(
                "relative_url is required").body())})
            continue
        url = str(item["relative_url"]).lstrip("/")
        path, _, query = url.partition("?")
        sub = dict(_parse_query(query))
        sub.setdefault("access_token", params.get("access_token"))
        parts = path.split("/", 1)
        if VERSION.match(parts[0]):
            path = parts[1] if len(parts) > 1 else ""
        ctx = Ctx(state=state, request=request, method=str(item.get("method", "GET")).upper(),
                  params=sub)
        response = await _dispatch(ctx, path, top=False)
        answers.append({"code": response.status_code, "body": response.body.decode("utf-8")})
    response = _json_response(200, answers)
    after_call(request, fault)
    return response


def _parse_query(query: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(query, keep_blank_values=True)


# -- field expansion ------------------------------------------------------------------------------
def listing(ctx: Ctx, platform: str, account: str, render: Callable[[Any], dict]) -> dict:
    """An account's posts, newest first, as Graph lists them (`limit` ≤ 100, cursors)."""
    try:
        limit = min(100, int(ctx.params.get("limit", 25)))
    except ValueError:
        raise invalid_param("Param limit must be a number") from None
    with ctx.state.lock:
        mine = [p for p in ctx.state.posts.values()
                if p.platform == platform and p.account == account]
        mine.sort(key=lambda p: (p.created_at, p.id), reverse=True)
        data = [render(p) for p in mine[:limit]]
    return {"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}


def parse_fields(raw: str | None) -> dict[str, str]:
    """`a,b.summary(true).limit(0),insights.metric(x,y),c.limit(5){d,e}` -> {"a": "",
    "b": "summary(true).limit(0)", "insights": "metric(x,y)", "c": "limit(5){d,e}"} (commas
    inside parentheses or braces, Graph's field expansion, do not split)."""
    fields: dict[str, str] = {}
    depth, current = 0, ""
    for ch in (raw or "") + ",":
        if ch == "," and depth == 0:
            if current.strip():
                name, brace, sub = current.strip().partition("{")
                name, _, modifiers = name.partition(".")
                fields[name] = modifiers + brace + sub
            current = ""
            continue
        depth += ch in "({"
        depth -= ch in ")}"
        current += ch
    return fields


def expansion(modifiers: str) -> tuple[int | None, str | None]:
    """(`limit(n)`, the `{sub,fields}`) of a field expansion such as `limit(25){id,text}`."""
    limit = modifier(modifiers, "limit")
    sub = modifiers.partition("{")[2].rpartition("}")[0] if "{" in modifiers else None
    return (int(limit) if limit and limit.isdigit() else None), sub


def modifier(modifiers: str, name: str) -> str | None:
    m = re.search(rf"{name}\(([^)]*)\)", modifiers)
    return m.group(1) if m else None


def insights_body(object_id: str, values: dict[str, int], period: str = "lifetime") -> dict:
    return {"data": [
        {"name": name, "period": period, "values": [{"value": value}],
         "title": name.replace("_", " ").capitalize(), "description": "",
         "id": f"{object_id}/insights/{name}/{period}"}
        for name, value in values.items()
    ]}


def graph_time(moment) -> str:  # noqa: ANN001 - a datetime
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")
