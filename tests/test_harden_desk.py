"""Hardening of the desk's actions against what a person may type or try (issue 18):
mark-published only from where it makes sense and only with the platform's own address."""

from __future__ import annotations

import pytest
from staff_kit import audit_actions, deliveries, make_delivery
from typer.testing import CliRunner

from outreach.cli import app
from outreach.platforms import platform_classes

runner = CliRunner()


@pytest.mark.parametrize("status", ["pending_review", "scheduled", "cancelled", "draft",
                                    "retry_wait"])
def test_mark_published_refused_outside_the_states_that_need_a_person(web, status):
    d = make_delivery(web, status=status)
    staff = web.client("staff")
    refused = web.post(staff, f"/deliveries/{d.id}/mark-published",
                       {"url": "https://x.com/perpus/status/1", "next": f"/deliveries/{d.id}"})
    assert refused.status_code == 409
    assert "Hanya kiriman yang gagal" in refused.text
    [after] = deliveries(web, id=d.id)
    assert after.status == status and after.remote_url is None
    assert audit_actions(web, d.id) == []


@pytest.mark.parametrize(("platform", "url"), [
    ("x", "https://evil.example/x.com/status/1"),
    ("x", "https://x.com.evil.example/perpus/status/1"),
    ("x", "https://www.facebook.com/perpus/posts/1"),  # another platform's page
    ("facebook", "javascript://facebook.com/%0aalert(1)"),
    ("facebook", "https://user@evil.example/facebook.com"),
    ("instagram", "https://instagram.com:notaport/p/1"),
])
def test_mark_published_needs_the_platforms_own_host(web, platform, url):
    d = make_delivery(web, platform=platform, status="unconfirmed")
    staff = web.client("staff")
    refused = web.post(staff, f"/deliveries/{d.id}/mark-published",
                       {"url": url, "next": "/inbox"})
    assert refused.status_code == 422
    assert deliveries(web, id=d.id)[0].status == "unconfirmed"


@pytest.mark.parametrize(("platform", "url"), [
    ("x", "https://twitter.com/perpus/status/1"),
    ("facebook", "https://www.facebook.com/perpus/posts/1"),
    ("facebook", "https://m.facebook.com/story.php?id=1"),
    ("instagram", "https://www.instagram.com/p/Cabc/"),
])
def test_mark_published_accepts_the_platforms_pages(web, platform, url):
    d = make_delivery(web, platform=platform, status="failed")
    staff = web.client("staff")
    marked = web.post(staff, f"/deliveries/{d.id}/mark-published",
                      {"url": url, "next": "/inbox"})
    assert marked.status_code == 303
    [after] = deliveries(web, id=d.id)
    assert after.status == "published" and after.remote_url == url


def test_every_platform_declares_its_hosts():
    for cls in platform_classes():
        assert cls.post_hosts, cls


def test_cli_mark_published_follows_the_same_rules(web):
    waiting = make_delivery(web, status="pending_review")
    result = runner.invoke(app, ["mark-published", str(waiting.id),
                                 "--url", "https://x.com/perpus/status/1"])
    assert result.exit_code != 0 and "pending_review" in result.output
    held = make_delivery(web, status="held")
    wrong = runner.invoke(app, ["mark-published", str(held.id), "--url", "https://bit.ly/x"])
    assert wrong.exit_code != 0 and "x.com" in wrong.output
    ok = runner.invoke(app, ["mark-published", str(held.id),
                             "--url", "https://x.com/perpus/status/2"])
    assert ok.exit_code == 0, ok.output
    assert deliveries(web, id=held.id)[0].status == "published"
