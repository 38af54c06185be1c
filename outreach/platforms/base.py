"""The contract every platform implements (docs/architecture.md, "The platform contract").

A platform class declares its limits and credential fields as data, and implements three calls:
`publish(delivery)`, `find_existing(delivery)` (to reconcile an unknown outcome) and
`fetch_metrics(remote_ids)` (batched), plus `verify()` (whose account the credentials are, checked
before they are stored). Every failure is a `PublishError` with a kind that tells the
dispatcher what is safe to do next; core code never looks at status codes or platform names.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING, ClassVar

from outreach.platforms.reasons import reason as _english

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.models import Account, Delivery


class ErrorKind(StrEnum):
    rate_limited = "rate_limited"  # wait for the reset the platform gave; not a failure
    auth_expired = "auth_expired"  # hold the account's deliveries until it is reconnected
    rejected = "rejected"  # the platform refused the content: a person must change it
    transient = "transient"  # nothing was published: safe to retry later
    unknown_outcome = "unknown_outcome"  # sent, answer lost: reconcile before any retry
    # The app's paid API credits are used up (X's 402): nothing was done; hold the account's
    # deliveries until an admin adds credits and resumes it.
    out_of_credits = "out_of_credits"


class PublishError(Exception):
    """A platform call failed. `message` is plain words for staff; never carries a secret."""

    def __init__(
        self,
        kind: ErrorKind | str,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | None = None,
        code: str | None = None,
        reason: str | None = None,
        params: dict | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.message = message
        self.retry_after = retry_after  # seconds, from the platform's rate-limit headers
        self.status = status  # HTTP status, when there was one
        self.code = code  # the platform's own error code, e.g. "506" or "duplicate"
        # Our stable code of the sentence in platforms/reasons.py and its fields: pages say it
        # in the reader's language; `message` stays the English one for logs and the CLI.
        self.reason = reason
        self.params = params or {}

    @classmethod
    def coded(cls, kind: ErrorKind | str, reason: str, *, retry_after: float | None = None,
              status: int | None = None, code: str | None = None,
              **params: object) -> PublishError:
        # The HTTP status and the platform's code may appear in the sentence too.
        fields = {"status": status, "code": code, **params}
        return cls(kind, _english(reason, **fields), retry_after=retry_after, status=status,
                   code=code, reason=reason, params=fields)

    def __repr__(self) -> str:
        return f"PublishError({self.kind.value!r}, {self.message!r})"


@dataclass(slots=True)
class Published:
    remote_id: str
    remote_url: str | None = None
    extra: dict = field(default_factory=dict)  # e.g. ids of the rest of a thread


@dataclass(slots=True)
class RecentPost:
    """One of the account's latest posts, as `find_existing` compares it with a delivery."""

    text: str | None
    created_at: datetime | None  # None: the platform did not say; it may be the one
    found: Published  # what `find_existing` returns when it is the delivery's post


def same_text(a: str | None, b: str | None) -> bool:
    """Texts equal once whitespace is normalised (platforms trim and fold line ends)."""
    return " ".join((a or "").split()) == " ".join((b or "").split())


# A post made a little before its delivery was queued is not the delivery's (the clocks of
# the service and the platform may differ by this much).
CLOCK_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Limits:
    """What a platform accepts, declared as data (shown in the UI, checked by compose)."""

    max_text: int
    text_counting: str = "characters"  # "weighted" (X's twitter-text rules) | "characters"
    max_media: int = 0
    media_required: bool = False
    media_formats: tuple[str, ...] = ("image/jpeg", "image/png")
    min_aspect: float | None = None  # width / height
    max_aspect: float | None = None
    min_width: int | None = None
    max_width: int | None = None
    max_image_bytes: int | None = None
    max_hashtags: int | None = None
    max_alt_text: int | None = None
    metrics_batch: int = 1  # remote ids per metrics call
    # More than 1: a text over max_text becomes a numbered thread of up to this many parts, each
    # within max_text, kept in Delivery.text separated by lines holding only "---".
    max_thread_parts: int = 1
    max_mentions: int | None = None  # @-mentions per post
    link_preview: bool = False  # a URL in the text becomes a link card (Facebook)
    links_clickable: bool = True  # False: a URL in the text is plain text (Instagram captions)
    # What publishing a post with a URL costs, as a multiple of one without (X's pay-per-use
    # prices a post with a link far higher); above 1 the UI and `outreach plan` warn.
    link_cost: float = 1.0
    # Where the feed folds a long text behind "… see more": after this many characters or
    # this many lines, whichever comes first (None: the whole text is shown). The composer's
    # preview folds there so staff see what a reader sees before tapping.
    fold_chars: int | None = None
    fold_lines: int | None = None


# Turns a media file path (Delivery.media) into a public URL a platform can fetch
# (`{OUTREACH_PUBLIC_BASE_URL}/media/{token}/{filename}`); built by the dispatcher from media.py.
MediaURL = Callable[[str], str]
DEFAULT_TIMEOUT: tuple[float, float] = (5.0, 30.0)  # (connect, read) seconds; see http.py


@dataclass(frozen=True, slots=True)
class RateState:
    """What a platform last said about an account's quota: X's `x-rate-limit-*` headers, or
    Meta's usage percentages turned into "calls left" (None when the platform gives no count)."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None


Metrics = dict[str, int | None]  # our names: views, reach, likes, comments, shares, ...


@dataclass(frozen=True, slots=True)
class CredentialField:
    """One value a person types to connect an account (the admin page builds its form from
    these). `label` and `help` are Bahasa Indonesia, translated by the web catalogue."""

    name: str  # the key in the account's credentials
    label: str
    secret: bool = True  # masked whenever shown (at most the last 4 characters), never logged
    required: bool = True
    multiline: bool = False  # a JSON document (instagrapi's session)
    help: str = ""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a set of credentials belongs to, as the platform said (`Platform.verify`)."""

    external_id: str  # Account.external_id
    name: str  # a display name for the account


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment or reply on one of the account's posts, for the feedback inbox."""

    remote_id: str
    text: str
    created_at: datetime | None
    author_id: str | None = None  # the platform's id of the author
    author_handle: str | None = None  # "@handle" or a display name, as the platform gives it
    url: str | None = None  # where staff open it to answer
    parent_id: str | None = None  # the comment this one answers, when it answers a comment
    own: bool = False  # written by the account itself (staff answering): not feedback


class Platform(ABC):
    """One platform account's client. Subclasses live in `outreach/platforms/<name>.py`."""

    name: ClassVar[str]  # "x" | "facebook" | "instagram"
    label: ClassVar[str]
    limits: ClassVar[Limits]
    # Credential fields; all are secret (masked whenever shown, never logged).
    secret_fields: ClassVar[tuple[str, ...]] = ()
    # Credential fields that may be left out; secret too when given.
    optional_secret_fields: ClassVar[tuple[str, ...]] = ()
    # What a person types to connect an account in the web UI, in form order: the secret
    # fields above and the non-secret ones (a page id, a username).
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    # Which way of reaching the platform this class is (`Account.backend`); None: the official
    # API, the default. A platform may have more than one (Instagram: the Graph API, or
    # "private": instagrapi), registered in `outreach.platforms.BACKENDS`.
    backend: ClassVar[str | None] = None
    # True for unofficial backends: the UI and docs mark them "tidak resmi · unofficial".
    unofficial: ClassVar[bool] = False
    # True when the platform fetches images from a URL (`media_url`) instead of taking uploads;
    # `outreach accounts check` then tries such a URL as the platform would.
    fetches_media: ClassVar[bool] = False
    # Permissions the token needs (the platform's names) -> what for, in a few English words;
    # checked by `outreach accounts check` where the platform lists a token's permissions.
    permissions_needed: ClassVar[dict[str, str]] = {}
    # The sign-in that connects accounts of this class ("meta", "x"; desk/connect.py), if any.
    signin: ClassVar[str | None] = None
    # Hosts a post of this platform is seen at (a subdomain of one counts too): an address a
    # person gives with `mark-published` must be on one of them, so the evidence it stands for
    # is the platform's own page and not any link.
    post_hosts: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def is_post_url(cls, url: str) -> bool:
        """Whether `url` is an http(s) address on one of the platform's own hosts."""
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(url.strip())
            host = (parts.hostname or "").rstrip(".").lower()
            parts.port  # noqa: B018 - a port that is not a number raises ValueError
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or not host or parts.username or parts.password:
            return False
        return any(host == h or host.endswith("." + h) for h in cls.post_hosts)

    # Replying to the public's comments from the app (the feedback inbox): whether this class
    # can (`reply_to_comment`), the longest reply it takes as `text_length` counts, and the
    # permission a token needs for it (named when the platform refuses for lack of it).
    can_reply: ClassVar[bool] = False
    reply_max: ClassVar[int | None] = None
    reply_permission: ClassVar[str | None] = None

    def __init__(
        self,
        account: Account,
        credentials: Mapping[str, str],
        settings: Settings,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        media_url: MediaURL | None = None,
    ):
        missing = [f for f in self.secret_fields if not credentials.get(f)]
        if missing:
            raise PublishError(ErrorKind.auth_expired, _english(
                "access.missing", label=self.label, name=repr(account.name),
                fields=", ".join(missing)))
        self.account = account
        self.credentials = dict(credentials)
        self.settings = settings
        self.timeout = timeout
        self.media_url = media_url

    # The last rate-limit state of the publishing endpoint, or None; the dispatcher copies
    # `remaining` and `reset_at` onto the Account row (see `RateState`).
    rate_state: RateState | None = None

    @abstractmethod
    def publish(self, delivery: Delivery) -> Published:
        """Publish the delivery's text and media; raise PublishError on any failure."""

    def find_existing(self, delivery: Delivery) -> Published | None:
        """Look on the platform for this delivery after an unknown outcome.

        Returns the post when found, None when the platform shows it was not published, and
        raises PublishError(unknown_outcome) when it cannot tell: whatever went wrong while
        looking, nobody may publish the delivery again until a person has checked.
        """
        try:
            return self.find_recent(delivery)
        except PublishError as exc:
            raise PublishError(ErrorKind.unknown_outcome, exc.message) from None

    def find_recent(self, delivery: Delivery) -> Published | None:
        """`find_existing`'s search: the first of `recent_posts` with the delivery's text, made
        after the delivery was queued. A platform with more to check wraps this."""
        since = (delivery.created_at or delivery.scheduled_at) - CLOCK_MARGIN
        for post in self.recent_posts(delivery):
            if same_text(post.text, delivery.text) and (post.created_at is None
                                                        or post.created_at >= since):
                return post.found
        return None

    def recent_posts(self, delivery: Delivery) -> Iterable[RecentPost]:
        """The account's latest posts, for `find_recent`; raises PublishError when they cannot
        be read. By default a platform cannot list them."""
        raise PublishError(ErrorKind.unknown_outcome,
                           _english("search.unsupported", label=self.label))

    def verify(self) -> Identity:
        """One cheap authenticated call (who am I): whether the platform accepts these
        credentials, before they are stored. Raises PublishError like the other calls
        (auth_expired: the credentials are refused)."""
        raise NotImplementedError(f"Checking {self.label} credentials is not supported.")

    def fetch_metrics(self, remote_ids: list[str]) -> dict[str, Metrics]:
        """Metrics for up to `limits.metrics_batch` ids; ids the platform no longer has are
        left out of the result."""
        raise NotImplementedError(f"Metrics for {self.label} arrive with a later release.")

    # What the last `fetch_metrics` could not say: per remote id, plain words on figures the
    # platform withheld (insights of a small audience, a missing permission), kept with the
    # post for staff; and the ids it could not read at all this time (not gone: read again
    # later, no miss counted). Platforms that say nothing keep these empty defaults.
    metrics_notes: Mapping[str, str] = MappingProxyType({})
    metrics_unread: AbstractSet[str] = frozenset()
    # HTTP requests this client made, where it counts them (None: it does not), for figures.
    requests_made: int | None = None

    def fetch_comments(self, remote_id: str, since: datetime | None = None) -> list[Comment]:
        """Comments and replies on one of the account's posts, oldest first; with `since`, only
        those made at or after it (platforms without a time filter may return more). Raises
        PublishError like the other calls; NotImplementedError where it is not supported."""
        raise NotImplementedError(f"Reading comments on {self.label} is not supported.")

    def fetch_comments_many(self, remote_ids: list[str], since: datetime | None = None
                            ) -> dict[str, list[Comment]]:
        """`fetch_comments` for several posts: {remote_id: comments}. Platforms that can read
        them together (or already did, with the metrics) override this; by default one call per
        post."""
        return {rid: self.fetch_comments(rid, since=since) for rid in remote_ids}

    def reply_to_comment(self, comment_remote_id: str, post_remote_id: str,
                         text: str) -> Published:
        """Answer a comment (`Comment.remote_id`) under one of the account's posts as the
        account, in public; returns the reply. Raises PublishError like `publish` (a lost answer
        is `unknown_outcome`: the reply may exist). By default a platform cannot: `can_reply`
        is False and this says so."""
        raise PublishError(ErrorKind.rejected,
                           _english("reply.unsupported_here", label=self.label),
                           code="unsupported")

    @classmethod
    def reply_problem(cls, text: str) -> str | None:
        """Why `text` cannot be sent as a reply here (plain English), or None when it can."""
        if not cls.can_reply:
            return _english("reply.unsupported", label=cls.label)
        if not text.strip():
            return _english("reply.empty")
        length = cls.text_length(text)
        if cls.reply_max is not None and length > cls.reply_max:
            return _english("reply.too_long", length=length, label=cls.label,
                            max=cls.reply_max)
        return None

    def check_reply(self, text: str) -> None:
        """`reply_problem` as a PublishError (checked again before the call: platforms bill or
        count refused calls too)."""
        problem = self.reply_problem(text)
        if problem:
            raise PublishError(ErrorKind.rejected, problem, code="length")

    @property
    def metrics_rate_state(self) -> RateState | None:
        """The rate-limit state of the endpoint `fetch_metrics` uses, when it has its own
        (X: `GET /2/tweets`); by default the account's one state."""
        return self.rate_state

    @classmethod
    def limits_for(cls, settings: Settings) -> Limits:
        """The limits in force with these settings (some caps are the library's choice, e.g.
        Instagram's hashtag cap, OUTREACH_INSTAGRAM_MAX_HASHTAGS)."""
        return cls.limits

    def updated_credentials(self) -> dict[str, str] | None:
        """Credentials the platform renewed while working (a refreshed session), to be stored
        again encrypted; None when nothing changed."""
        return None

    @classmethod
    def text_length(cls, text: str) -> int:
        """Length of a text as this platform counts it (X overrides with weighted counting)."""
        return len(text)

    @classmethod
    def env_account(cls, settings: Settings) -> tuple[str, str, dict[str, str]] | None:
        """(external_id, display name, credentials) when OUTREACH_* variables define an
        account of this platform, else None."""
        return None

    def __repr__(self) -> str:  # never show credentials
        return f"<{type(self).__name__} account={self.account.name!r}>"
