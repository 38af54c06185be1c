"""Facebook Page through the Graph API with python-facebook-api (docs/platforms.md, "Per platform").

- text (+ link): `POST /{page}/feed`;
- one photo: `POST /{page}/photos` (multipart `source`, `caption`, `alt_text_custom`);
- several photos: each uploaded with `published=false`, then one `/feed` post with
  `attached_media` (https://developers.facebook.com/docs/graph-api/reference/page/photos#multi).

Photos are uploaded as files, so a Facebook-only library needs no public address.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from outreach.platforms.base import (
    Comment,
    CredentialField,
    ErrorKind,
    Identity,
    Limits,
    Metrics,
    Published,
    PublishError,
    RecentPost,
)
from outreach.platforms.graph import (
    BATCH_MAX,
    GraphPlatform,
    graph_time,
)
from outreach.platforms.images import check_image, read_image

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.models import Delivery

log = logging.getLogger(__name__)

# Our metric -> the Graph insights metric (docs/architecture.md, "Contracts"). Page "impressions"
# metrics were withdrawn in 2025: https://developers.facebook.com/docs/platforminsights/page/deprecated-metrics
INSIGHTS = {"views": "post_media_view", "reach": "post_total_media_view_unique",
            "clicks": "post_clicks"}
COMMENT_PAGES = 5  # pages of 100 comments read per post and sync
COMMENT_FIELDS = "id,message,created_time,from,parent,permalink_url"
COMMENTS_WITH_METRICS = 50  # newest comments read with each metrics reading
# Process-wide: metrics the platform refused (#100); not asked again until restart.
WITHDRAWN: dict[str, set[str]] = {}


class FacebookPlatform(GraphPlatform):
    name = "facebook"
    label = "Facebook"
    post_hosts = ("facebook.com", "fb.com", "fb.watch")
    withdrawn_metrics = WITHDRAWN
    insights = INSIGHTS
    kept_without_insights = "reactions, comments and shares"
    insights_permission = "read_insights"
    # https://developers.facebook.com/docs/graph-api/reference/page/feed#publish
    # https://developers.facebook.com/docs/graph-api/reference/page/photos#upload
    limits = Limits(
        max_text=63206,  # a Page post's message
        text_counting="characters",
        max_media=10,  # photos attached to one feed post (attached_media) we allow
        media_required=False,
        media_formats=("image/jpeg", "image/png", "image/gif"),
        max_image_bytes=10 * 1024 * 1024,
        max_alt_text=1000,  # alt_text_custom: no documented cap; the same as X and Instagram
        metrics_batch=BATCH_MAX // 2,  # one Graph batch, two sub-requests per post
        link_preview=True,
        # The News Feed shows about five lines (some 480 characters) before "See more".
        fold_chars=480,
        fold_lines=5,
    )
    secret_fields = ("page_token",)
    signin = "meta"  # connected by signing in: desk/connect.py
    credential_fields = (
        CredentialField("page_id", "ID Halaman (Page ID)", secret=False,
                        help="Angka di Halaman Facebook: Tentang → Transparansi Halaman."),
        CredentialField("page_token", "Token akses Halaman (Page access token)",
                        # Publishing: pages_manage_posts; figures: pages_read_engagement,
                        # read_insights; comments: pages_read_user_content,
                        # pages_manage_engagement (Page feed, insights and comments reference).
                        help="Token Halaman berumur panjang, dengan izin pages_manage_posts, "
                             "pages_read_engagement, read_insights, pages_read_user_content "
                             "dan pages_manage_engagement."),
    )
    token_field = "page_token"
    # Replies to comments: `POST /{comment-id}/comments` with `message`, as the Page, which needs
    # pages_manage_engagement (https://developers.facebook.com/documentation/pages-api/comments-mentions,
    # https://developers.facebook.com/docs/graph-api/reference/object/comments). The Graph
    # reference gives no cap for a comment's message: 8,000 is what Facebook's comment box takes.
    can_reply = True
    reply_max = 8000
    reply_permission = "pages_manage_engagement"
    reconcile_fields: ClassVar[str] = "id,message,created_time,permalink_url"

    @classmethod
    def env_account(cls, settings: Settings) -> tuple[str, str, dict[str, str]] | None:
        token = settings.facebook_page_token
        if not settings.facebook_page_id or token is None or not token.get_secret_value():
            return None
        return (settings.facebook_page_id, "Facebook Page (.env)",
                {"page_id": settings.facebook_page_id, "page_token": token.get_secret_value()})

    @property
    def page_id(self) -> str:
        return self.credentials.get("page_id") or self.account.external_id

    def verify(self) -> Identity:
        """Reads one post of the Page's feed with the token: the call reconcile and metrics
        need anyway, so a token that passes it can do the service's work."""
        if not self.page_id.isdigit():
            raise PublishError(ErrorKind.rejected, "A Facebook Page id is a number (shown under "
                               "the Page's About → Page transparency).", code="page_id")
        self.verify_call(lambda: self.api.get_connection(
            object_id=self.page_id, connection="feed", fields="id", limit=1),
            action="checking the Page token")
        return Identity(external_id=self.page_id, name=f"Facebook Page {self.page_id}")

    # -- publish ----------------------------------------------------------------------------
    def publish(self, delivery: Delivery) -> Published:
        text = delivery.text or ""
        media = list(delivery.media or [])
        alts = list(delivery.alt_text or [])
        if not text.strip() and not media:
            raise PublishError(ErrorKind.rejected, "The post has no text and no image.",
                               code="length")
        if len(text) > self.limits.max_text:
            raise PublishError(ErrorKind.rejected, f"The text has {len(text)} characters; "
                               f"Facebook takes at most {self.limits.max_text}.", code="length")
        if len(media) > self.limits.max_media:
            raise PublishError(ErrorKind.rejected, f"{len(media)} images: a Facebook post here "
                               f"takes at most {self.limits.max_media}.", code="media_count")
        files = []
        for path in media:
            data, info = read_image(path, self.label)
            check_image(Path(path).name, len(data), info, self.limits, self.label)
            files.append((Path(path).name, data, info.content_type))
        alts += [""] * (len(files) - len(alts))
        if not files:
            return self._feed({"message": text, **({"link": delivery.link} if delivery.link
                                                   else {})})
        if len(files) == 1:
            answer = self.call(
                lambda: self.api.post_object(
                    object_id=self.page_id, connection="photos",
                    data={"caption": text, "alt_text_custom": alts[0], "published": "true"},
                    files={"source": files[0]}),
                publishing=True, action="publishing the photo")
            return self._published(answer.get("post_id"), extra={"photo_ids": [answer.get("id")]})
        photo_ids = []
        for file, alt in zip(files, alts, strict=True):
            # Unpublished uploads show nobody anything: a failure here is safe to retry.
            answer = self.call(
                lambda file=file, alt=alt: self.api.post_object(
                    object_id=self.page_id, connection="photos",
                    data={"alt_text_custom": alt, "published": "false", "temporary": "true"},
                    files={"source": file}),
                publishing=False, action="uploading a photo")
            if not answer.get("id"):
                raise PublishError(ErrorKind.transient, "Facebook did not say which photo it "
                                   "received; it will be tried again.")
            photo_ids.append(str(answer["id"]))
        attached = json.dumps([{"media_fbid": pid} for pid in photo_ids])
        return self._feed({"message": text, "attached_media": attached},
                          extra={"photo_ids": photo_ids})

    def _feed(self, data: dict, extra: dict | None = None) -> Published:
        answer = self.call(
            lambda: self.api.post_object(object_id=self.page_id, connection="feed", data=data),
            publishing=True, action="publishing the post")
        return self._published(answer.get("id"), extra)

    def _published(self, post_id: str | None, extra: dict | None = None) -> Published:
        if not post_id:
            raise PublishError(ErrorKind.unknown_outcome, "Facebook accepted the post but did "
                               "not say which post it is; it will be looked for.")
        return Published(remote_id=str(post_id), remote_url=post_url(str(post_id)),
                         extra=extra or {})

    # -- reconcile --------------------------------------------------------------------------
    def recent_posts(self, delivery: Delivery) -> list[RecentPost]:
        """The Page's latest posts (`GET /{page-id}/feed`)."""
        answer = self.call(
            lambda: self.api.get_connection(
                object_id=self.page_id, connection="feed",
                fields=self.reconcile_fields, limit=25),
            publishing=False, action="looking for the post")
        return [RecentPost(item.get("message"), graph_time(item.get("created_time")),
                           Published(remote_id=str(item["id"]),
                                     remote_url=item.get("permalink_url") or post_url(item["id"])))
                for item in answer.get("data", [])]

    # -- comments ---------------------------------------------------------------------------
    def fetch_comments(self, remote_id: str, since: datetime | None = None) -> list[Comment]:
        """`GET /{post-id}/comments` with `filter=stream` (replies to comments too, each with its
        `parent`), newest first; paging stops at the first comment older than `since`.
        https://developers.facebook.com/docs/graph-api/reference/object/comments"""
        found: list[Comment] = []
        after = None
        for _ in range(COMMENT_PAGES):
            extra = {"after": after} if after else {}
            answer = self.call(
                lambda extra=extra: self.api.get_connection(
                    object_id=str(remote_id), connection="comments", filter="stream",
                    order="reverse_chronological", limit=100,
                    fields=COMMENT_FIELDS, **extra),
                publishing=False, action="reading comments")
            older = False
            for item in answer.get("data", []):
                created = graph_time(item.get("created_time"))
                if since is not None and created is not None and created < since:
                    older = True
                    continue
                found.append(self._comment(item))
            after = ((answer.get("paging") or {}).get("cursors") or {}).get("after")
            if older or not after or not (answer.get("paging") or {}).get("next"):
                break
        return sorted(found, key=lambda c: (c.created_at is None, c.created_at, c.remote_id))

    def reply_to_comment(self, comment_remote_id: str, post_remote_id: str,
                         text: str) -> Published:
        reply_id = self.post_reply(comment_remote_id, "comments", text)
        page, _, number = str(post_remote_id).partition("_")
        url = (f"https://www.facebook.com/{page}/posts/{number}?comment_id="
               f"{reply_id.partition('_')[2] or reply_id}") if number else None
        return Published(remote_id=reply_id, remote_url=url)

    def _comment(self, item: dict) -> Comment:
        author = item.get("from") or {}  # absent unless the Page token may see it
        return Comment(
            remote_id=str(item["id"]), text=item.get("message") or "",
            created_at=graph_time(item.get("created_time")), author_id=author.get("id"),
            author_handle=author.get("name"), url=item.get("permalink_url"),
            parent_id=(item.get("parent") or {}).get("id"),
            own=str(author.get("id")) == str(self.page_id))

    # -- metrics ----------------------------------------------------------------------------
    # fetch_metrics: GraphPlatform's, with the post's fields and its insights in two
    # sub-requests (https://developers.facebook.com/docs/graph-api/reference/insights: insights
    # need read_insights and a Page with 100 or more likes; reactions, comments and shares
    # do not).
    def _fields_url(self, post_id: str) -> str:
        # The newest comments (replies too: filter stream, whose total counts them) ride along,
        # so the sync reads new comments without calls of its own.
        return (f"{post_id}?fields=shares,reactions.summary(total_count).limit(0),"
                "comments.filter(stream).order(reverse_chronological).summary(total_count)"
                f".limit({COMMENTS_WITH_METRICS}){{{COMMENT_FIELDS}}}")

    def _figures(self, fields: dict, values: dict | None) -> Metrics:
        return _metrics(fields, values or {})


def post_url(post_id: str) -> str:
    page, _, number = str(post_id).partition("_")
    return f"https://www.facebook.com/{page}/posts/{number}" if number else \
        f"https://www.facebook.com/{post_id}"


def _metrics(body: dict, values: dict) -> Metrics:
    def summary(name: str) -> int | None:
        total = ((body.get(name) or {}).get("summary") or {}).get("total_count")
        return total if isinstance(total, int) else None

    def insight(ours: str) -> int | None:
        found = values.get(INSIGHTS[ours])
        return found if isinstance(found, int) else None

    return {
        "views": insight("views"),
        "reach": insight("reach"),
        "likes": summary("reactions"),  # every reaction type, as our contract says
        "comments": summary("comments"),
        "shares": (body.get("shares") or {}).get("count", 0),  # absent when nobody shared
        "saves": None,
        "clicks": insight("clicks"),
    }
