"""The issue's "must show", as a person would do it: `outreach sandbox` in its own process,
`outreach post` on each platform (X with an image and alt text, a Facebook photo, an Instagram
photo and carousel), `outreach publish-due --once`: each published once, its remote id stored,
its alt text on the sandbox; and no secret in logs, errors or `outreach queue --json`."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time

import pytest
import requests
from platform_kit import jpeg
from typer.testing import CliRunner

from outreach.cli import app

SECRET_VARS = ("OUTREACH_X_CONSUMER_SECRET", "OUTREACH_X_ACCESS_TOKEN_SECRET",
               "OUTREACH_X_CONSUMER_KEY", "OUTREACH_FACEBOOK_PAGE_TOKEN",
               "OUTREACH_INSTAGRAM_ACCESS_TOKEN")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def sandbox_process(tmp_path):
    """`outreach sandbox` as a user starts it."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from outreach.cli import main; main()", "sandbox", "--port",
         str(port), "--seed", "3"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(url + "/_sandbox/state", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("outreach sandbox did not start")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_post_then_publish_due_on_every_platform(sandbox_env, media_server, sandbox_process,
                                                 monkeypatch, tmp_path, caplog, fast_schedule):
    # fast_schedule: two posts on one Instagram account go out in one pass (no spacing).
    url = sandbox_process
    monkeypatch.setenv("OUTREACH_X_API_URL", url + "/x")
    monkeypatch.setenv("OUTREACH_GRAPH_API_URL", url + "/graph")
    monkeypatch.setenv("OUTREACH_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    # Instagram processes images at once here (the default rehearses a short delay).
    requests.post(url + "/_sandbox/options", json={"instagram.processing_seconds": 0},
                  timeout=5).raise_for_status()
    runner = CliRunner()
    cover = jpeg(tmp_path, "sampul.jpg", (1080, 1350))
    back = jpeg(tmp_path, "belakang.jpg", (1080, 1080), (20, 60, 90))
    posts = [
        ["--platform", "x", "--text", "Buku baru: Laskar Pelangi", "--image", cover,
         "--alt", "Sampul Laskar Pelangi: anak-anak berlari di pantai"],
        ["--platform", "facebook", "--text", "Foto kegiatan mendongeng", "--image", cover,
         "--alt", "Anak-anak mendengarkan dongeng di ruang baca"],
        ["--platform", "instagram", "--text", "Koleksi baru #BukuBaru", "--image", cover,
         "--alt", "Tumpukan buku baru di meja sirkulasi"],
        ["--platform", "instagram", "--text", "Dua sisi sampul", "--image", cover, "--alt",
         "Sampul depan", "--image", back, "--alt", "Sampul belakang"],
    ]
    for args in posts:
        result = runner.invoke(app, ["post", *args])
        assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["publish-due", "--once"])
    assert result.exit_code == 0, result.output
    assert "published 4" in result.output
    listed = runner.invoke(app, ["queue", "--json"])
    assert listed.exit_code == 0
    deliveries = json.loads(listed.stdout)
    assert [d["status"] for d in deliveries] == ["published"] * 4
    state = requests.get(url + "/_sandbox/state", timeout=5).json()
    for d in deliveries:
        [remote] = [p for p in state[d["platform"]] if p["id"] == d["remote_id"]]
        assert remote["text"] == d["text"]
        assert remote["alt_text"] == d["alt_text"]  # alt text reached the platform
        for media_id in remote["media"]:  # the image itself is there too
            got = requests.get(f"{url}/_sandbox/media/{media_id}", timeout=5)
            assert got.status_code == 200 and got.content[:3] == b"\xff\xd8\xff"
    assert len(state["x"]) == 1 and len(state["facebook"]) == 1 and len(state["instagram"]) == 2
    assert deliveries[1]["remote_id"].startswith(os.environ["OUTREACH_FACEBOOK_PAGE_ID"] + "_")
    # Published once: another pass publishes nothing more.
    runner.invoke(app, ["publish-due", "--once"])
    again = requests.get(url + "/_sandbox/state", timeout=5).json()
    assert sum(len(again[p]) for p in ("x", "facebook", "instagram")) == 4
    page = requests.get(url + "/instagram", timeout=5).text
    assert "Sampul belakang" in page and "/_sandbox/media/" in page

    # -- no secret anywhere a person or a log could see ---------------------------------
    requests.post(url + "/_sandbox/faults", json=[
        {"endpoint": "x.create_tweet", "mode": "status", "status": 401},
        {"endpoint": "facebook.upload_photo", "mode": "status", "status": 500},
        {"endpoint": "instagram.publish", "mode": "lost"},
    ], timeout=5)
    for platform in ("x", "facebook", "instagram"):
        runner.invoke(app, ["post", "--platform", platform, "--text", f"Gagal {platform}",
                            "--image", cover, "--alt", "Sampul"])
    failing = runner.invoke(app, ["publish-due", "--once"])
    queue_json = runner.invoke(app, ["queue", "--json"]).stdout
    seen = "\n".join([failing.output, queue_json, result.output, caplog.text])
    assert any(d["last_error"] for d in json.loads(queue_json))
    for name in SECRET_VARS:
        assert os.environ[name] not in seen, f"{name} leaked"
