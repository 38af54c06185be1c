"""`outreach demo` as a person runs it: a real process, real ports, published within 60 s."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no free pair of ports")


def test_demo_publishes_within_a_minute(tmp_path):
    port = free_port_pair()
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    exe = Path(sys.executable).with_name("outreach")
    proc = subprocess.Popen(
        [str(exe), "demo", "--port", str(port), "--dir", str(tmp_path / "demo")],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    started = time.monotonic()
    health = None
    try:
        while time.monotonic() - started < 60:
            if proc.poll() is not None:
                break
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
            except (httpx.HTTPError, ValueError):
                health = None
            if health and health["deliveries"]["published"] >= 1:
                break
            time.sleep(0.5)
        assert health is not None, "the service never answered /healthz"
        assert health["deliveries"]["published"] >= 1, health
        assert health["clock"]["last_tick"] is not None
        page = httpx.get(f"http://127.0.0.1:{port + 1}/", timeout=5)
        assert page.status_code == 200
        # The published post's title is visible on the sandbox page.
        assert "Koleksi baru" in page.text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            output, _ = proc.communicate()
    assert "Traceback" not in output, output
    assert f"Web UI:   http://127.0.0.1:{port}/" in output
    assert "users: staf@demo.test, manajer@demo.test, admin@demo.test" in output
    assert "Web sign-in password for this demo:" in output
    assert (tmp_path / "demo" / "outreach.db").is_file()
    # The accounts were connected by signing in on the sandbox's consent pages, as a library's
    # are: tokens with their lifetimes (X's refresh token, Meta's data access), none pasted.
    assert "Accounts connected by signing in on the sandbox:" in output
    import sqlite3

    with sqlite3.connect(tmp_path / "demo" / "outreach.db") as db:
        rows = {r[0]: r[1:] for r in db.execute(
            "SELECT platform, source, token_expires_at, refresh_token_encrypted, "
            "data_access_expires_at, credentials_encrypted FROM account")}
    assert set(rows) == {"x", "facebook", "instagram"}
    assert all(r[0] == "db" and r[4] for r in rows.values())  # stored encrypted, not from env
    assert rows["x"][1] and rows["x"][2]  # a two-hour token and its refresh token
    assert rows["facebook"][3] and rows["instagram"][3]  # Meta's data access end
