"""Real calendars (tests/data/ics, see its README: icalendar's and recurring-ical-events' test
files, written by Google Calendar, Exchange, Thunderbird …): each imports, good events kept and
bad ones named by line and UID, and a second import of the same file is all "unchanged"."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sources_kit import run_import_cli
from sqlmodel import Session, select

from outreach.db import get_engine
from outreach.models import Event

DATA = Path(__file__).parent / "data" / "ics"
# The files date from 2014 to 2024: a window over those years instead of today's.
WINDOW = ("-o", "since=2014-01-01", "-o", "until=2025-01-01")

# file -> (created, errors as (where, words in the message))
EXPECTED = {
    "icalendar-alarm_google_future.ics": (1, []),
    "icalendar-issue_165_missing_event.ics": (14, []),
    "icalendar-timezone_same_start.ics": (1, []),
    "icalendar-issue_1081_invalid_start_and_end.ics": (
        0, [("line 4 (UID test-123)", "start (DTSTART) 'INVALID-DATE' is not a date or time")]),
    "icalendar-issue_1081_invalid_rrule_freq.ics": (
        0, [("line 4 (UID test-123)", "repeat rule (RRULE) 'FREQ=INVALID_TYPE_CAUSES_ERROR'")]),
    "icalendar-issue_722_missing_timezones.ics": (  # the good event also has an RDATE
        2, [("line 9", "no start (DTSTART)"), ("line 15", "no start (DTSTART)")]),
    "rie-issue_27_t1.ics": (2, []),
    "rie-recurring_events_moved.ics": (7, []),
    "rie-issue_18_cancel_status.ics": (3, []),
    "rie-issue_48_daylight_aware_repeats.ics": (224, []),
    "rie-issue_62_moved_event.ics": (38, []),
    "rie-x_wr_timezone_simple_events_issue_59.ics": (2, []),
    "rie-duplicated_rrule.ics": (20, []),
    "rie-bad_rrule_missing_until_event.ics": (
        0, [("line 2 (UID blabla)", "UNTIL parameter is missing")]),
}


def events(db_url: str) -> list[Event]:
    with Session(get_engine(db_url)) as session:
        return list(session.exec(select(Event).order_by(Event.starts_at, Event.source_id)))


def test_every_real_file_is_listed():
    assert sorted(p.name for p in DATA.glob("*.ics")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_calendar_imports_and_reimports_unchanged(db_url, name):
    created, errors = EXPECTED[name]
    code, out = run_import_cli("ics", str(DATA / name), *WINDOW)
    assert out["created"] == created, out
    assert [e["where"] for e in out["errors"]] == [where for where, _ in errors], out
    for error, (_, words) in zip(out["errors"], errors, strict=True):
        assert words in error["message"], error
    assert code == (1 if errors else 0)
    assert len(events(db_url)) == created
    code, again = run_import_cli("ics", str(DATA / name), *WINDOW)
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, created), again


def test_exchange_series_with_spaced_byday_is_repaired_and_told(db_url):
    code, out = run_import_cli("ics", str(DATA / "icalendar-issue_165_missing_event.ics"),
                               *WINDOW)
    assert code == 0 and out["created"] == 14
    [note] = [w for w in out["warnings"] if w["where"].startswith("line")]
    assert note["where"] == "line 20"  # Exchange's CDO wrote no UID
    assert "BYDAY=MO, TU, WE, TH, FR" in note["message"]
    assert "BYDAY=MO,TU,WE,TH,FR" in note["message"]
    days = {e.starts_at.weekday() for e in events(db_url)}
    assert days == {0, 1, 2, 3, 4}  # weekdays only, as the rule says


def test_google_daylight_saving_series_keeps_local_time(db_url):
    code, out = run_import_cli("ics", str(DATA / "rie-issue_48_daylight_aware_repeats.ics"),
                               *WINDOW)
    assert code == 0
    rows = events(db_url)
    # The same local hour in summer and in winter: one hour apart in UTC.
    summer = next(e for e in rows if e.starts_at.replace(tzinfo=UTC).month == 9)
    winter = next(e for e in rows if e.starts_at.replace(tzinfo=UTC).month == 12)
    assert summer.starts_at.hour + 1 == winter.starts_at.hour
    # The series has no end: the window says how far it was read.
    assert "1 repeating event goes on after 2025-01-01" in out["warnings"][-1]["message"]


def test_thunderbird_moved_occurrence_keeps_its_identity(db_url):
    run_import_cli("ics", str(DATA / "rie-recurring_events_moved.ics"), *WINDOW)
    edited = [e for e in events(db_url) if e.title == "test7 - edited"]
    assert len(edited) == 1 and edited[0].series_id == "5d4c6843-9300-4f91-8d88-6094d4b0b840"


def test_default_window_tells_what_was_left_out(db_url):
    """Today's window (a year back, a year ahead) holds none of a 2020 calendar's dates: the
    summary says so, with the window, instead of a silent 0."""
    code, out = run_import_cli("ics", str(DATA / "rie-duplicated_rrule.ics"))
    assert (code, out["created"], out["errors"]) == (0, 0, [])
    [note] = out["warnings"]
    today = datetime.now(UTC).date()
    assert note["where"] == "import window"
    assert note["message"].startswith("20 occurrences fall outside the import window "
                                      f"{today.year - 1}-")
    assert "(20 before it, 0 after it)" in note["message"]
