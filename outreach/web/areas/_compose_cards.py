"""The composer's preview cards: each chosen account's post as its feed shows it (images with
their alt text, the text folded where the platform folds it, the link card, X's thread parts),
the rhythm warnings for the chosen time with the next free time, and a suggested hour.

Built once here for the page and for the live preview (which puts the same HTML in place), so
the card a person sees with or without JavaScript is the same."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from outreach.desk.compose_hints import clashes, fold, link_card, suggested_hour
from outreach.desk.editing import Check
from outreach.models import Account
from outreach.platforms import UnknownPlatform, platform_class


def limits_of(account: Account) -> Any:
    try:
        return platform_class(account.platform, account.backend).limits
    except (UnknownPlatform, NotImplementedError, ImportError):
        return None


def cards(accounts: list[Account], found: dict[int, Check],
          images: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """Account id -> what its card shows."""
    out = {}
    for account in accounts:
        check = found.get(account.id)
        limits = limits_of(account)
        if check is None or limits is None:
            continue
        shown, folded = fold(limits, check.parts[0] if check.parts else "")
        out[account.id] = {
            "shown": shown, "folded": folded, "thread": check.parts if len(check.parts) > 1
            else [], "link": link_card(limits, check.text),
            "images": images[:limits.max_media] if limits.max_media else [],
        }
    return out


def rhythm(session: Any, settings: Any, accounts: list[Account], chosen: list[int],
           at: datetime | None, post_id: int | None = None) -> list[dict[str, Any]]:
    """The chosen time's clashes, one per account, with the facts the page words."""
    if at is None:
        return []
    names = {a.id: a for a in accounts}
    picked = [names[i] for i in chosen if i in names]
    return [{"account": names[c.account_id], "code": c.code, "facts": c.facts,
             "automatic": c.automatic, "next_free": c.next_free,
             "next_value": c.next_free.astimezone(settings.tz).strftime("%Y-%m-%dT%H:%M")
             if c.next_free else None}
            for c in clashes(session, settings, picked, at, post_id)]


def suggestions(session: Any, settings: Any, accounts: list[Account]) -> list[Any]:
    found = []
    for platform in dict.fromkeys(a.platform for a in accounts):
        s = suggested_hour(session, settings, platform)
        if s is not None:
            found.append(s)
    return found
