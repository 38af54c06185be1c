"""Operator commands: publish what is due, status, and the actions on one delivery."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from sqlmodel import select

from outreach.cli.base import Fail, app, command, err, out, ready, users_app
from outreach.db import session_scope
from outreach.models import utcnow


@app.command("publish-due")
@command
def publish_due(
    once: Annotated[bool, typer.Option("--once", help="Publish what is due now, then exit.")]
    = False,
) -> None:
    """Publish every delivery that is due. With --once: one burst, then exit (for cron)."""
    from outreach.dispatch.dispatcher import run_due

    settings = ready()
    if not once:
        raise Fail("Use `outreach publish-due --once` for one burst, or `outreach worker` to keep "
                   "publishing.")
    published = failed = waiting = 0
    while True:
        result = run_due(settings)
        published += len(result.published)
        failed += len(result.failed)
        waiting += len(result.waiting)
        if not result.more:
            break
    out.print(f"published {published}, waiting to retry {waiting}, need a person {failed}")


@app.command("sync-engagement")
@command
def sync_engagement(
    once: Annotated[bool, typer.Option("--once", help="Sync what is due now, then exit.")]
    = False,
) -> None:
    """Read the metrics (views, reach, likes, comments, shares, saves, clicks) of every published
    post whose next snapshot is due, and bring new comments into the feedback inbox."""
    from outreach.engagement.sync import SyncResult, sync_pass

    settings = ready()
    if not once:
        raise Fail("Use `outreach sync-engagement --once` for one sync (for cron); `outreach "
                   "run` syncs by itself on the clock.")
    total = SyncResult()
    while True:
        result = sync_pass(settings)
        total.merge(result)
        if not result.more:
            break
    out.print(f"snapshots {total.snapshots} ({total.calls} metric calls), removed on the "
              f"platform {total.removed}, new comments {total.comments} "
              f"(questions {total.questions})", highlight=False)
    for line in total.waiting:
        err.print(f"waiting for the rate limit: {line}", highlight=False, markup=False)
    for line in total.notes:
        err.print(f"note: {line}", highlight=False, markup=False)
    for line in total.errors:
        err.print(line, highlight=False, markup=False)
    if total.errors:
        raise typer.Exit(1)


@app.command()
@command
def report(
    fmt: Annotated[str, typer.Option("--format", help="table, csv, json, html or pdf")]
    = "table",
    month: Annotated[str | None, typer.Option("--month", help="A calendar month, e.g. 2026-11 "
                                              "(in OUTREACH_TIMEZONE).")] = None,
    last_month: Annotated[bool, typer.Option("--last-month", help="The previous calendar "
                                             "month.")] = False,
    start: Annotated[str | None, typer.Option("--from", help="First day, e.g. 2026-11-01.")]
    = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day, included.")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Write to this file "
                                               "instead of the screen (needed for pdf).")]
    = None,
    csv_dialect: Annotated[str | None, typer.Option(
        "--csv-dialect", help="id (semicolons, decimal comma, Indonesian headers: Excel in "
        "Indonesian) or international (commas, decimal point, the column names scripts read); "
        "default: that of OUTREACH_LOCALE.")] = None,
) -> None:
    """Engagement report for managers: posts, reactions, what works, what was missed. Without a
    period: everything so far. The report itself (the table, html, pdf and the csv headers)
    is in OUTREACH_LOCALE's language; the messages around it stay English like the rest of
    the CLI. --format html is the monthly evaluation, --format pdf the same on A4 pages, e.g.
    `outreach report --last-month --format pdf -o laporan.pdf`."""
    from pathlib import Path

    from outreach.reports import FORMATS, build_report, parse_period, render
    from outreach.reports.csvfile import dialect_for
    from outreach.reports.render import to_csv

    settings = ready()
    if fmt not in FORMATS:
        raise Fail(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.", 2)
    if fmt == "pdf" and not output:
        raise Fail("--format pdf writes a file: add -o laporan.pdf.", 2)
    dialect_for(csv_dialect, settings.locale)  # an unknown form stops here, before any work
    period = parse_period(settings, month=month, start=start, end=end, last_month=last_month)
    target = Path(output) if output else None
    if target is not None and not target.parent.is_dir():
        raise Fail(f"The folder for {output} does not exist.", 2)
    with session_scope(settings.database_url) as session:
        made = build_report(session, period, settings,
                            include_deliveries=fmt in ("json", "csv"))
    if fmt == "pdf":
        from outreach.reports.pdf import to_pdf

        target.write_bytes(to_pdf(made, settings))
    elif fmt == "csv":
        # A file gets a byte-order mark: spreadsheet programs then read it as UTF-8.
        text = to_csv(made, settings, csv_dialect, bom=target is not None)
    else:
        text = render(made, fmt, settings, width=max(100, out.size.width))
    if target is not None:
        if fmt != "pdf":
            target.write_text(text, encoding="utf-8")
        err.print(f"Report for {period.label} written to {output}.", highlight=False)
    elif fmt == "table":
        # Laid out already at `width`: printed as it is (the console would wrap it again at 80
        # columns when the output goes to a pipe or a file).
        print(text, end="")
    else:
        print(text, end="" if text.endswith("\n") else "\n")


@app.command()
@command
def status(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts by delivery status, the next due post, accounts' health and the clock's last tick."""
    from outreach.desk.connect import access_ends
    from outreach.desk.lifetimes import attention
    from outreach.desk.queue import last_ticks, stalled, status_counts
    from outreach.dispatch.dispatcher import next_due_at
    from outreach.models import Account

    settings = ready()
    with session_scope(settings.database_url) as session:
        counts = status_counts(session)
        accounts = list(session.exec(select(Account).order_by(Account.platform, Account.id)))
        ticks = last_ticks(session)
        care = attention(session)
    due = next_due_at(settings)
    tz = settings.tz
    clock = [t for t in ticks if t.role == "clock"]
    overdue, silent = stalled(ticks, due, utcnow())
    if as_json:
        print(json.dumps({
            "deliveries": counts,
            "next_due": due.astimezone(tz).isoformat() if due else None,
            "overdue_seconds": overdue, "clock_silent_seconds": silent,
            "accounts": [{"platform": a.platform, "name": a.name, "health": a.health,
                          "reason": a.health_reason, "access_ends": _iso(access_ends(a), tz)}
                         for a in accounts],
            # Accounts whose access ends within 7 days or that must be signed in to again.
            "accounts_attention": [c.as_json(tz) for c in care],
            "processes": [{"id": t.process_id, "role": t.role,
                           "last_tick": t.last_tick_at.astimezone(tz).isoformat()} for t in ticks],
        }, ensure_ascii=False))
        return
    table = Table("status", "deliveries")
    for name, n in counts.items():
        if n:
            table.add_row(name, str(n))
    out.print(table)
    out.print("Next due: " + (f"{due.astimezone(tz):%Y-%m-%d %H:%M %Z}" if due else "nothing"))
    if overdue:
        out.print(f"  overdue by {_minutes(overdue)}: is a worker running (`outreach run` or "
                  "`outreach worker`)?", highlight=False)
    for a in accounts:
        extra = f" — {a.health_reason}" if a.health_reason else ""
        out.print(f"Account {a.platform} {a.name}: {a.health}{extra}", highlight=False)
    if not accounts:
        out.print("No accounts connected.")
    base = (settings.public_base_url or "").rstrip("/")
    for c in care:
        ends = (f" (ends {c.ends.astimezone(tz):%Y-%m-%d %H:%M %Z})"
                if c.ends and c.kind == "ending" else "")
        out.print(f"Account access: {c.account.platform} {c.account.name}{ends}: {c.reason} "
                  f"Sign in again: {base}{c.action_url}", highlight=False, markup=False)
    out.print("Clock last tick: " + (f"{clock[0].last_tick_at.astimezone(tz):%Y-%m-%d %H:%M:%S %Z}"
                                     if clock else "never (is `outreach run` running?)"))
    if silent:
        out.print(f"  silent for {_minutes(silent)}: nothing is planned or imported until the "
                  "service runs again (`outreach run`).", highlight=False)


def _iso(moment, tz) -> str | None:  # noqa: ANN001
    return moment.astimezone(tz).isoformat() if moment else None


def _minutes(seconds: int) -> str:
    return f"{seconds // 60} min" if seconds < 2 * 3600 else f"{seconds // 3600} h"


def _act(func, delivery_id: int, *args) -> None:  # noqa: ANN001
    settings = ready()
    with session_scope(settings.database_url) as session:
        d = func(session, delivery_id, *args)
        out.print(f"Delivery {d.id} is now {d.status}.")


@app.command()
@command
def retry(delivery_id: Annotated[int, typer.Argument(help="Delivery id (see `queue`).")]) -> None:
    """Schedule a failed, unconfirmed, missed or held delivery again, now."""
    from outreach.desk.queue import retry as do_retry

    _act(do_retry, delivery_id, "cli")


@app.command()
@command
def cancel(delivery_id: Annotated[int, typer.Argument(help="Delivery id (see `queue`).")]) -> None:
    """Cancel a delivery that has not been published."""
    from outreach.desk.queue import cancel as do_cancel

    _act(do_cancel, delivery_id, "cli")


@app.command("mark-published")
@command
def mark_published(
    delivery_id: Annotated[int, typer.Argument(help="Delivery id (see `queue`).")],
    url: Annotated[str, typer.Option("--url", help="The post's address on the platform.")],
) -> None:
    """Record that staff confirmed by hand that a delivery is on the platform."""
    from outreach.desk.queue import mark_published as do_mark

    _act(do_mark, delivery_id, url, "cli")


@users_app.command("add")
@command
def users_add(
    email: Annotated[str, typer.Argument(help="The person's e-mail address (their login).")],
    role: Annotated[str, typer.Option("--role", help="staff, manager or admin")] = "staff",
    name: Annotated[str | None, typer.Option("--name", help="Name shown in the web UI.")] = None,
) -> None:
    """Add a user of the web UI (password from stdin when it is not a terminal)."""
    import getpass
    import sys

    from outreach.audit import audit
    from outreach.desk.users import create_user

    settings = ready()
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise Fail("The two passwords differ; nothing was saved.")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    with session_scope(settings.database_url) as session:
        user = create_user(session, email, role, password, name=name)
        audit(session, "cli", "user.create", "user", user.id, {"email": user.email, "role": role})
        session.commit()
        out.print(f"user {user.email} added with role {user.role} (id {user.id})")
