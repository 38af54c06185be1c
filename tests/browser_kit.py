"""Browser test kit: the real app under uvicorn on a loopback port (a real SQLite file, platforms
on the session sandbox), Debian's chromium driven by Playwright, axe-core scans and screenshots.

    def test_x(live, open_page):
        page = open_page()                      # a fresh browser context (own cookies)
        login(page, live.user("staff").email)
        page.goto(live.url + "/queue")
        axe_check(page, "queue")                # fails on any serious/critical violation
        shot(page, "queue", phone=True)         # tests/screenshots/queue.png (+ -phone.png)

Playwright cannot download browsers here, so it launches /usr/bin/chromium (the Debian package,
installed by .ci/run). Without it the browser tests skip locally and fail in CI.
"""

from __future__ import annotations

import io
import os
import re
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlmodel import Session

from outreach.config import Settings
from outreach.db import get_engine
from outreach.desk.users import create_user
from outreach.models import User

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "kata-sandi-uji-2026"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TESTS = Path(__file__).resolve().parent
SHOTS = TESTS / "screenshots"  # git-ignored
DOCS_IMG = TESTS.parent / "docs" / "img"
# `UPDATE_DOCS_SHOTS=1 pytest tests/test_browser.py` refreshes the guide's pictures in docs/img/
# (not an OUTREACH_ variable: the autouse fixture clears those before every test).
UPDATE_DOCS = os.environ.get("UPDATE_DOCS_SHOTS") == "1"
BLOCKING = ("serious", "critical")


class LiveServer:
    """`create_app(settings)` served by uvicorn in a thread, on a socket bound before the app is
    built, so OUTREACH_PUBLIC_BASE_URL can name the port (Instagram fetches media from it)."""

    def __init__(self, sock: socket.socket, settings: Settings) -> None:
        import uvicorn

        from outreach.web.app import create_app

        self.settings = settings
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        self.app = create_app(settings)
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning",
                                                     lifespan="off", access_log=False))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]},
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the web app did not start under uvicorn")
            time.sleep(0.01)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def session(self) -> Session:
        return Session(get_engine(self.settings.database_url), expire_on_commit=False)

    def user(self, role: str, email: str | None = None, name: str | None = None) -> User:
        email = email or f"{role}-{secrets.token_hex(3)}@perpustakaan.test"
        with self.session() as s:
            user = create_user(s, email, role, PASSWORD, name=name)
            s.commit()
            s.refresh(user)
            return user


def bind_loopback() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def launch_browser():
    """Debian's chromium under Playwright, headless; skips (locally) or fails (CI=true) when the
    browser or Playwright is missing."""
    in_ci = os.environ.get("CI") == "true"
    if not Path(CHROMIUM).exists():
        if in_ci:
            pytest.fail(f"{CHROMIUM} is missing: CI must install the Debian package chromium")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium) — browser tests skipped")
    if in_ci:
        from playwright.sync_api import sync_playwright
    else:
        sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Problems:
    """What the browser itself complained about on a page: script errors and console errors
    (a Content-Security-Policy refusal of an inline script or style shows up here)."""

    def __init__(self, page) -> None:
        self.messages: list[str] = []
        page.on("pageerror", lambda exc: self.messages.append(f"script error: {exc}"))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, message) -> None:
        if message.type == "error" and "/favicon.ico" not in str(message.location):
            # A page without <link rel=icon> (a standalone report) makes the browser ask for
            # /favicon.ico on its own; that 404 is not the page's fault.
            where = message.location.get("url") if message.location else None
            self.messages.append(f"console: {message.text}" + (f" ({where})" if where else ""))

    def _response(self, response) -> None:
        # The console's "Failed to load resource" does not name the resource; this does.
        if response.status >= 400 and response.request.resource_type != "document":
            self.messages.append(f"HTTP {response.status}: {response.url}")

    def take(self) -> list[str]:
        found, self.messages = self.messages, []
        return found


def new_page(browser, base_url: str, lang: str = "id-ID"):
    context = browser.new_context(base_url=base_url, viewport=DESKTOP, locale=lang,
                                  timezone_id="Asia/Makassar")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.problems = Problems(page)  # type: ignore[attr-defined]
    return page


def login(page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a person does, and land on the home page."""
    page.goto("/login")
    page.locator("#f-email").fill(email)
    page.locator("#f-password").fill(password)
    page.locator("form[action='/login'] button[type=submit]").click()
    page.wait_for_load_state()
    if "/login" in page.url:
        raise AssertionError(f"sign-in as {email} failed: {page.locator('main').inner_text()}")


def set_language(page, code: str) -> None:
    """Press the header's language button (ID / EN): the same page comes back translated."""
    page.locator(f"form.lang button[value='{code}']").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == code


def axe_findings(page, name: str) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each:
    page, rule, impact, the elements (CSS targets) and axe's summary of the first one."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines = []
    for v in results.response["violations"]:
        if v.get("impact") not in BLOCKING:
            continue
        targets = ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:8])
        more = f" (+{len(v['nodes']) - 8} more)" if len(v["nodes"]) > 8 else ""
        summary = re.sub(r"\s+", " ", v["nodes"][0].get("failureSummary", ""))[:200]
        lines.append(f"{name} [{page.url}]: {v['id']} ({v['impact']}) on {targets}{more}"
                     f" — {v['help']}. {summary}")
    return lines


def axe_check(page, name: str) -> None:
    found = axe_findings(page, name)
    assert not found, "accessibility violations:\n" + "\n".join(found)


def _first_screen(page) -> bytes:
    """What a person sees on opening the page: the viewport, scrolled to the top."""
    page.evaluate("window.scrollTo(0, 0)")
    return page.screenshot()


def _small_png(data: bytes) -> bytes:
    """A screenshot for the guide, reduced to a palette PNG (a few dozen KB, still crisp)."""
    from PIL import Image

    image = Image.open(io.BytesIO(data)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def shot(page, name: str, *, phone: bool = False, docs: str = "") -> Path:
    """Full-page PNG in tests/screenshots/NAME.png and, with `phone`, NAME-phone.png at 390×844.

    `docs` ("desktop", "phone" or "both") marks a picture docs/panduan-staf.md uses: with
    UPDATE_DOCS_SHOTS=1 what a person sees first (the viewport) is also written to docs/img/,
    reduced to a small palette PNG."""
    SHOTS.mkdir(exist_ok=True)
    target = SHOTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    if UPDATE_DOCS and docs in ("desktop", "both"):
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        (DOCS_IMG / f"{name}.png").write_bytes(_small_png(_first_screen(page)))
    if phone or docs in ("phone", "both"):
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        try:
            page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
            if UPDATE_DOCS and docs in ("phone", "both"):
                DOCS_IMG.mkdir(parents=True, exist_ok=True)
                (DOCS_IMG / f"{name}-phone.png").write_bytes(_small_png(_first_screen(page)))
        finally:
            page.set_viewport_size(size)
    return target


def no_horizontal_scroll(page) -> bool:
    """True when the page fits the viewport's width (tables scroll inside .table-wrap)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
