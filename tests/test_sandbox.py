"""The sandbox speaks X's wire format: shapes, problem bodies, rate-limit headers, faults, page.

Plain `requests` against the sandbox served over real HTTP (the `sandbox` fixture)."""

from __future__ import annotations

import logging
import time

import pytest
import requests

from outreach.sandbox.faults import Fault, FaultBook, FaultError
from outreach.sandbox.x import public_metrics

OAUTH = (
    'OAuth oauth_consumer_key="sandbox-consumer-key", oauth_token="1500-sandbox-access-token", '
    'oauth_signature_method="HMAC-SHA1", oauth_signature="c2lnbmF0dXJl"'
)
OTHER_USER = OAUTH.replace("1500-", "1600-")


@pytest.fixture
def sb(sandbox):
    sandbox.reset()
    yield sandbox
    sandbox.reset()


def post(sb, text, auth=OAUTH, **kw):
    headers = {"Authorization": auth} if auth else {}
    return requests.post(f"{sb.url}/x/2/tweets", json={"text": text}, headers=headers, **kw)


def fault(sb, **spec):
    answer = requests.post(f"{sb.url}/_sandbox/faults", json=spec)
    assert answer.status_code == 201, answer.text


def assert_problem(answer, status):
    assert answer.status_code == status
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert {"title", "detail", "type", "status"} <= set(body)
    assert body["status"] == status
    return body


# -- POST /2/tweets -----------------------------------------------------------------------------
def test_create_tweet_answers_like_x(sb):
    answer = post(sb, "Buku baru minggu ini")
    assert answer.status_code == 201
    data = answer.json()["data"]
    assert len(data["id"]) == 19 and data["id"].isdigit()
    assert data["text"] == "Buku baru minggu ini"
    assert data["edit_history_tweet_ids"] == [data["id"]]
    assert answer.headers["x-rate-limit-limit"] == "100"
    assert answer.headers["x-rate-limit-remaining"] == "99"
    assert 0 < int(answer.headers["x-rate-limit-reset"]) - time.time() <= 15 * 60
    [stored] = sb.state()["x"]
    assert (stored["platform"], stored["id"], stored["account"]) == ("x", data["id"], "1500")


def test_ids_grow_like_snowflakes(sb):
    ids = [int(post(sb, f"Kiriman {n}").json()["data"]["id"]) for n in range(5)]
    assert ids == sorted(ids) and len(set(ids)) == 5


@pytest.mark.parametrize(
    ("auth", "status"),
    [
        (None, 401),
        ('OAuth oauth_token="1500-x", oauth_signature="s"', 401),  # no consumer key
        ("Bearer AAAAAAAAAAAAAAAAAAAAAAAAA", 403),  # app-only may not post
    ],
)
def test_create_tweet_needs_user_context(sb, auth, status):
    assert_problem(post(sb, "Halo", auth=auth), status)
    assert sb.state()["x"] == []


def test_duplicate_text_from_the_same_account_is_403(sb):
    assert post(sb, "Pameran buku Sabtu ini").status_code == 201
    body = assert_problem(post(sb, "Pameran buku Sabtu ini"), 403)
    assert body["detail"] == "You are not allowed to create a Tweet with duplicate content."
    assert post(sb, "Pameran buku Sabtu ini", auth=OTHER_USER).status_code == 201


def test_text_length_is_weighted(sb):
    assert post(sb, "漢" * 140).status_code == 201  # 280 weighted
    body = assert_problem(post(sb, "字" * 141), 400)
    assert "too long" in body["detail"]
    assert post(sb, "a" * 280).status_code == 201


def test_bad_bodies_are_invalid_requests(sb):
    headers = {"Authorization": OAUTH, "Content-Type": "application/json"}
    for data in (b"{not json", b'{"text": ""}', b'{"text": 5}'):
        answer = requests.post(f"{sb.url}/x/2/tweets", data=data, headers=headers)
        body = assert_problem(answer, 400)
        assert body["title"] == "Invalid Request" and body["errors"][0]["message"]


def test_reply_to_a_missing_post_is_refused(sb):
    answer = requests.post(
        f"{sb.url}/x/2/tweets",
        json={"text": "Balasan", "reply": {"in_reply_to_tweet_id": "1234567890123"}},
        headers={"Authorization": OAUTH},
    )
    assert_problem(answer, 403)


# -- GET /2/tweets ------------------------------------------------------------------------------
def test_lookup_returns_metrics_and_missing_ids_as_errors(sb):
    first = post(sb, "Satu").json()["data"]["id"]
    second = post(sb, "Dua").json()["data"]["id"]
    answer = requests.get(
        f"{sb.url}/x/2/tweets",
        params={"ids": f"{first},999,{second}", "tweet.fields": "public_metrics"},
        headers={"Authorization": OAUTH},
    )
    assert answer.status_code == 200
    assert answer.headers["x-rate-limit-limit"] == "900"
    body = answer.json()
    assert [t["id"] for t in body["data"]] == [first, second]
    metrics = body["data"][0]["public_metrics"]
    assert set(metrics) == {
        "retweet_count", "reply_count", "like_count", "quote_count", "bookmark_count",
        "impression_count",
    }
    [missing] = body["errors"]
    assert missing["resource_id"] == "999" and missing["parameter"] == "ids"
    assert missing["type"] == "https://api.twitter.com/2/problems/resource-not-found"
    assert missing["title"] == "Not Found Error"


def test_lookup_without_fields_has_no_metrics(sb):
    first = post(sb, "Satu").json()["data"]["id"]
    answer = requests.get(
        f"{sb.url}/x/2/tweets/{first}", headers={"Authorization": OAUTH}
    ).json()
    assert answer == {"data": {"id": first, "text": "Satu", "edit_history_tweet_ids": [first]}}
    missing = requests.get(f"{sb.url}/x/2/tweets/123456", headers={"Authorization": OAUTH})
    assert missing.status_code == 200 and missing.json()["errors"][0]["parameter"] == "id"


def test_lookup_takes_at_most_100_ids(sb):
    ids = ",".join(str(10**18 + n) for n in range(101))
    answer = requests.get(
        f"{sb.url}/x/2/tweets", params={"ids": ids}, headers={"Authorization": OAUTH}
    )
    body = assert_problem(answer, 400)
    assert "[101]" in body["errors"][0]["message"]


# -- rate limits --------------------------------------------------------------------------------
def test_window_runs_out_with_429(sb):
    answer = requests.post(
        f"{sb.url}/_sandbox/limits", json={"endpoint": "x.create_tweet", "limit": 2}
    )
    assert answer.status_code == 200
    assert post(sb, "Satu").headers["x-rate-limit-remaining"] == "1"
    assert post(sb, "Dua").headers["x-rate-limit-remaining"] == "0"
    refused = post(sb, "Tiga")
    assert_problem(refused, 429)
    assert refused.headers["x-rate-limit-remaining"] == "0"
    assert int(refused.headers["x-rate-limit-reset"]) > time.time()
    assert len(sb.state()["x"]) == 2
    # Windows are per user.
    assert post(sb, "Tiga", auth=OTHER_USER).status_code == 201


# -- metrics ------------------------------------------------------------------------------------
def test_metrics_grow_deterministically(sb):
    post_id = post(sb, "Halo").json()["data"]["id"]
    requests.post(f"{sb.url}/_sandbox/clock", json={"frozen": True})
    seen = []
    for _ in range(4):
        requests.post(f"{sb.url}/_sandbox/clock", json={"advance": 6 * 3600})
        [state] = sb.state()["x"]
        seen.append(state["metrics"])
    for before, after in zip(seen, seen[1:], strict=False):
        assert all(after[k] >= before[k] for k in before)
    assert seen[-1]["impression_count"] > 0
    assert public_metrics(7, post_id, 3600) == public_metrics(7, post_id, 3600)
    assert public_metrics(7, post_id, 3600) != public_metrics(8, post_id, 3600)
    assert public_metrics(7, post_id, 0)["impression_count"] == 0


# -- faults -------------------------------------------------------------------------------------
def test_status_fault_answers_without_posting(sb):
    fault(sb, endpoint="x.create_tweet", mode="status", status=503, count=2)
    assert_problem(post(sb, "Satu"), 503)
    assert_problem(post(sb, "Satu"), 503)
    assert sb.state()["x"] == []
    assert post(sb, "Satu").status_code == 201
    assert sb.state()["faults"] == []


def test_rate_limit_fault(sb):
    fault(sb, endpoint="x.*", mode="rate_limit", seconds=120)
    answer = post(sb, "Satu")
    assert_problem(answer, 429)
    assert answer.headers["x-rate-limit-remaining"] == "0"
    assert 110 < int(answer.headers["x-rate-limit-reset"]) - time.time() <= 121


def test_latency_fault(sb):
    fault(sb, endpoint="*", mode="latency", ms=150)
    started = time.monotonic()
    assert post(sb, "Satu").status_code == 201
    assert time.monotonic() - started >= 0.15


def test_timeout_fault_hangs_then_answers_nothing(sb):
    fault(sb, endpoint="x.create_tweet", mode="timeout", seconds=1)
    with pytest.raises(requests.ReadTimeout):
        post(sb, "Satu", timeout=(2, 0.3))
    assert sb.state()["x"] == []


@pytest.fixture
def server_errors():
    """Records uvicorn's own error log (it does not propagate to the root logger)."""
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger = logging.getLogger("uvicorn.error")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.parametrize(("mode", "posted"), [("reset", 0), ("lost", 1)])
def test_dropped_connections(sb, server_errors, mode, posted):
    fault(sb, endpoint="x.create_tweet", mode=mode)
    with pytest.raises(requests.ConnectionError):
        post(sb, "Satu")
    assert len(sb.state()["x"]) == posted
    # The server carries on, and did not complain about the answer it never sent.
    assert post(sb, "Dua").status_code == 201
    time.sleep(0.05)
    assert [r.getMessage() for r in server_errors] == []


def test_fault_probability_is_seeded():
    def pattern() -> list[bool]:
        book = FaultBook(seed=3)
        book.add(Fault.parse({"endpoint": "*", "mode": "status", "rate": 0.5}, {"x.a"}))
        return [book.take("x.a") is not None for _ in range(40)]

    first = pattern()
    assert first == pattern() and 5 < sum(first) < 35


@pytest.mark.parametrize(
    "spec",
    [
        {"endpoint": "x.nope", "mode": "status"},
        {"endpoint": "x.create_tweet", "mode": "explode"},
        {"endpoint": "x.create_tweet", "mode": "status", "rate": 2},
        {"endpoint": "x.create_tweet", "mode": "status", "colour": "red"},
        ["not", "objects"],
    ],
)
def test_bad_faults_are_refused(sb, spec):
    answer = requests.post(f"{sb.url}/_sandbox/faults", json=spec)
    assert answer.status_code == 400 and answer.json()["error"]
    with pytest.raises(FaultError):
        Fault.parse(spec if isinstance(spec, dict) else spec[0], {"x.create_tweet"})


def test_faults_can_be_listed_and_cleared(sb):
    fault(sb, endpoint="x.get_tweets", mode="status", status=500, count=3)
    listed = requests.get(f"{sb.url}/_sandbox/faults").json()["faults"]
    assert listed[0]["endpoint"] == "x.get_tweets" and listed[0]["count"] == 3
    assert requests.delete(f"{sb.url}/_sandbox/faults").json() == {"faults": []}
    assert sb.state()["faults"] == []


def test_reset_forgets_everything(sb):
    post(sb, "Satu")
    fault(sb, endpoint="*", mode="status")
    assert requests.post(f"{sb.url}/_sandbox/reset").status_code == 200
    state = requests.get(f"{sb.url}/_sandbox/state").json()
    assert state["x"] == [] and state["faults"] == [] and state["calls"] == {}


# -- the page -----------------------------------------------------------------------------------
def test_page_lists_posts_newest_first_and_escapes(sb):
    post(sb, "Pertama")
    post(sb, '<script>alert("x")</script> & Kedua')
    page = requests.get(f"{sb.url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "Sandbox Library Outreach — Kotak Pasir" in html
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Kedua" in html
    assert html.index("Kedua") < html.index("Pertama")
    assert "WITA" in html and 'name="viewport"' in html
    assert "http://" not in html.split("<main>")[0]  # no external assets
    assert "Belum ada kiriman" in html  # Facebook and Instagram are empty
    only_x = requests.get(f"{sb.url}/x").text
    assert "Kedua" in only_x and 'id="facebook"' not in only_x
