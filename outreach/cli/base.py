"""What every `outreach` command shares: the Typer app, plain-words error handling, logging set-up.
Each command is thin: it calls one function of the layers below.

No command prompts when stdin is not a terminal. Errors are one plain sentence on stderr and a
non-zero exit, never a traceback (set OUTREACH_LOG_LEVEL=DEBUG to see one in the log).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

import typer
from rich.console import Console
from rich.logging import RichHandler

from outreach.config import Settings, SettingsError, get_settings
from outreach.db import DatabaseError, check_ready
from outreach.errors import OutreachError

app = typer.Typer(
    name="outreach",
    help="Library Outreach: turn the library's data into social-media posts, and the reaction "
    "back into evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
users_app = typer.Typer(help="Manage the people who use the web UI.", no_args_is_help=True)
app.add_typer(users_app, name="users")

# The largest whole number a database column holds (signed 64 bits): a larger id cannot name
# a record, and the database drivers would answer with OverflowError.
MAX_INT = 2**63 - 1

out = Console()
err = Console(stderr=True)


class Fail(OutreachError):
    """A command's own refusal; `code` is the exit code (2: the command was used wrongly)."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = self.exit_code = code


def setup_logging(settings: Settings) -> None:
    root = logging.getLogger()
    if any(isinstance(h, RichHandler) for h in root.handlers):
        return
    handler = RichHandler(console=err, show_path=False, rich_tracebacks=False)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    noisy_loggers = (
        "alembic", "apscheduler", "uvicorn.access", "httpx", "urllib3", "requests_oauthlib",
    )
    for noisy in noisy_loggers:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def command(func: Callable) -> Callable:
    """Run a command with settings loaded and every expected error turned into plain words."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        for name, value in kwargs.items():
            if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
                shown = name.upper().replace("_", "-")
                err.print(f"[red]Error:[/red] {shown} {value} is too large: no such record "
                          "(ids and counts are whole numbers up to 19 digits).", highlight=False)
                raise typer.Exit(2)
        try:
            settings = get_settings()
            setup_logging(settings)
            return func(*args, **kwargs)
        except SettingsError as exc:
            err.print(f"[red]Configuration error:[/red] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except DatabaseError as exc:
            err.print(f"[red]Database:[/red] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except OutreachError as exc:  # written for the person: their words, the class's exit code
            err.print(f"[red]Error:[/red] {exc}", highlight=False)
            raise typer.Exit(exc.exit_code) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # the last line of defence: one sentence, details in the log
            logging.getLogger("outreach").debug("unexpected error", exc_info=True)
            err.print(f"[red]Unexpected error:[/red] {type(exc).__name__}: {exc}. "
                      "Run with OUTREACH_LOG_LEVEL=DEBUG for details.", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def ready() -> Settings:
    settings = get_settings()
    check_ready(settings.database_url)
    return settings


