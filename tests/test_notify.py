"""E-mail notifications against a real SMTP server (aiosmtpd, tests/mail_kit.py): each kind
reaches the right people once, in their language; the outbox retries while the server is down;
no secret reaches a mail's stored copy, an error or the log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from outreach.config import load_settings
from outreach.db import get_engine
from outreach.desk.users import create_user
from outreach.models import (
    Account,
    Delivery,
    Notice,
    NotificationPreference,
    OutboxMail,
    Post,
    utcnow,
)
from outreach.notify.gather import notify_pass
from outreach.notify.outbox import MAX_ATTEMPTS, send_due

WITA = ZoneInfo("Asia/Makassar")
# A Sunday: the weekly summary is not due, whatever else is.
SUNDAY = datetime(2026, 12, 6, 10, 0, tzinfo=WITA)


def session(db_url: str) -> Session:
    return Session(get_engine(db_url), expire_on_commit=False)


def people(db_url: str, **roles: str) -> dict[str, int]:
    """name -> user id; e-mail is name@perpustakaan.test."""
    found = {}
    with session(db_url) as s:
        for name, role in roles.items():
            found[name] = create_user(s, f"{name}@perpustakaan.test", role, "kata-sandi-uji-2026",
                                      name=name.capitalize()).id
        s.commit()
    return found


def english(db_url: str, user_id: int) -> None:
    with session(db_url) as s:
        s.add(NotificationPreference(user_id=user_id, language="en"))
        s.commit()


def account(db_url: str, platform: str = "facebook", **fields) -> int:
    with session(db_url) as s:
        a = Account(platform=platform, external_id=f"{platform}-{len(fields)}-{id(fields)}",
                    name=fields.pop("name", f"Perpus {platform}"), **fields)
        s.add(a)
        s.commit()
        return a.id


def delivery(db_url: str, account_id: int, text: str, status: str, *, author: int | None = None,
             when: datetime = SUNDAY, post_id: int | None = None) -> int:
    with session(db_url) as s:
        if post_id is None:
            post = Post(kind="free", text=text, author_id=author,
                        author="system" if author is None else "staff")
            s.add(post)
            s.flush()
            post_id = post.id
        d = Delivery(post_id=post_id, account_id=account_id, platform=s.get(Account,
                     account_id).platform, text=text, scheduled_at=when - timedelta(hours=8),
                     status=status, attempts=1, updated_at=when - timedelta(hours=1))
        s.add(d)
        s.commit()
        return d.id


def test_failed_posts_reach_author_and_desk_once_batched_in_their_language(db_url, mail):
    ids = people(db_url, rina="staff", budi="staff", kepala="manager", admin="admin")
    english(db_url, ids["budi"])
    fb = account(db_url)
    delivery(db_url, fb, "Bedah buku Laskar Pelangi\nSabtu ini", "failed", author=ids["rina"])
    delivery(db_url, fb, "Kelas menulis cerpen", "missed", author=ids["rina"])
    delivery(db_url, fb, "Koleksi baru: Bumi Manusia", "failed")  # planning's, no author
    delivery(db_url, fb, "Sudah terbit", "published", author=ids["rina"])
    old = delivery(db_url, fb, "Gagal dua minggu lalu", "failed",
                   when=SUNDAY - timedelta(days=14))
    settings = load_settings()

    result = notify_pass(settings, now=SUNDAY.astimezone(UTC))
    assert result.queued["failed"] == 2 and len(result.sent.sent) == 2
    # One mail each for the two desk staff (failed_all); the manager and the admin wrote none
    # and do not watch the desk by default.
    assert sorted(r for _f, rcpts in mail.envelopes for r in rcpts) == [
        "budi@perpustakaan.test", "rina@perpustakaan.test"]
    rina, = mail.to("rina@perpustakaan.test")
    assert rina["Subject"] == "[Perpustakaan Kota Bontang] Kiriman gagal atau terlewat (3)"
    assert rina["From"] == "Perpustakaan Kota <outreach@perpustakaan.test>"
    body = mail.body(rina)
    assert body.startswith("Halo Rina,")
    for line in ("Bedah buku Laskar Pelangi", "Kelas menulis cerpen", "Koleksi baru: Bumi Manusia",
                 "Gagal · Facebook · Perpus facebook", "Terlewat · Facebook"):
        assert line in body
    assert body.count("(kiriman Anda)") == 2
    assert "Sudah terbit" not in body and "dua minggu" not in body
    assert "http://outreach.perpustakaan.test/inbox" in body
    budi, = mail.to("budi@perpustakaan.test")
    assert budi["Subject"] == "[Perpustakaan Kota Bontang] Failed or missed platform posts (3)"
    english_body = mail.body(budi)
    assert english_body.startswith("Hello Budi,") and "Failed · Facebook" in english_body
    assert "Kiriman" not in english_body and "(your post)" not in english_body

    # The next pass has no news: nothing more.
    again = notify_pass(settings, now=(SUNDAY + timedelta(minutes=10)).astimezone(UTC))
    assert not any(again.queued.values()) and len(mail.messages) == 2
    # A new failure: one more mail each, listing only it.
    delivery(db_url, fb, "Lomba mewarnai", "failed", author=ids["budi"],
             when=SUNDAY + timedelta(minutes=15))
    notify_pass(settings, now=(SUNDAY + timedelta(minutes=20)).astimezone(UTC))
    assert len(mail.messages) == 4
    latest = mail.to("rina@perpustakaan.test")[-1]
    assert "Lomba mewarnai" in mail.body(latest) and "Bedah buku" not in mail.body(latest)
    assert "(1)" in latest["Subject"]
    assert "(your post)" in mail.body(mail.to("budi@perpustakaan.test")[-1])
    with session(db_url) as s:
        assert not s.exec(select(Notice).where(Notice.key.like(f"failed:d{old}:%"))).all()


def test_preferences_switch_kinds_off_and_on(db_url, mail):
    ids = people(db_url, rina="staff", kepala="manager")
    with session(db_url) as s:
        # Rina wants only her own posts; the manager wants every failure.
        s.add(NotificationPreference(user_id=ids["rina"], kinds={"failed_all": False,
                                                                 "failed_mine": True}))
        s.add(NotificationPreference(user_id=ids["kepala"], kinds={"failed_all": True}))
        s.commit()
    fb = account(db_url)
    delivery(db_url, fb, "Punya Rina", "failed", author=ids["rina"])
    delivery(db_url, fb, "Punya sistem", "failed")
    notify_pass(load_settings(), now=SUNDAY.astimezone(UTC))
    rina, = mail.to("rina@perpustakaan.test")
    assert "Punya Rina" in mail.body(rina) and "Punya sistem" not in mail.body(rina)
    kepala, = mail.to("kepala@perpustakaan.test")
    assert "Punya Rina" in mail.body(kepala) and "Punya sistem" in mail.body(kepala)


def test_accounts_to_reconnect_or_ending_go_to_admins_daily_and_once(db_url, mail):
    ids = people(db_url, admin="admin", admin2="admin", kepala="manager", rina="staff")
    english(db_url, ids["admin2"])
    now = SUNDAY.astimezone(UTC)
    x = account(db_url, "x", name="@perpuskota", health="needs_reconnect",
                health_reason="Token ditolak X.")
    for i in range(3):
        delivery(db_url, x, f"Tertahan {i}", "held")
    account(db_url, "instagram", name="perpus.ig", health="out_of_credits")
    account(db_url, "facebook", name="Halaman Perpus",
            data_access_expires_at=now + timedelta(days=5))
    account(db_url, "facebook", name="Halaman Lain",
            data_access_expires_at=now + timedelta(days=30))  # not yet
    account(db_url, "x", name="@diperbarui", token_expires_at=now + timedelta(hours=1),
            refresh_token_encrypted="x")  # renewed by itself: not news
    settings = load_settings()
    notify_pass(settings, now=now)
    assert sorted(r for _f, rcpts in mail.envelopes for r in rcpts) == [
        "admin2@perpustakaan.test", "admin@perpustakaan.test"]
    admin, = mail.to("admin@perpustakaan.test")
    assert admin["Subject"] == "[Perpustakaan Kota Bontang] Akun platform perlu perhatian (3)"
    body = mail.body(admin)
    assert "@perpuskota (X):" in body and "perlu disambungkan ulang. Token ditolak X." in body
    assert "3 kiriman menunggu akun ini." in body
    assert "perpus.ig (Instagram):" in body and "kredit API habis" in body
    assert "Halaman Perpus (Facebook):" in body and "aksesnya berakhir 11 Des 2026" in body
    assert "Halaman Lain" not in body and "@diperbarui" not in body
    english_body = mail.body(mail.to("admin2@perpustakaan.test")[0])
    assert "needs reconnecting." in english_body and "its access ends 11 Dec 2026" in english_body

    notify_pass(settings, now=now + timedelta(hours=3))  # the same day: nothing new
    assert len(mail.messages) == 2
    mail.clear()
    notify_pass(settings, now=now + timedelta(days=1))  # the next day: a reminder of the broken
    body = mail.body(mail.to("admin@perpustakaan.test")[0])
    assert "@perpuskota" in body and "perpus.ig" in body and "Halaman Perpus" not in body


def test_posts_awaiting_approval_go_to_managers_not_the_author(db_url, mail):
    ids = people(db_url, rina="staff", kepala="manager", wakil="manager", admin="admin")
    fb, x = account(db_url, "facebook"), account(db_url, "x")
    with session(db_url) as s:
        post = Post(kind="free", text="Pameran foto kota lama", author_id=ids["rina"],
                    author="rina@perpustakaan.test")
        own = Post(kind="free", text="Tulisan Pak Wakil", author_id=ids["wakil"],
                   author="wakil@perpustakaan.test")
        s.add_all([post, own])
        s.commit()
    for acc in (fb, x):
        delivery(db_url, acc, "Pameran foto kota lama", "pending_review", post_id=post.id)
    delivery(db_url, fb, "Tulisan Pak Wakil", "pending_review", post_id=own.id)
    settings = load_settings()
    notify_pass(settings, now=SUNDAY.astimezone(UTC))
    assert not mail.to("rina@perpustakaan.test")
    kepala, = mail.to("kepala@perpustakaan.test")
    assert kepala["Subject"].endswith("Unggahan menunggu persetujuan (2)")
    body = mail.body(kepala)
    assert '"Pameran foto kota lama"' in body and "oleh Rina, untuk Facebook, X" in body
    wakil, = mail.to("wakil@perpustakaan.test")
    assert "Pameran foto" in mail.body(wakil) and "Tulisan Pak Wakil" not in mail.body(wakil)
    assert len(mail.to("admin@perpustakaan.test")) == 1
    notify_pass(settings, now=(SUNDAY + timedelta(hours=1)).astimezone(UTC))
    assert len(mail.messages) == 3


def test_weekly_summary_on_monday_morning_once(db_url, mail):
    from manager_kit import accounts as three_accounts
    from manager_kit import published
    from web_kit import Web

    ids = people(db_url, kepala="manager", admin="admin", rina="staff")
    with session(db_url) as s:  # admins get no summary unless they ask for it: this one does
        s.add(NotificationPreference(user_id=ids["admin"], kinds={"weekly": True}, language="en"))
        s.commit()
    web = Web(db_url)
    acc = three_accounts(web)
    monday_6 = datetime(2026, 12, 7, 6, 0, tzinfo=WITA)
    in_week = monday_6 - timedelta(days=3)
    published(web, acc, "facebook", "Bedah buku Ronggeng Dukuh Paruk", in_week.astimezone(UTC),
              likes=40, comments=5, reach=900)
    published(web, acc, "x", "Jam buka libur Natal", in_week.astimezone(UTC), likes=3, views=200)
    published(web, acc, "facebook", "Minggu sebelumnya", (in_week - timedelta(days=7))
              .astimezone(UTC), likes=500, reach=5000)
    settings = load_settings()
    notify_pass(settings, now=monday_6.astimezone(UTC))  # before 07:00: not yet
    assert not mail.messages
    notify_pass(settings, now=(monday_6 + timedelta(hours=1, minutes=5)).astimezone(UTC))
    assert sorted(r for _f, rcpts in mail.envelopes for r in rcpts) == [
        "admin@perpustakaan.test", "kepala@perpustakaan.test"]
    kepala, = mail.to("kepala@perpustakaan.test")
    assert kepala["Subject"] == ("[Perpustakaan Kota Bontang] Ringkasan minggu "
                                 "30 November 2026–6 Desember 2026")
    body = mail.body(kepala)
    assert "Facebook: 1 unggahan terbit, 45 interaksi" in body and "jangkauan 900" in body
    assert "X: 1 unggahan terbit, 3 interaksi" in body and "tayangan 200" in body
    assert '1. "Bedah buku Ronggeng Dukuh Paruk" · Facebook · 45 interaksi' in body
    assert "https://example.org/facebook/" in body and "Minggu sebelumnya" not in body
    english_body = mail.body(mail.to("admin@perpustakaan.test")[0])
    assert "Facebook: 1 posts published, 45 interactions" in english_body
    notify_pass(settings, now=(monday_6 + timedelta(hours=5)).astimezone(UTC))
    assert len(mail.messages) == 2  # once a week


def test_outbox_retries_while_the_server_is_down_and_never_blocks(db_url, smtp_server, mail):
    ids = people(db_url, rina="staff")
    fb = account(db_url)
    delivery(db_url, fb, "Gagal saat server surel mati", "failed", author=ids["rina"])
    smtp_server.stop()
    settings = load_settings()
    now = SUNDAY.astimezone(UTC)
    started = datetime.now(UTC)
    result = notify_pass(settings, now=now)
    assert (datetime.now(UTC) - started).total_seconds() < 5  # refused at once: no long wait
    assert result.queued["failed"] == 1 and not result.sent.sent and len(result.sent.retrying) == 1
    with session(db_url) as s:
        row = s.exec(select(OutboxMail)).one()
        assert row.status == "pending" and row.attempts == 1 and row.next_attempt_at > now
        assert "could not be reached" in row.last_error
    # Not due yet: nothing is tried.
    with session(db_url) as s:
        assert not send_due(s, settings, now=now + timedelta(seconds=30)).retrying
    smtp_server.start()
    with session(db_url) as s:
        later = send_due(s, settings, now=now + timedelta(minutes=2))
    assert len(later.sent) == 1 and len(mail.messages) == 1
    with session(db_url) as s:
        row = s.exec(select(OutboxMail)).one()
        assert row.status == "sent" and row.attempts == 2 and row.last_error is None
    # Sent once: a later pass sends nothing again.
    notify_pass(settings, now=now + timedelta(hours=1))
    assert len(mail.messages) == 1


def test_outbox_gives_up_after_many_attempts_and_on_a_refused_recipient(db_url, smtp_server,
                                                                        mail):
    ids = people(db_url, rina="staff", budi="staff")
    mail.refuse_rcpt.add("budi@perpustakaan.test")
    fb = account(db_url)
    delivery(db_url, fb, "Satu kegagalan", "failed", author=ids["rina"])
    settings = load_settings()
    now = SUNDAY.astimezone(UTC)
    result = notify_pass(settings, now=now)
    assert len(result.sent.sent) == 1 and len(result.sent.failed) == 1
    with session(db_url) as s:
        refused = s.exec(select(OutboxMail).where(
            OutboxMail.to_addr == "budi@perpustakaan.test")).one()
        assert refused.status == "failed" and "550" in refused.last_error
    smtp_server.stop()
    with session(db_url) as s:
        row = OutboxMail(kind="failed", to_addr="rina@perpustakaan.test", subject="s", body="b",
                         message_id="<x@perpustakaan.test>", next_attempt_at=now)
        s.add(row)
        s.commit()
        moment = now
        for _ in range(MAX_ATTEMPTS):
            send_due(s, settings, now=moment, ids=[row.id])
            moment += timedelta(hours=7)
        s.refresh(row)
        assert row.status == "failed" and row.attempts == MAX_ATTEMPTS


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_password_is_used_and_never_stored_or_logged(db_url, monkeypatch, caplog):
    from mail_kit import SMTP_PASSWORD, SMTP_USER, SMTPServer

    server = SMTPServer(auth=True)
    server.start()
    try:
        monkeypatch.setenv("OUTREACH_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("OUTREACH_SMTP_PORT", str(server.port))
        monkeypatch.setenv("OUTREACH_SMTP_STARTTLS", "false")
        monkeypatch.setenv("OUTREACH_SMTP_USERNAME", SMTP_USER)
        monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", "sandi-yang-salah-9912")
        monkeypatch.setenv("OUTREACH_MAIL_FROM", "outreach@perpustakaan.test")
        ids = people(db_url, rina="staff")
        delivery(db_url, account(db_url), "Gagal", "failed", author=ids["rina"])
        caplog.set_level(logging.DEBUG)
        notify_pass(load_settings(), now=SUNDAY.astimezone(UTC))
        assert not server.inbox.messages
        with session(db_url) as s:
            row = s.exec(select(OutboxMail)).one()
        assert row.status == "pending" and "refused the sign-in" in row.last_error
        assert "sandi-yang-salah" not in row.last_error + caplog.text
        monkeypatch.setenv("OUTREACH_SMTP_PASSWORD", SMTP_PASSWORD)  # the admin corrects it
        with session(db_url) as s:
            send_due(s, load_settings(), now=utcnow() + timedelta(hours=1))
        assert len(server.inbox.messages) == 1
        assert server.inbox.auth_attempts[-1] == (SMTP_USER, SMTP_PASSWORD)
        assert SMTP_PASSWORD not in caplog.text
    finally:
        server.stop()


def test_without_smtp_host_nothing_is_queued(db_url):
    ids = people(db_url, rina="staff")
    delivery(db_url, account(db_url), "Gagal", "failed", author=ids["rina"])
    result = notify_pass(load_settings(), now=SUNDAY.astimezone(UTC))
    assert result.enabled is False
    with session(db_url) as s:
        assert not s.exec(select(OutboxMail)).all() and not s.exec(select(Notice)).all()


@pytest.mark.parametrize("env, words", [
    ({"OUTREACH_SMTP_HOST": "smtp.perpustakaan.test"}, "OUTREACH_MAIL_FROM must be set"),
    ({"OUTREACH_SMTP_HOST": "smtp.test", "OUTREACH_MAIL_FROM": "bukan alamat"},
     "OUTREACH_MAIL_FROM='bukan alamat' is not valid"),
    ({"OUTREACH_SMTP_PORT": "70000"}, "OUTREACH_SMTP_PORT='70000' is not valid"),
    ({"OUTREACH_SMTP_PASSWORD": "rahasia-sekali"}, "needs OUTREACH_SMTP_USERNAME"),
])
def test_bad_mail_settings_are_refused_in_plain_words(monkeypatch, env, words):
    from outreach.config import SettingsError

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert words in str(caught.value) and "rahasia-sekali" not in str(caught.value)


def test_notify_cli_runs_one_pass(db_url, mail):
    from typer.testing import CliRunner

    from outreach.cli import app

    ids = people(db_url, rina="staff")
    delivery(db_url, account(db_url), "Gagal lewat perintah", "failed", author=ids["rina"],
             when=utcnow())
    runner = CliRunner()
    done = runner.invoke(app, ["notify", "--once", "--json"])
    assert done.exit_code == 0, done.output
    assert '"failed": 1' in done.output and '"sent": 1' in done.output
    assert len(mail.to("rina@perpustakaan.test")) == 1
    assert runner.invoke(app, ["notify"]).exit_code == 2  # without --once: how to use it


def test_notify_cli_says_when_email_is_off(db_url):
    from typer.testing import CliRunner

    from outreach.cli import app

    done = CliRunner().invoke(app, ["notify", "--once"])
    assert done.exit_code == 1 and "OUTREACH_SMTP_HOST" in done.output


def test_the_clock_notifies_only_as_leader_and_sends_queued_mail(db_url, mail):
    from outreach.clock import Clock
    from outreach.notify.outbox import enqueue

    ids = people(db_url, rina="staff")
    delivery(db_url, account(db_url), "Gagal, dilihat jam", "failed", author=ids["rina"],
             when=utcnow())
    clock = Clock(load_settings())
    clock._notify()  # not the leader: another clock does it
    assert not mail.messages
    clock.leader = True
    clock._notify()
    assert len(mail.to("rina@perpustakaan.test")) == 1
    with session(db_url) as s:  # e.g. a reset link the web queued and could not send
        enqueue(s, clock.settings, kind="reset", to="rina@perpustakaan.test", subject="Uji",
                body="Isi", user_id=ids["rina"])
        s.commit()
    clock._send_mail()
    assert [m["Subject"] for m in mail.to("rina@perpustakaan.test")][-1] == "Uji"
