"""X's OAuth 2.0 user context: the Authorization Code Flow with PKCE, refresh, and the bearer
user token the client sends (https://docs.x.com/fundamentals/authentication/oauth-2-0/authorization-code).

The OAuth work is requests-oauthlib's `OAuth2Session` over oauthlib (authorization URL, code and
refresh requests, the token answer's checks); the PKCE verifier and its S256 challenge come from
oauthlib's client, so they can be kept between the two browser visits. Access tokens live two
hours; with `offline.access` a refresh token comes too, and each refresh spends it (rotation):
`platforms/tokens.py` makes sure one refresh token is only ever sent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import requests
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from requests_oauthlib import OAuth2Session

from outreach.models import utcnow
from outreach.platforms.http import configure_session, may_have_reached_platform
from outreach.platforms.reasons import reason

if TYPE_CHECKING:
    from outreach.config import Settings

SCOPES = ["tweet.read", "tweet.write", "users.read", "offline.access", "media.write"]
ACCESS_TOKEN = "oauth2_access_token"  # the credential key that makes an account OAuth 2.0


class BearerAuth(requests.auth.AuthBase):
    """OAuth 2.0 user context: `Authorization: Bearer <user access token>` (tweepy's `Client`
    sends user-context calls through the account's signer, so this takes the signer's place)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str | None
    expires_at: datetime | None
    scopes: tuple[str, ...]


class RefreshRefused(Exception):
    """X refused the refresh token (spent, revoked or expired): only signing in again helps."""


class RefreshUnknown(Exception):
    """The refresh was sent and no answer came: X may have spent the refresh token."""


class RefreshFailed(Exception):
    """The refresh did not reach X, or X failed without acting: safe to try again later."""


def configured(settings: Settings) -> bool:
    return bool(settings.x_client_id)


def _secret(settings: Settings) -> str | None:
    value = settings.x_client_secret.get_secret_value() if settings.x_client_secret else ""
    return value or None


# oauthlib refuses plain-http endpoints (the local sandbox): requests name X's real URLs and the
# session's adapter sends them to OUTREACH_X_API_URL; the authorization URL is moved onto
# OUTREACH_X_AUTHORIZE_URL once built.
TOKEN_URL = "https://api.x.com/2/oauth2/token"
# Revoking a token (https://docs.x.com/fundamentals/authentication/oauth-2-0/user-access-token,
# "Revoke token"): `token` and `token_type_hint`, the client named as for the token endpoint.
REVOKE_URL = "https://api.x.com/2/oauth2/revoke"
_AUTHORIZE = "https://x.com/i/oauth2/authorize"


def token_url(settings: Settings) -> str:
    return TOKEN_URL


def _session(settings: Settings, redirect_uri: str | None = None,
             state: str | None = None) -> OAuth2Session:
    session = OAuth2Session(settings.x_client_id, redirect_uri=redirect_uri, scope=SCOPES,
                            state=state)
    configure_session(session, settings.x_api_url, secrets=[_secret(settings)])
    return session


def new_verifier() -> str:
    return WebApplicationClient(None).create_code_verifier(64)


def authorization_url(settings: Settings, redirect_uri: str, state: str, verifier: str) -> str:
    challenge = WebApplicationClient(None).create_code_challenge(verifier, "S256")
    oauth = OAuth2Session(settings.x_client_id, redirect_uri=redirect_uri, scope=SCOPES,
                          state=state)
    url, _state = oauth.authorization_url(_AUTHORIZE, code_challenge=challenge,
                                          code_challenge_method="S256")
    return settings.x_authorize_url.rstrip("/") + url[len(_AUTHORIZE):]


def _fetch(settings: Settings, call) -> Tokens:  # noqa: ANN001 - a callable
    secret = _secret(settings)
    # A confidential client authenticates with HTTP Basic; a public one names itself in the body.
    kwargs = {"client_secret": secret} if secret else {"include_client_id": True}
    token = call(**kwargs)
    lifetime = token.get("expires_in")
    return Tokens(access_token=token["access_token"], refresh_token=token.get("refresh_token"),
                  expires_at=utcnow() + timedelta(seconds=float(lifetime)) if lifetime else None,
                  scopes=tuple(token.get("scope") or ()))


def exchange_code(settings: Settings, redirect_uri: str, code: str, verifier: str) -> Tokens:
    session = _session(settings, redirect_uri)
    return _fetch(settings, lambda **kw: session.fetch_token(
        token_url(settings), code=code, code_verifier=verifier, **kw))


def refresh(settings: Settings, refresh_token: str) -> Tokens:
    """One refresh; raises RefreshRefused, RefreshUnknown or RefreshFailed."""
    session = _session(settings)
    try:
        return _fetch(settings, lambda **kw: session.refresh_token(
            token_url(settings), refresh_token=refresh_token,
            **({"auth": requests.auth.HTTPBasicAuth(settings.x_client_id, kw["client_secret"])}
               if "client_secret" in kw else {"client_id": settings.x_client_id})))
    except OAuth2Error as exc:
        if exc.status_code and exc.status_code >= 500:
            raise RefreshFailed(reason("x.renew_failed", status=exc.status_code)) from None
        raise RefreshRefused(reason("x.refresh_refused", said=exc.error)) from None
    except requests.RequestException as exc:
        if may_have_reached_platform(exc):
            raise RefreshUnknown(reason("x.renew_no_answer")) from None
        raise RefreshFailed(reason("x.renew_unreachable")) from None


def revoke(settings: Settings, token: str, hint: str) -> bool:
    """Ask X to end one token ("access_token" or "refresh_token"); True when X said so. Never
    raises: an account being removed is forgotten here whatever X answers."""
    session = _session(settings)
    secret = _secret(settings)
    data = {"token": token, "token_type_hint": hint}
    auth = None
    if secret:
        auth = requests.auth.HTTPBasicAuth(settings.x_client_id, secret)
    else:
        data["client_id"] = settings.x_client_id or ""
    try:
        answer = session.post(REVOKE_URL, data=data, auth=auth)
    except requests.RequestException:
        return False
    return answer.ok
