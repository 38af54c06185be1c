"""Hostile templates: each family's worst case, previewed as a manager's edit is (in a limited
child process, `compose.isolation`), with its wall time, the child's peak RSS and the outcome;
beside it the same template's refusal in-process (the bounds alone, as the planner renders), and
the cost of checking an ordinary template in a child (what every preview and save now pays).

Each case runs in a fresh interpreter (`measure`), which first checks a small template and waits
for the spare child that leaves behind to be ready, as a preview after the editor page loads
does; the peak RSS is the largest child it reaped (getrusage RUSAGE_CHILDREN). Before this, the
review measured: `((10**64)**64)**64 > 1` froze web, worker and clock for 43 s;
`'%0500000000d' % 1` and `'x'|center(500000000)` took 42 s and 6 GB in a preview.

Measured on 2 cores shared with other work (load average 7-9; Python 3.11), limits 256 MB above
the child's start, 4 s of CPU, killed after 8 s (wall s: the check as a preview waits for it,
a warm spare child; in-process s: the same template refused by the bounds alone):

    family                            outcome                wall s   child RSS MB  in-process s
    ordinary template (check cost)    rendered                 0.04        38.7        0.01
    big-integer power (GIL)           refused: too_big         0.05        38.7        0.02
    %-format width, compile time      refused: too_big         0.02        38.7        0.01
    filter width, compile time        refused: too_big         0.01        38.9        0.02
    filter width, autoescape fold     refused: too_big         0.03        38.6        0.03
    str.format width                  refused: too_big         0.01        38.6        0.01
    string method width               refused: too_big         0.01        38.7        0.01
    format attribute walk             refused: unsafe          0.03        38.8        0.01
    attribute walk                    refused: unsafe          0.06        38.6        0.01
    globals walk                      refused: unsafe          0.01        38.7        0.01
    Python repr (address)             refused: not_printable   0.02        38.7        0.01
    recursive macro                   refused: too_deep        0.04        39.7        0.08
    recursive loop                    refused: too_deep        0.02        39.7        0.04
    include a file                    refused: no_include      0.01        38.8        0.00
    compile time: nesting             refused: too_deep        0.04        39.0        0.06
    doubling text in a loop           refused: too_big         0.04        38.7        0.02
    repr of a shared structure        refused: too_big         0.03        38.8        0.01
    memory within the bounds          refused: too_big         0.24       222.6        0.78
    render-time loop (watchdog)       refused: too_slow        2.02        38.7        2.02
    worst: render-time loop           refused: too_slow        2.02       222.6        2.02

A cold check (no spare yet: the first preview after the service starts) adds an interpreter's
start, 0.6-1.2 s here. The one family the bounds alone do not stop is memory taken step by step
within them (300 MB here before the child's limit; in-process only the watchdog's 2 s bound it):
that is why staff edits are checked in the child before anything renders them in-process.

    python -m bench template_bombs
"""

from __future__ import annotations

import argparse
import resource
import time
from typing import Any

from bench import measure

SETUP = "{% set s = 'x' * 9000 %}{% set ns = namespace(x=[1], l=[], t='x' * 9000) %}"

# (family, worst case): the review's own cases first.
CASES: list[tuple[str, str]] = [
    ("ordinary template (check cost)", "Koleksi baru: {{ t }} #perpustakaan"),
    ("big-integer power (GIL)", "{{ ((10**64)**64)**64 > 1 }}"),
    ("%-format width, compile time", "{{ '%0500000000d' % 1 }}"),
    ("filter width, compile time", "{{ 'x'|center(500000000) }}"),
    ("filter width, autoescape fold", "{% autoescape 'x'|center(500000000) %}a"
                                      "{% endautoescape %}"),
    ("str.format width", "{{ '{:>500000000}'.format(1) }}"),
    ("string method width", "{{ 'x'.zfill(500000000) }}"),
    ("format attribute walk", "{{ '{0.__class__.__mro__}'.format(t) }}"),
    ("attribute walk", "{{ ''.__class__.__mro__[1].__subclasses__() }}"),
    ("globals walk", "{{ cycler.__init__.__globals__.os }}"),
    ("Python repr (address)", "{{ cycler(1)|string }}"),
    ("recursive macro", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"),
    ("recursive loop", "{% for x in [[1]] recursive %}{{ loop([x]) }}{% endfor %}"),
    ("include a file", "{% include '/etc/passwd' %}"),
    ("compile time: nesting", "{% if 1 %}" * 900 + "x" + "{% endif %}" * 900),
    ("doubling text in a loop", SETUP + "{% for i in range(40) %}{% set ns.t = ns.t ~ ns.t %}"
                                "{% endfor %}{{ ns.t|length }}"),
    ("repr of a shared structure", SETUP + "{% for i in range(40) %}"
                                   "{% set ns.x = [ns.x, ns.x] %}{% endfor %}{{ ns.x }}"),
    # 3,000 texts of 99,000 characters: ~300 MB, each step within the bounds.
    ("memory within the bounds", SETUP + "{% set b = s ~ s ~ s ~ s ~ s ~ s ~ s ~ s ~ s ~ s ~ s %}"
                                 "{% for i in range(3000) %}{% set ns.l = ns.l + [b ~ i] %}"
                                 "{% endfor %}{{ ns.l|length }}"),
    ("render-time loop (watchdog)", "{% for i in range(9999) %}{% for j in range(9999) %}"
                                    "{% endfor %}{% endfor %}"),
]
QUICK = (0, 1, 2, 3, 16)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options of its own


def case(index: str) -> dict[str, Any]:
    """One case in this fresh interpreter: warm the spare child, then time the check."""
    from outreach.compose.isolation import render_isolated
    from outreach.compose.templates import TemplateError, environment_for, render_in

    def check(source: str) -> str:
        try:
            render_isolated(source, {"t": "Laut"}, name="bench.j2", tz_name="Asia/Makassar",
                            locale="id_ID")
        except TemplateError as exc:
            return f"refused: {exc.code or 'error'}"
        return "rendered"

    source = CASES[int(index)][1]
    check("{{ t }}")
    time.sleep(2.0)  # the spare's imports (~1 s on a busy machine)
    start = time.perf_counter()
    outcome = check(source)
    seconds = time.perf_counter() - start
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    env = environment_for("Asia/Makassar", "id_ID")
    start = time.perf_counter()
    try:
        render_in(env, source, {"t": "Laut"}, "bench.j2")
    except TemplateError:
        pass
    return {"seconds": seconds, "child_mb": child_mb, "outcome": outcome,
            "in_process": time.perf_counter() - start}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    picks = QUICK if args.quick else range(len(CASES))
    rows = []
    for index in picks:
        m = measure("bench.template_bombs:case", str(index), timeout=120)
        rows.append({"family": CASES[index][0], "outcome": m["outcome"],
                     "wall s": m["seconds"], "child peak RSS MB": m["child_mb"],
                     "in-process s": m["in_process"]})
    hostile = rows[1:]
    worst = max(hostile, key=lambda r: r["wall s"])
    rows.append({"family": f"worst: {worst['family']}", "outcome": worst["outcome"],
                 "wall s": worst["wall s"],
                 "child peak RSS MB": max(r["child peak RSS MB"] for r in hostile),
                 "in-process s": max(r["in-process s"] for r in hostile)})
    return rows
