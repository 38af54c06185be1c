"""Helpers for the engagement, feedback and report tests: published deliveries whose posts exist
on the sandbox (made there directly, as if published long ago, or through the real dispatcher),
and the sandbox's figures in our metric names."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
from sqlalchemy import insert
from sqlmodel import Session, select

from outreach.config import get_settings
from outreach.db import get_engine
from outreach.models import Account, Delivery, Post, utcnow
from outreach.platforms import sync_env_accounts
from outreach.sandbox.state import SandboxPost

X_USER = "1500"  # the sandbox_env X token "1500-..."
PAGE = "104857600123"
IG_USER = "17841400000000123"


def accounts() -> dict[str, int]:
    """The sandbox_env accounts (x, facebook, instagram) -> their ids."""
    settings = get_settings()
    with Session(get_engine(settings.database_url), expire_on_commit=False) as session:
        sync_env_accounts(session, settings)
        session.commit()
        return {a.platform: a.id for a in session.exec(select(Account))}


def seed(sandbox, platform: str, n: int, *, age: timedelta = timedelta(minutes=30),
         published_at: datetime | None = None, kind: str = "free",
         template: str | None = "free/x.id.j2") -> list[int]:
    """n posts that exist on the sandbox, and their published deliveries (due for a snapshot),
    inserted in bulk. Returns the delivery ids."""
    account_id = accounts()[platform]
    state = sandbox.sandbox
    made = state.clock.now() - age
    remote = []
    with state.lock:
        for i in range(n):
            if platform == "x":
                post_id = str(1_900_000_000_000_000_000 + (len(state.posts) + i) * 4096)
                owner = X_USER
            elif platform == "facebook":
                post_id = f"{PAGE}_{state.next_id('facebook.post', 10**14)}"
                owner = PAGE
            else:
                post_id = str(state.next_id("instagram.media", 18_000_000_000_000_000))
                owner = IG_USER
            state.add(SandboxPost(platform=platform, id=post_id, account=owner,
                                  text=f"Seeded {platform} {i}", created_at=made))
            remote.append(post_id)
    when = published_at or utcnow() - age
    engine = get_engine(get_settings().database_url)
    with Session(engine) as session:
        post = Post(kind=kind, template=template, text="seeded", author="test")
        session.add(post)
        session.commit()
        rows = [{"post_id": post.id, "account_id": account_id, "platform": platform,
                 "template": template,
                 "text": f"Seeded {platform} {i}", "media": [], "alt_text": [],
                 "remote_extra": {}, "scheduled_at": when, "status": "published",
                 "attempts": 1, "remote_id": rid, "remote_url": f"https://example.org/{rid}",
                 "published_at": when, "next_sync_at": when,
                 "created_at": when, "updated_at": when, "sync_misses": 0, "comments_seen": 0}
                for i, rid in enumerate(remote)]
        ids = session.execute(insert(Delivery).returning(Delivery.id,
                                                         sort_by_parameter_order=True),
                              rows).scalars().all()
        session.commit()
    return list(ids)


def clock(sandbox, **body) -> None:
    httpx.post(sandbox.url + "/_sandbox/clock", json=body).raise_for_status()


def limit(sandbox, endpoint: str, n: int, window: int = 900) -> None:
    httpx.post(sandbox.url + "/_sandbox/limits",
               json={"endpoint": endpoint, "limit": n, "window": window}).raise_for_status()


def fault(sandbox, **spec) -> None:
    httpx.post(sandbox.url + "/_sandbox/faults", json=spec).raise_for_status()


def ours(platform: str, raw: dict, *, own_recent: bool = True) -> dict:
    """The sandbox's own figures of a post in our names (docs/architecture.md's metrics table)."""
    if platform == "x":
        return {"views": raw["impression_count"], "reach": None, "likes": raw["like_count"],
                "comments": raw["reply_count"],
                "shares": raw["retweet_count"] + raw["quote_count"],
                "saves": raw["bookmark_count"],
                "clicks": raw["url_link_clicks"] if own_recent else None}
    if platform == "facebook":
        return {"views": raw["post_media_view"], "reach": raw["post_total_media_view_unique"],
                "likes": sum(v for k, v in raw.items() if k.startswith("reactions_")),
                "comments": raw["comments"], "shares": raw["shares"], "saves": None,
                "clicks": raw["post_clicks"]}
    return {"views": raw["views"], "reach": raw["reach"], "likes": raw["likes"],
            "comments": raw["comments"], "shares": raw["shares"], "saves": raw["saved"],
            "clicks": None}


def deliveries(**where) -> list[Delivery]:
    with Session(get_engine(get_settings().database_url)) as session:
        query = select(Delivery).order_by(Delivery.id)
        for key, value in where.items():
            query = query.where(getattr(Delivery, key) == value)
        return list(session.exec(query))
