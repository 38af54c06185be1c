"""Benchmarks: one module per figure, each with `run(args) -> list[dict]` (the table rows) and,
optionally, `add_arguments(parser)` for its own options. `python -m bench [names...]` runs them
and prints one table.

Steps that must not share memory or warm caches run in a fresh interpreter through `measure()`,
so each one's peak RSS is its own.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from typing import Any

# (name, module): the figures `python -m bench` knows, in the order they run.
REGISTRY: list[tuple[str, str]] = [
    ("marc_import", "bench.marc_import"),
    ("sources_import", "bench.sources_import"),
    ("sandbox_capacity", "bench.sandbox_capacity"),
    ("plan_render", "bench.plan_render"),
    ("dispatch", "bench.dispatch"),
    ("instagram_private", "bench.instagram_private"),
    ("engagement_sync", "bench.engagement_sync"),
    ("report_summary", "bench.report_summary"),  # after dispatch: both take --postgres
    ("catalogue_browse", "bench.catalogue_browse"),
    ("web_load", "bench.web_load"),
    ("template_bombs", "bench.template_bombs"),
]


class BenchError(Exception):
    """A measured step failed; the message carries its output."""


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (share 0.95: p95), a value that was measured."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def measure(target: str, *args: str, timeout: float = 3600) -> dict[str, Any]:
    """Run `module:function(*args)` in a fresh Python process and return what it measured.

    The function returns a dict (typically with "seconds" and "records"); "peak_rss_mb" is added
    from the child's own getrusage, i.e. the high-water mark of that process alone.
    """
    proc = subprocess.run(
        [sys.executable, "-m", "bench._child", target, *args],
        capture_output=True, text=True, timeout=timeout, check=False,
    )
    if proc.returncode != 0:
        raise BenchError(f"{target} failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])
