"""Instagram through instagrapi, the unofficial private API, against the sandbox: instagrapi's own
Client over real HTTP (its sessions routed by BaseURLAdapter), nothing reaching the internet.
The outcomes shared with every platform are in test_platform_contract.py; here: what is
particular to this backend."""

from __future__ import annotations

import base64
import builtins
import json
import os
import socket
import subprocess
import sys

import pytest
import requests
from platform_kit import delivery, fault, instagrapi_session, jpeg, make_client

from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.http import BaseURLAdapter
from outreach.platforms.instagram_private import backend as instagram_private
from outreach.sandbox.instagram_private_login import TOTP_SEED, user_pk

pytest.importorskip("instagrapi")
LOCAL = {"127.0.0.1", "localhost", "::1"}


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Every connection this test tries must be to this machine (the sandbox, the media
    server): a request that escapes the adapter towards Instagram fails the test."""
    escaped: list[str] = []
    real_lookup, real_connect = socket.getaddrinfo, socket.socket.connect

    def lookup(host, *args, **kwargs):
        if host not in LOCAL:
            escaped.append(str(host))
            raise socket.gaierror(f"the test blocks {host}")
        return real_lookup(host, *args, **kwargs)

    def connect(sock, address):
        if isinstance(address, tuple) and address[0] not in LOCAL:
            escaped.append(str(address[0]))
            raise OSError(f"the test blocks {address[0]}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    monkeypatch.setattr(socket.socket, "connect", connect)
    instagram_private._RENEWED.clear()
    yield escaped
    assert escaped == [], f"requests escaped the adapter to {escaped}"


@pytest.fixture
def ig(instagram_private_env):
    return make_client("instagram", backend="private")


def posted(sandbox, text: str) -> list[dict]:
    return [p for p in sandbox.state()["instagram"] if p["text"] == text]


def test_photo_and_album_go_out_with_their_alt_text(instagram_private_env, ig, tmp_path):
    one = delivery("instagram", "Buku baru: Laskar Pelangi #BukuBaru",
                   media=[jpeg(tmp_path, "a.jpg", (1080, 1350))], alt_text=["Sampul biru"])
    published = ig.publish(one)
    [post] = posted(instagram_private_env, one.text)
    assert post["id"] == published.remote_id and post["alt_text"] == ["Sampul biru"]
    assert post["extra"]["backend"] == "private" and post["extra"]["media_type"] == "IMAGE"
    assert published.remote_url == f"https://www.instagram.com/p/{post['extra']['code']}/"
    image = requests.get(f"{instagram_private_env.url}/_sandbox/media/{post['media'][0]}")
    assert image.content[:3] == b"\xff\xd8\xff"

    images = [jpeg(tmp_path, f"{n}.jpg", (1080, 1080), (40 * n, 90, 20)) for n in range(3)]
    album = delivery("instagram", "Tiga buku baru", media=images,
                     alt_text=["Sampul satu", "Sampul dua", "Sampul tiga"])
    [post] = posted(instagram_private_env, album.text) if ig.publish(album) else []
    assert post["alt_text"] == ["Sampul satu", "Sampul dua", "Sampul tiga"]
    assert post["extra"]["media_type"] == "CAROUSEL_ALBUM"
    calls = instagram_private_env.state()["calls"]
    assert calls["instagram_private.upload_photo"] == 4
    assert calls["instagram_private.configure"] == calls["instagram_private.configure_sidecar"] == 1
    # The stored session named curl and a 1 s pause before every call; ours won.
    cl = ig.client
    assert cl.private_transport == "requests" and cl.request_timeout == 0
    for name in ("private", "public", "graphql"):
        adapters = getattr(cl, name).adapters
        assert all(isinstance(adapters[p], BaseURLAdapter) for p in ("https://", "http://"))


def test_the_public_web_fallback_goes_to_the_configured_address_too(instagram_private_env, ig,
                                                                      tmp_path, offline):
    """media_info() asks Instagram's public web when the private API fails: those requests
    reach the sandbox as well (and what the private API said is what counts)."""
    metrics = ig.fetch_metrics(["3500000000000999999"])  # no such post
    assert metrics == {}
    assert instagram_private_env.state()["calls"]["instagram_private.public_web"] >= 1
    assert offline == []


FAULTS = [
    # id, endpoint, fault, kind, code, words in the message
    ("challenge", "configure", {"detail": "challenge_required"}, ErrorKind.auth_expired,
     "challenge", "confirm"),
    ("action-blocked", "configure", {"detail": "feedback_required"}, ErrorKind.rate_limited,
     "feedback_required", "Action Blocked"),
    ("signed-out", "configure", {"detail": "login_required"}, ErrorKind.auth_expired,
     "login_required", "signed it out"),
    ("please-wait", "configure", {"status": 429}, ErrorKind.rate_limited, "rate_limited",
     "wait"),
    ("reupload", "configure", {"status": 400, "detail": "media_needs_reupload"},
     ErrorKind.transient, "reupload", "uploaded again"),
    ("request-timeout", "configure", {"status": 408}, ErrorKind.unknown_outcome, None,
     "looked for"),
    ("upload-server-error", "upload_photo", {"status": 500}, ErrorKind.transient, "500",
     "tried again"),
    ("upload-unauthorized", "upload_photo", {"status": 401}, ErrorKind.auth_expired,
     "login_required", "new session"),
    ("album-server-error", "configure_sidecar", {"status": 502}, ErrorKind.unknown_outcome,
     "502", "looked for"),
]


@pytest.mark.parametrize(("endpoint", "spec", "kind", "code", "words"),
                         [pytest.param(*case[1:], id=case[0]) for case in FAULTS])
def test_every_instagram_error_has_its_kind(instagram_private_env, ig, tmp_path, endpoint,
                                            spec, kind, code, words):
    media = [jpeg(tmp_path, "a.jpg")] + ([jpeg(tmp_path, "b.jpg")] if "sidecar" in endpoint
                                         else [])
    d = delivery("instagram", "Jam buka Ramadan", media=media, alt_text=["x"] * len(media))
    fault(instagram_private_env, endpoint=f"instagram_private.{endpoint}", mode="status", **spec)
    with pytest.raises(PublishError) as caught:
        ig.publish(d)
    error = caught.value
    assert (error.kind, error.code) == (kind, code), error.message
    assert words in error.message and "\n" not in error.message
    if kind == ErrorKind.rate_limited:
        assert error.retry_after == (86400 if code == "feedback_required" else 900)
    calls = instagram_private_env.state()["calls"]
    # Never sent again: instagrapi's wait-and-resend (60 s) is off.
    assert calls.get(f"instagram_private.{endpoint}") == 1
    assert posted(instagram_private_env, d.text) == []


@pytest.mark.parametrize(("session", "code"), [("challenge", "challenge"),
                                               ("expired", "login_required")])
def test_a_challenge_or_an_ended_session_holds_the_account(instagram_private_env, monkeypatch,
                                                           tmp_path, session, code):
    def no_prompt(*args):
        raise AssertionError("instagrapi asked for input()")

    monkeypatch.setattr(builtins, "input", no_prompt)
    monkeypatch.setenv("OUTREACH_INSTAGRAM_SESSION",
                       instagrapi_session("41700000123", f"{session}Session0123456789abcdef"))
    with pytest.raises(PublishError) as caught:
        make_client("instagram", backend="private").publish(
            delivery("instagram", "Tidak terbit", media=[jpeg(tmp_path)], alt_text=["x"]))
    assert caught.value.kind == ErrorKind.auth_expired and caught.value.code == code
    assert "new session" in caught.value.message
    assert instagram_private_env.state()["instagram"] == []


@pytest.fixture
def renewable_env(instagram_private_env, monkeypatch):
    """A signed-out session of a sandbox account with two-factor authentication, with the
    password and the authenticator's TOTP seed stored."""
    monkeypatch.setenv("OUTREACH_INSTAGRAM_USERNAME", "perpus_2fa")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_SESSION", instagrapi_session(
        user_pk("perpus_2fa"), "expiredSessionAbcdefghijklmnop"))
    monkeypatch.setenv("OUTREACH_INSTAGRAM_PASSWORD", "kata-sandi-perpus-2026")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_TOTP_SEED", TOTP_SEED)
    return instagram_private_env


def test_an_ended_session_is_renewed_with_the_password_and_totp(renewable_env, tmp_path):
    client = make_client("instagram", backend="private")
    d = delivery("instagram", "Sesi diperbarui", media=[jpeg(tmp_path)], alt_text=["x"])
    published = client.publish(d)
    [post] = posted(renewable_env, d.text)
    assert post["id"] == published.remote_id and post["account"] == user_pk("perpus_2fa")
    calls = renewable_env.state()["calls"]
    assert calls["instagram_private.login"] == calls["instagram_private.two_factor_login"] == 1
    renewed = json.loads(client.refreshed_session)  # for the caller to store, encrypted
    assert not renewed["authorization_data"]["sessionid"].startswith("expired")
    # A later client of this process starts from the renewed session: no second sign-in.
    make_client("instagram", backend="private").publish(
        delivery("instagram", "Kedua", media=[jpeg(tmp_path)], alt_text=["x"]))
    assert renewable_env.state()["calls"]["instagram_private.login"] == 1


@pytest.mark.parametrize(("password", "seed", "code"), [
    ("kata-sandi", "GEZDGNBVGY3TQOJQ", "login_failed"),  # a seed of another authenticator
    ("wrong-password", TOTP_SEED, "login_failed"),
    (None, None, "login_required"),  # nothing stored to renew with
])
def test_a_renewal_that_fails_is_explained(renewable_env, monkeypatch, tmp_path, password, seed,
                                           code):
    for name, value in (("PASSWORD", password), ("TOTP_SEED", seed)):
        if value is None:
            monkeypatch.delenv(f"OUTREACH_INSTAGRAM_{name}")
        else:
            monkeypatch.setenv(f"OUTREACH_INSTAGRAM_{name}", value)
    with pytest.raises(PublishError) as caught:
        make_client("instagram", backend="private").publish(
            delivery("instagram", "Gagal masuk", media=[jpeg(tmp_path)], alt_text=["x"]))
    assert caught.value.kind == ErrorKind.auth_expired and caught.value.code == code
    assert "new session" in caught.value.message
    for secret in (password, seed):
        assert not secret or secret not in caught.value.message


def test_metrics_are_read_fresh_each_time(instagram_private_env, ig, tmp_path):
    remote = ig.publish(delivery("instagram", "Metrik", media=[jpeg(tmp_path)],
                                 alt_text=["x"])).remote_id
    clock = f"{instagram_private_env.url}/_sandbox/clock"
    requests.post(clock, json={"advance": 3600, "frozen": True}).raise_for_status()
    first = ig.fetch_metrics([remote])[remote]
    requests.post(clock, json={"advance": 12 * 3600}).raise_for_status()
    later = ig.fetch_metrics([remote])[remote]  # the same client: instagrapi's cache is off
    assert later["likes"] > first["likes"] >= 0 and later["comments"] >= first["comments"]
    assert later["reach"] is later["saves"] is later["clicks"] is None
    assert instagram_private_env.state()["calls"]["instagram_private.media_info"] == 2


def test_a_metrics_refusal_is_what_the_private_api_said(instagram_private_env, ig, tmp_path):
    """media_info() then tries the public web (refused: 401); the private API's 429 counts."""
    remote = ig.publish(delivery("instagram", "Metrik 429", media=[jpeg(tmp_path)],
                                 alt_text=["x"])).remote_id
    fault(instagram_private_env, endpoint="instagram_private.media_info", mode="rate_limit")
    with pytest.raises(PublishError) as caught:
        ig.fetch_metrics([remote])
    assert caught.value.kind == ErrorKind.rate_limited and caught.value.retry_after == 900
    assert instagram_private_env.state()["calls"]["instagram_private.public_web"] >= 1


def test_a_session_that_is_not_instagrapi_json_is_refused_plainly(instagram_private_env,
                                                                   monkeypatch):
    monkeypatch.setenv("OUTREACH_INSTAGRAM_SESSION", "sessionid=41700000123%3Asecretsecret")
    with pytest.raises(PublishError) as caught:
        make_client("instagram", backend="private")
    assert caught.value.kind == ErrorKind.auth_expired and caught.value.code == "bad_session"
    assert "secretsecret" not in caught.value.message


def test_without_the_instagrapi_extra_nothing_else_breaks(tmp_path):
    """instagrapi missing: `outreach.platforms` imports, other platforms work, and the account
    is held with a plain explanation (no ImportError)."""
    script = """
import json, sys
sys.modules["instagrapi"] = None  # as if the extra were not installed
from outreach.config import load_settings
from outreach.models import Account
from outreach.platforms import PublishError, client_for, platform_class
platform_class("x")
settings = load_settings(instagram_username="perpus", instagram_session="{}")
account = Account(id=1, platform="instagram", external_id="@perpus", name="ig", source="env",
                  backend="private")
try:
    client_for(account, settings)
except PublishError as exc:
    print(json.dumps({"kind": exc.kind.value, "message": exc.message}))
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["kind"] == "auth_expired" and "instagrapi extra" in answer["message"]


def test_the_sandbox_page_marks_the_post_unofficial(instagram_private_env, ig, tmp_path):
    ig.publish(delivery("instagram", "Lewat API privat", media=[jpeg(tmp_path)],
                        alt_text=["Sampul"]))
    page = requests.get(f"{instagram_private_env.url}/instagram").text
    assert "tidak resmi" in page and "unofficial" in page and "Lewat API privat" in page


def session_secrets(raw: str) -> list[str]:
    data = json.loads(raw)
    auth = data["authorization_data"]
    header = base64.b64encode(json.dumps(auth).encode()).decode()
    return [auth["sessionid"], data["cookies"]["csrftoken"], header[:40], raw]


def test_publish_due_with_the_unofficial_backend_and_no_secret_anywhere(
        renewable_env, db_url, monkeypatch, tmp_path, caplog):
    """`outreach post` + `publish-due --once` through the dispatcher: the account row chooses
    instagrapi, the platform is still `instagram`; the session is renewed with the password and
    TOTP code; a challenge holds the account. No session, password or seed is printed or
    logged, even at DEBUG."""
    import logging

    from sqlmodel import Session, select
    from typer.testing import CliRunner

    from outreach.cli import app
    from outreach.db import get_engine
    from outreach.models import Account
    from outreach.platforms.instagram_private.backend import InstagramPrivatePlatform

    for name in ("OUTREACH_INSTAGRAM_USER_ID", "OUTREACH_INSTAGRAM_ACCESS_TOKEN"):
        monkeypatch.delenv(name)  # the only Instagram account is the unofficial one
    monkeypatch.setattr(InstagramPrivatePlatform, "configure_delay", 0)
    monkeypatch.setattr(InstagramPrivatePlatform, "request_delay", None)
    monkeypatch.setenv("OUTREACH_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    runner = CliRunner()
    cover = jpeg(tmp_path, "sampul.jpg", (1080, 1350))

    def post(text: str) -> None:
        result = runner.invoke(app, ["post", "--platform", "instagram", "--text", text,
                                     "--image", cover, "--alt", "Sampul buku baru"])
        assert result.exit_code == 0, result.output

    # A security check ("challenge") on publishing: held, the account flagged, a person told.
    fault(renewable_env, endpoint="instagram_private.configure", mode="status",
          detail="challenge_required")
    post("Ditahan")
    failing = runner.invoke(app, ["publish-due", "--once"])
    [held] = json.loads(runner.invoke(app, ["queue", "--json"]).stdout)
    assert held["status"] == "held" and "confirm" in held["last_error"], held
    with Session(get_engine(db_url)) as session:
        [account] = session.exec(select(Account).where(Account.platform == "instagram")).all()
        assert account.backend == "private" and account.external_id == user_pk("perpus_2fa")
        assert account.health == "needs_reconnect"
        account.health = "ok"  # a person confirmed the sign-in in the app
        session.add(account)
        session.commit()

    post("Koleksi baru lewat instagrapi")
    published = runner.invoke(app, ["publish-due", "--once"])
    assert published.exit_code == 0, published.output
    queue_json = runner.invoke(app, ["queue", "--json"]).stdout
    [done] = [d for d in json.loads(queue_json) if d["text"] == "Koleksi baru lewat instagrapi"]
    assert (done["platform"], done["status"]) == ("instagram", "published")
    [remote] = renewable_env.state()["instagram"]
    assert remote["id"] == done["remote_id"] and remote["alt_text"] == ["Sampul buku baru"]
    # Signed in again once (password + TOTP), on the first attempt; the second reused it.
    assert renewable_env.state()["calls"]["instagram_private.login"] == 1

    seen = "\n".join([published.output, failing.output, queue_json, caplog.text])
    stored = os.environ["OUTREACH_INSTAGRAM_SESSION"]
    for secret in [*session_secrets(stored), os.environ["OUTREACH_INSTAGRAM_PASSWORD"],
                   os.environ["OUTREACH_INSTAGRAM_TOTP_SEED"]]:
        assert secret not in seen
    assert "instagram-private/api/v1/media/configure" in caplog.text  # DEBUG logs were on
    assert [line for line in seen.splitlines() if "IGT:2:" in line] == []


def test_a_first_session_is_made_by_signing_in_once(instagram_private_env, monkeypatch, capsys,
                                                    tmp_path):
    """The IT person's one-time step, rehearsed on the sandbox: sign in (password from stdin,
    the two-factor code computed from the TOTP seed), store the printed session, publish."""
    import io

    from outreach.platforms.instagram_private.login import main

    monkeypatch.setenv("OUTREACH_INSTAGRAM_TOTP_SEED", TOTP_SEED)
    monkeypatch.setattr(sys, "stdin", io.StringIO("wrong-kata-sandi\n"))
    assert main(["perpus_2fa"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Sign-in failed" in err and "incorrect" in err
    assert "wrong-kata-sandi" not in err and "Traceback" not in err

    monkeypatch.setattr(sys, "stdin", io.StringIO("kata-sandi-perpus\n"))
    assert main(["@perpus_2fa"]) == 0
    out, err = capsys.readouterr()
    session = out.strip()
    assert json.loads(session)["authorization_data"]["ds_user_id"] == user_pk("perpus_2fa")
    assert "kata-sandi-perpus" not in out + err
    monkeypatch.setenv("OUTREACH_INSTAGRAM_USERNAME", "perpus_2fa")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_SESSION", session)
    assert make_client("instagram", backend="private").publish(
        delivery("instagram", "Sesi pertama", media=[jpeg(tmp_path)], alt_text=["x"])).remote_id


def test_each_account_says_how_instagram_is_reached(instagram_private_env, db_url):
    """Graph API and instagrapi accounts side by side: both are `instagram`; the row's
    `backend` chooses the client."""
    from sqlmodel import Session, select

    from outreach.config import get_settings
    from outreach.db import get_engine
    from outreach.models import Account
    from outreach.platforms import client_for, sync_env_accounts
    from outreach.platforms.instagram import InstagramPlatform
    from outreach.platforms.instagram_private.backend import InstagramPrivatePlatform

    settings = get_settings()
    with Session(get_engine(db_url)) as session:
        sync_env_accounts(session, settings)
        sync_env_accounts(session, settings)  # harmless to repeat
        session.commit()
        rows = session.exec(select(Account).where(Account.platform == "instagram")
                            .order_by(Account.id)).all()
        assert [(a.backend, a.source) for a in rows] == [(None, "env"), ("private", "env")]
        assert "tidak resmi" in rows[1].name and rows[1].credentials_encrypted is None
        graph, private = (client_for(a, settings) for a in rows)
    assert type(graph) is InstagramPlatform and type(private) is InstagramPrivatePlatform
    assert private.name == "instagram" and private.unofficial and not graph.unofficial
