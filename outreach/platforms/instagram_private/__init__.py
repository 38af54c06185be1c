"""Instagram through instagrapi (the private mobile API): an optional backend for accounts without
Graph API access, marked unofficial in the UI and docs (docs/platforms.md).

`backend` is the Platform; `client` wraps instagrapi (imported only when an account uses it) and
says its errors in plain words; `login` makes and renews the stored sessions.
"""

from outreach.platforms.instagram_private.backend import InstagramPrivatePlatform

__all__ = ["InstagramPrivatePlatform"]
