"""XPlatform against the sandbox, through the real tweepy client over real HTTP."""

from __future__ import annotations

import logging
import os
import socket
import time
from urllib.parse import unquote

import pytest
import requests
from oauthlib.oauth1 import Client as OAuthClient
from platform_kit import jpeg

from outreach.config import load_settings
from outreach.models import Account, Delivery, utcnow
from outreach.platforms import client_for
from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.x import XPlatform, weighted_length
from outreach.platforms.x.errors import retry_after as _retry_after

FAST = (2.0, 0.4)  # (connect, read): the timeout fault hangs longer than this


def make_x(timeout=FAST, **overrides) -> XPlatform:
    settings = load_settings(**overrides)
    external_id, name, credentials = XPlatform.env_account(settings)
    account = Account(id=1, platform="x", external_id=external_id, name=name, source="env")
    return XPlatform(account, credentials, settings, timeout=timeout)


def delivery(text: str = "Buku baru di Perpustakaan Kota Bontang", **kw) -> Delivery:
    return Delivery(id=1, post_id=1, account_id=1, platform="x", text=text,
                    scheduled_at=utcnow(), **kw)


def fault(sandbox, **spec) -> None:
    answer = requests.post(f"{sandbox.url}/_sandbox/faults", json=spec)
    assert answer.status_code == 201, answer.text


@pytest.fixture
def x(sandbox_env) -> XPlatform:
    return make_x()


# -- publish: one table, every outcome ----------------------------------------------------------
CASES = [
    # id, fault on x.create_tweet, publish the same text first?, kind, code, posts on X after
    ("success", None, False, None, None, 1),
    ("latency", {"mode": "latency", "ms": 50}, False, None, None, 1),
    ("401", {"mode": "status", "status": 401}, False, ErrorKind.auth_expired, None, 0),
    ("402-credits", {"mode": "status", "status": 402}, False, ErrorKind.out_of_credits,
     "credits", 0),
    ("403-duplicate", None, True, ErrorKind.rejected, "duplicate", 1),
    ("403-read-only-app", {"mode": "status", "status": 403, "detail": "Your client app is not "
     "configured with the appropriate oauth1 app permissions for this endpoint."}, False,
     ErrorKind.auth_expired, "permission", 0),
    ("403-other", {"mode": "status", "status": 403,
                   "detail": "You are not permitted to perform this action."}, False,
     ErrorKind.rejected, None, 0),
    ("400", {"mode": "status", "status": 400, "detail": "Invalid text"}, False,
     ErrorKind.rejected, None, 0),
    ("404", {"mode": "status", "status": 404}, False, ErrorKind.rejected, None, 0),
    ("429", {"mode": "rate_limit", "seconds": 120}, False, ErrorKind.rate_limited, None, 0),
    ("500", {"mode": "status", "status": 500}, False, ErrorKind.unknown_outcome, None, 0),
    ("503", {"mode": "status", "status": 503}, False, ErrorKind.unknown_outcome, None, 0),
    # The request was sent; the connection closed: it may have been posted.
    ("reset", {"mode": "reset"}, False, ErrorKind.unknown_outcome, None, 0),
    ("lost", {"mode": "lost"}, False, ErrorKind.unknown_outcome, None, 1),
    ("timeout", {"mode": "timeout", "seconds": 1.5}, False, ErrorKind.unknown_outcome, None, 0),
]


@pytest.mark.parametrize(
    ("spec", "first", "kind", "code", "posts"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_publish_outcomes(sandbox_env, x, spec, first, kind, code, posts):
    text = "Lokakarya menulis, Sabtu 09.00 WITA"
    if first:
        x.publish(delivery(text))
    if spec:
        fault(sandbox_env, endpoint="x.create_tweet", **spec)
    if kind is None:
        published = x.publish(delivery(text))
        assert published.remote_url == f"https://x.com/i/web/status/{published.remote_id}"
    else:
        with pytest.raises(PublishError) as caught:
            x.publish(delivery(text))
        error = caught.value
        assert error.kind == kind and error.code == code
        assert error.message and "\n" not in error.message
        if kind == ErrorKind.rejected and spec and spec.get("detail"):
            assert spec["detail"] in error.message  # the platform's words reach staff
        if kind == ErrorKind.rate_limited:
            assert 115 <= error.retry_after <= 121
    stored = [p for p in sandbox_env.state()["x"] if p["text"] == text]
    assert len(stored) == posts


def test_lost_answer_leaves_a_post_to_reconcile(sandbox_env, x):
    fault(sandbox_env, endpoint="x.create_tweet", mode="lost")
    with pytest.raises(PublishError) as caught:
        x.publish(delivery("Hilang di jalan"))
    assert caught.value.kind == ErrorKind.unknown_outcome
    [stored] = sandbox_env.state()["x"]
    assert stored["text"] == "Hilang di jalan" and stored["account"] == "1500"


def test_connection_refused_is_transient(sandbox_env):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    x = make_x(x_api_url=f"http://127.0.0.1:{port}/x")
    with pytest.raises(PublishError) as caught:
        x.publish(delivery())
    assert caught.value.kind == ErrorKind.transient


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, 60),  # a 429 from a proxy, without X's headers
        ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": "{past}"}, 1),
        ({"x-rate-limit-remaining": "0", "x-rate-limit-reset": "{in_300}"}, 300),
        # The 24-hour user cap ran out while the 15-minute window still had room.
        ({"x-rate-limit-remaining": "40", "x-rate-limit-reset": "{in_300}",
          "x-user-limit-24hour-remaining": "0", "x-user-limit-24hour-reset": "{in_7200}"}, 7200),
    ],
)
def test_retry_after(headers, expected):
    now = time.time()
    values = {"past": int(now - 10), "in_300": int(now + 300), "in_7200": int(now + 7200)}
    filled = {k: v.format(**values) for k, v in headers.items()}
    assert _retry_after(filled) == pytest.approx(expected, abs=2)


def test_bad_media_and_overlong_text_are_refused_before_any_call(sandbox_env, x, tmp_path):
    not_an_image = tmp_path / "catatan.jpg"
    not_an_image.write_text("bukan gambar")
    for bad in (delivery(media=["/tmp/tidak-ada.jpg"], alt_text=["Sampul"]),
                delivery(media=[str(not_an_image)], alt_text=["Sampul"]),
                delivery("字" * 141), delivery(""),
                delivery("Satu\n---\n" + "字" * 141)):
        with pytest.raises(PublishError) as caught:
            x.publish(bad)
        assert caught.value.kind == ErrorKind.rejected
    assert sandbox_env.state()["calls"] == {}


@pytest.mark.parametrize("chunked", [False, True], ids=["one-shot", "chunked"])
def test_images_with_alt_text(sandbox_env, x, tmp_path, chunked):
    first, second = jpeg(tmp_path, "a.jpg"), jpeg(tmp_path, "b.png", (800, 600), fmt="PNG")
    if chunked:
        x.one_shot_max, x.segment_size = 1000, 4096  # force segments for these small files
    published = x.publish(delivery("Dua sampul", media=[first, second],
                                   alt_text=["Sampul depan", "Sampul belakang"]))
    [stored] = sandbox_env.state()["x"]
    assert stored["id"] == published.remote_id
    assert stored["alt_text"] == ["Sampul depan", "Sampul belakang"]
    calls = sandbox_env.state()["calls"]
    assert calls["x.media_metadata"] == 2
    if chunked:  # initialize, one append per 4 KiB segment, finalize; for each image
        sizes = [os.path.getsize(f) for f in (first, second)]
        assert calls["x.media_upload"] == sum(2 + -(-size // 4096) for size in sizes)
    else:
        assert calls["x.media_upload"] == 2
    body = requests.get(f"{sandbox_env.url}/_sandbox/media/{stored['media'][1]}")
    assert body.content[:4] == b"\x89PNG"


def test_failed_upload_posts_nothing_and_is_retryable(sandbox_env, x, tmp_path):
    fault(sandbox_env, endpoint="x.media_upload", mode="status", status=503)
    with pytest.raises(PublishError) as caught:
        x.publish(delivery("Dengan gambar", media=[jpeg(tmp_path)], alt_text=["Sampul"]))
    assert caught.value.kind == ErrorKind.transient  # an upload shows nobody anything
    assert sandbox_env.state()["x"] == []


def test_thread_by_replying_and_resuming(sandbox_env, x):
    d = delivery("Bagian satu\n---\nBagian dua\n---\nBagian tiga")
    limit = f"{sandbox_env.url}/_sandbox/limits"
    # Room for one post only: the first part goes out, the second meets X's 429.
    requests.post(limit, json={"endpoint": "x.create_tweet", "limit": 1})
    with pytest.raises(PublishError) as caught:
        x.publish(d)
    assert caught.value.kind == ErrorKind.rate_limited
    assert len(d.remote_extra["thread_ids"]) == 1  # kept on the delivery
    requests.post(limit, json={"endpoint": "x.create_tweet", "limit": 100})
    published = x.publish(d)  # the retry goes on where it stopped
    posts = {p["id"]: p for p in sandbox_env.state()["x"]}
    ids = published.extra["thread_ids"]
    assert len(posts) == 3 and published.remote_id == ids[0]
    assert [posts[i]["text"] for i in ids] == ["Bagian satu", "Bagian dua", "Bagian tiga"]
    assert [posts[i]["reply_to"] for i in ids] == [None, ids[0], ids[1]]


def test_find_existing_sees_shortened_links(sandbox_env, x):
    d = delivery("Katalog baru: https://opac.example.org/detail?id=12")
    fault(sandbox_env, endpoint="x.create_tweet", mode="lost")
    with pytest.raises(PublishError):
        x.publish(d)
    [stored] = sandbox_env.state()["x"]
    assert "https://t.co/" in stored["text"]  # X stores links shortened
    found = x.find_existing(d)
    assert found is not None and found.remote_id == stored["id"]
    assert x.find_existing(delivery("Belum pernah dikirim")) is None


@pytest.mark.parametrize("text", ["Sampul koleksi baru: https://opac.example.org/d?id=7", ""])
def test_find_existing_sees_an_image_post_behind_its_media_link(sandbox_env, x, tmp_path, text):
    requests.post(f"{sandbox_env.url}/_sandbox/options", json={"x.media_link": 1})
    d = delivery(text, media=[jpeg(tmp_path)], alt_text=["Sampul buku"])
    fault(sandbox_env, endpoint="x.create_tweet", mode="lost")
    with pytest.raises(PublishError):
        x.publish(d)
    [stored] = sandbox_env.state()["x"]
    assert stored["text"].rsplit(" ", 1)[-1].startswith("https://t.co/")  # X's media link
    found = x.find_existing(d)
    assert found is not None and found.remote_id == stored["id"]  # not sent a second time
    # The same words without the image are another post.
    assert x.find_existing(delivery(text or "Sampul")) is None


def test_rate_state_is_remembered(sandbox_env, x):
    assert x.rate_state is None
    x.publish(delivery())
    state = x.rate_state
    assert (state.limit, state.remaining) == (100, 99)
    assert 0 < state.reset_at.timestamp() - time.time() <= 15 * 60
    x.fetch_metrics(["1234567890123456789"])
    assert set(x.rate_states) == {"POST /2/tweets", "GET /2/tweets"}
    assert x.rate_state.remaining == 99  # reads do not move the publishing state


# -- metrics ------------------------------------------------------------------------------------
def test_metrics_for_150_posts_take_two_calls(sandbox_env, x):
    requests.post(f"{sandbox_env.url}/_sandbox/limits",
                  json={"endpoint": "x.create_tweet", "limit": 200})
    ids = [x.publish(delivery(f"Judul baru nomor {n}")).remote_id for n in range(150)]
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"frozen": True, "advance": 86400})
    asked = ids + [str(int(ids[0]) - 1)]  # as young as the others, deleted on X: left out
    batch = XPlatform.limits.metrics_batch
    result = {}
    for start in range(0, len(asked), batch):
        result.update(x.fetch_metrics(asked[start:start + batch]))
    state = sandbox_env.state()
    assert state["calls"]["x.get_tweets"] == 2
    assert set(result) == set(ids)
    for stored in state["x"]:
        m, expected = result[stored["id"]], stored["metrics"]
        assert m == {
            "views": expected["impression_count"],
            "reach": None,
            "likes": expected["like_count"],
            "comments": expected["reply_count"],
            "shares": expected["retweet_count"] + expected["quote_count"],
            "saves": expected["bookmark_count"],
            "clicks": expected["url_link_clicks"],  # own posts of the last 30 days
        }
    assert sum(m["views"] for m in result.values()) > 0


def test_metrics_refuse_more_than_a_batch(x):
    with pytest.raises(ValueError):
        x.fetch_metrics([str(10**18 + n) for n in range(101)])
    assert x.fetch_metrics([]) == {}


def test_metrics_failures_are_never_unknown_outcomes(sandbox_env, x):
    # Reading creates nothing: a 5xx or a lost answer is simply worth another try.
    for spec in ({"mode": "status", "status": 503}, {"mode": "reset"}):
        fault(sandbox_env, endpoint="x.get_tweets", **spec)
        with pytest.raises(PublishError) as caught:
            x.fetch_metrics(["1234567890123456789"])
        assert caught.value.kind == ErrorKind.transient


# -- text length --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Halo, pembaca!", 14),
        ("Katalog: https://opac.example.org/detail?id=12345&lang=id", 9 + 23),
        ("Selamat membaca 📚", 16 + 2),
        ("👩‍👩‍👧‍👦", 2),  # one emoji sequence
        ("図書館", 6),
        ("e\u0301", 1),  # NFC first: é
    ],
)
def test_weighted_length(text, length):
    assert weighted_length(text) == length


# -- accounts and secrets -----------------------------------------------------------------------
def test_env_account(sandbox_env, monkeypatch):
    external_id, name, credentials = XPlatform.env_account(load_settings())
    assert (external_id, name) == ("1500", "X (.env)")
    assert set(credentials) == set(XPlatform.secret_fields)
    assert all(isinstance(v, str) for v in credentials.values())
    monkeypatch.setenv("OUTREACH_X_ACCESS_TOKEN", "not-numeric-token")
    assert XPlatform.env_account(load_settings())[0] == "env"
    monkeypatch.delenv("OUTREACH_X_ACCESS_TOKEN_SECRET")
    assert XPlatform.env_account(load_settings()) is None


def test_registry_builds_the_client(sandbox_env):
    settings = load_settings()
    account = Account(id=1, platform="x", external_id="1500", name="t", source="env")
    client = client_for(account, settings)
    assert isinstance(client, XPlatform)
    assert client.publish(delivery()).remote_id
    assert "secret" not in repr(client)


def test_secrets_never_reach_logs_or_errors(sandbox_env, x, caplog):
    secrets = [os.environ["OUTREACH_X_CONSUMER_SECRET"],
               os.environ["OUTREACH_X_ACCESS_TOKEN_SECRET"]]
    caplog.set_level(logging.DEBUG)
    messages = []
    x.publish(delivery("Satu"))
    for spec in ({"mode": "status", "status": 401}, {"mode": "status", "status": 503},
                 {"mode": "reset"}, {"mode": "rate_limit"}):
        fault(sandbox_env, endpoint="x.create_tweet", **spec)
        with pytest.raises(PublishError) as caught:
            x.publish(delivery("Dua"))
        messages += [caught.value.message, str(caught.value), repr(caught.value)]
    x.fetch_metrics(["1234567890123456789"])
    ours = [r.getMessage() for r in caplog.records if r.name == "outreach.platforms.http"]
    assert any("POST" in m and "/x/2/tweets -> 201" in m for m in ours)
    for secret in secrets:
        assert secret not in caplog.text
        assert not any(secret in m for m in messages)
    token = os.environ["OUTREACH_X_ACCESS_TOKEN"]
    assert not any(token in m for m in ours + messages)


def test_requests_are_signed_for_the_url_really_used(sandbox_env, x):
    """OAuth 1.0a signs scheme, host and path: after routing to the sandbox, the signature
    must hold for the sandbox URL, as it must for api.x.com in production."""
    sent = []
    x.client.session.hooks["response"].append(lambda r, *a, **k: sent.append(r.request))
    x.publish(delivery())
    request = sent[-1]
    assert request.url == f"{sandbox_env.url}/x/2/tweets"
    header = request.headers["Authorization"]
    params = dict(p.split("=", 1) for p in header.removeprefix("OAuth ").split(", "))
    params = {k: unquote(v.strip('"')) for k, v in params.items()}
    creds = x.credentials
    again = OAuthClient(
        creds["consumer_key"], client_secret=creds["consumer_secret"],
        resource_owner_key=creds["access_token"],
        resource_owner_secret=creds["access_token_secret"],
        nonce=params["oauth_nonce"], timestamp=params["oauth_timestamp"],
    )
    _, headers, _ = again.sign(request.url, "POST")
    expected = unquote(headers["Authorization"].split('oauth_signature="')[1].split('"')[0])
    assert params["oauth_signature"] == expected
    assert request.headers["User-Agent"].startswith("LibraryOutreach/")


@pytest.mark.parametrize(("method", "url", "body", "content_type"), [
    ("POST", "http://127.0.0.1:8765/x/2/tweets", b'{"text": "Halo ~ *dunia*"}',
     "application/json"),
    ("GET", "https://API.X.com:443/2/tweets?ids=1%2C2&tweet.fields=public_metrics%2Corganic"
     "_metrics&q=a+b%20c~%2A%E2%9C%93&empty=", None, None),
    ("GET", "http://127.0.0.1:8765/x/2/users/1500/tweets?start_time=2026-01-01T00%3A00%3A00Z",
     None, None),
    ("DELETE", "http://localhost:80/x/2/tweets/1234567890123456789", None, None),
    # A form-encoded body enters the signature: handed to oauthlib, the result is the same.
    ("POST", "http://127.0.0.1:8765/x/2/media/upload?command=INIT",
     b"total_bytes=10&media_type=image%2Fjpeg", "application/x-www-form-urlencoded"),
])
def test_signer_agrees_with_oauthlib(method, url, body, content_type):
    """The one-per-account signer of platforms/x/client.py computes what oauthlib computes for the
    same request, nonce and timestamp (the sandbox does not verify signatures, X does)."""
    from outreach.platforms.x.client import OAuth1Signer

    keys = ("ck-Ä+1", "cs/secret&=", "1500-tok%en", "ts secret~")
    nonce, timestamp = "4f2a9c0e1b7d", "1767225600"
    reference = OAuthClient(keys[0], client_secret=keys[1], resource_owner_key=keys[2],
                            resource_owner_secret=keys[3], nonce=nonce, timestamp=timestamp)

    def fallback(r):
        r.url, headers, r.body = reference.sign(r.url, r.method, r.body, dict(r.headers))
        r.headers.update(headers)
        return r

    request = requests.Request(method, url, data=body,
                               headers={"Content-Type": content_type} if content_type else {})
    prepared = request.prepare()
    signer = OAuth1Signer(*keys, fallback=fallback)
    if content_type and "form" in content_type:
        signer(prepared)
    else:
        signer.sign(prepared, nonce=nonce, timestamp=timestamp)
    ours = prepared.headers["Authorization"]
    _, expected, _ = reference.sign(url, method, body if content_type and "form" in content_type
                                    else None, {"Content-Type": content_type} if body else None)

    def fields(header):
        return dict(p.split("=", 1) for p in header.removeprefix("OAuth ").split(", "))

    assert fields(ours) == fields(expected["Authorization"])


# -- private metrics: own posts of the last 30 days only -----------------------------------------
def test_private_metrics_are_asked_only_for_young_posts(sandbox_env, x):
    clock = f"{sandbox_env.url}/_sandbox/clock"
    requests.post(clock, json={"advance": -31 * 86400})  # a post made 31 days ago
    old = x.publish(delivery("Pameran lama")).remote_id
    requests.post(clock, json={"advance": 31 * 86400, "frozen": True})
    young = [x.publish(delivery(f"Kiriman baru {n}")).remote_id for n in range(2)]
    gone = "1000000000000000001"
    result = x.fetch_metrics([old, *young, gone])
    state = sandbox_env.state()
    # One call for the young posts (with clicks), one for the old one: nothing refused.
    assert state["calls"]["x.get_tweets"] == 2
    assert set(result) == {old, *young}
    figures = {p["id"]: p["metrics"] for p in state["x"]}
    assert result[old]["clicks"] is None and result[old]["views"] == \
        figures[old]["impression_count"]
    for post_id in young:
        assert result[post_id]["clicks"] == figures[post_id]["url_link_clicks"]


def test_a_refused_private_field_never_drops_a_post(sandbox_env, x):
    ids = [x.publish(delivery(f"Kiriman {n}")).remote_id for n in range(3)]
    # X's clock says 31 days have passed; ours does not, so the private fields are asked for
    # and refused per post in errors[]: each post is asked again with its public figures.
    requests.post(f"{sandbox_env.url}/_sandbox/clock",
                  json={"advance": 31 * 86400, "frozen": True})
    result = x.fetch_metrics(ids)
    assert sandbox_env.state()["calls"]["x.get_tweets"] == 2
    figures = {p["id"]: p["metrics"] for p in sandbox_env.state()["x"]}
    assert set(result) == set(ids)
    for post_id in ids:
        assert result[post_id]["views"] == figures[post_id]["impression_count"] > 0
        assert result[post_id]["clicks"] is None


# -- media X processes after the upload (GIFs) ---------------------------------------------------
def _gif(tmp_path) -> str:
    return jpeg(tmp_path, "animasi.gif", (400, 300), fmt="GIF")


def test_a_gif_is_polled_until_processed_then_posted(sandbox_env, x, tmp_path):
    requests.post(f"{sandbox_env.url}/_sandbox/options", json={"x.gif_processing_seconds": 1})
    started = time.monotonic()
    published = x.publish(delivery("", media=[_gif(tmp_path)], alt_text=["Animasi"]))
    # X's check_after_secs (1 s) was honoured before the status was read again.
    assert time.monotonic() - started >= 1.0
    state = sandbox_env.state()
    assert state["calls"]["x.media_upload"] >= 2  # the upload and at least one STATUS read
    [stored] = state["x"]
    assert stored["id"] == published.remote_id and stored["media"]


def test_a_gif_that_fails_processing_is_refused_and_nothing_is_posted(sandbox_env, x, tmp_path):
    requests.post(f"{sandbox_env.url}/_sandbox/options",
                  json={"x.gif_processing_seconds": 0.2, "x.media_processing_fails": 1})
    x.poll_interval = 0.05
    with pytest.raises(PublishError) as caught:
        x.publish(delivery("GIF rusak", media=[_gif(tmp_path)]))
    assert caught.value.kind == ErrorKind.rejected and caught.value.code == "media_processing"
    assert sandbox_env.state()["x"] == []


def test_processing_that_takes_too_long_is_tried_again_later(sandbox_env, x, tmp_path):
    requests.post(f"{sandbox_env.url}/_sandbox/options", json={"x.gif_processing_seconds": 30})
    x.poll_interval, x.poll_timeout = 0.05, 0.3
    with pytest.raises(PublishError) as caught:
        x.publish(delivery("GIF lambat", media=[_gif(tmp_path)]))
    assert caught.value.kind == ErrorKind.transient
    assert sandbox_env.state()["x"] == []
