"""Engagement sync against the sandbox over real HTTP: the metrics stored are exactly what the
platforms said, in the fewest calls, inside the rate limits, on the aging schedule, and a post
deleted on the platform stops being polled."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import pytest
from engagement_kit import clock, deliveries, fault, limit, ours, seed
from sqlmodel import Session, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.config import get_settings, load_settings
from outreach.db import get_engine
from outreach.desk.queue import NewPost, create_post
from outreach.dispatch.dispatcher import run_due
from outreach.engagement.sync import RECHECK, next_sync, sync_pass
from outreach.models import Account, EngagementSnapshot, utcnow

runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_spacing(fast_schedule):
    return fast_schedule


def snapshots(delivery_id: int | None = None) -> list[EngagementSnapshot]:
    with Session(get_engine(get_settings().database_url)) as session:
        query = select(EngagementSnapshot).order_by(EngagementSnapshot.id)
        if delivery_id is not None:
            query = query.where(EngagementSnapshot.delivery_id == delivery_id)
        return list(session.exec(query))


def test_report_json_equals_the_sandbox_after_publishing_and_one_sync(
        db_url, sandbox_env, media_server, tmp_path):
    import httpx
    from platform_kit import jpeg

    httpx.post(sandbox_env.url + "/_sandbox/options",
               json={"instagram.processing_seconds": 0.05}).raise_for_status()
    settings = get_settings()
    image = jpeg(tmp_path, "pameran.jpg", (1080, 1080))
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        for text in ("Pameran buku langka, Sabtu 09.00 WITA", "Kelas menulis untuk remaja"):
            create_post(session, settings, NewPost(
                platforms=["x", "facebook", "instagram"], text=text, images=[image],
                alt_texts=["Sampul buku"], at=utcnow()))
    while run_due().more:
        pass
    queue = json.loads(runner.invoke(app, ["queue", "--json"]).output)
    assert len(queue) == 6 and {d["status"] for d in queue} == {"published"}
    # Let the posts age, then stop the sandbox's clock so its figures hold still.
    clock(sandbox_env, advance=5 * 3600, frozen=True)

    synced = runner.invoke(app, ["sync-engagement", "--once"])
    assert synced.exit_code == 0, synced.output
    assert "snapshots 6" in synced.output

    result = runner.invoke(app, ["report", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    posted = {(p, item["id"]): item["metrics"] for p in ("x", "facebook", "instagram")
              for item in sandbox_env.state()[p]}
    assert sorted(d["id"] for d in report["deliveries"]) == sorted(d["id"] for d in queue)
    for d in report["deliveries"]:
        expected = ours(d["platform"], posted[(d["platform"], d["remote_id"])])
        assert d["metrics"] == expected, d["platform"]
        assert any(v for v in expected.values())  # the posts really aged
    for platform, totals in report["totals"].items():
        mine = [d["metrics"] for d in report["deliveries"] if d["platform"] == platform]
        for metric, total in totals.items():
            values = [m[metric] for m in mine if m[metric] is not None]
            assert total == (sum(values) if values else None)


def test_metric_calls_are_the_minimum_per_platform(db_url, sandbox_env):
    counts = {"x": 230, "facebook": 120, "instagram": 60}
    for platform, n in counts.items():
        seed(sandbox_env, platform, n)
    clock(sandbox_env, frozen=True)
    result = sync_pass(load_settings())
    calls = sandbox_env.state()["calls"]
    assert calls.get("x.get_tweets") == math.ceil(230 / 100) == 3
    # Facebook and Instagram share the Graph batch endpoint (50 sub-requests a call); a post
    # takes two (its own fields, its insights, so a refusal of insights keeps the rest):
    # ⌈2·120/50⌉ + ⌈2·60/50⌉ batches.
    assert calls.get("graph.batch") == math.ceil(240 / 50) + math.ceil(120 / 50) == 8
    assert calls.get("facebook.get_post") == 120 and calls.get("facebook.insights") == 120
    assert calls.get("instagram.insights") == 60
    assert result.calls == 11 and result.snapshots == sum(counts.values())
    assert len(snapshots()) == sum(counts.values())
    assert all(d.last_snapshot_id for d in deliveries())


def test_an_empty_window_stops_the_account_before_a_429(db_url, sandbox_env):
    ids = seed(sandbox_env, "x", 250)
    limit(sandbox_env, "x.get_tweets", 2)
    result = sync_pass(load_settings())
    # Two calls used the window; the third batch waits for its reset instead of meeting a 429.
    assert sandbox_env.state()["calls"]["x.get_tweets"] == 2
    assert result.snapshots == 200 and result.waiting and not result.errors
    waiting = [d for d in deliveries() if d.id in ids and d.last_snapshot_id is None]
    assert len(waiting) == 50
    assert all(d.next_sync_at > utcnow() + timedelta(minutes=5) for d in waiting)
    again = sync_pass(load_settings())
    assert again.calls == 0 and sandbox_env.state()["calls"]["x.get_tweets"] == 2


def test_a_429_waits_for_the_reset_and_keeps_nothing_half_done(db_url, sandbox_env):
    ids = seed(sandbox_env, "facebook", 3)
    fault(sandbox_env, endpoint="graph.batch", mode="rate_limit", seconds=600)
    result = sync_pass(load_settings())
    assert result.waiting and result.snapshots == 0 and not result.errors
    for d in deliveries():
        assert d.id in ids and d.sync_misses == 0 and d.removed_at is None
        assert d.next_sync_at > utcnow() + timedelta(minutes=5)


def test_aging_schedule_and_history_is_appended(db_url, sandbox_env):
    steps = load_settings().sync_steps
    t0 = utcnow()
    hour, day = timedelta(hours=1), timedelta(days=1)
    assert next_sync(t0, t0, steps) == t0 + hour
    assert next_sync(t0, t0 + 23 * hour, steps) == t0 + 24 * hour
    assert next_sync(t0, t0 + day, steps) == t0 + day + 6 * hour
    assert next_sync(t0, t0 + 8 * day, steps) == t0 + 9 * day
    assert next_sync(t0, t0 + 31 * day, steps) == t0 + 38 * day
    assert next_sync(t0, t0 + 88 * day, steps) == t0 + 90 * day  # the last reading, on day 90
    assert next_sync(t0, t0 + 90 * day, steps) is None  # then never again
    custom = load_settings(engagement_schedule="2h: 30m").sync_steps
    assert next_sync(t0, t0 + hour, custom) == t0 + 90 * timedelta(minutes=1)

    (d_id,) = seed(sandbox_env, "x", 1, age=timedelta(0), published_at=t0)
    settings = load_settings()
    assert sync_pass(settings, now=t0).snapshots == 1
    first = snapshots(d_id)[0]
    assert sync_pass(settings, now=t0 + 30 * timedelta(minutes=1)).calls == 0  # not due yet
    clock(sandbox_env, advance=3600)
    assert sync_pass(settings, now=t0 + 61 * timedelta(minutes=1)).snapshots == 1
    history = snapshots(d_id)
    assert len(history) == 2 and history[0] == first  # appended, never overwritten
    assert history[1].views > history[0].views
    (d,) = deliveries(id=d_id)
    assert d.last_snapshot_id == history[1].id


def test_a_post_deleted_on_the_platform_is_marked_removed_and_no_longer_polled(
        db_url, sandbox_env):
    kept, gone = seed(sandbox_env, "x", 2)
    remote = {d.id: d.remote_id for d in deliveries()}
    settings = load_settings()
    # A failed call proves nothing: the posts are not counted missing.
    fault(sandbox_env, endpoint="x.get_tweets", mode="status", status=503)
    assert sync_pass(settings).errors
    assert all(d.sync_misses == 0 for d in deliveries())
    with sandbox_env.sandbox.lock:
        del sandbox_env.sandbox.posts[("x", remote[gone])]
    now = utcnow() + timedelta(minutes=20)
    sync_pass(settings, now=now)
    (d,) = deliveries(id=gone)
    assert d.removed_at is None and d.sync_misses == 1  # once may be a hiccup: look again
    result = sync_pass(settings, now=now + RECHECK)
    assert result.removed == 1
    (d,) = deliveries(id=gone)
    assert d.removed_at is not None and d.next_sync_at is None
    (k,) = deliveries(id=kept)
    assert k.removed_at is None and k.last_snapshot_id
    calls = sandbox_env.state()["calls"]["x.get_tweets"]
    later = sync_pass(settings, now=now + timedelta(days=30))
    assert later.calls == 1 and later.snapshots == 1  # only the post that still exists
    assert sandbox_env.state()["calls"]["x.get_tweets"] == calls + 1


def test_held_accounts_are_not_polled_and_expired_tokens_flag_the_account(db_url, sandbox_env):
    seed(sandbox_env, "x", 2)
    seed(sandbox_env, "facebook", 2)
    with Session(get_engine(db_url)) as session:
        x = session.exec(select(Account).where(Account.platform == "x")).one()
        x.health = "paused"
        session.add(x)
        session.commit()
    fault(sandbox_env, endpoint="graph.batch", mode="status", status=401)
    result = sync_pass(load_settings())
    assert "x.get_tweets" not in sandbox_env.state()["calls"]
    assert result.snapshots == 0 and any("reconnect" in e for e in result.errors)
    with Session(get_engine(db_url)) as session:
        fb = session.exec(select(Account).where(Account.platform == "facebook")).one()
    assert fb.health == "needs_reconnect"
    assert sync_pass(load_settings()).calls == 0


def test_cli_sync_needs_once_and_reports_plainly(db_url, sandbox_env):
    result = runner.invoke(app, ["sync-engagement"])
    assert result.exit_code == 1 and "--once" in result.output
    seed(sandbox_env, "x", 1)
    fault(sandbox_env, endpoint="x.get_tweets", mode="status", status=500)
    result = runner.invoke(app, ["sync-engagement", "--once"])
    assert result.exit_code == 1 and "server error" in result.output
    assert "Traceback" not in result.output


def test_sync_on_postgresql(pg_url, sandbox_env):
    from outreach.db import init_db

    init_db(pg_url)
    seed(sandbox_env, "facebook", 60, age=timedelta(hours=6))
    seed(sandbox_env, "x", 10, age=timedelta(hours=6))
    clock(sandbox_env, frozen=True)
    result = sync_pass(load_settings())
    assert result.calls == 4 and result.snapshots == 70 and not result.errors
    assert sandbox_env.state()["calls"]["graph.batch"] == 3
    assert result.comments > 0  # six hours old: the public has said something
    assert sync_pass(load_settings()).calls == 0
    assert all(d.last_snapshot_id and d.last_interactions is not None for d in deliveries())


def test_a_sync_after_31_days_keeps_every_live_x_post(db_url, sandbox_env):
    settings = get_settings()
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        for n in range(3):
            create_post(session, settings, NewPost(platforms=["x"], text=f"Buku baru {n}",
                                                   images=[], alt_texts=[], at=utcnow()))
    while run_due().more:
        pass
    clock(sandbox_env, advance=31 * 86400, frozen=True)
    result = sync_pass(load_settings(), now=utcnow() + timedelta(days=31))
    assert result.snapshots == 3 and result.removed == 0 and not result.errors
    posted = {p["id"]: p["metrics"] for p in sandbox_env.state()["x"]}
    for d in deliveries():
        assert d.removed_at is None and d.sync_misses == 0
        [snap] = snapshots(d.id)
        assert snap.views == posted[d.remote_id]["impression_count"] and snap.clicks is None


def test_after_31_days_low_reach_media_and_a_page_without_insights_keep_every_post(
        db_url, sandbox_env):
    """Insights refused (Instagram's "Not enough viewers", a Page under 100 likes) are not
    "removed": every live post keeps being read, with its likes and comments, and says why
    views and reach are missing; only a post deleted on the platform (#100/33) is removed."""
    import httpx

    t0 = utcnow()
    fb = seed(sandbox_env, "facebook", 4, age=timedelta(0), published_at=t0)
    ig = seed(sandbox_env, "instagram", 4, age=timedelta(0), published_at=t0)
    clock(sandbox_env, frozen=True)
    httpx.post(sandbox_env.url + "/_sandbox/options", json={
        "facebook.page_likes": 40, "instagram.min_viewers": 10**9}).raise_for_status()
    remote = {d.id: (d.platform, d.remote_id) for d in deliveries()}
    gone = fb[-1]
    settings = load_settings()
    notes: list[str] = []
    for hour in range(0, 31 * 24 + 1, 6):
        if hour == 48:  # deleted on Facebook after two days
            with sandbox_env.sandbox.lock:
                del sandbox_env.sandbox.posts[remote[gone]]
        result = sync_pass(settings, now=t0 + timedelta(hours=hour))
        assert not result.errors
        notes += result.notes
        clock(sandbox_env, advance=6 * 3600)
    clock(sandbox_env, advance=-6 * 3600)  # back to the last reading's moment
    posted = {(p, item["id"]): item["metrics"] for p in ("facebook", "instagram")
              for item in sandbox_env.state()[p]}
    for d in deliveries():
        if d.id == gone:
            assert d.removed_at is not None
            continue
        assert d.removed_at is None and d.sync_misses == 0, d.platform
        history = snapshots(d.id)
        assert history[-1].taken_at >= t0 + timedelta(days=30)  # still read after 30 days
        expected = ours(d.platform, posted[remote[d.id]])
        last = history[-1]
        assert (last.likes, last.comments) == (expected["likes"], expected["comments"])
        assert last.views is None and last.reach is None
        if d.platform == "facebook":
            assert last.shares == expected["shares"]
        assert d.last_error_kind == "metrics_partial"
        assert ("100 likes" if d.platform == "facebook" else "Not enough viewers") \
            in d.last_error
    assert any("100 likes" in n for n in notes) and any("Not enough viewers" in n for n in notes)
    assert set(fb + ig) == set(remote)


def test_graph_comments_ride_in_the_metrics_batches(db_url, sandbox_env):
    from outreach.sandbox.comments import comments_of

    seed(sandbox_env, "facebook", 30, age=timedelta(hours=6))
    seed(sandbox_env, "instagram", 30, age=timedelta(hours=6))
    clock(sandbox_env, frozen=True)
    result = sync_pass(load_settings())
    calls = sandbox_env.state()["calls"]
    state = sandbox_env.sandbox
    made = sum(len(comments_of(state, p, "comments")) for p in state.posts.values())
    assert made > 0 and result.comments == made and not result.errors
    # Only the metric batches: ⌈2·30/50⌉ each, and no comment call of their own.
    assert calls["graph.batch"] == 4 and result.calls == 4 and result.comment_calls == 0
    assert "facebook.comments" not in calls and "instagram.comments" not in calls
