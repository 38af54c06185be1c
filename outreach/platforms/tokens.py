"""Access that runs out: renewing it before it does, once, and saying plainly when it cannot be.

An account connected by signing in knows when its access ends (`Account.token_expires_at`,
`Account.data_access_expires_at`). When the access token ends within `MARGIN` and the account
has a refresh token (X), the token is renewed before the client is built.

X's refresh tokens rotate: a refresh spends the token it sends, so two workers must never send
the same one. The refresh is a guarded write on the account row:
1. take the refresh lease with a compare-and-swap (`UPDATE ... WHERE refresh_token_encrypted =
   <the one read> AND the lease is free`); the worker that loses waits for the winner and reads
   the new tokens;
2. send the refresh; the old tokens stay stored until the new ones are;
3. store the new tokens only while still holding the lease and the same refresh token.
A refresh whose answer was lost leaves the old access token in use until it ends, and is
remembered (`refresh_error`), so that X refusing the old refresh token afterwards is named for
what it is instead of "revoked". A refused refresh becomes `auth_expired`: the dispatcher holds
the account's posts until an admin signs in again (`ReconnectReason`).
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update

from outreach.crypto import decrypt_credentials, encrypt_credentials
from outreach.db import get_engine
from outreach.models import Account, ReconnectReason, utcnow
from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.reasons import reason

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.platforms.base import Platform

log = logging.getLogger(__name__)
MARGIN = timedelta(minutes=10)  # renew this long before the access token ends
LEASE = timedelta(seconds=60)  # longer than one refresh call may take
WAIT_SECONDS = 0.1
MAX_WAIT = 90.0
LOST = reason("token.lost")
_COLUMNS = (Account.credentials_encrypted, Account.refresh_token_encrypted,
            Account.token_expires_at, Account.data_access_expires_at,
            Account.refresh_lease_until, Account.refresh_locked_by, Account.refresh_error,
            Account.reconnect_reason)


def needs_care(account: Account) -> bool:
    """Whether building this account's client must look at its token lifetimes."""
    return account.source == "db" and account.id is not None and bool(
        account.token_expires_at or account.data_access_expires_at
        or account.refresh_token_encrypted)


def _encrypt_token(settings: Settings, token: str) -> str:
    return encrypt_credentials(settings, {"refresh_token": token})


def decrypt_token(settings: Settings, stored: str) -> str:
    return decrypt_credentials(settings, stored)["refresh_token"]


def encrypt_refresh_token(settings: Settings, token: str | None) -> str | None:
    return _encrypt_token(settings, token) if token else None


def _ended(account: Account, reason: ReconnectReason, message: str, settings: Settings) -> None:
    """Remember why the account must be signed in to again; the caller raises auth_expired."""
    with get_engine(settings.database_url).begin() as conn:
        conn.execute(update(Account).where(Account.id == account.id).values(
            reconnect_reason=reason, refresh_error=message, refresh_lease_until=None,
            refresh_locked_by=None))
    account.reconnect_reason, account.refresh_error = reason, message


def fresh_credentials(account: Account, settings: Settings, cls: type[Platform],
                      *, worker: str | None = None,
                      margin: timedelta = MARGIN) -> dict[str, str]:
    """The account's credentials, renewed first when the access ends within `margin`. Raises
    PublishError(auth_expired) with a plain reason when the access ended for good."""
    engine = get_engine(settings.database_url)
    me = worker or f"refresh:{uuid.uuid4().hex[:12]}"
    deadline = time.monotonic() + MAX_WAIT
    while True:
        now = utcnow()
        with engine.connect() as conn:
            row = conn.execute(select(*_COLUMNS).where(Account.id == account.id)).one()
        creds = decrypt_credentials(settings, row.credentials_encrypted) \
            if row.credentials_encrypted else {}
        if row.reconnect_reason:  # ended for good: never spend a refresh token again
            raise PublishError(ErrorKind.auth_expired, row.refresh_error or reason(
                "token.ended", label=cls.label, name=account.name))
        if row.data_access_expires_at is not None and row.data_access_expires_at <= now:
            message = reason("token.data_ended", label=cls.label, name=account.name,
                             day=_day(row.data_access_expires_at))
            _ended(account, ReconnectReason.expired, message, settings)
            raise PublishError(ErrorKind.auth_expired, message)
        expires = row.token_expires_at
        if expires is None or expires - now > margin:
            return creds
        renew = getattr(cls, "renew_access", None)
        if not row.refresh_token_encrypted or renew is None:
            if expires <= now:
                message = reason("token.ended_on", label=cls.label, name=account.name,
                                 day=_day(expires))
                _ended(account, ReconnectReason.expired, message, settings)
                raise PublishError(ErrorKind.auth_expired, message)
            return creds
        lost_before = row.refresh_error == LOST or (
            row.refresh_locked_by is not None and row.refresh_lease_until is not None
            and row.refresh_lease_until < now)  # its holder stopped mid-refresh
        with engine.begin() as conn:
            taken = conn.execute(
                update(Account)
                .where(Account.id == account.id,
                       Account.refresh_token_encrypted == row.refresh_token_encrypted,
                       or_(Account.refresh_lease_until.is_(None),
                           Account.refresh_lease_until < now))
                .values(refresh_lease_until=now + LEASE, refresh_locked_by=me)).rowcount
        if taken != 1:  # another worker is renewing: wait for its tokens
            if time.monotonic() > deadline:
                raise PublishError(ErrorKind.transient, reason("token.busy", label=cls.label))
            time.sleep(WAIT_SECONDS)
            continue
        return _renew(account, settings, cls, renew, me, row, creds, lost_before)


def _renew(account: Account, settings: Settings, cls: type[Platform], renew, me: str,  # noqa: ANN001
           row, creds: dict[str, str], lost_before: bool) -> dict[str, str]:
    from outreach.platforms.x.oauth2 import RefreshFailed, RefreshRefused, RefreshUnknown

    engine = get_engine(settings.database_url)
    mine = (Account.id == account.id, Account.refresh_locked_by == me)
    try:
        tokens = renew(settings, decrypt_token(settings, row.refresh_token_encrypted))
    except RefreshRefused as exc:
        if lost_before:
            message = reason("token.refresh_lost", label=cls.label, name=account.name)
            _ended(account, ReconnectReason.refresh_failed, message, settings)
        else:
            message = reason("token.revoked", label=cls.label, name=account.name, why=exc)
            _ended(account, ReconnectReason.revoked, message, settings)
        raise PublishError(ErrorKind.auth_expired, message) from None
    except (RefreshUnknown, RefreshFailed) as exc:
        lost = isinstance(exc, RefreshUnknown)
        with engine.begin() as conn:
            conn.execute(update(Account).where(*mine).values(
                refresh_lease_until=None, refresh_locked_by=None,
                refresh_error=LOST if lost or lost_before else str(exc)))
        log.warning("account %s: renewing the access failed: %s", account.id, exc)
        if row.token_expires_at > utcnow():
            return creds  # the old access still works; the next call tries again
        raise PublishError(ErrorKind.transient, reason("token.retry", why=exc)) from None
    new_creds = {**creds, "oauth2_access_token": tokens.access_token}
    values = {"credentials_encrypted": encrypt_credentials(settings, new_creds),
              "token_expires_at": tokens.expires_at, "refresh_lease_until": None,
              "refresh_locked_by": None, "refresh_error": None}
    if tokens.refresh_token:
        values["refresh_token_encrypted"] = _encrypt_token(settings, tokens.refresh_token)
    with engine.begin() as conn:
        stored = conn.execute(update(Account).where(
            *mine, Account.refresh_token_encrypted == row.refresh_token_encrypted)
            .values(**values)).rowcount
    if stored != 1:  # cannot happen while the lease holds; never lose the new tokens silently
        log.error("account %s: renewed tokens could not be stored (lease lost)", account.id)
    account.token_expires_at = tokens.expires_at
    return new_creds


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")
