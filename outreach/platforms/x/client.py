"""tweepy's `Client` for X, with the work it repeats on every call done once (issue 6: CPU per
delivery).

tweepy 4.17 sends every call to `https://api.twitter.com`, builds a new OAuth 1.0a signer
(requests-oauthlib over oauthlib) for each request, and formats the whole request and answer for
a debug log even when nobody reads it. `XClient` sends to `OUTREACH_X_API_URL` directly, so the
request is signed once, for the URL really used, by one `OAuth1Signer` per account; it raises
what tweepy raises, so the callers' error handling is unchanged. The adapter of `http.py` still
routes and logs (masked) every call.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import time
from collections.abc import Callable
from urllib.parse import parse_qsl, quote, urlsplit

import requests
import tweepy

FORM = "application/x-www-form-urlencoded"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _enc(value: str) -> str:
    """RFC 5849 §3.6: everything but ALPHA, DIGIT, '-', '.', '_', '~' percent-encoded (UTF-8)."""
    return quote(value, safe="")


class OAuth1Signer(requests.auth.AuthBase):
    """OAuth 1.0a, HMAC-SHA1, signature in the Authorization header (RFC 5849), for requests
    whose body is JSON or empty: the signature covers the method, the URL and its query, and the
    oauth_* parameters. A form-encoded body also enters the signature: such a request is handed
    to `fallback` (oauthlib, which implements all of RFC 5849) instead."""

    def __init__(self, consumer_key: str, consumer_secret: str, token: str, token_secret: str,
                 fallback: Callable[[requests.PreparedRequest], requests.PreparedRequest]):
        self._key = f"{_enc(consumer_secret)}&{_enc(token_secret)}".encode()
        # What every request carries, percent-encoded once.
        self._fixed = [(_enc(k), _enc(v)) for k, v in (
            ("oauth_consumer_key", consumer_key), ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_token", token), ("oauth_version", "1.0"))]
        self._header = ", ".join(f'{k}="{v}"' for k, v in self._fixed)
        self._fallback = fallback

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        if r.body and FORM in (r.headers.get("Content-Type") or ""):
            return self._fallback(r)
        return self.sign(r, nonce=secrets.token_hex(16), timestamp=str(int(time.time())))

    def sign(self, r: requests.PreparedRequest, *, nonce: str,
             timestamp: str) -> requests.PreparedRequest:
        url = urlsplit(r.url)
        scheme, host = url.scheme.lower(), (url.hostname or "").lower()
        if url.port and url.port != _DEFAULT_PORTS.get(scheme):
            host = f"{host}:{url.port}"
        nonce, timestamp = _enc(nonce), _enc(timestamp)
        pairs = [*self._fixed, ("oauth_nonce", nonce), ("oauth_timestamp", timestamp)]
        if url.query:
            pairs += [(_enc(k), _enc(v)) for k, v in parse_qsl(url.query, keep_blank_values=True)]
        pairs.sort()
        base = "&".join((r.method.upper(), _enc(f"{scheme}://{host}{url.path or '/'}"),
                         _enc("&".join(f"{k}={v}" for k, v in pairs))))
        signature = _enc(base64.b64encode(hmac.digest(self._key, base.encode(), "sha1")).decode())
        r.headers["Authorization"] = (f'OAuth {self._header}, oauth_nonce="{nonce}", '
                                      f'oauth_timestamp="{timestamp}", '
                                      f'oauth_signature="{signature}"')
        return r


_ERRORS = {400: tweepy.BadRequest, 401: tweepy.Unauthorized, 403: tweepy.Forbidden,
           404: tweepy.NotFound}


class XClient(tweepy.Client):
    """`tweepy.Client` aimed at `api_url`, signing user-context calls with `signer`. It never
    sleeps on a rate limit (the dispatcher reschedules instead): a 429 raises
    `tweepy.TooManyRequests` with the reset time, as tweepy does without `wait_on_rate_limit`."""

    def __init__(self, api_url: str, signer: OAuth1Signer, **kwargs) -> None:
        super().__init__(**kwargs, wait_on_rate_limit=False)
        self.api_url = api_url.rstrip("/")
        self.signer = signer

    def request(self, method: str, route: str, params: dict | None = None,
                json: dict | None = None, user_auth: bool = False) -> requests.Response:
        headers = {"User-Agent": self.user_agent}
        auth = None
        if user_auth:
            auth = self.signer
        else:
            headers["Authorization"] = f"Bearer {self.bearer_token}"
        with self._send(method, self.api_url + route, params, json, headers, auth) as response:
            status = response.status_code
            if status in _ERRORS:
                raise _ERRORS[status](response)
            if status == 429:
                reset = response.headers.get("x-rate-limit-reset")
                raise tweepy.TooManyRequests(
                    response, reset_time=int(reset) if reset and reset.isdigit() else None)
            if status >= 500:
                raise tweepy.TwitterServerError(response)
            if not 200 <= status < 300:
                raise tweepy.HTTPException(response)
            return response

    def _send(self, method: str, url: str, params: dict | None, json: dict | None,
              headers: dict[str, str], auth: OAuth1Signer | None) -> requests.Response:
        """`session.request`, without the merging of environment, cookie and session settings
        when there is none to merge (the usual case: `http.py` reads the environment once):
        that merging costs more CPU than signing the request."""
        session = self.session
        if session.trust_env or session.cookies or session.params or session.auth:
            return session.request(method, url, params=params, json=json, headers=headers,
                                   auth=auth)
        prepared = requests.PreparedRequest()
        # No params as None, not {}: requests would inspect an empty dict at length.
        prepared.prepare(method=method, url=url, headers={**session.headers, **headers},
                         params=params or None, json=json, auth=auth, hooks=session.hooks)
        return session.send(prepared)
