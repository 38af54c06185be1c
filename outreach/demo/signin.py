"""The demo connects its accounts the way a library does: by signing in on the platforms'
consent pages (here the sandbox's), through the same sign-in code as the admin's Connect buttons
(desk/connect.py). Only the person is played: the consent page is fetched, its form filled in as
it comes (the offered account or Pages, every permission kept) and sent, and the platform's
answer handed to the sign-in's callback step. So the demo's accounts are OAuth-connected, with
encrypted tokens, lifetimes and X's rotating refresh token, like a real library's.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests
from sqlmodel import Session

from outreach.config import Settings
from outreach.db import get_engine
from outreach.desk import connect
from outreach.models import Account
from outreach.platforms import platform_class

TIMEOUT = 10


class _Form(HTMLParser):
    """The first form of a consent page: its action and what a browser would send with the
    choices as the page offers them (hidden fields, checked boxes and radios)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: list[tuple[str, str]] = []
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self._done:
            return
        if tag == "form" and self.action is None:
            self.action = a.get("action", "")
        elif tag == "input" and self.action is not None and a.get("name"):
            kind = a.get("type", "text")
            if kind == "hidden" or (kind in ("checkbox", "radio") and "checked" in a):
                self.fields.append((a["name"], a.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.action is not None:
            self._done = True


def _consent(url: str, button: tuple[str, str]) -> dict[str, str]:
    """Open the consent page, accept it as offered, and return the platform's answer (the
    query of the redirect back to the service)."""
    page = requests.get(url, timeout=TIMEOUT)
    page.raise_for_status()
    form = _Form()
    form.feed(page.text)
    if form.action is None:
        raise RuntimeError(f"no form on the consent page {urlsplit(url).path}")
    answer = requests.post(urljoin(url, form.action), data=[*form.fields, button],
                           allow_redirects=False, timeout=TIMEOUT)
    location = answer.headers.get("location")
    if answer.status_code not in (302, 303) or not location:
        raise RuntimeError(f"the consent page answered {answer.status_code}")
    return dict(parse_qsl(urlsplit(location).query))


def _named(account: Account) -> str:
    return f"{account.name} ({platform_class(account.platform, account.backend).label})"


def connect_demo_accounts(settings: Settings) -> list[str]:
    """Sign in to X, and to Facebook for the library's Page and its Instagram account; the
    names of the accounts connected."""
    store: dict[str, Any] = {}  # the admin's session, for the pending sign-in
    names = []
    with Session(get_engine(settings.database_url), expire_on_commit=False) as session:
        params = _consent(connect.begin_x(settings, store), ("decision", "allow"))
        done = connect.finish_x(session, settings, store, params, actor="demo")
        names.append(_named(done.account))
        params = _consent(connect.begin_meta(settings, store), ("decision", "allow"))
        grant = connect.finish_meta(settings, store, params)
        page = next(p for p in grant.pages if p.instagram_id)  # the library's own Page
        chosen = [f"facebook:{page.page_id}", f"instagram:{page.page_id}"]
        for done in connect.connect_meta(session, settings, store, chosen, actor="demo"):
            names.append(_named(done.account))  # noqa: PERF401
    return names
