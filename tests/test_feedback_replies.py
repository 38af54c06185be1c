"""Replies from the app to the public's comments, through the real clients (pyfacebook, tweepy)
talking HTTP to the sandbox: Facebook's `POST /{comment-id}/comments`, Instagram's
`POST /{ig-comment-id}/replies` and X's `POST /2/tweets` with `reply.in_reply_to_tweet_id`.
Each reply is kept, audited and marks its comment answered; refusals say why in plain words."""

from __future__ import annotations

import os
from datetime import timedelta

import httpx
import pytest
from engagement_kit import deliveries, fault, seed
from sqlmodel import Session, select

from outreach.config import get_settings, load_settings
from outreach.db import get_engine
from outreach.engagement.replies import ReplyError, send_reply
from outreach.engagement.sync import sync_pass
from outreach.models import AuditLog, Feedback, FeedbackReply

ANSWER = "Bisa, buku ini boleh dipinjam hari Sabtu pukul 08.00–12.00. Salam dari perpustakaan!"


def _session() -> Session:
    return Session(get_engine(get_settings().database_url), expire_on_commit=False)


def _question(platform: str) -> Feedback:
    seed_count = {"x": 3, "facebook": 3, "instagram": 3}[platform]
    return _questions(platform, seed_count)[0]


def _questions(platform: str, n: int) -> list[Feedback]:
    with _session() as s:
        found = list(s.exec(select(Feedback).where(Feedback.platform == platform,
                                                   Feedback.is_question.is_(True))
                            .order_by(Feedback.id)))
    assert found, f"the sandbox made no {platform} question"
    return found


def _synced(sandbox, platform: str) -> None:
    seed(sandbox, platform, 3, age=timedelta(days=2))
    sync_pass(load_settings())


def _audits(action: str) -> list[AuditLog]:
    with _session() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)))


@pytest.mark.parametrize("platform", ["facebook", "instagram", "x"])
def test_a_reply_reaches_the_platform_and_marks_the_question_answered(db_url, sandbox_env,
                                                                      platform):
    _synced(sandbox_env, platform)
    question = _question(platform)
    settings = load_settings()
    with _session() as s:
        reply = send_reply(s, settings, question.id, f"  {ANSWER}  ", "rina@perpustakaan.test")
    assert reply.outcome == "sent" and reply.remote_id and reply.text == ANSWER
    state = sandbox_env.state()
    if platform == "x":
        (made,) = [p for p in state["x"] if p["id"] == reply.remote_id]
        assert made["reply_to"] == question.remote_id and made["text"] == ANSWER
        assert reply.remote_url == f"https://x.com/i/web/status/{reply.remote_id}"
    else:
        (post,) = [p for p in state[platform] if p.get("replies")]
        (made,) = post["replies"]
        assert (made["id"], made["parent"], made["message"]) == (reply.remote_id,
                                                                 question.remote_id, ANSWER)
        delivery = [d for d in deliveries() if d.id == question.delivery_id][0]
        assert post["id"] == delivery.remote_id
    # The sandbox's page shows it under the post.
    page = httpx.get(sandbox_env.url + "/").text
    assert ANSWER in page
    with _session() as s:
        item = s.get(Feedback, question.id)
        assert (item.status, item.handled_by) == ("answered", "rina@perpustakaan.test")
        assert item.handled_at is not None
        kept = s.exec(select(FeedbackReply).where(FeedbackReply.feedback_id == item.id)).one()
        assert kept.actor == "rina@perpustakaan.test"
    (audit,) = _audits("feedback.replied")
    assert audit.object_id == str(question.id) and audit.detail["remote_id"] == reply.remote_id
    # Read back with the comments, our reply is the account's own: not feedback.
    before = len(_questions(platform, 1))
    httpx.post(sandbox_env.url + "/_sandbox/clock", json={"advance": 600}).raise_for_status()
    sync_pass(load_settings())
    with _session() as s:
        assert not s.exec(select(Feedback).where(Feedback.text == ANSWER)).all()
    assert len(_questions(platform, 1)) >= before
    # The same text again (a second press, two people at once) is not sent twice.
    with _session() as s, pytest.raises(ReplyError) as again:
        send_reply(s, settings, question.id, ANSWER, "dewi@perpustakaan.test")
    assert again.value.code == "duplicate"


@pytest.mark.parametrize("platform,permission,token_env", [
    ("facebook", "pages_manage_engagement", "OUTREACH_FACEBOOK_PAGE_TOKEN"),
    ("instagram", "instagram_manage_comments", "OUTREACH_INSTAGRAM_ACCESS_TOKEN")])
def test_a_missing_reply_permission_is_named(db_url, sandbox_env, platform, permission,
                                             token_env):
    _synced(sandbox_env, platform)
    httpx.post(sandbox_env.url + "/_sandbox/permissions",
               json={"token": os.environ[token_env], "lacks": [permission]}).raise_for_status()
    question = _question(platform)
    with _session() as s, pytest.raises(ReplyError) as refused:
        send_reply(s, load_settings(), question.id, ANSWER, "rina@perpustakaan.test")
    assert refused.value.code == "permission" and permission in refused.value.message
    assert refused.value.facts["permission"] == permission
    assert os.environ[token_env] not in refused.value.message
    with _session() as s:
        assert s.get(Feedback, question.id).status == "new"
        assert not s.exec(select(FeedbackReply)).all()
    (audit,) = _audits("feedback.reply_failed")
    assert permission in audit.detail["error"]
    assert not [p for p in sandbox_env.state()[platform] if p.get("replies")]


def test_a_reply_over_the_platform_limit_is_refused_before_any_call(db_url, sandbox_env):
    _synced(sandbox_env, "x")
    question = _question("x")
    calls = sandbox_env.state()["calls"].get("x.create_tweet", 0)
    with _session() as s, pytest.raises(ReplyError) as long:
        send_reply(s, load_settings(), question.id, "Buku " * 60, "rina@perpustakaan.test")
    assert long.value.code == "too_long" and long.value.facts["limit"] == 280
    assert long.value.facts["length"] > 280
    with _session() as s, pytest.raises(ReplyError) as empty:
        send_reply(s, load_settings(), question.id, "   ", "rina@perpustakaan.test")
    assert empty.value.code == "empty"
    assert sandbox_env.state()["calls"].get("x.create_tweet", 0) == calls
    with _session() as s, pytest.raises(ReplyError) as missing:
        send_reply(s, load_settings(), 999_999, ANSWER, "rina@perpustakaan.test")
    assert missing.value.code == "missing"


def test_a_lost_answer_is_kept_as_unknown_and_not_sent_twice(db_url, sandbox_env):
    _synced(sandbox_env, "facebook")
    question = _question("facebook")
    fault(sandbox_env, endpoint="facebook.reply", mode="lost")
    with _session() as s, pytest.raises(ReplyError) as lost:
        send_reply(s, load_settings(), question.id, ANSWER, "rina@perpustakaan.test")
    assert lost.value.code == "unknown"
    with _session() as s:
        (kept,) = s.exec(select(FeedbackReply)).all()
        assert kept.outcome == "unknown" and kept.remote_id is None
        assert s.get(Feedback, question.id).status == "new"  # not known to be answered
    # It did reach the platform; pressing again with the same text is refused.
    assert [p for p in sandbox_env.state()["facebook"] if p.get("replies")]
    with _session() as s, pytest.raises(ReplyError) as again:
        send_reply(s, load_settings(), question.id, ANSWER, "rina@perpustakaan.test")
    assert again.value.code == "duplicate"


def test_a_platform_without_replies_says_so():
    from outreach.platforms import platform_class

    private = platform_class("instagram", "private")
    assert private.can_reply is False
    assert "not supported" in private.reply_problem(ANSWER)
    for name in ("x", "facebook", "instagram"):
        cls = platform_class(name)
        assert cls.can_reply and cls.reply_max and cls.reply_problem(ANSWER) is None
        assert cls.reply_problem("") == "The reply is empty."


def test_replying_from_the_command_line(db_url, sandbox_env):
    from typer.testing import CliRunner

    from outreach.cli import app

    _synced(sandbox_env, "facebook")
    question = _question("facebook")
    runner = CliRunner()
    done = runner.invoke(app, ["feedback", "reply", str(question.id), ANSWER])
    assert done.exit_code == 0, done.output
    assert "Reply sent" in done.output
    with _session() as s:
        assert s.get(Feedback, question.id).handled_by == "cli"
    bad = runner.invoke(app, ["feedback", "reply", str(question.id), ""])
    assert bad.exit_code == 1 and "empty" in bad.output
