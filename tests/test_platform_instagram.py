"""Instagram (Graph API) quirks: containers, carousels, the publishing limit, image checks."""

from __future__ import annotations

import pytest
import requests
from platform_kit import delivery, fault, jpeg, make_client, media_resolver

from outreach.platforms.base import ErrorKind, PublishError


@pytest.fixture
def ig(sandbox_env, media_server):
    requests.post(f"{sandbox_env.url}/_sandbox/options",
                  json={"instagram.processing_seconds": 0.2}).raise_for_status()
    return make_client("instagram", media_url=media_resolver())


def test_carousel_waits_for_processing(sandbox_env, ig, tmp_path):
    images = [jpeg(tmp_path, f"{n}.jpg", (1080, 1080), (n * 40, 80, 120)) for n in range(3)]
    d = delivery("instagram", "Tiga buku baru", media=images, alt_text=["A", "B", "C"])
    published = ig.publish(d)
    [post] = sandbox_env.state()["instagram"]
    assert post["id"] == published.remote_id and post["alt_text"] == ["A", "B", "C"]
    assert post["extra"]["media_type"] == "CAROUSEL_ALBUM"
    calls = sandbox_env.state()["calls"]
    assert calls["instagram.create_container"] == 4  # three children and the carousel
    assert calls["instagram.container_status"] > 4  # it polled while IN_PROGRESS
    assert calls["instagram.publishing_limit"] == 1  # checked before publishing
    assert published.remote_url.startswith("https://www.instagram.com/p/")


def test_published_container_counts_as_done(sandbox_env, ig, tmp_path):
    d = delivery("instagram", "Sekali saja", media=[jpeg(tmp_path)], alt_text=["Sampul"])
    fault(sandbox_env, endpoint="instagram.publish", mode="lost")
    with pytest.raises(PublishError):
        ig.publish(d)
    assert d.remote_extra["ig_container"]  # kept on the delivery
    again = ig.publish(d)  # e.g. a person pressed "retry"
    [post] = sandbox_env.state()["instagram"]
    assert again.remote_id == post["id"]
    assert sandbox_env.state()["calls"]["instagram.create_container"] == 1


def test_container_creation_failure_is_transient(sandbox_env, ig, tmp_path):
    fault(sandbox_env, endpoint="instagram.create_container", mode="status", status=500)
    with pytest.raises(PublishError) as caught:
        ig.publish(delivery("instagram", "Wadah", media=[jpeg(tmp_path)], alt_text=["x"]))
    assert caught.value.kind == ErrorKind.transient  # a container shows nobody anything


def test_publishing_limit_is_checked_first(sandbox_env, ig, tmp_path):
    requests.post(f"{sandbox_env.url}/_sandbox/limits",
                  json={"endpoint": "instagram.publish", "limit": 1, "window": 86400})
    ig.publish(delivery("instagram", "Pertama", media=[jpeg(tmp_path)], alt_text=["x"]))
    with pytest.raises(PublishError) as caught:
        ig.publish(delivery("instagram", "Kedua", media=[jpeg(tmp_path)], alt_text=["x"]))
    assert caught.value.kind == ErrorKind.rate_limited and caught.value.code == "quota"
    assert ig.rate_state.remaining == 0
    assert sandbox_env.state()["calls"]["instagram.create_container"] == 1


@pytest.mark.parametrize(("size", "fmt", "words"), [
    ((1080, 1500), "JPEG", "shape"),  # taller than 4:5
    ((2100, 1000), "JPEG", "shape"),  # wider than 1.91:1
    ((300, 300), "JPEG", "pixels wide"),
    ((1080, 1080), "PNG", "JPEG"),
])
def test_images_instagram_refuses_are_refused_before_sending(sandbox_env, ig, tmp_path, size,
                                                              fmt, words):
    image = jpeg(tmp_path, "x." + fmt.lower(), size, fmt=fmt)
    with pytest.raises(PublishError) as caught:
        ig.publish(delivery("instagram", "Gambar", media=[image], alt_text=["x"]))
    assert caught.value.kind == ErrorKind.rejected and words in caught.value.message
    assert sandbox_env.state()["calls"] == {}


def test_the_sandbox_checks_images_as_instagram_does(sandbox_env, ig, tmp_path):
    """Even when our own check is bypassed, Instagram's answer is explained."""
    ig._check = lambda caption, media: None
    image = jpeg(tmp_path, "tinggi.jpg", (1000, 2000))
    with pytest.raises(PublishError) as caught:
        ig.publish(delivery("instagram", "Rasio", media=[image], alt_text=["x"]))
    assert caught.value.kind == ErrorKind.rejected and "aspect ratio" in caught.value.message


def test_hashtag_cap_is_configurable(sandbox_env, media_server, tmp_path, monkeypatch):
    text = "Buku " + " ".join(f"#tag{n}" for n in range(7))
    with pytest.raises(PublishError) as caught:
        make_client("instagram", media_url=media_resolver()).publish(
            delivery("instagram", text, media=[jpeg(tmp_path)], alt_text=["x"]))
    assert "7 hashtags" in caught.value.message
    client = make_client("instagram", media_url=media_resolver(), instagram_max_hashtags=10)
    assert client.publish(delivery("instagram", text, media=[jpeg(tmp_path)],
                                   alt_text=["x"])).remote_id


def test_without_a_public_address_instagram_is_refused_plainly(sandbox_env, tmp_path):
    client = make_client("instagram")
    with pytest.raises(PublishError) as caught:
        client.publish(delivery("instagram", "Tanpa alamat", media=[jpeg(tmp_path)],
                                alt_text=["x"]))
    assert "OUTREACH_PUBLIC_BASE_URL" in caught.value.message


@pytest.mark.parametrize("why", ["few_viewers", "no_permission"])
def test_insights_refused_keeps_likes_and_comments(sandbox_env, ig, tmp_path, why):
    d = delivery("instagram", "Sedikit penonton", media=[jpeg(tmp_path)], alt_text=["x"])
    media_id = ig.publish(d).remote_id
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"frozen": True, "advance": 7200})
    if why == "few_viewers":
        requests.post(f"{sandbox_env.url}/_sandbox/options",
                      json={"instagram.min_viewers": 10**9}).raise_for_status()
    else:
        requests.post(f"{sandbox_env.url}/_sandbox/permissions", json={
            "token": ig.credentials["access_token"],
            "lacks": ["instagram_manage_insights"]}).raise_for_status()
    result = ig.fetch_metrics([media_id])
    [post] = sandbox_env.state()["instagram"]
    m = result[media_id]
    assert m["likes"] == post["metrics"]["likes"] and m["comments"] == post["metrics"]["comments"]
    assert m["views"] is m["reach"] is m["saves"] is None
    note = ig.metrics_notes[media_id]
    assert ("Not enough viewers" in note) if why == "few_viewers" else \
        ("instagram_manage_insights" in note)
    assert ig.withdrawn_metrics.get(ig.settings.graph_api_url, set()) == set()
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"frozen": False})


def test_a_deleted_media_is_left_out(sandbox_env, ig, tmp_path):
    media_id = ig.publish(delivery("instagram", "Ada", media=[jpeg(tmp_path)],
                                   alt_text=["x"])).remote_id
    result = ig.fetch_metrics([media_id, "18000000000099999"])
    assert set(result) == {media_id} and not ig.metrics_unread  # #100/33: gone


@pytest.mark.parametrize("subcode", [2207003, 2207052])
def test_image_fetch_errors_are_retried_later(sandbox_env, ig, tmp_path, subcode):
    fault(sandbox_env, endpoint="instagram.create_container", mode="status", status=400,
          subcode=subcode)
    d = delivery("instagram", "Unduh gagal", media=[jpeg(tmp_path)], alt_text=["x"])
    with pytest.raises(PublishError) as caught:
        ig.publish(d)
    assert caught.value.kind == ErrorKind.transient and str(subcode) in caught.value.code
    assert sandbox_env.state()["instagram"] == []
    assert ig.publish(d).remote_id  # the next attempt goes through


def test_connect_help_names_every_permission_the_service_uses():
    import re

    from outreach.platforms.instagram import InstagramPlatform

    [token] = [f for f in InstagramPlatform.credential_fields if f.name == "access_token"]
    named = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", token.help))
    assert named == {"instagram_basic", "instagram_content_publish", "pages_read_engagement",
                     "instagram_manage_insights", "instagram_manage_comments"}
