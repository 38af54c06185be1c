"""What the composer's preview tells staff beyond the platform's limits: where the feed folds
the text, the link card, whether the chosen time clashes with the account's rhythm (and the next
free time), which accounts cannot publish now, and a suggested hour from the library's history.

The fold points and link cards come from each platform's `Limits` (fold_chars, fold_lines,
link_preview); the rhythm from the same checks a move in the queue or calendar must pass
(`desk.moves`); the suggested hour from the reports' "best hours" with its evidence rule
(`reports.timing`, `reports.evidence`): none when the history is too thin.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.desk.editing import schedule_or_default
from outreach.desk.moves import _Account, _place
from outreach.models import Account, AccountHealth, Delivery, Post, PostKind
from outreach.platforms.base import Limits

URL = re.compile(r"https?://[^\s<>\"']+")
LOOK_AHEAD_DAYS = 14  # how far the next free time is searched


def fold(limits: Limits, text: str) -> tuple[str, bool]:
    """The text as the feed shows it before "see more", and whether it is folded there."""
    shown = text
    if limits.fold_lines is not None:
        lines = shown.split("\n")
        if len(lines) > limits.fold_lines:
            shown = "\n".join(lines[:limits.fold_lines])
    if limits.fold_chars is not None and len(shown) > limits.fold_chars:
        cut = shown[:limits.fold_chars]
        # A word cut in half reads worse than the feed's own cut: stop at the last space.
        shown = cut.rsplit(" ", 1)[0] if " " in cut[limits.fold_chars // 2:] else cut
    shown = shown.rstrip()
    return shown, shown != text.rstrip()


def link_card(limits: Limits, text: str) -> dict[str, str] | None:
    """The card a platform draws for the first link, when it draws one: its address and host."""
    if not limits.link_preview:
        return None
    found = URL.search(text or "")
    if found is None:
        return None
    url = found.group(0).rstrip(".,;:!?)")
    host = url.split("://", 1)[1].split("/", 1)[0]
    return {"url": url, "host": host}


def blocked_reason(account: Account) -> str | None:
    """Why an account cannot publish now (its health), or None. The page words it."""
    return None if account.health == AccountHealth.ok else str(account.health)


@dataclass
class Clash:
    account_id: int
    code: str  # "quiet" | "full" | "spacing" | "no_room" (desk.moves' codes)
    facts: dict[str, Any]
    automatic: bool  # the post it is too close to was planned by the service
    next_free: datetime | None


def clashes(session: Session, settings: Settings, accounts: Sequence[Account],
            at: datetime, ignore_post: int | None = None) -> list[Clash]:
    """For each account, why `at` breaks its rhythm (quiet date, daily cap, spacing), with the
    next time that keeps it; none when `at` is fine."""
    schedule = schedule_or_default(settings)
    tz = settings.tz
    moving = set()
    if ignore_post is not None:  # an edited post does not clash with itself
        moving = set(session.exec(select(Delivery.id).where(Delivery.post_id == ignore_post)))
    found = []
    for account in accounts:
        probe = Delivery(id=0, post_id=0, account_id=account.id, platform=account.platform,
                         text="", scheduled_at=at)
        taken = _Account(session, account.id, moving)
        _when, skip = _place(taken, probe, at, schedule, tz, shift=False)
        if skip is None:
            continue
        automatic = False
        if skip.code == "spacing":
            near = session.exec(select(Post.kind).join(Delivery, Delivery.post_id == Post.id)
                                .where(Delivery.account_id == account.id,
                                       Delivery.scheduled_at == skip.facts["near"])).first()
            automatic = near is not None and near != PostKind.free
        found.append(Clash(account.id, skip.code, skip.facts, automatic,
                           _next_free(taken, probe, at, schedule, tz)))
    return found


def _next_free(taken: _Account, probe: Delivery, at: datetime, schedule: Any,
               tz: Any) -> datetime | None:
    day_at = at
    for _day in range(LOOK_AHEAD_DAYS):
        when, skip = _place(taken, probe, day_at, schedule, tz, shift=True)
        if skip is None:
            return when
        day_at = day_at + timedelta(days=1)
    return None


@dataclass
class Suggestion:
    hour: int  # local hour, 0..23
    posts: int  # measured posts it rests on
    platform: str


def suggested_hour(session: Session, settings: Settings, platform: str) -> Suggestion | None:
    """The hour of day with the best engagement on `platform` over the library's last year,
    when the evidence rule names a winner; None when the history is too thin."""
    from outreach.reports.evidence import best_cells
    from outreach.reports.period import Period
    from outreach.reports.timing import timing_and_daily

    timings, _days = timing_and_daily(session, Period(None, None, "", "all", platform),
                                      settings)
    for t in timings:
        if t.platform != platform:
            continue
        best = best_cells(t.hours, [str(h) for h in range(24)]).winner
        if best is not None:
            return Suggestion(int(best["label"]), int(best["measured"]), platform)
    return None
