"""The common errors a platform answers end as an Indonesian reason on the delivery.

Each case is the platform's documented answer, made by the sandbox's fault injection and read
by the real client library (tweepy for X, pyfacebook for Meta's Graph API) inside the real
dispatcher; the delivery keeps the English sentence (logs and the CLI print it) and a page in
Indonesian says it with no English left but the platform's own quoted words.
"""

from __future__ import annotations

import re

import httpx
import pytest
from markupsafe import Markup, escape
from sqlmodel import Session, select
from test_browser import ENGLISH_WORDS

from outreach.config import get_settings
from outreach.db import get_engine, init_db
from outreach.desk.queue import NewPost, create_post
from outreach.dispatch.dispatcher import run_due
from outreach.models import Account, Delivery, utcnow
from outreach.platforms.reasons import translate

QUOTED = re.compile(r"<q>.*?</q>", re.S)


@pytest.fixture(autouse=True)
def _db(fast_schedule, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'outreach.db'}"
    monkeypatch.setenv("OUTREACH_DATABASE_URL", url)
    init_db(url)


def english_in(text: str) -> list[str]:
    """Sentences that read as English (two English function words, as the page crawl counts
    them), the platform's own quoted words left out."""
    found = []
    for sentence in re.split(r"(?<=[.;:!?])\s+", QUOTED.sub("", text)):
        words = f" {' '.join(re.findall(r'[a-z]+', sentence.lower()))} "
        if sum(f" {w} " in words for w in ENGLISH_WORDS) >= 2:
            found.append(sentence)
    return found


def said(text: str) -> str:
    """The Indonesian a page shows, the platform's words marked as the page's `said` does."""
    return str(translate(text, "id", lambda words: Markup("<q>{}</q>").format(words))
               or escape(text))


def publish_one(sandbox, platform: str, fault: dict | None, text: str = "Buku baru") -> Delivery:
    settings = get_settings()
    with Session(get_engine(settings.database_url), expire_on_commit=False) as session:
        (d,) = create_post(session, settings, NewPost(platforms=[platform], text=text, images=[],
                                                      alt_texts=[], at=utcnow()))
    if fault is not None:
        answer = httpx.post(sandbox.url + "/_sandbox/faults", json=fault)
        assert answer.status_code == 201, answer.text
    run_due()
    with Session(get_engine(settings.database_url)) as session:
        return session.get(Delivery, d.id)


# X's documented answers: https://docs.x.com/x-api/fundamentals/response-codes-and-errors (401
# Unauthorized, 403 Forbidden with the reason in `detail`, 429 Too Many Requests).
X_CASES = {
    "rate limit (429)": ({"mode": "rate_limit", "seconds": 120}, "retry_wait", "Batas panggilan X"),
    "expired token (401)": ({"mode": "status", "status": 401}, "held", "sambungkan ulang"),
    "read-only app (403)": ({"mode": "status", "status": 403, "detail": (
        "Your client app is not configured with the appropriate oauth1 app permissions for "
        "this endpoint.")}, "held", "izin baca dan tulis"),
    "server error (503)": ({"mode": "status", "status": 503}, "retry_wait", "galat server"),
    "other refusal (400)": ({"mode": "status", "status": 400, "detail": "Invalid Request"},
                            "failed", "X menolak permintaan ini"),
}


@pytest.mark.parametrize("case", X_CASES)
def test_x_answers_are_said_in_indonesian(sandbox_env, case):
    fault, status, words = X_CASES[case]
    d = publish_one(sandbox_env, "x", {"endpoint": "x.create_tweet", **fault})
    assert d.status == status, d.last_error
    shown = said(d.last_error)
    assert words in shown and not english_in(shown), (d.last_error, shown)
    assert translate(d.last_error, "en") == d.last_error  # the stored English stays


def test_x_duplicate_text_is_said_in_indonesian(sandbox_env):
    """X's 403 "duplicate content" for the same text twice (the sandbox answers it itself)."""
    assert publish_one(sandbox_env, "x", None, "Teks sama").status == "published"
    d = publish_one(sandbox_env, "x", None, "Teks sama")
    assert d.status == "failed" and d.last_error.startswith("X refuses this post")
    shown = said(d.last_error)
    assert "teks yang persis sama" in shown and not english_in(shown)


def test_x_image_refused_is_said_in_indonesian(sandbox_env, tmp_path):
    from platform_kit import jpeg

    settings = get_settings()
    with Session(get_engine(settings.database_url), expire_on_commit=False) as session:
        (d,) = create_post(session, settings, NewPost(
            platforms=["x"], text="Sampul baru", images=[jpeg(tmp_path)], alt_texts=["Sampul"],
            at=utcnow()))
    httpx.post(sandbox_env.url + "/_sandbox/faults", json={
        "endpoint": "x.media_upload", "mode": "status", "status": 400,
        "detail": "media type unrecognized."})
    run_due()
    with Session(get_engine(settings.database_url)) as session:
        d = session.get(Delivery, d.id)
    assert d.last_error.startswith("Uploading an image failed: X refused the request (400)")
    shown = said(d.last_error)
    assert shown.startswith("Gambar gagal diunggah: X menolak permintaan ini (400)")
    assert "<q>" in shown and not english_in(shown), shown


# Meta's documented codes: https://developers.facebook.com/docs/graph-api/guides/error-handling/
# (#4/#17/#32/#613 throttling, #10 and #200-#299 permissions, #190 with subcodes 463 expired and
# 467 invalid session, #368 temporarily blocked) and #506 "Duplicate status message".
GRAPH_CASES = {
    "app rate limit (#4)": (4, None, "retry_wait", "Batas panggilan Facebook"),
    "user rate limit (#17)": (17, None, "retry_wait", "Batas panggilan Facebook"),
    "page rate limit (#32)": (32, None, "retry_wait", "Batas panggilan Facebook"),
    "custom rate limit (#613)": (613, None, "retry_wait", "Batas panggilan Facebook"),
    "expired token (#190/463)": (190, 463, "held", "sudah kedaluwarsa"),
    "invalid session (#190/467)": (190, 467, "held", "tidak berlaku lagi"),
    "no permission (#10)": (10, None, "held", "tidak punya izin"),
    "no permission (#200)": (200, None, "held", "tidak punya izin"),
    "no permission (#230)": (230, None, "held", "tidak punya izin"),
    "duplicate (#506)": (506, None, "failed", "kiriman ganda"),
    "refused (#100)": (100, None, "failed", "Facebook menolak kiriman ini"),
}


@pytest.mark.parametrize("case", GRAPH_CASES)
def test_graph_answers_are_said_in_indonesian(sandbox_env, case):
    code, subcode, status, words = GRAPH_CASES[case]
    fault = {"endpoint": "facebook.publish_feed", "mode": "status", "status": 400, "code": code}
    if subcode:
        fault["subcode"] = subcode
    d = publish_one(sandbox_env, "facebook", fault)
    assert d.status == status, d.last_error
    shown = said(d.last_error)
    assert words in shown and not english_in(shown), (d.last_error, shown)
    if status == "held":  # the account page says the same reason
        with Session(get_engine(get_settings().database_url)) as session:
            account = session.exec(select(Account).where(Account.platform == "facebook")).one()
        assert not english_in(said(account.health_reason))
