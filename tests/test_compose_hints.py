"""The composer's preview hints: the fold from each platform's Limits, link cards, a clash with
an automatic post and the next free time (desk.moves' rules), accounts that cannot publish."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from staff_kit import accounts, make_delivery, ready_client

from outreach.desk.compose_hints import fold, link_card
from outreach.platforms.facebook import FacebookPlatform as Facebook
from outreach.platforms.instagram import InstagramPlatform as Instagram
from outreach.platforms.x.platform import XPlatform as X


def test_fold_points_come_from_each_platforms_limits():
    text = "Koleksi baru di perpustakaan kota " * 10
    shown, folded = fold(Instagram.limits, text)
    assert folded and len(shown) <= 125
    assert fold(X.limits, text) == (text.rstrip(), False)
    six_lines = "\n".join(f"baris {i}" for i in range(6))
    shown, folded = fold(Facebook.limits, six_lines)
    assert folded and shown.count("\n") == 4
    assert link_card(Facebook.limits, "Daftar: https://perpus.example.id/acara?id=3.")["host"] \
        == "perpus.example.id"
    assert link_card(Instagram.limits, "https://perpus.example.id") is None


def test_preview_warns_of_a_clash_with_an_automatic_post_and_offers_the_next_free_time(
        sandbox_env, web):
    client = ready_client(web, "staff")
    fb = accounts(web)["facebook"]
    at = (datetime.now(UTC) + timedelta(days=3)).replace(hour=3, minute=0, second=0,
                                                         microsecond=0)
    make_delivery(web, platform="facebook", at=at, kind="acquisition")
    local = at.astimezone(web.settings.tz)
    answer = client.post("/compose/preview", headers={"X-CSRF-Token": web.csrf(client)}, json={
        "text": "Pameran " * 80, "accounts": [fb.id], "images": [],
        "at": (local + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")})
    assert answer.status_code == 200, answer.text
    html = answer.json()["html"]
    assert "terlalu dekat dengan unggahan otomatis" in html
    assert 'class="use-time" data-at="' in html
    offered = html.split('class="use-time" data-at="')[1].split('"')[0]
    assert offered > (local + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    assert "lihat selengkapnya" in html  # 640 characters fold on Facebook


def test_suggested_hour_needs_enough_history_and_says_how_many_posts_it_rests_on(db_url):
    from test_reports_evidence import History

    from outreach.config import load_settings
    from outreach.desk.compose_hints import suggested_hour
    from outreach.reports.evidence import MIN_CELL_POSTS

    settings = load_settings(database_url=db_url)
    history = History(db_url)
    start = datetime.now(settings.tz).replace(minute=0, second=0, microsecond=0) \
        - timedelta(days=40)

    def publish(hour: int, count: int, interactions: int) -> None:
        for day in range(count):
            at = start.replace(hour=hour) + timedelta(days=day)
            history.delivery(history.post(), "facebook", at.astimezone(UTC),
                             interactions=interactions)

    def suggestion():
        history.session.commit()
        return suggested_hour(history.session, settings, "facebook")

    # One post short of the evidence rule in each of three hours: no suggestion.
    for hour, interactions in ((8, 10), (13, 20), (19, 40)):
        publish(hour, MIN_CELL_POSTS - 1, interactions)
    assert suggestion() is None
    # Two hours with enough posts are still not a comparison.
    publish(8, 1, 10)
    publish(13, 1, 20)
    assert suggestion() is None
    # The third: 19.00 (local) has the best rate, resting on its measured posts.
    publish(19, 1, 40)
    found = suggestion()
    assert (found.hour, found.posts, found.platform) == (19, MIN_CELL_POSTS, "facebook")
    assert suggested_hour(history.session, settings, "x") is None  # no history on X
