"""Settings from the environment and `.env` (pydantic-settings).

Every variable is documented in `.env.example`; `tests/test_config.py` fails when one is missing
there.
A bad value stops start-up with `SettingsError`, whose message names the variable and what is
expected, so an IT person never has to read a pydantic traceback.
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from outreach.config_syntax import parse_age_schedule, parse_kind_rules
from outreach.errors import OutreachError

PACKAGE_DIR = Path(__file__).resolve().parent

# What each setting expects, in the words used when a value is refused.
EXPECTED = {
    "database_url": "a SQLAlchemy database URL such as sqlite:///outreach.db or "
    "postgresql+psycopg://user:password@host/dbname",
    "timezone": "an IANA time zone name such as Asia/Makassar",
    "locale": "a locale code such as id or en",
    "public_base_url": "an http(s) URL such as https://outreach.example.org",
    "x_api_url": "an http(s) URL such as https://api.x.com",
    "graph_api_url": "an http(s) URL such as https://graph.facebook.com",
    "instagram_private_api_url": "an http(s) URL such as https://i.instagram.com",
    "facebook_dialog_url": "an http(s) URL such as https://www.facebook.com",
    "x_authorize_url": "an http(s) URL such as https://x.com/i/oauth2/authorize",
    "templates_dir": "an existing folder",
    "schedules_dir": "an existing folder",
    "media_dir": "a folder path (created when needed)",
    "announce_window_days": "a whole number of days, 0 or more",
    "missed_after_hours": "a number of hours greater than 0",
    "lease_seconds": "a whole number of seconds, 5 or more",
    "retry_base_seconds": "a number of seconds greater than 0",
    "worker_concurrency": "a whole number from 1 to 64",
    "log_level": "one of DEBUG, INFO, WARNING, ERROR",
    "session_idle_hours": "a number of hours greater than 0 (at most 720)",
    "instagram_max_hashtags": "a whole number of hashtags, 0 to 30",
    "opac_link_pattern": "a path or URL with {source_id} (or {isbn}), such as "
    "index.php?p=show_detail&id={source_id}",
    "card_background": "a colour such as #0B4F6C",
    "card_foreground": "a colour such as #FFFFFF",
    "card_accent": "a colour such as #F2A541",
    "card_logo": "an existing image file (PNG with transparency works best)",
    "card_font": "an existing TrueType or OpenType font file",
    "card_font_bold": "an existing TrueType or OpenType font file",
    "cover_timeout_seconds": "a number of seconds greater than 0",
    "cover_hosts": "host names separated by commas or spaces, such as opac.perpustakaan.local",
    "source_timeout_seconds": "a number of seconds greater than 0",
    "full_harvest_days": "a number of days, 0 or more",
    "events_horizon_days": "a whole number of days from 1 to 3650",
    "event_kind_rules": "rules such as \"workshop: pelatihan, kelas; community: komunitas\"",
    "hashtags": "hashtags separated by commas or spaces, such as "
    "#PerpustakaanKotaBontang #BukuBaru",
    "engagement_schedule": "steps 'up to AGE: every INTERVAL' such as "
    "\"1d: 1h, 7d: 6h, 30d: 1d, 90d: 7d\" (units m, h, d, w)",
    "feedback_authors": "show or hash",
    "media_store": "local (this service serves its images) or s3 (an S3-compatible bucket)",
    "s3_bucket": "a bucket name: 3 to 63 letters, digits, dots or hyphens",
    "s3_endpoint_url": "an http(s) URL such as https://<account>.r2.cloudflarestorage.com, "
    "or empty for AWS S3",
    "s3_region": "a region name such as us-east-1, auto (Cloudflare R2) or us-west-004 (B2)",
    "s3_prefix": "a key prefix such as outreach-media/ (no leading slash, no ..)",
    "s3_url_expires": "a whole number of seconds from 60 to 604800 (7 days)",
    "smtp_host": "a mail server's host name such as smtp.example.org (empty: no e-mail)",
    "smtp_port": "a port number from 1 to 65535 (587 with STARTTLS, 465 with SSL)",
    "smtp_timeout_seconds": "a number of seconds greater than 0",
    "mail_from": "an e-mail address, or a name and address such as "
    "\"Perpustakaan Kota <outreach@example.org>\"",
}


class SettingsError(OutreachError):
    """A setting has a value the service cannot use."""

    exit_code = 2


def _http_url(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) URL")
    return value.rstrip("/")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="OUTREACH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite:///outreach.db"
    timezone: str = "Asia/Makassar"
    locale: str = "id"
    secret_key: SecretStr | None = None
    public_base_url: str | None = None
    templates_dir: Path | None = None
    schedules_dir: Path | None = None
    media_dir: Path = Path("media")
    # Where Instagram fetches images from (platforms/media_store.py): "local" serves them at
    # {public_base_url}/media/..., "s3" uploads them to an S3-compatible bucket (AWS S3,
    # Cloudflare R2, MinIO, Backblaze B2) and hands out expiring presigned URLs instead.
    media_store: str = "local"
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None  # empty: AWS S3
    s3_region: str | None = None
    s3_access_key_id: SecretStr | None = None  # both empty: boto3's own chain (AWS_*, a role)
    s3_secret_access_key: SecretStr | None = None
    s3_prefix: str = "outreach-media/"
    # Long enough for Instagram to fetch the image while it processes the container (seconds
    # to minutes), short enough that a leaked URL soon stops working.
    s3_url_expires: int = 3600
    x_api_url: str = "https://api.x.com"
    graph_api_url: str = "https://graph.facebook.com"
    instagram_private_api_url: str = "https://i.instagram.com"
    # Connecting accounts by signing in (desk/connect.py): the library's own Meta app and X app
    # (OAuth 2.0; the X secret stays empty for a public client), and the sign-in pages a
    # person's browser is sent to.
    meta_app_id: str | None = None
    meta_app_secret: SecretStr | None = None
    x_client_id: str | None = None
    x_client_secret: SecretStr | None = None
    facebook_dialog_url: str = "https://www.facebook.com"
    x_authorize_url: str = "https://x.com/i/oauth2/authorize"

    library_name: str = "Perpustakaan Kota Bontang"
    opac_url: str | None = None
    hashtags: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["#PerpustakaanKotaBontang", "#BukuBaru"]
    )
    announce_window_days: int = 30
    # Composition (compose/): links, image cards, covers.
    opac_link_pattern: str = "index.php?p=show_detail&id={source_id}"
    card_background: str = "#0B4F6C"
    card_foreground: str = "#FFFFFF"
    card_accent: str = "#F2A541"
    card_logo: Path | None = None
    card_font: Path | None = None
    card_font_bold: Path | None = None
    fetch_covers: bool = True
    cover_timeout_seconds: float = 5.0
    # Hosts covers may be fetched from at any address (an intranet server); every other host
    # must be on the public internet (compose/covers.py). The OPAC's host is always trusted.
    cover_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Instagram announced (2025-12) a cap of 5 hashtags per post; its API docs still say 30.
    instagram_max_hashtags: int = 5
    # Library data sources (outreach/sources/, docs/sources.md).
    source_timeout_seconds: float = 60.0
    full_harvest_days: float = 7.0
    covers_openlibrary: bool = False
    events_horizon_days: int = 365
    event_kind_rules: str | None = None
    missed_after_hours: float = 6.0
    # Engagement and feedback (engagement/sync.py, engagement/feedback.py; docs/reports.md).
    engagement_schedule: str = "1d: 1h, 7d: 6h, 30d: 1d, 90d: 7d"
    feedback_authors: str = "hash"
    lease_seconds: int = 60
    retry_base_seconds: float = 30.0
    worker_concurrency: int = 4
    log_level: str = "INFO"
    # A web session unused this long ends (outreach/web/sessions.py); signing in starts anew.
    session_idle_hours: float = 8.0

    # One-library set-up: credentials from the environment define the accounts.
    x_consumer_key: SecretStr | None = None
    x_consumer_secret: SecretStr | None = None
    x_access_token: SecretStr | None = None
    x_access_token_secret: SecretStr | None = None
    facebook_page_id: str | None = None
    facebook_page_token: SecretStr | None = None
    instagram_user_id: str | None = None
    instagram_access_token: SecretStr | None = None
    instagram_username: str | None = None
    instagram_session: SecretStr | None = None
    # Optional, to renew an instagrapi session Instagram signed out
    # (platforms/instagram_private/login.py).
    instagram_password: SecretStr | None = None
    instagram_totp_seed: SecretStr | None = None

    # E-mail (outreach/notify/): notifications and "lupa kata sandi". No host: no e-mail at all.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True  # upgrade the plain connection (port 587)
    smtp_ssl: bool = False  # TLS from the first byte (port 465); then STARTTLS is not used
    smtp_timeout_seconds: float = 20.0
    mail_from: str | None = None

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            url = make_url(value)
        except ArgumentError as exc:
            raise ValueError("not a database URL") from exc
        if url.get_backend_name() not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database {url.get_backend_name()!r}")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("unknown time zone") from exc
        return value

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        try:
            Locale.parse(value.replace("-", "_"))
        except (UnknownLocaleError, ValueError) as exc:
            raise ValueError("unknown locale") from exc
        return value.replace("-", "_")

    @field_validator("public_base_url", "x_api_url", "graph_api_url", "instagram_private_api_url",
                     "s3_endpoint_url", "facebook_dialog_url", "x_authorize_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return _http_url(value)

    @field_validator("templates_dir", "schedules_dir")
    @classmethod
    def _dirs(cls, value: Path | None) -> Path | None:
        if value is not None and not Path(value).is_dir():
            raise ValueError("folder does not exist")
        return value

    @field_validator("cover_hosts", mode="before")
    @classmethod
    def _cover_hosts(cls, value: object) -> list[str]:
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        hosts = []
        for host in value or []:
            host = str(host).strip().lower().rstrip(".")
            if host and (not all(c.isalnum() or c in ".-:[]_" for c in host) or "/" in host):
                raise ValueError(f"{host!r} is not a host name")
            if host:
                hosts.append(host.strip("[]"))
        return hosts

    @field_validator("hashtags", mode="before")
    @classmethod
    def _hashtags(cls, value: object) -> list[str]:
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        tags = []
        for tag in value or []:
            tag = str(tag).strip()
            if not tag:
                continue
            tag = tag if tag.startswith("#") else "#" + tag
            if not tag[1:].replace("_", "").isalnum():
                raise ValueError(f"{tag!r} is not a hashtag")
            tags.append(tag)
        return tags

    @field_validator("opac_link_pattern")
    @classmethod
    def _opac_pattern(cls, value: str) -> str:
        try:
            value.format(source_id="1", isbn="9786020000000", id="1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"unknown placeholder {exc}") from None
        if "{source_id}" not in value and "{isbn}" not in value and "{id}" not in value:
            raise ValueError("no {source_id} placeholder")
        return value

    @field_validator("card_background", "card_foreground", "card_accent")
    @classmethod
    def _colour(cls, value: str) -> str:
        from PIL import ImageColor

        try:
            ImageColor.getrgb(value)
        except ValueError:
            raise ValueError("not a colour") from None
        return value

    @field_validator("card_logo", "card_font", "card_font_bold")
    @classmethod
    def _files(cls, value: Path | None) -> Path | None:
        if value is not None and not Path(value).is_file():
            raise ValueError("file does not exist")
        return value

    @field_validator("session_idle_hours")
    @classmethod
    def _session_idle(cls, value: float) -> float:
        if not 0 < value <= 24 * 30:
            raise ValueError("out of range")
        return value

    @field_validator("cover_timeout_seconds", "smtp_timeout_seconds")
    @classmethod
    def _cover_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("not positive")
        return value

    @field_validator("source_timeout_seconds")
    @classmethod
    def _source_timeout(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("not positive")
        return value

    @field_validator("full_harvest_days")
    @classmethod
    def _full_harvest(cls, value: float) -> float:
        if value < 0:
            raise ValueError("negative")
        return value

    @field_validator("events_horizon_days")
    @classmethod
    def _events_horizon(cls, value: int) -> int:
        if not 1 <= value <= 3650:
            raise ValueError("out of range")
        return value

    @field_validator("event_kind_rules")
    @classmethod
    def _event_kind_rules(cls, value: str | None) -> str | None:
        if value:
            parse_kind_rules(value)  # raises ValueError saying what is wrong
        return value or None

    @field_validator("engagement_schedule")
    @classmethod
    def _engagement_schedule(cls, value: str) -> str:
        parse_age_schedule(value)  # raises ValueError saying what is wrong
        return value

    @field_validator("feedback_authors")
    @classmethod
    def _feedback_authors(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("show", "hash"):
            raise ValueError("unknown choice")
        return value

    @field_validator("announce_window_days")
    @classmethod
    def _window(cls, value: int) -> int:
        if value < 0:
            raise ValueError("negative")
        return value

    @field_validator("instagram_max_hashtags")
    @classmethod
    def _ig_hashtags(cls, value: int) -> int:
        if not 0 <= value <= 30:
            raise ValueError("out of range")
        return value

    @field_validator("missed_after_hours")
    @classmethod
    def _missed(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("not positive")
        return value

    @field_validator("lease_seconds")
    @classmethod
    def _lease(cls, value: int) -> int:
        if value < 5:
            raise ValueError("too short")
        return value

    @field_validator("retry_base_seconds")
    @classmethod
    def _retry_base(cls, value: float) -> float:
        if value <= 0:
            raise ValueError("not positive")
        return value

    @field_validator("worker_concurrency")
    @classmethod
    def _concurrency(cls, value: int) -> int:
        if not 1 <= value <= 64:
            raise ValueError("out of range")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("unknown level")
        return value.upper()

    @field_validator("media_store")
    @classmethod
    def _media_store(cls, value: str) -> str:
        value = value.strip().lower()
        if value not in ("local", "s3"):
            raise ValueError("unknown choice")
        return value

    @field_validator("s3_bucket", "s3_region")
    @classmethod
    def _s3_names(cls, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]",
                                                  value):
            raise ValueError("not a valid name")
        return value

    @field_validator("s3_prefix")
    @classmethod
    def _s3_prefix(cls, value: str) -> str:
        value = value.strip().lstrip("/")
        if ".." in value.split("/") or any(ord(c) < 32 for c in value):
            raise ValueError("not a valid key prefix")
        return value

    @field_validator("s3_url_expires")
    @classmethod
    def _s3_expires(cls, value: int) -> int:
        if not 60 <= value <= 604800:  # SigV4 presigned URLs last at most 7 days
            raise ValueError("out of range")
        return value

    @field_validator("smtp_host", "smtp_username")
    @classmethod
    def _smtp_text(cls, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value is not None and any(c.isspace() for c in value):
            raise ValueError("contains spaces")
        return value

    @field_validator("smtp_port")
    @classmethod
    def _smtp_port(cls, value: int) -> int:
        if not 1 <= value <= 65535:
            raise ValueError("out of range")
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str | None) -> str | None:
        from email.utils import parseaddr

        value = (value or "").strip() or None
        if value is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+", parseaddr(value)[1]):
            raise ValueError("not an e-mail address")
        return value

    @model_validator(mode="after")
    def _mail_complete(self) -> Settings:
        """E-mail needs a sender; a password needs a user name to go with it."""
        if self.smtp_host and not self.mail_from:
            raise ValueError("OUTREACH_MAIL_FROM must be set when OUTREACH_SMTP_HOST is set")
        if self.smtp_password and self.smtp_password.get_secret_value() and not self.smtp_username:
            raise ValueError("OUTREACH_SMTP_PASSWORD needs OUTREACH_SMTP_USERNAME")
        return self

    @model_validator(mode="after")
    def _s3_complete(self) -> Settings:
        """The object store's settings only matter, and must then be complete, with `s3`."""
        if self.media_store != "s3":
            return self
        if not self.s3_bucket:
            raise ValueError("OUTREACH_S3_BUCKET must be set when OUTREACH_MEDIA_STORE=s3")
        key = self.s3_access_key_id and self.s3_access_key_id.get_secret_value()
        secret = self.s3_secret_access_key and self.s3_secret_access_key.get_secret_value()
        if bool(key) != bool(secret):
            raise ValueError("OUTREACH_S3_ACCESS_KEY_ID and OUTREACH_S3_SECRET_ACCESS_KEY go "
                             "together: set both, or neither to use the AWS_* variables or the "
                             "machine's role")
        return self

    # -- derived values ---------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def sync_steps(self) -> list[tuple[timedelta, timedelta]]:
        return parse_age_schedule(self.engagement_schedule)

    @property
    def mail_enabled(self) -> bool:
        return bool(self.smtp_host)

    @property
    def templates_path(self) -> Path:
        return self.templates_dir or default_dir("post_templates")

    @property
    def schedules_path(self) -> Path:
        return self.schedules_dir or default_dir("schedules")


def default_dir(name: str) -> Path:
    """The shipped defaults: inside the wheel, or at the top of a source checkout."""
    packaged = PACKAGE_DIR / "_defaults" / name
    if packaged.is_dir():
        return packaged
    return PACKAGE_DIR.parent / name


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        if not err["loc"]:  # a rule across settings: its message names the variables
            lines.append(err["msg"].removeprefix("Value error, ") + ".")
            continue
        field = str(err["loc"][0])
        env = "OUTREACH_" + field.upper()
        given = err.get("input")
        hidden = ("secret", "token", "password", "session", "seed", "access_key")
        shown = "(hidden)" if any(word in field for word in hidden) else repr(given)
        expected = EXPECTED.get(field, err["msg"])
        reason = err["msg"].removeprefix("Value error, ")
        lines.append(f"{env}={shown} is not valid ({reason}): expected {expected}.")
    return "\n".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read the settings; raise SettingsError with a plain explanation on a bad value."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None


@lru_cache(maxsize=1)
def _cached(env_key: tuple) -> Settings:
    return load_settings()


def get_settings() -> Settings:
    """Settings for this process; re-read when the OUTREACH_* environment changes (tests, demo)."""
    key = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("OUTREACH_")))
    return _cached(key)
