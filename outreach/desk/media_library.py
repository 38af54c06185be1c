"""The staff's media library: images kept with their alt text, to use again in later posts.

An image enters the library when it is uploaded there, or when a post written in the composer
goes out with it (the same file is stored once: `media.store_bytes` names files by content).
Library images are `MediaAsset.kept`: a clean-up of orphaned uploads must never remove them.
Deliveries keep their own copy of the alt text; editing it here changes what later posts
start with, not what was already queued or published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import String, cast, func
from sqlmodel import Session, select

from outreach.audit import audit
from outreach.desk.error_words import SENTENCES
from outreach.errors import OutreachError
from outreach.models import Delivery, MediaAsset, User, utcnow

MAX_ALT = 1000  # the composer's field takes as much


class LibraryError(OutreachError):
    """A library change cannot be made; `code` names the rule for the faces to word."""

    sentences = SENTENCES

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Item:
    asset: MediaAsset
    used_in: int  # posts whose deliveries carry this image
    uploader: str | None  # the person's name, else their e-mail


def _uses(path: str):
    """SQL: a delivery's media list names `path` (the JSON text holds it as json.dumps does)."""
    needle = json.dumps(path)
    return cast(Delivery.media, String).contains(needle, autoescape=True)


def used_in(session: Session, path: str) -> int:
    return session.exec(select(func.count(func.distinct(Delivery.post_id)))
                        .where(_uses(path))).one()


def library(session: Session, *, page: int = 1, per_page: int = 24) -> tuple[list[Item], bool]:
    """Kept images, the newest first; (items, whether a next page exists)."""
    page = max(1, page)
    assets = list(session.exec(select(MediaAsset).where(MediaAsset.kept.is_(True))
                               .order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc())
                               .offset((page - 1) * per_page).limit(per_page + 1)))
    more = len(assets) > per_page
    assets = assets[:per_page]
    people = {a.uploaded_by_id for a in assets if a.uploaded_by_id is not None}
    names = dict(session.exec(select(User.id, User.name).where(User.id.in_(people))).all()) \
        if people else {}
    return [Item(a, used_in(session, a.path), names.get(a.uploaded_by_id) or a.uploaded_by)
            for a in assets], more


def chosen(session: Session, tokens: list[str]) -> list[MediaAsset]:
    """The library images with these tokens, in the order given (unknown ones left out)."""
    if not tokens:
        return []
    found = {a.token: a for a in session.exec(select(MediaAsset).where(
        MediaAsset.token.in_(tokens), MediaAsset.kept.is_(True)))}
    return [found[t] for t in dict.fromkeys(tokens) if t in found]


def keep(session: Session, asset: MediaAsset, *, alt: str | None, actor: str,
         user_id: int | None) -> MediaAsset:
    """Put an image in the library (once: a second upload of the same file keeps the first
    uploader), with its alt text when it had none yet."""
    alt = " ".join((alt or "").split()) or None
    changed = not asset.kept
    if not asset.kept:
        asset.kept = True
        asset.uploaded_by = asset.uploaded_by or actor
        asset.uploaded_by_id = asset.uploaded_by_id or user_id
    if alt and not asset.alt_text:
        asset.alt_text, changed = alt, True
    if changed:
        session.add(asset)
        audit(session, actor, "media.keep", "media", asset.id, {"alt_text": asset.alt_text},
              user_id=user_id)
    return asset


def set_alt(session: Session, asset_id: int, alt: str, *, actor: str,
            user_id: int | None) -> MediaAsset:
    asset = session.get(MediaAsset, asset_id)
    if asset is None or not asset.kept:
        raise LibraryError(f"There is no library image {asset_id}.", "missing")
    alt = " ".join((alt or "").split())
    if not alt:
        raise LibraryError("The alt text is empty; describe the image.", "empty")
    if len(alt) > MAX_ALT:
        raise LibraryError(f"The alt text is longer than {MAX_ALT} characters.", "long")
    if alt != asset.alt_text:
        audit(session, actor, "media.alt_text", "media", asset.id,
              {"before": asset.alt_text, "after": alt, "at": utcnow().isoformat()},
              user_id=user_id)
        asset.alt_text = alt
        session.add(asset)
    session.commit()
    return asset
