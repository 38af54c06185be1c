"""Instagram through instagrapi (unofficial private API), measured against the sandbox.

What one worker spends per post on this backend apart from Instagram's own time: importing
instagrapi and building its client from a stored session (once per account and process), the
upload and configure calls of a photo and of a 3-image album, the reconcile read, and one
metrics read — with the production pacing (a 3 s pause before configure, 1–3 s before each
private call) turned off, so the figures are the service's own cost; add the pacing for a real
post (about 3 s + 2 × 2 s on average). The client runs in a fresh process (`bench.measure`), so
its peak RSS is its own; the sandbox runs in another.

`python -m bench instagram_private [--quick]`, or standalone `python -m bench.instagram_private`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import measure, percentile


def _ms(values: list[float]) -> dict[str, float]:
    return {"p50_ms": statistics.median(values) * 1000,
            "p95_ms": percentile(values, 0.95) * 1000, "one run ms": None}


def publish_loop(url: str, posts: str) -> dict[str, Any]:
    """In the child process: build the client, publish, reconcile, read metrics."""
    started = time.perf_counter()
    from PIL import Image

    from outreach.config import load_settings
    from outreach.models import Account, Delivery, utcnow
    from outreach.platforms import platform_class
    from outreach.sandbox.instagram_private_login import sandbox_session

    settings = load_settings(instagram_private_api_url=url + "/instagram-private",
                             instagram_username="perpus_bench",
                             instagram_session=sandbox_session("41700000999"))
    cls = platform_class("instagram", "private")
    external_id, name, credentials = cls.env_account(settings)
    account = Account(id=1, platform="instagram", external_id=external_id, name=name,
                      source="env", backend="private")
    client = cls(account, credentials, settings)
    client.configure_delay, client.request_delay = 0, None
    client.client  # noqa: B018 - build instagrapi's Client now, to time it
    build = time.perf_counter() - started
    folder = Path(tempfile.mkdtemp())
    images = []
    for n in range(3):
        Image.new("RGB", (1080, 1350), (60 * n, 90, 140)).save(folder / f"{n}.jpg", quality=90)
        images.append(str(folder / f"{n}.jpg"))
    timings: dict[str, list[float]] = {"photo": [], "album": [], "find": [], "metrics": []}
    for n in range(int(posts)):
        now = utcnow()
        photo = Delivery(id=n, post_id=n, account_id=1, platform="instagram",
                         text=f"Buku baru nomor {n}", media=images[:1], alt_text=["Sampul"],
                         scheduled_at=now, created_at=now)
        album = Delivery(id=n, post_id=n, account_id=1, platform="instagram",
                         text=f"Tiga buku nomor {n}", media=images, alt_text=["a", "b", "c"],
                         scheduled_at=now, created_at=now)
        t = time.perf_counter()
        remote = client.publish(photo).remote_id
        timings["photo"].append(time.perf_counter() - t)
        t = time.perf_counter()
        client.publish(album)
        timings["album"].append(time.perf_counter() - t)
        t = time.perf_counter()
        assert client.find_existing(photo) is not None
        timings["find"].append(time.perf_counter() - t)
        t = time.perf_counter()
        client.fetch_metrics([remote])
        timings["metrics"].append(time.perf_counter() - t)
    return {"build_seconds": build, **{k: _ms(v) for k, v in timings.items()}}


def run(args: argparse.Namespace) -> list[dict]:
    from bench.sandbox_capacity import _start

    posts = 3 if getattr(args, "quick", False) else 100
    proc, url = _start()
    try:
        result = measure("bench.instagram_private:publish_loop", url, str(posts))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    rss = result.get("peak_rss_mb")
    rows = [{"step": "import instagrapi + client from stored session", "count": 1,
             "p50_ms": None, "p95_ms": None, "one run ms": result["build_seconds"] * 1000,
             "peak_rss_mb": rss}]
    names = {"photo": "publish 1 photo (upload + configure)",
             "album": "publish album of 3 (3 uploads + configure)",
             "find": "reconcile: read 20 recent posts", "metrics": "metrics: media_info"}
    for key, label in names.items():
        rows.append({"step": label, "count": posts, **result[key], "peak_rss_mb": rss})
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instagram_private",
                                     description=__doc__)
    parser.add_argument("--quick", action="store_true")
    from bench.__main__ import format_table

    print(format_table(run(parser.parse_args())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
