"""Replies to the account's X posts, for the feedback inbox: recent search
(`GET /2/tweets/search/recent`) for `conversation_id:ID`, several posts per query.

- A reply carries the id of the post that started its conversation (`conversation_id`), so one
  query ORs the terms of several posts (`conversation_id:1 OR conversation_id:2 …`) and each
  reply is handed to its post by that field
  (https://docs.x.com/x-api/posts/search/integrate/build-a-query).
- A query may be at most 512 characters on the self-serve and pay-per-use access levels (4,096
  on Enterprise; same page, "Query limitations"): as many terms as fit in 512 go in each query.
  A term for a 19-digit id is 35 characters and " OR " 4 more, so 13 posts per query, i.e. at
  most ⌈N/13⌉ searches for N posts, plus the pages of conversations with more than 100 replies.
- Recent search covers the last 7 days: replies older than that are not found, whatever the age
  of the post they answer, and a `start_time` older than 7 days is refused (400). `since` is
  sent as `start_time` only when it is comfortably inside the window (the two clocks may
  differ); it is applied here as well, so paging stops at the first older reply.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import requests
import tweepy

from outreach.platforms.base import Comment

if TYPE_CHECKING:
    from outreach.platforms.x import XPlatform

QUERY_MAX = 512  # characters in one recent-search query, the smallest documented access level
TERM = "conversation_id:{}"
JOIN = " OR "
PAGE_SIZE = 100  # replies per page, the most X sends
PAGES_PER_POST = 5  # pages read per post and sync: a query may read this many per post in it
FIELDS = ["created_at", "author_id", "conversation_id", "referenced_tweets"]
WINDOW = timedelta(days=7)
# `start_time` is sent only this far inside the window, in case our clock is behind X's.
WINDOW_MARGIN = timedelta(hours=1)


def queries(remote_ids: list[str], limit: int = QUERY_MAX) -> list[list[str]]:
    """The posts grouped so that each group's OR'ed query fits in `limit` characters, in the
    order given."""
    groups: list[list[str]] = []
    length = 0
    for rid in remote_ids:
        term = len(TERM.format(rid))
        if groups and length + len(JOIN) + term <= limit:
            groups[-1].append(rid)
            length += len(JOIN) + term
        else:
            groups.append([rid])
            length = term
    return groups


def query(group: list[str]) -> str:
    return JOIN.join(TERM.format(rid) for rid in group)


def fetch(x: XPlatform, remote_ids: list[str], since: datetime | None = None,
          now: datetime | None = None) -> dict[str, list[Comment]]:
    """{post id: its replies (oldest first)} for every id asked; ids that are no X post id
    (not digits) have none."""
    ids = [rid for rid in dict.fromkeys(str(i) for i in remote_ids)]
    found: dict[str, list[Comment]] = {rid: [] for rid in ids}
    searchable = [rid for rid in ids if rid.isdigit()]
    if not searchable:
        return found
    own = x.user_id()
    now = now or datetime.now(UTC)
    start = since if since is not None and since >= now - WINDOW + WINDOW_MARGIN else None
    for group in queries(searchable):
        _search(x, group, since, start, own, found)
    return {rid: sorted(comments, key=lambda c: (c.created_at is None, c.created_at,
                                                 c.remote_id))
            for rid, comments in found.items()}


def _search(x: XPlatform, group: list[str], since: datetime | None, start: datetime | None,
            own: str, found: dict[str, list[Comment]]) -> None:
    """One query, paged with `next_token`; newest first, so paging stops at the first reply
    older than `since`."""
    params: dict = {"max_results": PAGE_SIZE, "user_auth": True, "expansions": ["author_id"],
                    "user_fields": ["username"], "tweet_fields": FIELDS}
    if start is not None:
        params["start_time"] = start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    roots = set(group)
    token = None
    for _ in range(PAGES_PER_POST * len(group)):
        try:
            body = x.client.search_recent_tweets(
                query(group), **params, **({"next_token": token} if token else {}))
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
            root = str(tweet.get("conversation_id") or "")
            tweet_id = str(tweet.get("id") or "")
            if root not in roots or not tweet_id or tweet_id == root:
                continue  # the post itself matches its own conversation
            found[root].append(_comment(tweet, tweet_id, root, created, users, own))
        token = (body.get("meta") or {}).get("next_token")
        if older or not token:
            break


def _comment(tweet: dict, tweet_id: str, root: str, created: datetime | None,
             users: dict[str, str | None], own: str) -> Comment:
    author = str(tweet.get("author_id") or "") or None
    handle = users.get(author or "")
    parent = next((str(r.get("id")) for r in tweet.get("referenced_tweets") or []
                   if r.get("type") == "replied_to"), None)
    return Comment(
        remote_id=tweet_id, text=html.unescape(tweet.get("text") or ""), created_at=created,
        author_id=author, author_handle=f"@{handle}" if handle else None,
        url=f"https://x.com/{handle}/status/{tweet_id}" if handle
        else f"https://x.com/i/web/status/{tweet_id}",
        parent_id=None if parent in (None, root) else parent,
        own=author == own)


def _time(value: str | None) -> datetime | None:
    """X's `2026-12-05T01:00:00.000Z`."""
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
