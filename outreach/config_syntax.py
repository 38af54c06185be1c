"""The small languages some settings are written in: durations ("6h", "7d"), the engagement
schedule ("1d: 1h, 7d: 6h") and event kind rules ("workshop: pelatihan, kelas"). Each parser
raises ValueError with what is wrong; `config.Settings` turns that into a plain start-up error.
`sources.kinds` reads event kind rules with the same parser."""

from __future__ import annotations

from datetime import timedelta

# into a start-up error.
_UNITS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _duration(text: str) -> timedelta:
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in _UNITS:
        raise ValueError(f"{text!r} is not a duration such as 6h or 7d")
    try:
        amount = float(text[:-1])
    except ValueError:
        raise ValueError(f"{text!r} is not a duration such as 6h or 7d") from None
    if amount <= 0:
        raise ValueError(f"{text!r} is not positive")
    return timedelta(seconds=amount * _UNITS[text[-1]])


def parse_age_schedule(text: str) -> list[tuple[timedelta, timedelta]]:
    """ "1d: 1h, 7d: 6h" -> [(age limit, interval), ...]: while a post is younger than 1 day its
    metrics are read every hour, then every 6 hours until it is 7 days old; after the last step,
    never again (OUTREACH_ENGAGEMENT_SCHEDULE)."""
    steps = []
    for part in text.split(","):
        if not part.strip():
            continue
        until, sep, every = part.partition(":")
        if not sep:
            raise ValueError(f"{part.strip()!r} is not 'AGE: INTERVAL'")
        steps.append((_duration(until), _duration(every)))
    if not steps:
        raise ValueError("no steps")
    for (a, _), (b, _) in zip(steps, steps[1:], strict=False):
        if b <= a:
            raise ValueError("the ages must grow from one step to the next")
    return steps


EVENT_KINDS = ("workshop", "community", "other")


def parse_kind_rules(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """ "workshop: pelatihan, kelas; community: komunitas" -> [(kind, (word, ...)), ...].

    Used by OUTREACH_EVENT_KIND_RULES: an event's categories (iCalendar CATEGORIES, the
    spreadsheet's "jenis") that contain one of the words get that kind; the first rule wins.
    """
    rules = []
    for part in text.split(";"):
        if not part.strip():
            continue
        kind, sep, words = part.partition(":")
        kind = kind.strip().lower()
        if not sep or kind not in EVENT_KINDS:
            raise ValueError(f"{part.strip()!r} is not 'kind: word, word' with kind one of "
                             f"{', '.join(EVENT_KINDS)}")
        found = tuple(w.strip().lower() for w in words.split(",") if w.strip())
        if not found:
            raise ValueError(f"the rule for {kind} has no words")
        rules.append((kind, found))
    return rules
