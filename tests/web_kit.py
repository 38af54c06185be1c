"""Web test kit: the real app in-process over HTTP (Starlette's TestClient), a real SQLite file
database, users of each role signed in through the login form with its CSRF token.

    def test_x(web):
        staff = web.client("staff")          # signed in as a new staff user
        page = staff.get("/queue")
        web.post(staff, "/compose", {...})   # adds the CSRF token of the signed-in session
"""

from __future__ import annotations

import re
import secrets

from fastapi.testclient import TestClient
from sqlmodel import Session

from outreach.config import Settings
from outreach.db import get_engine
from outreach.desk.users import create_user
from outreach.models import User

PASSWORD = "kata-sandi-uji-2026"
ROLES = ("staff", "manager", "admin")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


class Web:
    def __init__(self, db_url: str) -> None:
        from outreach.web.app import create_app

        self.db_url = db_url
        self.settings = Settings()
        self.app = create_app(self.settings)

    def session(self) -> Session:
        return Session(get_engine(self.db_url), expire_on_commit=False)

    def user(self, role: str, email: str | None = None, name: str | None = None) -> User:
        email = email or f"{role}-{secrets.token_hex(3)}@perpustakaan.test"
        with self.session() as s:
            user = create_user(s, email, role, PASSWORD, name=name)
            s.commit()
            s.refresh(user)
            return user

    def anonymous(self) -> TestClient:
        return TestClient(self.app, follow_redirects=False)

    def login(self, client: TestClient, email: str, password: str = PASSWORD):
        token = csrf_of(client.get("/login").text)
        return client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token, "next": "/"})

    def client(self, role: str | None = None, user: User | None = None) -> TestClient:
        """A browser-like client, signed in as `user` or as a new user of `role`."""
        client = self.anonymous()
        if user is None and role is None:
            return client
        user = user or self.user(role)  # type: ignore[arg-type]
        response = self.login(client, user.email)
        assert response.status_code == 303, response.text
        client.user = user  # type: ignore[attr-defined]
        return client

    def csrf(self, client: TestClient) -> str:
        page = client.get("/") if getattr(client, "user", None) else client.get("/login")
        return csrf_of(page.text)

    def post(self, client: TestClient, path: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf(client))
        return client.post(path, data=data, **kwargs)
