"""Shared fixtures: a real SQLite file database per test, the platform sandbox on a free port, and
an optional real PostgreSQL server (OUTREACH_TEST_POSTGRES_URL; CI starts one)."""

from __future__ import annotations

import os
import time
import uuid

import pytest

from outreach.db import dispose_engines, init_db


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    """Each test starts from the embedded defaults, never from the developer's .env."""
    for key in list(os.environ):
        if key.startswith("OUTREACH_") and key != "OUTREACH_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    yield
    dispose_engines()


@pytest.fixture(scope="session")
def shared_samples():
    """The team's sample files (SLiMS dump, OAI-PMH pages) kept beside the repository, which a
    clone on its own does not have: tests that read them skip there, never fail to collect.
    Session-scoped so that Hypothesis tests may use it."""
    from sources_kit import SAMPLES

    if not SAMPLES.is_dir():
        pytest.skip("team samples ../shared/samples not present")
    return SAMPLES


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'outreach.db'}"
    monkeypatch.setenv("OUTREACH_DATABASE_URL", url)
    init_db(url)
    return url


@pytest.fixture(scope="session")
def sandbox():
    """The platform sandbox, served over real HTTP on a free loopback port."""
    from outreach.sandbox.server import SandboxServer

    server = SandboxServer(seed=7)
    server.start("127.0.0.1", 0)
    yield server
    server.stop()


@pytest.fixture
def sandbox_env(sandbox, monkeypatch):
    """Point every platform at the sandbox, with sandbox credentials for an X account."""
    sandbox.reset()
    # What the clients learnt about metrics Meta "withdrew" belongs to the sandbox just reset.
    from outreach.platforms.facebook import FacebookPlatform
    from outreach.platforms.instagram import InstagramPlatform

    FacebookPlatform.withdrawn_metrics.clear()
    InstagramPlatform.withdrawn_metrics.clear()
    monkeypatch.setenv("OUTREACH_X_API_URL", sandbox.url + "/x")
    monkeypatch.setenv("OUTREACH_GRAPH_API_URL", sandbox.url + "/graph")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_PRIVATE_API_URL", sandbox.url + "/instagram-private")
    monkeypatch.setenv("OUTREACH_X_CONSUMER_KEY", "sandbox-consumer-key")
    monkeypatch.setenv("OUTREACH_X_CONSUMER_SECRET", "sandbox-consumer-secret-" + uuid.uuid4().hex)
    monkeypatch.setenv("OUTREACH_X_ACCESS_TOKEN", "1500-sandbox-access-token")
    monkeypatch.setenv("OUTREACH_X_ACCESS_TOKEN_SECRET", "sandbox-token-secret-" + uuid.uuid4().hex)
    monkeypatch.setenv("OUTREACH_FACEBOOK_PAGE_ID", "104857600123")
    monkeypatch.setenv("OUTREACH_FACEBOOK_PAGE_TOKEN", "EAAsandboxpage" + uuid.uuid4().hex)
    monkeypatch.setenv("OUTREACH_INSTAGRAM_USER_ID", "17841400000000123")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_ACCESS_TOKEN", "EAAsandboxig" + uuid.uuid4().hex)
    return sandbox


@pytest.fixture
def instagram_private_env(sandbox_env, monkeypatch):
    """An Instagram account on the unofficial private API (instagrapi), on the sandbox: the
    username and a stored session (not added to `sandbox_env`: planning would post twice)."""
    pytest.importorskip("instagrapi")
    from platform_kit import instagrapi_session

    monkeypatch.setenv("OUTREACH_INSTAGRAM_USERNAME", "perpuskotabontang")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_SESSION", instagrapi_session("41700000123"))
    return sandbox_env


@pytest.fixture
def media_server(db_url, tmp_path, monkeypatch):
    """The service's own web app (which serves /media/{token}/{name}) over real HTTP, with
    OUTREACH_PUBLIC_BASE_URL pointing at it: Instagram (the sandbox) fetches images from it."""
    import socket
    import threading
    import time

    import uvicorn

    from outreach.config import load_settings
    from outreach.web.app import create_app

    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    monkeypatch.setenv("OUTREACH_PUBLIC_BASE_URL", url)
    server = uvicorn.Server(uvicorn.Config(create_app(load_settings()), log_level="warning",
                                           lifespan="off", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield url
    server.should_exit = True
    thread.join(timeout=5)


def _postgres_url() -> str | None:
    return os.environ.get("OUTREACH_TEST_POSTGRES_URL")


@pytest.fixture
def pg_url(monkeypatch) -> str:
    """A fresh database on a real PostgreSQL server. Skips locally when none is configured or
    reachable; in CI (CI=true) an unreachable server is a failure, not a skip."""
    base = _postgres_url()
    in_ci = os.environ.get("CI") == "true"
    if not base:
        if in_ci:
            pytest.fail("CI must set OUTREACH_TEST_POSTGRES_URL (see .ci/run)")
        pytest.skip("no PostgreSQL server configured (OUTREACH_TEST_POSTGRES_URL)")
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    name = "outreach_t_" + uuid.uuid4().hex[:10]
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        if in_ci:
            raise
        pytest.skip(f"PostgreSQL not reachable: {exc.orig}")
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("OUTREACH_DATABASE_URL", url)
    yield url
    dispose_engines()
    # FORCE ends our own sessions, but not an autovacuum worker (another role) that may be in
    # the database for a moment: try again briefly, and leave a throwaway database rather than
    # fail the test over it.
    for _ in range(20):
        try:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            break
        except sa.exc.DBAPIError:
            time.sleep(0.25)
    admin.dispose()


@pytest.fixture
def fast_schedule(tmp_path, monkeypatch):
    """The shipped schedule with no spacing between posts, so tests can publish back to back."""
    import shutil

    from outreach.config import default_dir

    folder = tmp_path / "schedules"
    shutil.copytree(default_dir("schedules"), folder)
    (folder / "zz-test.yaml").write_text(
        "platforms:\n"
        "  x: {spacing_minutes: 0, max_per_day: 100000}\n"
        "  facebook: {spacing_minutes: 0, max_per_day: 100000}\n"
        "  instagram: {spacing_minutes: 0, max_per_day: 100000}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("OUTREACH_SCHEDULES_DIR", str(folder))
    return folder


@pytest.fixture
def web(db_url, monkeypatch):
    """The web app in-process on a real SQLite file; see tests/web_kit.py."""
    from web_kit import Web

    monkeypatch.setenv("OUTREACH_SECRET_KEY", "web-test-secret-" + uuid.uuid4().hex)
    return Web(db_url)


# Browser tests (tests/browser_kit.py): the app under uvicorn, Debian's chromium via Playwright.
@pytest.fixture(scope="session")
def browser():
    from browser_kit import launch_browser

    with launch_browser() as launched:
        yield launched


@pytest.fixture
def live(db_url, sandbox_env, tmp_path, monkeypatch):
    """The web app over real HTTP on a free loopback port, platforms on the sandbox, media
    served at OUTREACH_PUBLIC_BASE_URL (this server)."""
    from browser_kit import LiveServer, bind_loopback

    from outreach.config import load_settings

    sock = bind_loopback()
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "browser-test-secret-" + uuid.uuid4().hex)
    monkeypatch.setenv("OUTREACH_PUBLIC_BASE_URL", f"http://127.0.0.1:{sock.getsockname()[1]}")
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    server = LiveServer(sock, load_settings())
    yield server
    server.stop()


@pytest.fixture
def open_page(browser, live):
    """Opens a page in a fresh browser context (its own cookies: one per person signed in)."""
    from browser_kit import new_page

    contexts = []

    def opener(lang: str = "id-ID"):
        page = new_page(browser, live.url, lang)
        contexts.append(page.context)
        return page

    yield opener
    for context in contexts:
        context.close()


# An S3-compatible object store: moto's server mode over real HTTP on a free loopback port.
@pytest.fixture(scope="session")
def moto_s3():
    pytest.importorskip("moto")
    from s3_kit import MotoS3

    server = MotoS3()
    yield server
    server.stop()


@pytest.fixture
def s3_env(moto_s3, db_url, tmp_path, monkeypatch):
    """OUTREACH_MEDIA_STORE=s3 on a fresh bucket of the moto server; no public base URL."""
    bucket = "outreach-" + uuid.uuid4().hex[:12]
    moto_s3.client().create_bucket(Bucket=bucket)
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    monkeypatch.setenv("OUTREACH_MEDIA_STORE", "s3")
    monkeypatch.setenv("OUTREACH_S3_BUCKET", bucket)
    monkeypatch.setenv("OUTREACH_S3_ENDPOINT_URL", moto_s3.url)
    monkeypatch.setenv("OUTREACH_S3_REGION", "us-east-1")
    monkeypatch.setenv("OUTREACH_S3_ACCESS_KEY_ID", moto_s3.key_id)
    monkeypatch.setenv("OUTREACH_S3_SECRET_ACCESS_KEY", moto_s3.secret)
    monkeypatch.setenv("OUTREACH_S3_PREFIX", "media/")
    return bucket


@pytest.fixture
def signin_env(sandbox_env, monkeypatch):
    """Signing in to connect accounts (desk/connect.py) through the sandbox's consent pages,
    with no account defined by OUTREACH_* credentials."""
    for name in ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET",
                 "FACEBOOK_PAGE_ID", "FACEBOOK_PAGE_TOKEN", "INSTAGRAM_USER_ID",
                 "INSTAGRAM_ACCESS_TOKEN"):
        monkeypatch.delenv(f"OUTREACH_{name}", raising=False)
    monkeypatch.setenv("OUTREACH_PUBLIC_BASE_URL", "http://testserver")
    monkeypatch.setenv("OUTREACH_X_CLIENT_ID", "sandbox-x-client")
    monkeypatch.setenv("OUTREACH_X_CLIENT_SECRET", "")
    monkeypatch.setenv("OUTREACH_X_AUTHORIZE_URL", sandbox_env.url + "/x/i/oauth2/authorize")
    monkeypatch.setenv("OUTREACH_META_APP_ID", "424242")
    monkeypatch.setenv("OUTREACH_META_APP_SECRET", "sandbox-meta-app-secret-0123456789")
    monkeypatch.setenv("OUTREACH_FACEBOOK_DIALOG_URL", sandbox_env.url + "/facebook")
    return sandbox_env


@pytest.fixture
def smtp_server(monkeypatch):
    """A real SMTP server (aiosmtpd) on a free loopback port; OUTREACH_SMTP_* point at it
    (plain SMTP, no STARTTLS: it is a local test server). See tests/mail_kit.py."""
    from mail_kit import SMTPServer

    server = SMTPServer()
    server.start()
    monkeypatch.setenv("OUTREACH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("OUTREACH_SMTP_PORT", str(server.port))
    monkeypatch.setenv("OUTREACH_SMTP_STARTTLS", "false")
    monkeypatch.setenv("OUTREACH_SMTP_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("OUTREACH_MAIL_FROM", "Perpustakaan Kota <outreach@perpustakaan.test>")
    monkeypatch.setenv("OUTREACH_PUBLIC_BASE_URL", "http://outreach.perpustakaan.test")
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "mail-test-secret-" + uuid.uuid4().hex)
    yield server
    server.stop()


@pytest.fixture
def mail(smtp_server):
    return smtp_server.inbox


@pytest.fixture
def pdf_engine():
    """WeasyPrint, which needs Pango (Debian's libpango, installed by .ci/run): without it the
    PDF tests skip on a person's machine and fail in CI, like the browser tests."""
    try:
        import weasyprint  # noqa: F401
    except OSError as exc:  # the Python package is there, the system library is not
        if os.environ.get("CI"):
            pytest.fail(f"WeasyPrint cannot load Pango ({exc}): CI must install libpango")
        pytest.skip("Pango not installed (apt-get install libpango-1.0-0 libpangoft2-1.0-0)")
