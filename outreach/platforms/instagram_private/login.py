"""Signing in to Instagram through instagrapi: making the first session, and renewing one that
Instagram signed out.

`python -m outreach.platforms.instagram_private.login USERNAME` signs in once (password asked
for, two-factor code asked for or computed from OUTREACH_INSTAGRAM_TOTP_SEED) and prints the
session JSON to store. Renewal happens only when the account also stores a password (and, with
two-factor authentication, the TOTP seed of its authenticator app): then the service signs in
again by itself, once per client. Without them an ended session is `auth_expired` and a person
stores a new one. While publishing nothing is ever interactive: no `input()`, no SMS codes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from outreach.platforms.base import (
    DEFAULT_TIMEOUT,
    CredentialField,
    ErrorKind,
    Identity,
    PublishError,
)
from outreach.platforms.http import BaseURLAdapter, mask_secrets, register_secrets
from outreach.platforms.instagram_private import client as errors
from outreach.platforms.instagram_private.client import INSTALL
from outreach.platforms.reasons import reason

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.platforms.instagram_private.backend import InstagramPrivatePlatform

log = logging.getLogger(__name__)

# What a person types to connect an account in the web UI (InstagramPrivatePlatform).
FIELDS = (
    CredentialField("username", "Nama pengguna Instagram", secret=False, help="Tanpa @."),
    CredentialField("session", "Sesi instagrapi (JSON)", multiline=True,
                    help="Buat sekali di komputer tepercaya: python -m "
                         "outreach.platforms.instagram_private.login NAMA_PENGGUNA"),
    CredentialField("password", "Kata sandi Instagram (opsional)", required=False,
                    help="Hanya bila layanan boleh masuk ulang sendiri saat Instagram "
                         "mengakhiri sesi."),
    CredentialField("totp_seed", "Kunci TOTP (opsional)", required=False,
                    help="Kunci base32 aplikasi autentikator, bila akun memakai verifikasi "
                         "dua langkah."),
)


def verify(platform: InstagramPrivatePlatform) -> Identity:
    """Reads the account's latest post with the stored session (`GET feed/user/{pk}/`): a
    session Instagram signed out is refused here, or renewed once when a password is given
    (then `updated_credentials()` holds the new session)."""
    cl = platform.client
    platform.call(lambda: cl.user_medias_paginated_v1(cl.user_id, amount=1), publishing=False,
                  action="checking the session")
    if platform.last_status != 200:  # instagrapi logs some failed reads and returns nothing
        raise PublishError(ErrorKind.transient, "Instagram did not show the account's posts "
                           f"with this session (HTTP {platform.last_status}); try again.")
    return Identity(external_id=str(cl.user_id), name=f"Instagram @{platform.username}")


def renewable(platform: InstagramPrivatePlatform) -> bool:
    """Whether an ended session may be renewed now: a password is stored, and this client has
    not renewed it already (a second refusal is not worth a second login)."""
    return bool(platform.credentials.get("password")) and not platform.renewed


def totp_code(seed: str) -> str:
    """The current six-digit code of a TOTP seed (base32, as authenticator apps show it)."""
    from instagrapi.mixins.totp import TOTP

    try:
        return TOTP(seed.replace(" ", "").upper()).code()
    except (ValueError, TypeError):  # binascii.Error is a ValueError
        raise PublishError(ErrorKind.auth_expired, "The stored TOTP seed of the Instagram "
                           "account is not a valid base32 key (as the authenticator app shows "
                           "it when two-factor authentication is set up).",
                           code="bad_totp_seed") from None


def renew(platform: InstagramPrivatePlatform) -> None:
    """Sign in again with the stored password (and TOTP code); keep the new session on the
    client and in `platform.refreshed_session`. Raises PublishError(auth_expired) when
    Instagram refuses."""

    cl = platform.client
    seed = platform.credentials.get("totp_seed")
    code = totp_code(seed) if seed else ""
    log.info("The Instagram session of @%s ended; signing in again with the stored password.",
             platform.username)
    try:
        cl.login_legacy(platform.username, platform.credentials["password"], relogin=True,
                        verification_code=code)
    except PublishError:
        raise
    except Exception as exc:  # noqa: BLE001 - classified like every instagrapi failure
        error = errors.classify(platform, exc, publishing=False, action="signing in again")
        if error.kind in (ErrorKind.auth_expired, ErrorKind.rejected):
            said = errors.said(errors.first_failure(exc), platform.mask)
            error = PublishError(
                ErrorKind.auth_expired,
                reason("igp.relogin_totp_refused" if code else "igp.relogin_refused",
                       user=platform.username, said=said, docs=errors.DOCS),
                status=error.status, code="login_failed")
        raise error from None
    platform.remember_session(cl)


class CodeNeeded(Exception):
    """The account has two-factor authentication: a code from the authenticator is needed."""


def new_session(settings: Settings, username: str, password: str, *, code: str = "",
                timeout: tuple[float, float] = DEFAULT_TIMEOUT) -> str:
    """Sign in once and return the session to store (instagrapi's settings JSON): a new device
    identity, signed in. Raises CodeNeeded (two-factor, no code given) or PublishError."""
    from types import SimpleNamespace


    cls = errors.client_class()
    if cls is None:
        raise PublishError(ErrorKind.auth_expired, INSTALL, code="not_installed")
    secrets = [password]
    register_secrets(secrets)

    def mount(session) -> None:  # noqa: ANN001 - a requests.Session of the client
        adapter = BaseURLAdapter(settings.instagram_private_api_url, timeout=timeout,
                                 secrets=secrets)
        session.mount("https://", adapter)
        session.mount("http://", adapter)

    cl = cls(route=mount, private_transport="requests", request_timeout=0,
             with_challenge_flow=False, logger=logging.getLogger("instagrapi"))
    who = SimpleNamespace(username=username, mask=lambda text: mask_secrets(text, secrets))
    try:
        cl.login_legacy(username, password, verification_code=code)
    except Exception as exc:  # noqa: BLE001 - classified like every instagrapi failure
        from instagrapi.exceptions import TwoFactorRequired

        if isinstance(errors.first_failure(exc), TwoFactorRequired) and not code:
            raise CodeNeeded() from None
        error = errors.classify(who, exc, publishing=False, action="signing in")
        if error.code in ("login_failed", "login_required") or error.kind == ErrorKind.rejected:
            said = errors.said(errors.first_failure(exc), who.mask)
            error = PublishError(ErrorKind.auth_expired, f"Instagram refused to sign "
                                 f"@{username} in: {said}", code="login_failed")
        raise error from None
    return json.dumps(cl.get_settings())


def main(argv: list[str] | None = None) -> int:
    """`python -m outreach.platforms.instagram_private.login USERNAME`: sign in once and print
    the session JSON for OUTREACH_INSTAGRAM_SESSION (or the web UI). The password is asked for
    (or read from stdin); a two-factor code is asked for, or computed from
    OUTREACH_INSTAGRAM_TOTP_SEED. Goes where OUTREACH_INSTAGRAM_PRIVATE_API_URL says."""
    import argparse
    import getpass
    import sys

    from outreach.config import SettingsError, load_settings

    parser = argparse.ArgumentParser(prog="python -m outreach.platforms.instagram_private.login",
                                     description=main.__doc__)
    parser.add_argument("username")
    args = parser.parse_args(argv)
    username = args.username.strip().lstrip("@")

    def ask(prompt: str) -> str:
        if sys.stdin.isatty():
            return getpass.getpass(prompt, stream=sys.stderr)
        return sys.stdin.readline().strip()

    try:
        settings = load_settings()
        password = ask(f"Kata sandi Instagram · Instagram password (@{username}): ")
        seed = settings.instagram_totp_seed
        try:
            session = new_session(settings, username, password)
        except CodeNeeded:
            code = totp_code(seed.get_secret_value()) if seed is not None \
                and seed.get_secret_value() else ask("Kode 6 digit dari aplikasi autentikator · "
                                                     "6-digit code from the authenticator app: ")
            session = new_session(settings, username, password, code=code)
    except (PublishError, SettingsError) as exc:
        print(f"Gagal masuk · Sign-in failed: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    print(session)
    print("Simpan baris di atas sebagai OUTREACH_INSTAGRAM_SESSION (rahasia) · Store the line "
          "above as OUTREACH_INSTAGRAM_SESSION (a secret).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())


# -- stored sessions ------------------------------------------------------------------------
def parse_session(raw: str, account_name: str = "") -> dict:
    """The instagrapi settings of a stored session (`Client.get_settings()` as JSON)."""
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("authorization_data", {}), dict):
        message = reason("igp.bad_session_of", name=repr(account_name)) if account_name \
            else reason("igp.bad_session")
        raise PublishError(ErrorKind.auth_expired, message, code="bad_session")
    return data


def session_user(raw: str) -> str | None:
    """The Instagram user id of a stored session, when it says; never raises."""
    try:
        data = json.loads(raw)
        found = (data.get("authorization_data") or {}).get("ds_user_id") \
            or (data.get("cookies") or {}).get("ds_user_id")
    except (ValueError, AttributeError):
        return None
    return str(found) if found and str(found).isdigit() else None


def session_secrets(credentials: Mapping[str, str], session: Mapping[str, Any]) -> tuple[str, ...]:
    """Every value to mask: the credentials, and the session's cookies and authorization."""
    values = [v for k, v in credentials.items() if k != "username" and isinstance(v, str)]
    for part in ("authorization_data", "cookies"):
        for key, value in (session.get(part) or {}).items():
            if key != "ds_user_id" and isinstance(value, str) and len(value) >= 8:
                values.append(value)
    for key in ("ig_u_rur", "ig_www_claim"):
        if isinstance(session.get(key), str) and len(session[key]) >= 8:
            values.append(session[key])
    return tuple(dict.fromkeys(values))
