"""Helpers for the staff page tests (tests/test_web_staff*.py): deliveries made directly in the
database, images, reading a form back out of a page."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from html import unescape

from sqlmodel import select

from outreach.models import Account, AuditLog, Delivery, Post, utcnow

WITA = "Asia/Makassar"


def jpeg(width: int = 1080, height: int = 1080, colour: str = "#3a7") -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, "JPEG", quality=80)
    return buf.getvalue()


def accounts(web) -> dict[str, Account]:
    with web.session() as s:
        return {a.platform: a for a in s.exec(select(Account))}


def deliveries(web, **where) -> list[Delivery]:
    with web.session() as s:
        query = select(Delivery).order_by(Delivery.id)
        for key, value in where.items():
            query = query.where(getattr(Delivery, key) == value)
        return list(s.exec(query))


def audit_actions(web, object_id) -> list[tuple[str, int | None]]:
    with web.session() as s:
        return [(a.action, a.user_id) for a in s.exec(
            select(AuditLog).where(AuditLog.object_type == "delivery",
                                   AuditLog.object_id == str(object_id)).order_by(AuditLog.id))]


def textarea(html: str, name: str = "text") -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>(.*?)</textarea>', html, re.S)
    assert match, f"no textarea {name}"
    return unescape(match.group(1))


def ready_client(web, role: str):
    """A signed-in client after the env accounts have been synced by a visit to /compose."""
    client = web.client(role)
    assert client.get("/compose").status_code == 200
    return client


def compose(web, client, data: dict, files: dict | None = None):
    return web.post(client, "/compose", data, files=files)


def make_delivery(web, *, platform: str = "x", status: str = "scheduled",
                  at: datetime | None = None, text: str = "Halo pembaca perpustakaan",
                  author: str = "system", author_id: int | None = None, kind: str = "free",
                  last_error: str | None = None, last_error_kind: str | None = None,
                  media: list[str] | None = None, alt: list[str] | None = None) -> Delivery:
    with web.session() as s:
        account = s.exec(select(Account).where(Account.platform == platform)).first()
        if account is None:
            account = Account(platform=platform, external_id=f"{platform}-1",
                              name=f"perpus-{platform}")
            s.add(account)
            s.flush()
        post = Post(kind=kind, text=text, author=author, author_id=author_id)
        s.add(post)
        s.flush()
        when = at or utcnow() + timedelta(days=1)
        d = Delivery(post_id=post.id, account_id=account.id, platform=platform, text=text,
                     scheduled_at=when, next_attempt_at=when, status=status,
                     last_error=last_error, last_error_kind=last_error_kind,
                     media=media or [], alt_text=alt or [])
        s.add(d)
        s.commit()
        s.refresh(d)
        return d
