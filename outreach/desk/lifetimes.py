"""Accounts a person must look at because their access ends or ended: the 7-day warning and the
accounts that need signing in again. `outreach status` and the inbox both list `attention()`, so
the CLI and the web say the same thing about the same accounts.

An account "ends" when its access cannot be renewed without a person (connect.access_ends: Meta's
90-day data access, or an access token without a refresh token); an X access token that renews
itself (tokens.py, and the clock's renewal ahead of time) is not a warning. An account "needs
reconnecting" when publishing held it (`health == needs_reconnect`) or a renewal ended it for good
(`reconnect_reason`), whichever is seen first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from outreach.desk.accounts import REMOVED
from outreach.desk.connect import WARN_AHEAD, access_ends, signin_url
from outreach.models import Account, AccountHealth, utcnow

ENDING = "ending"
RECONNECT = "reconnect"


@dataclass(slots=True)
class Attention:
    account: Account
    kind: str  # ENDING | RECONNECT
    ends: datetime | None  # when the access ends (or ended); None when not known
    # What ends: "data_access" (Meta's 90 days) or "token" (an access that cannot be renewed).
    what: str | None
    reason: str  # plain words (English; the inbox words it in the page's language from `kind`)
    # Where an admin goes to connect it again: its sign-in, or the credentials form.
    action_url: str
    ended: bool = False  # the access has ended already

    def as_json(self, tz) -> dict[str, object]:  # noqa: ANN001 - a tzinfo
        a = self.account
        return {"account_id": a.id, "platform": a.platform, "name": a.name, "kind": self.kind,
                "ends": self.ends.astimezone(tz).isoformat() if self.ends else None,
                "what": self.what, "reason": self.reason, "action_url": self.action_url}


def _what(account: Account, ends: datetime) -> str:
    return "data_access" if ends == account.data_access_expires_at else "token"


def action_url(account: Account) -> str:
    """Where an admin goes to connect this account again: its sign-in, or the credentials form."""
    found = signin_url(account)
    if found:
        return found
    return "/admin/accounts" if account.source == "env" else \
        f"/admin/accounts/{account.id}/reconnect"


def attention_for(account: Account, now: datetime | None = None) -> Attention | None:
    """Why this account needs a person about its access, or None."""
    if account.source == REMOVED:
        return None
    now = now or utcnow()
    ends = access_ends(account)
    if account.health == AccountHealth.needs_reconnect or account.reconnect_reason:
        reason = (account.health_reason or account.refresh_error
                  or "The platform no longer accepts this account's access.")
        return Attention(account, RECONNECT, ends, _what(account, ends) if ends else None,
                         f"Needs reconnecting: {reason}", action_url(account),
                         bool(ends and ends <= now))
    if ends is None or ends - now > WARN_AHEAD:
        return None
    what = _what(account, ends)
    day = ends.strftime("%Y-%m-%d %H:%M UTC")
    if ends <= now:
        reason = f"The access ended on {day}: an admin must sign in again."
    elif what == "data_access":
        reason = (f"The platform's data access ends on {day} (it lasts 90 days from the last "
                  "sign-in): an admin must sign in again before then, or its posts are held.")
    else:
        reason = (f"The access ends on {day} and cannot be renewed by itself: an admin must "
                  "sign in again before then, or its posts are held.")
    return Attention(account, ENDING, ends, what, reason, action_url(account), ends <= now)


def attention(session: Session, now: datetime | None = None) -> list[Attention]:
    """Every account needing a person about its access: those to reconnect first, then those
    ending soonest."""
    now = now or utcnow()
    found = [a for a in (attention_for(account, now) for account in session.exec(
        select(Account).order_by(Account.platform, Account.name, Account.id))) if a]
    far = datetime.max.replace(tzinfo=now.tzinfo)
    found.sort(key=lambda a: (a.kind != RECONNECT, a.ends or far))
    return found
