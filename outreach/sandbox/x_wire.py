"""What every sandbox X call has in common: who is calling (the OAuth header), the faults and
rate-limit windows of its endpoint, and X's answers — problem JSON
(https://docs.x.com/x-api/fundamentals/response-codes-and-errors) with the endpoint's
`x-rate-limit-*` headers. The routes of `x`, `x_media` and `x_search` begin and finish each call
here."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import unquote

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from outreach.sandbox.faults import Fault, after_call, before_call
from outreach.sandbox.oauth_x import bearer_user
from outreach.sandbox.state import SandboxState, Window

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
_OAUTH_PARAM = re.compile(r'(\w+)="([^"]*)"')


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


def credits_depleted(account: str | None, window: Window | None = None) -> JSONResponse:
    """Pay-per-use with no credits left: X answers every call 402 with this body (no doc page
    describes it; it is what X sends, as plain `application/json`)."""
    owner = "".join(c for c in (account or "") if c.isdigit()) or "0"
    return JSONResponse(
        {"account_id": int(owner), "title": "CreditsDepleted",
         "detail": f"Your enrolled account [{owner}] does not have any credits to fulfill this "
                   "request.",
         "type": "https://api.twitter.com/2/problems/credits"},
        status_code=402, headers=_rate_headers(window))


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


def not_found(post_id: str, parameter: str) -> dict:
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
    signature (it has no secrets). A token "1500-..." belongs to user 1500, as on X. A bearer
    token issued by the sandbox's sign-in (`oauth_x`) is user context, until it expires.
    """
    header = request.headers.get("authorization", "")
    if header.startswith("Bearer ") and len(header) > 7:
        return bearer_user(request.app.state.sandbox, header[7:]) or ("app", False)
    if not header.startswith("OAuth "):
        return None, False
    params = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(header)}
    consumer = params.get("oauth_consumer_key")
    if not consumer:
        return None, False
    token = params.get("oauth_token", "")
    user, dash, _ = token.partition("-")
    return (user if dash and user.isdigit() else token or f"app:{consumer}"), bool(token)


async def begin(request: Request, endpoint: str, *, user_only: bool = False) -> Call | Response:
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
        status_reply=lambda f: (credits_depleted(account, window) if f.status == 402
                                else problem(f.status, f.detail, window=window)),
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
        # `x.credits` (POST /_sandbox/options): the app's pay-per-use credits, one spent per
        # call; -1 (the default) never runs out, 0 answers every call 402.
        credits = state.options.get("x.credits", -1)
        if credits == 0:
            return credits_depleted(account, window)
        if credits > 0:
            state.options["x.credits"] = credits - 1
        window, allowed = state.rates.hit(endpoint, account)
    if not allowed:
        return problem(429, "Too Many Requests", window=window)
    return Call(state=state, account=account, window=window, fault=fault)


def finish(request: Request, call: Call, response: Response) -> Response:
    response.headers.update(_rate_headers(call.window))
    after_call(request, call.fault)
    return response
