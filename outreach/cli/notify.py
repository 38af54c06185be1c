"""`outreach notify --once`: the e-mail notification pass by hand (the clock runs it by itself)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from outreach.cli.base import Fail, app, command, err, out, ready


@app.command()
@command
def notify(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit (for cron).")] = False,
    weekly: Annotated[bool, typer.Option("--weekly", help="Send last week's summary now (the "
                                         "clock sends it on Monday morning).")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Mail people what needs them (accounts to reconnect, failed or missed posts, posts awaiting
    approval, the weekly summary), each fact once, then send the outbox."""
    from outreach.notify.gather import notify_pass

    settings = ready()
    if not once:
        raise Fail("Use `outreach notify --once` for one pass (for cron); `outreach run` "
                   "notifies by itself on the clock.", code=2)
    if not settings.mail_enabled:
        raise Fail("E-mail is off: set OUTREACH_SMTP_HOST and OUTREACH_MAIL_FROM "
                   "(see docs/deploy.md).")
    result = notify_pass(settings, weekly=True if weekly else None)
    if as_json:
        out.print_json(json.dumps(result.as_json()))
    else:
        queued = ", ".join(f"{kind} {n}" for kind, n in result.queued.items())
        out.print(f"queued: {queued}; sent {len(result.sent.sent)}, will retry "
                  f"{len(result.sent.retrying)}, gave up {len(result.sent.failed)}",
                  highlight=False)
    for line in result.sent.errors:
        err.print(line, highlight=False, markup=False)
    if result.sent.retrying or result.sent.failed:
        raise typer.Exit(1)
