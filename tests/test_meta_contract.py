"""Meta's documented answers (tests/data/meta/, each naming its doc page) read through our Graph
adapters: the classification of errors and the reading of insights, counts, batch answers and
comments agree with the docs, not only with our sandbox. The answers are served by a tiny local
HTTP server that the real pyfacebook client of our adapters talks to."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from platform_kit import make_client
from pyfacebook.exceptions import FacebookError

from outreach.platforms.graph import refusal, sub_error

DATA = Path(__file__).parent / "data" / "meta"
FIXTURES = sorted(DATA.glob("*.json"))
ERRORS = [p for p in FIXTURES if "error" in json.loads(p.read_text())]


def fixture(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text())


def test_there_are_fixtures_and_each_names_its_page():
    assert len(FIXTURES) >= 11 and len(ERRORS) >= 5
    for path in FIXTURES:
        doc = json.loads(path.read_text())
        assert doc["_source"].startswith("https://developers.facebook.com/docs/"), path.name


@pytest.mark.parametrize("path", ERRORS, ids=lambda p: p.stem)
def test_documented_errors_are_classified(sandbox_env, path):
    doc = json.loads(path.read_text())
    expect = doc["_expect"]
    if "refusal" in expect:
        kind = refusal(sub_error(doc))
        assert kind == expect["refusal"]
        assert kind != "gone"  # none of these means the post was deleted
    if "kind" in expect:
        client = make_client("instagram" if path.stem.startswith("ig_") else "facebook")
        error = client.graph_error(FacebookError(doc), publishing=False, action="testing")
        assert error.kind.value == expect["kind"]


# -- documented answers served to the real client -----------------------------------------------
class _Graph(BaseHTTPRequestHandler):
    """Answers as Graph would: a POST is a batch (`batch` form field), a GET a connection."""

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        asked = json.loads(form["batch"][0])
        self.server.asked.append([item["relative_url"] for item in asked])
        self._send(self.server.answer_batch(asked))

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        self.server.asked.append([url.path, query])
        self._send(self.server.answer_get(url.path, query))

    def _send(self, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def graph(monkeypatch):
    """A local Graph answering with documented bodies; clients of both Meta platforms on it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Graph)
    server.asked = []
    server.answer_batch = lambda asked: pytest.fail("no batch expected")
    server.answer_get = lambda path, query: pytest.fail("no GET expected")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/graph"
    monkeypatch.setenv("OUTREACH_GRAPH_API_URL", url)
    monkeypatch.setenv("OUTREACH_FACEBOOK_PAGE_ID", "104857600123")
    monkeypatch.setenv("OUTREACH_FACEBOOK_PAGE_TOKEN", "EAAcontractpagetoken")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_USER_ID", "17841400000000123")
    monkeypatch.setenv("OUTREACH_INSTAGRAM_ACCESS_TOKEN", "EAAcontractigtoken")
    from outreach.platforms.facebook import FacebookPlatform
    from outreach.platforms.instagram import InstagramPlatform

    FacebookPlatform.withdrawn_metrics.clear()
    InstagramPlatform.withdrawn_metrics.clear()
    server.client = lambda name: make_client(name, graph_api_url=url)
    yield server
    server.shutdown()
    server.server_close()
    FacebookPlatform.withdrawn_metrics.clear()
    InstagramPlatform.withdrawn_metrics.clear()


def batch_of(*bodies) -> list:
    """Graph's batch answer for sub-requests that all succeeded: bodies as JSON strings."""
    return [{"code": 200, "headers": [{"name": "Content-Type",
                                        "value": "text/javascript; charset=UTF-8"}],
             "body": json.dumps(body)} for body in bodies]


def test_facebook_post_fields_and_insights_become_our_metrics(graph):
    fields, insights = fixture("fb_post_fields"), fixture("fb_post_insights")
    post = fields["id"]
    graph.answer_batch = lambda asked: batch_of(fields, insights)
    client = graph.client("facebook")
    metrics = client.fetch_metrics([post])
    assert graph.asked[0][0].startswith(f"{post}?fields=shares,reactions.summary(total_count)")
    assert graph.asked[0][1].startswith(f"{post}/insights?metric=")
    want = {**insights["_expect"], **{k: fields["_expect"][k]
                                      for k in ("likes", "comments", "shares")}}
    assert metrics == {post: {**want, "saves": None}}
    assert client.metrics_notes == {} and client.metrics_unread == set()
    # The newest comments came along (newest first, as asked); with a `next` page they are
    # not all of them.
    comments, complete = client._comments_seen[post]
    assert [c.remote_id for c in comments] == fields["_expect"]["comment_ids"]
    assert complete is fields["_expect"]["complete"]
    assert comments[0].parent_id == fields["_expect"]["reply_parent"]
    assert comments[0].author_handle == "Rina Wulandari"
    assert str(comments[0].created_at) == "2026-12-05 03:15:00+00:00"


def test_instagram_media_fields_and_insights_become_our_metrics(graph):
    fields, insights = fixture("ig_media_fields"), fixture("ig_media_insights")
    media = fields["id"]
    graph.answer_batch = lambda asked: batch_of(fields, insights)
    client = graph.client("instagram")
    metrics = client.fetch_metrics([media])
    assert graph.asked[0][0].startswith(f"{media}?fields=like_count,comments_count,comments")
    assert metrics == {media: {**insights["_expect"], "clicks": None}}
    # The comments rode along, all of them (no `next`): no call of their own.
    asked = len(graph.asked)
    found = client.fetch_comments_many([media])[media]
    assert len(graph.asked) == asked
    expect = fields["_expect"]
    assert [c.remote_id for c in found] == expect["comment_ids"]  # oldest first
    assert [c.author_handle for c in found] == expect["handles"]  # oldest first
    assert [c.own for c in found] == expect["own"]
    assert found[1].parent_id == expect["comment_ids"][0]


def test_instagram_counts_stand_in_when_insights_are_an_empty_set(graph):
    """The insights page: missing data is an empty data set, not 0; the media's own
    like_count and comments_count are then what we have."""
    fields = fixture("ig_media_fields")
    graph.answer_batch = lambda asked: batch_of(fields, {"data": []})
    metrics = graph.client("instagram").fetch_metrics([fields["id"]])[fields["id"]]
    assert metrics["likes"] == fields["_expect"]["likes"]
    assert metrics["comments"] == fields["_expect"]["comments"]
    assert metrics["views"] is None and metrics["reach"] is None and metrics["saves"] is None


def test_documented_batch_answer_with_a_failed_and_a_timed_out_sub_request(graph):
    doc = fixture("batch_with_failed_sub_request")
    graph.answer_batch = lambda asked: doc["batch"]
    client = graph.client("facebook")
    metrics = client.fetch_metrics(doc["_asked"])
    assert len(graph.asked[0]) == len(doc["batch"])
    for post, expect in doc["_expect"].items():
        if expect.get("unread"):  # timed out (null): not read this time, not gone
            assert post not in metrics
            assert post in client.metrics_unread
            assert "will be read again" in client.metrics_notes[post]
            continue
        figures = {k: v for k, v in expect.items() if k != "note"}
        assert metrics[post] == {**figures, "saves": None}
        if "note" in expect:
            assert expect["note"] in client.metrics_notes[post]
        else:
            assert post not in client.metrics_notes


def test_documented_comments_edge_is_read_across_its_pages(graph):
    doc = fixture("fb_comments_edge")
    first, second = doc["pages"]
    after = first["paging"]["cursors"]["after"]
    graph.answer_get = lambda path, query: second if query.get("after") == after else first
    client = graph.client("facebook")
    found = client.fetch_comments("104857600123_900000000000001")
    assert len(graph.asked) == 2  # the second page was asked by its cursor; no third
    assert graph.asked[0][0].endswith("/104857600123_900000000000001/comments")
    assert graph.asked[1][1]["after"] == after
    expect = doc["_expect"]
    assert [c.remote_id for c in found] == expect["ids"]  # oldest first
    assert [c.text for c in found] == expect["texts"]
    assert [c.author_handle for c in found] == expect["authors"]
    assert [c.own for c in found] == expect["own"]
    assert found[1].parent_id == expect["parent_of_second"]
    assert found[0].url.endswith("comment_id=3001")
