"""Helpers shared by the platform tests: accounts from the sandbox environment, deliveries,
test images, faults."""

from __future__ import annotations

from pathlib import Path

import requests
from PIL import Image

from outreach.config import load_settings
from outreach.models import Account, Delivery, utcnow
from outreach.platforms import platform_class

# (connect, read) seconds. Reads get room by default: Instagram's container creation makes the
# sandbox fetch the image from the service's web app, all in this one process, and under a
# loaded CI machine that took over half a second once. Only tests that inject a hang use SHORT.
RELAXED = (2.0, 10.0)
SHORT = (2.0, 3.0)  # the sandbox's `timeout` fault hangs well past this (HANG); the steps
# before the hanging call (an Instagram container fetching its image) need room on a busy machine
HANG = 8.0


def make_client(name: str, timeout=RELAXED, media_url=None, backend=None, **overrides):
    settings = load_settings(**overrides)
    cls = platform_class(name, backend)
    external_id, display, credentials = cls.env_account(settings)
    account = Account(id=1, platform=name, external_id=external_id, name=display, source="env",
                      backend=backend)
    client = cls(account, credentials, settings, timeout=timeout, media_url=media_url)
    if hasattr(client, "poll_interval"):
        client.poll_interval = 0.05
        client.poll_timeout = 5.0
    if hasattr(client, "configure_delay"):  # instagrapi: no app-like pauses in tests
        client.configure_delay = 0
        client.request_delay = None
    return client


def instagrapi_session(user: str, sessionid: str | None = None) -> str:
    """A stored instagrapi session signed in as the sandbox user `user` (see the sandbox)."""
    from outreach.sandbox.instagram_private_login import sandbox_session

    return sandbox_session(user, sessionid)


def delivery(platform: str, text: str = "Buku baru di Perpustakaan Kota Bontang", **kw):
    now = utcnow()
    return Delivery(id=1, post_id=1, account_id=1, platform=platform, text=text,
                    scheduled_at=now, created_at=now, **kw)


def jpeg(folder: Path, name: str = "sampul.jpg", size=(1080, 1080), color=(180, 90, 40),
         fmt: str = "JPEG") -> str:
    path = Path(folder) / name
    Image.new("RGB", size, color).save(path, fmt)
    return str(path)


def fault(sandbox, **spec) -> None:
    answer = requests.post(f"{sandbox.url}/_sandbox/faults", json=spec)
    assert answer.status_code == 201, answer.text


def media_resolver():
    """The dispatcher's resolver: registers the file, returns its public URL."""
    from outreach.config import get_settings
    from outreach.dispatch.dispatcher import media_resolver as build

    return build(get_settings())
