"""X's weighted length, the twitter-text v3 way, without paying for twitter-text's emoji regex on
every text.

`twitter_text.parse_tweet` runs two regexes over the whole text before walking it: URLs (~70 µs
on a 250-character post) and emoji (~1.6 ms: one alternation of ~2,500 multi-code-point sequences
that Python's `re` tries at every position). Planning counts every X text, so that emoji regex
was nearly all of planning's time.

`count` gives the same number with less work, and takes every rule from the library's own data
and regexes:

- emoji: a multi-code-point emoji can only match where its *second* code point is present (a
  ZWJ, a skin tone, a keycap mark, a regional indicator, a tag, U+FE0F). A text holding none of
  those but U+FE0F, and none of the code points that can follow an emoji + U+FE0F pair (the
  "blockers"), holds only single-code-point emoji and such pairs ("🗓️"); both sets are read from
  the library's compiled regex. A text with a blocker goes to `parse_tweet` whole.
- URLs: found by the library's `extract_urls_with_indices`, run on each whitespace-separated run
  that holds a '.' followed by a letter (every TLD starts with one), with the one character
  before the run. A URL never holds a character of twitter-text's `spaces_group`, and its only
  look-around (after the TLD) sees the same at the end of the run as before the next space, so
  these are the URLs of the whole text.
- a run's query: in an ASCII run whose text after its first '?' (the query) holds only query
  characters but '.' and ends with a query-ending character, the URL regex finds the same URLs
  whatever that query says. No URL can start in it (a domain needs a '.'), a domain or path never
  holds a '?', the query group is greedy and takes the whole query when it is valid, and an
  ASCII run of at most `_MAX_RUN` characters stays far below twitter-text's 4,096-character URL
  limit. So the URLs of such a run are read once for its part up to the '?' (with a stand-in
  query) and the URL that reaches the end of the run is stretched to it. Planning's links
  differ only there (`...index.php?p=show_detail&id=12&utm_source=x...`): one regex search per
  planning run instead of one per post (it was ~25 of X's ~40 µs a post).
- weights: the v3 configuration's ranges (weight 100), everything else its default (200); an
  emoji counts the default weight, a URL `transformed_url_length`.

tests/test_x_count.py checks these premises against the library and compares `count` with
`parse_tweet` on generated texts (Indonesian prose, hashtags, URLs with and without a scheme,
emoji and emoji sequences, CJK, combining marks, line endings).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from twitter_text import parse_tweet
from twitter_text.config import config
from twitter_text.extract_urls import extract_urls_with_indices
from twitter_text.parse_tweet import convert_line_ending
from twitter_text.regexp.emoji import emoji as _LIBRARY_EMOJI
from twitter_text.regexp.spaces_group import spaces_group

_OPTIONS = config["defaults"]
_SCALE = _OPTIONS["scale"]
_URL_WEIGHT = _OPTIONS["transformed_url_length"]  # in characters: parse_tweet scales it itself
_EMOJI_WEIGHT = _HEAVY_WEIGHT = _OPTIONS["default_weight"] // _SCALE
_VS16 = 0xFE0F  # VARIATION SELECTOR-16, "show as emoji"


class _Changed(ImportError):
    def __init__(self, what: str):
        super().__init__(f"twitter-text's {what} changed: outreach.platforms.x.count needs a look")


if any(r["weight"] != _SCALE for r in _OPTIONS["ranges"]) or _OPTIONS["default_weight"] % _SCALE:
    raise _Changed("weights")

# Characters outside the weight-100 ranges: each counts the default weight (2).
_HEAVY = re.compile("[^" + "".join(f"{re.escape(chr(r['start']))}-{re.escape(chr(r['end']))}"
                                   for r in _OPTIONS["ranges"]) + "]")


def _code_points(escapes: str) -> list[int]:
    """`\\U0001f4da\\U0001f4dc` -> code points; anything else in the text is an error."""
    points = [int(p, 16) for p in re.findall(r"\\U([0-9a-fA-F]{8})", escapes)]
    if len(escapes) != 10 * len(points):
        raise _Changed("emoji regex")
    return points


def _emoji_sets() -> tuple[frozenset[int], frozenset[str], frozenset[int]]:
    """(single-code-point emoji, emoji + U+FE0F pairs, blockers), read from the library's
    compiled regex `multi|multi|...|[singles]`. Its sequences come longest first, so at any
    place the first that matches is the longest that does."""
    *multi, single = _LIBRARY_EMOJI.pattern.split("|")
    if not (single.startswith("[") and single.endswith("]")):
        raise _Changed("emoji regex")
    singles: set[int] = set()
    for low, high in re.findall(r"(\\U[0-9a-fA-F]{8})(?:-(\\U[0-9a-fA-F]{8}))?", single[1:-1]):
        (first,), (last,) = _code_points(low), _code_points(high or low)
        singles.update(range(first, last + 1))
    pairs: set[str] = set()
    blockers: set[int] = set()
    for alternative in multi:
        points = _code_points(alternative)
        if len(points) < 2:
            raise _Changed("emoji regex")
        if points[1] != _VS16:
            blockers.add(points[1])
        elif len(points) == 2:
            pairs.add(chr(points[0]) + chr(_VS16))
        else:
            blockers.add(points[2])
    # The walk below relies on both: a pair starts with a single emoji, U+FE0F is none.
    if _VS16 in singles or any(ord(p[0]) not in singles for p in pairs):
        raise _Changed("emoji regex")
    return frozenset(singles), frozenset(pairs), frozenset(blockers)


_SINGLES, _PAIRS, _BLOCKERS = _emoji_sets()
# Every character that may be an emoji or a blocker, and more: the few to look at one by one.
_WIDE = re.compile(f"[^\\x00-{re.escape(chr(min(_SINGLES | _BLOCKERS) - 1))}]")
# Where a URL may be: a '.' and a letter after it ([^\W\d_]: letters and a few other
# alphanumerics), in a run of characters between twitter-text's spaces.
_DOT_LETTER = re.compile(r"\.[^\W\d_]")
_NOT_SPACES = re.compile(f"[^{spaces_group}]*")
# (all of twitter-text's spaces are below U+3001: tests/test_x_count.py)
_SPACES = frozenset(c for c in map(chr, range(0x3001)) if not _NOT_SPACES.match(c).end())


def library_length(text: str) -> int:
    """twitter-text's own answer: the reference, and the way for texts with blockers."""
    return parse_tweet(text).weightedLength


@lru_cache(maxsize=1024)
def count(text: str) -> int:
    """X's weighted length of `text` (NFC is applied here, as X does)."""
    text = unicodedata.normalize("NFC", text)  # returns `text` itself when already NFC
    if "\r" in text:
        text = convert_line_ending(text)
    fast = fast_length(text)
    return library_length(text) if fast is None else fast


def fast_length(text: str) -> int | None:
    """The weighted length of an NFC text with "\\n" line endings; None when it holds a blocker
    (an emoji sequence longer than emoji + U+FE0F may be there): then only parse_tweet will do."""
    emoji = _emoji(text)
    if emoji is None:
        return None
    urls = _urls(text)
    total = _plain(text, 0, len(text))
    if not urls and not emoji:
        return total
    # parse_tweet's walk: a URL wins over an emoji starting at the same place; whatever starts
    # inside an entity already taken is part of it. Each entity counts its weight instead of
    # its characters' (one pass over the text, not one per stretch between entities).
    position = 0
    for start in sorted(urls.keys() | emoji.keys()):
        if start < position:
            continue
        if start in urls:
            position = min(start + urls[start], len(text))
            total += _URL_WEIGHT - _plain(text, start, position)
        else:
            position = start + emoji[start]
            total += _EMOJI_WEIGHT - _emoji_plain(text[start:position])
    return total


def _plain(text: str, start: int, end: int) -> int:
    """Weight of the characters of text[start:end], counted as plain text."""
    if start >= end:
        return 0
    return (end - start) + (_HEAVY_WEIGHT - 1) * len(_HEAVY.findall(text, start, end))


@lru_cache(maxsize=512)
def _emoji_plain(emoji: str) -> int:
    """What an emoji's characters would weigh as plain text."""
    return _plain(emoji, 0, len(emoji))


def _emoji(text: str) -> dict[int, int] | None:
    """Start -> length of each emoji, as the library's regex finds them where there is no
    blocker (left to right, an emoji + U+FE0F pair before the emoji alone); None on a blocker."""
    found: dict[int, int] = {}
    end = 0
    for match in _WIDE.finditer(text):
        start = match.start()
        point = ord(text[start])
        if point in _BLOCKERS:
            return None
        if point in _SINGLES and start >= end:
            size = 2 if text[start:start + 2] in _PAIRS else 1
            found[start] = size
            end = start + size
    return found


def _urls(text: str) -> dict[int, int]:
    """Start -> length of each URL, as parse_tweet's map has them (the last one per start)."""
    found: dict[int, int] = {}
    end = 0  # where the last run looked at ends
    for dot in _DOT_LETTER.finditer(text):
        if dot.start() < end:
            continue  # in that run
        start = dot.start()
        while start and text[start - 1] not in _SPACES:
            start -= 1
        end = _NOT_SPACES.match(text, dot.end()).end()
        # With the space before the run: what the URL regex sees as the preceding character.
        offset = max(start - 1, 0)
        for first, size in _run_urls(text[offset:end]):
            found[first + offset] = size
    return found


# Query characters but '.', then a query-ending character (twitter-text's valid_url_query_chars
# and valid_url_query_ending_chars; tests/test_x_count.py checks they are subsets).
_QUERY_MIDDLE = r"[A-Za-z0-9!?*'@();:&=+$/%#\[\]\-_,~|]"
_QUERY_END = r"[A-Za-z0-9\-_&=#/]"
_PLAIN_QUERY = re.compile(f"{_QUERY_MIDDLE}*{_QUERY_END}")
_STAND_IN = "0"  # a valid query of one character
_MAX_RUN = 2000


def _run_urls(run: str) -> list[tuple[int, int]]:
    """(start, length) of each URL in a run (with the character before it), as
    extract_urls_with_indices finds them; a plain query is read once per head (module doc)."""
    mark = run.find("?")
    if mark < 0 or len(run) > _MAX_RUN or not run.isascii() or not _PLAIN_QUERY.fullmatch(
            run, mark + 1):
        return [(e["indices"][0], len(e["url"])) for e in extract_urls_with_indices(run)]
    stretch = len(run) - mark - 1 - len(_STAND_IN)
    return [(first, size + stretch if reaches_end else size)
            for first, size, reaches_end in _head_urls(run[:mark + 1])]


@lru_cache(maxsize=256)
def _head_urls(head: str) -> tuple[tuple[int, int, bool], ...]:
    """The URLs of `head` + a stand-in query: (start, length, reaches the end)."""
    text = head + _STAND_IN
    return tuple((e["indices"][0], len(e["url"]), e["indices"][1] == len(text))
                 for e in extract_urls_with_indices(text))
