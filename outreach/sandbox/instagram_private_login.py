"""Signing in to the sandbox's private Instagram API, as instagrapi's `login_legacy` does.

`GET /api/v1/qe/sync/` hands out the RSA key (headers `ig-set-password-encryption-key-id` and
`-pub-key`) with which the app encrypts the password (`#PWD_INSTAGRAM:4:...`, AES-GCM under an
RSA-wrapped key); `POST /api/v1/accounts/login/` decrypts it. Any password is right except one
starting with `wrong`. A username ending in `_2fa` has two-factor authentication: the login answers
400 `two_factor_required`, and `POST /api/v1/accounts/two_factor_login/` wants the current TOTP code
of the seed `TOTP_SEED`. A successful sign-in sets `ig-set-authorization` (instagrapi's
`Bearer IGT:2:...`); `launcher/sync`, `feed/reels_tray` and `feed/timeline` (what the app calls
around a login) answer plainly.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import struct
import time
from functools import lru_cache

LIMITS = {
    "instagram_private.login": (10**6, 3600),
    "instagram_private.two_factor_login": (10**6, 3600),
    "instagram_private.app_sync": (10**6, 3600),
}
TOTP_SEED = "JBSWY3DPEHPK3PXP"  # the sandbox's authenticator key (RFC 6238's usual example)
KEY_ID = 41


def user_pk(username: str) -> str:
    """The sandbox's stable user id for a username."""
    digest = hashlib.sha256(username.lower().encode()).digest()
    return str(40_000_000_000 + int.from_bytes(digest[:5], "big") % 10_000_000_000)


def totp(seed: str, at: float | None = None) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), as authenticator apps compute it."""
    key = base64.b32decode(seed + "=" * (-len(seed) % 8), casefold=True)
    counter = struct.pack(">Q", int((time.time() if at is None else at) // 30))
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def sandbox_session(user: str, sessionid: str | None = None) -> str:
    """A stored session for rehearsals on the sandbox, as instagrapi's `Client.get_settings()`
    writes it (needs the instagrapi extra), signed in as the sandbox user `user` (a pk). Like a
    real dump it names the curl transport and a 1 s pause before each call: the service must
    override both."""
    from instagrapi import Client

    settings = Client(private_transport="requests").get_settings()
    sessionid = sessionid or f"{user}%3AsAnDbOxSeSsIoN{user[-4:]}%3A12%3AAYdq7x2Lr"
    settings["authorization_data"] = {"ds_user_id": user, "sessionid": sessionid,
                                      "should_use_header_over_cookies": True}
    settings["cookies"] = {"sessionid": sessionid, "ds_user_id": user,
                           "csrftoken": "sandboxCsrf" + user[-6:] + "x9"}
    settings.update(private_transport="curl", request_timeout=1, mid="ZsAnDbOx-mid")
    return json.dumps(settings)


@lru_cache(maxsize=1)
def _key():  # noqa: ANN202 - an RSA private key, made once per process
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _public_pem() -> str:
    from cryptography.hazmat.primitives import serialization

    pem = _key().public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(pem).decode()


def decrypt_password(enc_password: str) -> str | None:
    """The password inside `#PWD_INSTAGRAM:4:{time}:{payload}`; None when it does not open."""
    from cryptography.hazmat.primitives.asymmetric import padding
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        _, version, stamp, payload = enc_password.split(":", 3)
        data = base64.b64decode(payload)
        size = int.from_bytes(data[14:16], "little")
        iv, wrapped = data[2:14], data[16:16 + size]
        tag, sealed = data[16 + size:32 + size], data[32 + size:]
        key = _key().decrypt(wrapped, padding.PKCS1v15())
        return AESGCM(key).decrypt(iv, sealed + tag, stamp.encode()).decode()
    except Exception:  # noqa: BLE001 - any malformed payload is just "does not open"
        return None


def _signed_in(ctx, username: str) -> tuple[dict, dict]:  # noqa: ANN001
    pk = user_pk(username)
    session = f"{pk}%3A{secrets.token_urlsafe(12)}%3A12%3AAY{secrets.token_hex(10)}"
    ctx.memory()["usernames"][pk] = username
    auth = {"ds_user_id": pk, "sessionid": session, "should_use_header_over_cookies": True}
    header = "Bearer IGT:2:" + base64.b64encode(json.dumps(auth).encode()).decode()
    user = {"pk": int(pk), "pk_id": pk, "username": username, "full_name": username,
            "is_private": False, "is_verified": False, "has_anonymous_profile_picture": True}
    return {"logged_in_user": user, "session_flush_nonce": None}, {
        "ig-set-authorization": header, "ig-set-ig-u-ds-user-id": pk}


def install_routes(route, refused) -> None:  # noqa: ANN001 - the decorator and error of the module
    @route("POST", r"api/v1/launcher/sync", "instagram_private.app_sync", auth=False)
    async def launcher_sync(ctx) -> dict:  # noqa: ANN001
        return {"configs": {}}

    @route("GET", r"api/v1/qe/sync", "instagram_private.app_sync", auth=False)
    async def password_key(ctx) -> tuple[dict, dict]:  # noqa: ANN001
        return {"experiments": []}, {"ig-set-password-encryption-key-id": str(KEY_ID),
                                     "ig-set-password-encryption-pub-key": _public_pem()}

    @route("POST", r"api/v1/accounts/login", "instagram_private.login", auth=False)
    async def accounts_login(ctx):  # noqa: ANN001, ANN202
        username = str(ctx.params.get("username") or "")
        password = decrypt_password(str(ctx.params.get("enc_password") or ""))
        if not username or password is None:
            raise refused(400, "Invalid parameters", error_type="invalid_parameters")
        if password.startswith("wrong"):
            raise refused(400, "The password you entered is incorrect. Please try again.",
                          invalid_credentials=True, error_type="bad_password",
                          error_title="Incorrect Password")
        if not username.endswith("_2fa"):
            return _signed_in(ctx, username)
        identifier = secrets.token_urlsafe(16)
        ctx.memory()["sessions"][identifier] = username
        raise refused(400, "", two_factor_required=True, error_type="two_factor_required",
                      two_factor_info={"username": username, "two_factor_identifier": identifier,
                                       "totp_two_factor_on": True, "sms_two_factor_on": False,
                                       "pk": int(user_pk(username)),
                                       "obfuscated_phone_number": ""})

    @route("POST", r"api/v1/accounts/two_factor_login", "instagram_private.two_factor_login",
           auth=False)
    async def two_factor_login(ctx):  # noqa: ANN001, ANN202
        username = ctx.memory()["sessions"].get(str(ctx.params.get("two_factor_identifier")))
        code = str(ctx.params.get("verification_code") or "")
        now = time.time()
        if username is None:
            raise refused(400, "Invalid parameters", error_type="invalid_parameters")
        if code not in {totp(TOTP_SEED, now + drift) for drift in (-30, 0, 30)}:
            raise refused(400, "Please check the security code and try again.",
                          error_type="invalid_verification_code")
        ctx.memory()["sessions"].pop(str(ctx.params.get("two_factor_identifier")), None)
        return _signed_in(ctx, username)

    @route("POST", r"api/v1/feed/reels_tray", "instagram_private.app_sync")
    async def reels_tray(ctx) -> dict:  # noqa: ANN001
        return {"tray": [], "has_new_nux_story": False}

    @route("POST", r"api/v1/feed/timeline", "instagram_private.app_sync")
    async def timeline(ctx) -> dict:  # noqa: ANN001
        return {"feed_items": [], "num_results": 0, "more_available": False}
