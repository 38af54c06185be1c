"""No 500 from input (issue 18): every page route, as each role, with odd values in its path
and query parameters, answers something other than a server error."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from web_kit import ROLES

from outreach.web.app import page_routes

ODD = ["²", "-1", "0", "99999999999999999999999999999", "9999-12-31", "0000-00-00", "%00",
       "x" * 400, "1e309", "NaN", "2026-02-30", "../../etc/passwd"]
QUERY = ["page", "status", "platform", "account", "date", "date_from", "date_to", "view", "q",
         "month", "from", "to", "period", "kind", "id", "title_id", "event_id", "next", "lang",
         "start", "end", "sort", "source", "year", "week"]
# Routes whose answers depend on things outside this test (signing in at a platform).
SKIP = {"/admin/accounts/connect/x", "/admin/accounts/connect/meta"}


def _routes(app):
    for route in page_routes(app.routes):
        if "GET" in route.methods and route.path not in SKIP and "{filename}" not in route.path:
            yield route.path


@pytest.mark.parametrize("role", [None, *ROLES])
def test_odd_path_and_query_values_never_answer_500(web, role):
    client = TestClient(web.app, follow_redirects=False, raise_server_exceptions=False)
    if role:
        assert web.login(client, web.user(role).email).status_code == 303
    failures = []
    for path in _routes(web.app):
        for value in ODD:
            concrete = re.sub(r"\{[^}]+\}", value.replace("/", "%2F"), path)
            answers = [client.get(concrete)] if concrete != path else []
            answers.append(client.get(re.sub(r"\{[^}]+\}", "1", path),
                                      params=dict.fromkeys(QUERY, value)))
            failures += [f"{a.request.url}: {a.status_code}" for a in answers
                         if a.status_code >= 500]
            # A refusal is a page in the person's language, never FastAPI's English JSON.
            # (A download's address, e.g. export.csv, may answer in plain text.)
            refused = [a for a in answers if 400 <= a.status_code < 500]
            failures += [f"{a.request.url.path}: {a.status_code} {a.headers.get('content-type')}"
                         for a in refused if not a.headers.get("content-type", "").startswith(
                             ("text/html", "text/plain" if "." in path else "text/html"))]
            failures += [f"{a.request.url.path}: English on the page: {t!r}" for a in refused
                         for t in english_in(a.text)]
    assert not failures, "\n".join(failures[:30])


def english_in(html: str) -> list[str]:
    """Sentences of the page's <main> that read as English (the crawl's rule, without a
    browser: two English function words in one sentence; scripts, code and user content left
    out)."""
    from html.parser import HTMLParser

    from test_browser import english_in_texts

    class Text(HTMLParser):
        VOID = {"br", "img", "input", "meta", "link", "hr", "source", "wbr"}

        def __init__(self):
            super().__init__()
            self.stack: list[bool] = []  # per open element: skipped (with its children)?
            self.in_main = 0
            self.parts: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag in self.VOID:
                return
            names = dict(attrs)
            skip = (tag in ("script", "style", "code", "pre") or "data-user-content" in names
                    or "hidden" in names or not names.get("lang", "id").startswith("id"))
            self.stack.append(skip or bool(self.stack and self.stack[-1]))
            self.in_main += tag == "main"

        def handle_endtag(self, tag):
            if tag in self.VOID or not self.stack:
                return
            self.stack.pop()
            self.in_main -= tag == "main"

        def handle_data(self, data):
            if self.in_main and not (self.stack and self.stack[-1]):
                self.parts.append(data)

    if html.lstrip().startswith("<"):
        parser = Text()
        parser.feed(html)
        text = " ".join(parser.parts)
    else:  # a plain-text refusal
        text = html
    return english_in_texts([" ".join(text.split())])


def test_a_wrong_type_in_the_address_is_a_page_in_the_persons_language(web):
    client = TestClient(web.app, follow_redirects=False, raise_server_exceptions=False)
    assert web.login(client, web.user("manager").email).status_code == 303
    answer = client.get("/approvals", params={"page": "abc"})
    assert answer.status_code == 422 and answer.headers["content-type"].startswith("text/html")
    assert "Isian page di alamat atau formulir ini tidak dapat dibaca" in answer.text
    assert not english_in(answer.text)
    from web_kit import csrf_of

    client.post("/lang", data={"lang": "en", "next": "/",
                               "csrf_token": csrf_of(client.get("/approvals").text)})
    answer = client.get("/approvals", params={"page": "abc"})
    assert "The value of page in this address or form cannot be read" in answer.text
    wrong_method = client.delete("/approvals")
    assert wrong_method.status_code == 405 and "cannot be opened that way" in wrong_method.text


@pytest.mark.parametrize("field", ["title_id", "event_id", "account", "slots", "at"])
@pytest.mark.parametrize("value", ["²", "99999999999999999999999999999", "-1", "9999-12-31T23:59",
                                   "0000-00-00"])
def test_a_tampered_compose_keeps_the_typed_text(web, field, value):
    client = TestClient(web.app, follow_redirects=False, raise_server_exceptions=False)
    client.user = web.user("staff")
    assert web.login(client, client.user.email).status_code == 303
    typed = "Teks yang sudah diketik panjang-panjang oleh staf"
    answer = web.post(client, "/compose", {"text": typed, field: value, "action": "schedule"})
    assert answer.status_code < 500, answer.text[:500]
    if answer.status_code != 303:
        assert typed in answer.text
