"""Reading the sandbox's private Instagram API: a media as instagrapi reads it
(`GET /api/v1/media/{pk}/info/`), a user's feed (`GET /api/v1/feed/user/{pk}/`) and a media's
comments (`GET /api/v1/media/{pk}_{user}/comments/`). Routes are added to
`sandbox/instagram_private.py`'s table by `install_routes`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from outreach.sandbox.comments import comments_of
from outreach.sandbox.state import SandboxPost, SandboxState

if TYPE_CHECKING:
    from outreach.sandbox.instagram_private import Ctx

SHORTCODE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def shortcode(pk: int) -> str:
    """Instagram's shortcode of a media pk (the pk in base 64, URL alphabet)."""
    code = ""
    while pk:
        pk, digit = divmod(pk, 64)
        code = SHORTCODE[digit] + code
    return code or "A"


def username(ctx: Ctx, user: str) -> str:
    return ctx.memory()["usernames"].get(user, f"sandbox_{user}")


def media_json(ctx: Ctx, post: SandboxPost) -> dict:
    """A media as the private API shows it (the fields instagrapi's extract_media_v1 reads)."""
    metrics = ctx.state.metrics(post)
    sizes = post.extra.get("sizes") or [[1080, 1080]] * len(post.media)

    def image(blob: str, size: list[int]) -> dict:
        return {"candidates": [{"width": size[0], "height": size[1],
                                "url": f"{ctx.base}/_sandbox/media/{blob}"}]}

    pk, user = int(post.id), int(post.account)
    taken = int(post.created_at.timestamp())
    item = {
        "taken_at": taken, "pk": pk, "id": f"{pk}_{user}", "code": post.extra["code"],
        "media_type": 8 if len(post.media) > 1 else 1,
        "product_type": "carousel_container" if len(post.media) > 1 else "feed",
        "user": {"pk": user, "pk_id": str(user), "username": username(ctx, post.account),
                 "full_name": "Sandbox", "is_private": False, "is_verified": False},
        "caption": {"pk": str(pk + 1), "user_id": user, "text": post.text, "type": 1,
                    "created_at": taken, "media_id": pk, "status": "Active"}
        if post.text else None,
        "caption_is_edited": False, "like_count": metrics.get("likes", 0),
        "comment_count": metrics.get("comments", 0), "has_liked": False,
        "like_and_view_counts_disabled": False, "can_viewer_reshare": True,
    }
    if len(post.media) > 1:
        item["carousel_media_count"] = len(post.media)
        item["carousel_media"] = [
            {"id": f"{pk + n + 1}_{user}", "pk": pk + n + 1, "media_type": 1,
             "image_versions2": image(blob, size), "original_width": size[0],
             "original_height": size[1], "accessibility_caption": alt,
             "carousel_parent_id": f"{pk}_{user}"}
            for n, (blob, alt, size) in enumerate(zip(post.media, post.alt_text, sizes,
                                                      strict=False))]
    else:
        item.update(image_versions2=image(post.media[0], sizes[0]),
                    original_width=sizes[0][0], original_height=sizes[0][1],
                    accessibility_caption=post.alt_text[0] if post.alt_text else "")
    return item


def _private_posts(state: SandboxState, user: str) -> list[SandboxPost]:
    mine = [p for p in state.posts.values() if p.platform == "instagram"
            and p.extra.get("backend") == "private" and p.account == user]
    return sorted(mine, key=lambda p: (p.created_at, int(p.id)), reverse=True)


def install_routes(route, refused) -> None:  # noqa: ANN001 - the decorator and error of the module
    def private_post(ctx: Ctx, pk: str) -> SandboxPost:
        """The media posted through the private API (caller holds the state's lock)."""
        post = ctx.state.get("instagram", pk)
        if post is None or post.extra.get("backend") != "private":
            raise refused(400, "Media not found or unavailable")
        return post

    @route("GET", r"api/v1/media/(\d+)(?:_\d+)?/info", "instagram_private.media_info")
    async def media_info(ctx: Ctx, pk: str) -> dict:
        with ctx.state.lock:
            item = media_json(ctx, private_post(ctx, pk))
        return {"items": [item], "num_results": 1, "more_available": False,
                "auto_load_more_enabled": False}

    @route("GET", r"api/v1/feed/user/(\d+)", "instagram_private.user_feed")
    async def user_feed(ctx: Ctx, user: str) -> dict:
        try:
            count = max(1, min(50, int(ctx.params.get("count") or 12)))
        except ValueError:
            raise refused(400, "Invalid count") from None
        max_id = str(ctx.params.get("max_id") or "").split("_")[0]
        with ctx.state.lock:
            posts = _private_posts(ctx.state, user)
            if max_id.isdigit():
                posts = [p for p in posts if int(p.id) < int(max_id)]
            page = [media_json(ctx, p) for p in posts[:count]]
        out: dict = {"items": page, "num_results": len(page),
                     "more_available": len(posts) > count, "auto_load_more_enabled": True}
        if len(posts) > count:
            out["next_max_id"] = page[-1]["id"]
        return out

    @route("GET", r"api/v1/media/(\d+)_\d+/comments", "instagram_private.media_comments")
    async def media_comments(ctx: Ctx, pk: str) -> dict:
        with ctx.state.lock:
            found = comments_of(ctx.state, private_post(ctx, pk), "comments")
        items = []
        for c in reversed(found):  # newest first, as the app shows them
            at = int(c.created_at.timestamp())
            items.append({
                "pk": str(int(pk) % 10**12 * 1000 + 18_000_000_000_000_000 + c.number),
                "user_id": int(c.author_id), "text": c.text, "type": 0, "created_at": at,
                "created_at_utc": at, "content_type": "comment", "status": "Active", "bit_flags": 0,
                "did_report_as_spam": False, "share_enabled": False, "has_liked_comment": False,
                "comment_like_count": 0, "private_reply_status": 0,
                "user": {"pk": int(c.author_id), "pk_id": c.author_id, "username": c.handle,
                         "full_name": c.name, "is_private": False, "is_verified": False},
            })
        return {"comments": items, "comment_count": len(items), "has_more_comments": False,
                "has_more_headload_comments": False, "can_view_more_preview_comments": False}
