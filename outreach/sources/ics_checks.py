"""Checking an iCalendar file event by event before its recurrences are expanded (`sources.ics`).

recurring-ical-events expands a calendar as a whole: one event without DTSTART (or with two, or
with a value that is not a date) stops it for every event, and a series it cannot expand is
either fatal or, with `skip_bad_series`, dropped without a word. So each VEVENT is checked here
first: a bad one is taken out of the calendar and reported with its UID and the line of its
`BEGIN:VEVENT` in the file, and the rest of the calendar goes on. icalendar's parser keeps no
line numbers, so `event_lines` finds the BEGIN lines in the bytes itself.

Repeat rules are repaired where the intent is plain: Exchange writes `BYDAY=MO, TU, WE` (spaces
after the commas) and some tools write the rule in lower case; anything else that does not
parse is an error naming the event.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import icalendar
from icalendar.prop import vRecur

from outreach.sources.base import sentence

# Properties whose value decides when the event happens: a broken one rejects the event, since
# dropping it would put the event (or a cancelled occurrence) at a wrong time.
_TIMING = ("DTSTART", "DTEND", "DURATION", "RRULE", "RDATE", "EXDATE", "RECURRENCE-ID")
_NAMES = {"DTSTART": sentence("start"), "DTEND": sentence("end"),
          "DURATION": sentence("duration"), "RRULE": sentence("repeat rule"),
          "RDATE": sentence("extra dates"), "EXDATE": sentence("excluded dates"),
          "RECURRENCE-ID": sentence("original date")}


@dataclass(slots=True)
class Place:
    """Where a VEVENT is in the file: the line of its BEGIN:VEVENT and its UID (if any)."""

    line: int
    uid: str | None

    def where(self, detail: str | None = None) -> str:
        inner = ", ".join(x for x in ((f"UID {self.uid}" if self.uid else None), detail) if x)
        return f"line {self.line}" + (f" ({inner})" if inner else "")


def event_lines(data: bytes) -> list[Place]:
    """The VEVENTs of the file's first VCALENDAR, in order: line of BEGIN:VEVENT and UID.

    Lines are physical lines of the file (1-based), as an editor shows them; a folded UID
    (continued on lines starting with a space or tab) is unfolded."""
    found: list[Place] = []
    depth = 0  # subcomponents (VALARM) open inside the current event
    current: Place | None = None
    uid_parts: list[bytes] | None = None
    for number, raw in enumerate(data.split(b"\n"), 1):
        line = raw.rstrip(b"\r")
        if uid_parts is not None:
            if line[:1] in (b" ", b"\t"):
                uid_parts.append(line[1:])
                continue
            if current is not None:
                current.uid = b"".join(uid_parts).decode("utf-8", "replace").strip() or None
            uid_parts = None
        upper = line.strip().upper()
        if upper == b"END:VCALENDAR":
            break
        if current is None:
            if upper == b"BEGIN:VEVENT":
                current, depth = Place(number, None), 0
            continue
        if upper.startswith(b"BEGIN:"):
            depth += 1
        elif upper.startswith(b"END:"):
            if depth == 0:
                found.append(current)
                current = None
            depth -= 1
        elif depth == 0 and (upper.startswith(b"UID:") or upper.startswith(b"UID;")):
            uid_parts = [line.split(b":", 1)[1]]
    return found


def places(components: list[Any], lines: list[Place]) -> list[Place]:
    """Each component's Place: by position when the file and the parser agree on the events,
    else by UID (a parser that skipped a component must not shift every line after it)."""
    uids = [_uid(c) for c in components]
    if len(lines) == len(components) and all(
            p.uid is None or u is None or p.uid == u for p, u in zip(lines, uids, strict=True)):
        return [Place(p.line, u or p.uid) for p, u in zip(lines, uids, strict=True)]
    by_uid: dict[str, list[Place]] = {}
    for place in lines:
        if place.uid:
            by_uid.setdefault(place.uid, []).append(place)
    out = []
    for uid in uids:
        known = by_uid.get(uid or "")
        out.append(Place(known.pop(0).line if known else 0, uid))
    return out


def _uid(component: Any) -> str | None:
    value = component.get("UID")
    if isinstance(value, list):
        value = value[0] if value else None
    text = str(value).strip() if value is not None else ""
    return text or None


def _broken(component: Any) -> dict[str, str]:
    """icalendar's own parse errors of this component, by property name."""
    return {str(name).upper(): str(message)
            for name, message in getattr(component, "errors", []) or []}


def normalise_rule(text: str) -> str:
    """`freq=weekly;byday=MO, TU, WE` -> `FREQ=WEEKLY;BYDAY=MO,TU,WE`: spaces around the
    separators go, names and values are upper-cased, an empty trailing part is dropped. Nothing
    else is guessed."""
    parts = []
    for part in text.strip().split(";"):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        values = [v.strip().upper() for v in value.split(",")]
        if values and values[-1] == "" and len(values) > 1:
            values.pop()  # "MO,TU," : the trailing comma only
        parts.append(f"{name.strip().upper()}{sep}{','.join(values)}")
    return ";".join(parts)


def _repair_rules(component: Any) -> tuple[str | None, str | None]:
    """Parse a broken RRULE again after normalising it. (problem, note): problem says why the
    rule cannot be read; note says what was repaired."""
    values = component.get("RRULE")
    many = isinstance(values, list)
    fixed, notes = [], []
    for value in values if many else [values]:
        if isinstance(value, vRecur):
            fixed.append(value)
            continue
        raw = str(value)
        normal = normalise_rule(raw)
        try:
            rule = vRecur.from_ical(normal)
        except Exception as exc:  # noqa: BLE001 - icalendar raises ValueError and others
            return sentence(f"its repeat rule (RRULE) {raw!r} cannot be read ({exc})"), None
        fixed.append(rule)
        notes.append(sentence(f"the repeat rule (RRULE) {raw!r} was read as {normal!r}"))
    component.pop("RRULE")
    for rule in fixed:
        component.add("RRULE", rule)
    return None, "; ".join(notes) or None


def check_event(component: Any) -> tuple[str | None, str | None]:
    """(problem, note) for one VEVENT: problem rejects it; note is a repair worth telling."""
    broken = _broken(component)
    start = component.get("DTSTART")
    if start is None:
        return sentence("it has no start (DTSTART)"), None
    if isinstance(start, list):
        values = ", ".join(str(v.to_ical().decode()) for v in start)
        return sentence(f"it has {len(start)} starts (DTSTART: {values}); an event has one"), None
    for name in ("DTEND", "DURATION"):
        if isinstance(component.get(name), list):
            return sentence(f"it has {len(component[name])} {_NAMES[name]}s ({name}); an event "
                            "has one"), None
    note = None
    if "RRULE" in broken:
        problem, note = _repair_rules(component)
        if problem:
            return problem, None
    for name in _TIMING:
        if name in broken and name != "RRULE":
            value = component.get(name)
            raw = str(value[0] if isinstance(value, list) else value)
            return sentence(f"its {_NAMES[name]} ({name}) {raw!r} is not "
                            f"{'a duration' if name == 'DURATION' else 'a date or time'}"), None
    if not _text(component.get("SUMMARY")):
        return sentence("it has no title (SUMMARY)"), None
    return None, note


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value).strip() if value is not None else ""


def vevents(calendar: icalendar.Calendar) -> list[Any]:
    return [c for c in calendar.subcomponents if c.name == "VEVENT"]


def without(calendar: icalendar.Calendar, drop: Iterable[Any]) -> icalendar.Calendar:
    """A shallow copy of `calendar` without the components in `drop` (compared by identity)."""
    gone = {id(c) for c in drop}
    copy = icalendar.Calendar()
    copy.update(calendar)
    copy.subcomponents = [c for c in calendar.subcomponents if id(c) not in gone]
    return copy


def series_groups(calendar: icalendar.Calendar) -> Iterator[tuple[str | None, list[Any]]]:
    """The VEVENTs by UID (a series and its moved occurrences belong together); events without a
    UID each on their own."""
    groups: dict[str, list[Any]] = {}
    for component in vevents(calendar):
        uid = _uid(component)
        if uid is None:
            yield None, [component]
        else:
            groups.setdefault(uid, []).append(component)
    yield from groups.items()


def only(calendar: icalendar.Calendar, keep: list[Any]) -> icalendar.Calendar:
    """A calendar with its time zones and only the events in `keep`."""
    kept = {id(c) for c in keep}
    return without(calendar, [c for c in calendar.subcomponents
                              if c.name == "VEVENT" and id(c) not in kept])


def unbounded(component: Any) -> bool:
    """True for a series that repeats for ever (an RRULE with neither COUNT nor UNTIL)."""
    rules = component.get("RRULE")
    if rules is None:
        return False
    rules = rules if isinstance(rules, list) else [rules]
    return any(isinstance(r, vRecur) and "COUNT" not in r and "UNTIL" not in r for r in rules)
