"""The walking skeleton through its real path: MARC file -> import -> plan -> queue ->
publish-due on X (tweepy over HTTP to the sandbox) -> published -> /healthz counts it."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from outreach.cli import app
from outreach.demo import load_catalogue, marc_record
from outreach.web.app import create_app

runner = CliRunner()


def cli(*args: str):
    result = runner.invoke(app, list(args))
    return result


def write_catalogue(path, items) -> None:
    now = datetime.now(UTC)
    with open(path, "wb") as handle:
        for item in items:
            handle.write(marc_record(item, now).as_marc())


def test_marc_to_published_on_x(db_url, sandbox_env, fast_schedule, tmp_path):
    # The skeleton's path: one announcement per new title, on X, due at once (no slots). It
    # plans and publishes on the real clock, so nothing may hang on the day: no digest, and no
    # quiet dates (on a holiday the first post would wait for tomorrow).
    (fast_schedule / "zz-test.yaml").write_text(
        "platforms:\n  x: {every_minutes: 0.01, spacing_minutes: 30, max_per_day: 100}\n"
        "acquisitions: {platforms: [x]}\n"
        "digest: {platforms: []}\n"
        "quiet_dates: []\n", encoding="utf-8")
    items = [i for i in load_catalogue() if i["days_ago"] <= 30][:3]
    old = [i for i in load_catalogue() if i["days_ago"] > 30][:1]
    marc = tmp_path / "baru.mrc"
    write_catalogue(marc, items + old)

    imported = cli("import", "marc", str(marc), "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout) == {"created": 4, "updated": 0, "unchanged": 0, "errors": []}

    planned = cli("plan")
    assert planned.exit_code == 0, planned.output
    queue = json.loads(cli("queue", "--json").stdout)
    # One announcement per new title; the old title stays quiet.
    assert len(queue) == 3
    assert {d["platform"] for d in queue} == {"x"}
    assert all(d["status"] == "scheduled" for d in queue)
    first = min(queue, key=lambda d: d["scheduled_at"])
    assert items[0]["title"][:20] in json.dumps([d["text"] for d in queue], ensure_ascii=False)

    # Re-planning is idempotent.
    assert cli("plan").exit_code == 0
    assert len(json.loads(cli("queue", "--json").stdout)) == 3

    # The grid may put the first post a fraction of a second ahead: wait for its time.
    wait = (datetime.fromisoformat(first["scheduled_at"]) - datetime.now(UTC)).total_seconds()
    time.sleep(max(0.0, wait) + 0.05)
    published = cli("publish-due", "--once")
    assert published.exit_code == 0, published.output
    queue = {d["id"]: d for d in json.loads(cli("queue", "--json").stdout)}
    done = queue[first["id"]]
    assert done["status"] == "published"
    assert done["remote_id"] and done["remote_id"].isdigit()
    # Only the first is due now: the others wait for their spacing on the account.
    assert sum(d["status"] == "published" for d in queue.values()) == 1

    posted = sandbox_env.state()["x"]
    assert [p["id"] for p in posted] == [done["remote_id"]]
    assert posted[0]["text"] == done["text"]

    health = TestClient(create_app()).get("/healthz")
    assert health.status_code == 200
    assert health.json()["deliveries"]["published"] == 1
    assert health.json()["deliveries"]["scheduled"] == 2


def test_staff_post_published_once(db_url, sandbox_env):
    result = cli("post", "--platform", "x", "--text", "Perpustakaan buka pukul 08.00 WITA.")
    assert result.exit_code == 0, result.output
    assert cli("publish-due", "--once").exit_code == 0
    assert cli("publish-due", "--once").exit_code == 0  # nothing left: no second post
    queue = json.loads(cli("queue", "--json").stdout)
    assert [d["status"] for d in queue] == ["published"]
    assert len(sandbox_env.state()["x"]) == 1
    status = cli("status")
    assert "published" in status.output


def test_post_at_local_time_is_stored_in_utc(db_url, sandbox_env):
    year = datetime.now(UTC).year + 1  # always ahead: publish-due must leave it waiting
    result = cli("post", "--platform", "x", "--text", "Besok", "--at", f"{year}-12-05T09:00")
    assert result.exit_code == 0, result.output
    (d,) = json.loads(cli("queue", "--json").stdout)
    assert d["scheduled_at"] == f"{year}-12-05T09:00:00+08:00"
    assert cli("publish-due", "--once").exit_code == 0
    assert json.loads(cli("queue", "--json").stdout)[0]["status"] == "scheduled"


def test_post_errors_are_plain(db_url, sandbox_env, tmp_path):
    img = tmp_path / "a.jpg"
    img.write_bytes(b"\xff\xd8\xff")
    no_alt = cli("post", "--platform", "x", "--text", "t", "--image", str(img))
    assert no_alt.exit_code == 1 and "alt text" in no_alt.output
    unknown = cli("post", "--platform", "myspace", "--text", "t")
    assert unknown.exit_code == 1 and "Unknown platform" in unknown.output
    assert "Traceback" not in no_alt.output + unknown.output


def test_status_says_when_posts_are_overdue_and_the_clock_is_silent(db_url, sandbox_env):
    from datetime import timedelta

    from sqlmodel import Session

    from outreach.db import get_engine
    from outreach.models import Delivery, Heartbeat

    posted = cli("post", "--platform", "x", "--text", "Perpustakaan tutup hari Minggu.")
    assert posted.exit_code == 0, posted.output
    calm = json.loads(cli("status", "--json").stdout)
    assert calm["overdue_seconds"] == 0 and calm["clock_silent_seconds"] == 0
    long_ago = datetime.now(UTC) - timedelta(minutes=20)
    with Session(get_engine(db_url)) as s:  # nothing ran for 20 minutes
        d = s.get(Delivery, 1)
        d.scheduled_at = d.next_attempt_at = long_ago
        s.add(d)
        s.add(Heartbeat(process_id="clock:host:1:abcd", role="clock", host="host", pid=1,
                        started_at=long_ago, last_tick_at=long_ago))
        s.commit()
    stale = json.loads(cli("status", "--json").stdout)
    assert stale["overdue_seconds"] >= 1200 and stale["clock_silent_seconds"] >= 1200
    text = cli("status").output
    assert "overdue by 20 min" in text and "is a worker running" in text
    assert "silent for 20 min" in text
    health = TestClient(create_app()).get("/healthz").json()
    assert health["overdue_seconds"] >= 1200 and health["clock_silent_seconds"] >= 1200
