"""Commands for the content: set-up, imports, planning, staff posts, the queue and previews."""

from __future__ import annotations

import json
import sys
import unicodedata
from datetime import datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from outreach.cli.base import Fail, app, command, err, out, ready
from outreach.config import Settings, get_settings
from outreach.db import init_db, session_scope


# -- set-up and data ----------------------------------------------------------------------------
@app.command()
@command
def init() -> None:
    """Create the database, or upgrade it to the newest schema (harmless to run again)."""
    settings = get_settings()
    revision = init_db(settings.database_url)
    from outreach.platforms import sync_env_accounts

    with session_scope(settings.database_url) as session:
        accounts = sync_env_accounts(session, settings)
    out.print(f"Database ready (schema {revision}).")
    for account in accounts:
        out.print(f"Account from the environment: {account.platform} {account.name}")


@app.command("import")
@command
def import_(
    kind: Annotated[str, typer.Argument(help="Import kind; `outreach sources` lists them.")],
    source: Annotated[str, typer.Argument(help="File path or URL.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
    = False,
    full: Annotated[bool, typer.Option("--full", help="OAI-PMH: read the whole set, not only "
                                       "what is new since the last run.")] = False,
    option: Annotated[list[str] | None, typer.Option(
        "--option", "-o", help="KEY=VALUE for the reader, repeatable (docs/sources.md): "
        "items=PATH (slims-csv), opac_url=URL (slims-db, slims-csv, marc, koha-oai), "
        "encoding=auto|utf-8|marc-8|windows-1251|latin-1 (marc: when the records' leaders "
        "declare the wrong one), id_field=999c (marc: the tag and subfield holding the record "
        "id; Koha's 999$c is found by itself), metadata_prefix=P, set_spec=S (OAI), "
        "since=YYYY-MM-DD, until=YYYY-MM-DD (ics), sheet=NAME (events-csv).")]
    = None,
) -> None:
    """Import titles or events from the library's data. Exit 0: all taken; 1: some records were
    rejected (the rest are kept); 2: the source could not be read."""
    from outreach.sources import get_kind

    settings = ready()
    options: dict[str, str] = {}
    for item in option or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or key.strip() == "harvest":
            if as_json:
                print(json.dumps({"created": 0, "updated": 0, "unchanged": 0, "errors": [
                    {"where": "--option", "message": f"{item!r} is not KEY=VALUE"}]}))
            raise Fail(f"--option {item!r} is not KEY=VALUE", 2)
        options[key.strip()] = value.strip()
    try:
        get_kind(kind).load()
    except (KeyError, NotImplementedError) as exc:
        message, code = str(exc.args[0]), 2 if isinstance(exc, KeyError) else 3
        if as_json:  # the contract: exactly one JSON object on stdout, whatever happened
            print(json.dumps({"created": 0, "updated": 0, "unchanged": 0,
                              "errors": [{"where": kind, "message": message}]}))
        raise Fail(message, code) from None
    from outreach.sources.importing import run_import
    progress = None
    if not as_json and sys.stderr.isatty():
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        bar = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                       console=err, transient=True)
        task = bar.add_task("reading…")
        bar.start()
        progress = lambda n: bar.update(task, description=f"{n:,} records read")  # noqa: E731
    try:
        result = run_import(kind, source, database_url=settings.database_url, progress=progress,
                            full=full, **options)
    finally:
        if progress is not None:
            bar.stop()
    if as_json:
        print(json.dumps(result.as_json(), ensure_ascii=False))
    else:
        if result.unreadable:
            err.print(f"[red]Cannot read the source:[/red] {result.unreadable}", highlight=False)
        warned = f", warnings {len(result.warnings)}" if result.warnings else ""
        rekeyed = f", re-keyed {result.rekeyed}" if result.rekeyed else ""
        out.print(f"created {result.created}, updated {result.updated}{rekeyed}, "
                  f"unchanged {result.unchanged}, rejected {len(result.errors)}{warned}")
        if "copies" in result.counts:
            undated = result.counts.get("copies_undated", 0)
            out.print(f"copies: {result.counts['copies']} read, {undated} without a date "
                      "(not used to date their titles)")
        for e in result.errors[:50]:
            err.print(f"  {e.where}: {e.message}", highlight=False, markup=False)
        if len(result.errors) > 50:
            err.print(f"  … and {len(result.errors) - 50} more (use --json for all)")
        for w in result.warnings[:50]:
            err.print(f"  note: {w.where}: {w.message}" if w.where else f"  note: {w.message}",
                      highlight=False, markup=False)
        if len(result.warnings) > 50:
            err.print(f"  … and {len(result.warnings) - 50} more notes (use --json for all)")
    raise typer.Exit(result.exit_code)


@app.command()
@command
def sources() -> None:
    """List the kinds of library data that can be imported."""
    from outreach.sources import KINDS

    table = Table("kind", "gives", "what", "available")
    for kind in KINDS.values():
        table.add_row(kind.name, kind.target + "s", kind.description,
                      "yes" if kind.reader else "later")
    out.print(table)


# -- planning and the queue ---------------------------------------------------------------------
@app.command("plan")
@command
def plan_(dry_run: Annotated[bool, typer.Option("--dry-run", help="Show, queue nothing.")] = False
          ) -> None:
    """Queue what the schedules announce: new titles, the weekly digest, workshops, events and
    reminders, in each account's free slots (schedules/*.yaml). --dry-run changes nothing."""
    from outreach.planning.planner import plan

    settings = ready()
    bar = None
    if sys.stderr.isatty():  # a first run may compose hundreds of image cards: show movement
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        bar = Progress("subjects composed", BarColumn(), MofNCompleteColumn(),
                       TimeElapsedColumn(), console=err, transient=True)
        task = bar.add_task("plan", total=None)
        bar.start()
    try:
        with session_scope(settings.database_url) as session:
            result = plan(session, settings=settings, dry_run=dry_run, progress=None if bar is None
                          else lambda done, total: bar.update(task, completed=done, total=total))
    finally:
        if bar is not None:
            bar.stop()
    table = Table("subject", "platform", "account", f"time ({settings.timezone})", "status",
                  "length", "images", "text")
    for p in result.planned:
        more = len(p.parts) - 1
        length = f"{p.length}/{p.max_length}" + (f" +{more} in thread" if more > 0 else "")
        table.add_row(p.subject, p.platform, p.account,
                      p.scheduled_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M"),
                      p.status, length, str(len(p.media)),
                      p.text.splitlines()[0] if p.text else "")
    out.print(table)
    verb = "would be queued" if dry_run else "queued"
    out.print(f"{len(result.planned)} deliveries {verb}.")
    if result.cancelled:
        out.print(f"{result.cancelled} deliveries of cancelled events or withdrawn titles "
                  "were taken off the queue.")
    if result.refreshed:
        subjects = ", ".join(sorted({key for key, _ in result.refreshed}))
        out.print(f"{len(result.refreshed)} queued deliveries "
                  f"{'would be' if dry_run else 'were'} composed again because their event or "
                  f"title changed: {subjects}.")
    if result.to_check:
        subjects = ", ".join(sorted({key for key, _ in result.to_check}))
        out.print(f"{len(result.to_check)} queued deliveries edited by hand "
                  f"{'would wait' if dry_run else 'wait'} as drafts for a person to check: their "
                  f"event or title changed since ({subjects}). They are in the web inbox.")
    for p in result.planned:
        for problem in p.problems:
            err.print(f"{p.subject} on {p.platform}: {problem}", highlight=False, markup=False)
    for why in result.skipped:
        err.print(why, highlight=False, markup=False)
    for note in link_cost_notes(settings, {p.platform for p in result.planned}):
        err.print(note, highlight=False, markup=False)


def link_cost_notes(settings: Settings, platforms: set[str]) -> list[str]:
    """A note per planned platform whose schedule puts links in posts while the platform
    charges far more for a post with a link (`Limits.link_cost`)."""
    from outreach.planning.schedule import ScheduleError, load_schedule
    from outreach.platforms import platform_classes

    try:
        schedule = load_schedule(settings)
    except ScheduleError:
        return []
    notes = []
    for cls in platform_classes():
        times = cls.limits.link_cost
        if cls.name in platforms and times > 1 and schedule.rhythm(cls.name).links \
                and cls.backend is None:
            notes.append(f"Note: links are on for {cls.label} in the schedule, and {cls.label} "
                         f"charges about {times:g}× as much for a post with a link as for one "
                         f"without. To post without links, set `links: false` under "
                         f"`platforms: {cls.name}:` in the schedule.")
    return notes


PAST_GRACE = timedelta(minutes=1)  # "now" typed a moment ago is not in the past


def _parse_at(value: str | None, settings: Settings, now_ok: bool = False) -> datetime:
    """The time asked for; a time already past is refused unless `--now` says to send it now."""
    from outreach.models import utcnow

    now = utcnow()
    if not value:
        return now
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise Fail(f"--at {value!r} is not an ISO 8601 time such as 2026-12-05T09:00") from None
    at = at if at.tzinfo else at.replace(tzinfo=settings.tz)
    if at < now - PAST_GRACE:
        if not now_ok:
            raise Fail(f"--at {value} has already passed; give a future time, or add --now to "
                       "publish it now.", code=2)
        return now
    return at


def clean_text(value: str) -> str:
    """Text from the command line without control characters (a pasted escape sequence, a NUL),
    keeping line breaks and tabs."""
    value = value.replace("\r\n", "\n")
    return "".join(c for c in value
                   if c in "\n\t" or unicodedata.category(c) != "Cc")


@app.command()
@command
def post(
    platform: Annotated[list[str], typer.Option("--platform", help="x, facebook or instagram; "
                                                "repeat for several.")],
    text: Annotated[str, typer.Option("--text", help="The post's text.")],
    image: Annotated[list[str] | None, typer.Option("--image", help="Image file; repeatable.")]
    = None,
    alt: Annotated[list[str] | None, typer.Option("--alt", help="Alt text of each --image, "
                                                  "in the same order.")] = None,
    at: Annotated[str | None, typer.Option("--at", help="When, ISO 8601; without an offset "
                                           "OUTREACH_TIMEZONE; default now.")] = None,
    review: Annotated[bool, typer.Option("--review", help="Wait for a manager's approval.")]
    = False,
    now: Annotated[bool, typer.Option("--now", help="Publish now even if --at has passed.")]
    = False,
) -> None:
    """Queue a staff-written post; from the CLI it is scheduled at once unless --review."""
    from outreach.desk.queue import NewPost, create_post

    settings = ready()
    when = _parse_at(at, settings, now_ok=now)
    with session_scope(settings.database_url) as session:
        deliveries = create_post(session, settings, NewPost(
            platforms=platform, text=clean_text(text), images=image or [],
            alt_texts=[clean_text(a) for a in alt or []], at=when,
            review=review, author="cli"))
        for d in deliveries:
            out.print(f"Delivery {d.id}: {d.platform}, {d.status}, "
                      f"{d.scheduled_at.astimezone(settings.tz):%Y-%m-%d %H:%M %Z}")


@app.command()
@command
def queue(
    status: Annotated[str | None, typer.Option("--status", help="Only this status.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array.")] = False,
) -> None:
    """Show the deliveries: what goes where, when, and how it stands."""
    from outreach.desk.queue import delivery_dict, list_deliveries

    settings = ready()
    with session_scope(settings.database_url) as session:
        rows = [delivery_dict(d, a, settings) for d, a in list_deliveries(session, status)]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    table = Table("id", "platform", "account", "status", f"time ({settings.timezone})", "text")
    for r in rows:
        when = datetime.fromisoformat(r["scheduled_at"]).strftime("%Y-%m-%d %H:%M")
        first = (r["text"] or "").splitlines()[0][:60] if r["text"] else ""
        table.add_row(str(r["id"]), r["platform"], r["account"] or "", r["status"], when, first)
    out.print(table)


@app.command()
@command
def preview(delivery_id: Annotated[int, typer.Argument(help="Delivery id (see `queue`).")]
            ) -> None:
    """Show a delivery as it will be posted — text, length as the platform counts it, hashtags,
    images with alt text, broken limits — and the same post on its other platforms."""
    from outreach.desk.preview import preview as make_preview

    settings = ready()
    with session_scope(settings.database_url) as session:
        shown = make_preview(session, delivery_id, settings)
    for n, p in enumerate(shown):
        if n == 1:
            out.print("\n[dim]The same post on its other platforms:[/dim]")
        out.rule(f"{p.label} · delivery {p.id} · {p.account}", align="left")
        out.print(f"{p.status} · {p.scheduled_at.astimezone(settings.tz):%Y-%m-%d %H:%M %Z}",
                  highlight=False)
        how = " (links count 23, emoji 2)" if p.counting == "weighted" else ""
        for i, part in enumerate(p.parts, 1):
            if len(p.parts) > 1:
                out.print(f"[bold]part {i}/{len(p.parts)}[/bold]")
            out.print(part.text, markup=False, highlight=False)
            if part.length is not None:
                over = " — over the limit" if part.length > part.max_length else ""
                out.print(f"[dim]length {part.length}/{part.max_length}{how}{over}[/dim]")
        cap = f"/{p.hashtag_cap}" if p.hashtag_cap is not None else ""
        out.print(f"[dim]hashtags {p.hashtags}{cap} · images {len(p.images)}[/dim]")
        for i, image in enumerate(p.images, 1):
            out.print(f"image {i}: {image.path} ({image.facts})", markup=False, highlight=False)
            out.print(f"  alt: {image.alt_text or '(none)'}", markup=False, highlight=False)
        if p.problems:
            for problem in p.problems:
                out.print(f"[red]✗[/red] {problem}", highlight=False)
        else:
            out.print(f"[green]✓[/green] within {p.label}'s limits", highlight=False)
