"""Errors the desk raises, and the platforms' own words, through the real app: a page in
Indonesian says them in Indonesian, a page in English in English (the CLI's sentence)."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlmodel import select
from staff_kit import make_delivery, ready_client
from web_kit import Web

from outreach.desk.queue import QueueError, retry
from outreach.models import Account
from outreach.platforms.reasons import reason


def _in(web, client, lang: str):
    client.post("/lang", data={"lang": lang, "next": "/", "csrf_token": web.csrf(client)})
    return client


def _text(response) -> str:
    return " ".join(unescape(response.text).split())


@pytest.mark.parametrize("lang,said,not_said", [
    ("id", "Tidak ada berkas jadwal (*.yaml) di", "No schedule files"),
    ("en", "No schedule files (*.yaml) in", "Tidak ada berkas jadwal"),
])
def test_a_post_the_queue_refuses_is_said_in_the_page_language(sandbox_env, db_url, monkeypatch,
                                                                tmp_path, lang, said, not_said):
    """The composer's form is valid, but the queue cannot load the schedule (an empty folder):
    QueueError's sentence, in the page's language."""
    empty = tmp_path / "no-schedules"
    empty.mkdir()
    monkeypatch.setenv("OUTREACH_SECRET_KEY", "web-test-secret-error-words")
    monkeypatch.setenv("OUTREACH_SCHEDULES_DIR", str(empty))
    web = Web(db_url)
    client = _in(web, ready_client(web, "staff"), lang)
    with web.session() as s:
        account = s.exec(select(Account).where(Account.platform == "x")).first()
    page = web.post(client, "/compose", {"text": "Halo pembaca", "account": [str(account.id)],
                                         "at": "", "action": "submit"})
    assert page.status_code == 422
    assert said in _text(page) and not_said not in _text(page)


@pytest.mark.parametrize("lang,said,not_said", [
    ("id", "terlalu panjang", "too long"), ("en", "too long", "terlalu panjang")])
def test_an_edit_the_desk_refuses_is_said_in_the_page_language(sandbox_env, web, lang, said,
                                                               not_said):
    """A text too long even as an X thread: EditError's problems, in the page's language."""
    d = make_delivery(web, platform="x")
    client = _in(web, ready_client(web, "staff"), lang)
    page = web.post(client, f"/deliveries/{d.id}/edit",
                    {"text": " ".join(f"kata{i}" for i in range(1800))})
    assert page.status_code == 422
    shown = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)</', page.text, re.S)
    assert any(said in unescape(s) for s in shown), shown
    assert not any(not_said in unescape(s) for s in shown), shown


@pytest.mark.parametrize("lang,title,message,status", [
    ("id", "Balasan tidak terkirim", "Komentar atau unggahannya tidak ada lagi di sini.", 404),
    ("en", "The reply was not sent", "The comment or its post is no longer here.", 404),
])
def test_a_reply_to_a_comment_that_is_not_there_is_refused_in_the_page_language(
        web, lang, title, message, status):
    client = _in(web, web.client("staff"), lang)
    page = web.post(client, "/feedback/999999/reply", {"text": "Terima kasih", "next": "/feedback"})
    assert page.status_code == status
    assert title in _text(page) and message in _text(page)


@pytest.mark.parametrize("lang,message,status,fid", [
    ("id", "Status ditebak tidak dikenal.", 400, None),
    ("en", "Unknown status ditebak.", 400, None),
    ("id", "Komentar 999999 tidak ada.", 404, 999999),
    ("en", "Comment 999999 does not exist.", 404, 999999),
])
def test_a_feedback_mark_refused_by_code_is_said_in_the_page_language(web, lang, message,
                                                                     status, fid):
    """FeedbackError says which rule by its code (not by its English text)."""
    client = _in(web, web.client("staff"), lang)
    page = web.post(client, f"/feedback/{fid or 999999}/mark",
                    {"status": "ditebak" if fid is None else "answered", "next": "/feedback"})
    assert page.status_code == status
    assert message in _text(page)


@pytest.mark.parametrize("lang,message", [
    ("id", "Periode tidak dapat dibaca"), ("en", "The period cannot be read")])
def test_a_bad_report_period_is_said_in_the_page_language(web, lang, message):
    client = _in(web, web.client("manager"), lang)
    page = client.get("/reports?start=kemarin&end=2026-11-30")
    assert page.status_code == 400
    assert message in _text(page)
    csv = client.get("/reports/export.csv?start=2026-12-01&end=2026-11-01")
    assert csv.status_code == 400 and message in csv.text


def test_a_refused_retry_is_said_by_the_queue_in_both_languages(web):
    """The web checks the status before it calls the queue, so QueueError reaches a page only
    when the row changed in between: the sentence the page would show, from the desk itself."""
    d = make_delivery(web, status="published")
    with web.session() as s, pytest.raises(QueueError) as caught:
        retry(s, d.id, "staff@perpustakaan.test")
    exc = caught.value
    assert str(exc).startswith(f"Delivery {d.id} is published; only failed, unconfirmed")
    assert exc.said("en") == str(exc)
    assert exc.said("id").startswith(f"Kiriman {d.id} berstatus terbit; hanya kiriman "
                                     "berstatus gagal, belum pasti")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_what_the_platform_said_is_quoted_as_english_on_the_page(web, lang):
    """The platform's own words inside a reason: on an Indonesian page they are marked as
    quoted English (`<q lang="en">`), the rest Indonesian; on an English page plain."""
    said = "You are not allowed to create a Tweet with <duplicate> content."
    d = make_delivery(web, status="failed", last_error_kind="rejected",
                      last_error=reason("x.refused_request", status=403, said=said))
    page = _in(web, web.client("staff"), lang).get(f"/deliveries/{d.id}")
    assert page.status_code == 200
    escaped = "You are not allowed to create a Tweet with &lt;duplicate&gt; content."
    if lang == "id":
        assert f'X menolak permintaan ini (403): <q lang="en">{escaped}</q>' in page.text
    else:
        assert f"X refused the request (403): {escaped}" in page.text
        assert '<q lang="en">' not in page.text
    unknown = make_delivery(web, status="failed", last_error="Something odd happened.")
    page = _in(web, web.client("staff"), lang).get(f"/deliveries/{unknown.id}")
    assert ('<q lang="en">Something odd happened.</q>' in page.text) == (lang == "id")
