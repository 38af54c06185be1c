"""`GET /me/permissions`: the permissions a user access token was granted or declined.

https://developers.facebook.com/docs/graph-api/reference/user/permissions/ — answers
`{"data": [{"permission": "instagram_basic", "status": "granted"}, ...]}`. Every token has the
permissions a library's app asks for, unless a test declined some for that token with
`POST /_sandbox/permissions {"token": "...", "declined": ["instagram_content_publish"]}`.
"""

from __future__ import annotations

from fastapi import FastAPI

from outreach.sandbox.graph import Ctx, route
from outreach.sandbox.state import SandboxState

# What the library's Meta app asks for (pages and Instagram publishing, insights, comments).
GRANTED = ("public_profile", "pages_show_list", "pages_read_engagement", "pages_manage_posts",
           "pages_read_user_content", "read_insights", "business_management",
           "instagram_basic", "instagram_content_publish", "instagram_manage_insights",
           "instagram_manage_comments")


def install(app: FastAPI, state: SandboxState) -> None:
    state.register("graph", limits={"graph.batch": (10**6, 3600),
                                    "graph.permissions": (10**6, 3600)},
                   metrics=lambda *a: {})


def declined(state: SandboxState) -> dict[str, set[str]]:
    """token -> the permissions declined for it (emptied by the sandbox's reset)."""
    return state.extras.setdefault("graph", {}).setdefault("declined", {})


@route("GET", r"me/permissions", "graph.permissions", owner=lambda state, groups: None)
async def permissions(ctx: Ctx):
    token = str(ctx.params.get("access_token") or "")
    with ctx.state.lock:
        refused = set(declined(ctx.state).get(token, ()))
    names = sorted(set(GRANTED) | refused)
    return {"data": [{"permission": name,
                      "status": "declined" if name in refused else "granted"}
                     for name in names]}, None
