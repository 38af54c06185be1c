""""Lupa kata sandi" against a real SMTP server (aiosmtpd): the link works once and expires
(pinned clock), only its hash is stored, and the whole flow through the web app says nothing
about which addresses have accounts."""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

from mail_kit import wait_for
from sqlmodel import Session, select
from web_kit import PASSWORD, csrf_of

from outreach.config import load_settings
from outreach.db import get_engine
from outreach.desk.users import authenticate, create_user
from outreach.models import AuditLog, OutboxMail, PasswordReset, utcnow
from outreach.notify.outbox import send_due
from outreach.notify.password_reset import request_reset, reset_password, valid_reset

LINK = re.compile(r"http://outreach\.perpustakaan\.test/password/reset/([A-Za-z0-9_-]+)")


def _session(db_url: str) -> Session:
    return Session(get_engine(db_url), expire_on_commit=False)


def _token(mail, address: str) -> str:
    message = mail.to(address)[-1]
    found = LINK.search(mail.body(message))
    assert found, mail.body(message)
    return found.group(1)


def test_reset_link_works_once_expires_and_is_stored_only_hashed(db_url, mail):
    settings = load_settings()
    now = utcnow()
    with _session(db_url) as s:
        create_user(s, "rina@perpustakaan.test", "staff", PASSWORD, name="Rina")
        s.commit()
        row = request_reset(s, settings, "Rina@Perpustakaan.test", "id", now=now)
        assert row is not None and "{secret}" in row.body and row.secret_encrypted
        send_due(s, settings, ids=[row.id], now=now)
    message, = mail.to("rina@perpustakaan.test")
    assert message["Subject"] == "[Perpustakaan Kota Bontang] Atur ulang kata sandi"
    assert "berlaku 60 menit dan hanya dapat dipakai sekali" in mail.body(message)
    token = _token(mail, "rina@perpustakaan.test")
    with _session(db_url) as s:
        stored = s.exec(select(PasswordReset)).one()
        assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
        sent = s.get(OutboxMail, row.id)
        # Once sent, the outbox keeps no usable link: the body has the placeholder only.
        assert sent.status == "sent" and sent.secret_encrypted is None and token not in sent.body
        assert token not in str([a.detail for a in s.exec(select(AuditLog))])
        # The clock: valid until the hour is over.
        assert valid_reset(s, token, now + timedelta(minutes=59)) is not None
        assert valid_reset(s, token, now + timedelta(minutes=61)) is None
        assert reset_password(s, token, "kata-sandi-baru-2026", now + timedelta(minutes=61)) \
            is None
        assert valid_reset(s, token + "x", now) is None and valid_reset(s, "", now) is None
        done = reset_password(s, token, "kata-sandi-baru-2026", now + timedelta(minutes=5))
        assert done is not None and done.email == "rina@perpustakaan.test"
        # Used once: never again.
        assert valid_reset(s, token, now + timedelta(minutes=6)) is None
        assert reset_password(s, token, "kata-sandi-lain-2026", now + timedelta(minutes=6)) \
            is None
        assert authenticate(s, "rina@perpustakaan.test", "kata-sandi-baru-2026") is not None
        assert authenticate(s, "rina@perpustakaan.test", PASSWORD) is None


def test_a_newer_link_makes_the_older_useless_and_unknown_addresses_get_nothing(db_url, mail):
    settings = load_settings()
    with _session(db_url) as s:
        create_user(s, "budi@perpustakaan.test", "staff", PASSWORD)
        gone = create_user(s, "lama@perpustakaan.test", "staff", PASSWORD)
        gone.active = False
        s.commit()
        first = request_reset(s, settings, "budi@perpustakaan.test", "en")
        second = request_reset(s, settings, "budi@perpustakaan.test", "en")
        assert request_reset(s, settings, "siapa@perpustakaan.test", "id") is None
        assert request_reset(s, settings, "lama@perpustakaan.test", "id") is None
        send_due(s, settings, ids=[first.id, second.id])
    assert len(mail.messages) == 2
    assert mail.messages[0]["Subject"] == "[Perpustakaan Kota Bontang] Reset your password"
    older, newer = (LINK.search(mail.body(m)).group(1) for m in mail.messages)
    with _session(db_url) as s:
        assert valid_reset(s, older) is None and valid_reset(s, newer) is not None


def test_forgotten_password_through_the_web_app(mail, web, caplog):
    caplog.set_level(logging.DEBUG)
    rina = web.user("staff", email="rina@perpustakaan.test", name="Rina")
    elsewhere = web.client(user=rina)  # signed in on another computer
    assert elsewhere.get("/").status_code == 200
    browser = web.anonymous()
    login = browser.get("/login")
    assert 'href="/password/forgot"' in login.text and "Lupa kata sandi?" in login.text
    form = browser.get("/password/forgot")
    assert form.status_code == 200 and 'name="email"' in form.text

    asked = browser.post("/password/forgot", data={"email": "rina@perpustakaan.test",
                                                    "csrf_token": csrf_of(form.text)})
    unknown = browser.post("/password/forgot", data={"email": "siapa@perpustakaan.test",
                                                      "csrf_token": csrf_of(form.text)})
    # The same answer, known address or not.
    assert asked.status_code == unknown.status_code == 200
    strip = re.compile(r'name="csrf_token" value="[^"]+"')
    assert strip.sub("", asked.text) == strip.sub("", unknown.text)
    assert "Jika alamat itu terdaftar" in asked.text
    # The mail went out after the answer (a background task), to Rina only.
    assert wait_for(lambda: len(mail.messages) == 1)
    assert mail.envelopes[0][1] == ["rina@perpustakaan.test"]
    token = _token(mail, "rina@perpustakaan.test")

    opened = browser.get(f"/password/reset/{token}")
    assert opened.status_code == 303 and opened.headers["location"] == "/password/reset"
    page = browser.get("/password/reset")
    assert page.status_code == 200 and "rina@perpustakaan.test" in page.text
    assert token not in page.text
    short = browser.post("/password/reset", data={"password": "pendek", "confirm": "pendek",
                                                  "csrf_token": csrf_of(page.text)})
    assert short.status_code == 400 and "minimal 10 karakter" in short.text
    different = browser.post("/password/reset", data={
        "password": "kata-sandi-baru-2026", "confirm": "kata-sandi-lain-2026",
        "csrf_token": csrf_of(page.text)})
    assert different.status_code == 400 and "tidak sama" in different.text
    no_csrf = browser.post("/password/reset", data={"password": "kata-sandi-baru-2026",
                                                    "confirm": "kata-sandi-baru-2026"})
    assert no_csrf.status_code == 403
    done = browser.post("/password/reset", data={
        "password": "kata-sandi-baru-2026", "confirm": "kata-sandi-baru-2026",
        "csrf_token": csrf_of(page.text)})
    assert done.status_code == 303 and done.headers["location"] == "/login"
    assert "Kata sandi baru tersimpan" in browser.get("/login").text
    # The other session has ended; the new password signs in, the old one no more.
    assert elsewhere.get("/").status_code == 303
    assert web.login(web.anonymous(), rina.email, "kata-sandi-baru-2026").status_code == 303
    assert web.login(web.anonymous(), rina.email, PASSWORD).status_code == 401
    # The link is spent.
    again = web.anonymous().get(f"/password/reset/{token}")
    assert again.status_code == 400 and "tidak berlaku lagi" in again.text
    # Nothing of the service's logs the token (the test SMTP server and client log their own).
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("outreach")]
    assert not [line for line in ours if token in line]


def test_reset_requests_are_rate_limited_and_pages_translated(mail, web):
    web.user("staff", email="budi@perpustakaan.test")
    browser = web.anonymous()
    token = csrf_of(browser.get("/login").text)
    browser.post("/lang", data={"lang": "en", "next": "/password/forgot", "csrf_token": token})
    page = browser.get("/password/forgot")
    assert "Send link" in page.text and "Kirim tautan" not in page.text
    answers = [browser.post("/password/forgot", data={"email": "budi@perpustakaan.test",
                                                       "csrf_token": csrf_of(page.text)})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert "Too many requests" in answers[-1].text
    assert wait_for(lambda: len(mail.messages) == 5)
    assert mail.messages[0]["Subject"].endswith("Reset your password")  # the page's language


def test_without_email_the_page_sends_people_to_an_admin(web):
    admin = web.client("admin")
    users = admin.get("/admin/users")
    assert "E-mail mati: OUTREACH_SMTP_HOST belum diatur" in users.text
    page = web.anonymous().get("/password/forgot")
    assert page.status_code == 200 and "Mintalah admin" in page.text and 'name="email"' not in \
        page.text
    browser = web.anonymous()
    answer = browser.post("/password/forgot", data={
        "email": "x@perpustakaan.test", "csrf_token": csrf_of(browser.get("/login").text)})
    assert answer.status_code == 200 and "Mintalah admin" in answer.text


def test_admin_sees_email_on_and_people_choose_their_notifications(mail, web):
    from outreach.models import NotificationPreference

    admin = web.client("admin")
    assert "E-mail aktif: notifikasi dan tautan lupa kata sandi dikirim dari" in \
        admin.get("/admin/users").text
    staff = web.client("staff")
    page = staff.get("/settings/notifications")
    assert page.status_code == 200
    # Staff get only their kinds, ticked by default; never the admins' or managers' ones.
    assert 'name="kind-failed_mine" value="on" checked' in page.text
    assert 'name="kind-failed_all" value="on" checked' in page.text
    assert "kind-accounts" not in page.text and "kind-weekly" not in page.text
    saved = web.post(staff, "/settings/notifications", {"kind-failed_mine": "on",
                                                        "kind-accounts": "on", "language": "en"})
    assert saved.status_code == 303
    with web.session() as s:
        pref = s.get(NotificationPreference, staff.user.id)
        assert pref.kinds == {"failed_mine": True, "failed_all": False} and pref.language == "en"
    again = staff.get("/settings/notifications")
    assert 'name="kind-failed_all" value="on" aria' in again.text  # not checked any more
    assert '<option value="en" lang="en" selected>' in again.text
