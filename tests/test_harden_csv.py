"""CSV exports never carry a live formula (issue 18, OWASP "CSV Injection"): text cells that a
spreadsheet would run are prefixed with ', numbers stay numbers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from outreach.config import load_settings
from outreach.models import METRICS
from outreach.reports.build import DeliveryRow
from outreach.reports.csvfile import safe_cell
from outreach.reports.render import to_csv


@pytest.mark.parametrize(("value", "shown"), [
    ("=HYPERLINK(\"https://evil.example\",\"klik\")", "'=HYPERLINK(\"https://evil.example\",\"klik\")"),
    ("+62 812", "'+62 812"), ("-bukan angka", "'-bukan angka"), ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"),
    ("Halo =1+1", "Halo =1+1"), ("-12", "-12"), ("-0.5", "-0.5"), ("+3e2", "+3e2"),
])
def test_safe_cell(value, shown):
    assert safe_cell(value) == shown


def test_report_csv_neutralises_staff_text(db_url):
    row = DeliveryRow(id=1, platform="x", account="@perpus", kind="free", template=None,
                      remote_id="-1", remote_url=None,
                      published_at=datetime(2026, 11, 2, 1, 0, tzinfo=UTC),
                      text="=HYPERLINK(\"https://evil.example\",\"Klik\")", removed=False,
                      snapshot_at=None, metrics=dict.fromkeys(METRICS, None) | {"likes": -3},
                      interactions=12, rate=0.5, rate_base="views")
    out = to_csv(SimpleNamespace(deliveries=[row]), load_settings(database_url=db_url),
                 "international")
    [parsed] = list(csv.DictReader(io.StringIO(out)))
    assert parsed["text"] == "'=HYPERLINK(\"https://evil.example\",\"Klik\")"
    assert parsed["account"] == "'@perpus"
    assert parsed["likes"] == "-3" and parsed["remote_id"] == "-1"  # numbers stay numbers
    assert parsed["engagement_rate"] == "0.500000"
