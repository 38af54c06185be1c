"""Renewing access ahead of time: the clock's job that refreshes the access tokens of accounts
connected by signing in (X's OAuth 2.0: two-hour tokens, rotating refresh tokens) before they end,
so that an account that publishes rarely, or a post due just after the token ends, never waits
for a refresh at publishing time, and a refresh token that X no longer accepts is found (and the
account's posts held with the reason) while there is still time to sign in again.

Each renewal is the guarded write of platforms/tokens.py (a lease and a compare-and-swap on the
refresh token), so the clock and any number of workers renewing at the same time still spend a
refresh token once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.db import get_engine
from outreach.dispatch.outcomes import hold_account
from outreach.models import Account, AccountHealth, utcnow
from outreach.platforms import platform_class, tokens
from outreach.platforms.base import ErrorKind, PublishError

log = logging.getLogger(__name__)
AHEAD = timedelta(minutes=30)  # renew the access tokens that end within this


@dataclass
class Renewed:
    renewed: list[int] = field(default_factory=list)  # account ids with a new access token
    held: list[int] = field(default_factory=list)  # accounts whose access ended for good
    failed: list[int] = field(default_factory=list)  # tried again on the next run


def renew_ahead(settings: Settings, within: timedelta = AHEAD) -> Renewed:
    """Renew every renewable access token ending within `within`."""
    engine = get_engine(settings.database_url)
    now = utcnow()
    with Session(engine, expire_on_commit=False) as session:
        due = list(session.exec(select(Account).where(
            Account.source == "db", Account.refresh_token_encrypted.is_not(None),
            Account.token_expires_at.is_not(None), Account.token_expires_at <= now + within,
            Account.reconnect_reason.is_(None),
            Account.health != AccountHealth.needs_reconnect).order_by(Account.id)))
    result = Renewed()
    for account in due:
        before = account.token_expires_at
        try:
            cls = platform_class(account.platform, account.backend)
            tokens.fresh_credentials(account, settings, cls, margin=within)
        except PublishError as exc:
            if exc.kind != ErrorKind.auth_expired:
                log.warning("account %s: access not renewed ahead: %s", account.id, exc.message)
                result.failed.append(account.id)
                continue
            _hold(settings, account.id, exc.message)
            result.held.append(account.id)
            continue
        except Exception:  # noqa: BLE001 - one account's fault must not stop the others
            log.exception("account %s: renewing the access ahead failed", account.id)
            result.failed.append(account.id)
            continue
        with Session(engine) as session:  # renewed here or by a worker racing this job
            after = session.get(Account, account.id).token_expires_at
        if after != before:
            result.renewed.append(account.id)
        else:
            result.failed.append(account.id)  # e.g. the answer was lost: tokens.py remembers it
    if result.renewed or result.held:
        log.info("renewal: %d access tokens renewed, %d accounts need signing in again",
                 len(result.renewed), len(result.held))
    return result


def _hold(settings: Settings, account_id: int, message: str) -> None:
    """The access ended for good: hold the account's posts now, with the reason, as publishing
    would, so the inbox and `outreach status` say so before the next post is due."""
    with Session(get_engine(settings.database_url)) as session:
        account = session.get(Account, account_id)
        if account is None or account.health == AccountHealth.needs_reconnect:
            return
        hold_account(session, account, message, utcnow())
        session.add(account)
        session.commit()
