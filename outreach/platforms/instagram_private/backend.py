"""Instagram through instagrapi, the unofficial private mobile API (the optional `instagrapi`
extra), for accounts without Graph API access. Unofficial: Instagram may change or block it at any
time, so docs and UI mark it "tidak resmi · unofficial" and the Graph API (`instagram.py`) stays
the recommended way. The platform's name stays `instagram`; `Account.backend == "private"`
selects this class (`outreach.platforms.BACKENDS`).

How instagrapi 3.2.2 is driven (docs/platforms.md, "Instagram without the Graph API"; its source is
the documentation):

- Login from a stored session: the account's `session` credential is the JSON of
  `Client.get_settings()` (device, cookies, authorization), stored encrypted or in
  OUTREACH_INSTAGRAM_SESSION. A password with a TOTP seed, when stored too, renews a session that
  Instagram logged out (`login.py`).
- `private_transport="requests"` and `request_timeout=0`: the default transport is curl over
  HTTP/2, which no requests adapter can route. Every session of the client (private API, public
  web, GraphQL) is mounted with `http.py`'s `BaseURLAdapter`, so every request goes to
  OUTREACH_INSTAGRAM_PRIVATE_API_URL, whatever a stored session says about transports.
- A challenge ("confirm it's you") never waits on `input()`: the challenge flow is off and its
  handlers refuse; it becomes `auth_expired` with an explanation.
- One image: `photo_rupload` then `photo_configure` with `custom_accessibility_caption`
  (`photo_upload` sleeps a fixed 3 s and may send configure again; we pause `configure_delay`
  and never send a publishing call twice). Several: `album_upload` with a configure handler that
  puts each image's alt text in its `children_metadata`.
- Metrics: `media_info(pk, use_cache=False)` (cached otherwise): likes and comments; the private
  API has no reach or saves, and views only for videos.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import requests

from outreach.platforms.base import (
    DEFAULT_TIMEOUT,
    Comment,
    ErrorKind,
    Identity,
    Limits,
    MediaURL,
    Metrics,
    Platform,
    Published,
    PublishError,
    RecentPost,
)
from outreach.platforms.http import BaseURLAdapter, mask_secrets, register_secrets
from outreach.platforms.instagram import InstagramPlatform
from outreach.platforms.instagram_private import client as errors
from outreach.platforms.instagram_private import login
from outreach.platforms.instagram_private.client import INSTALL

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.models import Account, Delivery

log = logging.getLogger(__name__)
T = TypeVar("T")

RECENT = 20  # posts read when looking for one after an unknown outcome
# Sessions renewed in this process, (API URL, username) -> (the stored session they replace,
# the renewed one): later clients of a long-running worker use the renewed session instead of
# signing in again for every post, until someone stores a different session.
_RENEWED: dict[tuple[str, str], tuple[str, str]] = {}
METRICS_BATCH = 10  # media_info is one call per post: keep bursts small
COMMENTS = 200  # comments read per post and sync (newest first)
PERMALINK = "https://www.instagram.com/p/{code}/"


class InstagramPrivatePlatform(Platform):
    """Credentials: `username` (without "@"), `session` (instagrapi's settings JSON); optional
    `password` and `totp_seed` to renew a session Instagram signed out."""

    name = "instagram"
    label = "Instagram"
    backend = "private"
    unofficial = True
    # The same rules as the Graph API backend (Instagram's, not the API's): shared, not copied.
    limits = replace(InstagramPlatform.limits, metrics_batch=METRICS_BATCH)
    post_hosts = InstagramPlatform.post_hosts
    secret_fields = ("session",)  # also secret when given: password, totp_seed
    optional_secret_fields = ("password", "totp_seed")
    credential_fields = login.FIELDS
    # Seconds between uploading an image and publishing it, as the app (and instagrapi) wait;
    # tests set 0.
    configure_delay = 3.0
    # instagrapi's `delay_range`: a random pause before each private call, as a person using
    # the app would make; None in tests.
    request_delay: tuple[float, float] | None = (1.0, 3.0)

    def __init__(
        self,
        account: Account,
        credentials: Mapping[str, str],
        settings: Settings,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        media_url: MediaURL | None = None,
    ) -> None:
        super().__init__(account, credentials, settings, timeout=timeout, media_url=media_url)
        self.username = (self.credentials.get("username") or "").strip().lstrip("@")
        if not self.username:
            raise PublishError(ErrorKind.auth_expired, f"The Instagram account {account.name!r} "
                               "is missing credentials: username")
        stored = self.credentials["session"]
        renewed = _RENEWED.get((settings.instagram_private_api_url, self.username))
        # A session renewed with the password and TOTP seed (JSON), for the caller to store
        # encrypted in place of the stored one; None while the stored session is in use.
        self.refreshed_session: str | None = None
        self.renewed = False  # signed in again by this client (at most once)
        if renewed is not None and renewed[0] == stored:
            self.credentials["session"] = self.refreshed_session = renewed[1]
        self.session_settings = login.parse_session(self.credentials["session"], account.name)
        self._stored_session = stored
        self._secrets = login.session_secrets(self.credentials, self.session_settings)
        register_secrets(self._secrets)
        if errors.client_class() is None:
            raise PublishError(ErrorKind.auth_expired, INSTALL, code="not_installed")
        self._cl: Any = None
        self.last_status: int | None = None  # of the last private API answer

    @classmethod
    def limits_for(cls, settings: Settings) -> Limits:
        return replace(InstagramPlatform.limits_for(settings), metrics_batch=METRICS_BATCH)

    @classmethod
    def env_account(cls, settings: Settings) -> tuple[str, str, dict[str, str]] | None:
        session = settings.instagram_session
        username = (settings.instagram_username or "").strip().lstrip("@")
        if not username or session is None or not session.get_secret_value():
            return None
        credentials = {"username": username, "session": session.get_secret_value()}
        for field in cls.optional_secret_fields:
            value = getattr(settings, f"instagram_{field}", None)
            if value is not None and value.get_secret_value():
                credentials[field] = value.get_secret_value()
        return (login.session_user(credentials["session"]) or f"@{username}",
                f"Instagram @{username} (tidak resmi · unofficial)", credentials)

    # -- the instagrapi client --------------------------------------------------------------
    @property
    def client(self) -> Any:
        """instagrapi's Client on the stored session, every session routed (built once)."""
        if self._cl is None:
            self._cl = self._build(self.session_settings)
        return self._cl

    def _build(self, session: dict) -> Any:
        stored = dict(session)
        # A stored session carries instagrapi's own transport choices (curl, a 1 s pause before
        # every call, retries that would send a publish twice); ours win.
        stored.update(private_transport="requests", public_transport="requests",
                      request_timeout=0, tls_verify=True, public_request_retries_count=1,
                      session_retry_total=0)
        cl = errors.client_class()(
            route=self._mount, settings=stored, private_transport="requests",
            public_transport="requests", request_timeout=0, with_challenge_flow=False,
            delay_range=list(self.request_delay) if self.request_delay else None,
            logger=logging.getLogger("instagrapi"))
        cl.username = self.username
        cl.private.hooks["response"].append(self._remember)
        if not cl.user_id:
            raise PublishError(ErrorKind.auth_expired, f"The stored Instagram session of "
                               f"@{self.username} has no signed-in user; store a new session "
                               "(docs/platforms.md).", code="bad_session")
        if cl.authorization:  # the Authorization header holds the session id, base64-encoded
            self._secrets = (*self._secrets, cl.authorization,
                             cl.authorization.rsplit(":", 1)[-1])
            register_secrets(self._secrets)
        cl.route_sessions()  # again, with every secret known to the adapters' log masking
        return cl

    def remember_session(self, cl: Any) -> None:
        """After signing in again: mask the new session's secrets, route the client's sessions
        anew, and let later clients of this process use it."""
        renewed = cl.get_settings()
        self._secrets = (*self._secrets, *login.session_secrets({}, renewed))
        if cl.authorization:
            self._secrets = (*self._secrets, cl.authorization,
                             cl.authorization.rsplit(":", 1)[-1])
        register_secrets(self._secrets)
        cl.route_sessions()
        self.renewed = True
        self.refreshed_session = json.dumps(renewed)
        _RENEWED[(self.settings.instagram_private_api_url, self.username)] = (
            self._stored_session, self.refreshed_session)

    def _mount(self, session: requests.Session) -> None:
        # BaseURLAdapter directly, not configure_session(): that would replace the app's
        # User-Agent, which the private API checks.
        adapter = BaseURLAdapter(self.settings.instagram_private_api_url, timeout=self.timeout,
                                 secrets=self._secrets)
        session.mount("https://", adapter)
        session.mount("http://", adapter)

    def _remember(self, response: requests.Response, *args, **kwargs) -> None:
        self.last_status = response.status_code

    def mask(self, text: str) -> str:
        return mask_secrets(text, self._secrets)

    def call(self, what: Callable[[], T], *, publishing: bool, action: str) -> T:
        """Run one instagrapi call; any failure becomes a PublishError. `publishing`: the call
        makes the post visible, so a lost answer means "look before trying again"."""

        self.last_status = None
        try:
            return what()
        except PublishError:
            raise
        except Exception as exc:  # noqa: BLE001 - instagrapi raises many kinds; all classified
            error = errors.classify(self, exc, publishing=publishing, action=action)
            log.debug("instagrapi %s while %s -> %s", type(exc).__name__, action, error.kind)
        if error.code == "login_required" and login.renewable(self):

            login.renew(self)  # Instagram acted on nothing: safe to ask again once, signed in anew
            return self.call(what, publishing=publishing, action=action)
        raise error

    def verify(self) -> Identity:
        """The account's latest post, read with the session (login.py)."""
        return login.verify(self)

    # -- publish ----------------------------------------------------------------------------
    def updated_credentials(self) -> dict[str, str] | None:
        if not self.refreshed_session:
            return None
        return {**self.credentials, "session": self.refreshed_session}

    def publish(self, delivery: Delivery) -> Published:
        caption = delivery.text or ""
        media = list(delivery.media or [])
        alts = (list(delivery.alt_text or []) + [""] * len(media))[:len(media)]
        InstagramPlatform._check(self, caption, media)  # the Graph backend's checks, shared
        cl = self.client
        if len(media) > 1:
            return self._published(self._album(media, alts, caption))
        upload_id, width, height = self.call(
            lambda: cl.photo_rupload(Path(media[0])), publishing=False,
            action="uploading the image")
        if self.configure_delay:
            time.sleep(self.configure_delay)
        answer = self.call(
            lambda: cl.photo_configure(upload_id, width, height, caption,
                                       extra_data={"custom_accessibility_caption": alts[0]}),
            publishing=True, action="publishing the post")
        return self._published(self._media_of(answer))

    def _album(self, media: list[str], alts: list[str], caption: str) -> Any:
        cl = self.client
        stage = {"configuring": False, "answered": False}

        def configure(children, caption, usertags, location, extra_data=None):  # noqa: ANN001
            if stage["answered"]:
                # album_upload asks again after an answer without a post in it: the post may
                # exist, so it is looked for instead of being sent twice.
                raise PublishError(ErrorKind.unknown_outcome, "Instagram answered the album "
                                   "without saying which post it made; it will be looked for.")
            for child, alt in zip(children, alts, strict=True):
                child["custom_accessibility_caption"] = alt
            stage["configuring"] = True
            answer = cl.album_configure(children, caption, usertags, location,
                                        extra_data=extra_data or {})
            stage["answered"] = True
            return answer

        def upload() -> Any:
            stage.update(configuring=False, answered=False)  # again after a renewed sign-in
            try:
                return cl.album_upload([Path(p) for p in media], caption,
                                       configure_timeout=self.configure_delay,
                                       configure_handler=configure)
            except PublishError:
                raise
            except Exception:
                if stage["answered"]:  # the answer came but could not be read
                    raise PublishError(ErrorKind.unknown_outcome, "Instagram's answer to the "
                                       "album could not be read; it will be looked for before "
                                       "any new attempt.") from None
                raise

        # Uploading the images shows nobody anything; only the configure call publishes.
        try:
            return self.call(upload, publishing=False, action="uploading the images")
        except PublishError as exc:
            if stage["configuring"] and exc.kind == ErrorKind.transient \
                    and exc.code != "not_sent":
                raise PublishError(ErrorKind.unknown_outcome, exc.message.replace(
                    "it will be tried again", "the post may exist, so it will be looked for "
                    "before any new attempt"), status=exc.status, code=exc.code) from None
            raise

    def _media_of(self, answer: Any) -> Any:
        from instagrapi.extractors import extract_media_v1

        item = answer.get("media") if isinstance(answer, dict) else None
        try:
            return extract_media_v1(item)
        except Exception:  # noqa: BLE001 - no media, or not the shape instagrapi knows
            raise PublishError(ErrorKind.unknown_outcome, "Instagram accepted the post but did "
                               "not say which post it is; it will be looked for.") from None

    def _published(self, media: Any) -> Published:
        return Published(remote_id=str(media.pk), remote_url=PERMALINK.format(code=media.code),
                         extra={"ig_media_id": str(media.id)})

    # -- reconcile --------------------------------------------------------------------------
    def recent_posts(self, delivery: Delivery) -> list[RecentPost]:
        cl = self.client
        medias = self.call(lambda: cl.user_medias_v1(cl.user_id, amount=RECENT),
                           publishing=False, action="looking for the post")
        if self.last_status != 200:  # user_medias_v1 logs a failed read and returns nothing
            raise PublishError(ErrorKind.unknown_outcome, "Instagram did not show the account's "
                               "recent posts, so it cannot be told whether the post exists.")
        return [RecentPost(media.caption_text, getattr(media, "taken_at", None),
                           self._published(media)) for media in medias]

    # -- metrics ----------------------------------------------------------------------------
    def fetch_metrics(self, remote_ids: list[str]) -> dict[str, Metrics]:
        if len(remote_ids) > self.limits.metrics_batch:
            raise ValueError(f"Instagram (instagrapi) metrics: at most "
                             f"{self.limits.metrics_batch} a call")
        cl = self.client
        result: dict[str, Metrics] = {}
        for remote_id in (str(i) for i in remote_ids):
            try:
                media = self.call(lambda rid=remote_id: cl.media_info(rid, use_cache=False),
                                  publishing=False, action="reading metrics")
            except PublishError as exc:
                if exc.code == "not_found":  # deleted on Instagram: left out
                    continue
                raise
            result[remote_id] = media_metrics(media)
        return result


    def fetch_comments(self, remote_id: str, since: datetime | None = None) -> list[Comment]:
        """`media_comments` (`GET /api/v1/media/{pk}_{user}/comments/`); the full media id is
        built here, or instagrapi would look the post's owner up first."""
        cl = self.client
        media_id = str(remote_id) if "_" in str(remote_id) else f"{remote_id}_{cl.user_id}"
        found = self.call(lambda: cl.media_comments(media_id, amount=COMMENTS),
                          publishing=False, action="reading comments")
        comments = []
        for item in found:
            created = item.created_at_utc
            if created is not None and created.tzinfo is None:
                created = created.replace(tzinfo=UTC)
            if since is not None and created is not None and created < since:
                continue
            comments.append(Comment(
                remote_id=str(item.pk), text=item.text or "", created_at=created,
                author_id=str(item.user.pk), author_handle=f"@{item.user.username}"
                if item.user.username else None, parent_id=item.replied_to_comment_id,
                own=str(item.user.pk) == str(cl.user_id)))
        return sorted(comments, key=lambda c: (c.created_at is None, c.created_at, c.remote_id))


def media_metrics(media: Any) -> Metrics:
    """Our metric names from a private-API media: likes and comments; views only for videos
    (plays); reach, shares, saves and clicks are not given by this API."""
    video = getattr(media, "media_type", 1) == 2
    views = (media.play_count or media.view_count or None) if video else None
    return {"views": views, "reach": None, "likes": media.like_count,
            "comments": media.comment_count, "shares": None, "saves": None, "clicks": None}
