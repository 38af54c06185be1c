"""Manager pages: approvals (the rules of outreach.desk.review) and the feedback inbox, through the
real app on a real SQLite file; and an axe-core scan of every manager page in a browser. The
dashboard and reports are in test_web_manager_reports.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from manager_kit import accounts as _accounts
from manager_kit import history as _history
from manager_kit import png as _png
from manager_kit import published as _published
from sqlmodel import select

from outreach.desk.queue import NewPost, create_post, delivery_dict
from outreach.desk.review import (
    NothingWaiting,
    OwnPost,
    Reviewer,
    ReviewError,
    TooLate,
    approval_time,
    approve,
    reject,
)
from outreach.models import Account, AuditLog, Delivery, Feedback, Post, utcnow


# -- helpers ------------------------------------------------------------------------------------
def _queue_post(web, author, *, text="Pameran buku anak Sabtu ini di lantai 2.",
                at: datetime | None = None, images=(), alts=(), review=False,
                platforms=("x", "facebook")) -> int:
    """A staff-written post as the compose page makes it; returns the post id."""
    with web.session() as s:
        made = create_post(s, web.settings, NewPost(
            platforms=list(platforms), text=text, images=list(images), alt_texts=list(alts),
            at=at or utcnow() + timedelta(days=2), review=review, author=author.email,
            author_role=author.role, author_id=author.id))
        return made[0].post_id


def _deliveries(web, post_id) -> list[Delivery]:
    with web.session() as s:
        return list(s.exec(select(Delivery).where(Delivery.post_id == post_id)
                           .order_by(Delivery.id)))


def _audits(web, action) -> list[AuditLog]:
    with web.session() as s:
        return list(s.exec(select(AuditLog).where(AuditLog.action == action)))


# -- approvals ----------------------------------------------------------------------------------
def test_staff_post_waits_for_review_and_a_manager_approves_it(web, tmp_path):
    _accounts(web)
    staff = web.user("staff", name="Rina Staf")
    image = _png(tmp_path)
    when = (utcnow() + timedelta(days=2)).replace(microsecond=0)
    post_id = _queue_post(web, staff, at=when, images=[image],
                          alts=["Sampul buku bergambar anak membaca"])
    assert {d.status for d in _deliveries(web, post_id)} == {"pending_review"}

    manager = web.client("manager")
    page = manager.get("/approvals")
    assert page.status_code == 200
    html = page.text
    assert "Pameran buku anak Sabtu ini di lantai 2." in html
    assert "Rina Staf" in html and "1 unggahan menunggu persetujuan." in html
    assert "X" in html and "Facebook" in html
    # The image is shown with its alt text, served through its media token.
    found = re.search(r'<img src="(/media/[^"]+)" alt="Sampul buku bergambar anak membaca"',
                      html)
    assert found, html
    assert manager.get(found.group(1)).status_code == 200
    # A too-long text or a missing image would be listed; this one keeps the rules.
    assert "Lolos pemeriksaan aturan platform." in html

    done = web.post(manager, f"/approvals/{post_id}/approve", {"at": ""})
    assert done.status_code == 303 and done.headers["location"] == "/approvals"
    rows = _deliveries(web, post_id)
    assert {d.status for d in rows} == {"scheduled"}
    assert all(d.scheduled_at == when and d.next_attempt_at == when for d in rows)
    with web.session() as s:
        post = s.get(Post, post_id)
        assert post.approver_id == manager.user.id and post.approved_at is not None
    (entry,) = _audits(web, "post.approve")
    assert entry.actor == manager.user.email and entry.object_id == str(post_id)
    assert entry.user_id == manager.user.id
    after = manager.get("/approvals").text
    assert "Tidak ada unggahan yang menunggu persetujuan." in after
    assert "disetujui: 2 pengiriman dijadwalkan" in after  # the flash message
    # Approving again: nothing waits any more (someone decided already).
    again = web.post(manager, f"/approvals/{post_id}/approve", {})
    assert again.status_code == 409


def test_a_manager_cannot_approve_or_reject_their_own_post(web):
    _accounts(web)
    author = web.user("manager", name="Bu Manajer")
    own = web.client(user=author)
    post_id = _queue_post(web, author, review=True)  # asked for a second pair of eyes
    page = own.get("/approvals").text
    assert "Anda menulis unggahan ini sendiri" in page
    assert f'action="/approvals/{post_id}/approve"' not in page  # no buttons to press
    for action, data in (("approve", {}), ("reject", {"reason": "Saya ubah pikiran"})):
        refused = web.post(own, f"/approvals/{post_id}/{action}", data)
        assert refused.status_code == 403, action
        assert "manajer lain yang harus menyetujui atau menolaknya" in refused.text
    assert {d.status for d in _deliveries(web, post_id)} == {"pending_review"}
    assert not _audits(web, "post.approve") and not _audits(web, "post.reject")
    # Another manager (here an admin) may decide.
    admin = web.client("admin")
    assert web.post(admin, f"/approvals/{post_id}/approve", {}).status_code == 303
    assert {d.status for d in _deliveries(web, post_id)} == {"scheduled"}


def test_rejecting_needs_a_reason_that_the_author_then_reads(web):
    _accounts(web)
    staff_user = web.user("staff")
    staff = web.client(user=staff_user)
    post_id = _queue_post(web, staff_user, text="Perpustakaan tutup besok.")
    manager = web.client("manager")

    blank = web.post(manager, f"/approvals/{post_id}/reject", {"reason": "   "})
    assert blank.status_code == 400 and "Tuliskan alasan penolakan" in blank.text
    assert {d.status for d in _deliveries(web, post_id)} == {"pending_review"}

    reason = "Tanggalnya salah: tutup hari Senin, bukan besok."
    sent = web.post(manager, f"/approvals/{post_id}/reject", {"reason": reason})
    assert sent.status_code == 303
    rows = _deliveries(web, post_id)
    assert {d.status for d in rows} == {"draft"}
    assert all(reason in d.last_error and d.last_error_kind == "rejected" for d in rows)
    with web.session() as s:
        assert s.get(Post, post_id).review_note == reason
        account = s.get(Account, rows[0].account_id)
    # What the queue (page and `queue --json`) shows for the delivery carries the reason.
    assert reason in delivery_dict(rows[0], account, web.settings)["last_error"]
    (entry,) = _audits(web, "post.reject")
    assert entry.detail["reason"] == reason and entry.user_id == manager.user.id

    mine = staff.get("/approvals/mine")
    assert mine.status_code == 200 and reason in mine.text
    # The author sends it again; the manager sees it with the earlier reason.
    assert web.post(staff, f"/approvals/{post_id}/resubmit", {}).status_code == 303
    assert {d.status for d in _deliveries(web, post_id)} == {"pending_review"}
    queue = manager.get("/approvals").text
    assert "Pernah dikembalikan dengan alasan:" in queue and reason in queue
    # Somebody else's post cannot be resubmitted by a staff member.
    other = web.client("staff")
    reject(_session := web.session(), post_id, Reviewer(manager.user.email, manager.user.id),
           "Masih salah.")
    _session.close()
    assert web.post(other, f"/approvals/{post_id}/resubmit", {}).status_code == 400
    assert {d.status for d in _deliveries(web, post_id)} == {"draft"}


def test_a_late_approval_goes_out_now_but_never_past_the_missed_window(web):
    _accounts(web)
    staff = web.user("staff")
    manager = web.client("manager")
    recent = _queue_post(web, staff, at=utcnow() - timedelta(hours=2))
    old = _queue_post(web, staff, at=utcnow() - timedelta(hours=7))  # window: 6 hours

    before = utcnow()
    assert web.post(manager, f"/approvals/{recent}/approve", {}).status_code == 303
    rows = _deliveries(web, recent)
    assert {d.status for d in rows} == {"scheduled"}
    assert all(before <= d.scheduled_at <= utcnow() for d in rows)
    (entry,) = _audits(web, "post.approve")
    assert len(entry.detail["moved_from"]) == 2  # the original times are kept in the audit

    refused = web.post(manager, f"/approvals/{old}/approve", {})
    assert refused.status_code == 400 and "lebih dari 6 jam" in refused.text
    assert {d.status for d in _deliveries(web, old)} == {"pending_review"}
    # A new time in the library's zone (WITA, UTC+8) is taken as that wall time.
    local = (utcnow() + timedelta(days=1)).astimezone(web.settings.tz).replace(
        second=0, microsecond=0)
    moved = web.post(manager, f"/approvals/{old}/approve",
                     {"at": local.strftime("%Y-%m-%dT%H:%M")})
    assert moved.status_code == 303
    assert {d.scheduled_at for d in _deliveries(web, old)} == {local.astimezone(UTC)}

    third = _queue_post(web, staff, at=utcnow() - timedelta(days=1))
    assert web.post(manager, f"/approvals/{third}/approve", {"now": "1"}).status_code == 303
    assert {d.status for d in _deliveries(web, third)} == {"scheduled"}
    assert web.post(manager, "/approvals/999999/approve", {}).status_code == 404


def test_review_rules_in_the_core(web):
    now = datetime(2026, 11, 7, 1, tzinfo=UTC)
    ahead = now + timedelta(minutes=5)
    assert approval_time(ahead, now, 6) == ahead
    assert approval_time(now - timedelta(hours=6), now, 6) == now
    with pytest.raises(TooLate):
        approval_time(now - timedelta(hours=6, seconds=1), now, 6)

    _accounts(web)
    staff = web.user("staff")
    manager = web.user("manager")
    post_id = _queue_post(web, staff)
    with web.session() as s:
        # The author is recognised by e-mail too (the CLI keeps only that), in any case.
        with pytest.raises(OwnPost):
            approve(s, web.settings, post_id, Reviewer(staff.email.upper()))
        with pytest.raises(ReviewError) as err:
            approve(s, web.settings, post_id, Reviewer(manager.email, manager.id),
                    at=utcnow() - timedelta(hours=1))
        assert err.value.code == "past"
        approve(s, web.settings, post_id, Reviewer(manager.email, manager.id))
        with pytest.raises(NothingWaiting):
            reject(s, post_id, Reviewer(manager.email, manager.id), "terlambat")


def test_staff_cannot_open_the_manager_pages(web):
    staff = web.client("staff")
    for path in ("/approvals", "/dashboard", "/reports", "/reports/export.csv",
                 "/reports/monthly"):
        answer = staff.get(path)
        assert answer.status_code == 403 and "Akses ditolak" in answer.text, path
    assert staff.get("/approvals/mine").status_code == 200


# -- feedback -----------------------------------------------------------------------------------
def test_feedback_inbox_questions_first_filters_and_marking(web):
    ids = _history(web)
    with web.session() as s:
        rows = [Feedback(delivery_id=ids["fb"], platform="facebook", remote_id="c1",
                         author_key="3f9a2c00aa11bb22", author_handle="@rahasia_sekali",
                         text="Mantap, anak saya ikut!", url="https://example.org/c1",
                         created_at=utcnow() - timedelta(hours=1)),
                Feedback(delivery_id=ids["fb"], platform="facebook", remote_id="c2",
                         author_key="77aa00bb11cc22dd", text="Jam berapa pendaftarannya?",
                         is_question=True, url="https://example.org/c2",
                         created_at=utcnow() - timedelta(hours=5)),
                Feedback(delivery_id=ids["ig"], platform="instagram", remote_id="c3",
                         text="Apakah buka hari Minggu?", is_question=True,
                         created_at=utcnow() - timedelta(hours=2))]
        s.add_all(rows)
        s.commit()
        c1, c2, c3 = (r.id for r in rows)
    manager = web.client("manager")
    html = manager.get("/feedback").text
    # Questions first (newest first among them), then the rest.
    order = [html.index(t) for t in ("Apakah buka hari Minggu?", "Jam berapa pendaftarannya?",
                                     "Mantap, anak saya ikut!")]
    assert order == sorted(order)
    assert "Pengguna 3f9a2c" in html and "rahasia_sekali" not in html  # hashed authors only
    assert 'href="https://example.org/c2"' in html

    only_fb = manager.get("/feedback?platform=facebook").text
    assert "Apakah buka hari Minggu?" not in only_fb and "Jam berapa" in only_fb

    marked = web.post(manager, f"/feedback/{c2}/mark",
                      {"status": "answered", "note": "Dijawab di kolom komentar",
                       "next": "/feedback?platform=facebook"})
    assert marked.status_code == 303
    assert marked.headers["location"] == "/feedback?platform=facebook"
    with web.session() as s:
        item = s.get(Feedback, c2)
        assert (item.status, item.handled_by, item.note) == (
            "answered", manager.user.email, "Dijawab di kolom komentar")
        audit = s.exec(select(AuditLog).where(AuditLog.action == "feedback.answered")).one()
        assert audit.user_id == manager.user.id
    unread = manager.get("/feedback").text
    assert "Jam berapa pendaftarannya?" not in unread
    everything = manager.get("/feedback?status=all").text
    assert "Jam berapa pendaftarannya?" in everything and "Dijawab di kolom komentar" in everything
    answered = manager.get("/feedback?status=answered").text
    assert "Jam berapa pendaftarannya?" in answered and "Apakah buka" not in answered

    assert web.post(manager, f"/feedback/{c3}/mark", {"status": "read"}).status_code == 400
    assert web.post(manager, "/feedback/999999/mark", {"status": "answered"}).status_code == 404
    assert manager.get("/feedback?status=read").status_code == 400
    assert c1


# -- in a browser: every manager page passes an axe-core scan -----------------------------------
def test_manager_pages_pass_axe_in_a_browser(live, open_page, tmp_path):
    from browser_kit import axe_check, login

    staff = live.user("staff", name="Rina")
    with live.session() as s:
        create_post(s, live.settings, NewPost(
            platforms=["x", "facebook"], text="Lomba baca puisi, daftar di meja layanan.",
            images=[_png(tmp_path)], alt_texts=["Poster lomba baca puisi"],
            at=utcnow() + timedelta(days=1), author=staff.email, author_role="staff",
            author_id=staff.id))
        accounts = {a.platform: a.id for a in s.exec(select(Account))}
    now = utcnow()
    fb = _published(live, accounts, "facebook", "Lomba mewarnai", now - timedelta(days=2),
                    views=900, reach=700, likes=61, comments=7, shares=5)
    with live.session() as s:
        s.add(Feedback(delivery_id=fb, platform="facebook", remote_id="c1",
                       text="Jam berapa mulai?", is_question=True, author_key="abcdef0123456789",
                       url="https://example.org/c1", created_at=now - timedelta(hours=1)))
        s.commit()
    page = open_page()
    login(page, live.user("manager").email)
    month = f"{now.year}-{now.month:02d}"
    for path in ("/approvals", "/dashboard", "/reports", f"/reports/monthly?month={month}",
                 "/feedback"):
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        axe_check(page, path)
        problems = page.problems.take()
        assert not problems, (path, problems)
