"""The feedback inbox: the public's comments arrive with the engagement sync, questions are
recognised, authors are kept as the privacy setting says, and staff mark what they handled."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from engagement_kit import deliveries, seed
from sqlmodel import Session, select

from outreach.config import get_settings, load_settings
from outreach.db import get_engine
from outreach.engagement.feedback import FeedbackError, counts, inbox, is_question, mark
from outreach.engagement.sync import sync_pass
from outreach.models import AuditLog, Feedback, utcnow
from outreach.sandbox.comments import QUESTIONS, comments_of


def stored() -> list[Feedback]:
    with Session(get_engine(get_settings().database_url)) as session:
        return list(session.exec(select(Feedback).order_by(Feedback.id)))


def sandbox_comments(sandbox, platform: str, metric: str) -> dict[str, list]:
    state = sandbox.sandbox
    with state.lock:
        return {p.id: comments_of(state, p, metric) for (name, _), p in state.posts.items()
                if name == platform}


@pytest.mark.parametrize("platform,metric", [("facebook", "comments"), ("x", "reply_count"),
                                             ("instagram", "comments")])
def test_comments_and_questions_reach_the_inbox(db_url, sandbox_env, monkeypatch, platform,
                                                metric):
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "kunci-rahasia-perpustakaan")
    seed(sandbox_env, platform, 4, age=timedelta(days=2))
    result = sync_pass(load_settings())
    made = sandbox_comments(sandbox_env, platform, metric)
    items = stored()
    assert len(items) == sum(len(c) for c in made.values()) == result.comments > 0
    by_post = {d.id: d.remote_id for d in deliveries()}
    for post_id, comments in made.items():
        mine = [f for f in items if by_post[f.delivery_id] == post_id]
        assert sorted(f.text for f in mine) == sorted(c.text for c in comments)
    questions = [f for f in items if f.is_question]
    assert questions and result.questions == len(questions)
    assert {f.text for f in questions} <= set(QUESTIONS)
    # Private by default: no handle kept, a keyed code instead (the same person, the same code).
    assert all(f.author_handle is None and f.author_key for f in items)
    handles = {c.handle for cs in made.values() for c in cs}
    bare = {hashlib.sha256(h.encode()).hexdigest()[:16] for h in handles}
    assert not bare & {f.author_key for f in items}
    people = {c.author_id for cs in made.values() for c in cs}
    assert len({f.author_key for f in items}) == len(people)
    shown = inbox(Session(get_engine(db_url)), load_settings(), status="new")
    assert shown[0].is_question  # questions first
    assert all(i.author.startswith("Pengguna ") for i in shown)
    assert all(i.url for i in shown)  # where staff go to answer


def test_only_new_comments_are_fetched_later(db_url, sandbox_env):
    seed(sandbox_env, "facebook", 3, age=timedelta(days=1))
    settings = load_settings()
    now = utcnow()
    first = sync_pass(settings, now=now)
    before = len(stored())
    assert [d for d in deliveries() if d.comments_seen]
    # Facebook's comments came with the metrics batch: no call of their own.
    assert first.comment_calls == 0 and "facebook.comments" not in sandbox_env.state()["calls"]
    # A day later on the platform (and here): more comments on some posts.
    import httpx

    httpx.post(sandbox_env.url + "/_sandbox/clock", json={"advance": 2 * 86400}).raise_for_status()
    second = sync_pass(settings, now=now + timedelta(days=2))
    items = stored()
    assert len({(f.platform, f.remote_id) for f in items}) == len(items)  # no duplicates
    made = sandbox_comments(sandbox_env, "facebook", "comments")
    assert len(items) == sum(len(c) for c in made.values()) == before + second.comments
    assert second.comment_calls == 0
    assert all(d.comments_seen == len(made[d.remote_id]) for d in deliveries())


def test_authors_shown_when_the_library_chooses_so(db_url, sandbox_env, monkeypatch):
    monkeypatch.setenv("OUTREACH_FEEDBACK_AUTHORS", "show")
    seed(sandbox_env, "instagram", 2, age=timedelta(days=1))
    sync_pass(load_settings())
    items = stored()
    assert items and all(f.author_handle and f.author_handle.startswith("@") for f in items)
    assert all(f.author_key is None for f in items)  # no secret key: no code either
    shown = inbox(Session(get_engine(db_url)), load_settings())
    assert {i.author for i in shown} == {f.author_handle for f in items}
    # Switching back to "hash" hides handles kept before.
    monkeypatch.setenv("OUTREACH_FEEDBACK_AUTHORS", "hash")
    assert {i.author for i in inbox(Session(get_engine(db_url)), load_settings())} == {"Anonim"}


def test_staff_mark_comments_answered_or_not_relevant(db_url, sandbox_env):
    seed(sandbox_env, "facebook", 3, age=timedelta(days=2))
    sync_pass(load_settings())
    settings = load_settings()
    with Session(get_engine(db_url), expire_on_commit=False) as session:
        before = counts(session)
        question = inbox(session, settings, questions_only=True)[0]
        other = [i for i in inbox(session, settings) if not i.is_question][0]
        mark(session, question.id, "answered", "pustakawan@bontang.go.id",
             note="Dijawab: buka Sabtu 08.00–12.00")
        mark(session, other.id, "not_relevant", "pustakawan@bontang.go.id")
        after = counts(session)
        assert after["answered"] == 1 and after["not_relevant"] == 1
        assert after["new"] == before["new"] - 2
        assert after["open_questions"] == before["open_questions"] - 1
        assert question.id not in [i.id for i in inbox(session, settings)]
        (done,) = inbox(session, settings, status="answered")
        assert done.handled_by == "pustakawan@bontang.go.id" and done.note.startswith("Dijawab")
        assert session.exec(select(AuditLog).where(AuditLog.action == "feedback.answered")).one()
        mark(session, question.id, "new", "pustakawan@bontang.go.id")
        assert counts(session)["answered"] == 0
        with pytest.raises(FeedbackError, match="no comment 999"):
            mark(session, 999, "answered", "x")
        with pytest.raises(FeedbackError, match="Unknown status"):
            mark(session, question.id, "done", "x")


@pytest.mark.parametrize("text,expected", [
    ("Apakah buku ini bisa dipinjam hari Sabtu?", True),
    ("Jam berapa perpustakaan buka", True),
    ("bagaimana cara daftar anggota", True),
    ("@perpusbontang kapan kelasnya dimulai", True),
    ("Mohon info syarat jadi anggota", True),
    ("Is it free", True),
    ("Mantap, terima kasih infonya!", False),
    ("Keren 👍", False),
    ("Apresiasi untuk tim perpustakaan", False),
])
def test_questions_are_recognised(text, expected):
    assert is_question(text) is expected


def test_feedback_from_the_command_line(db_url, sandbox_env):
    import json

    from typer.testing import CliRunner

    from outreach.cli import app

    seed(sandbox_env, "facebook", 3, age=timedelta(days=2))
    runner = CliRunner()
    assert runner.invoke(app, ["sync-engagement", "--once"]).exit_code == 0
    listed = runner.invoke(app, ["feedback", "list", "--questions", "--json"])
    assert listed.exit_code == 0, listed.output
    questions = json.loads(listed.stdout)
    assert questions and all(q["is_question"] and q["status"] == "new" for q in questions)
    first = questions[0]["id"]
    done = runner.invoke(app, ["feedback", "mark", str(first), "answered", "--note", "Dijawab"])
    assert done.exit_code == 0 and "answered" in done.output
    after = json.loads(runner.invoke(app, ["feedback", "list", "--status", "answered",
                                           "--json"]).stdout)
    assert [i["id"] for i in after] == [first] and after[0]["handled_by"] == "cli"
    bad = runner.invoke(app, ["feedback", "mark", str(first), "selesai"])
    assert bad.exit_code == 1 and "Unknown status" in bad.output
