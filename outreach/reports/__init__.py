"""Evaluation figures for managers: what was posted, who reacted, what works, what was missed.

`build_report()` returns plain data (`Report`, dataclasses) that the CLI and the web UI render
with `render()`: a terminal table, CSV (one row per post, in the Indonesian or the international
form: `reports.csvfile`), JSON (a contract, docs/architecture.md: `{"totals": {platform:
{metric: n}}, "deliveries": [...]}` with the latest snapshot of each delivery, then a
`summary`) or the monthly evaluation in HTML (charts drawn on the server by
`outreach.reports.charts`), also as an A4 PDF (`reports.pdf.to_pdf`). What the figures must show
before a report calls something best or better is in `reports.evidence`. docs/reports.md
explains every figure.
"""

from __future__ import annotations

import json

from outreach.config import Settings
from outreach.reports.build import Report, build_report
from outreach.reports.period import Period, PeriodError, month_period, parse_period
from outreach.reports.render import FORMATS, charts_for, to_csv, to_html, to_json, to_text

__all__ = ["FORMATS", "Period", "PeriodError", "Report", "build_report", "charts_for",
           "month_period", "parse_period", "render"]


def render(report: Report, fmt: str, settings: Settings, *, width: int = 120) -> str:
    """The report as text in one of FORMATS (`width`: of the terminal, for "table")."""
    if fmt == "json":
        return json.dumps(to_json(report, settings), ensure_ascii=False, indent=1)
    if fmt == "csv":
        return to_csv(report, settings)
    if fmt == "html":
        return to_html(report, settings)
    if fmt == "table":
        return to_text(report, settings, width)
    if fmt == "pdf":
        raise ValueError("A PDF is bytes, not text: use outreach.reports.pdf.to_pdf.")
    raise ValueError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
