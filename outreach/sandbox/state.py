"""The sandbox's memory: what was posted, its clock, rate-limit windows and call counts.

One process, one lock: route handlers run on the server's event loop thread, while tests call
`SandboxServer.reset()` and `.state()` from theirs.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from outreach.sandbox.faults import FaultBook

PLATFORMS = ("x", "facebook", "instagram")  # always listed in a snapshot, posts or not
# (seed, post id, age in whole seconds) -> the platform's own metric names and values.
MetricModel = Callable[[int, str, int], dict[str, int]]


@dataclass(slots=True)
class SandboxPost:
    platform: str
    id: str
    account: str
    text: str
    created_at: datetime
    media: list[str] = field(default_factory=list)
    alt_text: list[str] = field(default_factory=list)
    reply_to: str | None = None
    extra: dict = field(default_factory=dict)  # link, permalink, media type, ...


class Clock:
    """The sandbox's notion of "now" for content (post times, metrics growth).

    Tests freeze it to read metrics that do not move between two calls, and advance it to let
    posts age. Rate-limit windows use the real clock: clients compare resets with their own.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._offset = 0.0
        self._frozen_at: float | None = None

    def time(self) -> float:
        return self._frozen_at if self._frozen_at is not None else time.time() + self._offset

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.time(), UTC)

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def advance(self, seconds: float) -> None:
        if self._frozen_at is not None:
            self._frozen_at += seconds
        else:
            self._offset += seconds

    def freeze(self, frozen: bool) -> None:
        if frozen and self._frozen_at is None:
            self._frozen_at = self.time()
        elif not frozen and self._frozen_at is not None:
            self._offset = self._frozen_at - time.time()
            self._frozen_at = None


@dataclass(slots=True)
class Window:
    limit: int
    remaining: int
    reset: int  # Unix seconds, as in `x-rate-limit-reset`


class RateBook:
    """Fixed windows per (endpoint, account), like X's per-user limits
    (https://docs.x.com/x-api/fundamentals/rate-limits)."""

    def __init__(self) -> None:
        self.defaults: dict[str, tuple[int, int]] = {}  # endpoint -> (limit, window seconds)
        self.limits: dict[str, tuple[int, int]] = {}
        self._windows: dict[tuple[str, str], Window] = {}

    def reset(self) -> None:
        self.limits = dict(self.defaults)
        self._windows.clear()

    def _window(self, endpoint: str, account: str) -> Window | None:
        if endpoint not in self.limits:
            return None
        limit, seconds = self.limits[endpoint]
        now = time.time()
        window = self._windows.get((endpoint, account))
        if window is None or window.reset <= now or window.limit != limit:
            window = Window(limit=limit, remaining=limit, reset=int(now + seconds))
            self._windows[(endpoint, account)] = window
        return window

    def peek(self, endpoint: str, account: str) -> Window | None:
        return self._window(endpoint, account)

    def hit(self, endpoint: str, account: str) -> tuple[Window | None, bool]:
        """Count one request; False when the window is used up (answer 429)."""
        window = self._window(endpoint, account)
        if window is None:
            return None, True
        if window.remaining <= 0:
            return window, False
        window.remaining -= 1
        return window, True


class SandboxState:
    def __init__(self, seed: int = 0, *, hang_seconds: float = 35.0) -> None:
        self.seed = seed
        self.hang_seconds = hang_seconds  # the `timeout` fault: longer than clients wait
        self.lock = threading.RLock()
        self.clock = Clock()
        self.rates = RateBook()
        self.faults = FaultBook(seed)
        self.metric_models: dict[str, MetricModel] = {}
        self.endpoints: set[str] = set()
        self.posts: dict[tuple[str, str], SandboxPost] = {}
        self.calls: Counter[str] = Counter()
        self.last_ids: dict[str, int] = {}
        # Uploaded or fetched images: id -> (content type, bytes), shown on the page.
        self.blobs: dict[str, tuple[str, bytes]] = {}
        # Per-platform memory (containers, uploads in progress, ...), emptied by reset().
        self.extras: dict[str, dict] = {}
        # Tunables (POST /_sandbox/options), e.g. how long Instagram takes to process a container.
        self.option_defaults: dict[str, float] = {}
        self.options: dict[str, float] = {}

    def register(
        self,
        platform: str,
        *,
        limits: Mapping[str, tuple[int, int]],
        metrics: MetricModel,
        options: Mapping[str, float] | None = None,
    ) -> None:
        """A platform module declares its endpoints (with rate limits), metric model and
        tunable options."""
        with self.lock:
            self.option_defaults.update(options or {})
            self.options.update(options or {})
            self.extras.setdefault(platform, {})
            self.endpoints.update(limits)
            self.rates.defaults.update(limits)
            self.rates.limits.update(limits)
            self.metric_models[platform] = metrics

    def reset(self) -> None:
        with self.lock:
            self.posts.clear()
            self.calls.clear()
            self.last_ids.clear()
            self.blobs.clear()
            for memory in self.extras.values():
                memory.clear()
            self.options = dict(self.option_defaults)
            self.rates.reset()
            self.clock.reset()
            self.faults.clear(self.seed)

    def next_id(self, counter: str, start: int) -> int:
        """A growing number per counter (ids of posts, photos, containers)."""
        value = max(self.last_ids.get(counter, start), start) + 1
        self.last_ids[counter] = value
        return value

    def add(self, post: SandboxPost) -> None:
        with self.lock:
            self.posts[(post.platform, post.id)] = post

    def get(self, platform: str, post_id: str) -> SandboxPost | None:
        with self.lock:
            return self.posts.get((platform, post_id))

    def age(self, post: SandboxPost) -> int:
        return max(0, int(self.clock.time() - post.created_at.timestamp()))

    def metrics(self, post: SandboxPost) -> dict[str, int]:
        model = self.metric_models.get(post.platform)
        return model(self.seed, post.id, self.age(post)) if model else {}

    def snapshot(self) -> dict:
        """Everything a test (or the page) may want to compare with, as plain JSON: one list
        of posts per platform (oldest first), then the sandbox's own state."""
        with self.lock:
            posted: dict[str, list[dict]] = {name: [] for name in PLATFORMS}
            for p in self.posts.values():
                posted.setdefault(p.platform, []).append(
                    {
                        "platform": p.platform,
                        "id": p.id,
                        "account": p.account,
                        "text": p.text,
                        "created_at": p.created_at.isoformat(),
                        "media": list(p.media),
                        "alt_text": list(p.alt_text),
                        "reply_to": p.reply_to,
                        **({"extra": dict(p.extra)} if p.extra else {}),
                        # The account's replies to comments under it (Facebook, Instagram).
                        **({"replies": replies} if (replies := [
                            {**r, "created_at": r["created_at"].isoformat()}
                            for r in self.extras.get(p.platform, {}).get("replies", [])
                            if r["post_id"] == p.id]) else {}),
                        "metrics": self.metrics(p),
                    }
                )
            return {
                **posted,
                "now": self.clock.now().isoformat(),
                "clock_frozen": self.clock.frozen,
                "seed": self.seed,
                "calls": dict(self.calls),
                "faults": self.faults.describe(),
                "options": dict(self.options),
                "limits": {
                    name: {"limit": limit, "window": window}
                    for name, (limit, window) in self.rates.limits.items()
                },
            }
