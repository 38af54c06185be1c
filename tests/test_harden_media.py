"""Images uploaded for a preview and never queued are removed after a day (issue 18); images a
delivery uses, images kept in the media library, and files the service did not name, stay."""

from __future__ import annotations

import os
from datetime import timedelta

from sqlmodel import select
from staff_kit import jpeg, make_delivery

from outreach.config import load_settings
from outreach.media import ensure_asset, remove_orphans, store_bytes
from outreach.models import MediaAsset, utcnow


def test_orphaned_uploads_go_after_a_day(web, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    settings = load_settings()
    used = store_bytes(settings, jpeg(colour="#111"))
    preview = store_bytes(settings, jpeg(colour="#222"))
    loose = store_bytes(settings, jpeg(colour="#333"))  # a card for a draft, no asset row
    library = store_bytes(settings, jpeg(colour="#444"))  # in the media library, not yet used
    other = tmp_path / "media" / "logo-perpustakaan.png"
    other.write_bytes(b"not ours")
    with web.session() as s:
        ensure_asset(s, used)
        ensure_asset(s, preview)
        ensure_asset(s, library).kept = True
        s.commit()
    make_delivery(web, media=[str(used)], alt=["Sampul"])
    now = utcnow()
    with web.session() as s:  # an hour later: a person may still be composing
        assert remove_orphans(s, settings, now=now + timedelta(hours=1)) == 0
    later = now + timedelta(days=1, hours=1)  # the pinned clock a day on
    stamp = later.timestamp() - 3 * 86400  # files older than the cut-off too
    for f in (used, preview, loose, library, other):
        os.utime(f, (stamp, stamp))
    with web.session() as s:
        assert remove_orphans(s, settings, now=later) == 2
        left = {a.path for a in s.exec(select(MediaAsset))}
    assert used.exists() and not preview.exists() and not loose.exists() and other.exists()
    assert library.exists() and left == {str(used), str(library)}
