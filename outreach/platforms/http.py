"""The one HTTP seam for platform clients (no HTTP to a platform outside this module;
only `sources/` makes its own calls: docs/architecture.md, "Which way imports go").

The client libraries (tweepy, later pyfacebook) hard-code the real platform's scheme and host. Each
of them exposes a `requests.Session`; `configure_session` mounts `BaseURLAdapter` on it, so every
call goes to the configured base URL (the real platform, or the local sandbox with a path prefix),
gets a default timeout, and is logged without secrets.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable
from functools import lru_cache
from importlib import metadata
from urllib.parse import quote, quote_plus, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError

log = logging.getLogger(__name__)

# (connect, read) seconds. A publish that waits longer than this is reconciled, not retried.
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)

# Query parameters and header values that carry credentials on the platforms we talk to
# (Graph API `access_token`/`appsecret_proof`, OAuth 1.0a `oauth_*`, Instagram sessions), and the
# signature of an object store's presigned URL (a link that opens the image until it expires).
_SECRET_PARAM = re.compile(
    r"(?i)\b(access_token|refresh_token|client_secret|app_secret|appsecret_proof|"
    r"X-Amz-Signature|X-Amz-Security-Token|X-Amz-Credential|"
    r"fb_exchange_token|input_token|oauth_token|oauth_token_secret|oauth_signature|"
    r"oauth_verifier|password|sessionid|token|code|code_verifier)=([^&\s\"'#,;]+)"
)
# The same names as JSON or a Python dict (requests-oauthlib logs token answers and requests so).
_SECRET_ITEM = re.compile(
    r"(?i)([\"'](?:access_token|refresh_token|client_secret|code|code_verifier|id_token)"
    r"[\"']\s*:\s*[\"'])([^\"']+)"
)
_AUTH_HEADER = re.compile(
    r"\b(Bearer)\s+[A-Za-z0-9._~+/=%-]{8,}|\b(OAuth)\s+(?:realm|oauth_)[^'\n]*"
)
MASK = "***"


@lru_cache(maxsize=1)
def user_agent() -> str:
    try:
        version = metadata.version("library-outreach")
    except metadata.PackageNotFoundError:  # running from a plain source tree
        version = "0"
    return f"LibraryOutreach/{version}"


def mask_secrets(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with every given secret (raw or URL-encoded), credential query parameter and
    Authorization value replaced by `***`. Use it on every log line and error message that may
    hold a URL, a header or a platform's answer."""
    values = {s for s in secrets if s}
    for secret in sorted(values, key=len, reverse=True):
        for form in {secret, quote(secret, safe=""), quote_plus(secret)}:
            text = text.replace(form, MASK)
    text = _SECRET_PARAM.sub(lambda m: f"{m.group(1)}={MASK}", text)
    text = _SECRET_ITEM.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _AUTH_HEADER.sub(lambda m: f"{m.group(1) or m.group(2)} {MASK}", text)


def may_have_reached_platform(exc: BaseException) -> bool:
    """Whether a failed request may have been received (and acted on) by the platform.

    False only when no connection was ever made: refused, unresolvable, or a connect timeout.
    Anything later (read timeout, connection reset or closed after sending) may hide a post
    that exists, so a publish must be reconciled rather than retried
    (docs/architecture.md, "The publishing promise", step 5).
    """
    if isinstance(exc, requests.ConnectTimeout):
        return False
    if isinstance(exc, requests.ConnectionError):
        reason = exc.args[0] if exc.args else None
        if isinstance(reason, MaxRetryError):
            reason = reason.reason
        # urllib3: NewConnectionError and NameResolutionError are ConnectTimeoutErrors too.
        return not isinstance(reason, ConnectTimeoutError)
    return True


class BaseURLAdapter(HTTPAdapter):
    """Sends every request to `base_url` instead of the scheme and host the caller used.

    `https://api.twitter.com/2/tweets?x=1` with base `http://127.0.0.1:8765/x` goes to
    `http://127.0.0.1:8765/x/2/tweets?x=1`. A URL already under the base is left alone.

    `resign`, when given, is called with the prepared request after its URL changed and before it
    is sent: OAuth 1.0a signs the URL (scheme, host and path), so a request signed for
    `api.twitter.com` must be signed again for the host it really goes to.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
        secrets: Iterable[str | None] = (),
        resign: Callable[[requests.PreparedRequest], None] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"not an http(s) base URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._base = parts
        self.timeout = timeout
        self.secrets = tuple(s for s in secrets if s)
        self.resign = resign

    def rewrite(self, url: str) -> str:
        if url == self.base_url or url.startswith(self.base_url + "/"):
            return url
        parts = urlsplit(url)
        path = self._base.path.rstrip("/") + (parts.path or "/")
        return urlunsplit((self._base.scheme, self._base.netloc, path, parts.query, ""))

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        original = request.url
        request.url = self.rewrite(original)
        if request.url != original and self.resign is not None:
            self.resign(request)
        if timeout is None:  # requests waits forever by default; never do that
            timeout = self.timeout
        started = time.monotonic()
        try:
            response = super().send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        except requests.RequestException as exc:
            if log.isEnabledFor(logging.DEBUG):
                log.debug(
                    "%s %s failed after %.0f ms: %s",
                    request.method,
                    self.mask(request.url),
                    (time.monotonic() - started) * 1000,
                    self.mask(f"{type(exc).__name__}: {exc}"),
                )
            raise
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s in %.0f ms",
                request.method,
                self.mask(request.url),
                response.status_code,
                (time.monotonic() - started) * 1000,
            )
        return response

    def mask(self, text: str) -> str:
        return mask_secrets(text, self.secrets)


class _MaskingFilter(logging.Filter):
    """The client libraries log at DEBUG what they send: urllib3 the request line (a Graph
    `access_token` in the query), tweepy the request, oauthlib the signature base string (the
    consumer key and access token). Every record of theirs is masked, with the secret values of
    every client configured in this process as well as the known credential parameters."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken log call is not ours to fix
            return True
        masked = mask_secrets(message, self.secrets)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_URLLIB3_FILTER = _MaskingFilter()
# Loggers (exact names: a filter does not apply to records of child loggers) that may print
# requests, headers or signatures.
CLIENT_LOGGERS = (
    "urllib3.connectionpool",
    "oauthlib.oauth1.rfc5849",
    "oauthlib.oauth1.rfc5849.signature",
    "oauthlib.oauth2.rfc6749.clients.base",
    "requests_oauthlib.oauth1_auth",
    "requests_oauthlib.oauth2_session",
    "tweepy.client",
    "pyfacebook.api.graph",
    "pyfacebook.ratelimit",
    "private_request",
    "instagrapi",
    "public_request",
    # boto3 (platforms/media_store.py): requests, signing, and the credential chain.
    "botocore.endpoint",
    "botocore.auth",
    "botocore.hooks",
    "botocore.parsers",
    "botocore.credentials",
    "botocore.httpsession",
    "botocore.utils",
)


def register_secrets(secrets: Iterable[str | None]) -> None:
    """Mask these values in every record the client libraries log, from now on."""
    _URLLIB3_FILTER.secrets.update(s for s in secrets if s and len(s) >= 4)
    for name in CLIENT_LOGGERS:
        logger = logging.getLogger(name)
        if _URLLIB3_FILTER not in logger.filters:
            logger.addFilter(_URLLIB3_FILTER)


class RoutedSession(requests.Session):
    """A session that moves each request to the base URL while preparing it, before its auth
    handler runs: OAuth 1.0a signs scheme, host and path, so the request is signed once, for the
    URL really used, instead of being signed for the real host and then again in the adapter."""

    routing: BaseURLAdapter | None = None

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        if self.routing is not None and isinstance(request.url, str):
            request.url = self.routing.rewrite(request.url)
        return super().prepare_request(request)


def routed_session(
    base_url: str,
    *,
    timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
    secrets: Iterable[str | None] = (),
    resign: Callable[[requests.PreparedRequest], None] | None = None,
) -> RoutedSession:
    """A new session routed to `base_url` as `configure_session` does, whose requests are already
    on the base URL when they are signed. `resign` stays as the adapter's safety net for a
    request prepared elsewhere and sent through this session."""
    session = RoutedSession()
    session.routing = configure_session(session, base_url, timeout=timeout, secrets=secrets,
                                        resign=resign)
    return session


def configure_session(
    session: requests.Session,
    base_url: str,
    *,
    timeout: tuple[float, float] | float = DEFAULT_TIMEOUT,
    secrets: Iterable[str | None] = (),
    resign: Callable[[requests.PreparedRequest], None] | None = None,
) -> BaseURLAdapter:
    """Route every request of `session` (http and https) through one `BaseURLAdapter`."""
    adapter = BaseURLAdapter(base_url, timeout=timeout, secrets=secrets, resign=resign)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    session.headers["User-Agent"] = user_agent()
    _settle_environment(session)
    register_secrets(secrets)
    return adapter


def _settle_environment(session: requests.Session) -> None:
    """Read proxy and CA-bundle settings from the environment once, not on every request
    (requests re-reads them per call when `trust_env` is on: measurable at thousands of posts).
    Behind a proxy nothing changes: requests keeps applying HTTPS_PROXY and NO_PROXY itself."""
    import os
    import urllib.request

    if urllib.request.getproxies():
        return  # proxies with NO_PROXY rules: let requests apply them per request, as usual
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
