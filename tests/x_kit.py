"""What the X client sends, as the sandbox receives it: every request of an `XPlatform`
(tweepy's calls and our own media upload alike) recorded by a `requests` response hook on the
platform's session — the library's own extension point, so no client method is replaced."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Sent:
    method: str
    path: str  # from "/2/" on: the same for the sandbox ("/x/2/...") and X ("/2/...")
    query: dict[str, list[str]]
    content_type: str  # without parameters
    body: bytes | None
    status: int
    json: Any = field(default=None)
    content_header: str = ""  # the whole Content-Type header (a multipart boundary with it)

    @property
    def first(self) -> dict[str, str]:
        return {k: v[0] for k, v in self.query.items()}


def record(x) -> list[Sent]:
    """Start recording `x`'s requests; the list fills as they are answered."""
    sent: list[Sent] = []

    def hook(response, *args, **kwargs):
        sent.append(sent_of(response.request, response.status_code))

    x.client.session.hooks["response"].append(hook)
    return sent


def sent_of(request, status: int = 0) -> Sent:
    """A `requests.PreparedRequest` as the oracle reads it."""
    url = urlsplit(request.url)
    path = url.path[url.path.index("/2/"):] if "/2/" in url.path else url.path
    body = request.body
    if isinstance(body, str):
        body = body.encode()
    header = request.headers.get("Content-Type") or ""
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    content_type = header.split(";")[0].strip()
    item = Sent(method=request.method, path=path,
                query=parse_qs(url.query, keep_blank_values=True), content_type=content_type,
                body=body or None, status=status, content_header=header)
    if body and content_type == "application/json":
        item.json = json.loads(body)
    return item
