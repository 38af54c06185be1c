"""Admin pages, platform accounts: connect through the real clients against the sandbox, stored
encrypted, shown masked; pause, resume, reconnect, remove; and a crawl of every page that no
secret is ever rendered. Users and the audit log: test_web_admin_users.py."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import requests
from platform_kit import fault
from sqlmodel import select

from outreach.crypto import decrypt_credentials
from outreach.models import Account, AuditLog, Delivery, Post, User, utcnow

S = "••••"


def calls(sandbox, endpoint: str) -> int:
    return requests.get(f"{sandbox.url}/_sandbox/state", timeout=10).json()["calls"].get(
        endpoint, 0)


def x_values(user_id: str = "2600") -> dict[str, str]:
    tail = uuid.uuid4().hex
    return {"consumer_key": f"web-consumer-key-{tail}",
            "consumer_secret": f"web-consumer-secret-{tail}",
            "access_token": f"{user_id}-web-access-token-{tail}",
            "access_token_secret": f"web-token-secret-{tail}"}


def connect(web, client, platform: str, values: dict[str, str], backend: str = "",
            path: str = "/admin/accounts", name: str = ""):
    data = {"platform": platform, "backend": backend, "name": name}
    data.update({f"cred_{k}": v for k, v in values.items()})
    return web.post(client, path, data)


def account_of(web, platform: str, external_id: str) -> Account | None:
    with web.session() as s:
        return s.exec(select(Account).where(Account.platform == platform,
                                            Account.external_id == external_id)).first()


def add_delivery(web, account: Account, status: str) -> int:
    with web.session() as s:
        post = Post(kind="free", text="Koleksi baru")
        s.add(post)
        s.flush()
        d = Delivery(post_id=post.id, account_id=account.id, platform=account.platform,
                     text="Koleksi baru", scheduled_at=utcnow() + timedelta(hours=2),
                     status=status)
        s.add(d)
        s.commit()
        return d.id


def flashes(page) -> str:
    return " ".join(re.findall(r'class="flash flash-\w+"[^>]*>(.*?)</div>', page.text, re.S))


# -- accounts ---------------------------------------------------------------------------------
def test_connect_x_account_verified_stored_encrypted_and_shown_masked(sandbox_env, web):
    admin = web.client("admin")
    form = admin.get("/admin/accounts/new?platform=x")
    assert form.status_code == 200
    for label in ("API Key (consumer key)", "Access Token Secret"):
        assert label in form.text
    assert form.text.count('type="password"') == 4  # every X credential is secret
    values = x_values()
    before = calls(sandbox_env, "x.users_me")
    answer = connect(web, admin, "x", values)
    assert answer.status_code == 303, flashes(answer) or answer.text[:2000]
    assert calls(sandbox_env, "x.users_me") == before + 1  # verified against the platform
    account = account_of(web, "x", "2600")  # the id the sandbox's "who am I" answered
    assert account is not None and account.source == "db" and account.name == "@sandbox_2600"
    for secret in values.values():  # encrypted at rest
        assert secret not in account.credentials_encrypted
    assert decrypt_credentials(web.settings, account.credentials_encrypted) == values
    page = admin.get("/admin/accounts")
    assert "tersambung" in flashes(page)
    assert S + values["consumer_secret"][-4:] in page.text  # last 4 at most
    for secret in values.values():
        assert secret not in page.text
    with web.session() as s:
        entry = s.exec(select(AuditLog).where(AuditLog.action == "account.connect")).one()
    assert entry.actor == admin.user.email and entry.detail["external_id"] == "2600"
    assert not any(v in str(entry.detail) for v in values.values())


def test_wrong_credentials_explained_and_nothing_saved(sandbox_env, web):
    admin = web.client("admin")
    values = x_values("2700")
    fault(sandbox_env, endpoint="x.users_me", mode="status", status=401)
    answer = connect(web, admin, "x", values)
    assert answer.status_code == 400
    text = flashes(answer)
    assert "X tidak menerima kredensial ini" in text and "Tidak ada yang disimpan" in text
    assert "401" in text  # the platform's own words follow
    for secret in values.values():  # the form comes back without the secrets typed
        assert secret not in answer.text
    assert account_of(web, "x", "2700") is None
    # Facebook: the sandbox refuses an expired Page token with Graph code 190.
    token = "expired-page-token-" + uuid.uuid4().hex
    refused = connect(web, admin, "facebook", {"page_id": "104857600999", "page_token": token})
    assert refused.status_code == 400
    assert "Facebook tidak menerima kredensial ini" in flashes(refused)
    assert 'value="104857600999"' in refused.text and token not in refused.text
    assert account_of(web, "facebook", "104857600999") is None
    # A required field left empty: named, and the platform is not asked.
    before = calls(sandbox_env, "x.users_me")
    empty = connect(web, admin, "x", {**values, "access_token_secret": ""})
    assert empty.status_code == 400 and "Access Token Secret" in flashes(empty)
    assert calls(sandbox_env, "x.users_me") == before
    with web.session() as s:
        assert not s.exec(select(AuditLog).where(AuditLog.action.startswith("account."))).all()


def test_connect_without_secret_key_says_so_before_calling_the_platform(sandbox_env, web):
    web.app.state.settings = web.settings.model_copy(update={"secret_key": None})
    admin = web.client("admin")
    assert "OUTREACH_SECRET_KEY belum diatur" in admin.get("/admin/accounts/new?platform=x").text
    before = calls(sandbox_env, "x.users_me")
    answer = connect(web, admin, "x", x_values("2800"))
    assert answer.status_code == 400 and "OUTREACH_SECRET_KEY" in flashes(answer)
    assert calls(sandbox_env, "x.users_me") == before
    assert account_of(web, "x", "2800") is None


def test_facebook_and_instagram_graph_connect_through_the_sandbox(sandbox_env, web):
    admin = web.client("admin")
    fb = connect(web, admin, "facebook", {"page_id": "104857600777",
                                          "page_token": "EAAweb" + uuid.uuid4().hex},
                 name="Perpustakaan Kota Bontang")
    ig = connect(web, admin, "instagram", {"ig_user_id": "17841400000000777",
                                           "access_token": "EAAwebig" + uuid.uuid4().hex})
    assert fb.status_code == ig.status_code == 303
    assert account_of(web, "facebook", "104857600777").name == "Perpustakaan Kota Bontang"
    assert account_of(web, "instagram", "17841400000000777").backend is None
    assert calls(sandbox_env, "facebook.get_feed") == 1
    assert calls(sandbox_env, "instagram.publishing_limit") == 1
    bad = connect(web, admin, "instagram", {"ig_user_id": "not-a-number", "access_token": "t"})
    assert bad.status_code == 400 and "angka" in flashes(bad)


def test_instagrapi_account_is_marked_unofficial_and_checked(sandbox_env, web, monkeypatch):
    pytest.importorskip("instagrapi")
    from platform_kit import instagrapi_session

    from outreach.platforms.instagram_private.backend import InstagramPrivatePlatform

    monkeypatch.setattr(InstagramPrivatePlatform, "request_delay", None)  # no app-like pauses
    admin = web.client("admin")
    form = admin.get("/admin/accounts/new?platform=instagram&backend=private")
    assert "Tidak resmi · unofficial." in form.text and "<textarea" in form.text
    session = instagrapi_session("41700000555")
    ok = connect(web, admin, "instagram", {"username": "perpus_web", "session": session},
                 backend="private")
    assert ok.status_code == 303, flashes(ok)
    account = account_of(web, "instagram", "41700000555")
    assert account.backend == "private" and account.name == "Instagram @perpus_web"
    page = admin.get("/admin/accounts")
    assert "tidak resmi · unofficial" in page.text and "sAnDbOxSeSsIoN" not in page.text
    signed_out = instagrapi_session("41700000556", "expired-session-1")
    refused = connect(web, admin, "instagram", {"username": "perpus_b", "session": signed_out},
                      backend="private")
    assert refused.status_code == 400 and "Instagram tidak menerima" in flashes(refused)
    assert account_of(web, "instagram", "41700000556") is None
    # With the password too, the signed-out session is renewed once and the new one stored.
    renewed = connect(web, admin, "instagram", {"username": "perpus_b", "session": signed_out,
                                                "password": "sandi-instagram-1"},
                      backend="private")
    assert renewed.status_code == 303, flashes(renewed)
    with web.session() as s:  # signed in again: the account Instagram says the name is
        row = s.exec(select(Account).where(Account.name == "Instagram @perpus_b")).one()
    stored = decrypt_credentials(web.settings, row.credentials_encrypted)
    assert stored["session"] != signed_out and "expired-session-1" not in stored["session"]


def test_pause_resume_and_reconnect_after_auth_expired(sandbox_env, web):
    admin = web.client("admin")
    assert connect(web, admin, "x", x_values()).status_code == 303
    account = account_of(web, "x", "2600")
    assert web.post(admin, f"/admin/accounts/{account.id}/pause").status_code == 303
    assert account_of(web, "x", "2600").health == "paused"
    assert "Dijeda" in admin.get("/admin/accounts").text
    assert web.post(admin, f"/admin/accounts/{account.id}/resume").status_code == 303
    assert account_of(web, "x", "2600").health == "ok"
    # X said the limit resets at 09.00 WITA on New Year's Day: always ahead (a fixed year
    # would pass, and a limit that has reset is not shown).
    year = utcnow().year + 1
    with web.session() as s:
        row = s.get(Account, account.id)
        row.rate_remaining, row.rate_reset_at = 0, datetime(year, 1, 1, 1, 0, tzinfo=UTC)
        row.last_published_at = datetime(2026, 3, 1, 4, 5, tzinfo=UTC)
        s.add(row)
        s.commit()
    page = admin.get("/admin/accounts")
    assert f"Dibatasi sampai 1 Jan {year} 09.00" in page.text and "1 Mar 2026 12.05" in page.text
    # The platform refused the token: the account is flagged and its deliveries held.
    held = add_delivery(web, account, "held")
    with web.session() as s:
        row = s.get(Account, account.id)
        row.health, row.health_reason = "needs_reconnect", "X no longer accepts the token."
        s.add(row)
        s.commit()
    page = admin.get("/admin/accounts")
    assert "X no longer accepts the token." in page.text and "Sambungkan ulang" in page.text
    resume = web.post(admin, f"/admin/accounts/{account.id}/resume")
    assert resume.headers["location"] == f"/admin/accounts/{account.id}/reconnect"
    form = admin.get(resume.headers["location"])
    assert form.status_code == 200 and "perlu disambungkan ulang" in flashes(form)
    other = connect(web, admin, "x", x_values("2900"), path=resume.headers["location"])
    assert other.status_code == 400 and "milik akun lain" in flashes(other)
    assert account_of(web, "x", "2600").health == "needs_reconnect"
    fresh = x_values("2600")
    done = connect(web, admin, "x", fresh, path=resume.headers["location"])
    assert done.status_code == 303
    row = account_of(web, "x", "2600")
    assert row.health == "ok" and row.health_reason is None
    assert decrypt_credentials(web.settings, row.credentials_encrypted) == fresh
    with web.session() as s:
        assert s.get(Delivery, held).status == "scheduled"  # resume_account released it
        actions = [e.action for e in s.exec(select(AuditLog).where(
            AuditLog.action.startswith("account.")).order_by(AuditLog.id))]
    assert actions == ["account.connect", "account.pause", "account.resume",
                       "account.reconnect", "account.resume"]
    assert "kembali ke antrean" in flashes(admin.get("/admin/accounts"))


def test_remove_refuses_while_deliveries_wait_unless_cancelled(sandbox_env, web):
    admin = web.client("admin")
    assert connect(web, admin, "x", x_values()).status_code == 303
    account = account_of(web, "x", "2600")
    waiting = add_delivery(web, account, "scheduled")
    refused = web.post(admin, f"/admin/accounts/{account.id}/remove")
    assert "tidak dihapus" in flashes(admin.get("/admin/accounts"))
    assert refused.status_code == 303 and account_of(web, "x", "2600").source == "db"
    web.post(admin, f"/admin/accounts/{account.id}/remove", {"cancel_waiting": "1"})
    assert "1 kiriman yang menunggu dibatalkan" in flashes(admin.get("/admin/accounts"))
    kept = account_of(web, "x", "2600")  # its cancelled delivery is history: the row stays
    assert kept.source == "removed" and kept.credentials_encrypted is None
    assert kept.health == "paused"
    with web.session() as s:
        assert s.get(Delivery, waiting).status == "cancelled"
        entry = s.exec(select(AuditLog).where(AuditLog.action == "account.remove")).one()
    assert entry.detail["cancelled"] == 1
    # An account without any delivery goes entirely.
    assert connect(web, admin, "facebook", {"page_id": "104857600888",
                                            "page_token": "EAA" + uuid.uuid4().hex}).status_code
    fb = account_of(web, "facebook", "104857600888")
    web.post(admin, f"/admin/accounts/{fb.id}/remove")
    assert account_of(web, "facebook", "104857600888") is None


def test_environment_accounts_are_read_only(sandbox_env, web):
    admin = web.client("admin")
    page = admin.get("/admin/accounts")
    assert page.text.count("Variabel lingkungan") == 3  # X, Facebook, Instagram from sandbox_env
    assert "Hanya-baca" in page.text
    env_x = account_of(web, "x", "1500")
    assert env_x.source == "env"
    assert admin.get(f"/admin/accounts/{env_x.id}/reconnect").status_code == 303
    web.post(admin, f"/admin/accounts/{env_x.id}/remove", {"cancel_waiting": "1"})
    assert "variabel lingkungan" in flashes(admin.get("/admin/accounts"))
    assert account_of(web, "x", "1500") is not None
    # Flagged after the token in the environment was refused: checked again, then resumed.
    with web.session() as s:
        row = s.get(Account, env_x.id)
        row.health, row.health_reason = "needs_reconnect", "X refused the token."
        s.add(row)
        s.commit()
    before = calls(sandbox_env, "x.users_me")
    assert web.post(admin, f"/admin/accounts/{env_x.id}/resume").status_code == 303
    assert calls(sandbox_env, "x.users_me") == before + 1
    assert account_of(web, "x", "1500").health == "ok"
    # Connecting the same X user through the form is refused: the environment defines it.
    taken = connect(web, admin, "x", x_values("1500"))
    assert taken.status_code == 400 and "variabel lingkungan" in flashes(taken)


def test_every_platform_declares_its_credential_fields_in_both_languages():
    from outreach.platforms import platform_classes
    from outreach.platforms.base import Platform
    from outreach.web.i18n import catalogue

    english = catalogue()
    for cls in platform_classes():
        secret = {f.name for f in cls.credential_fields if f.secret}
        assert secret == {*cls.secret_fields, *cls.optional_secret_fields}, cls.__name__
        assert cls.verify is not Platform.verify, f"{cls.__name__} has no verify()"
        for f in cls.credential_fields:
            assert english.get(f.label), f"no English for {f.label!r}"
            assert not f.help or english.get(f.help), f"no English for {f.help!r}"


def test_staff_and_managers_cannot_open_admin_pages(web):
    for role in ("staff", "manager"):
        client = web.client(role)
        for path in ("/admin/accounts", "/admin/users", "/admin/audit",
                     "/admin/accounts/new?platform=x"):
            assert client.get(path).status_code == 403


# -- secrets never rendered -------------------------------------------------------------------
def test_secrets_never_rendered_in_any_page(sandbox_env, web, monkeypatch):
    """Every GET page of the app without path params, as admin, after accounts were connected
    through the form and from the environment: no secret value and no password hash appears."""
    import os

    from outreach.web.app import page_routes

    admin = web.client("admin")
    # From the environment (sandbox_env, and the web fixture's OUTREACH_SECRET_KEY).
    secrets = [v for k, v in os.environ.items()
               if k.startswith("OUTREACH_") and k.endswith(("_SECRET", "_TOKEN", "_KEY"))]
    assert len(secrets) == 7
    x = x_values()
    fb = {"page_id": "104857600444", "page_token": "EAAcrawl" + uuid.uuid4().hex}
    assert connect(web, admin, "x", x).status_code == 303
    assert connect(web, admin, "facebook", fb).status_code == 303
    secrets += [*x.values(), fb["page_token"]]
    if _has_instagrapi():
        from platform_kit import instagrapi_session

        from outreach.platforms.instagram_private.backend import InstagramPrivatePlatform

        monkeypatch.setattr(InstagramPrivatePlatform, "request_delay", None)
        sid = "41700000444%3AcRaWlSeSsIoN" + uuid.uuid4().hex
        session = instagrapi_session("41700000444", sid)
        password = "ig-password-" + uuid.uuid4().hex
        assert connect(web, admin, "instagram", {"username": "perpus_crawl", "session": session,
                                                 "password": password},
                       backend="private").status_code == 303
        secrets += [sid, session, password]
    with web.session() as s:
        hashes = [u.password_hash for u in s.exec(select(User))]
    assert len(secrets) >= 8 and all(len(v) >= 8 for v in secrets)
    paths = sorted(r.path for r in page_routes(web.app.routes)
                   if "GET" in r.methods and "{" not in r.path)
    paths += ["/admin/accounts/new?platform=x", "/admin/accounts/new?platform=facebook",
              "/admin/accounts/new?platform=instagram",
              "/admin/accounts/new?platform=instagram&backend=private"]
    assert "/admin/accounts" in paths and "/admin/audit" in paths and len(paths) > 6
    with web.session() as s:
        ids = [a.id for a in s.exec(select(Account))]
    paths += [f"/admin/accounts/{i}/reconnect" for i in ids]
    for path in paths:
        page = admin.get(path)
        assert page.status_code < 500, f"GET {path}: {page.status_code}"
        for secret in secrets:
            assert secret not in page.text, f"a secret appears in GET {path}"
        for value in hashes:
            assert value not in page.text and "$argon2" not in page.text, path


def _has_instagrapi() -> bool:
    import importlib.util

    return importlib.util.find_spec("instagrapi") is not None
