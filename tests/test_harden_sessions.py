"""Sessions end on the server (issue 18): a cookie copied before signing out, before a new
password or before "keluar dari semua perangkat" no longer works, nor one left idle."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select
from web_kit import PASSWORD, csrf_of

from outreach.models import WebSession


def copy_of(web, client):
    """Another browser holding the same cookie (a stolen one)."""
    thief = web.anonymous()
    thief.cookies.set("outreach_session", client.cookies.get("outreach_session"))
    return thief


def test_a_cookie_copied_before_logout_no_longer_works(web):
    client = web.client("staff")
    thief = copy_of(web, client)
    assert thief.get("/queue").status_code == 200
    assert web.post(client, "/logout").status_code == 303
    assert thief.get("/queue").status_code == 303  # to the login page
    assert thief.get("/queue").headers["location"].startswith("/login")


def test_sign_out_everywhere_from_ones_own_page(web):
    user = web.user("staff", name="Rina")
    laptop, phone = web.client(user=user), web.client(user=user)
    page = laptop.get("/me")
    assert page.status_code == 200 and "Keluar dari semua perangkat" in page.text
    assert "2 perangkat" in page.text
    assert 'href="/me"' in laptop.get("/").text
    ended = web.post(laptop, "/me/sessions/end")
    assert ended.status_code == 303 and ended.headers["location"] == "/login"
    assert laptop.get("/queue").status_code == 303 and phone.get("/queue").status_code == 303
    with web.session() as s:
        assert len(s.exec(select(WebSession).where(WebSession.user_id == user.id)).all()) == 0


def test_a_new_password_ends_the_other_sessions_only(web):
    user = web.user("staff")
    mine, other = web.client(user=user), web.client(user=user)
    thief = copy_of(web, mine)
    wrong = web.post(mine, "/me/password", {"current": "salah-sekali-123", "password":
                                            "kata-sandi-baru-1", "again": "kata-sandi-baru-1"})
    assert wrong.status_code == 422 and "Kata sandi sekarang salah" in wrong.text
    changed = web.post(mine, "/me/password", {"current": PASSWORD, "password":
                                              "kata-sandi-baru-1", "again": "kata-sandi-baru-1"})
    assert changed.status_code == 303
    assert mine.get("/queue").status_code == 200  # this browser goes on
    assert other.get("/queue").status_code == 303
    assert thief.get("/queue").status_code == 303  # the copy held the old session
    assert web.login(web.anonymous(), user.email, "kata-sandi-baru-1").status_code == 303


def test_an_idle_session_ends(web, monkeypatch):
    client = web.client("staff")
    with web.session() as s:
        row = s.exec(select(WebSession)).one()
        row.last_seen_at -= timedelta(hours=8, minutes=1)  # default idle: 8 hours
        s.add(row)
        s.commit()
    assert client.get("/queue").status_code == 303
    with web.session() as s:
        assert len(s.exec(select(WebSession)).all()) == 0


def test_use_keeps_a_session_alive(web):
    client = web.client("staff")
    with web.session() as s:
        row = s.exec(select(WebSession)).one()
        row.last_seen_at -= timedelta(hours=7)
        s.add(row)
        s.commit()
    assert client.get("/queue").status_code == 200
    with web.session() as s:
        assert s.exec(select(WebSession)).one().last_seen_at > row.last_seen_at + timedelta(hours=6)
    assert csrf_of(client.get("/").text)
