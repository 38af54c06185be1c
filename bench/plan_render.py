"""Planning and rendering new titles on 3 platforms (X, Facebook, Instagram), each step in a
fresh interpreter with its modules imported before the clock starts. The run prints its table;
nothing measured is kept here.

Render, like for like (goal: the sandboxed render at most 1.5x the bare one):

- bare Jinja2 render: a plain `jinja2.Environment` doing the work `TemplateSet.render` does,
  with the same shortcuts: the same options (StrictUndefined, autoescape off, trim/lstrip
  blocks, no finalize) and filters, each template compiled once, its globals copied to a plain
  dict and the render function called on a context built from them (no ChainMap, no
  generator wrapper), dict keys read before attributes, the same precomputed contexts, the
  output joined and tidied. What it leaves out is the sandbox: the immutable sandbox's checks
  on every attribute, call and operator, the render-time watchdog and the output size bound;
- sandboxed render: `TemplateSet.render` on the same contexts.

Planning, each beside its floor (what any implementation must do, nothing more):

- compose: what planning does per delivery without the database: context (a title's fields
  read once for its 3 platforms), render, fit to the platform, validate;
- floor, dry run: read the titles, build the contexts, render, count X's length;
- plan --dry-run: `planning.plan(dry_run=True)` on SQLite: titles read, slots booked, every
  delivery composed and checked, nothing written;
- floor, written: read the titles, build the contexts, render, insert the posts and
  deliveries (Core executemany) and commit;
- plan: `planning.plan()` end to end, posts and deliveries written and committed, text only;
- X counting: twitter-text's weighted length of the X texts, alone (part of compose);
- image cards: Pillow, per card.

Short steps are run several times, alternating, and the fastest run kept ("best of N" in the
table): a busy spell on a shared machine only ever slows a run down.

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
DICT_ATTRIBUTES = frozenset(dir(dict))


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
    from jinja2.runtime import new_context

    from outreach.compose.templates import environment, template_path, tidy

    class DictKeysFirst(jinja2.Environment):
        """`title.author` on a dict reads the key first, as TemplateSet's environment does
        (plain Jinja2 tries the attribute, raises and catches AttributeError, then the key)."""

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict and attribute not in DICT_ATTRIBUTES:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    contexts = _contexts(int(n))
    env = DictKeysFirst(undefined=jinja2.StrictUndefined, autoescape=False, trim_blocks=True,
                        lstrip_blocks=True, keep_trailing_newline=False)
    env.filters.update(environment().filters)  # the same filters, without the sandbox
    compiled = {}
    for p in PLATFORMS:
        template = env.from_string(template_path("acquisition", p, "id").read_text("utf-8"))
        compiled[p] = (template, dict(template.globals))
    _settle()
    start = time.perf_counter()
    for platform, context in contexts:
        template, globals_ = compiled[platform]
        tidy("".join(template.root_render_func(new_context(
            env, template.name, template.blocks, context, False, globals_))))
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


def floor_written(n: str, folder: str) -> dict[str, Any]:
    """What any plan that writes must do, and nothing more: read the titles, build each
    platform's context, render, insert one post per title and one delivery per platform
    (Core executemany; posts with RETURNING for their ids) and commit. No slots (a time per
    title), fitting, validation or results kept: the floor under the written plan."""
    from sqlalchemy import insert, select
    from sqlmodel import Session

    from outreach.compose.context import title_context, title_fields
    from outreach.compose.templates import TemplateSet
    from outreach.models import Account, Delivery, Post
    from outreach.planning.rows import bulk_rows, insert_rows, no_full_collections
    from outreach.planning.store import new_titles

    engine, settings, _ = _library(int(n), folder)
    targets = _targets(settings)
    templates = TemplateSet(settings)
    for target in targets:
        templates.source("acquisition", target.name, "id")
    with Session(engine) as s:
        account = dict(s.execute(select(Account.platform, Account.id)).all())
    table = Post.__table__
    _settle()
    with no_full_collections():
        start = time.perf_counter()
        with Session(engine) as s:
            posts, deliveries = [], []
            for i, title in enumerate(new_titles(s, settings, NOW)):
                key, when = f"title:{title.id}", NOW + timedelta(minutes=i)
                fields = title_fields(title, settings)
                posts.append({"kind": "acquisition", "subject_key": key, "title_id": title.id,
                              "template": "acquisition", "language": "id",
                              "author": "system"})
                for t in targets:
                    context = title_context(title, settings, t.name, links=t.links,
                                            hashtag_cap=t.hashtag_cap, posted_at=when,
                                            fields=fields)
                    text = templates.render("acquisition", t.name, "id", context)[1]
                    deliveries.append({"account_id": account[t.name], "platform": t.name,
                                       "subject_key": key, "text": text, "scheduled_at": when,
                                       "next_attempt_at": when, "status": "scheduled"})
            ids = dict(s.execute(insert(table).returning(table.c.subject_key, table.c.id),
                                 bulk_rows(Post, posts, NOW)).all())
            for d in deliveries:
                d["post_id"] = ids[d["subject_key"]]
            insert_rows(s, Delivery.__table__, bulk_rows(Delivery, deliveries, NOW))
            s.commit()
        seconds = time.perf_counter() - start
    with Session(engine) as s:
        written = s.query(Delivery).count()
    if written != len(deliveries):
        raise SystemExit(f"built {len(deliveries)} deliveries but wrote {written}")
    return {"seconds": seconds, "records": written}


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


def _best(target: str, *args: str, rounds: int) -> dict[str, Any]:
    runs = [measure(target, *args) for _ in range(rounds)]
    return {**min(runs, key=lambda m: m["seconds"]), "runs": rounds}


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    n = 200 if args.quick else args.titles
    card_count = 3 if args.quick else 200
    rounds = 1 if args.quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        # Alternated, so a busy spell on the machine falls on every side alike.
        bare_runs, sandbox_runs, compose_runs = [], [], []
        for _ in range(rounds):
            bare_runs.append(measure("bench.plan_render:bare", str(n)))
            sandbox_runs.append(measure("bench.plan_render:sandboxed", str(n)))
            compose_runs.append(measure("bench.plan_render:compose", str(n)))

        def best(runs: list[dict[str, Any]]) -> dict[str, Any]:
            return {**min(runs, key=lambda m: m["seconds"]), "runs": len(runs)}

        bare, sandboxed = best(bare_runs), best(sandbox_runs)
        dry_floor = _best("bench.plan_render:floor", str(n), tmp, rounds=rounds)
        written_floor = _best("bench.plan_render:floor_written", str(n), tmp, rounds=rounds)
        steps: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
            ("bare Jinja2 render (same shortcuts, no sandbox)", bare, None),
            ("sandboxed render (TemplateSet)", sandboxed, None),
            ("compose: context+render+fit+validate", best(compose_runs), None),
            ("floor, dry: titles read + contexts + render + X count", dry_floor, None),
            ("plan --dry-run", _best("bench.plan_render:plan_dry", str(n), tmp,
                                     rounds=rounds), dry_floor),
            ("floor, written: titles read + contexts + render + insert", written_floor, None),
            ("plan (posts and deliveries written)", _best("bench.plan_render:plan", str(n), tmp,
                                                          rounds=1), written_floor),
            ("X weighted count alone (part of compose)", _best("bench.plan_render:count_x",
                                                               str(n), rounds=1), None),
            ("image cards (Pillow JPEG)", _best("bench.plan_render:cards", str(card_count), tmp,
                                                rounds=1), None),
        ]
    rows = []
    for name, m, floor_of in steps:
        row: dict[str, Any] = {
            "step": name, "records": m["records"], "seconds": m["seconds"],
            "seconds are": f"best of {m['runs']}" if m["runs"] > 1 else "one run",
            "ms per record": m["seconds"] / m["records"] * 1000 if m["records"] else None,
            "peak RSS MB": m["peak_rss_mb"], "x bare render": None, "x its floor": None,
            "goal": None}
        if name.startswith(("sandboxed", "compose")):
            row["x bare render"] = m["seconds"] / bare["seconds"]
        if floor_of is not None:
            row["x its floor"] = m["seconds"] / floor_of["seconds"]
        if name.startswith("sandboxed") and not args.quick:  # tiny sizes: a smoke test only
            ratio = m["seconds"] / bare["seconds"]
            row["goal"] = f"{'met' if ratio <= GOAL_RATIO else 'missed'} (<= {GOAL_RATIO}x)"
        rows.append(row)
    return rows
