"""Images the service keeps and serves: uploads, fetched covers, image cards.

Files live in OUTREACH_MEDIA_DIR under content-addressed names; each gets a `MediaAsset` row with an
unguessable token, and the web application serves it at
`{OUTREACH_PUBLIC_BASE_URL}/media/{token}/{filename}` — Instagram fetches images from such a URL.
Deliveries keep plain file paths (`Delivery.media`); a platform that needs a URL asks for one
(`platforms/media_store.py`, `url_source`): this service's own address, or with
OUTREACH_MEDIA_STORE=s3 an expiring link into an object store.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import secrets
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.errors import OutreachError, Sentences
from outreach.models import MediaAsset, utcnow


class MediaError(OutreachError):
    """An image cannot be stored or offered to a platform; the message says why."""

    sentences = Sentences({
        "no_image": ("Gambar tidak ditemukan: {path}", "Image not found: {path}"),
        "no_public_url": (
            "OUTREACH_PUBLIC_BASE_URL belum diatur: platform yang mengambil gambar sendiri "
            "(Instagram) memerlukan alamat publik layanan ini.",
            "OUTREACH_PUBLIC_BASE_URL is not set: platforms that fetch images (Instagram) need "
            "the public address of this service."),
    })


def media_dir(settings: Settings) -> Path:
    folder = Path(settings.media_dir).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_bytes(settings: Settings, data: bytes, suffix: str = ".jpg") -> Path:
    """Keep `data` under a name derived from its content (the same image is stored once)."""
    digest = hashlib.sha256(data).hexdigest()
    path = media_dir(settings) / f"{digest[:32]}{suffix}"
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def store_file(settings: Settings, source: Path) -> Path:
    """Copy an uploaded or given file into the media folder."""
    source = Path(source)
    if not source.is_file():
        raise MediaError(f"Image not found: {source}")
    with source.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    path = media_dir(settings) / f"{digest[:32]}{source.suffix.lower() or '.bin'}"
    if not path.exists():
        shutil.copyfile(source, path)
    return path


# Images nobody's delivery uses (uploaded for a preview, a card made for a draft that was never
# queued) are removed after this long: a person composing has had a day to finish.
ORPHAN_AGE = timedelta(days=1)
# Only files this module named (content hash + suffix) are ever removed from the media folder,
# whatever else someone keeps there.
_OURS = re.compile(r"^[0-9a-f]{32}\.[a-z0-9]{2,5}$")


def remove_orphans(session: Session, settings: Settings, now: datetime | None = None,
                   older_than: timedelta = ORPHAN_AGE) -> int:
    """Delete images no delivery refers to, made more than `older_than` ago (their asset rows
    too); how many files went. Images kept in the media library stay, used or not. Run by the
    clock every hour."""
    from outreach.models import Delivery

    now = now or utcnow()
    cutoff = now - older_than
    used: set[str] = set()
    for media in session.exec(select(Delivery.media)):
        used.update(str(Path(p).resolve()) for p in media or [] if "://" not in str(p))
    removed = 0
    old = select(MediaAsset).where(MediaAsset.created_at < cutoff, MediaAsset.kept.is_(False))
    for asset in session.exec(old).all():
        path = str(Path(asset.path).resolve())
        if path in used:
            continue
        session.delete(asset)
        removed += _unlink_ours(Path(path))
    session.commit()
    keep = {str(Path(a).resolve()) for a in session.exec(select(MediaAsset.path))} | used
    folder = media_dir(settings)
    for file in folder.iterdir():
        if (file.is_file() and _OURS.match(file.name) and str(file.resolve()) not in keep
                and datetime.fromtimestamp(file.stat().st_mtime, UTC) < cutoff):
            removed += _unlink_ours(file)
    return removed


def _unlink_ours(path: Path) -> int:
    if not _OURS.match(path.name):
        return 0
    try:
        path.unlink()
        return 1
    except FileNotFoundError:
        return 0


def ensure_asset(session: Session, path: str | Path, alt_text: str | None = None) -> MediaAsset:
    """The asset row for a file, created with a fresh unguessable token when new."""
    path = str(Path(path).resolve())
    asset = session.exec(select(MediaAsset).where(MediaAsset.path == path)).first()
    if asset is not None:
        return asset
    file = Path(path)
    if not file.is_file():
        raise MediaError(f"Image not found: {path}")
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    width = height = None
    try:  # Pillow is optional here: sizes are a convenience for the UI and validation
        from PIL import Image

        with Image.open(file) as img:
            width, height = img.size
    except Exception:  # noqa: BLE001 - not an image Pillow knows, or Pillow missing
        pass
    with file.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    asset = MediaAsset(token=secrets.token_urlsafe(24), path=path, filename=file.name,
                       content_type=content_type, width=width, height=height,
                       size=file.stat().st_size, sha256=digest, alt_text=alt_text)
    session.add(asset)
    session.flush()
    return asset


def public_url(asset: MediaAsset, settings: Settings) -> str:
    if not settings.public_base_url:
        raise MediaError(
            "OUTREACH_PUBLIC_BASE_URL is not set: platforms that fetch images (Instagram) need "
            "the public address of this service."
        )
    return f"{settings.public_base_url}/media/{asset.token}/{asset.filename}"


def find_asset(session: Session, token: str, filename: str) -> MediaAsset | None:
    asset = session.exec(select(MediaAsset).where(MediaAsset.token == token)).first()
    if asset is None or asset.filename != filename or not Path(asset.path).is_file():
        return None
    return asset
