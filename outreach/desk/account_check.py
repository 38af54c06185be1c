"""`outreach accounts check` and the admin's "Periksa" button: a live check of each account.

For each account: the token (the platform's `verify()`: whose credentials these are), the
permissions it was granted where the platform lists them (`permissions_needed`), and, for
platforms that fetch images by URL (`fetches_media`), a small test image offered through the
configured media store (this service's public address, or the object store) and opened from
this machine without cookies, as the platform would. Every problem is one plain sentence, with a
code and parameters so the web UI can say it in its own language.
"""

from __future__ import annotations

import io
import ipaddress
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlmodel import Session, select

from outreach.config import Settings
from outreach.desk.accounts import REMOVED
from outreach.media import MediaError, store_bytes
from outreach.models import Account
from outreach.platforms import UnknownPlatform, client_for, platform_class
from outreach.platforms.base import PublishError
from outreach.platforms.checks import Probe, granted_permissions, probe_image
from outreach.platforms.media_store import url_source


@dataclass(frozen=True, slots=True)
class Finding:
    code: str  # token, other_account, permissions_unread, permission, media_url, ...
    text: str  # one English sentence (CLI, JSON)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class AccountCheck:
    account: Account
    identity: str | None = None  # who the platform says the token belongs to
    permissions: dict[str, list[str]] | None = None  # {"granted": [...], "missing": [...]}
    media: dict[str, Any] | None = None  # {"store", "url", "status", "content_type"}
    problems: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problem(self, code: str, text: str, **params: Any) -> None:
        self.problems.append(Finding(code, text, params))

    def note(self, code: str, text: str, **params: Any) -> None:
        self.notes.append(Finding(code, text, params))

    def as_json(self) -> dict[str, Any]:
        a = self.account
        return {"id": a.id, "platform": a.platform, "backend": a.backend, "name": a.name,
                "external_id": a.external_id, "ok": self.ok, "identity": self.identity,
                "permissions": self.permissions, "media_url": self.media,
                "problems": [f.text for f in self.problems],
                "notes": [f.text for f in self.notes]}


class NoSuchAccount(LookupError):
    pass


def select_accounts(session: Session, which: str | None = None) -> list[Account]:
    """Every account that is not removed, or the one whose id or name is `which`."""
    found = [a for a in session.exec(select(Account).order_by(Account.platform, Account.id))
             if a.source != REMOVED]
    if which is None:
        return found
    wanted = which.strip().casefold()
    chosen = [a for a in found if str(a.id) == wanted or a.name.casefold() == wanted]
    if not chosen:
        raise NoSuchAccount(f"No account with the id or name {which!r}; "
                            "`outreach status` lists the accounts.")
    return chosen


def check_accounts(settings: Settings, accounts: list[Account]) -> list[AccountCheck]:
    media: dict[str, Any] = {}  # one media probe for every account that needs it
    return [check_account(settings, a, media) for a in accounts]


def check_account(settings: Settings, account: Account,
                  media_memo: dict[str, Any] | None = None) -> AccountCheck:
    result = AccountCheck(account)
    try:
        cls = platform_class(account.platform, account.backend)
    except (UnknownPlatform, NotImplementedError) as exc:
        result.problem("platform", str(exc).strip("'\""), message=str(exc).strip("'\""))
        return result
    try:
        client = client_for(account, settings, media_url=url_source(settings))
    except PublishError as exc:
        result.problem("credentials", exc.message, message=exc.message)
        client = None
    except Exception as exc:  # noqa: BLE001 - e.g. credentials stored under another secret key
        text = (f"The credentials of {account.name!r} cannot be opened "
                f"({type(exc).__name__}); connect the account again.")
        result.problem("credentials", text, message=text)
        client = None
    if client is not None:
        _token_and_permissions(result, client, account)
    if cls.fetches_media:
        memo = media_memo if media_memo is not None else {}
        if "probe" not in memo:
            memo["probe"] = _media_probe(settings)
        media, problem, note = memo["probe"]
        result.media = media
        if problem:
            result.problems.append(problem)
        if note:
            result.notes.append(note)
    return result


def _token_and_permissions(result: AccountCheck, client, account: Account) -> None:  # noqa: ANN001
    try:
        identity = client.verify()
    except NotImplementedError:
        result.note("not_checkable", f"{client.label} credentials cannot be checked live.")
        return
    except PublishError as exc:
        result.problem("token", exc.message, message=exc.message, platform=client.label)
        return
    result.identity = identity.name
    if account.external_id and identity.external_id != account.external_id:
        result.problem("other_account", f"The credentials of {account.name!r} belong to "
                       f"another account ({identity.name}).", found=identity.name)
    needed = type(client).permissions_needed
    try:
        granted = granted_permissions(client)
    except PublishError as exc:
        result.problem("permissions_unread", "The token's permissions could not be read: "
                       f"{exc.message}", message=exc.message)
        return
    if granted is None:
        return
    missing = [p for p in needed if p not in granted]
    result.permissions = {"granted": sorted(granted), "missing": missing}
    for name in missing:
        result.problem("permission", f"The token lacks the permission {name}, needed "
                       f"{needed[name]}.", permission=name)


def _test_image(settings: Settings) -> str:
    """A small JPEG in the media folder (named by its content: made once)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 320), (11, 79, 108)).save(buffer, "JPEG", quality=80)
    return str(store_bytes(settings, buffer.getvalue(), ".jpg"))


def _shown(url: str) -> str:
    """The URL without its query: a presigned link's signature is not for screens or logs."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _local_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _media_probe(settings: Settings) -> tuple[dict[str, Any], Finding | None, Finding | None]:
    store = settings.media_store
    media: dict[str, Any] = {"store": store, "url": None, "status": None, "content_type": None}
    try:
        url = url_source(settings)(_test_image(settings))
    except (PublishError, MediaError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        return media, Finding("media_url", "No image URL can be made for Instagram: "
                              f"{message}", {"message": message}), None
    shown = _shown(url)
    probe: Probe = probe_image(url)
    media.update(url=shown, status=probe.status, content_type=probe.content_type)
    problem = note = None
    if probe.status is None:
        problem = Finding("media_unreachable", f"The test image at {shown} could not be "
                          f"opened ({probe.error}): Instagram could not fetch images either.",
                          {"url": shown, "reason": probe.error})
    elif probe.status != 200:
        problem = Finding("media_unreachable", f"The test image at {shown} answered HTTP "
                          f"{probe.status}: Instagram could not fetch images either.",
                          {"url": shown, "reason": f"HTTP {probe.status}"})
    elif not probe.ok:
        problem = Finding("media_type", f"The test image at {shown} came back as "
                          f"{probe.content_type or 'no content type'}, not an image.",
                          {"url": shown, "content_type": probe.content_type or "-"})
    if problem is None and _local_host(urlsplit(url).hostname):
        host = urlsplit(url).hostname
        note = Finding("local_address", f"The image opens from this machine, but {host} is a "
                       "local address that Instagram cannot reach from the internet.",
                       {"host": host})
    return media, problem, note
