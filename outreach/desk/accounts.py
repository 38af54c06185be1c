"""Connected platform accounts as an admin manages them: connect (credentials checked against the
platform, then stored encrypted), pause, resume or reconnect, remove; and what may be shown of
their credentials (never more than the last four characters of a secret).

Shared by the web UI and any future CLI command, so both enforce the same rules. Failures are
`AccountError`s carrying a code and values, which each face words in its own language.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from outreach.audit import audit
from outreach.config import Settings
from outreach.crypto import SecretKeyError, decrypt_credentials, encrypt_credentials
from outreach.dispatch.outcomes import resume_account
from outreach.errors import OutreachError
from outreach.models import Account, AccountHealth, Delivery, DeliveryStatus, utcnow
from outreach.platforms import platform_class
from outreach.platforms.base import CredentialField, ErrorKind, Identity, Platform, PublishError
from outreach.platforms.http import mask_secrets
from outreach.platforms.reasons import reason
from outreach.platforms.tokens import decrypt_token

log = logging.getLogger(__name__)
S = DeliveryStatus
# Account.source of an account removed by an admin while its posts stay in the reports: its
# credentials are gone and it is paused, so nothing plans, publishes or syncs with it.
REMOVED = "removed"
# Deliveries that would still go out: removing their account needs them cancelled first.
WAITING = (S.draft, S.pending_review, S.scheduled, S.retry_wait, S.held)
MASK = "••••"
SHOW_LAST_FROM = 16  # only secrets this long show their last 4 characters


class AccountError(OutreachError):
    """An account cannot be connected or changed. `code` says why; `params` carry the values
    a message needs (never a secret)."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class ShownField:
    field: CredentialField
    value: str | None  # plain (non-secret) or masked ("••••abcd"); None: stored, not shown
    stored: bool


@dataclass(slots=True)
class Connected:
    account: Account
    created: bool
    released: int = 0  # held deliveries sent back to the queue (a reconnect)
    notes: list[str] = field(default_factory=list)


def read_form(cls: type[Platform], values: Mapping[str, str]) -> dict[str, str]:
    """The credentials a person typed for this platform class; AccountError('missing') names
    the required fields left empty."""
    creds: dict[str, str] = {}
    missing = []
    for f in cls.credential_fields:
        value = (values.get(f.name) or "").strip()
        if value:
            creds[f.name] = value
        elif f.required:
            missing.append(f.label)
    if missing:
        raise AccountError("missing", fields=missing)
    return creds


def verify_credentials(settings: Settings, cls: type[Platform],
                       credentials: Mapping[str, str]) -> tuple[Identity, dict[str, str]]:
    """Ask the platform whose credentials these are (one cheap authenticated call). Returns
    the identity and the credentials to store (a platform may have renewed a session)."""
    probe = Account(platform=cls.name, external_id="", name=cls.label, backend=cls.backend)
    secrets = [credentials.get(f.name) for f in cls.credential_fields if f.secret]
    try:
        client = cls(probe, credentials, settings)
        identity = client.verify()
    except PublishError as exc:
        raise AccountError("refused", kind=exc.kind.value,
                           message=mask_secrets(exc.message, secrets)) from None
    except Exception as exc:  # noqa: BLE001 - a client library's surprise is not a 500 page
        log.warning("checking %s credentials failed: %s", cls.label, type(exc).__name__)
        raise AccountError("refused", kind=ErrorKind.transient.value,
                           message=f"{cls.label}'s answer could not be understood "
                                   f"({type(exc).__name__}).") from None
    return identity, {**credentials, **(client.updated_credentials() or {})}


def connect(session: Session, settings: Settings, cls: type[Platform],
            values: Mapping[str, str], *, actor: str, user_id: int | None = None,
            name: str | None = None, account: Account | None = None) -> Connected:
    """Connect a new account, or give `account` new credentials (a reconnect), after the
    platform accepted them. Nothing is stored when anything fails."""
    creds = read_form(cls, values)
    try:
        encrypt_credentials(settings, creds)  # no key: say so before calling the platform
    except SecretKeyError:
        raise AccountError("no_secret_key") from None
    identity, creds = verify_credentials(settings, cls, creds)
    return store(session, settings, cls, identity, creds, actor=actor, user_id=user_id,
                 name=name, account=account)


def store(session: Session, settings: Settings, cls: type[Platform], identity: Identity,
          creds: dict[str, str], *, actor: str, user_id: int | None = None,
          name: str | None = None, account: Account | None = None,
          lifetimes: Mapping[str, Any] | None = None) -> Connected:
    """Store credentials the platform accepted (`verify_credentials`) on a new account or on
    `account` (a reconnect). `lifetimes`: Account columns of an account connected by signing in
    (token_expires_at, data_access_expires_at, refresh_token_encrypted)."""
    if account is not None:
        if account.source == "env":
            raise AccountError("env_account", name=account.name)
        if identity.external_id != account.external_id:
            raise AccountError("other_account", name=account.name, found=identity.name)
    else:
        account = session.exec(select(Account).where(
            Account.platform == cls.name, Account.external_id == identity.external_id)).first()
        if account is not None and account.source == "env":
            raise AccountError("env_account", name=account.name)
    created = account is None
    now = utcnow()
    if account is None:
        account = Account(platform=cls.name, external_id=identity.external_id, name="")
    was = account.health if not created else None
    was_removed = account.source == REMOVED
    account.name = (name or "").strip() or (account.name if not created and not was_removed
                                             else identity.name)
    account.source, account.backend = "db", cls.backend
    account.credentials_encrypted = encrypt_credentials(settings, creds)
    # Signing in again (or pasting keys) starts the account's lifetimes afresh.
    account.token_expires_at = account.data_access_expires_at = None
    account.refresh_token_encrypted = account.refresh_error = account.reconnect_reason = None
    account.refresh_lease_until = account.refresh_locked_by = None
    for key, value in (lifetimes or {}).items():
        setattr(account, key, value)
    if was_removed:
        account.health, account.health_reason = AccountHealth.ok, None
    account.updated_at = now
    session.add(account)
    session.flush()
    audit(session, actor, "account.connect" if created or was_removed else "account.reconnect",
          "account", account.id, {"platform": cls.name, "backend": cls.backend,
                                  "external_id": account.external_id, "name": account.name,
                                  "fields": sorted(creds)}, user_id=user_id)
    result = Connected(account=account, created=created)
    if was == AccountHealth.needs_reconnect:
        result.released = resume_account(session, account, actor)  # commits
    else:
        session.commit()
    return result


def pause(session: Session, account: Account, *, actor: str, user_id: int | None = None) -> None:
    if account.source == REMOVED:
        raise AccountError("removed", name=account.name)
    if account.health == AccountHealth.paused:
        return
    before = account.health
    account.health, account.health_reason, account.updated_at = (
        AccountHealth.paused, None, utcnow())
    session.add(account)
    audit(session, actor, "account.pause", "account", account.id, {"was": before},
          user_id=user_id)
    session.commit()


def resume(session: Session, settings: Settings, account: Account, *, actor: str) -> int:
    """Paused → publishing again, with any held deliveries. An account that needs
    reconnecting gets new credentials instead (`connect(account=…)`, AccountError
    'reconnect'); one from the environment is checked again with the environment's."""
    if account.source == REMOVED:
        raise AccountError("removed", name=account.name)
    if account.health == AccountHealth.ok:
        return 0
    if account.health == AccountHealth.needs_reconnect:
        if account.source != "env":
            raise AccountError("reconnect", name=account.name)
        cls = platform_class(account.platform, account.backend)
        found = cls.env_account(settings)
        if not found:
            raise AccountError("env_missing", name=account.name)
        verify_credentials(settings, cls, found[2])
    return resume_account(session, account, actor)  # audits and commits


def waiting_deliveries(session: Session, account_id: int) -> int:
    return session.exec(select(func.count()).select_from(Delivery).where(
        Delivery.account_id == account_id, Delivery.status.in_(WAITING))).one()


def remove(session: Session, account: Account, *, cancel: bool, actor: str,
           user_id: int | None = None, settings: Settings | None = None) -> tuple[int, bool]:
    """Forget an account connected in the web UI. Refused while deliveries wait for it unless
    `cancel` (they are cancelled, and the audit log says how many). Its published posts stay
    in the reports: then the row stays too, without credentials (`REMOVED`). With `settings`,
    the tokens of an account connected by signing in are ended at the platform afterwards
    where it allows (`Platform.revoke_access`). Returns (deliveries cancelled, row deleted)."""
    if account.source == "env":
        raise AccountError("env_account", name=account.name)
    if account.source == REMOVED:
        raise AccountError("removed", name=account.name)
    publishing = session.exec(select(func.count()).select_from(Delivery).where(
        Delivery.account_id == account.id, Delivery.status == S.publishing)).one()
    if publishing:
        raise AccountError("publishing", name=account.name, n=publishing)
    waiting = waiting_deliveries(session, account.id)
    if waiting and not cancel:
        raise AccountError("busy", name=account.name, n=waiting)
    now = utcnow()
    cancelled = 0
    if waiting:
        cancelled = session.execute(
            update(Delivery).where(Delivery.account_id == account.id,
                                   Delivery.status.in_(WAITING))
            .values(status=S.cancelled, updated_at=now, last_error_kind=None,
                    last_error=reason("account_removed"))).rowcount or 0
    history = session.exec(select(func.count()).select_from(Delivery).where(
        Delivery.account_id == account.id)).one()
    detail = {"platform": account.platform, "external_id": account.external_id,
              "name": account.name, "cancelled": cancelled}
    audit(session, actor, "account.remove", "account", account.id, detail, user_id=user_id)
    ending = _tokens_to_end(settings, account) if settings is not None else None
    if history:
        account.source, account.credentials_encrypted = REMOVED, None
        account.health, account.health_reason = AccountHealth.paused, None
        # Signed-in accounts' tokens and lifetimes are forgotten with the credentials.
        account.refresh_token_encrypted = account.token_expires_at = None
        account.data_access_expires_at = account.reconnect_reason = None
        account.refresh_error = None
        account.updated_at = now
        session.add(account)
    else:
        session.execute(delete(Account).where(Account.id == account.id))
    session.commit()
    if ending is not None:  # after the commit: the account is gone whatever the platform says
        revoke, creds, refresh = ending
        try:
            ended = revoke(settings, creds, refresh)
        except Exception:  # noqa: BLE001 - removing never fails on the platform's answer
            ended = False
        log.info("account %s removed; its access %s at the platform", detail["external_id"],
                 "was ended" if ended else "could not be ended")
    return cancelled, not history


def _tokens_to_end(settings: Settings, account: Account):  # noqa: ANN202 - a triple or None
    """(the platform's revoke_access, credentials, refresh token) of a signed-in account."""
    try:
        revoke = getattr(platform_class(account.platform, account.backend), "revoke_access",
                         None)
        if revoke is None or not account.credentials_encrypted:
            return None
        creds = decrypt_credentials(settings, account.credentials_encrypted)
        refresh = (decrypt_token(settings, account.refresh_token_encrypted)
                   if account.refresh_token_encrypted else None)
    except Exception:  # noqa: BLE001 - an unreadable secret: nothing to end
        return None
    return revoke, creds, refresh


def mask_secret(value: str) -> str | None:
    """"••••abcd" for a long secret; None (say only that it is stored) for a short one."""
    return MASK + value[-4:] if len(value) >= SHOW_LAST_FROM else None


def shown_credentials(account: Account, settings: Settings) -> list[ShownField] | None:
    """What the admin page may show of an account's credentials; None when they cannot be
    opened (OUTREACH_SECRET_KEY missing or changed)."""
    try:
        cls = platform_class(account.platform, account.backend)
    except (KeyError, NotImplementedError):
        return None
    if account.source == REMOVED:
        return []
    if account.source == "env":
        found = cls.env_account(settings)
        creds = found[2] if found else {}
    elif not account.credentials_encrypted:
        creds = {}
    else:
        try:
            creds = decrypt_credentials(settings, account.credentials_encrypted)
        except SecretKeyError:
            return None
    shown = []
    for f in cls.credential_fields:
        value = creds.get(f.name) or ""
        if not value:
            shown.append(ShownField(f, None, stored=False))
        elif not f.secret:
            shown.append(ShownField(f, value, stored=True))
        else:
            shown.append(ShownField(f, None if f.multiline else mask_secret(value), stored=True))
    return shown
