"""Facebook Login, as the sandbox plays it: the Login dialog, the code exchange, long-lived
tokens, Page tokens with each Page's Instagram professional account, `debug_token` and
`/me/permissions`.

- Manual flow (https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow):
  the dialog at `{OUTREACH_FACEBOOK_DIALOG_URL}/v23.0/dialog/oauth` (here `/facebook/v23.0/...`)
  redirects to `redirect_uri` with `code` and `state`, or with `error=access_denied`,
  `error_reason=user_denied` when the person cancels. As on Facebook, the person chooses which
  Pages the app may use and may switch off any requested permission (the answer's
  `/me/permissions` then says `declined`).
- `GET|POST /oauth/access_token`: `code` (once, same `redirect_uri`) → a short-lived user token
  (about two hours); `grant_type=fb_exchange_token` → a long-lived one (60 days)
  (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/get-long-lived).
- `GET /me/accounts`: the chosen Pages with Page tokens; a Page token made from a long-lived
  user token has no expiry (https://developers.facebook.com/docs/pages/access-tokens), and
  `instagram_business_account` names the linked Instagram professional account.
- `GET /debug_token` (https://developers.facebook.com/docs/graph-api/reference/debug_token):
  `is_valid`, `expires_at` (0: never), `data_access_expires_at` (90 days after consent),
  `scopes`, `granular_scopes`.
Every token runs on the sandbox clock; `POST /_sandbox/oauth/revoke {"platform": "meta",
"subject": person id}` plays a person removing the app.
"""

from __future__ import annotations

import base64
import html
from urllib.parse import urlencode

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from outreach.sandbox import oauth
from outreach.sandbox.graph import (
    NO_TOKEN,
    Ctx,
    GraphError,
    invalid_param,
    lacks,
    parse_fields,
    route,
)
from outreach.sandbox.state import SandboxState

router = APIRouter(prefix="/facebook")
SHORT_SECONDS = 2 * 3600
LONG_SECONDS = 60 * 86400
DATA_ACCESS_SECONDS = 90 * 86400
PERSON = ("9001", "Admin Perpustakaan")
# The Pages the sandbox person manages: id -> (name, linked Instagram account (id, username)).
PAGES: dict[str, tuple[str, tuple[str, str] | None]] = {
    "1001": ("Perpustakaan Kota Bontang", ("17841400000000001", "perpustakaan.bontang")),
    "1002": ("Taman Baca Bontang", None),
}
NO_TOKEN.add("oauth.access_token")


def install(app: FastAPI, state: SandboxState) -> None:
    app.include_router(router)


def _none(state: SandboxState, groups: tuple[str, ...]) -> None:
    return None


@router.get("/{version}/dialog/oauth", response_class=HTMLResponse)
async def dialog(request: Request, version: str) -> Response:
    q = request.query_params
    if not q.get("client_id") or not q.get("redirect_uri"):
        return HTMLResponse(oauth.page("Error", "<p>Invalid App ID or redirect_uri.</p>"),
                            status_code=400)
    scopes = [s for s in q.get("scope", "").replace(" ", ",").split(",") if s]
    hidden = "".join(f"<input type='hidden' name='{p}' value='{html.escape(q.get(p, ''))}'>"
                     for p in ("client_id", "redirect_uri", "state"))
    pages = "".join(
        f"<label><input type='checkbox' name='page' value='{pid}' checked> {html.escape(name)}"
        f"{' (Instagram @' + html.escape(ig[1]) + ')' if ig else ''}</label><br>"
        for pid, (name, ig) in PAGES.items())
    perms = "".join(
        f"<label><input type='checkbox' name='grant' value='{html.escape(s)}' checked> "
        f"{html.escape(s)}</label><input type='hidden' name='scope' value='{html.escape(s)}'><br>"
        for s in scopes)
    body = (f"<p>Continue as {PERSON[1]}?</p><form method='post' "
            f"action='/facebook/{html.escape(version)}/dialog/oauth'>{hidden}"
            f"<fieldset><legend>Pages the app may use</legend>{pages}</fieldset>"
            f"<fieldset><legend>What the app may do</legend>{perms}</fieldset>"
            "<button name='decision' value='allow'>Continue</button>"
            "<button name='decision' value='deny'>Cancel</button></form>")
    return HTMLResponse(oauth.page("Log in with Facebook", body))


@router.post("/{version}/dialog/oauth")
async def decide(request: Request, version: str) -> Response:
    state: SandboxState = request.app.state.sandbox
    form = await request.form()
    redirect = str(form.get("redirect_uri") or "")
    answer = {"state": str(form.get("state") or "")}
    if form.get("decision") != "allow":
        answer.update(error="access_denied", error_code="200", error_reason="user_denied",
                      error_description="Permissions error")
        return RedirectResponse(f"{redirect}?{urlencode(answer)}#_=_", status_code=303)
    asked = [str(s) for s in form.getlist("scope")]
    granted = [s for s in asked if s in form.getlist("grant")]
    pages = [str(p) for p in form.getlist("page") if p in PAGES]
    now = state.clock.time()
    grant = oauth.Grant("meta", "code", PERSON[0], granted, now + 600, extra={
        "client_id": str(form.get("client_id")), "redirect_uri": redirect, "pages": pages,
        "declined": [s for s in asked if s not in granted],
        "data_access_expires_at": now + DATA_ACCESS_SECONDS})
    answer["code"] = oauth.issue(state, "fbcode", grant)
    return RedirectResponse(f"{redirect}?{urlencode(answer)}#_=_", status_code=303)


def _client(ctx: Ctx) -> tuple[str, str]:
    header = ctx.request.headers.get("authorization", "")
    if header.startswith("Basic "):
        user, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        return user, secret
    return str(ctx.params.get("client_id") or ""), str(ctx.params.get("client_secret") or "")


def _user_token(state: SandboxState, source: oauth.Grant, seconds: int) -> dict:
    extra = {k: v for k, v in source.extra.items() if k not in ("redirect_uri",)}
    extra["long_lived"] = seconds == LONG_SECONDS
    grant = oauth.Grant("meta", "access", source.subject, list(source.scopes),
                        state.clock.time() + seconds, extra=extra)
    return {"access_token": oauth.issue(state, "EAAuser", grant), "token_type": "bearer",
            "expires_in": seconds}


@route("GET", r"oauth/access_token", "oauth.access_token", owner=_none)
@route("POST", r"oauth/access_token", "oauth.access_token", owner=_none)
async def access_token(ctx: Ctx):
    client_id, secret = _client(ctx)
    if not client_id or not secret:
        raise GraphError(400, 101, "Error validating application. Invalid application ID.")
    with ctx.state.lock:
        if ctx.params.get("grant_type") == "fb_exchange_token":
            grant, dead = oauth.check(ctx.state, str(ctx.params.get("fb_exchange_token") or ""))
            if grant is None or dead or grant.kind != "access":
                raise GraphError(400, 190, "Error validating access token: Session has expired.",
                                 subcode=463)
            return _user_token(ctx.state, grant, LONG_SECONDS), None
        grant, dead = oauth.check(ctx.state, str(ctx.params.get("code") or ""))
        if grant is None or dead or grant.kind != "code" or grant.used \
                or grant.extra["client_id"] != client_id:
            raise GraphError(400, 100, "This authorization code has been used.", subcode=36009,
                             type_="OAuthException")
        if grant.extra["redirect_uri"] != ctx.params.get("redirect_uri"):
            raise GraphError(400, 100, "Error validating verification code. Please make sure "
                             "your redirect_uri is identical to the one you used in the OAuth "
                             "dialog request")
        grant.used = True
        return _user_token(ctx.state, grant, SHORT_SECONDS), None


def _caller(ctx: Ctx) -> oauth.Grant:
    grant, dead = oauth.check(ctx.state, str(ctx.params.get("access_token") or ""))
    if grant is None or dead or grant.kind != "access":
        raise GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")
    return grant


@route("GET", r"me", "oauth.me", owner=_none)
async def me(ctx: Ctx):
    _caller(ctx)
    return {"id": PERSON[0], "name": PERSON[1]}, None


# What the library's Meta app asks for (pages and Instagram publishing, insights, comments): a
# token the sandbox did not issue through the Login dialog (a test's fixed token) has them all,
# less those `POST /_sandbox/permissions` says it lacks (`graph.lacks`).
GRANTED = ("public_profile", "pages_show_list", "pages_read_engagement", "pages_manage_posts",
           "pages_read_user_content", "read_insights", "business_management",
           "instagram_basic", "instagram_content_publish", "instagram_manage_insights",
           "instagram_manage_comments")


@route("GET", r"me/permissions", "oauth.permissions", owner=_none)
async def permissions(ctx: Ctx):
    """https://developers.facebook.com/docs/graph-api/reference/user/permissions/:
    `{"data": [{"permission": "instagram_basic", "status": "granted"}, ...]}`."""
    token = str(ctx.params.get("access_token") or "")
    grant, _ = oauth.check(ctx.state, token)
    if grant is None:
        data = [{"permission": p, "status": "declined" if lacks(ctx, p) else "granted"}
                for p in GRANTED]
        return {"data": data}, None
    grant = _caller(ctx)
    data = [{"permission": p, "status": "granted"} for p in grant.scopes]
    data += [{"permission": p, "status": "declined"} for p in grant.extra.get("declined", [])]
    return {"data": data}, None


@route("GET", r"me/accounts", "oauth.accounts", owner=_none)
async def accounts(ctx: Ctx):
    grant = _caller(ctx)
    if "pages_show_list" not in grant.scopes:
        raise GraphError(403, 200, "(#200) Requires pages_show_list permission")
    fields = parse_fields(ctx.params.get("fields") or "id,name,access_token")
    data = []
    for page_id in grant.extra.get("pages", []):
        name, ig = PAGES[page_id]
        page_grant = oauth.Grant(
            "meta", "page", page_id, list(grant.scopes),
            None if grant.extra.get("long_lived") else grant.expires_at,
            extra={"person": grant.subject,
                   "data_access_expires_at": grant.extra.get("data_access_expires_at")})
        item = {"id": page_id, "name": name, "category": "Library",
                "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MESSAGING", "MODERATE",
                          "MANAGE"]}
        if "access_token" in fields:
            item["access_token"] = oauth.issue(ctx.state, "EAApage", page_grant)
        # Graph's nested fields ("instagram_business_account{id,username}") use braces.
        if ig is not None and any(f.startswith("instagram_business_account") for f in fields):
            item["instagram_business_account"] = {"id": ig[0], "username": ig[1]}
        data.append(item)
    return {"data": data, "paging": {"cursors": {"before": "QVFI", "after": "QVFJ"}}}, None


@route("GET", r"debug_token", "oauth.debug_token", owner=_none)
async def debug_token(ctx: Ctx):
    token = str(ctx.params.get("input_token") or "")
    if not token:
        raise invalid_param("The parameter input_token is required")
    grant, dead = oauth.check(ctx.state, token)
    if grant is None:
        raise GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token")
    data = {"app_id": grant.extra.get("client_id", ""), "application": "Library Outreach",
            "type": "PAGE" if grant.kind == "page" else "USER", "is_valid": dead is None,
            "expires_at": int(grant.expires_at or 0), "scopes": list(grant.scopes),
            "granular_scopes": [{"scope": s} for s in grant.scopes],
            "user_id": grant.extra.get("person", grant.subject)}
    if grant.extra.get("data_access_expires_at"):
        data["data_access_expires_at"] = int(grant.extra["data_access_expires_at"])
    if grant.kind == "page":
        data["profile_id"] = grant.subject
    return {"data": data}, None
