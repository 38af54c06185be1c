"""Connecting accounts by signing in (desk/connect.py) through the sandbox's consent pages, with
the real clients (requests-oauthlib, pyfacebook, tweepy) over HTTP and a real SQLite database:
X's OAuth 2.0 with PKCE and Facebook Login; state checks; refused permissions; refresh rotation
with racing workers; a lost refresh answer; held posts resumed after signing in again."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from sqlmodel import select

from outreach.config import Settings
from outreach.crypto import decrypt_credentials
from outreach.desk.connect import META_SCOPES
from outreach.dispatch.dispatcher import run_due
from outreach.models import Account, AuditLog, Delivery, DeliveryStatus, Post, utcnow
from outreach.platforms import client_for, tokens
from outreach.platforms.base import ErrorKind, PublishError

S = DeliveryStatus


def _hidden(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r"type='hidden' name='(\w+)' value='([^']*)'", html))


def sign_in_x(web, admin, sandbox, *, user="1501", decision="allow", account=None):
    start = admin.get("/admin/accounts/connect/x" + (f"?account={account}" if account else ""))
    assert start.status_code == 303, start.text
    consent = requests.get(start.headers["location"], timeout=10)
    assert consent.status_code == 200 and "Authorize app" in consent.text
    form = {k: v for k, v in parse_qsl(urlsplit(start.headers["location"]).query)}
    assert form["code_challenge_method"] == "S256" and "code_verifier" not in form
    back = requests.post(sandbox.url + "/x/i/oauth2/authorize",
                         data={**form, "user": user, "decision": decision},
                         allow_redirects=False, timeout=10)
    callback = urlsplit(back.headers["location"])
    return callback, admin.get(f"{callback.path}?{callback.query}")


def sign_in_meta(web, admin, sandbox, *, grant=None, pages=("1001",)):
    start = admin.get("/admin/accounts/connect/meta")
    assert start.status_code == 303, start.text
    dialog = requests.get(start.headers["location"], timeout=10)
    assert dialog.status_code == 200 and "Continue" in dialog.text
    query = dict(parse_qsl(urlsplit(start.headers["location"]).query))
    asked = query["scope"].split(",")
    assert set(asked) == set(META_SCOPES)
    data = [(k, v) for k, v in _hidden(dialog.text).items()]
    data += [("scope", s) for s in asked] + [("page", p) for p in pages]
    data += [("grant", s) for s in (asked if grant is None else grant)]
    data.append(("decision", "allow"))
    back = requests.post(sandbox.url + "/facebook/v23.0/dialog/oauth", data=data,
                         allow_redirects=False, timeout=10)
    callback = urlsplit(back.headers["location"])
    return admin.get(f"{callback.path}?{callback.query}")


def accounts(web) -> list[Account]:
    with web.session() as s:
        return list(s.exec(select(Account).order_by(Account.id)))


def add_due(web, account: Account, text: str) -> int:
    with web.session() as s:
        post = Post(kind="free", text=text)
        s.add(post)
        s.flush()
        d = Delivery(post_id=post.id, account_id=account.id, platform=account.platform, text=text,
                     scheduled_at=utcnow() - timedelta(minutes=1), status=S.scheduled)
        d.next_attempt_at = d.scheduled_at
        s.add(d)
        s.commit()
        return d.id


def delivery(web, delivery_id: int) -> Delivery:
    with web.session() as s:
        return s.get(Delivery, delivery_id)


def posted(sandbox, platform: str) -> list[dict]:
    return requests.get(f"{sandbox.url}/_sandbox/state", timeout=10).json()[platform]


def calls(sandbox, endpoint: str) -> int:
    return requests.get(f"{sandbox.url}/_sandbox/state", timeout=10).json()["calls"].get(
        endpoint, 0)


# -- X ---------------------------------------------------------------------------------------------
def test_x_sign_in_connects_and_publishes_with_the_user_token(signin_env, web, caplog):
    caplog.set_level(logging.DEBUG)
    admin = web.client("admin")
    _callback, done = sign_in_x(web, admin, signin_env)
    assert done.status_code == 303 and done.headers["location"] == "/admin/accounts"
    [account] = accounts(web)
    assert (account.platform, account.external_id, account.source) == ("x", "1501", "db")
    creds = decrypt_credentials(web.settings, account.credentials_encrypted)
    token = creds["oauth2_access_token"]
    refresh = tokens.decrypt_token(web.settings, account.refresh_token_encrypted)
    assert token.startswith("x2u-") and refresh.startswith("x2r-")
    assert timedelta(hours=1) < account.token_expires_at - utcnow() <= timedelta(hours=2)
    page = admin.get("/admin/accounts")
    assert "Sambungkan dengan X" in page.text and "Sambungkan dengan Facebook" in page.text
    d = add_due(web, account, "Buku baru minggu ini di perpustakaan")
    run_due(Settings())
    assert delivery(web, d).status == S.published
    assert [p["account"] for p in posted(signin_env, "x")] == ["1501"]
    with web.session() as s:
        audit = " ".join(str(a.detail) for a in s.exec(select(AuditLog)))
    for secret in (token, refresh):
        assert secret not in page.text and secret not in audit and secret not in caplog.text


def test_tampered_replayed_or_cancelled_state_is_refused_and_nothing_stored(signin_env, web):
    admin = web.client("admin")
    start = admin.get("/admin/accounts/connect/x")
    state = dict(parse_qsl(urlsplit(start.headers["location"]).query))["state"]
    tampered = admin.get(f"/admin/accounts/connect/x/callback?state={state}x&code=abc")
    assert tampered.status_code == 400 and "tidak dikenali" in tampered.text
    # The pending sign-in was used by the tampered callback: the real state is refused now too.
    again = admin.get(f"/admin/accounts/connect/x/callback?state={state}&code=abc")
    assert again.status_code == 400
    callback, done = sign_in_x(web, admin, signin_env)
    assert done.status_code == 303
    replay = admin.get(f"{callback.path}?{callback.query}")
    assert replay.status_code == 400 and "sudah dipakai" in replay.text
    # Another admin's browser cannot finish this admin's sign-in.
    other = web.client("admin")
    _cb, cancelled = sign_in_x(web, other, signin_env, decision="deny")
    assert cancelled.status_code == 400 and "dibatalkan" in cancelled.text
    assert len(accounts(web)) == 1


# -- refresh -----------------------------------------------------------------------------------
def _connected_x(web, signin_env) -> Account:
    sign_in_x(web, web.client("admin"), signin_env)
    [account] = accounts(web)
    return account


def _expire_soon(web, account_id: int, minutes: float = 5) -> None:
    with web.session() as s:
        a = s.get(Account, account_id)
        a.token_expires_at = utcnow() + timedelta(minutes=minutes)
        s.add(a)
        s.commit()


def test_two_workers_racing_a_refresh_spend_the_refresh_token_once(signin_env, web):
    account = _connected_x(web, signin_env)
    before = calls(signin_env, "x.oauth2_token")
    _expire_soon(web, account.id)
    settings = Settings()
    results, errors = [], []
    go = threading.Barrier(4)

    def work() -> None:
        try:
            with web.session() as s:
                mine = s.get(Account, account.id)
            go.wait()
            results.append(client_for(mine, settings).credentials["oauth2_access_token"])
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert calls(signin_env, "x.oauth2_token") - before == 1  # one refresh, never two
    assert len(set(results)) == 1
    [after] = accounts(web)
    assert after.token_expires_at - utcnow() > timedelta(hours=1)
    assert after.refresh_locked_by is None and after.refresh_error is None
    # The new token works; the old refresh token is spent.
    d = add_due(web, after, "Jam buka perpustakaan saat libur")
    run_due(settings)
    assert delivery(web, d).status == S.published


def test_lost_refresh_answer_keeps_the_old_token_then_holds_with_a_plain_reason(signin_env, web):
    account = _connected_x(web, signin_env)
    _expire_soon(web, account.id)
    requests.post(f"{signin_env.url}/_sandbox/faults", json={
        "endpoint": "x.oauth2_token", "mode": "lost"}, timeout=10).raise_for_status()
    settings = Settings()
    with web.session() as s:
        mine = s.get(Account, account.id)
    old = decrypt_credentials(settings, mine.credentials_encrypted)
    client = client_for(mine, settings)  # the answer is lost: the old access still works
    assert client.credentials == old
    [after] = accounts(web)
    assert after.refresh_error == tokens.LOST and after.health == "ok"
    first = add_due(web, after, "Pameran buku anak")
    second = add_due(web, after, "Kelas menulis untuk remaja")
    run_due(settings)  # the refresh is tried again with the spent token: refused
    held = [delivery(web, first), delivery(web, second)]
    assert [d.status for d in held] == [S.held, S.held]
    assert "answer to an earlier renewal was lost" in held[0].last_error
    [after] = accounts(web)
    assert after.health == "needs_reconnect" and after.reconnect_reason == "refresh_failed"
    page = web.client("admin").get("/admin/accounts")
    assert f"/admin/accounts/connect/x?account={after.id}" in page.text
    # One click signs in again; the held posts go back to the queue and are published in order.
    admin = web.client("admin")
    _cb, done = sign_in_x(web, admin, signin_env, account=after.id)
    assert done.status_code == 303, done.text
    [back] = accounts(web)
    assert back.health == "ok" and back.reconnect_reason is None
    assert [delivery(web, first).status, delivery(web, second).status] == [S.scheduled] * 2
    run_due(settings)
    assert delivery(web, first).status == S.published
    texts = [p["text"] for p in posted(signin_env, "x")]
    assert texts[0] == "Pameran buku anak"


def test_revoked_access_holds_the_posts_with_a_plain_reason(signin_env, web):
    account = _connected_x(web, signin_env)
    requests.post(f"{signin_env.url}/_sandbox/oauth/revoke",
                  json={"platform": "x", "subject": "1501"}, timeout=10).raise_for_status()
    d = add_due(web, account, "Layanan perpustakaan keliling")
    run_due(Settings())
    assert delivery(web, d).status == S.held
    [after] = accounts(web)
    assert after.health == "needs_reconnect"


def test_access_that_ended_without_refresh_is_named(signin_env, web):
    account = _connected_x(web, signin_env)
    with web.session() as s:
        a = s.get(Account, account.id)
        a.refresh_token_encrypted = None
        a.token_expires_at = utcnow() - timedelta(minutes=1)
        s.add(a)
        s.commit()
        with pytest.raises(PublishError) as caught:
            client_for(a, Settings())
    assert caught.value.kind == ErrorKind.auth_expired and "ended" in caught.value.message
    [after] = accounts(web)
    assert after.reconnect_reason == "expired"


# -- Meta --------------------------------------------------------------------------------------
def test_facebook_login_connects_page_and_instagram_then_publishes(signin_env, web, caplog):
    caplog.set_level(logging.DEBUG)
    admin = web.client("admin")
    picker = sign_in_meta(web, admin, signin_env)
    assert picker.status_code == 200, picker.text
    assert "Perpustakaan Kota Bontang" in picker.text and "@perpustakaan.bontang" in picker.text
    done = web.post(admin, "/admin/accounts/connect/meta/pick",
                    {"choose": ["facebook:1001", "instagram:1001"]})
    assert done.status_code == 303, done.text
    found = {(a.platform, a.external_id) for a in accounts(web)}
    assert found == {("facebook", "1001"), ("instagram", "17841400000000001")}
    for a in accounts(web):
        assert a.token_expires_at is None  # Page tokens from a long-lived user token
        assert timedelta(days=89) < a.data_access_expires_at - utcnow() <= timedelta(days=90)
    fb = next(a for a in accounts(web) if a.platform == "facebook")
    d = add_due(web, fb, "Perpustakaan buka hari Minggu")
    run_due(Settings())
    assert delivery(web, d).status == S.published
    assert posted(signin_env, "facebook")[0]["account"] == "1001"
    page_token = decrypt_credentials(web.settings, fb.credentials_encrypted)["page_token"]
    assert page_token not in caplog.text and page_token not in admin.get("/admin/accounts").text


def test_refused_publishing_permission_is_named_and_nothing_stored(signin_env, web):
    admin = web.client("admin")
    grant = [s for s in META_SCOPES if s != "pages_manage_posts"]
    refused = sign_in_meta(web, admin, signin_env, grant=grant)
    assert refused.status_code == 400
    assert "pages_manage_posts" in refused.text and "menerbitkan" in refused.text
    assert accounts(web) == []


def test_missing_optional_permissions_are_named_with_their_use(signin_env, web):
    admin = web.client("admin")
    grant = [s for s in META_SCOPES if s not in ("read_insights", "instagram_manage_comments")]
    picker = sign_in_meta(web, admin, signin_env, grant=grant)
    assert picker.status_code == 200
    assert "read_insights" in picker.text and "angka jangkauan" in picker.text
    assert "instagram_manage_comments" in picker.text and "komentar" in picker.text


def test_data_access_ending_within_a_week_is_warned_then_holds(signin_env, web):
    admin = web.client("admin")
    sign_in_meta(web, admin, signin_env)
    web.post(admin, "/admin/accounts/connect/meta/pick", {"choose": ["facebook:1001"]})
    [fb] = accounts(web)
    with web.session() as s:
        a = s.get(Account, fb.id)
        a.data_access_expires_at = utcnow() + timedelta(days=6)
        s.add(a)
        s.commit()
    page = admin.get("/admin/accounts")
    assert "berakhir pada" in page.text
    with web.session() as s:
        a = s.get(Account, fb.id)
        a.data_access_expires_at = utcnow() - timedelta(hours=1)
        s.add(a)
        s.commit()
    d = add_due(web, fb, "Lomba bercerita")
    run_due(Settings())
    held = delivery(web, d)
    assert held.status == S.held and "data access" in held.last_error
    assert "/admin/accounts/connect/meta" in admin.get("/admin/accounts").text
