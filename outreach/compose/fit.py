"""One platform as composition sees it (`Target`), and fitting a text to it.

Composition never names a platform: it reads what the platform class declares (`limits`,
`text_length`) through a `Target` built by the caller, plus the library's own choices (links,
images, a hashtag cap from the settings). A text too long for one post becomes a numbered thread
where the platform declares threads (`Limits.max_thread_parts` > 1); elsewhere it stays whole and
validation says by how much it is over.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from outreach.config import Settings
    from outreach.platforms.base import Limits

# Room kept in each part for its number, "\n\n(12/25)".
_MARK_ROOM = 9
# '#' not after a word character, '&' or '/'. Written with the '#' first: a pattern that starts
# with a look-behind is tried at every position of a post (~15x slower than searching for '#').
HASHTAG = re.compile(r"#(?<![\w&/]#)(\w+)")
# The parts of a thread are kept in one text, separated by a line holding only "---" (the X
# platform splits them the same way: platforms/x/platform.py THREAD_BREAK); staff may write one
# by hand.
THREAD_BREAK = re.compile(r"\n[ \t]*---[ \t]*(?:\n|$)")
THREAD_JOIN = "\n---\n"


@dataclass(frozen=True)
class Target:
    """A platform's declared rules and the library's choices for it."""

    name: str
    label: str
    limits: Limits
    count: Callable[[str], int]  # the platform's own way of counting a text's length
    hashtag_cap: int | None = None
    links: bool = True
    images: bool = True

    @classmethod
    def of(cls, platform: Any, settings: Settings, *, links: bool = True,
           images: bool = True) -> Target:
        """From a platform class (`outreach.platforms.platform_class(name)`), with the limits
        in force under these settings (`limits_for`: e.g. OUTREACH_INSTAGRAM_MAX_HASHTAGS)."""
        limits = platform.limits_for(settings)
        # No link where a URL cannot be clicked (Instagram captions); no image where none is
        # taken, whatever the schedule asked.
        return cls(name=platform.name, label=platform.label, limits=limits,
                   # X counts the twitter-text way (~35 µs a text): fitting and validation
                   # share each count.
                   count=lru_cache(maxsize=64)(platform.text_length),
                   hashtag_cap=limits.max_hashtags,
                   links=links and getattr(limits, "links_clickable", True),
                   images=images and limits.max_media > 0)

    @property
    def weighted(self) -> bool:
        return self.limits.text_counting == "weighted"


def split_thread(target: Target, text: str) -> list[str]:
    """The posts a delivery's text makes on this platform (one, unless it takes threads)."""
    if target.limits.max_thread_parts <= 1:
        return [text]
    pieces = THREAD_BREAK.split(text) if "---" in text else [text]
    return [p.strip() for p in pieces if p.strip()] or [text]


def join_thread(parts: list[str]) -> str:
    return THREAD_JOIN.join(parts)


def hashtags_in(text: str) -> list[str]:
    return ["#" + m for m in HASHTAG.findall(text or "")]


def fit_text(target: Target, text: str) -> list[str]:
    """[text] when it fits (or cannot be split); else the parts of a numbered thread, each
    within the limit, split between paragraphs, then lines, then words. A thread written by
    hand (parts separated by "---" lines) is kept as written."""
    limit = target.limits.max_text
    written = split_thread(target, text)
    if len(written) > 1:
        return written
    if target.count(text) <= limit:
        return [text]
    shorter = _without_trailing_hashtags(target, text)
    if shorter is not None:
        return [shorter]
    if target.limits.max_thread_parts <= 1:
        return [text]
    parts = _pack(_units(text), target.count, limit - _MARK_ROOM)
    if len(parts) > target.limits.max_thread_parts:
        return [text]  # validation explains: too long even as a thread
    parts = [p.strip() for p in parts if p.strip()]
    total = len(parts)
    return [f"{part}\n\n({i}/{total})" for i, part in enumerate(parts, 1)]


def _without_trailing_hashtags(target: Target, text: str) -> str | None:
    """Hashtags are decoration: when dropping some of the closing line of hashtags makes the
    text fit in one post, that beats a thread whose last part is only hashtags."""
    body, _, last = text.rpartition("\n\n")
    words = last.split()
    if not body or not words or any(not HASHTAG.fullmatch(w) for w in words):
        return None
    while words:
        words.pop()
        candidate = body + ("\n\n" + " ".join(words) if words else "")
        if target.count(candidate) <= target.limits.max_text:
            return candidate
    return None


def _units(text: str) -> list[tuple[str, str]]:
    """(separator before, piece): paragraphs, and the lines inside them."""
    units: list[tuple[str, str]] = []
    for p, paragraph in enumerate(text.split("\n\n")):
        for n, line in enumerate(paragraph.split("\n")):
            sep = "" if not units else ("\n\n" if n == 0 and p > 0 else "\n")
            units.append((sep, line))
    return units


def _pack(units: list[tuple[str, str]], count: Callable[[str], int], budget: int) -> list[str]:
    parts: list[str] = []
    current = ""
    for sep, piece in units:
        candidate = current + sep + piece if current else piece
        if count(candidate) <= budget:
            current = candidate
            continue
        if current:
            parts.append(current)
            current = ""
        if count(piece) <= budget:
            current = piece
            continue
        # One line longer than a whole part: split it between words (a word longer than a part
        # is cut; links count the same whatever their length on a weighted platform).
        for word in piece.split(" "):
            candidate = f"{current} {word}" if current else word
            if count(candidate) <= budget:
                current = candidate
                continue
            if current:
                parts.append(current)
            current = word
            while count(current) > budget:
                cut = _longest_prefix(current, count, budget)
                parts.append(current[:cut])
                current = current[cut:]
    if current:
        parts.append(current)
    return parts


def _longest_prefix(text: str, count: Callable[[str], int], budget: int) -> int:
    lo, hi = 1, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if count(text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return lo
