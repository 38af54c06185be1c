"""`outreach demo`: the whole loop on invented Bontang data, on one machine, with no accounts.

The catalogue (`catalogue.yaml`) and events (`events.yaml`) were written for this project. Dates in
them are relative ("catalogued 3 days ago"), so the demo writes a real MARC file and a real events
spreadsheet with today's dates and imports them through the same code a library uses.
"""

from __future__ import annotations

import csv
import os
import secrets
import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from pymarc import Field, Indicators, Record, Subfield

HERE = Path(__file__).resolve().parent


def load_catalogue() -> list[dict]:
    return yaml.safe_load((HERE / "catalogue.yaml").read_text(encoding="utf-8"))


def load_events() -> list[dict]:
    return yaml.safe_load((HERE / "events.yaml").read_text(encoding="utf-8"))


def marc_record(item: dict, now: datetime) -> Record:
    entered = now - timedelta(days=int(item["days_ago"]))
    record = Record(force_utf8=True)
    year = str(item["year"])
    lang = item.get("language", "ind")
    f008 = f"{entered:%y%m%d}s{year}    io a          000 0 {lang} d"
    record.add_field(
        Field(tag="001", data=item["control_number"]),
        Field(tag="003", data="BTG"),
        Field(tag="005", data=f"{entered:%Y%m%d%H%M%S}.0"),
        Field(tag="008", data=f008),
        Field(tag="020", indicators=Indicators(" ", " "), subfields=[Subfield("a", item["isbn"])]),
        Field(tag="082", indicators=Indicators("0", "4"), subfields=[Subfield("a", item["ddc"])]),
        Field(tag="090", indicators=Indicators(" ", " "),
              subfields=[Subfield("a", item["call_number"])]),
    )
    authors = item.get("authors") or []
    if authors:
        record.add_field(Field(tag="100", indicators=Indicators("1", " "),
                               subfields=[Subfield("a", authors[0])]))
    title = [Subfield("a", item["title"] + (" :" if item.get("subtitle") else " /"))]
    if item.get("subtitle"):
        title.append(Subfield("b", item["subtitle"] + " /"))
    title.append(Subfield("c", "; ".join(authors) + "."))
    record.add_field(Field(tag="245", indicators=Indicators("1", "0"), subfields=title))
    if item.get("edition"):
        record.add_field(Field(tag="250", indicators=Indicators(" ", " "),
                               subfields=[Subfield("a", item["edition"])]))
    record.add_field(
        Field(tag="264", indicators=Indicators(" ", "1"), subfields=[
            Subfield("a", item["place"] + " :"), Subfield("b", item["publisher"] + ","),
            Subfield("c", year)]),
        Field(tag="300", indicators=Indicators(" ", " "),
              subfields=[Subfield("a", f"{item['pages']} halaman")]),
        Field(tag="520", indicators=Indicators(" ", " "),
              subfields=[Subfield("a", item["summary"])]),
    )
    for subject in item.get("subjects") or []:
        record.add_field(Field(tag="650", indicators=Indicators(" ", "4"),
                               subfields=[Subfield("a", subject)]))
    for other in authors[1:]:
        record.add_field(Field(tag="700", indicators=Indicators("1", " "),
                               subfields=[Subfield("a", other)]))
    return record


def write_marc(path: Path, now: datetime) -> int:
    items = load_catalogue()
    with path.open("wb") as handle:
        for item in items:
            handle.write(marc_record(item, now).as_marc())
    return len(items)


def write_events_csv(path: Path, today) -> int:  # noqa: ANN001 - a date in the library's zone
    events = load_events()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "judul", "tanggal", "jam mulai", "jam selesai", "tempat", "jenis",
                         "pendaftaran", "deskripsi", "kapasitas"])
        for e in events:
            day = today + timedelta(days=int(e["days_ahead"]))
            writer.writerow([e["id"], e["title"], day.isoformat(), e["start"], e["end"],
                             e["location"], "pelatihan" if e["kind"] == "workshop" else "komunitas",
                             e.get("registration_url") or "", e["description"],
                             e.get("capacity") or ""])
    return len(events)


def prepare(folder: Path, sandbox_url: str, port: int) -> dict[str, str]:
    """Write the demo's files and return the environment that points the service at them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("outreach.db", "outreach.db-wal", "outreach.db-shm"):
        (folder / name).unlink(missing_ok=True)
    schedules = folder / "schedules"
    shutil.rmtree(schedules, ignore_errors=True)
    from outreach.config import default_dir

    shutil.copytree(default_dir("schedules"), schedules)
    # Faster than a real library's pace, so the demo shows posts arriving minute by minute.
    # Any minute instead of the slots, no quiet dates, new titles on every platform, and events
    # kept off X so that its first posts are the new titles.
    (schedules / "zz-demo.yaml").write_text(
        "jobs:\n  plan_every_minutes: 1\n  dispatch_every_seconds: 2\n"
        "quiet_dates: []\n"
        "platforms:\n"
        "  x: {every_minutes: 1, max_per_day: 1000, spacing_minutes: 1}\n"
        "  facebook: {every_minutes: 1, max_per_day: 1000, spacing_minutes: 1}\n"
        "  instagram: {every_minutes: 2, max_per_day: 1000, spacing_minutes: 2}\n"
        "acquisitions:\n  platforms: [x, facebook, instagram]\n"
        "workshops:\n  platforms: [facebook, instagram]\n"
        "events:\n  platforms: [facebook, instagram]\n", encoding="utf-8")
    return {
        "OUTREACH_DATABASE_URL": f"sqlite:///{(folder / 'outreach.db').resolve()}",
        "OUTREACH_SCHEDULES_DIR": str(schedules.resolve()),
        "OUTREACH_MEDIA_DIR": str((folder / "media").resolve()),
        "OUTREACH_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        # A fresh key per demo: the demo's database (and its encrypted secrets) is new each time.
        "OUTREACH_SECRET_KEY": secrets.token_urlsafe(32),
        "OUTREACH_X_API_URL": f"{sandbox_url}/x",
        "OUTREACH_GRAPH_API_URL": f"{sandbox_url}/graph",
        "OUTREACH_INSTAGRAM_PRIVATE_API_URL": f"{sandbox_url}/instagram-private",
        # The demo's accounts are connected by signing in on the sandbox's consent pages
        # (demo/signin.py), with a Meta app and an X app as a library registers them.
        "OUTREACH_X_CLIENT_ID": "demo-x-client",
        "OUTREACH_X_CLIENT_SECRET": secrets.token_urlsafe(24),
        "OUTREACH_X_AUTHORIZE_URL": f"{sandbox_url}/x/i/oauth2/authorize",
        "OUTREACH_META_APP_ID": "424242",
        "OUTREACH_META_APP_SECRET": secrets.token_urlsafe(24),
        "OUTREACH_FACEBOOK_DIALOG_URL": f"{sandbox_url}/facebook",
    }


def demo_users(database_url: str) -> str:
    """One user per role, all with one new password (printed by the demo, never stored)."""
    from sqlmodel import Session

    from outreach.db import get_engine
    from outreach.desk.users import create_user

    password = "-".join(secrets.token_hex(2) for _ in range(3))
    with Session(get_engine(database_url)) as session:
        for email, role, name in (("staf@demo.test", "staff", "Staf Humas"),
                                  ("manajer@demo.test", "manager", "Kepala Layanan"),
                                  ("admin@demo.test", "admin", "Admin TI")):
            create_user(session, email, role, password, name=name)
        session.commit()
    return password


def run_demo(host: str, port: int, folder: Path, say: Callable[[str], None] = print) -> None:
    from outreach.sandbox.server import SandboxServer

    sandbox = SandboxServer(seed=2026)
    sandbox.start(host, port + 1)
    env = prepare(folder, sandbox.url, port)
    # Accounts come from signing in (demo/signin.py), never from keys set in this shell.
    for name in ("X_CONSUMER_KEY", "X_CONSUMER_SECRET", "X_ACCESS_TOKEN", "X_ACCESS_TOKEN_SECRET",
                 "FACEBOOK_PAGE_ID", "FACEBOOK_PAGE_TOKEN", "INSTAGRAM_USER_ID",
                 "INSTAGRAM_ACCESS_TOKEN"):
        os.environ.pop(f"OUTREACH_{name}", None)
    os.environ.update(env)

    from outreach.clock import Clock, worker_loop
    from outreach.config import get_settings
    from outreach.db import init_db
    from outreach.sources.importing import run_import

    settings = get_settings()
    init_db(settings.database_url)
    now = datetime.now(UTC)
    marc = folder / "katalog-demo.mrc"
    events = folder / "acara-demo.csv"
    n_titles = write_marc(marc, now)
    n_events = write_events_csv(events, now.astimezone(settings.tz).date())
    for kind, path in (("marc", marc), ("events-csv", events)):
        result = run_import(kind, str(path), database_url=settings.database_url)
        say(f"Imported {path.name}: {result.as_json()}")
    say(f"Demo data: {n_titles} titles, {n_events} events (invented for this demo).")
    from outreach.demo.signin import connect_demo_accounts

    connected = connect_demo_accounts(settings)
    say("Accounts connected by signing in on the sandbox: " + ", ".join(connected) + ".")
    password = demo_users(settings.database_url)
    say(f"Web sign-in password for this demo: {password}")
    say("  users: staf@demo.test, manajer@demo.test, admin@demo.test")

    clock = Clock(settings)
    clock.start()
    stop = threading.Event()
    worker = threading.Thread(target=worker_loop, args=(stop, settings), daemon=True)
    worker.start()
    say(f"Web UI:   http://{host}:{port}/  (health: /healthz)")
    say(f"Sandbox (what was posted): {sandbox.url}/")
    say("The first posts go out within a minute. Stop with Ctrl-C.")
    from outreach.web.app import create_app, serve_web

    try:
        serve_web(create_app(settings), host, port)
    finally:
        stop.set()
        worker.join(timeout=30)
        clock.stop()
        sandbox.stop()
        say("Demo stopped.")
