"""The one date reader the sources share: each source's shapes, placeholders refused."""

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from outreach.sources.dates import (
    ANY_REST,
    CLOCK,
    DAY_MONTH_YEAR,
    FRACTION,
    ISO_DATE_TIME,
    ISO_DAY,
    ZONE,
    parse_when,
)

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-02-10", datetime(2026, 2, 10, tzinfo=JAKARTA)),
    (" 2026-02-10 08:30:00.000 ", datetime(2026, 2, 10, 8, 30, tzinfo=JAKARTA)),
    ("10/02/2026", datetime(2026, 2, 10, tzinfo=JAKARTA)),
    ("1.2.2026", datetime(2026, 2, 1, tzinfo=JAKARTA)),
    ("0000-00-00", None),  # SLiMS's "no date"
    ("1899-12-30", None),  # Excel's zero
    ("2026-02-30", None),
    ("10/02-2026", None),  # one separator, not two
    ("kemarin", None),
    ("", None),
    (None, None),
])
def test_the_shapes_a_slims_export_writes(text, expected):
    assert parse_when(text, JAKARTA, ISO_DATE_TIME + ANY_REST, DAY_MONTH_YEAR) == expected


def test_values_a_driver_or_spreadsheet_already_typed_are_taken_as_they_are():
    aware = datetime(2026, 2, 10, 8, tzinfo=UTC)
    assert parse_when(aware, JAKARTA) is aware
    assert parse_when(datetime(2026, 2, 10, 8), JAKARTA) == datetime(2026, 2, 10, 8,
                                                                      tzinfo=JAKARTA)
    assert parse_when(date(2026, 2, 10), None) == datetime(2026, 2, 10)
    assert parse_when(date(1000, 1, 1), None) is None
    assert parse_when(date(1000, 1, 1), None, earliest=1) == datetime(1000, 1, 1)


def test_a_zone_in_the_text_wins_over_the_default():
    pattern = ISO_DAY + CLOCK + FRACTION + ZONE
    assert parse_when("2026-02-10T08:30:00Z", JAKARTA, pattern) == datetime(
        2026, 2, 10, 8, 30, tzinfo=UTC)
    east = parse_when("2026-02-10T08:30:00.5+08:00", UTC, pattern)
    assert east.utcoffset() == timedelta(hours=8)
    assert parse_when("2026-02-10T08:30-0330", UTC, pattern).tzinfo == timezone(
        -timedelta(hours=3, minutes=30))
    assert parse_when("2026-02-10", UTC, pattern) is None  # this pattern wants a time


def test_a_two_digit_year_is_read_as_marc_008_means_it():
    yymmdd = r"(?P<y>[0-9]{2})(?P<m>[0-9]{2})(?P<d>[0-9]{2})"
    assert parse_when("260210", UTC, yymmdd) == datetime(2026, 2, 10, tzinfo=UTC)
    assert parse_when("991231", UTC, yymmdd) == datetime(1999, 12, 31, tzinfo=UTC)
    assert parse_when("26021", UTC, yymmdd) is None
