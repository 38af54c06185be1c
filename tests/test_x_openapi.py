"""The X client checked against X's published OpenAPI description (tests/x_openapi.py): every
request tweepy and our media upload send to the sandbox is recorded and validated; one the
description rejects fails the test. The oracle is shown to fail on bad requests too."""

from __future__ import annotations

import httpx
import pytest
import requests
from platform_kit import delivery, jpeg, make_client
from x_kit import record, sent_of
from x_openapi import operation, problems

API = "http://sandbox.invalid/x"


@pytest.fixture
def checked(sandbox_env):
    """An X client whose every request must satisfy X's description (checked at the end)."""
    httpx.post(f"{sandbox_env.url}/_sandbox/limits",
               json={"endpoint": "x.create_tweet", "limit": 200}).raise_for_status()
    x = make_client("x")
    sent = record(x)
    yield x, sent
    found = [p for s in sent for p in problems(s)]
    if found:
        pytest.fail("Requests X's API description rejects:\n" + "\n".join(found))


def _operations(sent) -> set[str]:
    return {operation(s.method, s.path)[1]["operationId"] for s in sent
            if operation(s.method, s.path)}


def test_publishing_requests(sandbox_env, checked, tmp_path):
    x, sent = checked
    x.publish(delivery("x", "Buku baru di Perpustakaan Kota Bontang"))
    x.publish(delivery("x", "Bagian satu\n---\nBagian dua"))  # a thread: a reply
    x.publish(delivery("x", "Dua sampul", media=[jpeg(tmp_path, "a.jpg"),
                                                  jpeg(tmp_path, "b.png", fmt="PNG")],
                       alt_text=["Sampul depan", "Sampul belakang"]))
    x.publish(delivery("x", "", media=[jpeg(tmp_path, "c.jpg")]))  # media alone
    x.one_shot_max, x.segment_size = 1000, 4096  # the chunked upload for these small files
    x.publish(delivery("x", "Sampul besar", media=[jpeg(tmp_path, "d.jpg", (600, 600))],
                       alt_text=["Sampul"]))
    httpx.post(f"{sandbox_env.url}/_sandbox/options",
               json={"x.gif_processing_seconds": 0.2}).raise_for_status()
    x.one_shot_max = 10**7
    x.publish(delivery("x", "Animasi", media=[jpeg(tmp_path, "e.gif", (300, 200), fmt="GIF")]))

    assert all(s.status < 400 for s in sent), [(s.path, s.status) for s in sent]
    assert _operations(sent) == {
        "createPosts", "mediaUpload", "createMediaMetadata", "initializeMediaUpload",
        "appendMediaUpload", "finalizeMediaUpload", "getMediaUploadStatus"}
    replies = [s for s in sent if s.path == "/2/tweets" and (s.json or {}).get("reply")]
    assert len(replies) == 1
    assert any(s.json == {"text": "", "media": {"media_ids": s.json["media"]["media_ids"]}}
               for s in sent if s.path == "/2/tweets" and s.json and "media" in s.json)


def test_reading_requests(sandbox_env, checked):
    x, sent = checked
    made = delivery("x", "Koleksi baru bulan ini")
    ids = [x.publish(made).remote_id] + [
        x.publish(delivery("x", f"Koleksi baru nomor {n}")).remote_id for n in range(3)]
    assert x.find_existing(made).remote_id == ids[0]  # the user timeline
    httpx.post(f"{sandbox_env.url}/_sandbox/clock",
               json={"advance": 3 * 86400, "frozen": True}).raise_for_status()
    # Young posts with private fields, an old one with public fields only.
    x.fetch_metrics([*ids, "1234567890123456789"])
    replies = x.fetch_comments_many(ids)
    moments = sorted(c.created_at for r in replies.values() for c in r)
    x.fetch_comments_many(ids, since=moments[len(moments) // 2])  # start_time
    x.verify()  # users/me

    assert all(s.status < 400 for s in sent), [(s.path, s.status) for s in sent]
    assert {"getPostsByIds", "searchPostsRecent", "getUsersMe", "getUsersPosts"} <= \
        _operations(sent)
    lookups = [s.first["tweet.fields"] for s in sent if s.path == "/2/tweets"
               and s.method == "GET"]
    assert "public_metrics,non_public_metrics,organic_metrics" in lookups
    assert "public_metrics" in lookups
    assert any("start_time" in s.query for s in sent if s.path.endswith("/search/recent"))


def _request(method: str, path: str, **kwargs):
    return sent_of(requests.Request(method, API + path, **kwargs).prepare())


IMAGE = {"media": ("a.jpg", b"\xff\xd8\xff\xe0 not really", "image/jpeg")}
BAD = [
    # the one-shot upload with `media_type`, which left the schema in Aug 2026
    ("media_type", _request("POST", "/2/media/upload", files=IMAGE,
                            data={"media_category": "tweet_image",
                                  "media_type": "image/jpeg"})),
    ("media_category", _request("POST", "/2/media/upload", files=IMAGE)),
    ("media_type", _request("POST", "/2/tweets", json={"text": "a", "media_type": "x"})),
    ("in_reply_to_tweet_id", _request("POST", "/2/tweets",
                                      json={"text": "a", "reply": {"in_reply_to": "1"}})),
    ("bogus", _request("GET", "/2/tweets", params={"ids": "20", "tweet.fields": "bogus"})),
    ("author_idd", _request("GET", "/2/tweets", params={"ids": "20",
                                                        "tweet.fields": "author_idd"})),
    # the alias is for `tweet.fields` only: under its new name the old value is wrong
    ("referenced_tweets", _request("GET", "/2/tweets", params={
        "ids": "20", "post.fields": "referenced_tweets"})),
    ("ids", _request("GET", "/2/tweets", params={"tweet.fields": "public_metrics"})),
    ("abc", _request("GET", "/2/tweets", params={"ids": "20,abc"})),
    ("500", _request("GET", "/2/tweets/search/recent", params={"query": "a",
                                                               "max_results": "500"})),
    ("kemarin", _request("GET", "/2/tweets/search/recent", params={
        "query": "a", "start_time": "kemarin"})),
    ("sort", _request("GET", "/2/tweets/search/recent", params={"query": "a",
                                                               "sort": "recency"})),
    ("expansions", _request("GET", "/2/tweets/search/recent", params={
        "query": "a", "expansions": "author"})),
    ("segment_index", _request("POST", "/2/media/upload/123/append", files=IMAGE,
                               data={"segment_index": "-1"})),
    ("id", _request("POST", "/2/media/metadata",
                    json={"metadata": {"alt_text": {"text": "a"}}})),
    ("body", _request("POST", "/2/media/upload/123/finalize", json={"command": "FINALIZE"})),
    ("no such operation", _request("DELETE", "/2/tweets")),
    ("abc", _request("GET", "/2/users/abc/tweets")),
]


@pytest.mark.parametrize(("why", "sent"), BAD, ids=[f"{n}-{b[0]}" for n, b in enumerate(BAD)])
def test_the_oracle_rejects_bad_requests(why, sent):
    found = problems(sent)
    assert found, f"{sent.method} {sent.path} {sent.query} passed"
    assert any(why in p for p in found), found


GOOD = [
    _request("POST", "/2/media/upload", files=IMAGE, data={"media_category": "tweet_image"}),
    _request("POST", "/2/tweets", json={"text": "", "media": {"media_ids": ["1"]}}),
    _request("GET", "/2/tweets", params={"ids": "20,21", "tweet.fields": "public_metrics"}),
    # tweepy's names: the deliberate alias, and fields 2.167's enum left out of the Post's
    _request("GET", "/2/tweets/search/recent", params={
        "query": "conversation_id:1", "max_results": "100", "expansions": "author_id",
        "tweet.fields": "created_at,author_id,conversation_id,referenced_tweets",
        "user.fields": "username", "start_time": "2026-08-20T10:00:00Z"}),
    _request("POST", "/2/media/upload/123/append", files=IMAGE, data={"segment_index": "0"}),
    _request("POST", "/2/media/upload/123/finalize"),
]


@pytest.mark.parametrize("sent", GOOD, ids=[f"{s.method} {s.path}" for s in GOOD])
def test_the_oracle_accepts_what_x_describes(sent):
    assert problems(sent) == []


def test_a_bad_request_from_the_real_client_is_caught(sandbox_env):
    """The recorder sees what tweepy really sends: a field name X does not know is caught even
    though the sandbox answers it."""
    x = make_client("x")
    sent = record(x)
    x.client.get_tweets(["20"], tweet_fields=["public_metrics", "view_count"], user_auth=True)
    [lookup] = sent
    assert lookup.status == 200
    assert any("view_count" in p for p in problems(lookup))
