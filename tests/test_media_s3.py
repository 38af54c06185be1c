"""Instagram images from an S3-compatible object store (OUTREACH_MEDIA_STORE=s3), against moto's
S3 server over real HTTP: the Instagram sandbox fetches the presigned URL as Instagram would."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from platform_kit import delivery, jpeg, make_client, media_resolver

from outreach.config import SettingsError, load_settings
from outreach.platforms.base import ErrorKind, PublishError


@pytest.fixture
def ig(sandbox_env, s3_env):
    requests.post(f"{sandbox_env.url}/_sandbox/options",
                  json={"instagram.processing_seconds": 0.05}).raise_for_status()
    return make_client("instagram", media_url=media_resolver())


def test_instagram_publishes_an_image_from_the_bucket(sandbox_env, s3_env, moto_s3, ig,
                                                      tmp_path):
    image = jpeg(tmp_path, "sampul.jpg", (1080, 1080), (20, 90, 160))
    published = ig.publish(delivery("instagram", "Buku baru dari rak", media=[image],
                                    alt_text=["Sampul biru"]))
    [post] = sandbox_env.state()["instagram"]
    assert post["id"] == published.remote_id and post["alt_text"] == ["Sampul biru"]
    stored = moto_s3.objects(s3_env)
    [(key, data)] = stored.items()
    assert key.startswith("media/") and key.endswith(".jpg")
    assert data == Path(image).read_bytes()
    # The image Instagram (the sandbox) fetched is the file itself.
    [blob] = post["media"]
    shown = requests.get(f"{sandbox_env.url}/_sandbox/media/{blob}", timeout=5)
    assert shown.content == data

    # The same image again: the same object, nothing new in the bucket.
    ig.publish(delivery("instagram", "Masih buku yang sama", media=[image], alt_text=["x"]))
    assert list(moto_s3.objects(s3_env)) == [key]


def test_the_link_is_presigned_and_expires_as_configured(sandbox_env, s3_env, moto_s3,
                                                         tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_S3_URL_EXPIRES", "900")
    url = media_resolver()(jpeg(tmp_path))
    query = parse_qs(urlsplit(url).query)
    assert query["X-Amz-Expires"] == ["900"] and query["X-Amz-Signature"]
    assert urlsplit(url).path.startswith(f"/{s3_env}/media/")
    answer = requests.get(url, timeout=5)  # no cookies, no credentials: the link alone
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/jpeg"


def test_a_link_the_store_refuses_fails_the_post_plainly(sandbox_env, s3_env, moto_s3, ig,
                                                         tmp_path):
    """The bucket refuses the link (as S3 does with an expired or forbidden one): Instagram
    cannot fetch the image (2207052, which Meta marks transient: tried again later), it is said
    in words and nothing is published."""
    with moto_s3.authenticated():
        with pytest.raises(PublishError) as caught:
            ig.publish(delivery("instagram", "Tautan ditolak", media=[jpeg(tmp_path)],
                                alt_text=["x"]))
        assert len(moto_s3.objects(s3_env)) == 1  # uploaded with the right key
    assert caught.value.kind == ErrorKind.transient
    assert "download" in caught.value.message.lower()
    assert sandbox_env.state()["instagram"] == []


def test_wrong_credentials_are_a_plain_configuration_error(sandbox_env, s3_env, moto_s3,
                                                           tmp_path, monkeypatch, caplog):
    wrong = "wrong-secret-" + "x" * 20
    monkeypatch.setenv("OUTREACH_S3_SECRET_ACCESS_KEY", wrong)
    client = make_client("instagram", media_url=media_resolver())
    caplog.set_level(logging.DEBUG)
    with moto_s3.authenticated(), pytest.raises(PublishError) as caught:
        client.publish(delivery("instagram", "Kunci salah", media=[jpeg(tmp_path)],
                                alt_text=["x"]))
    error = caught.value
    assert error.kind == ErrorKind.rejected and error.code == "media_store"
    assert "OUTREACH_S3_SECRET_ACCESS_KEY" in error.message
    assert wrong not in error.message and wrong not in caplog.text
    assert sandbox_env.state()["calls"].get("instagram.create_container", 0) == 0
    assert moto_s3.objects(s3_env) == {}


def test_a_missing_bucket_names_the_setting(sandbox_env, s3_env, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_S3_BUCKET", "no-such-bucket-here")
    with pytest.raises(PublishError) as caught:
        media_resolver()(jpeg(tmp_path))
    assert caught.value.kind == ErrorKind.rejected
    assert "OUTREACH_S3_BUCKET" in caught.value.message


def test_an_unreachable_store_is_transient(s3_env, tmp_path, monkeypatch):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()
    monkeypatch.setenv("OUTREACH_S3_ENDPOINT_URL", closed)
    with pytest.raises(PublishError) as caught:
        media_resolver()(jpeg(tmp_path))
    assert caught.value.kind == ErrorKind.transient
    assert "OUTREACH_S3_ENDPOINT_URL" in caught.value.message


@pytest.mark.parametrize(("env", "named"), [
    ({"OUTREACH_MEDIA_STORE": "s3"}, "OUTREACH_S3_BUCKET"),
    ({"OUTREACH_MEDIA_STORE": "s3", "OUTREACH_S3_BUCKET": "ok-bucket",
      "OUTREACH_S3_ACCESS_KEY_ID": "AKIAEXAMPLE"}, "OUTREACH_S3_SECRET_ACCESS_KEY"),
    ({"OUTREACH_MEDIA_STORE": "ftp"}, "OUTREACH_MEDIA_STORE"),
    ({"OUTREACH_S3_URL_EXPIRES": "5"}, "OUTREACH_S3_URL_EXPIRES"),
    ({"OUTREACH_S3_ENDPOINT_URL": "minio:9000"}, "OUTREACH_S3_ENDPOINT_URL"),
    ({"OUTREACH_S3_BUCKET": "no/slashes"}, "OUTREACH_S3_BUCKET"),
])
def test_bad_object_store_settings_stop_start_up(monkeypatch, env, named):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert named in str(caught.value)


def test_secret_settings_are_never_shown(monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_STORE", "s3")
    monkeypatch.setenv("OUTREACH_S3_BUCKET", "ok-bucket")
    monkeypatch.setenv("OUTREACH_S3_ACCESS_KEY_ID", "AKIAVISIBLEKEY")
    monkeypatch.setenv("OUTREACH_S3_URL_EXPIRES", "1")
    with pytest.raises(SettingsError) as caught:
        load_settings(s3_access_key_id=["not", "a", "string"])
    assert "AKIAVISIBLEKEY" not in str(caught.value)
