"""X's OAuth 2.0 Authorization Code Flow with PKCE, as the sandbox plays it.

https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code :
- the consent page (`OUTREACH_X_AUTHORIZE_URL`, here `/x/i/oauth2/authorize`): the person picks
  the account and authorizes the app or cancels (X grants all requested scopes or none);
- `POST /2/oauth2/token` (`grant_type=authorization_code`): the code, once, with the
  `code_verifier` whose S256 hash is the `code_challenge` of the request (RFC 7636 §4.6), and
  the same `redirect_uri`; a confidential client authenticates with HTTP Basic;
- access tokens live two hours; `offline.access` adds a refresh token;
- `grant_type=refresh_token` rotates: a new access and refresh token, and the refresh token
  used is spent (a second use is refused);
- `POST /2/oauth2/revoke` ends a token.
Endpoints for faults: `x.oauth2_token`, `x.oauth2_revoke` (a `lost` fault on the token endpoint
rehearses a refresh whose answer never arrived).
"""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from outreach.sandbox import oauth
from outreach.sandbox.faults import after_call, before_call
from outreach.sandbox.state import SandboxState

router = APIRouter(prefix="/x")
ACCESS_SECONDS = 7200
CODE_SECONDS = 30
SCOPES = {"tweet.read", "tweet.write", "users.read", "offline.access", "media.write",
          "like.read", "follows.read"}
# Accounts a person may sign in with on the consent page: X user id -> @handle.
USERS = {"1500": "perpustakaan_bontang", "1501": "taman_baca_bontang"}
LIMITS = {"x.oauth2_token": (10**6, 900), "x.oauth2_revoke": (10**6, 900)}
AUTH_PARAMS = ("response_type", "client_id", "redirect_uri", "scope", "state", "code_challenge",
               "code_challenge_method")


def install(app: FastAPI, state: SandboxState) -> None:
    state.register("x_oauth", limits=LIMITS, metrics=lambda *a: {})
    app.include_router(router)


def _error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@router.get("/i/oauth2/authorize", response_class=HTMLResponse)
async def consent(request: Request) -> Response:
    q = request.query_params
    missing = [p for p in AUTH_PARAMS if p != "code_challenge_method" and not q.get(p)]
    if missing or q.get("response_type") != "code":
        return HTMLResponse(oauth.page("Something went wrong", "<p>The app's request is "
                            f"missing {html.escape(', '.join(missing) or 'response_type=code')}."
                            "</p>"), status_code=400)
    unknown = set(q["scope"].split()) - SCOPES
    if unknown:
        return HTMLResponse(oauth.page("Something went wrong", "<p>Unknown scope: "
                            f"{html.escape(' '.join(sorted(unknown)))}</p>"), status_code=400)
    hidden = "".join(f"<input type='hidden' name='{p}' value='{html.escape(q.get(p, ''))}'>"
                     for p in AUTH_PARAMS)
    users = "".join(
        f"<label><input type='radio' name='user' value='{uid}'{' checked' if i == 0 else ''}> "
        f"@{handle}</label><br>" for i, (uid, handle) in enumerate(USERS.items()))
    scopes = "".join(f"<li>{html.escape(s)}</li>" for s in q["scope"].split())
    body = (f"<form method='post' action='/x/i/oauth2/authorize'>{hidden}"
            f"<fieldset><legend>Sign in as</legend>{users}</fieldset>"
            f"<p>The app wants to:</p><ul>{scopes}</ul>"
            "<button name='decision' value='allow'>Authorize app</button>"
            "<button name='decision' value='deny'>Cancel</button></form>")
    return HTMLResponse(oauth.page("Authorize access to your X account", body))


@router.post("/i/oauth2/authorize")
async def decide(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await request.form()
    redirect = str(form.get("redirect_uri") or "")
    answer = {"state": str(form.get("state") or "")}
    if form.get("decision") != "allow" or str(form.get("user")) not in USERS:
        answer["error"] = "access_denied"
        return RedirectResponse(f"{redirect}?{urlencode(answer)}", status_code=303)
    grant = oauth.Grant(
        "x", "code", str(form["user"]), str(form.get("scope") or "").split(),
        state.clock.time() + CODE_SECONDS,
        extra={"client_id": str(form.get("client_id")), "redirect_uri": redirect,
               "challenge": str(form.get("code_challenge") or ""),
               "method": str(form.get("code_challenge_method") or "plain")})
    answer["code"] = oauth.issue(state, "x-code", grant)
    return RedirectResponse(f"{redirect}?{urlencode(answer)}", status_code=303)


def _client_id(request: Request, form) -> str:  # noqa: ANN001 - a FormData
    header = request.headers.get("authorization", "")
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().partition(":")[0]
        except ValueError:
            return ""
    return str(form.get("client_id") or "")


def _tokens(state: SandboxState, user: str, scopes: list[str], client_id: str) -> dict:
    now = state.clock.time()
    extra = {"client_id": client_id}
    body = {"token_type": "bearer", "expires_in": ACCESS_SECONDS, "scope": " ".join(scopes),
            "access_token": oauth.issue(state, "x2u", oauth.Grant(
                "x", "access", user, scopes, now + ACCESS_SECONDS, extra=dict(extra)))}
    if "offline.access" in scopes:
        body["refresh_token"] = oauth.issue(state, "x2r", oauth.Grant(
            "x", "refresh", user, scopes, None, extra=dict(extra)))
    return body


@router.post("/2/oauth2/token")
async def token(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    with state.lock:
        state.calls["x.oauth2_token"] += 1
        fault = state.faults.take("x.oauth2_token")
    early = await before_call(request, fault, hang_seconds=state.hang_seconds,
                              status_reply=lambda f: _error("server_error", f.detail or "Error",
                                                            f.status),
                              rate_limited_reply=lambda s: _error("too_many_requests",
                                                                  "Too Many Requests", 429))
    if early is not None:
        return early
    form = await request.form()
    client_id = _client_id(request, form)
    kind = form.get("grant_type")
    with state.lock:  # check and spend in one step: two refreshes never both succeed
        if kind == "authorization_code":
            grant, dead = oauth.check(state, str(form.get("code") or ""))
            if grant is None or dead or grant.kind != "code" or grant.used \
                    or grant.extra["client_id"] != client_id:
                return _error("invalid_request", "Value passed for the authorization code "
                              "was invalid.")
            if grant.extra["redirect_uri"] != form.get("redirect_uri"):
                return _error("invalid_request", "Value passed for the redirect uri did not "
                              "match the uri of the authorization code.")
            verifier = str(form.get("code_verifier") or "")
            wanted = grant.extra["challenge"]
            if (s256(verifier) if grant.extra["method"] == "S256" else verifier) != wanted:
                return _error("invalid_request", "Value passed for the code verifier did not "
                              "match the code challenge.")
            grant.used = True
        elif kind == "refresh_token":
            grant, dead = oauth.check(state, str(form.get("refresh_token") or ""))
            if grant is None or dead or grant.kind != "refresh" or grant.used \
                    or grant.extra["client_id"] != client_id:
                return _error("invalid_request", "Value passed for the token was invalid.")
            grant.used = True  # rotation: this refresh token is spent
        else:
            return _error("unsupported_grant_type", "Unsupported grant type.")
        body = _tokens(state, grant.subject, grant.scopes, client_id)
    response = JSONResponse(body)
    after_call(request, fault)
    return response


@router.post("/2/oauth2/revoke")
async def revoke(request: Request) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await request.form()
    # https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token ("Revoke
    # token"): the app names itself as on the token endpoint (HTTP Basic for a confidential
    # client, `client_id` for a public one); a token of another app is left alone.
    client_id = _client_id(request, form)
    if not client_id:
        return _error("invalid_request", "Missing required parameter [client_id].")
    with state.lock:
        state.calls["x.oauth2_revoke"] += 1
        fault = state.faults.take("x.oauth2_revoke")
    early = await before_call(request, fault, hang_seconds=state.hang_seconds,
                              status_reply=lambda f: _error("server_error", f.detail or "Error",
                                                            f.status),
                              rate_limited_reply=lambda s: _error("too_many_requests",
                                                                  "Too Many Requests", 429))
    if early is not None:
        return early
    with state.lock:
        grant = oauth.find(state, str(form.get("token") or ""))
        if grant is not None and grant.platform == "x" \
                and grant.extra.get("client_id") == client_id:
            grant.revoked = True
    response = JSONResponse({"revoked": True})
    after_call(request, fault)
    return response


def bearer_user(state: SandboxState, token: str) -> tuple[str | None, bool] | None:
    """For `x_wire`: (user id, True) for a live OAuth 2.0 user token, (None, False) for a dead
    one (answered 401), None for a token the sandbox did not issue (app-only bearer)."""
    grant, dead = oauth.check(state, token)
    if grant is None or grant.platform != "x" or grant.kind != "access":
        return None
    return (None, False) if dead else (grant.subject, True)
