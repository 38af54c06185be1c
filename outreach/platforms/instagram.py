"""Instagram business/creator accounts through the Instagram Graph API with python-facebook-api
(docs/platforms.md, "Per platform"); https://developers.facebook.com/docs/instagram-platform/content-publishing

Publishing is three steps: create a container (Instagram fetches the image from a public URL the
service controls), wait until its `status_code` is FINISHED, then `media_publish` it. The
container id is kept on the delivery (`remote_extra["ig_container"]`), so a retry reuses it and a
container already PUBLISHED counts as done: the same post is never made twice.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from outreach.platforms.base import (
    Comment,
    CredentialField,
    ErrorKind,
    Identity,
    Limits,
    Metrics,
    Published,
    PublishError,
    RateState,
    RecentPost,
)
from outreach.platforms.graph import BATCH_MAX, GraphPlatform, graph_time
from outreach.platforms.images import check_image, read_image

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.models import Delivery

log = logging.getLogger(__name__)

HASHTAG = re.compile(r"(?<!\w)#\w+")
MENTION = re.compile(r"(?<!\w)@[\w.]+")
# Our metric -> Instagram's (docs/architecture.md, "Contracts"); `impressions` and `plays` were
# withdrawn in 2025.
INSIGHTS = {"views": "views", "reach": "reach", "likes": "likes", "comments": "comments",
            "shares": "shares", "saves": "saved"}
WITHDRAWN: dict[str, set[str]] = {}  # process-wide, per Graph URL
# Container errors worth retrying (error-codes page): 2207003 the image took too long to
# download (code -2, is_transient), 2207052 the fetch failed (e.g. the address did not answer).
FETCH_FAILED = (2207003, 2207052)
# The image itself refused (same page): 2207004 too large to download (over 8 MiB), 2207005 a
# format it does not take, 2207009 an aspect ratio outside 4:5 to 1.91:1. A person must change it.
IMAGE_REFUSED = (2207004, 2207005, 2207009)
QUOTA_WAIT = 3600.0  # the quota is a rolling 24 h: look again in an hour
COMMENT_PAGES = 5  # pages of 50 comments read per post and sync
COMMENT_PAGE = 50
COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id"


class InstagramPlatform(GraphPlatform):
    name = "instagram"
    label = "Instagram"
    post_hosts = ("instagram.com", "instagr.am")
    withdrawn_metrics = WITHDRAWN
    insights = INSIGHTS
    insights_permission = "instagram_manage_insights"
    # https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-user/media
    limits = Limits(
        max_text=2200,  # caption
        text_counting="characters",
        max_media=10,  # carousel children
        media_required=True,  # Instagram has no text-only posts
        media_formats=("image/jpeg",),
        min_aspect=4 / 5,
        max_aspect=1.91,
        min_width=320,
        max_width=1440,  # wider images are scaled down by Instagram
        max_image_bytes=8 * 1024 * 1024,
        max_hashtags=5,  # Instagram's 2025-12 cap; OUTREACH_INSTAGRAM_MAX_HASHTAGS changes it
        max_alt_text=1000,
        max_mentions=20,
        metrics_batch=BATCH_MAX // 2,  # two sub-requests per post in one Graph batch
        links_clickable=False,
        # The feed shows the first ~125 characters of a caption, then "… more".
        fold_chars=125,
        fold_lines=2,
    )
    secret_fields = ("access_token",)
    signin = "meta"  # connected by signing in: desk/connect.py
    credential_fields = (
        CredentialField("ig_user_id", "ID pengguna Instagram (Instagram user ID)", secret=False,
                        help="ID akun bisnis/kreator yang tertaut ke Halaman Facebook "
                             "(angka, dari Graph API: "
                             "/{page-id}?fields=instagram_business_account)."),
        CredentialField("access_token", "Token akses (access token)",
                        # Publishing: instagram_basic, instagram_content_publish,
                        # pages_read_engagement (content-publishing page); figures:
                        # instagram_manage_insights (insights page); comments:
                        # instagram_manage_comments (ig-media comments reference).
                        help="Token dengan izin instagram_basic, instagram_content_publish, "
                             "pages_read_engagement, instagram_manage_insights dan "
                             "instagram_manage_comments."),
    )
    token_field = "access_token"
    fetches_media = True  # images go by URL (`media.url_source`)
    # https://developers.facebook.com/docs/instagram-platform/content-publishing#requirements
    permissions_needed = {
        "instagram_basic": "to read the account",
        "instagram_content_publish": "to publish",
        "instagram_manage_insights": "to read metrics",
        "instagram_manage_comments": "to read comments",
    }
    # Replies to comments: `POST /{ig-comment-id}/replies` with `message`, which needs
    # instagram_manage_comments; only top-level comments take replies (a reply to a reply joins
    # its top-level comment), and the fetched comments are top-level ones
    # (https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-comment/replies).
    # No cap is documented for a comment: the caption's 2,200 characters are kept.
    can_reply = True
    reply_max = 2200
    reply_permission = "instagram_manage_comments"
    poll_interval = 0.25  # seconds before the second status check; doubles up to 4 s
    poll_timeout = 60.0  # then give up for this pass; the container is reused next time

    @classmethod
    def limits_for(cls, settings: Settings) -> Limits:
        return replace(cls.limits, max_hashtags=settings.instagram_max_hashtags)

    @classmethod
    def env_account(cls, settings: Settings) -> tuple[str, str, dict[str, str]] | None:
        token = settings.instagram_access_token
        if not settings.instagram_user_id or token is None or not token.get_secret_value():
            return None
        return (settings.instagram_user_id, "Instagram (.env)",
                {"ig_user_id": settings.instagram_user_id,
                 "access_token": token.get_secret_value()})

    @property
    def ig_user(self) -> str:
        return self.credentials.get("ig_user_id") or self.account.external_id

    def verify(self) -> Identity:
        """Reads the account's publishing quota (`content_publishing_limit`), which the token
        must be able to read before every post anyway."""
        if not self.ig_user.isdigit():
            raise PublishError(ErrorKind.rejected, "An Instagram user id is a number (the "
                               "instagram_business_account of the Facebook Page).",
                               code="ig_user_id")
        self.verify_call(lambda: self.api.get_connection(
            object_id=self.ig_user, connection="content_publishing_limit",
            fields="quota_usage,config"), action="checking the access token")
        return Identity(external_id=self.ig_user, name=f"Instagram {self.ig_user}")

    _quota: RateState | None = None

    @property
    def rate_state(self) -> RateState | None:  # type: ignore[override]
        usage = super().rate_state
        if usage is not None and usage.remaining == 0:
            return usage
        return self._quota or usage

    # -- publish ----------------------------------------------------------------------------
    def publish(self, delivery: Delivery) -> Published:
        caption = delivery.text or ""
        media = list(delivery.media or [])
        alts = list(delivery.alt_text or []) + [""] * len(media)
        self._check(caption, media)
        extra = dict(delivery.remote_extra or {})
        container = extra.get("ig_container")
        if container:
            status = self._status(container, publishing=False)
            if status == "PUBLISHED":  # an earlier attempt went through: never post twice
                found = self.find_existing(delivery)
                if found is not None:
                    return found
                raise PublishError(ErrorKind.unknown_outcome, "Instagram says this post was "
                                   "published, but it is not among the account's recent posts.")
            if status not in ("FINISHED", "IN_PROGRESS"):
                container = None  # EXPIRED or ERROR: start again
        self._check_quota()
        if not container:
            urls = [self._public_url(path) for path in media]
            container = self._create(caption, urls, alts[:len(media)])
            extra["ig_container"] = container
            delivery.remote_extra = extra  # kept even if what follows fails (a new dict: saved)
        self._wait(container)
        answer = self.call(
            lambda: self.api.post_object(object_id=self.ig_user, connection="media_publish",
                                         data={"creation_id": container}),
            publishing=True, action="publishing the post")
        media_id = str(answer.get("id") or "")
        if not media_id:
            raise PublishError(ErrorKind.unknown_outcome, "Instagram accepted the post but did "
                               "not say which post it is; it will be looked for.")
        return Published(remote_id=media_id, remote_url=self._permalink(media_id),
                         extra={"ig_container": container})

    def _check(self, caption: str, media: list[str]) -> None:
        limits = self.limits_for(self.settings)
        problems = []
        if not media:
            problems.append("Instagram posts need at least one image")
        if len(media) > limits.max_media:
            problems.append(f"{len(media)} images: Instagram takes at most {limits.max_media}")
        if len(caption) > limits.max_text:
            problems.append(f"the caption has {len(caption)} characters, Instagram takes at "
                            f"most {limits.max_text}")
        tags = len(HASHTAG.findall(caption))
        if limits.max_hashtags is not None and tags > limits.max_hashtags:
            problems.append(f"{tags} hashtags, at most {limits.max_hashtags} are allowed "
                            "(OUTREACH_INSTAGRAM_MAX_HASHTAGS)")
        mentions = len(MENTION.findall(caption))
        if limits.max_mentions is not None and mentions > limits.max_mentions:
            problems.append(f"{mentions} @-mentions, Instagram takes at most "
                            f"{limits.max_mentions}")
        if problems:
            raise PublishError(ErrorKind.rejected, "This post cannot go to Instagram: "
                               + "; ".join(problems) + ".", code="invalid")
        for path in media:
            data, info = read_image(path, self.label)
            check_image(Path(path).name, len(data), info, limits, self.label)

    def _public_url(self, path: str) -> str:
        if self.media_url is None:
            raise PublishError(ErrorKind.rejected, "Instagram fetches images from a public "
                               "address, and none is configured: set OUTREACH_PUBLIC_BASE_URL, "
                               "or OUTREACH_MEDIA_STORE=s3 with a bucket.", code="no_public_url")
        try:
            return self.media_url(path)
        except PublishError:
            raise
        except Exception as exc:  # noqa: BLE001 - media.MediaError and the like, in plain words
            raise PublishError(ErrorKind.rejected, f"The image {Path(path).name} cannot be "
                               f"offered to Instagram: {exc}", code="no_public_url") from None

    def _check_quota(self) -> None:
        """`content_publishing_limit` before publishing: a full quota waits, it is no failure."""
        answer = self.call(
            lambda: self.api.get_connection(object_id=self.ig_user,
                                            connection="content_publishing_limit",
                                            fields="quota_usage,config"),
            publishing=False, action="reading the publishing limit")
        data = (answer.get("data") or [{}])[0]
        used = data.get("quota_usage")
        total = (data.get("config") or {}).get("quota_total")
        if not isinstance(used, int) or not isinstance(total, int):
            return
        if used >= total:
            reset = datetime.now(UTC) + timedelta(seconds=QUOTA_WAIT)
            self._quota = RateState(limit=total, remaining=0, reset_at=reset)
            raise PublishError(ErrorKind.rate_limited, f"Instagram allows {total} posts a day "
                               f"through its API and {used} were used; publishing waits.",
                               retry_after=QUOTA_WAIT, code="quota")
        self._quota = RateState(limit=total, remaining=total - used, reset_at=None)

    def _create(self, caption: str, urls: list[str], alts: list[str]) -> str:
        """A container for one image, or a carousel of them. Creating containers shows nobody
        anything, so failures here are safe to retry (`publishing=False`)."""
        def make(data: dict) -> str:
            answer = self.call(
                lambda: self.api.post_object(object_id=self.ig_user, connection="media",
                                             data=data),
                publishing=False, action="sending the image to Instagram")
            if not answer.get("id"):
                raise PublishError(ErrorKind.transient, "Instagram did not say which container "
                                   "it made; it will be tried again.")
            return str(answer["id"])

        if len(urls) == 1:
            return make({"image_url": urls[0], "caption": caption, "alt_text": alts[0]})
        children = [make({"image_url": url, "is_carousel_item": "true", "alt_text": alt})
                    for url, alt in zip(urls, alts, strict=True)]
        for child in children:
            self._wait(child)
        return make({"media_type": "CAROUSEL", "children": ",".join(children),
                     "caption": caption})

    def _status(self, container: str, *, publishing: bool) -> str:
        answer = self.call(
            lambda: self.api.get_object(object_id=container, fields="status_code,status"),
            publishing=False, action="checking the image")
        self._status_text = str(answer.get("status") or "")
        return str(answer.get("status_code") or "")

    def _wait(self, container: str) -> None:
        """Poll `status_code` until FINISHED, within `poll_timeout` (bounded: `publish-due --once`
        finishes what it starts)."""
        deadline = time.monotonic() + self.poll_timeout
        interval = self.poll_interval
        while True:
            status = self._status(container, publishing=False)
            if status in ("FINISHED", "PUBLISHED"):
                return
            if status == "ERROR":
                raise PublishError(ErrorKind.rejected, "Instagram could not process the image: "
                                   f"{self._status_text or 'no reason given'}",
                                   code="media_invalid")
            if status == "EXPIRED":
                raise PublishError(ErrorKind.transient, "Instagram let the prepared post "
                                   "expire (24 hours); it will be prepared again.")
            if time.monotonic() >= deadline:
                raise PublishError(ErrorKind.transient, "Instagram is still processing the "
                                   "image; publishing continues on the next pass.")
            time.sleep(min(interval, max(0.0, deadline - time.monotonic())))
            interval = min(interval * 2, 4.0)

    def _permalink(self, media_id: str) -> str | None:
        try:
            answer = self.call(lambda: self.api.get_object(object_id=media_id,
                                                           fields="permalink"),
                               publishing=False, action="reading the post's address")
        except PublishError:
            return None  # the post exists; its address is a convenience
        return answer.get("permalink")

    def rejected(self, code, subcode, said, status) -> PublishError:  # noqa: ANN001
        # https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/error-codes
        if subcode == 2207042:
            return PublishError(ErrorKind.rate_limited, "Instagram's daily limit of posts "
                                "published through its API is reached; publishing waits.",
                                retry_after=QUOTA_WAIT, status=status, code="quota")
        if subcode in (2207027, 2207008):  # not ready yet / a temporary publishing error
            return PublishError(ErrorKind.transient, f"Instagram was not ready: {said}",
                                status=status, code=str(subcode))
        if subcode in FETCH_FAILED:  # Instagram could not fetch the image: try again later
            return PublishError(ErrorKind.transient, "Instagram could not fetch the image from "
                                f"this service's address ({said}); it will be tried again.",
                                status=status, code=str(subcode))
        if subcode in IMAGE_REFUSED:
            return PublishError.coded(ErrorKind.rejected, "ig.image_refused", said=said,
                                      tag=f"{code}/{subcode}", status=status,
                                      code=str(subcode))
        return super().rejected(code, subcode, said, status)

    # -- reconcile --------------------------------------------------------------------------
    def find_recent(self, delivery: Delivery) -> Published | None:
        """The container, when the first step left one, says whether anything was published."""
        container = (delivery.remote_extra or {}).get("ig_container")
        if container and self._status(container, publishing=False) != "PUBLISHED":
            return None  # the container says it was not published: safe to try again
        found = super().find_recent(delivery)
        if found is None and container:  # PUBLISHED, yet not among the recent posts
            raise PublishError(ErrorKind.unknown_outcome, "Instagram says the post was "
                               "published but it is not among the account's recent posts.")
        return found

    def recent_posts(self, delivery: Delivery) -> list[RecentPost]:
        container = (delivery.remote_extra or {}).get("ig_container")
        answer = self.call(
            lambda: self.api.get_connection(object_id=self.ig_user, connection="media",
                                            fields="id,caption,timestamp,permalink", limit=25),
            publishing=False, action="looking for the post")
        return [RecentPost(item.get("caption"), graph_time(item.get("timestamp")),
                           Published(remote_id=str(item["id"]), remote_url=item.get("permalink"),
                                     extra={"ig_container": container} if container else {}))
                for item in answer.get("data", [])]

    # -- comments ---------------------------------------------------------------------------
    def fetch_comments(self, remote_id: str, since: datetime | None = None) -> list[Comment]:
        """`GET /{ig-media-id}/comments` (top-level comments; Instagram gives no address of a
        comment, so staff answer from the post's own page).
        https://developers.facebook.com/docs/instagram-platform/instagram-graph-api/reference/ig-media/comments"""
        found: list[Comment] = []
        after = None
        for _ in range(COMMENT_PAGES):
            extra = {"after": after} if after else {}
            answer = self.call(
                lambda extra=extra: self.api.get_connection(
                    object_id=str(remote_id), connection="comments", limit=COMMENT_PAGE,
                    fields=COMMENT_FIELDS, **extra),
                publishing=False, action="reading comments")
            for item in answer.get("data", []):
                created = graph_time(item.get("timestamp"))
                if since is not None and created is not None and created < since:
                    continue
                found.append(self._comment(item))
            paging = answer.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not after or not paging.get("next"):
                break
        return sorted(found, key=lambda c: (c.created_at is None, c.created_at, c.remote_id))

    def reply_to_comment(self, comment_remote_id: str, post_remote_id: str,
                         text: str) -> Published:
        # Instagram gives no address of a comment: the post's is where the reply shows.
        return Published(remote_id=self.post_reply(comment_remote_id, "replies", text))

    # -- metrics ----------------------------------------------------------------------------
    # fetch_metrics: GraphPlatform's, with the media's own counts (like_count, comments_count)
    # and its insights in two sub-requests: insights need instagram_manage_insights and enough
    # viewers ("(#10) Not enough viewers for the media to show insights",
    # https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights),
    # the counts do not.
    def _fields_url(self, media_id: str) -> str:
        # The newest comments ride along, so the sync reads them without calls of its own.
        return (f"{media_id}?fields=like_count,comments_count,"
                f"comments.limit({COMMENT_PAGE}){{{COMMENT_FIELDS}}}")

    def _comment(self, item: dict) -> Comment:
        author = item.get("from") or {}
        handle = item.get("username") or author.get("username")
        return Comment(
            remote_id=str(item["id"]), text=item.get("text") or "",
            created_at=graph_time(item.get("timestamp")), author_id=author.get("id"),
            author_handle=f"@{handle}" if handle else None, parent_id=item.get("parent_id"),
            own=str(author.get("id")) == str(self.ig_user))

    def _figures(self, fields: dict, values: dict | None) -> Metrics:
        values = values or {}
        figures: Metrics = {ours: _int(values.get(theirs)) for ours, theirs in INSIGHTS.items()}
        for ours, field in (("likes", "like_count"), ("comments", "comments_count")):
            if figures[ours] is None:
                figures[ours] = _int(fields.get(field))
        figures["clicks"] = None
        return figures


def _int(value: object) -> int | None:
    return value if isinstance(value, int) else None
