"""Planning's Core bulk rows write what the ORM writes for the same values."""

from __future__ import annotations

import gc
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert
from sqlmodel import Session, select

from outreach.db import get_engine, init_db
from outreach.models import Account, Delivery, Post
from outreach.planning.rows import bulk_rows, full_row, insert_rows, no_full_collections, once

NOW = datetime(2026, 11, 30, 0, 30, tzinfo=UTC)


def _columns(d: Delivery) -> dict:
    return {k: v for k, v in d.model_dump().items() if k not in ("id", "subject_key")}


def test_bulk_rows_read_back_like_orm_rows(db_url):
    engine = get_engine(db_url)
    with Session(engine) as s:
        account = Account(platform="x", external_id="1", name="a")
        post = Post(kind="acquisition", subject_key="title:1", created_at=NOW, updated_at=NOW)
        s.add_all([account, post])
        s.commit()
        base = {"account_id": account.id, "post_id": post.id, "platform": "x", "text": "Halo",
                "scheduled_at": NOW + timedelta(hours=1), "status": "scheduled"}
        values = [{**base, "subject_key": "title:1", "link": "https://x.example/1"},
                  {**base, "subject_key": "title:2", "last_error": "Terlalu panjang.",
                   "last_error_kind": "invalid", "media": ["/m/a.jpg"], "alt_text": ["Sampul"]}]
        rows = bulk_rows(Delivery, values, NOW)
        # Columns NULL in every row and without a default are left out; the rest are all there.
        assert "published_at" not in rows[0] and "last_error" in rows[0] and "status" in rows[0]
        assert rows[0].keys() == rows[1].keys()
        s.execute(insert(Delivery.__table__), rows)
        for v in values:
            s.add(Delivery(**{**v, "subject_key": v["subject_key"] + "-orm"}, created_at=NOW,
                           updated_at=NOW))
        s.commit()
        found = {d.subject_key: _columns(d) for d in s.exec(select(Delivery))}
    assert found["title:1"] == found["title:1-orm"]
    assert found["title:2"] == found["title:2-orm"]
    assert found["title:1"]["media"] == [] and found["title:1"]["published_at"] is None


@pytest.mark.parametrize("database", ["db_url", "pg_url"])
def test_insert_rows_writes_what_the_orm_writes(database, request):
    """The fast path applies each column's own processing (UTC times, JSON, enums) once per
    distinct value: repeated, differing and unhashable values must all come back as the ORM's."""
    url = request.getfixturevalue(database)
    init_db(url)
    engine = get_engine(url)
    wita = timezone(timedelta(hours=8))
    with Session(engine) as s:
        account = Account(platform="x", external_id="1", name="a")
        post = Post(kind="acquisition", subject_key="title:1", created_at=NOW, updated_at=NOW)
        s.add_all([account, post])
        s.commit()
        values = []
        for i in range(6):
            values.append({
                "account_id": account.id, "post_id": post.id, "platform": "x",
                "subject_key": f"title:{i}", "text": f"Halo {i % 2}",
                # the same instant in two zones, and distinct ones
                "scheduled_at": (NOW if i < 2 else NOW + timedelta(hours=i)).astimezone(
                    wita if i % 2 else UTC),
                "next_attempt_at": NOW + timedelta(hours=i // 2),
                "status": "scheduled" if i % 3 else "draft",
                "media": [] if i % 2 else ["/m/a.jpg"], "alt_text": [] if i % 2 else ["Sampul"],
                "remote_extra": {} if i < 3 else {"thread": [str(i), "x"]},
                "last_error": None if i % 2 else "Terlalu panjang.", "attempts": i % 2})
        insert_rows(s, Delivery.__table__, bulk_rows(Delivery, values, NOW))
        for v in values:
            s.add(Delivery(**{**v, "subject_key": v["subject_key"] + "-orm"}, created_at=NOW,
                           updated_at=NOW))
        s.commit()
        found = {d.subject_key: _columns(d) for d in s.exec(select(Delivery))}
    for v in values:
        key = v["subject_key"]
        assert found[key] == found[key + "-orm"], key
    assert found["title:4"]["remote_extra"] == {"thread": ["4", "x"]}
    assert found["title:0"]["scheduled_at"] == found["title:1"]["scheduled_at"] == NOW


def test_each_row_has_its_own_default_lists():
    a, b = (full_row(Delivery, {"text": "x"}, NOW) for _ in range(2))
    a["media"].append("/m/a.jpg")
    assert b["media"] == [] and full_row(Delivery, {}, NOW)["remote_extra"] == {}


def test_once_makes_its_value_once():
    made = []
    get = once(lambda: made.append(1) or len(made))
    assert (get(), get(), made) == (1, 1, [1])


def test_no_full_collections_while_planning_then_as_before():
    before = gc.get_threshold()
    with no_full_collections():
        young, middle, oldest = gc.get_threshold()
        assert (young, middle) == before[:2] and oldest > 1000 * before[2]
        with no_full_collections():  # a second run at the same time shares the change
            assert gc.get_threshold()[2] == oldest
        assert gc.get_threshold()[2] == oldest  # ... and the first is still running
    assert gc.get_threshold() == before


def test_no_full_collections_restored_after_an_error_and_across_threads():
    before = gc.get_threshold()
    started, finish = threading.Event(), threading.Event()

    def other() -> None:
        with no_full_collections():
            started.set()
            finish.wait(10)

    thread = threading.Thread(target=other)
    thread.start()
    started.wait(10)
    try:
        with no_full_collections():
            raise RuntimeError("planning failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() != before  # the other run is still going
    finish.set()
    thread.join(10)
    assert gc.get_threshold() == before
