"""Facebook Page quirks, through python-facebook-api over HTTP to the sandbox's Graph API."""

from __future__ import annotations

import re
import time

import pytest
import requests
from platform_kit import delivery, fault, jpeg, make_client

from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.graph import usage_percent


@pytest.fixture
def fb(sandbox_env):
    return make_client("facebook")


def test_text_link_single_photo_and_several(sandbox_env, fb, tmp_path):
    a, b = jpeg(tmp_path, "a.jpg"), jpeg(tmp_path, "b.png", (900, 600), fmt="PNG")
    text = fb.publish(delivery("facebook", "Jam buka baru", link="https://opac.example.org"))
    one = fb.publish(delivery("facebook", "Satu foto", media=[a], alt_text=["Rak buku"]))
    two = fb.publish(delivery("facebook", "Dua foto", media=[a, b], alt_text=["A", "B"]))
    posts = {p["id"]: p for p in sandbox_env.state()["facebook"]}
    page = sandbox_env.state()["facebook"][0]["account"]
    assert all(i.startswith(page + "_") for i in posts)  # remote ids are {page}_{n}
    assert posts[text.remote_id]["extra"] == {"link": "https://opac.example.org"}
    assert posts[one.remote_id]["alt_text"] == ["Rak buku"]
    assert posts[two.remote_id]["alt_text"] == ["A", "B"] and len(two.extra["photo_ids"]) == 2
    calls = sandbox_env.state()["calls"]
    assert calls["facebook.upload_photo"] == 3 and calls["facebook.publish_feed"] == 2


@pytest.mark.parametrize(("code", "subcode", "kind", "words"), [
    (190, 463, ErrorKind.auth_expired, "expired"),
    (190, 460, ErrorKind.auth_expired, "password"),
    (4, None, ErrorKind.rate_limited, "rate limit"),
    (17, None, ErrorKind.rate_limited, "rate limit"),
    (32, None, ErrorKind.rate_limited, "rate limit"),
    (613, None, ErrorKind.rate_limited, "rate limit"),
    (80001, None, ErrorKind.rate_limited, "rate limit"),
    (368, None, ErrorKind.rate_limited, "blocked"),  # temporary: wait and retry
    (368, 1390008, ErrorKind.rate_limited, "posting too fast"),
    (506, None, ErrorKind.rejected, "duplicate"),
    (100, None, ErrorKind.rejected, "refused"),
])
def test_graph_error_codes(sandbox_env, fb, code, subcode, kind, words):
    spec = {"endpoint": "facebook.publish_feed", "mode": "status", "status": 400, "code": code}
    if subcode:
        spec["subcode"] = subcode
    fault(sandbox_env, **spec)
    with pytest.raises(PublishError) as caught:
        fb.publish(delivery("facebook", "Kode galat"))
    assert caught.value.kind == kind and words in caught.value.message.lower()
    assert sandbox_env.state()["facebook"] == []


def test_duplicate_status_is_recognised(sandbox_env, fb):
    fb.publish(delivery("facebook", "Sama persis"))
    with pytest.raises(PublishError) as caught:
        fb.publish(delivery("facebook", "Sama persis"))
    assert caught.value.code == "duplicate" and caught.value.kind == ErrorKind.rejected


def test_usage_above_90_percent_slows_down(sandbox_env, fb):
    requests.post(f"{sandbox_env.url}/_sandbox/limits",
                  json={"endpoint": "facebook.calls", "limit": 10, "window": 600})
    for n in range(9):
        fb.publish(delivery("facebook", f"Kiriman {n}"))
    state = fb.rate_state  # 9 of 10 calls: 90 %
    assert fb.usage >= 90 and state.remaining == 0 and state.reset_at.timestamp() > time.time()
    with pytest.raises(PublishError) as caught:
        fb.publish(delivery("facebook", "Satu lagi"))
    assert caught.value.kind == ErrorKind.rate_limited and caught.value.retry_after > 60
    assert len(sandbox_env.state()["facebook"]) == 9  # it did not even call


def test_usage_headers_are_read_leniently():
    assert usage_percent({"x-app-usage": '{"call_count": 95, "total_time": 3}'}) == (95, None)
    business = '{"1": [{"type": "pages", "call_count": 40, "total_cputime": 97, ' \
               '"estimated_time_to_regain_access": 12}]}'
    assert usage_percent({"x-business-use-case-usage": business}) == (97, 12)
    assert usage_percent({"x-app-usage": "not json"}) == (0, None)


def test_batch_metrics_survive_a_withdrawn_metric(sandbox_env, fb):
    ids = [fb.publish(delivery("facebook", f"Metrik {n}")).remote_id for n in range(60)]
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"frozen": True, "advance": 7200})
    requests.post(f"{sandbox_env.url}/_sandbox/withdrawn",
                  json={"platform": "facebook", "metrics": ["post_clicks"]})
    result = {}
    for start in range(0, len(ids), fb.limits.metrics_batch):
        result.update(fb.fetch_metrics(ids[start:start + fb.limits.metrics_batch]))
    stored = {p["id"]: p["metrics"] for p in sandbox_env.state()["facebook"]}
    assert set(result) == set(ids)
    for post_id, m in result.items():
        expected = stored[post_id]
        assert m["views"] == expected["post_media_view"]
        assert m["reach"] == expected["post_total_media_view_unique"]
        assert m["likes"] == sum(v for k, v in expected.items() if k.startswith("reactions_"))
        assert m["comments"] == expected["comments"] and m["shares"] == expected["shares"]
        assert m["clicks"] is None and m["saves"] is None  # withdrawn: left out, not fatal
    # 60 posts: three batch calls (two sub-requests a post), one probe of the metrics one by
    # one, one retry of the refused.
    assert sandbox_env.state()["calls"]["graph.batch"] == 5
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"frozen": False})


def test_deleted_posts_are_left_out_of_metrics(sandbox_env, fb):
    real = fb.publish(delivery("facebook", "Ada")).remote_id
    page = real.split("_")[0]
    assert set(fb.fetch_metrics([real, f"{page}_999"])) == {real}


def _options(sandbox, **values) -> None:
    requests.post(f"{sandbox.url}/_sandbox/options", json=values).raise_for_status()


@pytest.mark.parametrize("why", ["small_page", "no_read_insights"])
def test_insights_refused_keeps_reactions_comments_and_shares(sandbox_env, fb, why):
    ids = [fb.publish(delivery("facebook", f"Sedikit suka {n}")).remote_id for n in range(3)]
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"frozen": True, "advance": 7200})
    if why == "small_page":
        _options(sandbox_env, **{"facebook.page_likes": 40})
    else:
        requests.post(f"{sandbox_env.url}/_sandbox/permissions", json={
            "token": fb.credentials["page_token"], "lacks": ["read_insights"]}).raise_for_status()
    result = fb.fetch_metrics(ids)
    stored = {p["id"]: p["metrics"] for p in sandbox_env.state()["facebook"]}
    assert set(result) == set(ids) and not fb.metrics_unread  # every post is still there
    for post_id, m in result.items():
        expected = stored[post_id]
        assert m["likes"] == sum(v for k, v in expected.items() if k.startswith("reactions_"))
        assert m["comments"] == expected["comments"] and m["shares"] == expected["shares"]
        assert m["views"] is m["reach"] is m["clicks"] is None
        note = fb.metrics_notes[post_id]
        assert ("100 likes" in note) if why == "small_page" else ("read_insights" in note)
    assert fb.withdrawn_metrics.get(fb.settings.graph_api_url, set()) <= {"post_clicks"}
    requests.post(f"{sandbox_env.url}/_sandbox/clock", json={"frozen": False})


def test_a_failed_sub_request_is_unread_not_gone(sandbox_env, fb):
    ids = [fb.publish(delivery("facebook", f"Sub {n}")).remote_id for n in range(2)]
    fault(sandbox_env, endpoint="facebook.get_post", mode="status", status=500)
    result = fb.fetch_metrics(ids)
    assert len(result) == 1 and len(fb.metrics_unread) == 1  # kept, read again later
    (unread,) = fb.metrics_unread
    assert unread not in result and "read again" in fb.metrics_notes[unread]


def test_connect_help_names_every_permission_the_service_uses():
    from outreach.platforms.facebook import FacebookPlatform

    [token] = [f for f in FacebookPlatform.credential_fields if f.name == "page_token"]
    named = set(re.findall(r"\b[a-z]+(?:_[a-z]+)+\b", token.help))
    assert named == {"pages_manage_posts", "pages_read_engagement", "read_insights",
                     "pages_read_user_content", "pages_manage_engagement"}
