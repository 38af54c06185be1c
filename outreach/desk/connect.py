"""Connecting accounts by signing in: X's OAuth 2.0 with PKCE, and Facebook Login for Pages and
their Instagram professional accounts.

Each sign-in starts with a pending record in the admin's session (`store`, the signed session
cookie): a random `state`, when it was made, and for X the PKCE verifier, encrypted (the cookie is
signed, not secret). The callback must bring the same `state` back within `PENDING_SECONDS`, and
the record is removed on the first callback whatever happens, so a state is used once. Tokens are
stored encrypted (crypto.py) and never put in a page, a log line or an audit entry.

Facebook Login (https://developers.facebook.com/documentation/facebook-login/guides/advanced/manual-flow):
code → user token → long-lived user token → `debug_token` and `/me/permissions` (what was
granted; everything missing is named, and without the publishing permissions nothing is
stored) → `/me/accounts` (the Pages, their Page tokens, which do not expire when made from a
long-lived user token, and each Page's `instagram_business_account`) → the admin picks. The
long-lived user token waits for the pick in the session, encrypted, for `PENDING_SECONDS`.

The OAuth requests are requests-oauthlib's (`OAuth2Session`, with Facebook's compliance fix);
the long-lived exchange, `debug_token` and `/me/accounts` are pyfacebook's calls, which know
those non-OAuth endpoints.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from oauthlib.oauth2 import OAuth2Error
from pyfacebook import GraphAPI
from pyfacebook.exceptions import FacebookError, LibraryError
from requests_oauthlib import OAuth2Session
from requests_oauthlib.compliance_fixes import facebook_compliance_fix
from sqlmodel import Session

from outreach.config import Settings
from outreach.crypto import SecretKeyError, decrypt_credentials, encrypt_credentials
from outreach.desk.accounts import AccountError, Connected, store, verify_credentials
from outreach.models import Account, utcnow
from outreach.platforms import platform_class
from outreach.platforms.graph import GRAPH_VERSION
from outreach.platforms.http import configure_session, register_secrets
from outreach.platforms.tokens import encrypt_refresh_token
from outreach.platforms.x import oauth2 as x_oauth2

PENDING_KEY = "connect_pending"
PENDING_SECONDS = 600
CALLBACK = "/admin/accounts/connect/{provider}/callback"
# Meta's permissions, grouped by what the service needs them for (the page names each missing
# one with its group). "publish" ones are required: without them nothing is stored.
META_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "publish": ("pages_show_list", "pages_manage_posts", "pages_read_engagement",
                "instagram_basic", "instagram_content_publish"),
    "figures": ("read_insights", "instagram_manage_insights"),
    "comments": ("pages_read_user_content", "pages_manage_engagement",
                 "instagram_manage_comments"),
    "business": ("business_management",),
}
META_SCOPES = [p for group in META_PERMISSIONS.values() for p in group]
# Meta's answers name the real hosts; the routed session sends them to OUTREACH_GRAPH_API_URL
# (oauthlib refuses plain-http URLs such as the local sandbox's).
_GRAPH = "https://graph.facebook.com"
_DIALOG = "https://www.facebook.com"


class ConnectError(AccountError):
    """A sign-in could not finish; `code` says why (the web page words it). Nothing stored."""


@dataclass(slots=True)
class PageChoice:
    page_id: str
    name: str
    instagram_id: str | None = None
    instagram_username: str | None = None


@dataclass(slots=True)
class MetaGrant:
    """What Facebook Login gave: the Pages to choose from and what is missing."""

    pages: list[PageChoice]
    missing: dict[str, list[str]] = field(default_factory=dict)  # group -> permissions
    data_access_expires_at: datetime | None = None


def redirect_uri(settings: Settings, provider: str) -> str | None:
    if not settings.public_base_url:
        return None
    return settings.public_base_url.rstrip("/") + CALLBACK.format(provider=provider)


def _secret(value: Any) -> str:
    return value.get_secret_value() if value is not None else ""


def configured(settings: Settings, provider: str) -> bool:
    if provider == "x":
        return bool(settings.x_client_id)
    return bool(settings.meta_app_id and _secret(settings.meta_app_secret))


def _check_ready(settings: Settings, provider: str) -> str:
    if not configured(settings, provider):
        raise ConnectError("not_configured", provider=provider)
    uri = redirect_uri(settings, provider)
    if uri is None:
        raise ConnectError("no_public_url")
    try:
        encrypt_credentials(settings, {})
    except SecretKeyError:
        raise ConnectError("no_secret_key") from None
    return uri


# -- the pending sign-in in the admin's session ----------------------------------------------------
def _begin(settings: Settings, store_: MutableMapping[str, Any], provider: str,
           account_id: int | None, **secret: str) -> str:
    state = secrets.token_urlsafe(24)
    store_[PENDING_KEY] = {"p": provider, "s": state, "t": time.time(), "a": account_id,
                           "x": encrypt_credentials(settings, secret) if secret else None}
    return state


def _take(settings: Settings, store_: MutableMapping[str, Any], provider: str,
          state: str | None) -> tuple[int | None, dict[str, str]]:
    """The pending sign-in this callback answers; removed whatever happens (single use)."""
    pending = store_.pop(PENDING_KEY, None)
    if not isinstance(pending, Mapping) or pending.get("p") != provider or not state \
            or not hmac.compare_digest(str(pending.get("s")), state):
        raise ConnectError("state")
    if time.time() - float(pending.get("t") or 0) > PENDING_SECONDS:
        raise ConnectError("state_expired")
    secret = decrypt_credentials(settings, pending["x"]) if pending.get("x") else {}
    return pending.get("a"), secret


def _account(session: Session, account_id: int | None, platform: str) -> Account | None:
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    if account is None or account.platform != platform:
        raise ConnectError("state")
    return account


# -- X ----------------------------------------------------------------------------------------
def begin_x(settings: Settings, store_: MutableMapping[str, Any],
            account_id: int | None = None) -> str:
    """The URL of X's consent page for a new sign-in (or a reconnect of `account_id`)."""
    uri = _check_ready(settings, "x")
    verifier = x_oauth2.new_verifier()
    state = _begin(settings, store_, "x", account_id, verifier=verifier)
    return x_oauth2.authorization_url(settings, uri, state, verifier)


def finish_x(session: Session, settings: Settings, store_: MutableMapping[str, Any],
             params: Mapping[str, str], *, actor: str, user_id: int | None = None) -> Connected:
    account_id, secret = _take(settings, store_, "x", params.get("state"))
    if params.get("error"):
        raise ConnectError("denied", provider="x")
    if not params.get("code"):
        raise ConnectError("state")
    uri = _check_ready(settings, "x")
    try:
        tokens = x_oauth2.exchange_code(settings, uri, params["code"], secret["verifier"])
    except (OAuth2Error, requests.RequestException, KeyError, ValueError) as exc:
        raise ConnectError("exchange", provider="x", why=type(exc).__name__) from None
    register_secrets([tokens.access_token, tokens.refresh_token])
    missing = [s for s in x_oauth2.SCOPES if tokens.scopes and s not in tokens.scopes]
    if missing:
        raise ConnectError("missing_scopes", provider="x", missing=missing)
    cls = platform_class("x")
    creds = {x_oauth2.ACCESS_TOKEN: tokens.access_token}
    identity, creds = verify_credentials(settings, cls, creds)
    return store(session, settings, cls, identity, creds, actor=actor, user_id=user_id,
                 account=_account(session, account_id, "x"), lifetimes={
                     "token_expires_at": tokens.expires_at,
                     "refresh_token_encrypted": encrypt_refresh_token(settings,
                                                                      tokens.refresh_token)})


# -- Meta ---------------------------------------------------------------------------------------
def _graph(settings: Settings, token: str | None = None) -> GraphAPI:
    app_secret = _secret(settings.meta_app_secret)
    api = GraphAPI(app_id=settings.meta_app_id, app_secret=app_secret, access_token=token,
                   oauth_flow=token is None, version=GRAPH_VERSION, base_url=_GRAPH + "/",
                   access_token_url=f"{_GRAPH}/{GRAPH_VERSION}/oauth/access_token",
                   sleep_on_rate_limit=False, timeout=None)
    configure_session(api.session, settings.graph_api_url, secrets=[app_secret, token])
    return api


def begin_meta(settings: Settings, store_: MutableMapping[str, Any]) -> str:
    uri = _check_ready(settings, "meta")
    state = _begin(settings, store_, "meta", None)
    oauth = OAuth2Session(settings.meta_app_id, redirect_uri=uri, scope=META_SCOPES, state=state)
    url, _state = oauth.authorization_url(f"{_DIALOG}/{GRAPH_VERSION}/dialog/oauth")
    # Facebook takes the permissions separated by commas.
    url = url.replace("+", ",").replace("%20", ",")
    return settings.facebook_dialog_url.rstrip("/") + url[len(_DIALOG):]


def _exchange_meta_code(settings: Settings, uri: str, code: str) -> str:
    oauth = facebook_compliance_fix(OAuth2Session(settings.meta_app_id, redirect_uri=uri))
    configure_session(oauth, settings.graph_api_url,
                      secrets=[_secret(settings.meta_app_secret)])
    token = oauth.fetch_token(f"{_GRAPH}/{GRAPH_VERSION}/oauth/access_token", code=code,
                              client_secret=_secret(settings.meta_app_secret),
                              include_client_id=True)
    return token["access_token"]


def _when(value: Any) -> datetime | None:
    try:
        seconds = int(value or 0)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def finish_meta(settings: Settings, store_: MutableMapping[str, Any],
                params: Mapping[str, str]) -> MetaGrant:
    """The callback of Facebook Login: tokens exchanged and checked, the Pages to choose from.
    The long-lived user token waits in the session (encrypted) for `connect_meta`."""
    _take(settings, store_, "meta", params.get("state"))
    if params.get("error"):
        raise ConnectError("denied", provider="meta")
    if not params.get("code"):
        raise ConnectError("state")
    uri = _check_ready(settings, "meta")
    app_token = f"{settings.meta_app_id}|{_secret(settings.meta_app_secret)}"
    register_secrets([app_token])
    try:
        short = _exchange_meta_code(settings, uri, params["code"])
        register_secrets([short])
        long_lived = _graph(settings).exchange_long_lived_user_access_token(short)
        user_token = long_lived["access_token"]
        register_secrets([user_token])
        api = _graph(settings, user_token)
        info = api.debug_token(input_token=user_token, access_token=app_token).get("data", {})
        granted = {p["permission"] for p in api.get_connection("me", "permissions")
                   .get("data", []) if p.get("status") == "granted"}
        pages = api.get_connection("me", "accounts", fields=(
            "id,name,instagram_business_account{id,username}"), limit=100).get("data", [])
    except (OAuth2Error, requests.RequestException, FacebookError, LibraryError, KeyError,
            ValueError) as exc:
        raise ConnectError("exchange", provider="meta", why=type(exc).__name__) from None
    granted |= set(info.get("scopes") or [])
    missing = {group: [p for p in perms if p not in granted]
               for group, perms in META_PERMISSIONS.items()}
    missing = {group: perms for group, perms in missing.items() if perms}
    if missing.get("publish"):
        raise ConnectError("missing_permissions", provider="meta", missing=missing)
    data_access = _when(info.get("data_access_expires_at"))
    choices = [PageChoice(str(p["id"]), str(p.get("name") or p["id"]),
                          (p.get("instagram_business_account") or {}).get("id"),
                          (p.get("instagram_business_account") or {}).get("username"))
               for p in pages if p.get("id")]
    if not choices:
        raise ConnectError("no_pages")
    store_[PENDING_KEY] = {"p": "meta-pick", "t": time.time(), "x": encrypt_credentials(
        settings, {"user_token": user_token, "data_access": str(info.get(
            "data_access_expires_at") or "")})}
    return MetaGrant(choices, missing, data_access)


def connect_meta(session: Session, settings: Settings, store_: MutableMapping[str, Any],
                 chosen: list[str], *, actor: str, user_id: int | None = None) -> list[Connected]:
    """Connect the chosen Pages ("facebook:ID") and Instagram accounts ("instagram:PAGEID") with
    Page tokens made from the long-lived user token."""
    pending = store_.pop(PENDING_KEY, None)
    if not isinstance(pending, Mapping) or pending.get("p") != "meta-pick" \
            or time.time() - float(pending.get("t") or 0) > PENDING_SECONDS:
        raise ConnectError("state_expired")
    if not chosen:
        raise ConnectError("nothing_chosen")
    secret = decrypt_credentials(settings, pending["x"])
    try:
        pages = _graph(settings, secret["user_token"]).get_connection(
            "me", "accounts", fields="id,name,access_token,instagram_business_account{id}",
            limit=100).get("data", [])
    except (requests.RequestException, FacebookError, LibraryError) as exc:
        raise ConnectError("exchange", provider="meta", why=type(exc).__name__) from None
    data_access = _when(secret.get("data_access"))
    lifetimes = {"data_access_expires_at": data_access}
    done = []
    for page in pages:
        token = page.get("access_token")
        if not token:
            continue
        register_secrets([token])
        page_id = str(page["id"])
        wanted = [("facebook", {"page_id": page_id, "page_token": token}, page.get("name"))]
        ig = (page.get("instagram_business_account") or {}).get("id")
        if ig:
            wanted.append(("instagram", {"ig_user_id": str(ig), "access_token": token}, None))
        for platform, creds, name in wanted:
            if f"{platform}:{page_id}" not in chosen:
                continue
            cls = platform_class(platform)
            identity, creds = verify_credentials(settings, cls, creds)
            done.append(store(session, settings, cls, identity, creds, actor=actor,
                              user_id=user_id, name=name, lifetimes=lifetimes))
    return done


def access_ends(account: Account) -> datetime | None:
    """When the account's access ends for good unless someone signs in again: Meta's data access,
    or an access token that cannot be renewed."""
    ends = [account.data_access_expires_at]
    if account.token_expires_at is not None and not account.refresh_token_encrypted:
        ends.append(account.token_expires_at)
    known = [e for e in ends if e is not None]
    return min(known) if known else None


WARN_AHEAD = timedelta(days=7)


def ending_soon(accounts: list[Account], now: datetime | None = None) -> list[Account]:
    """Accounts whose access ends within a week (or has ended): someone must sign in again."""
    now = now or utcnow()
    return [a for a in accounts if (end := access_ends(a)) is not None
            and end - now <= WARN_AHEAD]


def signin_url(account: Account) -> str | None:
    """Where "perlu disambungkan ulang" leads for an account connected by signing in (the
    platform class names its sign-in, `Platform.signin`)."""
    if account.source != "db" or not (account.token_expires_at or account.data_access_expires_at
                                       or account.refresh_token_encrypted
                                       or account.reconnect_reason):
        return None
    try:
        provider = getattr(platform_class(account.platform, account.backend), "signin", None)
    except (KeyError, NotImplementedError):
        return None
    if provider == "x":
        return f"/admin/accounts/connect/x?account={account.id}"
    return f"/admin/accounts/connect/{provider}" if provider else None
