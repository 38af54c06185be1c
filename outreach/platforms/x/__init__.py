"""X (API v2): posts, threads, media, metrics and replies (`platform`), tweepy's client routed to
OUTREACH_X_API_URL and signed for it (`client`), the v2 media upload (`media`), X's weighted
length (`count`), and X's failures in plain words (`errors`)."""

from outreach.platforms.x.platform import (
    MAX_WEIGHTED,
    XPlatform,
    status_url,
    thread_parts,
    weighted_length,
)

__all__ = ["MAX_WEIGHTED", "XPlatform", "status_url", "thread_parts", "weighted_length"]
