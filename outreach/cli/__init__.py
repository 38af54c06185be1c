"""The `outreach` command (console script `outreach = outreach.cli:main`).

`base` holds the Typer app and what every command shares; each other module registers the
commands of one area on it when imported here.
"""

from __future__ import annotations

from outreach.cli import (  # noqa: F401 - registers the commands
    accounts,
    content,
    feedback,
    notify,
    ops,
    run,
)
from outreach.cli.base import app


def main() -> None:
    app()
