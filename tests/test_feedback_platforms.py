"""`fetch_comments` on every platform, through the real client libraries (tweepy,
python-facebook-api, instagrapi) against the sandbox's wire formats: as many comments as the
platform's own comment count, with text, time, author and a place to answer, and `since`
honoured."""

from __future__ import annotations

import httpx
import pytest
from platform_kit import delivery, jpeg, make_client, media_resolver

from outreach.sandbox.comments import QUESTIONS, REMARKS

TARGETS = {"x": ("x", None), "facebook": ("facebook", None), "instagram": ("instagram", None),
           "instagram-private": ("instagram", "private")}


@pytest.mark.parametrize("name", list(TARGETS))
def test_fetch_comments(sandbox_env, media_server, tmp_path, request, name):
    platform, backend = TARGETS[name]
    if backend:
        request.getfixturevalue("instagram_private_env")
    httpx.post(f"{sandbox_env.url}/_sandbox/options",
               json={"instagram.processing_seconds": 0.05}).raise_for_status()
    client = make_client(platform, media_url=media_resolver(), backend=backend)
    image = jpeg(tmp_path, "sampul.jpg", (1080, 1080))
    posts = [client.publish(delivery(platform, f"Koleksi baru ({name}) {n}", media=[image],
                                     alt_text=["Sampul buku"])) for n in range(6)]
    # Three days old (inside X's 7-day search window), figures frozen.
    httpx.post(f"{sandbox_env.url}/_sandbox/clock",
               json={"advance": 3 * 86400, "frozen": True}).raise_for_status()
    # A post's audience is drawn from its id, and a small one may have no comment at all
    # (a few in a hundred): take the first of six posts that has some.
    figures = client.fetch_metrics([p.remote_id for p in posts])
    published = next(p for p in posts if figures[p.remote_id]["comments"] >= 2)
    count = figures[published.remote_id]["comments"]
    comments = client.fetch_comments(published.remote_id)
    assert count and len(comments) == count
    assert [c.created_at for c in comments] == sorted(c.created_at for c in comments)
    assert len({c.remote_id for c in comments}) == count
    for c in comments:
        assert c.text in QUESTIONS + REMARKS and c.created_at.tzinfo is not None
        assert c.author_id and c.author_handle and not c.own
    assert any("?" in c.text for c in comments)
    if platform in ("x", "facebook"):  # these give each comment its own address
        assert all(c.url and c.url.startswith("https://") for c in comments)
    middle = comments[len(comments) // 2]
    later = client.fetch_comments(published.remote_id, since=middle.created_at)
    assert [c.remote_id for c in later] == [c.remote_id for c in comments
                                            if c.created_at >= middle.created_at]
