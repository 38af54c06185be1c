"""Helpers for the manager pages' tests: accounts, published deliveries with their engagement
snapshots kept as the sync keeps them, and a small recent history across the three platforms."""

from __future__ import annotations

from datetime import timedelta

from outreach.engagement.sync import figures
from outreach.models import Account, Delivery, EngagementSnapshot, Post, utcnow


def accounts(web) -> dict[str, int]:
    with web.session() as s:
        found = {}
        for p in ("x", "facebook", "instagram"):
            a = Account(platform=p, external_id=f"{p}-1", name=f"Perpus {p}")
            s.add(a)
            s.flush()
            found[p] = a.id
        s.commit()
        return found


def png(tmp_path, name="sampul.png"):
    from PIL import Image

    path = tmp_path / name
    Image.new("RGB", (1080, 1080), (11, 79, 108)).save(path)
    return str(path)


def published(web, accounts, platform, text, published_at, template="free/x.id.j2",
               kind="free", **metrics) -> int:
    """A published delivery and its snapshots, kept as the engagement sync keeps them."""
    with web.session() as s:
        post = Post(kind=kind, template=template, text=text, author="planning")
        s.add(post)
        s.flush()
        d = Delivery(post_id=post.id, account_id=accounts[platform], platform=platform,
                     template=template, text=text, scheduled_at=published_at,
                     published_at=published_at,
                     status="published", remote_id=f"r{post.id}",
                     remote_url=f"https://example.org/{platform}/{post.id}")
        s.add(d)
        s.flush()
        early = EngagementSnapshot(delivery_id=d.id, taken_at=published_at + timedelta(hours=1),
                                   likes=1, views=10)  # an older reading: never counted
        s.add(early)
        snap = EngagementSnapshot(delivery_id=d.id, taken_at=published_at + timedelta(days=1),
                                  **metrics)
        s.add(snap)
        s.flush()
        kept = figures(metrics)
        d.last_snapshot_id, d.last_interactions, d.last_base = snap.id, kept["inter"], \
            kept["base"]
        s.add(d)
        s.commit()
        return d.id


def history(web) -> dict[str, int]:
    ids = accounts(web)
    now = utcnow()
    return {
        "fb": published(web, ids, "facebook", "Lomba mewarnai untuk anak",
                         now - timedelta(days=3), template="event/facebook.id.j2", kind="event",
                         views=900, reach=700, likes=61, comments=7, shares=5, clicks=12),
        "x": published(web, ids, "x", "Koleksi baru: Laskar Pelangi",
                        now - timedelta(days=10), template="acquisition/x.id.j2",
                        kind="acquisition", views=480, likes=22, comments=3, shares=4,
                        saves=2, clicks=9),
        "ig": published(web, ids, "instagram", "Jam buka selama libur",
                         now - timedelta(days=5), template="free/instagram.id.j2",
                         views=300, reach=250, likes=40, comments=2, shares=1, saves=6),
        "old": published(web, ids, "facebook", "Unggahan lama bulan lalu",
                          now - timedelta(days=45), views=5000, reach=4000, likes=333,
                          comments=0, shares=0),
    }
