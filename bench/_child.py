"""`python -m bench._child module:function args...`: run one measured step, print its JSON."""

from __future__ import annotations

import importlib
import json
import resource
import sys


def main() -> None:
    target, *args = sys.argv[1:]
    module, _, func = target.partition(":")
    result = dict(getattr(importlib.import_module(module), func)(*args))
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result["peak_rss_mb"] = peak / (1024 * 1024 if sys.platform == "darwin" else 1024)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
