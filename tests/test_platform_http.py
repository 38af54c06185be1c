"""The one HTTP seam: routing to a base URL, default timeouts, logs without secrets."""

from __future__ import annotations

import logging
import socket

import pytest
import requests

from outreach.platforms.http import (
    DEFAULT_TIMEOUT,
    BaseURLAdapter,
    configure_session,
    mask_secrets,
    may_have_reached_platform,
)


@pytest.mark.parametrize(
    ("base", "url", "expected"),
    [
        ("http://127.0.0.1:8765/x", "https://api.twitter.com/2/tweets?x=1",
         "http://127.0.0.1:8765/x/2/tweets?x=1"),
        ("http://127.0.0.1:8765/x/", "https://api.twitter.com/2/tweets",
         "http://127.0.0.1:8765/x/2/tweets"),
        ("https://api.x.com", "https://api.twitter.com/2/tweets/123",
         "https://api.x.com/2/tweets/123"),
        ("http://127.0.0.1:8765/graph", "https://graph.facebook.com/v23.0/1/feed",
         "http://127.0.0.1:8765/graph/v23.0/1/feed"),
        # Already under the base: left alone (no doubled prefix).
        ("http://127.0.0.1:8765/x", "http://127.0.0.1:8765/x/2/tweets",
         "http://127.0.0.1:8765/x/2/tweets"),
    ],
)
def test_rewrite(base, url, expected):
    assert BaseURLAdapter(base).rewrite(url) == expected


def test_base_url_must_be_http():
    with pytest.raises(ValueError):
        BaseURLAdapter("ftp://example.org")


def test_session_goes_to_the_base_url_with_a_default_timeout(sandbox, caplog):
    sandbox.reset()
    session = requests.Session()
    adapter = configure_session(session, sandbox.url + "/_sandbox", secrets=["s3cr3t-value"])
    assert adapter.timeout == DEFAULT_TIMEOUT
    assert session.get_adapter("https://api.twitter.com") is adapter
    assert session.get_adapter("http://anything") is adapter
    caplog.set_level(logging.DEBUG)
    answer = session.get("https://api.twitter.com/state?access_token=s3cr3t-value")
    assert answer.status_code == 200 and answer.json()["x"] == []
    assert answer.request.headers["User-Agent"].startswith("LibraryOutreach/")
    assert "s3cr3t-value" not in caplog.text
    assert f"GET {sandbox.url}/_sandbox/state?access_token=*** -> 200" in caplog.text


def test_mask_secrets():
    text = (
        "GET https://graph.facebook.com/v23.0/me?fields=id&access_token=EAAB123abc&x=1 "
        "token s3cr/t+1 encoded s3cr%2Ft%2B1 "
        "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid "
        'Authorization: OAuth oauth_consumer_key="ck", oauth_signature="abc"'
    )
    masked = mask_secrets(text, ["s3cr/t+1", None, ""])
    for leaked in ("EAAB123abc", "s3cr/t+1", "s3cr%2Ft%2B1", "AAAAAAAAAAAAAAAAAAAAAMLhe",
                   'oauth_signature="abc"'):
        assert leaked not in masked
    assert "fields=id" in masked and "&x=1" in masked
    assert mask_secrets("OAuth 1.0a is used by X", []) == "OAuth 1.0a is used by X"


def test_what_may_have_reached_the_platform():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as refused:
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    assert not may_have_reached_platform(refused.value)
    assert not may_have_reached_platform(requests.ConnectTimeout())
    assert may_have_reached_platform(requests.ReadTimeout())
    assert may_have_reached_platform(requests.ConnectionError("Connection aborted."))


def test_routed_session_signs_once_for_the_url_really_used(sandbox):
    """OAuth 1.0a signs scheme, host and path: a routed session moves the request to the base
    URL before its auth handler signs it, so the adapter has nothing to sign again."""
    from urllib.parse import unquote

    from oauthlib.oauth1 import Client as OAuthClient
    from requests_oauthlib import OAuth1

    from outreach.platforms.http import routed_session

    sandbox.reset()
    resigned = []
    session = routed_session(sandbox.url + "/_sandbox", resign=resigned.append)
    answer = session.get("https://api.x.com/state?x=1", auth=OAuth1("ck", "cs", "1500-t", "ts"))
    assert answer.status_code == 200
    request = answer.request
    assert request.url == f"{sandbox.url}/_sandbox/state?x=1"
    assert resigned == []
    header = request.headers["Authorization"]
    header = header.decode() if isinstance(header, bytes) else header
    params = dict(p.split("=", 1) for p in header.removeprefix("OAuth ").split(", "))
    params = {k: unquote(v.strip('"')) for k, v in params.items()}
    again = OAuthClient("ck", client_secret="cs", resource_owner_key="1500-t",
                        resource_owner_secret="ts", nonce=params["oauth_nonce"],
                        timestamp=params["oauth_timestamp"])
    _, headers, _ = again.sign(request.url, "GET")
    assert params["oauth_signature"] == unquote(
        headers["Authorization"].split('oauth_signature="')[1].split('"')[0])
