"""Signing in, sessions, CSRF and the route × role matrix over every page route of the app."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.routing import APIRoute
from sqlmodel import select
from web_kit import PASSWORD, ROLES, csrf_of

from outreach.desk.users import role_at_least, set_password

# Routes that anyone may reach: they check CSRF themselves where they change something.
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("POST", "/lang"),
          ("GET", "/password/forgot"), ("POST", "/password/forgot"),
          ("GET", "/password/reset/{token}"), ("GET", "/password/reset"),
          ("POST", "/password/reset"),
          ("GET", "/healthz"), ("GET", "/media/{token}/{filename}")}


def _min_role(route: APIRoute) -> str | None:
    stack = [route.dependant]
    while stack:
        dep = stack.pop()
        role = getattr(dep.call, "min_role", None)
        if role:
            return role
        stack.extend(dep.dependencies)
    return None


def _page_routes(app):
    from outreach.web.app import page_routes

    for route in page_routes(app.routes):
        for method in route.methods - {"HEAD"}:
            yield method, route


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_login_logout_and_session_cookie_flags(web):
    user = web.user("staff", name="Rina")
    client = web.anonymous()
    assert client.get("/").headers["location"] == "/login?next=%2F"
    response = web.login(client, user.email.upper())  # e-mail is not case-sensitive
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http in tests; https deployments get Secure
    home = client.get("/")
    assert home.status_code == 200 and "Rina" in home.text
    assert client.post("/logout", data={"csrf_token": csrf_of(home.text)}).status_code == 303
    assert client.get("/").status_code == 303


def test_wrong_password_is_refused_and_attempts_are_rate_limited(web):
    user = web.user("staff")
    client = web.anonymous()
    for _ in range(5):
        bad = web.login(client, user.email, "salah-sekali-123")
        assert bad.status_code == 401
        assert "E-mail atau kata sandi salah." in bad.text
    blocked = web.login(client, user.email)  # the right password, but too many failures
    assert blocked.status_code == 429
    assert "Terlalu banyak percobaan masuk" in blocked.text
    assert client.get("/").status_code == 303  # still not signed in


def test_the_sign_in_limit_holds_across_web_processes_and_keeps_no_addresses(web):
    """Two web processes of one service (two apps on one database): failures in one count in
    the other; what is stored says nothing of the e-mail typed (people type passwords there)."""
    from fastapi.testclient import TestClient

    from outreach.models import LoginFailure
    from outreach.web.app import create_app

    user = web.user("staff")
    other = TestClient(create_app(web.settings), follow_redirects=False)
    typed = "kata-sandi-rahasia-di-kolom-email"
    clients = (other, web.anonymous())
    for i in range(4):  # wrong passwords, by turns in each process
        assert web.login(clients[i % 2], user.email, "salah-sekali-123").status_code == 401
    assert web.login(other, typed, "salah-sekali-123").status_code == 401  # the 5th, same address
    assert web.login(other, user.email).status_code == 429
    assert web.login(web.anonymous(), user.email).status_code == 429
    with web.session() as s:
        stored = " ".join(f"{f.key} {f.at}" for f in s.exec(select(LoginFailure)))
    assert user.email not in stored and typed not in stored and "testclient" not in stored


def test_unknown_email_and_inactive_user_cannot_sign_in(web):
    user = web.user("manager")
    with web.session() as s:
        db_user = s.get(type(user), user.id)
        db_user.active = False
        s.add(db_user)
        s.commit()
    client = web.anonymous()
    assert web.login(client, user.email).status_code == 401
    assert web.login(client, "nobody@perpustakaan.test").status_code == 401


def test_password_change_ends_existing_sessions(web):
    user = web.user("staff")
    client = web.client(user=user)
    assert client.get("/").status_code == 200
    with web.session() as s:
        set_password(s, s.get(type(user), user.id), "kata-sandi-baru-2026")
        s.commit()
    assert client.get("/").status_code == 303


def test_next_parameter_only_leads_inside_the_site(web):
    user = web.user("staff")
    client = web.anonymous()
    token = csrf_of(client.get("/login").text)
    for target, expected in (("//evil.example/x", "/"), ("https://evil.example", "/"),
                             ("/queue?status=failed", "/queue?status=failed")):
        response = client.post("/login", data={"email": user.email, "password": PASSWORD,
                                               "csrf_token": token, "next": target})
        assert response.headers["location"] == expected
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
        token = csrf_of(client.get("/login").text)


def test_login_without_csrf_token_is_refused(web):
    user = web.user("admin")
    client = web.anonymous()
    client.get("/login")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "kedaluwarsa" in response.text
    assert client.get("/").status_code == 303


def test_language_switch_translates_the_page(web):
    client = web.client("staff")
    page = client.get("/")
    assert '<html lang="id">' in page.text and "Keluar" in page.text
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": csrf_of(page.text)})
    english = client.get("/")
    assert '<html lang="en">' in english.text and "Sign out" in english.text
    assert "Keluar" not in english.text


def test_every_page_route_checks_its_role_and_csrf(web):
    """The matrix: anonymous → login page; a role too low → 403; the right role → the page
    (or 404 for a missing record); a change without CSRF token → 403, for every route."""
    clients = {role: web.client(role) for role in ROLES}
    anonymous = web.anonymous()
    routes = list(_page_routes(web.app))
    assert len(routes) > 3
    checked = 0
    for method, route in routes:
        if (method, route.path) in PUBLIC:
            continue
        role = _min_role(route)
        assert role, f"{method} {route.path} has no role check (use outreach.web.auth.require)"
        path = _concrete(route.path)
        answer = anonymous.request(method, path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), \
            f"anonymous {method} {path}: {answer.status_code}"
        for name, client in clients.items():
            response = client.request(method, path)  # no CSRF token on purpose
            if not role_at_least(name, role):
                assert response.status_code == 403, f"{name} {method} {path}"
                assert "Akses ditolak" in response.text
            elif method == "GET" and "/connect/" in path:
                # A sign-in that cannot start (no app configured) or a callback with no pending
                # sign-in: a page that says why.
                assert response.status_code == 400 and 'class="flash flash-error" role="alert"' \
                    in response.text, f"{name} GET {path}: {response.status_code}"
            elif method == "GET":
                assert response.status_code in (200, 404), \
                    f"{name} GET {path}: {response.status_code}"
            else:
                assert response.status_code == 403, f"{name} {method} {path} without CSRF"
            checked += 1
    assert checked >= 3


def test_users_add_cli_reads_the_password_from_stdin(db_url, tmp_path):
    exe = Path(sys.executable).with_name("outreach")
    done = subprocess.run([str(exe), "users", "add", "Kepala@Perpustakaan.test", "--role",
                           "manager", "--name", "Bu Kepala"], input="kata-sandi-kepala-1\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "kepala@perpustakaan.test" in done.stdout
    again = subprocess.run([str(exe), "users", "add", "kepala@perpustakaan.test"],
                           input="kata-sandi-kepala-1\n", capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 1 and "already exists" in again.stderr
    short = subprocess.run([str(exe), "users", "add", "x@perpustakaan.test"], input="pendek\n",
                           capture_output=True, text=True, timeout=60)
    assert short.returncode == 1 and "at least 10 characters" in short.stderr
    from sqlmodel import Session, select

    from outreach.db import get_engine
    from outreach.desk.users import authenticate
    from outreach.models import User

    with Session(get_engine(db_url)) as s:
        assert [u.email for u in s.exec(select(User)).all()] == ["kepala@perpustakaan.test"]
        assert authenticate(s, "kepala@perpustakaan.test", "kata-sandi-kepala-1").role == "manager"
        stored = s.exec(select(User)).one().password_hash
        assert stored.startswith("$argon2") and "kata-sandi" not in stored


@pytest.mark.parametrize("lang", ["en"])
def test_every_ui_string_has_a_translation(lang):
    from outreach.web.i18n import missing

    gaps = missing()
    assert not gaps, "untranslated (run python -m outreach.web.i18n): " + "; ".join(
        f"{where}: {mid}" for mid, where in list(gaps.items())[:20])
