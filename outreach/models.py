"""The tables that carry the meaning (docs/architecture.md, "The data model").

Times are stored in UTC and always read back timezone-aware (`UTCDateTime`), on SQLite as on
PostgreSQL. The schema is created and upgraded by Alembic (`outreach/migrations/`); a test checks
that the migrations and these classes agree.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Index, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


# -- Column types every table uses: UTC times read back aware, JSON lists and dicts.
def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out.

    SQLite has no time zone type: values are stored as naive UTC and given tzinfo on the way out.
    A naive datetime on the way in is a bug in the caller (whose clock was it?), so it is refused.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def Time(**kw: Any) -> Any:  # noqa: N802 - reads like a type in the class bodies below
    return Field(sa_type=UTCDateTime, **kw)


def Json(**kw: Any) -> Any:  # noqa: N802
    return Field(sa_type=JSON, **kw)



class DeliveryStatus(StrEnum):
    draft = "draft"
    pending_review = "pending_review"
    scheduled = "scheduled"
    publishing = "publishing"
    retry_wait = "retry_wait"
    published = "published"
    unconfirmed = "unconfirmed"
    failed = "failed"
    held = "held"
    missed = "missed"
    cancelled = "cancelled"


# Statuses a person has to look at (the web inbox, `outreach status`).
NEEDS_PERSON = (
    DeliveryStatus.unconfirmed,
    DeliveryStatus.failed,
    DeliveryStatus.held,
    DeliveryStatus.missed,
)
# Drafts that wait for a person too (their Delivery.last_error_kind): planning could not finish
# them within the platform's rules ("invalid"), or their title or event changed after staff
# edited them by hand ("subject_changed"). The inbox lists them beside NEEDS_PERSON.
DRAFTS_NEEDING_PERSON = ("invalid", "subject_changed")


class PostKind(StrEnum):
    acquisition = "acquisition"
    digest = "digest"
    workshop = "workshop"
    event = "event"
    reminder = "reminder"
    free = "free"


class Role(StrEnum):
    staff = "staff"
    manager = "manager"
    admin = "admin"


class AccountHealth(StrEnum):
    ok = "ok"
    needs_reconnect = "needs_reconnect"
    paused = "paused"
    # The platform's paid API credits ran out (X's 402): held until an admin adds credits and
    # resumes the account (no reconnecting needed).
    out_of_credits = "out_of_credits"


class Title(SQLModel, table=True):
    """One bibliographic record, identified by (source, source_id), never by ISBN."""

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_title_source"),
        Index("ix_title_catalogued_at", "catalogued_at"),
        Index("ix_title_isbn", "isbn"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40)
    source_id: str = Field(max_length=200)
    isbn: str | None = Field(default=None, max_length=13)
    isbns: list[str] = Json(default_factory=list)
    title: str
    subtitle: str | None = None
    authors: list[str] = Json(default_factory=list)
    publisher: str | None = None
    place: str | None = None
    year: str | None = Field(default=None, max_length=20)
    edition: str | None = None
    classification: str | None = Field(default=None, max_length=60)
    call_number: str | None = Field(default=None, max_length=120)
    language: str | None = Field(default=None, max_length=20)
    subjects: list[str] = Json(default_factory=list)
    summary: str | None = None
    cover_url: str | None = None
    opac_url: str | None = None
    catalogued_at: datetime | None = Time(default=None)
    first_seen_at: datetime = Time(default_factory=utcnow)
    updated_at: datetime = Time(default_factory=utcnow)
    withdrawn_at: datetime | None = Time(default=None)
    content_hash: str = Field(max_length=64)


class Event(SQLModel, table=True):
    """A workshop or community event; a recurring event is stored once per occurrence."""

    __table_args__ = (
        UniqueConstraint("source", "source_id", name="uq_event_source"),
        Index("ix_event_starts_at", "starts_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    source: str = Field(max_length=40)
    source_id: str = Field(max_length=300)
    kind: str = Field(default="other", max_length=20)  # workshop | community | other
    title: str
    description: str | None = None
    starts_at: datetime = Time()
    ends_at: datetime | None = Time(default=None)
    all_day: bool = False
    location: str | None = None
    url: str | None = None
    registration_url: str | None = None
    capacity: int | None = None
    cancelled: bool = False
    series_id: str | None = Field(default=None, max_length=300)  # iCalendar UID of a series
    first_seen_at: datetime = Time(default_factory=utcnow)
    updated_at: datetime = Time(default_factory=utcnow)
    content_hash: str = Field(max_length=64)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str | None = None
    role: str = Field(default=Role.staff, max_length=20)
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Time(default_factory=utcnow)
    last_login_at: datetime | None = Time(default=None)


class Account(SQLModel, table=True):
    """A connected platform account. Credentials from the web UI are stored encrypted;
    accounts defined by OUTREACH_* variables keep theirs in the environment (`source='env'`)."""

    __table_args__ = (UniqueConstraint("platform", "external_id", name="uq_account_platform"),)
    id: int | None = Field(default=None, primary_key=True)
    platform: str = Field(max_length=20)
    external_id: str = Field(max_length=100)
    name: str
    source: str = Field(default="db", max_length=10)  # env | db
    # How the platform is reached; None: its official API. "private": Instagram through
    # instagrapi, unofficial (outreach.platforms.BACKENDS).
    backend: str | None = Field(default=None, max_length=20)
    credentials_encrypted: str | None = None
    health: str = Field(default=AccountHealth.ok, max_length=20)
    health_reason: str | None = None
    rate_remaining: int | None = None
    rate_reset_at: datetime | None = Time(default=None)
    # The worker publishing for this account holds it until then: one at a time per account keeps
    # the account's posts in order and spaced, across any number of worker processes.
    lease_until: datetime | None = Time(default=None)
    locked_by: str | None = Field(default=None, max_length=120)
    last_published_at: datetime | None = Time(default=None)
    created_at: datetime = Time(default_factory=utcnow)
    updated_at: datetime = Time(default_factory=utcnow)
    # Accounts connected by signing in (desk/connect.py): how long their access lasts.
    # token_expires_at: the access token's end (X: about 2 hours, renewed with the refresh token;
    # None: it does not expire, as a Page token made from a long-lived user token).
    # data_access_expires_at: Meta's 90-day data access, renewed only by signing in again.
    token_expires_at: datetime | None = Time(default=None)
    data_access_expires_at: datetime | None = Time(default=None)
    # X's refresh tokens rotate: each is spent by one refresh. Kept encrypted (crypto.py), apart
    # from the credentials, so a refresh can compare-and-swap it (platforms/tokens.py).
    refresh_token_encrypted: str | None = None
    # A refresh in flight: the worker spending the refresh token holds it until then.
    refresh_lease_until: datetime | None = Time(default=None)
    refresh_locked_by: str | None = Field(default=None, max_length=120)
    # The last refresh's failure in plain words (never a token); None after a good refresh.
    refresh_error: str | None = None
    # Why the account must be signed in to again (ReconnectReason), beside health_reason.
    reconnect_reason: str | None = Field(default=None, max_length=20)


class ReconnectReason(StrEnum):
    expired = "expired"  # the access (or Meta's data access) ran out
    revoked = "revoked"  # the platform no longer accepts the token or refresh token
    refresh_failed = "refresh_failed"  # a refresh's answer was lost and the old token is spent
    permissions = "permissions"  # a permission the account needs was taken away


class Post(SQLModel, table=True):
    """One piece of outreach about one subject; its deliveries carry it to each account."""

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    subject_key: str | None = Field(default=None, max_length=120, index=True)
    title_id: int | None = Field(default=None, foreign_key="title.id", index=True)
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True)
    subject_title_ids: list[int] = Json(default_factory=list)  # digests
    # The title's or event's content_hash when composed: planning composes open deliveries
    # again when it changes (planning/store.py, drop_stale). None: not tracked (digests, free).
    subject_hash: str | None = Field(default=None, max_length=64)
    # One of its deliveries' templates (the last platform composed); each delivery keeps its
    # own in Delivery.template, which reports use.
    template: str | None = Field(default=None, max_length=120)
    language: str = Field(default="id", max_length=10)
    text: str | None = None  # staff-written text (kind "free")
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author: str = Field(default="system", max_length=254)  # who, when there is no user row
    approver_id: int | None = Field(default=None, foreign_key="user.id")
    approved_at: datetime | None = Time(default=None)
    review_note: str | None = None  # why a manager sent it back
    created_at: datetime = Time(default_factory=utcnow)
    updated_at: datetime = Time(default_factory=utcnow)


class Delivery(SQLModel, table=True):
    """One post on one account of one platform, and where it stands."""

    __table_args__ = (
        # Never two announcements of the same subject on the same account (NULLs are distinct,
        # so staff-written posts without a subject are not limited).
        UniqueConstraint("account_id", "subject_key", name="uq_delivery_subject"),
        Index("ix_delivery_due", "status", "next_attempt_at"),
        Index("ix_delivery_account_scheduled", "account_id", "scheduled_at"),
        # Reports choose periods by publishing time; the other columns let "best days and
        # hours" read a year of posts from the index alone (reports/timing.py).
        Index("ix_delivery_published", "published_at", "status", "platform",
              "last_snapshot_id", "last_interactions", "last_base"),
        # The engagement sync takes each account's due posts in next_sync_at order.
        Index("ix_delivery_sync", "account_id", "status", "next_sync_at"),
        # The staff queue (newest first, maybe of one status) and the calendar (a range of
        # times) read pages of these instead of sorting the whole table (migration 0002).
        Index("ix_delivery_scheduled", "scheduled_at"),
        Index("ix_delivery_status_scheduled", "status", "scheduled_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True)
    account_id: int = Field(foreign_key="account.id")
    platform: str = Field(max_length=20)
    subject_key: str | None = Field(default=None, max_length=120)
    # The template this delivery's text was composed from ("<kind>/<platform>.<lang>.j2"): a
    # post's deliveries come from one template per platform (and may fall back to another
    # language on one of them), so reports credit each delivery to its own (migration 0007).
    # None: written by staff.
    template: str | None = Field(default=None, max_length=120)
    text: str
    media: list[str] = Json(default_factory=list)
    alt_text: list[str] = Json(default_factory=list)
    link: str | None = None
    scheduled_at: datetime = Time()
    next_attempt_at: datetime | None = Time(default=None)
    status: str = Field(default=DeliveryStatus.draft, max_length=20)
    attempts: int = 0
    lease_until: datetime | None = Time(default=None)
    locked_by: str | None = Field(default=None, max_length=120)
    remote_id: str | None = Field(default=None, max_length=120, index=True)
    remote_url: str | None = None
    remote_extra: dict = Json(default_factory=dict)  # thread ids, container ids, ...
    published_at: datetime | None = Time(default=None)
    last_error: str | None = None
    last_error_kind: str | None = Field(default=None, max_length=30)
    removed_at: datetime | None = Time(default=None)  # deleted on the platform
    next_sync_at: datetime | None = Time(default=None, index=True)
    # Engagement (engagement/sync.py): the newest snapshot, so reports join one row per delivery
    # instead of searching the history, and two figures of it that reports rank and group by
    # (likes + comments + shares + saves; reach, else views); how many successful metric answers
    # in a row left the post out (two: it was deleted on the platform); the comment count when
    # comments were last fetched (more now: fetch the new ones).
    last_snapshot_id: int | None = None
    last_interactions: int | None = None
    last_base: int | None = None
    sync_misses: int = 0
    comments_seen: int = 0
    created_at: datetime = Time(default_factory=utcnow)
    updated_at: datetime = Time(default_factory=utcnow)


class Attempt(SQLModel, table=True):
    """Every try of a delivery: written and committed before the platform is called."""

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    number: int
    worker: str = Field(max_length=120)
    started_at: datetime = Time(default_factory=utcnow)
    finished_at: datetime | None = Time(default=None)
    outcome: str | None = Field(default=None, max_length=30)  # None while in flight
    message: str | None = None
    remote_id: str | None = Field(default=None, max_length=120)


class EngagementSnapshot(SQLModel, table=True):
    """Metrics of one delivery at one moment; appended, never overwritten."""

    __table_args__ = (Index("ix_snapshot_delivery_taken", "delivery_id", "taken_at"),)
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id")
    taken_at: datetime = Time(default_factory=utcnow)
    views: int | None = None
    reach: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    clicks: int | None = None


METRICS = ("views", "reach", "likes", "comments", "shares", "saves", "clicks")


class FeedbackStatus(StrEnum):
    new = "new"
    answered = "answered"
    not_relevant = "not_relevant"


class Feedback(SQLModel, table=True):
    """A comment or reply of the public on one of our posts (the feedback inbox,
    engagement/feedback.py).

    The author is kept as OUTREACH_FEEDBACK_AUTHORS says: `author_key` is a keyed hash (the same
    person gets the same key, nobody can reverse it), `author_handle` only with `show`."""

    __table_args__ = (
        UniqueConstraint("platform", "remote_id", name="uq_feedback_remote"),
        Index("ix_feedback_status_created", "status", "created_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(foreign_key="delivery.id", index=True)
    platform: str = Field(max_length=20)
    remote_id: str = Field(max_length=120)
    parent_remote_id: str | None = Field(default=None, max_length=120)
    author_key: str | None = Field(default=None, max_length=32)
    author_handle: str | None = Field(default=None, max_length=120)
    text: str
    url: str | None = None
    created_at: datetime = Time()  # on the platform
    fetched_at: datetime = Time(default_factory=utcnow)
    is_question: bool = False
    status: str = Field(default=FeedbackStatus.new, max_length=20)
    handled_by: str | None = Field(default=None, max_length=254)
    handled_at: datetime | None = Time(default=None)
    note: str | None = None


class FeedbackReply(SQLModel, table=True):
    """A reply staff sent from the app to a comment of the feedback inbox
    (engagement/replies.py). `outcome` "sent": the platform gave its id; "unknown": the request
    went out but its answer was lost, so the reply may exist and staff check on the platform
    before writing again."""

    id: int | None = Field(default=None, primary_key=True)
    feedback_id: int = Field(foreign_key="feedback.id", index=True)
    platform: str = Field(max_length=20)
    text: str
    remote_id: str | None = Field(default=None, max_length=120)
    remote_url: str | None = None
    outcome: str = Field(default="sent", max_length=20)
    actor: str = Field(max_length=254)  # who answered: an e-mail, or "cli"
    user_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Time(default_factory=utcnow)


class AuditLog(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Time(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    actor: str = Field(max_length=254)  # an email, "cli", "clock", "system"
    action: str = Field(max_length=60)
    object_type: str | None = Field(default=None, max_length=40)
    object_id: str | None = Field(default=None, max_length=60)
    detail: dict = Json(default_factory=dict)


class LoginFailure(SQLModel, table=True):
    """A failed sign-in, under a keyed hash of the address or e-mail it came with (never the text:
    people type passwords into the e-mail field). Shared by every web process."""

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, index=True)
    at: datetime = Time(default_factory=utcnow, index=True)
    # Keyed hash of the address and e-mail together: a sign-in that succeeds forgets only the
    # failures it made itself, so one's own account cannot reset an address's count.
    pair: str | None = Field(default=None, max_length=64, index=True)


class WebSession(SQLModel, table=True):
    """A signed-in browser. Its cookie carries a random token and this row its hash, so a session
    ends on the server (a copied cookie stops working with it): on signing out, "keluar dari
    semua perangkat", a new password, or after OUTREACH_SESSION_IDLE_HOURS without a request."""

    id: str = Field(primary_key=True, max_length=64)  # sha256 of the cookie's token
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime = Time(default_factory=utcnow)
    last_seen_at: datetime = Time(default_factory=utcnow, index=True)


class ImportRun(SQLModel, table=True):
    """One import of one source: when, what, and what was rejected (shown in the UI)."""

    __table_args__ = (Index("ix_importrun_source", "kind", "source"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    source: str  # path or URL, credentials removed
    started_at: datetime = Time(default_factory=utcnow)
    finished_at: datetime | None = Time(default=None)
    status: str = Field(default="running", max_length=20)  # running | ok | partial | failed
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict] = Json(default_factory=list)
    harvest_from: str | None = Field(default=None, max_length=40)  # OAI "from" for the next run
    # The OAI "from" this run asked for; None: the whole set was read (sources/importing.py).
    harvested_since: str | None = Field(default=None, max_length=40)


class Heartbeat(SQLModel, table=True):
    """Last sign of life of each process (clock, worker, web), shown by /healthz and `status`."""

    process_id: str = Field(primary_key=True, max_length=120)
    role: str = Field(max_length=20)
    host: str = Field(max_length=120)
    pid: int
    started_at: datetime = Time(default_factory=utcnow)
    last_tick_at: datetime = Time(default_factory=utcnow)


class Lease(SQLModel, table=True):
    """A named lease (the clock's election): held by one process until it expires."""

    name: str = Field(primary_key=True, max_length=60)
    holder: str = Field(max_length=120)
    expires_at: datetime = Time()


class MediaAsset(SQLModel, table=True):
    """An image the service made or was given, served to platforms at an unguessable URL
    (`{OUTREACH_PUBLIC_BASE_URL}/media/{token}/{filename}`)."""

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True)
    path: str  # file on disk
    filename: str = Field(max_length=200)
    content_type: str = Field(default="image/jpeg", max_length=60)
    width: int | None = None
    height: int | None = None
    size: int | None = None
    sha256: str | None = Field(default=None, max_length=64, index=True)
    alt_text: str | None = None
    created_at: datetime = Time(default_factory=utcnow)
    # In the staff's media library (uploaded there, or used in a post written in the composer):
    # reused in later posts, so never removed as an orphaned upload, whatever uses it.
    kept: bool = Field(default=False, index=True)
    uploaded_by: str | None = Field(default=None, max_length=254)  # the person's e-mail
    uploaded_by_id: int | None = None  # their user row, when there is one


class TemplateOverride(SQLModel, table=True):
    """A post template edited in the web UI; wins over OUTREACH_TEMPLATES_DIR and the defaults."""

    name: str = Field(primary_key=True, max_length=160)  # "<kind>/<platform>.<lang>.j2"
    source: str
    updated_by: str = Field(max_length=254)
    updated_at: datetime = Time(default_factory=utcnow)


# -- E-mail (outreach/notify/): an outbox that a down SMTP server cannot block publishing with,
# the facts already told to each person, their choices, and password reset links.
class OutboxMail(SQLModel, table=True):
    """One e-mail to one person, sent from this table with retries (notify/outbox.py)."""

    __table_args__ = (Index("ix_outboxmail_due", "status", "next_attempt_at"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30)
    user_id: int | None = Field(default=None, foreign_key="user.id")
    to_addr: str = Field(max_length=254)
    subject: str
    body: str
    message_id: str = Field(max_length=200)
    # A password reset link's token, encrypted (crypto.py) and erased once the mail is sent:
    # the body holds only a placeholder, so the outbox never keeps a usable link in clear.
    secret_encrypted: str | None = None
    status: str = Field(default="pending", max_length=20)  # pending | sent | failed
    attempts: int = 0
    next_attempt_at: datetime = Time(default_factory=utcnow)
    lease_until: datetime | None = Time(default=None)
    last_error: str | None = None
    created_at: datetime = Time(default_factory=utcnow)
    sent_at: datetime | None = Time(default=None)


class Notice(SQLModel, table=True):
    """A fact already told to one person ("failed:d42:a3:u7"): each is mailed once."""

    key: str = Field(primary_key=True, max_length=160)
    outbox_id: int | None = Field(default=None, foreign_key="outboxmail.id")
    created_at: datetime = Time(default_factory=utcnow, index=True)


class NotificationPreference(SQLModel, table=True):
    """A person's choices: each kind on or off (absent: the default for their role) and the
    language of their mail (None: the site's)."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    kinds: dict = Json(default_factory=dict)  # kind -> bool
    language: str | None = Field(default=None, max_length=10)
    updated_at: datetime = Time(default_factory=utcnow)


class PasswordReset(SQLModel, table=True):
    """A "lupa kata sandi" link: only the SHA-256 of its token is kept; used once, then dead."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Time(default_factory=utcnow)
    expires_at: datetime = Time()
    used_at: datetime | None = Time(default=None)
