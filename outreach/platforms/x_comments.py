"""Replies to the account's posts on X, for the feedback inbox.

`GET /2/tweets/search/recent` with the query `conversation_id:ID` finds every reply in a post's
conversation, newest first, 100 a page
(https://docs.x.com/x-api/posts/search/integrate/build-a-query). Recent search covers the last
7 days only and refuses a `start_time` older than that, so `since` is applied here: paging stops
at the first reply older than it.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import TYPE_CHECKING

import requests
import tweepy

from outreach.platforms.base import Comment

if TYPE_CHECKING:
    from outreach.platforms.x import XPlatform

PAGES = 5  # pages of 100 replies read per post and sync
FIELDS = ["created_at", "author_id", "conversation_id", "referenced_tweets"]


def fetch_comments(x: XPlatform, remote_id: str, since: datetime | None) -> list[Comment]:
    from outreach.platforms.x import status_url

    own = x.user_id()
    found: list[Comment] = []
    token = None
    for _ in range(PAGES):
        try:
            body = x.client.search_recent_tweets(
                f"conversation_id:{remote_id}", max_results=100, user_auth=True,
                expansions=["author_id"], user_fields=["username"], tweet_fields=FIELDS,
                **({"next_token": token} if token else {}))
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise x._error(exc, publishing=False) from exc
        users = {str(u.get("id")): u.get("username")
                 for u in (body.get("includes") or {}).get("users", [])}
        older = False
        for tweet in body.get("data") or []:
            created = _time(tweet.get("created_at"))
            if since is not None and created is not None and created < since:
                older = True
                continue
            tweet_id = str(tweet["id"])
            if tweet_id == str(remote_id):
                continue
            author = str(tweet.get("author_id") or "") or None
            handle = users.get(author or "")
            parent = next((str(r.get("id")) for r in tweet.get("referenced_tweets") or []
                           if r.get("type") == "replied_to"), None)
            found.append(Comment(
                remote_id=tweet_id, text=html.unescape(tweet.get("text") or ""),
                created_at=created, author_id=author,
                author_handle=f"@{handle}" if handle else None,
                url=f"https://x.com/{handle}/status/{tweet_id}" if handle
                else status_url(tweet_id),
                parent_id=None if parent in (None, str(remote_id)) else parent,
                own=author == own))
        token = (body.get("meta") or {}).get("next_token")
        if older or not token:
            break
    return sorted(found, key=lambda c: (c.created_at is None, c.created_at, c.remote_id))


def _time(value: str | None) -> datetime | None:
    """X's `2026-12-05T01:00:00.000Z`."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
