"""X (API v2) through tweepy's `Client`, routed by `platforms/http.py` (PLATFORMS.md, "X").

tweepy 4.17 hard-codes `https://api.twitter.com`; the session's adapter sends every call to
`OUTREACH_X_API_URL` instead (the real API or the sandbox) and signs it again for that URL.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
import tweepy
from twitter_text import parse_tweet

from outreach.platforms.base import (
    ErrorKind,
    Limits,
    Metrics,
    Platform,
    Published,
    PublishError,
)
from outreach.platforms.http import (
    DEFAULT_TIMEOUT,
    configure_session,
    mask_secrets,
    may_have_reached_platform,
    user_agent,
)

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.models import Account, Delivery

MAX_WEIGHTED = 280
DUPLICATE_DETAIL = "duplicate content"  # in X's 403 detail; v2 has no numeric code for it
# Read-only apps get a 403 on writes; new tokens with write permission are the only fix.
PERMISSION_DETAIL = "oauth1 app permissions"
RATE_LIMIT_FALLBACK = 60.0  # seconds, when a 429 carries no usable reset header
_ID_SEGMENT = re.compile(r"/\d{5,}(?=/|$)")  # post ids, not the API version "/2"


def weighted_length(text: str) -> int:
    """X's weighted length (twitter-text v3): most scripts count 1 per character, CJK and emoji
    2, any URL 23; text is NFC-normalised first, as X does."""
    return parse_tweet(unicodedata.normalize("NFC", text)).weightedLength


@dataclass(frozen=True, slots=True)
class RateState:
    """The last `x-rate-limit-*` headers seen for one endpoint
    (https://docs.x.com/x-api/fundamentals/rate-limits)."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class XPlatform(Platform):
    name = "x"
    label = "X"
    limits = Limits(
        max_text=MAX_WEIGHTED,
        text_counting="weighted",
        max_media=4,
        max_alt_text=1000,
        max_image_bytes=5 * 1024 * 1024,
        metrics_batch=100,
    )
    secret_fields = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")

    def __init__(
        self,
        account: Account,
        credentials: Mapping[str, str],
        settings: Settings,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(account, credentials, settings)
        creds = self.credentials
        self._secrets = tuple(creds[f] for f in self.secret_fields)
        # Rate limits are per endpoint: "POST /2/tweets", "GET /2/tweets", "GET /2/tweets/:id".
        self.rate_states: dict[str, RateState] = {}
        # Off: tweepy would sleep inside the call; the dispatcher reschedules instead.
        self.client = tweepy.Client(
            consumer_key=creds["consumer_key"],
            consumer_secret=creds["consumer_secret"],
            access_token=creds["access_token"],
            access_token_secret=creds["access_token_secret"],
            return_type=dict,
            wait_on_rate_limit=False,
        )
        self.client.user_agent = user_agent()  # tweepy sets its own on every request
        self._signer = tweepy.OAuth1UserHandler(
            creds["consumer_key"],
            creds["consumer_secret"],
            creds["access_token"],
            creds["access_token_secret"],
        ).apply_auth()
        self._base_path = urlsplit(settings.x_api_url).path.rstrip("/")
        configure_session(
            self.client.session,
            settings.x_api_url,
            timeout=timeout,
            secrets=self._secrets,
            resign=self._resign,
        )
        self.client.session.hooks["response"].append(self._remember_rate)

    # -- the contract -----------------------------------------------------------------------
    @classmethod
    def text_length(cls, text: str) -> int:
        return weighted_length(text)

    @classmethod
    def env_account(cls, settings: Settings) -> tuple[str, str, dict[str, str]] | None:
        values = {f: getattr(settings, f"x_{f}") for f in cls.secret_fields}
        if not all(v is not None and v.get_secret_value() for v in values.values()):
            return None
        creds = {f: v.get_secret_value() for f, v in values.items()}
        # X access tokens start with the numeric id of the user they belong to: "1500-abc...".
        user_id, dash, _ = creds["access_token"].partition("-")
        external_id = user_id if dash and user_id.isdigit() else "env"
        return external_id, "X (.env)", creds

    def publish(self, delivery: Delivery) -> Published:
        if delivery.media:
            raise PublishError(
                ErrorKind.rejected,
                "Images on X arrive with a later release: remove the image from this post, "
                "or publish it on X by hand.",
                code="media_unsupported",
            )
        # Checked here too: X bills each call, refused ones included.
        length = weighted_length(delivery.text or "")
        if length == 0:
            raise PublishError(ErrorKind.rejected, "The post has no text.", code="length")
        if length > MAX_WEIGHTED:
            raise PublishError(
                ErrorKind.rejected,
                f"The text counts {length} of the {MAX_WEIGHTED} characters X allows "
                "(links count 23, emoji and CJK characters 2): shorten it.",
                code="length",
            )
        try:
            body = self.client.create_tweet(text=delivery.text, user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._error(exc, publishing=True) from exc
        tweet_id = str((body.get("data") or {}).get("id") or "")
        if not tweet_id:  # a 2xx without the post: it may exist all the same
            raise PublishError(
                ErrorKind.unknown_outcome, "X accepted the post but did not say which post it is."
            )
        return Published(remote_id=tweet_id, remote_url=f"https://x.com/i/web/status/{tweet_id}")

    def fetch_metrics(self, remote_ids: list[str]) -> dict[str, Metrics]:
        if len(remote_ids) > self.limits.metrics_batch:
            batch = self.limits.metrics_batch
            raise ValueError(f"X returns metrics for at most {batch} posts a call")
        if not remote_ids:
            return {}
        try:
            body = self.client.get_tweets(
                [str(i) for i in remote_ids], tweet_fields=["public_metrics"], user_auth=True
            )
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._error(exc, publishing=False) from exc
        # Deleted or hidden posts come back in `errors` (resource-not-found): left out.
        return {str(t["id"]): _metrics(t.get("public_metrics") or {}) for t in body.get("data", [])}

    # -- rate limits ------------------------------------------------------------------------
    @property
    def rate_state(self) -> RateState | None:
        """The publishing endpoint's last rate-limit state (what the Account row keeps)."""
        return self.rate_states.get("POST /2/tweets")

    def _remember_rate(self, response: requests.Response, *args, **kwargs) -> None:
        headers = response.headers
        if "x-rate-limit-remaining" not in headers:
            return
        reset = _int(headers.get("x-rate-limit-reset"))
        path = urlsplit(response.request.url).path
        path = _ID_SEGMENT.sub("/:id", path.removeprefix(self._base_path))
        key = f"{response.request.method} {path}"
        self.rate_states[key] = RateState(
            limit=_int(headers.get("x-rate-limit-limit")),
            remaining=_int(headers.get("x-rate-limit-remaining")),
            reset_at=datetime.fromtimestamp(reset, UTC) if reset is not None else None,
        )

    # -- errors -----------------------------------------------------------------------------
    def _error(self, exc: Exception, *, publishing: bool) -> PublishError:
        """Classify a failed call. `publishing`: the call creates something, so an answer that
        never arrived means the post may exist (reconcile, never retry blindly)."""
        if isinstance(exc, requests.JSONDecodeError) or not isinstance(
            exc, (requests.RequestException, tweepy.HTTPException)
        ):  # e.g. a proxy's HTML page where X's JSON belongs
            kind = ErrorKind.unknown_outcome if publishing else ErrorKind.transient
            return PublishError(kind, "X's answer could not be read.")
        if isinstance(exc, requests.RequestException):
            return self._network_error(exc, publishing=publishing)
        response = exc.response
        status = response.status_code
        detail = self._mask("; ".join(str(m) for m in exc.api_messages) or response.reason or "")
        # https://docs.x.com/x-api/fundamentals/response-codes-and-errors
        if status == 429:
            retry_after = _retry_after(response.headers)
            return PublishError(
                ErrorKind.rate_limited,
                f"X's rate limit for this account is reached; it resets in {retry_after:.0f} s.",
                retry_after=retry_after,
                status=status,
            )
        if status == 401:
            return PublishError(
                ErrorKind.auth_expired,
                "X no longer accepts this account's access token: reconnect it.",
                status=status,
            )
        if status == 403 and DUPLICATE_DETAIL in detail.lower():
            return PublishError(
                ErrorKind.rejected,
                "X refuses this post because the account has already posted exactly the same "
                "text. Change the wording to post it again.",
                status=status,
                code="duplicate",
            )
        if status == 403 and PERMISSION_DETAIL in detail.lower():
            return PublishError(
                ErrorKind.auth_expired,
                "X says this app may only read, not post: give the app read and write "
                "permission in the X developer portal, then reconnect the account.",
                status=status,
                code="permission",
            )
        if status >= 500:
            if publishing:
                return PublishError(
                    ErrorKind.unknown_outcome,
                    f"X answered with a server error ({status}); the post may exist anyway, "
                    "so it will be looked for before any new attempt.",
                    status=status,
                )
            return PublishError(
                ErrorKind.transient, f"X answered with a server error ({status}).", status=status
            )
        return PublishError(
            ErrorKind.rejected,
            f"X refused the request ({status}): {detail or 'no reason given'}",
            status=status,
        )

    def _network_error(self, exc: requests.RequestException, *, publishing: bool) -> PublishError:
        if not may_have_reached_platform(exc):
            reason = "timed out" if isinstance(exc, requests.ConnectTimeout) else "was refused"
            return PublishError(
                ErrorKind.transient,
                f"Could not connect to X (the connection {reason}); nothing was sent.",
            )
        if isinstance(exc, requests.Timeout):
            what = "no answer came in time"
        else:
            what = "the connection was closed before X answered"
        if publishing:
            return PublishError(
                ErrorKind.unknown_outcome,
                f"The post was sent to X but {what}; it may exist, so it will be looked for "
                "before any new attempt.",
            )
        return PublishError(ErrorKind.transient, f"X did not answer: {what}.")

    def _mask(self, text: str) -> str:
        return mask_secrets(text, self._secrets)

    def _resign(self, request: requests.PreparedRequest) -> None:
        """OAuth 1.0a signs scheme, host and path: sign again for the URL really used."""
        header = request.headers.get("Authorization", "")
        if isinstance(header, bytes):
            header = header.decode("latin-1")
        if header.startswith("OAuth "):
            del request.headers["Authorization"]
            self._signer(request)


def _metrics(public: Mapping[str, int]) -> Metrics:
    """X's `public_metrics` in the names of DESIGN.md ("Metrics")."""
    reposts = public.get("retweet_count", public.get("repost_count"))
    quotes = public.get("quote_count")
    shares = None if reposts is None and quotes is None else (reposts or 0) + (quotes or 0)
    return {
        "views": public.get("impression_count"),
        "reach": None,
        "likes": public.get("like_count"),
        "comments": public.get("reply_count"),
        "shares": shares,
        "saves": public.get("bookmark_count"),
        "clicks": None,  # url_link_clicks is a non-public metric (own posts, < 30 days)
    }


def _retry_after(headers: Mapping[str, str]) -> float:
    """Seconds until the limit that ran out resets: the 15-minute window, or the 24-hour user
    or app cap that POST /2/tweets also reports."""
    resets = []
    for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        reset = _int(headers.get(f"{prefix}-reset"))
        remaining = _int(headers.get(f"{prefix}-remaining"))
        if reset is not None and (remaining in (0, None) or prefix == "x-rate-limit"):
            resets.append(reset)
    if not resets:
        return RATE_LIMIT_FALLBACK
    return max(1.0, max(resets) - time.time())
