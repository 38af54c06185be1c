"""Who is asking (issue 18): X-Forwarded-For is believed only from the proxies named in
FORWARDED_ALLOW_IPS (none by default), and a successful sign-in forgets only its own failures."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from web_kit import csrf_of

from outreach.web.app import proxy_options, web_config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(web, monkeypatch):
    """The app under uvicorn as `outreach run` starts it, on a free port."""
    def start(allow: str | None):
        if allow is None:
            monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
        else:
            monkeypatch.setenv("FORWARDED_ALLOW_IPS", allow)
        import uvicorn

        port = free_port()
        server = uvicorn.Server(web_config(web.app, "127.0.0.1", port))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    servers: list = []
    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(5)


def login(base: str, email: str, password: str, forwarded: str | None = None) -> int:
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        token = csrf_of(client.get("/login").text)
        headers = {"X-Forwarded-For": forwarded} if forwarded else {}
        return client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token, "next": "/"},
                           headers=headers).status_code


def test_no_proxy_is_trusted_by_default():
    assert proxy_options({}) == {"proxy_headers": False, "forwarded_allow_ips": ""}
    assert proxy_options({"FORWARDED_ALLOW_IPS": " 10.0.0.5, 127.0.0.1 "}) == \
        {"proxy_headers": True, "forwarded_allow_ips": "10.0.0.5,127.0.0.1"}


def test_rotating_x_forwarded_for_does_not_escape_the_limit(web, served):
    base = served(None)
    victims = [web.user("staff") for _ in range(6)]  # a different e-mail each time
    codes = [login(base, v.email, "salah-sekali-123", f"203.0.113.{i}")
             for i, v in enumerate(victims)]
    assert codes == [401] * 5 + [429]  # all counted against the one real address


def test_a_configured_proxy_is_believed(web, served):
    base = served("127.0.0.1")
    victims = [web.user("staff") for _ in range(6)]
    codes = [login(base, v.email, "salah-sekali-123", f"203.0.113.{i}")
             for i, v in enumerate(victims)]
    assert codes == [401] * 6  # each its own address, as the proxy says


def test_ones_own_sign_in_does_not_reset_the_address(web):
    from outreach.web.security import LoginLimiter

    limiter = LoginLimiter("secret", attempts=5)
    with web.session() as s:
        for i in range(5):
            limiter.failed(s, "198.51.100.7", f"korban{i}@perpustakaan.test")
        limiter.succeeded(s, "198.51.100.7", "penyerang@perpustakaan.test")
        s.commit()
        assert limiter.retry_after(s, "198.51.100.7", "lain@perpustakaan.test") > 0
        # The victim, who mistyped elsewhere and then signs in from home, clears only that.
        limiter.failed(s, "192.0.2.1", "guru@perpustakaan.test")
        limiter.succeeded(s, "192.0.2.1", "guru@perpustakaan.test")
        s.commit()
        assert limiter.retry_after(s, "198.51.100.7", "lain@perpustakaan.test") > 0
        assert limiter.retry_after(s, "192.0.2.1", "guru@perpustakaan.test") == 0
