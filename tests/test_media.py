"""Images are served at unguessable URLs, and only those."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from outreach.config import get_settings
from outreach.db import get_engine
from outreach.media import MediaError, ensure_asset, public_url, store_bytes
from outreach.web.app import create_app


def test_media_served_by_token(db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("OUTREACH_PUBLIC_BASE_URL", "https://outreach.example.id")
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "m"))
    settings = get_settings()
    path = store_bytes(settings, b"\xff\xd8\xffJPEGDATA", ".jpg")
    assert store_bytes(settings, b"\xff\xd8\xffJPEGDATA", ".jpg") == path  # stored once
    with Session(get_engine(db_url)) as session:
        asset = ensure_asset(session, path, "Sampul buku")
        session.commit()
        again = ensure_asset(session, path)
        url = public_url(asset, settings)
    assert again.token == asset.token and len(asset.token) >= 32
    assert url == f"https://outreach.example.id/media/{asset.token}/{path.name}"
    client = TestClient(create_app())
    ok = client.get(f"/media/{asset.token}/{path.name}")
    assert ok.status_code == 200 and ok.content == b"\xff\xd8\xffJPEGDATA"
    assert ok.headers["content-type"] == "image/jpeg"
    wrong = asset.token[:-1] + ("y" if asset.token.endswith("x") else "x")
    assert client.get(f"/media/{wrong}/{path.name}").status_code == 404
    assert client.get(f"/media/{asset.token}/other.jpg").status_code == 404


def test_public_url_needs_base(db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "m"))
    settings = get_settings()
    path = store_bytes(settings, b"x", ".jpg")
    with Session(get_engine(db_url)) as session:
        asset = ensure_asset(session, path)
        try:
            public_url(asset, settings)
        except MediaError as exc:
            assert "OUTREACH_PUBLIC_BASE_URL" in str(exc)
        else:
            raise AssertionError("no error without a public base URL")
