"""One harness, every platform: the real client libraries (tweepy, python-facebook-api,
instagrapi) talk HTTP to the sandbox, which answers each outcome in that platform's own wire
format. Every outcome must map to the same PublishError kind on every platform, and reconcile
must tell a post that exists from one that does not."""

from __future__ import annotations

import socket

import pytest
import requests
from platform_kit import HANG, SHORT, delivery, fault, jpeg, make_client, media_resolver

from outreach.platforms.base import ErrorKind, PublishError

# platform -> the endpoint whose call makes the post visible (where faults are injected)
PUBLISH_ENDPOINT = {
    "x": "x.create_tweet",
    "facebook": "facebook.upload_photo",
    "instagram": "instagram.publish",
    "instagram-private": "instagram_private.configure",  # instagrapi, unofficial
}
PLATFORMS = list(PUBLISH_ENDPOINT)
# Other backends: harness name -> (platform, Account.backend).
BACKENDS = {"instagram-private": ("instagram", "private")}
# Where the platform gives no reset time (Instagram's private API: "Please wait a few
# minutes"), the client's own wait; else the sandbox's 120 s reset, minus time passed.
RATE_WAIT = {"instagram-private": (900, 900)}
API_URL_SETTING = {"x": "x_api_url", "instagram-private": "instagram_private_api_url"}


def target(name: str) -> tuple[str, str | None]:
    return BACKENDS.get(name, (name, None))

OUTCOMES = [
    # id, fault on the publish endpoint, expected kind, posts on the platform afterwards
    ("success", None, None, 1),
    ("latency", {"mode": "latency", "ms": 50}, None, 1),
    ("rate-limited", {"mode": "rate_limit", "seconds": 120}, ErrorKind.rate_limited, 0),
    ("auth-expired", {"mode": "status", "status": 401}, ErrorKind.auth_expired, 0),
    ("rejected", {"mode": "status", "status": 400, "detail": "Bad media: the sandbox says no"},
     ErrorKind.rejected, 0),
    ("server-error", {"mode": "status", "status": 500}, ErrorKind.unknown_outcome, 0),
    ("unavailable", {"mode": "status", "status": 503}, ErrorKind.unknown_outcome, 0),
    ("timeout", {"mode": "timeout", "seconds": HANG}, ErrorKind.unknown_outcome, 0),
    ("reset", {"mode": "reset"}, ErrorKind.unknown_outcome, 0),
    ("lost", {"mode": "lost"}, ErrorKind.unknown_outcome, 1),
]


@pytest.fixture
def setup(sandbox_env, tmp_path, request):
    """(client factory, delivery factory) for a platform, with one image each. Instagram
    fetches the image from the service's web app, served for it."""
    if request.node.callspec.params.get("platform") == "instagram":
        request.getfixturevalue("media_server")
    else:
        request.getfixturevalue("db_url")
    if request.node.callspec.params.get("platform") == "instagram-private":
        request.getfixturevalue("instagram_private_env")
    image = jpeg(tmp_path, "sampul.jpg", (1080, 1350))
    requests.post(f"{sandbox_env.url}/_sandbox/options",
                  json={"instagram.processing_seconds": 0.05}).raise_for_status()

    def build(name: str, **overrides):
        platform, backend = target(name)
        return make_client(platform, media_url=media_resolver(), backend=backend, **overrides)

    def post(name: str, text: str):
        return delivery(target(name)[0], text, media=[image],
                        alt_text=["Sampul buku bergambar peta"])

    return build, post


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(("spec", "kind", "posts"),
                         [pytest.param(*case[1:], id=case[0]) for case in OUTCOMES])
def test_publish_outcome(sandbox_env, setup, platform, spec, kind, posts):
    build, post = setup
    hangs = bool(spec) and spec["mode"] == "timeout"
    client = build(platform, **({"timeout": SHORT} if hangs else {}))
    text = f"Pameran buku langka, Sabtu 09.00 WITA ({platform})"
    d = post(platform, text)
    if spec:
        fault(sandbox_env, endpoint=PUBLISH_ENDPOINT[platform], **spec)
    if kind is None:
        published = client.publish(d)
        assert published.remote_id and published.remote_url
    else:
        with pytest.raises(PublishError) as caught:
            client.publish(d)
        error = caught.value
        assert error.kind == kind, error.message
        assert error.message and "\n" not in error.message and "Traceback" not in error.message
        if kind == ErrorKind.rate_limited:
            low, high = RATE_WAIT.get(platform, (100, 125))
            assert low <= error.retry_after <= high
        if spec.get("detail"):
            assert spec["detail"] in error.message  # the platform's reason reaches staff
    stored = [p for p in sandbox_env.state()[target(platform)[0]] if p["text"] == text]
    assert len(stored) == posts
    for p in stored:  # the image went with its alt text
        assert p["alt_text"] == ["Sampul buku bergambar peta"] and len(p["media"]) == 1
    if kind is None:
        assert stored[0]["id"] == published.remote_id


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize(("mode", "exists"), [("lost", True), ("reset", False)])
def test_reconcile_tells_whether_the_post_exists(sandbox_env, setup, platform, mode, exists):
    build, post = setup
    client = build(platform)
    d = post(platform, f"Jam buka baru perpustakaan ({platform})")
    fault(sandbox_env, endpoint=PUBLISH_ENDPOINT[platform], mode=mode)
    with pytest.raises(PublishError) as caught:
        client.publish(d)
    assert caught.value.kind == ErrorKind.unknown_outcome
    found = build(platform).find_existing(d)  # a fresh client, as the dispatcher would use
    stored = [p for p in sandbox_env.state()[target(platform)[0]] if p["text"] == d.text]
    if exists:
        assert found is not None and [found.remote_id] == [p["id"] for p in stored]
    else:
        assert found is None and stored == []
        # Not there: publishing again makes exactly one post.
        assert build(platform).publish(d).remote_id
        assert len([p for p in sandbox_env.state()[target(platform)[0]]
                    if p["text"] == d.text]) == 1


@pytest.mark.parametrize("platform", PLATFORMS)
def test_reconcile_that_cannot_look_is_unknown(sandbox_env, setup, platform):
    build, post = setup
    d = post(platform, "Tidak bisa dicari")
    family = PUBLISH_ENDPOINT[platform].split(".")[0]
    fault(sandbox_env, endpoint=f"{family}.*", mode="status", status=503, count=5)
    with pytest.raises(PublishError) as caught:
        build(platform).find_existing(d)
    assert caught.value.kind == ErrorKind.unknown_outcome


@pytest.mark.parametrize("platform", PLATFORMS)
def test_nothing_listening_is_transient(sandbox_env, setup, platform):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens once closed
    build, post = setup
    setting = API_URL_SETTING.get(platform, "graph_api_url")
    client = build(platform, **{setting: f"http://127.0.0.1:{port}/api"})
    with pytest.raises(PublishError) as caught:
        client.publish(post(platform, "Tidak terkirim"))
    assert caught.value.kind == ErrorKind.transient
    assert "nothing was sent" in caught.value.message


@pytest.mark.parametrize("platform", PLATFORMS)
def test_metrics_use_the_same_names_everywhere(sandbox_env, setup, platform):
    build, post = setup
    client = build(platform)
    remote = client.publish(post(platform, "Metrik")).remote_id
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"advance": 6 * 3600})
    metrics = client.fetch_metrics([remote])
    assert set(metrics[remote]) == {"views", "reach", "likes", "comments", "shares", "saves",
                                    "clicks"}
    if platform == "instagram-private":  # media_info: likes and comments; views only of videos
        assert metrics[remote]["likes"] > 0 and metrics[remote]["views"] is None
        assert client.limits.metrics_batch >= 10  # one media_info call per post
    elif platform == "x":
        assert metrics[remote]["views"] > 0
        assert client.limits.metrics_batch == 100  # GET /2/tweets takes 100 ids
    else:  # a Graph batch holds 50 requests: the post's fields and its insights apart
        assert metrics[remote]["views"] > 0
        assert client.limits.metrics_batch == 25
