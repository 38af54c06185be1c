"""X (API v2) through tweepy's `Client`, routed by `platforms/http.py` (docs/platforms.md,
"Per platform").

tweepy 4.17 hard-codes `https://api.twitter.com`; `XClient` (x/client.py) sends every call to
`OUTREACH_X_API_URL` instead (the real API or the sandbox), signed once for that URL.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
import tweepy

from outreach.platforms.base import (
    Comment,
    CredentialField,
    ErrorKind,
    Identity,
    Limits,
    MediaURL,
    Metrics,
    Platform,
    Published,
    PublishError,
    RateState,  # the last `x-rate-limit-*` headers of one endpoint
)
from outreach.platforms.http import (
    DEFAULT_TIMEOUT,
    mask_secrets,
    routed_session,
    user_agent,
)
from outreach.platforms.x import count as x_count
from outreach.platforms.x import errors as x_errors
from outreach.platforms.x import metrics as x_metrics
from outreach.platforms.x import oauth2 as x_oauth2
from outreach.platforms.x import replies as x_replies
from outreach.platforms.x.client import OAuth1Signer, XClient
from outreach.platforms.x.media import ONE_SHOT_MAX, SEGMENT, upload_images

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.models import Account, Delivery

MAX_WEIGHTED = 280
_PORTAL = ("Dari portal pengembang X: Projects & Apps → aplikasi Anda → Keys and tokens. "
           "Aplikasi perlu izin Read and Write.")
CREDENTIAL_FIELDS = (
    CredentialField("consumer_key", "API Key (consumer key)", help=_PORTAL),
    CredentialField("consumer_secret", "API Key Secret (consumer secret)"),
    CredentialField("access_token", "Access Token",
                    help="Dibuat untuk akun perpustakaan, dengan izin Read and Write."),
    CredentialField("access_token_secret", "Access Token Secret"),
)
THREAD_BREAK = re.compile(r"\n[ \t]*---[ \t]*(?:\n|$)")
_URL = re.compile(r"https?://\S+")
_MEDIA_LINK = re.compile(r"\s*https://t\.co/\w+\s*$")
_ID_SEGMENT = re.compile(r"/\d{5,}(?=/|$)")  # post ids, not the API version "/2"


def weighted_length(text: str) -> int:
    """X's weighted length (twitter-text v3): most scripts count 1 per character, CJK and emoji
    2, any URL 23; text is NFC-normalised first, as X does. twitter-text's rules, URL regex and
    emoji data decide; x_count skips its emoji regex unless an emoji sequence (ZWJ, flag,
    keycap, skin tone) may be in the text (tests/test_x_count.py)."""
    return x_count.count(text)


class XPlatform(Platform):
    name = "x"
    label = "X"
    post_hosts = ("x.com", "twitter.com")
    limits = Limits(
        max_text=MAX_WEIGHTED,
        text_counting="weighted",
        max_media=4,
        media_formats=("image/jpeg", "image/png", "image/gif", "image/webp"),
        max_alt_text=1000,
        max_image_bytes=5 * 1024 * 1024,
        metrics_batch=100,
        max_thread_parts=25,  # replies to one's own post; compose numbers the parts
        # Pay-per-use: "Post: Create (with URL)" $0.200 against $0.015 without
        # (https://docs.x.com/x-api/getting-started/pricing).
        link_cost=13.0,
    )
    secret_fields = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
    signin = "x"  # connected by signing in: desk/connect.py
    credential_fields = CREDENTIAL_FIELDS
    # Replies: `POST /2/tweets` with `reply.in_reply_to_tweet_id`, a post like any other (the
    # app's Read and Write access, `tweet.write` when signed in with OAuth 2.0), 280 weighted
    # characters (https://docs.x.com/x-api/posts/create-post).
    can_reply = True
    reply_max = MAX_WEIGHTED
    one_shot_max = ONE_SHOT_MAX  # larger images are uploaded in segments
    segment_size = SEGMENT
    # Media X processes after the upload (GIFs): None waits the `check_after_secs` X asks for;
    # a number caps each wait (tests). At most `poll_timeout` seconds in all, then retried.
    poll_interval: float | None = None
    poll_timeout = 120.0

    def __init__(
        self,
        account: Account,
        credentials: Mapping[str, str],
        settings: Settings,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        media_url: MediaURL | None = None,
    ) -> None:
        if x_oauth2.ACCESS_TOKEN in credentials:  # signed in with OAuth 2.0 (x/oauth2.py)
            self.secret_fields = (x_oauth2.ACCESS_TOKEN,)
        super().__init__(account, credentials, settings, timeout=timeout, media_url=media_url)
        creds = self.credentials
        self._secrets = tuple(creds[f] for f in self.secret_fields)
        # Rate limits are per endpoint: "POST /2/tweets", "GET /2/tweets", "GET /2/tweets/:id".
        self.rate_states: dict[str, RateState] = {}
        if x_oauth2.ACCESS_TOKEN in creds:
            # The user's bearer token takes the OAuth 1.0a signer's place, for tweepy's calls
            # and the media upload alike.
            self._signer = x_oauth2.BearerAuth(creds[x_oauth2.ACCESS_TOKEN])
            self.client = XClient(settings.x_api_url, self._signer, return_type=dict)
        else:
            keys = (creds["consumer_key"], creds["consumer_secret"], creds["access_token"],
                    creds["access_token_secret"])
            self._signer = tweepy.OAuth1UserHandler(*keys).apply_auth()
            # tweepy's Client, sending to OUTREACH_X_API_URL and signing once per call with one
            # signer per account (x/client.py); it never sleeps on a rate limit.
            self.client = XClient(
                settings.x_api_url,
                OAuth1Signer(*keys, fallback=self._signer),
                consumer_key=keys[0],
                consumer_secret=keys[1],
                access_token=keys[2],
                access_token_secret=keys[3],
                return_type=dict,
            )
        self.client.user_agent = user_agent()  # tweepy sets its own on every request
        self._base_path = urlsplit(settings.x_api_url).path.rstrip("/")
        # Routed before signing (x_media's calls use api.x.com URLs), so signed once as well.
        self.client.session = routed_session(
            settings.x_api_url,
            timeout=timeout,
            secrets=self._secrets,
            resign=self._resign,
        )
        self.client.session.hooks["response"].append(self._remember_rate)
        self.requests_made = 0  # HTTP requests answered, for the engagement sync's figures

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
        """One post, or a thread when the text has parts separated by a line holding only
        `---` (each part a reply to the one before). Images go on the first part. The ids
        already posted are kept on the delivery, so a retry continues the thread where it
        stopped instead of posting its start twice."""
        parts = thread_parts(delivery.text or "")
        if not parts and not delivery.media:
            raise PublishError(ErrorKind.rejected, "The post has no text.", code="length")
        for number, part in enumerate(parts, 1):
            # Checked here too: X bills each call, refused ones included.
            length = weighted_length(part)
            if length > MAX_WEIGHTED:
                where = f"Part {number} of the thread" if len(parts) > 1 else "The text"
                raise PublishError(
                    ErrorKind.rejected,
                    f"{where} counts {length} of the {MAX_WEIGHTED} characters X allows "
                    "(links count 23, emoji and CJK characters 2): shorten it.",
                    code="length",
                )
        extra = dict(delivery.remote_extra or {})
        posted: list[str] = [str(i) for i in extra.get("thread_ids", [])]
        parts = parts or [""]
        for index in range(len(posted), len(parts)):
            # `text` is always sent, "" for media alone: X's schema defaults it to "" because
            # the backend refuses a post without it (openapi.json, CreatePostsRequest).
            kwargs: dict = {"text": parts[index], "user_auth": True}
            if index == 0 and delivery.media:
                kwargs["media_ids"] = upload_images(self, list(delivery.media),
                                                    list(delivery.alt_text or []))
            if index > 0:
                kwargs["in_reply_to_tweet_id"] = posted[-1]
            try:
                body = self.client.create_tweet(**kwargs)
            except (tweepy.TweepyException, requests.RequestException) as exc:
                raise self._error(exc, publishing=True) from exc
            tweet_id = str((body.get("data") or {}).get("id") or "")
            if not tweet_id:  # a 2xx without the post: it may exist all the same
                raise PublishError(ErrorKind.unknown_outcome,
                                   "X accepted the post but did not say which post it is.")
            posted.append(tweet_id)
            if len(parts) > 1:  # a new dict, so the change is saved with the delivery
                delivery.remote_extra = {**extra, "thread_ids": list(posted)}
        return Published(remote_id=posted[0], remote_url=status_url(posted[0]),
                         extra={"thread_ids": posted} if len(posted) > 1 else {})

    def reply_to_comment(self, comment_remote_id: str, post_remote_id: str,
                         text: str) -> Published:
        """A reply to the public's reply (`comment_remote_id`), in the post's conversation."""
        self.check_reply(text)
        try:
            body = self.client.create_tweet(text=text.strip(), user_auth=True,
                                            in_reply_to_tweet_id=str(comment_remote_id))
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise self._error(exc, publishing=True) from exc
        tweet_id = str((body.get("data") or {}).get("id") or "")
        if not tweet_id:
            raise PublishError(ErrorKind.unknown_outcome,
                               "X accepted the reply but did not say which post it is.")
        return Published(remote_id=tweet_id, remote_url=status_url(tweet_id))

    def find_existing(self, delivery: Delivery) -> Published | None:
        """The account's recent posts (GET /2/users/:id/tweets) carrying the text of the part
        that was being posted, made after the delivery was queued."""
        parts = thread_parts(delivery.text or "") or [""]
        posted = [str(i) for i in (delivery.remote_extra or {}).get("thread_ids", [])]
        wanted = parts[min(len(posted), len(parts) - 1)]
        since = (delivery.created_at or delivery.scheduled_at) - timedelta(minutes=5)
        try:
            user_id = self.user_id()
            body = self.client.get_users_tweets(
                user_id, max_results=100, start_time=since.astimezone(UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"), tweet_fields=["created_at"], user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as exc:
            error = self._error(exc, publishing=False)
            raise PublishError(ErrorKind.unknown_outcome, error.message) from None
        for tweet in body.get("data") or []:
            if same_post(tweet.get("text"), wanted, media=bool(delivery.media)
                         and len(posted) == 0):
                posted.append(str(tweet["id"]))
                if len(posted) < len(parts):  # the rest of the thread is still to post
                    delivery.remote_extra = {**(delivery.remote_extra or {}),
                                             "thread_ids": posted}
                    return None
                return Published(remote_id=posted[0], remote_url=status_url(posted[0]),
                                 extra={"thread_ids": posted} if len(posted) > 1 else {})
        return None

    def user_id(self) -> str:
        """The account's numeric id: from the access token ("1500-..."), else GET /2/users/me."""
        if self.account.external_id.isdigit():
            return self.account.external_id
        body = self.client.get_me(user_auth=True)
        return str((body.get("data") or {})["id"])

    def fetch_metrics(self, remote_ids: list[str]) -> dict[str, Metrics]:
        if len(remote_ids) > self.limits.metrics_batch:
            batch = self.limits.metrics_batch
            raise ValueError(f"X returns metrics for at most {batch} posts a call")
        if not remote_ids:
            return {}
        # Private metrics only for posts young enough, and a post is left out only when X
        # says it is not found (x/metrics.py).
        return x_metrics.fetch(self, [str(i) for i in remote_ids])

    def fetch_comments(self, remote_id: str, since: datetime | None = None) -> list[Comment]:
        """Replies to one of the account's posts, for the feedback inbox (x/replies.py)."""
        return self.fetch_comments_many([remote_id], since=since).get(str(remote_id), [])

    def fetch_comments_many(self, remote_ids: list[str], since: datetime | None = None
                            ) -> dict[str, list[Comment]]:
        """Replies to several posts: recent search with their `conversation_id:` terms OR'ed,
        as many per query as X's query length allows (x/replies.py)."""
        return x_replies.fetch(self, [str(i) for i in remote_ids], since=since)

    def verify(self) -> Identity:
        """Connecting an X account: the four OAuth 1.0a values a person copies from the
        developer portal, checked with `GET /2/users/me` (user context) before they are stored."""
        try:
            body = self.client.get_me(user_auth=True)
        except (tweepy.TweepyException, requests.RequestException) as exc:
            error = self._error(exc, publishing=False)
            if error.status == 401:  # the general message says "reconnect": here it is a first try
                raise PublishError(
                    ErrorKind.auth_expired,
                    "X did not accept these keys and tokens (401 Unauthorized): check that all "
                    "four were copied completely and belong to the same app.",
                    status=401) from None
            raise error from None
        data = body.get("data") or {}
        if not data.get("id"):
            raise PublishError(ErrorKind.transient,
                               "X answered without saying whose account it is.")
        handle = data.get("username")
        return Identity(external_id=str(data["id"]),
                        name=f"@{handle}" if handle else str(data.get("name") or data["id"]))

    @classmethod
    def renew_access(cls, settings: Settings, refresh_token: str) -> x_oauth2.Tokens:
        """A new access token (and refresh token) for an account signed in with OAuth 2.0."""
        return x_oauth2.refresh(settings, refresh_token)

    @classmethod
    def revoke_access(cls, settings: Settings, credentials: dict[str, str],
                      refresh_token: str | None) -> bool:
        """End the tokens of an account signed in with OAuth 2.0 that is being removed, so the
        app keeps no access the library no longer uses (OAuth 1.0a keys are the app owner's:
        nothing to end). The refresh token first: it would mint new access tokens."""
        access = credentials.get(x_oauth2.ACCESS_TOKEN)
        if not access and not refresh_token:
            return False
        ended = [x_oauth2.revoke(settings, token, hint) for token, hint in (
            (refresh_token, "refresh_token"), (access, "access_token")) if token]
        return all(ended)

    # -- rate limits ------------------------------------------------------------------------
    @property
    def metrics_rate_state(self) -> RateState | None:
        """Metrics come from `GET /2/tweets`, whose window is not the publishing one."""
        return self.rate_states.get("GET /2/tweets")

    @property
    def rate_state(self) -> RateState | None:
        """The publishing endpoint's last rate-limit state (what the Account row keeps)."""
        return self.rate_states.get("POST /2/tweets")

    def _remember_rate(self, response: requests.Response, *args, **kwargs) -> None:
        self.requests_made += 1
        headers = response.headers
        if "x-rate-limit-remaining" not in headers:
            return
        reset = x_errors.as_int(headers.get("x-rate-limit-reset"))
        path = urlsplit(response.request.url).path
        path = _ID_SEGMENT.sub("/:id", path.removeprefix(self._base_path))
        key = f"{response.request.method} {path}"
        self.rate_states[key] = RateState(
            limit=x_errors.as_int(headers.get("x-rate-limit-limit")),
            remaining=x_errors.as_int(headers.get("x-rate-limit-remaining")),
            reset_at=datetime.fromtimestamp(reset, UTC) if reset is not None else None,
        )

    # -- errors (x_errors: what each failure means, in plain words) --------------------------
    def _error(self, exc: Exception, *, publishing: bool) -> PublishError:
        return x_errors.classify(exc, self._mask, publishing=publishing)

    def _network_error(self, exc: requests.RequestException, *, publishing: bool) -> PublishError:
        return x_errors.network_error(exc, publishing=publishing)

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


def thread_parts(text: str) -> list[str]:
    """The posts of a thread: parts separated by a line holding only `---`."""
    return [p.strip() for p in THREAD_BREAK.split(text) if p.strip()]


def status_url(post_id: str) -> str:
    return f"https://x.com/i/web/status/{post_id}"


def same_post(found: str | None, wanted: str, *, media: bool = False) -> bool:
    """X shortens links (t.co) and may fold whitespace: compare with both undone. The text X
    gives back for a post with media ends with a ` https://t.co/…` link to the media
    (https://docs.x.com/x-api/fundamentals/data-dictionary, Post `text`): with `media`, a
    trailing t.co link that the wanted text does not account for is dropped first."""
    def norm(text: str | None) -> str:
        return " ".join(_URL.sub("<url>", html.unescape(text or "")).split())

    if norm(found) == norm(wanted):
        return True
    if not media:
        return False
    return norm(_MEDIA_LINK.sub("", html.unescape(found or ""))) == norm(wanted)


def _time(value: str | None) -> datetime | None:
    """X's `2026-12-05T01:00:00.000Z`."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
