"""Where a platform that fetches images (Instagram) gets each image's URL (`url_source`): this
service's own `/media/...` address, or an S3-compatible object store (OUTREACH_MEDIA_STORE=s3).

Instagram's API fetches every image from a URL. Instead of exposing this service at
OUTREACH_PUBLIC_BASE_URL, a library may keep the images in a bucket (AWS S3, Cloudflare R2,
MinIO, Backblaze B2) that stays private: when a platform asks for a URL, the file is uploaded
under a key derived from its content (a retry, or the same image in another post, finds it there
and uploads nothing) and a presigned GET URL is returned that expires after
OUTREACH_S3_URL_EXPIRES seconds.

Presigned URLs (SigV4): https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
Every failure is a `PublishError` in plain words: `transient` when the store could not be reached
or was briefly unavailable (the post is tried again), `rejected` with code `media_store` when the
settings are wrong (bucket, credentials, region), so a person fixes them first.
"""

from __future__ import annotations

import hashlib
import mimetypes
import threading
from collections.abc import Callable
from pathlib import Path

from sqlmodel import Session

from outreach.config import Settings
from outreach.db import get_engine
from outreach.media import ensure_asset, public_url
from outreach.platforms.base import ErrorKind, PublishError
from outreach.platforms.http import mask_secrets, register_secrets
from outreach.platforms.reasons import reason

# botocore retries throttling and 5xx answers itself; a few attempts, then the dispatcher's
# own backoff takes over.
ATTEMPTS = 3
TIMEOUT = (5.0, 30.0)  # (connect, read) seconds, as for the platforms
# Error codes that mean the settings are wrong, not that the store is briefly unwell.
CREDENTIALS = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
               "InvalidSecurity", "TokenRefreshRequired", "Unauthorized", "401",
               "InvalidArgument"}
FORBIDDEN = {"AccessDenied", "AllAccessDisabled", "AccountProblem", "403"}
NO_BUCKET = {"NoSuchBucket", "InvalidBucketName"}
WRONG_REGION = {"AuthorizationHeaderMalformed", "PermanentRedirect",
                "IllegalLocationConstraintException", "301", "400"}
TRANSIENT = {"SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout",
             "RequestTimeTooSkewed", "Throttling", "ThrottlingException", "TooManyRequests",
             "500", "502", "503", "504"}


class S3Store:
    """One bucket's client (boto3 clients are safe to share between threads)."""

    def __init__(self, settings: Settings) -> None:
        import boto3
        from botocore.config import Config

        self.settings = settings
        self.bucket = settings.s3_bucket or ""
        self.prefix = settings.s3_prefix
        self.expires = settings.s3_url_expires
        key = settings.s3_access_key_id.get_secret_value() if settings.s3_access_key_id else None
        secret = (settings.s3_secret_access_key.get_secret_value()
                  if settings.s3_secret_access_key else None)
        self._secrets = tuple(s for s in (key, secret) if s)
        register_secrets(self._secrets)  # botocore's DEBUG logs show the credential scope
        config = Config(
            connect_timeout=TIMEOUT[0], read_timeout=TIMEOUT[1], signature_version="s3v4",
            retries={"max_attempts": ATTEMPTS, "mode": "standard"},
            # MinIO and most self-hosted stores know only path-style addresses; R2 and B2
            # accept both. AWS itself gets its default (virtual-hosted) style.
            s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"},
        )
        self.client = boto3.client(
            "s3", endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region or None, aws_access_key_id=key or None,
            aws_secret_access_key=secret or None, config=config)

    def key_for(self, path: Path) -> str:
        with path.open("rb") as handle:
            digest = hashlib.file_digest(handle, "sha256").hexdigest()
        return f"{self.prefix}{digest[:40]}{path.suffix.lower() or '.bin'}"

    def url_for(self, path: str | Path) -> str:
        """Upload the file unless the bucket has it already; its presigned GET URL."""
        file = Path(path)
        if not file.is_file():
            raise PublishError(ErrorKind.rejected, reason("store.missing", name=file.name),
                               code="media_missing")
        key = self.key_for(file)
        try:
            if not self.exists(key):
                content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                with file.open("rb") as body:
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                           ContentType=content_type)
            return self.presign(key)
        except Exception as exc:  # noqa: BLE001 - botocore's and the network's, in plain words
            raise self.error(exc, "storing the image") from None

    def presign(self, key: str) -> str:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": key}, ExpiresIn=self.expires)

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def error(self, exc: Exception, action: str) -> PublishError:
        """A botocore or network failure as a PublishError that names the setting to check."""
        from botocore.exceptions import (
            ClientError,
            ConnectionError,
            NoCredentialsError,
            ParamValidationError,
            PartialCredentialsError,
        )

        where = self.settings.s3_endpoint_url or "AWS S3"
        if isinstance(exc, ClientError):
            code = _code(exc)
            message = self.mask(str(exc.response.get("Error", {}).get("Message") or ""))
            # The store's own code and words, always present, so the sentence has one shape.
            said = ", ".join(part for part in (code, message) if part) or "no code"
            bucket = repr(self.bucket)
            if code in CREDENTIALS:
                return _config(reason("store.credentials", action=action, said=said))
            if code in FORBIDDEN:
                return _config(reason("store.forbidden", bucket=bucket, action=action, said=said))
            if code in NO_BUCKET:
                return _config(reason("store.no_bucket", bucket=bucket, where=where, said=said))
            if code in WRONG_REGION:
                return _config(reason("store.region", action=action, said=said))
            if code in TRANSIENT or code.isdigit() and int(code) >= 500:
                return PublishError(ErrorKind.transient,
                                    reason("store.busy", action=action, said=said),
                                    code="media_store")
            return _config(reason("store.refused", action=action, said=said))
        if isinstance(exc, NoCredentialsError | PartialCredentialsError):
            return _config(reason("store.no_credentials"))
        if isinstance(exc, ParamValidationError):
            return _config(reason("store.settings", said=self.mask(str(exc))))
        if isinstance(exc, ConnectionError):
            return PublishError(ErrorKind.transient,
                                reason("store.unreachable", where=where, action=action),
                                code="media_store")
        return PublishError(ErrorKind.transient, reason(
            "store.failed", action=action, error=type(exc).__name__), code="media_store")

    def mask(self, text: str) -> str:
        return mask_secrets(" ".join(text.split())[:300], self._secrets)


def _code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str((response.get("Error") or {}).get("Code") or "")


def _config(message: str) -> PublishError:
    return PublishError(ErrorKind.rejected, message, code="media_store")


_STORES: dict[tuple, S3Store] = {}
_LOCK = threading.Lock()


def store_for(settings: Settings) -> S3Store:
    """One client per set of object-store settings in this process (making one costs tens of
    milliseconds, and the dispatcher asks for every Instagram delivery)."""
    key = (settings.s3_bucket, settings.s3_endpoint_url, settings.s3_region,
           settings.s3_access_key_id and settings.s3_access_key_id.get_secret_value(),
           settings.s3_secret_access_key and settings.s3_secret_access_key.get_secret_value(),
           settings.s3_prefix, settings.s3_url_expires)
    with _LOCK:
        store = _STORES.get(key)
        if store is None:
            store = _STORES[key] = S3Store(settings)
        return store


def url_source(settings: Settings) -> Callable[[str], str]:
    """Media file path -> a URL a platform can fetch it from (Instagram).

    `local`: the asset row is committed before the URL is handed out (the platform fetches it
    while we wait for the answer), and the URL is `public_url`. `s3`: the file is uploaded to the
    bucket (once: the key comes from its content) and the URL is presigned and expiring."""
    if settings.media_store == "s3":
        return store_for(settings).url_for

    def resolve(path: str) -> str:
        with Session(get_engine(settings.database_url), expire_on_commit=False) as session:
            asset = ensure_asset(session, path)
            session.commit()
            return public_url(asset, settings)

    return resolve
