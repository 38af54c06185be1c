"""X replies for many posts per call: recent search with several `conversation_id:` terms OR'ed
per query, within X's query length limit, through tweepy against the sandbox."""

from __future__ import annotations

import math
from datetime import timedelta

import httpx
import pytest
import requests
import tweepy
from platform_kit import delivery, make_client
from x_kit import record

from outreach.platforms.x import replies as x_replies


@pytest.fixture
def x(sandbox_env):
    requests.post(f"{sandbox_env.url}/_sandbox/limits",
                  json={"endpoint": "x.create_tweet", "limit": 200}).raise_for_status()
    return make_client("x")


def _posts_with_replies(sandbox, x, wanted: int) -> tuple[list[str], dict[str, int]]:
    """`wanted` posts three days old (inside the 7-day search window) that have replies, and
    their reply counts; the clock frozen so the counts hold."""
    ids = [x.publish(delivery("x", f"Koleksi baru nomor {n}")).remote_id
           for n in range(wanted + 8)]
    httpx.post(f"{sandbox.url}/_sandbox/clock",
               json={"advance": 3 * 86400, "frozen": True}).raise_for_status()
    figures = x.fetch_metrics(ids)
    with_replies = [i for i in ids if figures[i]["comments"]][:wanted]
    assert len(with_replies) == wanted
    return with_replies, {i: figures[i]["comments"] for i in with_replies}


def test_replies_of_25_posts_take_two_searches(sandbox_env, x):
    ids, counts = _posts_with_replies(sandbox_env, x, 25)
    sent = record(x)
    before = x.requests_made
    found = x.fetch_comments_many(ids)
    assert x.requests_made - before == len(sent)  # what the engagement sync counts

    searches = [s for s in sent if s.path == "/2/tweets/search/recent"]
    first_pages = [s for s in searches if "next_token" not in s.query]
    # 13 terms of a 19-digit id fit in 512 characters: 25 posts are 2 searches (≤ ⌈25/10⌉).
    groups = x_replies.queries(ids)
    assert [len(g) for g in groups] == [13, 12]
    assert len(first_pages) == 2 <= math.ceil(len(ids) / 10)
    assert [s.first["query"] for s in first_pages] == [
        " OR ".join(f"conversation_id:{i}" for i in g) for g in groups]
    assert all(len(s.first["query"]) <= 512 for s in searches)
    # Further pages only where a query's conversations hold more than 100 replies.
    assert len(searches) == sum(max(1, math.ceil(sum(counts[i] for i in g) / 100))
                                for g in groups)
    assert all(s.status == 200 for s in searches)

    # Every reply goes to its own post: the same as asking for that post alone.
    assert set(found) == set(ids)
    for rid in ids:
        assert len(found[rid]) == counts[rid]
        alone = x.fetch_comments(rid)
        assert [c.remote_id for c in found[rid]] == [c.remote_id for c in alone]
        assert all(c.url.startswith("https://x.com/") for c in found[rid])
    every = [c.remote_id for rid in ids for c in found[rid]]
    assert len(every) == len(set(every)) == sum(counts.values())


def test_since_is_honoured_and_sent_only_inside_the_window(sandbox_env, x):
    ids, counts = _posts_with_replies(sandbox_env, x, 4)
    everything = x.fetch_comments_many(ids)
    moments = sorted(c.created_at for rid in ids for c in everything[rid])
    middle = moments[len(moments) // 2]
    sent = record(x)
    later = x.fetch_comments_many(ids, since=middle)
    for rid in ids:
        assert [c.remote_id for c in later[rid]] == [
            c.remote_id for c in everything[rid] if c.created_at >= middle]
    assert sent[-1].first["start_time"] == middle.strftime("%Y-%m-%dT%H:%M:%SZ")

    # A `since` older than the search window is not sent (X refuses it): every reply found.
    sent.clear()
    old = x.fetch_comments_many(ids, since=middle - timedelta(days=8))
    assert "start_time" not in sent[-1].query
    assert {rid: len(c) for rid, c in old.items()} == counts


def test_ids_are_packed_up_to_the_query_limit():
    ids = [str(1_900_000_000_000_000_000 + n) for n in range(40)]
    groups = x_replies.queries(ids)
    assert [len(g) for g in groups] == [13, 13, 13, 1]
    assert [i for g in groups for i in g] == ids
    assert all(len(x_replies.query(g)) <= 512 for g in groups)
    assert len(x_replies.query(ids[:14])) > 512  # one more term would not fit
    short = [str(n) for n in range(1000, 1100)]  # shorter ids: more per query
    assert all(len(x_replies.query(g)) <= 512 for g in x_replies.queries(short))
    assert len(x_replies.queries(short)) < math.ceil(len(short) / 13)


def test_the_sandbox_refuses_a_query_over_512_characters(sandbox_env, x):
    ids = [str(1_900_000_000_000_000_000 + n) for n in range(14)]
    query = x_replies.query(ids)
    assert len(query) > 512
    with pytest.raises(tweepy.BadRequest) as refused:
        x.client.search_recent_tweets(query, user_auth=True)
    answer = refused.value.response
    assert answer.status_code == 400
    body = answer.json()
    assert body["title"] == "Invalid Request"
    assert body["errors"][0]["parameters"] == {"query": [query]}
    assert "512" in body["errors"][0]["message"]
    # One term fewer fits and is answered; nothing was searched for the refused one.
    assert x.client.search_recent_tweets(x_replies.query(ids[:13]), user_auth=True)


def test_the_sandbox_reads_or_terms_as_x_does(sandbox_env, x):
    ids, counts = _posts_with_replies(sandbox_env, x, 2)
    a, b = ids

    def search(query: str) -> set[str]:
        body = x.client.search_recent_tweets(query, user_auth=True, max_results=100,
                                             tweet_fields=["conversation_id"])
        return {t["conversation_id"] for t in body.get("data") or []}

    assert search(f"conversation_id:{a} OR conversation_id:{b}") == {a, b}
    assert search(f"(conversation_id:{a} OR conversation_id:{b})") == {a, b}
    assert search(f"(conversation_id:{a}) OR (conversation_id:{b})") == {a, b}
    assert search(f"conversation_id:{a}") == {a}
    # Juxtaposed terms mean AND, and a lower-case "or" is a keyword: not what we ask.
    for query in (f"conversation_id:{a} conversation_id:{b}",
                  f"conversation_id:{a} or conversation_id:{b}",
                  f"conversation_id:{a}) OR (conversation_id:{b}"):
        with pytest.raises(tweepy.BadRequest):
            search(query)
