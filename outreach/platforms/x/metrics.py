"""X's figures for the account's posts: `GET /2/tweets?ids=` (up to 100 a call).

Public metrics exist for every post. Non-public and organic metrics (link clicks, true
impressions) exist only for the account's own posts of the last 30 days
(https://docs.x.com/x-api/fundamentals/metrics); asked for an older post, X answers a
"not authorized for field" entry in `errors[]` for it, and that post's data is missing from the
answer. So:

- the posts are split by age before asking: an X post id is a snowflake whose top bits are its
  creation time in milliseconds since X's epoch, so no extra call is needed to know the age;
  only posts comfortably inside the 30 days are asked for the private fields;
- a post that the answer leaves out for any reason but "not found" (a clock that disagrees with
  X's at the boundary, a field X withdrew) is asked again with public fields only, so it keeps
  its public figures and is never taken for deleted;
- only a `resource-not-found` entry for an id means the post is gone: it is left out of the
  result, which the engagement sync counts as a miss.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import requests
import tweepy

from outreach.platforms.base import ErrorKind, Metrics, PublishError

if TYPE_CHECKING:
    from outreach.platforms.x import XPlatform

TWEPOCH_MS = 1288834974657  # X's snowflake epoch (2010-11-04)
PRIVATE_AGE = timedelta(days=30)
# Asked only well inside the window: the service's clock and X's may differ a little, and a
# refused field costs a second call.
PRIVATE_MARGIN = timedelta(hours=1)
PUBLIC_FIELDS = ["public_metrics"]
PRIVATE_FIELDS = ["non_public_metrics", "organic_metrics"]
NOT_FOUND = "resource-not-found"


def created_at(post_id: str) -> datetime | None:
    """When a post was made, read from its snowflake id; None for ids that are no snowflake."""
    try:
        value = int(post_id)
    except (TypeError, ValueError):
        return None
    ms = (value >> 22) + TWEPOCH_MS
    if value >> 22 == 0:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC)


def private_allowed(post_id: str, now: datetime) -> bool:
    made = created_at(post_id)
    return made is not None and now - made < PRIVATE_AGE - PRIVATE_MARGIN


def fetch(x: XPlatform, remote_ids: list[str], now: datetime | None = None
          ) -> dict[str, Metrics]:
    """Metrics of up to 100 of the account's posts, in as few calls as their ages allow."""
    now = now or datetime.now(UTC)
    ids = list(dict.fromkeys(str(i) for i in remote_ids))
    young = [i for i in ids if private_allowed(i, now)]
    old = [i for i in ids if i not in set(young)]
    found: dict[str, Metrics] = {}
    again: list[str] = []
    if young:
        try:
            data, gone = _lookup(x, young, PUBLIC_FIELDS + PRIVATE_FIELDS)
        except PublishError as exc:
            if exc.kind != ErrorKind.rejected:
                raise
            data, gone = {}, set()  # the private fields refused as a whole: public only
        found.update(data)
        again = [i for i in young if i not in data and i not in gone]
    rest = old + again
    if rest:
        data, _gone = _lookup(x, rest, PUBLIC_FIELDS)
        found.update(data)
    return found


def _lookup(x: XPlatform, ids: list[str], fields: list[str]
            ) -> tuple[dict[str, Metrics], set[str]]:
    """(metrics by id, ids X says do not exist) for one call."""
    try:
        body = x.client.get_tweets(ids, tweet_fields=fields, user_auth=True)
    except (tweepy.TweepyException, requests.RequestException) as exc:
        raise x._error(exc, publishing=False) from exc
    data = {str(t["id"]): metrics(t) for t in body.get("data") or [] if t.get("id")}
    gone = {str(e.get("resource_id") or e.get("value")) for e in body.get("errors") or []
            if str(e.get("type", "")).endswith(NOT_FOUND)}
    return data, gone - set(data)


def metrics(tweet: Mapping) -> Metrics:
    """X's metrics in the service's names; `post.fields` naming (`repost_count`) accepted."""
    public = tweet.get("public_metrics") or {}
    private = tweet.get("non_public_metrics") or tweet.get("organic_metrics") or {}
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
        "clicks": private.get("url_link_clicks"),  # own posts of the last 30 days only
    }
