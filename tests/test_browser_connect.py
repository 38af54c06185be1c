"""Connecting accounts by signing in, in a real browser (Debian's chromium under Playwright): an
admin connects a Facebook Page and its Instagram account through the sandbox's Facebook Login
dialog and an X account through the sandbox's X consent page, then publishes one post on each
through the composer and the worker's publishing pass; the posts are on the sandbox. The admin
pages of the sign-in (accounts, the Page picker, a cancelled sign-in) are scanned by axe-core."""

from __future__ import annotations

import re

from browser_kit import axe_check, login, shot


def _connected(live) -> dict[str, str]:
    from sqlmodel import select

    from outreach.models import Account

    with live.session() as s:
        return {a.platform: a.external_id for a in s.exec(select(Account))}


def test_admin_connects_facebook_instagram_and_x_by_signing_in_then_publishes(
        signin_env, live, open_page, tmp_path):
    import httpx
    from browser_data import image
    from sqlmodel import select

    from outreach.dispatch.dispatcher import run_due
    from outreach.models import Delivery

    sandbox = signin_env
    httpx.post(sandbox.url + "/_sandbox/options",
               json={"instagram.processing_seconds": 0.05}).raise_for_status()
    admin = live.user("admin", name="Budi Santoso")
    page = open_page()
    login(page, admin.email)
    page.goto("/admin/accounts")
    assert page.get_by_role("link", name="Sambungkan dengan Facebook").is_visible()
    assert page.get_by_role("link", name="Sambungkan dengan X").is_visible()
    assert live.url + "/admin/accounts/connect/x/callback" in page.locator("main").inner_text()
    axe_check(page, "admin-accounts-connect")
    shot(page, "admin-accounts-connect", docs="desktop")

    # Facebook Login: the sandbox's dialog; keep one Page and every permission.
    page.get_by_role("link", name="Sambungkan dengan Facebook").click()
    page.wait_for_load_state()
    assert page.url.startswith(sandbox.url + "/facebook/")
    assert page.locator("h1").inner_text() == "Log in with Facebook"
    axe_check(page, "sandbox-facebook-dialog")
    page.get_by_label("Taman Baca Bontang").uncheck()
    assert page.get_by_label("Perpustakaan Kota Bontang").is_checked()
    assert page.locator("input[name=grant]:not(:checked)").count() == 0
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url.startswith(live.url + "/admin/accounts/connect/meta/callback")
    picker = page.locator("main")
    assert "Perpustakaan Kota Bontang" in picker.inner_text()
    assert "Taman Baca Bontang" not in picker.inner_text()  # not chosen in the dialog
    assert "@perpustakaan.bontang" in picker.inner_text()
    axe_check(page, "admin-connect-meta-pick")
    shot(page, "admin-connect-meta-pick")
    assert page.locator("input[name=choose]:checked").count() == 2
    page.get_by_role("button", name="Sambungkan yang dipilih").click()
    page.wait_for_load_state()
    assert page.url == live.url + "/admin/accounts"
    assert "Tersambung" in page.locator(".flash").first.inner_text()
    assert _connected(live) == {"facebook": "1001", "instagram": "17841400000000001"}

    # X: cancelling on the consent page connects nothing and says so.
    page.get_by_role("link", name="Sambungkan dengan X").click()
    page.wait_for_load_state()
    assert page.url.startswith(sandbox.url + "/x/i/oauth2/authorize")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_load_state()
    assert "dibatalkan" in page.get_by_role("alert").inner_text()
    axe_check(page, "admin-connect-cancelled")
    shot(page, "admin-connect-cancelled")
    [refused] = page.problems.take()  # the page itself answers 400: the sign-in did not happen
    assert "400" in refused and "error=access_denied" in refused
    assert "x" not in _connected(live)

    # X: signing in for real, as the library's account.
    page.goto("/admin/accounts")
    page.get_by_role("link", name="Sambungkan dengan X").click()
    page.wait_for_load_state()
    assert "tweet.write" in page.locator("main").inner_text()
    axe_check(page, "sandbox-x-consent")
    page.locator("input[name=user]").first.check()
    page.get_by_role("button", name="Authorize app").click()
    page.wait_for_load_state()
    assert page.url == live.url + "/admin/accounts"
    assert "Tersambung" in page.locator(".flash").first.inner_text()
    connected = _connected(live)
    assert set(connected) == {"facebook", "instagram", "x"}
    axe_check(page, "admin-accounts-connected")
    assert "x2u-" not in page.content()  # tokens are never shown

    # One post on each account, through the composer, published by the worker's pass.
    text = "Pojok baca anak kini buka setiap Sabtu di Perpustakaan Kota Bontang."
    page.goto("/compose")
    chosen = page.locator("input[name=account]")
    assert chosen.count() == 3 and all(chosen.nth(i).is_checked() for i in range(3))
    page.locator("#f-text").fill(text)
    page.set_input_files("#f-file_1", image(tmp_path))
    page.locator("#f-alt_1").fill("Rak buku anak berwarna cerah di pojok baca")
    page.get_by_role("button", name="Jadwalkan").click()
    page.wait_for_load_state()
    assert re.search(r"/deliveries/\d+$", page.url), page.url
    for _ in range(20):
        if not run_due(live.settings).more:
            break
    with live.session() as s:
        done = {d.platform: d for d in s.exec(select(Delivery))}
    assert {p: d.status for p, d in done.items()} == dict.fromkeys(
        ("facebook", "instagram", "x"), "published"), {
        p: d.last_error for p, d in done.items()}
    state = sandbox.state()
    for platform in ("facebook", "instagram", "x"):
        [post] = [p for p in state[platform] if p["id"] == done[platform].remote_id]
        assert post["account"] == connected[platform] and text in post["text"]
    page.goto(sandbox.url + "/")  # the sandbox's own page: what was "posted"
    assert page.locator("body").inner_text().count(text) >= 3
    assert not page.problems.take()
