"""What the sandbox's sign-in pages share: the tokens it issued, their lifetimes on the sandbox
clock (`POST /_sandbox/clock {"advance": 7200}` runs an X access token out), and revocation.

Tokens are random strings remembered here; the platform routes look a bearer (X) or an
`access_token` parameter (Graph) up with `check()`. A token the sandbox did not issue is left to
the older rules (any X OAuth 1.0a header, any Graph token but "expired..."), so tests that paste
credentials keep working.
"""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field

from outreach.sandbox.state import SandboxState

MEMORY = "oauth"


@dataclass(slots=True)
class Grant:
    """One issued token (or authorization code, or refresh token)."""

    platform: str  # "x" | "meta"
    kind: str  # "code" | "access" | "refresh" | "page"
    subject: str  # the X user id, the Meta person id, or the Page id
    scopes: list[str]
    expires_at: float | None  # sandbox clock seconds; None: does not expire
    extra: dict = field(default_factory=dict)
    revoked: bool = False
    used: bool = False  # codes and X refresh tokens are single use


def memory(state: SandboxState) -> dict[str, Grant]:
    return state.extras.setdefault(MEMORY, {})


def issue(state: SandboxState, prefix: str, grant: Grant) -> str:
    token = f"{prefix}-{secrets.token_urlsafe(24)}"
    with state.lock:
        memory(state)[token] = grant
    return token


def find(state: SandboxState, token: str) -> Grant | None:
    with state.lock:
        return memory(state).get(token)


def check(state: SandboxState, token: str) -> tuple[Grant | None, str | None]:
    """(grant, None) for a live token; (grant, "expired" | "revoked") for a dead one;
    (None, None) for a token the sandbox did not issue."""
    grant = find(state, token)
    if grant is None:
        return None, None
    if grant.revoked:
        return grant, "revoked"
    now = state.clock.time()
    if grant.expires_at is not None and now >= grant.expires_at:
        return grant, "expired"
    data_access = grant.extra.get("data_access_expires_at")
    if data_access is not None and now >= data_access:  # Meta: data access ran out
        return grant, "expired"
    return grant, None


def revoke_subject(state: SandboxState, platform: str, subject: str) -> int:
    """Everything issued for `subject` stops working (the person removed the app)."""
    count = 0
    with state.lock:
        for grant in memory(state).values():
            if grant.platform == platform and (grant.subject == subject
                                               or grant.extra.get("person") == subject):
                grant.revoked = True
                count += 1
    return count


def page(title: str, body: str) -> str:
    """A plain consent page (the sandbox's stand-in for X's and Facebook's)."""
    style = ("body{font-family:sans-serif;max-width:40rem;margin:2rem auto}"
             "fieldset{margin:1rem 0}button{margin-right:1rem;padding:.4rem 1rem}")
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{style}</style></head>"
            f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>")
