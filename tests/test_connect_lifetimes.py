"""Lifetimes of accounts connected by signing in: the clock renews X's access tokens ahead of
time (guarded), a refused renewal holds the account at once, and the 7-day warning and the
accounts to reconnect are listed by `outreach status` (text and JSON) and in the inbox, with the
one action "Sambungkan ulang" for admins. Real database, real clients, the sandbox over HTTP."""

from __future__ import annotations

import json
from datetime import timedelta

import requests
from sqlmodel import select
from test_connect_signin import (
    accounts,
    add_due,
    calls,
    delivery,
    sign_in_meta,
    sign_in_x,
)
from typer.testing import CliRunner

from outreach.cli import app
from outreach.clock import Clock
from outreach.config import Settings
from outreach.crypto import decrypt_credentials
from outreach.dispatch.renewal import renew_ahead
from outreach.models import Account, DeliveryStatus, utcnow
from outreach.platforms import tokens

S = DeliveryStatus
runner = CliRunner()


def status_json() -> dict:
    result = runner.invoke(app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def status_text() -> str:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    return result.output


def set_account(web, account_id: int, **values) -> None:
    with web.session() as s:
        a = s.get(Account, account_id)
        for name, value in values.items():
            setattr(a, name, value)
        s.add(a)
        s.commit()


def connect_x(web, sandbox) -> Account:
    sign_in_x(web, web.client("admin"), sandbox)
    [account] = accounts(web)
    return account


def test_the_clock_renews_x_tokens_ending_within_half_an_hour(signin_env, web):
    account = connect_x(web, signin_env)
    clock = Clock(Settings())
    clock.leader = True
    before = calls(signin_env, "x.oauth2_token")
    set_account(web, account.id, token_expires_at=utcnow() + timedelta(minutes=50))
    clock._renew()  # not yet: more than 30 minutes left
    assert calls(signin_env, "x.oauth2_token") == before
    set_account(web, account.id, token_expires_at=utcnow() + timedelta(minutes=20))
    clock._renew()
    assert calls(signin_env, "x.oauth2_token") == before + 1
    [after] = accounts(web)
    assert after.token_expires_at - utcnow() > timedelta(hours=1)
    assert after.refresh_token_encrypted != account.refresh_token_encrypted
    assert after.refresh_locked_by is None and after.refresh_error is None
    clock._renew()  # renewed: nothing more to do
    assert calls(signin_env, "x.oauth2_token") == before + 1
    follower = Clock(Settings())
    follower.leader = False  # only the elected clock renews
    set_account(web, account.id, token_expires_at=utcnow() + timedelta(minutes=20))
    follower._renew()
    assert calls(signin_env, "x.oauth2_token") == before + 1
    assert status_json()["accounts_attention"] == []  # renewing itself: no warning


def test_a_refused_renewal_holds_the_account_and_asks_for_a_reconnect(signin_env, web):
    account = connect_x(web, signin_env)
    later = add_due(web, account, "Bedah buku bulan depan")
    set_account(web, account.id, token_expires_at=utcnow() + timedelta(minutes=20))
    requests.post(f"{signin_env.url}/_sandbox/oauth/revoke",
                  json={"platform": "x", "subject": "1501"}, timeout=10).raise_for_status()
    result = renew_ahead(Settings())
    assert result.held == [account.id] and result.renewed == []
    [held] = accounts(web)
    assert held.health == "needs_reconnect" and held.reconnect_reason == "revoked"
    assert delivery(web, later).status == S.held  # kept, not lost
    assert renew_ahead(Settings()).held == []  # never spends the refused token again

    [care] = status_json()["accounts_attention"]
    assert care["kind"] == "reconnect" and care["account_id"] == account.id
    assert care["action_url"] == f"/admin/accounts/connect/x?account={account.id}"
    assert "refused to renew" in care["reason"]
    text = status_text()
    assert "Account access: x" in text and "Sign in again: http://testserver/admin/accounts/" \
        "connect/x?account=" in text.replace("\n", "")

    admin = web.client("admin")
    inbox = admin.get("/inbox").text
    # One card for the account and its cause, with its held post and the one action.
    assert f'id="c-{account.id}-reconnect"' in inbox and "X perlu disambungkan ulang" in inbox
    assert "1 kiriman tertahan" in inbox and "Sambungkan ulang" in inbox
    assert f'href="/admin/accounts/connect/x?account={account.id}"' in inbox
    assert f'href="/deliveries/{later}"' in inbox and "Coba lagi" not in inbox
    staff = web.client("staff").get("/inbox").text
    assert "Minta admin untuk menyambungkan ulang" in staff and "connect/x" not in staff
    english = web.client("staff")
    web.post(english, "/lang", {"lang": "en", "next": "/inbox"})
    assert "Ask an admin to reconnect this account" in english.get("/inbox").text

    # The one click signs in again: the account is fine, the card is gone, the post queued.
    _cb, done = sign_in_x(web, admin, signin_env, account=account.id)
    assert done.status_code == 303, done.text
    assert status_json()["accounts_attention"] == []
    assert f'id="c-{account.id}-reconnect"' not in admin.get("/inbox").text
    assert delivery(web, later).status == S.scheduled


def test_access_ending_within_seven_days_is_warned_in_status_and_inbox(signin_env, web):
    admin = web.client("admin")
    sign_in_meta(web, admin, signin_env)
    web.post(admin, "/admin/accounts/connect/meta/pick",
             {"choose": ["facebook:1001", "instagram:1001"]})
    fb = next(a for a in accounts(web) if a.platform == "facebook")
    set_account(web, fb.id, data_access_expires_at=utcnow() + timedelta(days=8))
    assert status_json()["accounts_attention"] == []
    assert "Akses akun platform" not in admin.get("/inbox").text
    home_before = admin.get("/").text

    set_account(web, fb.id, data_access_expires_at=utcnow() + timedelta(days=6))
    report = status_json()
    [care] = report["accounts_attention"]
    assert (care["kind"], care["what"], care["name"]) == ("ending", "data_access", fb.name)
    assert care["action_url"] == "/admin/accounts/connect/meta"
    ends = next(a["access_ends"] for a in report["accounts"] if a["platform"] == "facebook")
    assert ends == care["ends"] and ends is not None
    assert report["accounts"][0].keys() >= {"platform", "name", "health", "reason"}
    text = status_text().replace("\n", " ")
    assert "data access ends on" in text and "Perpustakaan Kota Bontang" in text

    inbox = admin.get("/inbox").text
    assert "Akses data dari Meta berlaku 90 hari" in inbox
    assert 'href="/admin/accounts/connect/meta"' in inbox and "Sambungkan ulang" in inbox
    assert home_before != admin.get("/").text  # the home page counts it among what waits

    set_account(web, fb.id, data_access_expires_at=utcnow() - timedelta(hours=1))
    [care] = status_json()["accounts_attention"]
    assert care["kind"] == "ending" and "ended on" in care["reason"]
    assert "sudah berakhir pada" in admin.get("/inbox").text


def test_removing_an_x_account_signed_in_with_oauth2_ends_its_tokens_at_x(signin_env, web):
    account = connect_x(web, signin_env)
    with web.session() as s:
        mine = s.get(Account, account.id)
    creds = decrypt_credentials(web.settings, mine.credentials_encrypted)
    refresh = tokens.decrypt_token(web.settings, mine.refresh_token_encrypted)
    bearer = {"Authorization": f"Bearer {creds['oauth2_access_token']}"}
    assert requests.get(f"{signin_env.url}/x/2/users/me", headers=bearer,
                        timeout=10).status_code == 200
    before = calls(signin_env, "x.oauth2_revoke")
    admin = web.client("admin")
    gone = web.post(admin, f"/admin/accounts/{account.id}/remove", {})
    assert gone.status_code == 303
    assert accounts(web) == []
    assert calls(signin_env, "x.oauth2_revoke") == before + 2  # the refresh and access tokens
    assert requests.get(f"{signin_env.url}/x/2/users/me", headers=bearer,
                        timeout=10).status_code == 401  # X no longer accepts it
    refused = requests.post(f"{signin_env.url}/x/2/oauth2/token", data={
        "grant_type": "refresh_token", "refresh_token": refresh,
        "client_id": "sandbox-x-client"}, timeout=10)
    assert refused.status_code == 400


def test_removing_an_account_forgets_its_tokens_even_when_x_is_unreachable(signin_env, web):
    account = connect_x(web, signin_env)
    add_due(web, account, "Kiriman lama")
    with web.session() as s:  # a published post keeps the row (reports), without secrets
        from outreach.models import Delivery

        d = s.exec(select(Delivery)).one()
        d.status = S.published
        s.add(d)
        s.commit()
    requests.post(f"{signin_env.url}/_sandbox/faults", json={
        "endpoint": "x.oauth2_revoke", "mode": "status", "status": 503},
        timeout=10).raise_for_status()
    admin = web.client("admin")
    assert web.post(admin, f"/admin/accounts/{account.id}/remove", {}).status_code == 303
    [kept] = accounts(web)
    assert kept.source == "removed" and kept.credentials_encrypted is None
    assert kept.refresh_token_encrypted is None and kept.token_expires_at is None
    assert status_json()["accounts_attention"] == []
