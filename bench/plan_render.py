"""Planning and rendering 10,000 new titles on 3 platforms, beside a bare Jinja2 render of the
same templates (goal from the issue: at most 1.5x). Steps, each in a fresh interpreter, modules
imported before the clock starts:

- bare Jinja2: `jinja2.Environment` (same filters), templates compiled once, 30,000 renders of the
  contexts planning builds (each platform's links and hashtag cap, a posting time);
- sandboxed render: the same renders through `TemplateSet.render` (immutable sandbox, time and
  size bounds, plain-data check, tidy);
- compose: what planning does per delivery without the database: build the context (a title's
  fields read once for its 3 platforms from a `TitleRow`, as planning does), render, fit to the
  platform (X counted the twitter-text way), validate;
- floor: what any plan + render must do and nothing more (read the titles, build the contexts,
  render, count X's length; no slots, fitting, validation or results kept), best of 3;
- plan, dry run: `planning.plan(dry_run=True)` on SQLite, what `outreach plan --dry-run` does
  (query titles, book slots, compose and check every delivery; nothing written), best of 3;
- plan: `planning.plan()` end to end (the same, then 10,000 posts and 30,000 deliveries written
  and committed), text only;
- of which X counting: X's weighted length of the 10,000 X texts, alone (`x_count`: twitter-text's
  rules and URL regex; its emoji regex only for texts with emoji sequences);
- cards: image cards (Pillow), per card.

Measured on 2 cores shared with other work (load average 2-4; Python 3.11, SQLite 3.40), 10,000
titles, seconds and ratio to the bare render of the same run; the render and compose steps are
the best of 3 rounds. First: twitter-text's emoji regex on every X text (~2 ms), Jinja2's
context set-up through a ChainMap on every render, a slot search redoing time zone arithmetic
for every title, ORM bulk inserts (one statement per post on SQLite); the issue's own run of it,
on a quieter machine: 1.52x, 40-54x, 47-68x. Then: X counted without the emoji regex, templates
compiled once, Core inserts. Now:

    step                          first           then            now
    bare Jinja2 render            0.69            0.72            0.63
    sandboxed render              1.26 (1.8x)     0.65 (0.91x)    0.41 (0.64x)   goal met
    compose                       40.7 (59x)      1.63 (2.3x)     0.90 (1.42x)   goal met
    floor (no planning)           -               -               0.87 (1.38x)
    plan, dry run                 -               -               1.77 (2.8x)    goal missed
    plan, written                 67.6 (98x)      6.80 (9.5x)     3.00 (4.7x)    goal missed
    of which X counting           21.4 (31x)      0.48 (0.67x)    0.13 (0.20x)

The floor row is why the goal cannot be met as measured here: reading 10,000 titles, building
their 30,000 contexts, rendering them and counting the X texts, with no planning at all, is
already 1.4-1.5x the bare render of contexts built beforehand (titles 0.12 s, contexts 0.15 s,
render 0.41 s, X counting 0.13 s, the young collections the rest); booking slots, fitting,
validating and keeping the results come on top.

What changed since "then": a dict's keys are read in the sandbox without raising and catching
AttributeError first (bare Jinja2 still does: hence the sandboxed render below 1x); a URL whose
query is plain (planning's OPAC links with UTM tags) is found by twitter-text's regex once per
URL head, not once per post; validation skips the hashtag count when there are no more '#' than
the cap; planning loads titles as Core rows (`TitleRow`) and defers full garbage collections
while it runs (they walked the live rows it holds, ~20% of its time); deliveries are written in
one executemany with each column's processing applied once per distinct value
(`planning/rows.py`, `insert_rows`: the written plan went from 4.6 to 3.4 s); new titles' slot
searches go on from where the previous one stopped (`Booking._next`: booking went from ~0.35 s
to ~0.1 s).

Where the dry run's 1.77 s go (timing each phase in one run): composing (render, fit,
validate) ~0.9 s, more than the same work alone (`compose` above) because the run holds 30,000
results the young collections walk; contexts ~0.15 s, booking ~0.1 s, reading the titles
0.12 s, the planner's own bookkeeping the rest. Writing adds 1.2 s: SQLite's executemany of
30,000 rows into a table with 9 indexes and foreign keys is 0.55 s of it, the posts' RETURNING
insert and the commit most of the rest. The goal's 0.94 s is about what composing alone takes
inside a plan run.

Hardening against hostile templates (operators, filters and string methods bounded, `~`
concatenation bounded, a finalize on every printed value, no constant folding): the same
10,000 titles, best of 3, bare and sandboxed steps alternated, the code before and after on the
same busy machine one after the other: before 0.46 s (0.61x the bare render's 0.77 s), after
0.60 s (0.75x of 0.79 s): goal still met.

    python -m bench plan_render --titles 10000
"""

from __future__ import annotations

import argparse
import gc
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import measure

GOAL_RATIO = 1.5
PLATFORMS = ("x", "facebook", "instagram")
_WORDS = ("sejarah kota bontang laut hutan kalimantan cerita anak rumah pustaka ilmu data "
          "pemrograman jaringan kopi hujan malam bulan petualangan keluarga sekolah").split()
NOW = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--titles", type=int, default=10_000,
                        help="new titles to plan (plan_render; default 10000)")


def _titles(n: int) -> list[Any]:
    import random

    from outreach.models import Title

    rng = random.Random(2026)
    out = []
    for i in range(1, n + 1):
        words = rng.sample(_WORDS, rng.randint(2, 6))
        out.append(Title(
            id=i, source="bench", source_id=str(i), isbn="9786020000001",
            title=" ".join(words).capitalize(), authors=[f"Penulis {i % 97}, Nama"],
            publisher="Penerbit Bontang", place="Bontang", year="2026",
            call_number=f"{rng.randint(0, 999):03d}.{i % 100} PEN", content_hash=str(i),
            summary=" ".join(rng.choice(_WORDS) for _ in range(30)).capitalize() + ".",
            catalogued_at=NOW - timedelta(minutes=i)))
    return out


def _settle() -> None:
    """Move what setup built out of the garbage collector's way: the 30,000 contexts held for the
    render steps would otherwise make every full collection slower, for both sides alike, which
    planning (contexts built and dropped one by one) never sees."""
    gc.collect()
    gc.freeze()


def _targets(settings: Any) -> list[Any]:
    from outreach.compose.fit import Target
    from outreach.platforms import platform_class

    return [Target.of(platform_class(p), settings) for p in PLATFORMS]


def _contexts(n: int) -> list[tuple[str, dict]]:
    """The contexts planning renders: each platform's links and hashtag cap, a posting time."""
    from outreach.compose.context import title_context
    from outreach.config import load_settings

    settings = load_settings(opac_url="https://opac.example.id")
    targets = _targets(settings)
    return [(t.name, title_context(title, settings, t.name, links=t.links,
                                   hashtag_cap=t.hashtag_cap, posted_at=NOW))
            for title in _titles(n) for t in targets]


# --- steps, each run in its own interpreter by measure() ---------------------------------------
def bare(n: str) -> dict[str, Any]:
    import jinja2

    from outreach.compose.templates import environment, template_path

    contexts = _contexts(int(n))
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    env.filters.update(environment().filters)  # the same filters, without the sandbox
    compiled = {p: env.from_string(template_path("acquisition", p, "id").read_text("utf-8"))
                for p in PLATFORMS}
    _settle()
    start = time.perf_counter()
    for platform, context in contexts:
        compiled[platform].render(**context)
    return {"seconds": time.perf_counter() - start, "records": len(contexts)}


def sandboxed(n: str) -> dict[str, Any]:
    from outreach.compose.templates import TemplateSet

    contexts = _contexts(int(n))
    templates = TemplateSet()
    for platform in PLATFORMS:  # read the files before timing, as the bare step compiles them
        templates.source("acquisition", platform, "id")
    _settle()
    start = time.perf_counter()
    for platform, context in contexts:
        templates.render("acquisition", platform, "id", context)
    return {"seconds": time.perf_counter() - start, "records": len(contexts)}


def compose(n: str) -> dict[str, Any]:
    from outreach.compose import build
    from outreach.compose.context import title_context, title_fields, title_row
    from outreach.compose.templates import TemplateSet
    from outreach.config import load_settings

    settings = load_settings(opac_url="https://opac.example.id")
    titles = [title_row(t) for t in _titles(int(n))]  # as planning loads them
    targets = _targets(settings)
    templates = TemplateSet(settings)
    _settle()
    start = time.perf_counter()
    count = 0
    for title in titles:
        fields = title_fields(title, settings)  # as planning: read once for all platforms
        for target in targets:
            context = title_context(title, settings, target.name, links=target.links,
                                    hashtag_cap=target.hashtag_cap, posted_at=NOW,
                                    fields=fields)
            build.compose(templates, "acquisition", target, "id", context)
            count += 1
    return {"seconds": time.perf_counter() - start, "records": count}


def count_x(n: str) -> dict[str, Any]:
    """X's weighted length (twitter-text) of each rendered X text: the part of `compose` that
    belongs to the X platform, measured alone."""
    from outreach.compose.templates import TemplateSet
    from outreach.platforms.x import weighted_length

    templates = TemplateSet()
    texts = [templates.render("acquisition", p, "id", c)[1] for p, c in _contexts(int(n))
             if p == "x"]
    start = time.perf_counter()
    for text in texts:
        weighted_length(text)
    return {"seconds": time.perf_counter() - start, "records": len(texts)}


def _library(n: int, folder: str) -> tuple[Any, Any, Any]:
    """A SQLite library of n new titles and one account per platform: (engine, settings,
    schedule with room for every title)."""
    from sqlalchemy import insert
    from sqlmodel import Session

    from outreach.config import load_settings
    from outreach.db import get_engine, init_db
    from outreach.models import Account, Title
    from outreach.planning.schedule import load_schedule
    from outreach.platforms import platform_classes

    platform_classes()  # imported before the clock, as every other step imports its modules
    url = f"sqlite:///{folder}/plan-{os.getpid()}.db"
    settings = load_settings(database_url=url, opac_url="https://opac.example.id",
                             media_dir=Path(folder) / "media")
    init_db(url)
    engine = get_engine(url)
    with Session(engine) as s:
        s.execute(insert(Title), [t.model_dump() for t in _titles(n)])
        for i, p in enumerate(PLATFORMS):
            s.add(Account(platform=p, external_id=str(i), name=f"bench {p}"))
        s.commit()
    data = load_schedule(settings).model_dump()
    data["horizon_days"] = 6000  # room for every title (Instagram: 2 a day)
    data["acquisitions"]["platforms"] = list(PLATFORMS)
    data["digest"]["platforms"] = []
    return engine, settings, type(load_schedule(settings)).model_validate(data)


def floor(n: str, folder: str) -> dict[str, Any]:
    """What any plan + render must do, and nothing more: read the titles, build each platform's
    context, render, count X's length. No slots, fitting, validation or results kept: the
    floor under the dry run."""
    from sqlmodel import Session

    from outreach.compose.context import title_context, title_fields
    from outreach.compose.templates import TemplateSet
    from outreach.planning.rows import no_full_collections
    from outreach.planning.store import new_titles

    engine, settings, _ = _library(int(n), folder)
    targets = _targets(settings)
    templates = TemplateSet(settings)
    for target in targets:
        templates.source("acquisition", target.name, "id")
    _settle()
    count = 0
    with no_full_collections():
        start = time.perf_counter()
        with Session(engine) as s:
            titles = new_titles(s, settings, NOW)
        for title in titles:
            fields = title_fields(title, settings)
            for t in targets:
                context = title_context(title, settings, t.name, links=t.links,
                                        hashtag_cap=t.hashtag_cap, posted_at=NOW, fields=fields)
                t.count(templates.render("acquisition", t.name, "id", context)[1])
                count += 1
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "records": count}


def plan_dry(n: str, folder: str) -> dict[str, Any]:
    """`outreach plan --dry-run`'s work: titles read, slots booked, every delivery composed and
    checked; nothing written."""
    from sqlmodel import Session

    from outreach.planning.planner import plan as run_plan

    engine, settings, sched = _library(int(n), folder)
    _settle()
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as s:
        result = run_plan(s, settings=settings, schedule=sched, now=NOW, images=False,
                          dry_run=True)
    return {"seconds": time.perf_counter() - start, "records": len(result.planned)}


def plan(n: str, folder: str) -> dict[str, Any]:
    """`outreach plan`: the dry run's work, then 10,000 posts and 30,000 deliveries written."""
    from sqlmodel import Session

    from outreach.models import Delivery
    from outreach.planning.planner import plan as run_plan

    engine, settings, sched = _library(int(n), folder)
    _settle()
    start = time.perf_counter()
    with Session(engine, expire_on_commit=False) as s:
        result = run_plan(s, settings=settings, schedule=sched, now=NOW, images=False)
    seconds = time.perf_counter() - start
    with Session(engine) as s:
        written = s.query(Delivery).count()
    if written != len(result.planned):
        raise SystemExit(f"planned {len(result.planned)} but wrote {written}")
    return {"seconds": seconds, "records": written}


def cards(n: str, folder: str) -> dict[str, Any]:
    from outreach.compose.build import image_bounds, title_image
    from outreach.compose.context import title_dict
    from outreach.compose.fit import Target
    from outreach.config import load_settings
    from outreach.platforms import platform_class

    settings = load_settings(media_dir=Path(folder) / "cards", fetch_covers=False)
    bounds = image_bounds([Target.of(platform_class(p), settings) for p in PLATFORMS])
    titles = [title_dict(t, settings, "instagram", "koleksi-baru") for t in _titles(int(n))]
    start = time.perf_counter()
    for t in titles:
        title_image(t, settings, bounds)
    return {"seconds": time.perf_counter() - start, "records": len(titles)}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    n = 500 if args.quick else args.titles
    card_count = 20 if args.quick else 200
    rounds = 1 if args.quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        # The render and compose steps are short, so a busy spell on the machine skews them
        # most: alternate them and keep the best of a few rounds of each (the same for all
        # three, so the ratios compare like with like).
        bare_runs, sandbox_runs, compose_runs = [], [], []
        for _ in range(rounds):
            bare_runs.append(measure("bench.plan_render:bare", str(n)))
            sandbox_runs.append(measure("bench.plan_render:sandboxed", str(n)))
            compose_runs.append(measure("bench.plan_render:compose", str(n)))
        steps = [
            ("bare Jinja2 render", min(bare_runs, key=lambda m: m["seconds"])),
            ("sandboxed render (TemplateSet)", min(sandbox_runs, key=lambda m: m["seconds"])),
            ("compose: context+render+fit+validate", min(compose_runs,
                                                         key=lambda m: m["seconds"])),
            ("floor: titles read + contexts + render + X count",
             min((measure("bench.plan_render:floor", str(n), tmp) for _ in range(rounds)),
                 key=lambda m: m["seconds"])),
            ("plan + render, dry run (plan --dry-run)",
             min((measure("bench.plan_render:plan_dry", str(n), tmp) for _ in range(rounds)),
                 key=lambda m: m["seconds"])),
            ("plan + render + write posts, deliveries (plan)", measure("bench.plan_render:plan",
                                                                 str(n), tmp)),
            ("of which: X weighted count (x_count)", measure("bench.plan_render:count_x",
                                                                  str(n))),
            ("image cards (Pillow JPEG)", measure("bench.plan_render:cards", str(card_count),
                                                  tmp)),
        ]
    base = steps[0][1]["seconds"]
    rows = []
    for name, m in steps:
        per = m["seconds"] / m["records"] if m["records"] else 0.0
        row = {"step": name, "records": m["records"], "seconds": m["seconds"],
               "ms each": per * 1000, "peak RSS MB": m["peak_rss_mb"], "ratio to bare": "",
               "goal": ""}
        if name.startswith("of which"):
            row["ratio to bare"] = m["seconds"] / base if base else float("nan")
            row["goal"] = "the X platform's counting, not composition"
        elif name.startswith("floor"):
            row["ratio to bare"] = m["seconds"] / base if base else float("nan")
            row["goal"] = "no planning at all: what the goal leaves room for"
        elif not name.startswith("image"):
            ratio = m["seconds"] / base if base else float("nan")
            row["ratio to bare"] = ratio
            if name != "bare Jinja2 render":
                row["goal"] = f"{'met' if ratio <= GOAL_RATIO else 'MISSED'} (<= {GOAL_RATIO}x)"
        rows.append(row)
    return rows
