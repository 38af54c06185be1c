"""`python -m bench [names...] [--quick]`: run the registered figure scripts and print each one's
table as it finishes. `--quick`: every figure at tiny sizes, a smoke test that the scripts still
run (CI runs it); its figures mean nothing and no goal is judged."""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from typing import Any

from bench import REGISTRY, BenchError


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def format_table(rows: list[dict[str, Any]]) -> str:
    columns: list[str] = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    cells = [[_cell(row.get(col)) for col in columns] for row in rows]
    widths = [max(len(col), *(len(r[i]) for r in cells)) for i, col in enumerate(columns)]

    def line(values: list[str]) -> str:
        # Text left-aligned, numbers right-aligned, as people read them.
        return "  ".join(v.rjust(w) if v[:1].isdigit() else v.ljust(w)
                         for v, w in zip(values, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(columns), rule, *(line(r) for r in cells)])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help="figures to run (default: all): "
                        + ", ".join(name for name, _ in REGISTRY))
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes, a smoke test: no goal is judged")
    modules = {name: importlib.import_module(path) for name, path in REGISTRY}
    for module in modules.values():
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.quick and getattr(args, "postgres", None):
        # The smoke test stays short: SQLite only (the PostgreSQL runs take minutes to set up).
        args.postgres = None
    unknown = [n for n in args.names if n not in modules]
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)}")
    for name in args.names or list(modules):
        print(f"running {name} ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        try:
            rows = modules[name].run(args)
        except BenchError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return 1
        # One table per figure: each has its own columns.
        print(f"\n{name}{' (--quick: tiny sizes, figures mean nothing)' if args.quick else ''}, "
              f"{time.perf_counter() - started:.0f} s\n{format_table(rows)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
