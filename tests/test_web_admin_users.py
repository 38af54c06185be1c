"""Admin pages: users (add, role, deactivate, password reset, the last-admin rule) and the
audit log (newest first, filters, pagination in SQL, secret-looking details masked)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from web_kit import PASSWORD

from outreach.models import AuditLog, User
from outreach.web.areas.admin import detail_lines

S = "••••"


def flashes(page) -> str:
    return " ".join(re.findall(r'class="flash flash-\w+"[^>]*>(.*?)</div>', page.text, re.S))


# -- users ------------------------------------------------------------------------------------
def test_add_user_validates_and_never_shows_hashes(web):
    admin = web.client("admin")
    short = web.post(admin, "/admin/users", {"email": "rina@perpustakaan.test", "name": "Rina",
                                             "role": "staff", "password": "pendek"})
    assert short.status_code == 400 and "minimal 10 karakter" in short.text
    assert 'value="rina@perpustakaan.test"' in short.text and "pendek" not in short.text
    bad = web.post(admin, "/admin/users", {"email": "bukan-email", "role": "staff",
                                           "password": "cukup-panjang-1"})
    assert bad.status_code == 400 and "bukan alamat e-mail" in bad.text
    ok = web.post(admin, "/admin/users", {"email": "Rina@Perpustakaan.test", "name": "Rina",
                                          "role": "manager", "password": "kata-sandi-rina-1"})
    assert ok.status_code == 303
    again = web.post(admin, "/admin/users", {"email": "rina@perpustakaan.test", "role": "staff",
                                             "password": "kata-sandi-rina-1"})
    assert again.status_code == 400 and "Sudah ada pengguna" in again.text
    with web.session() as s:
        rina = s.exec(select(User).where(User.email == "rina@perpustakaan.test")).one()
        assert rina.role == "manager"
    page = admin.get("/admin/users")
    assert "rina@perpustakaan.test" in page.text and "$argon2" not in page.text
    assert rina.password_hash not in page.text
    assert web.login(web.anonymous(), rina.email, "kata-sandi-rina-1").status_code == 303


def test_role_change_deactivation_password_reset_and_last_admin_rule(web):
    admin = web.client("admin")
    me = admin.user
    demote = web.post(admin, f"/admin/users/{me.id}", {"action": "role", "role": "staff"})
    assert demote.status_code == 303
    assert "satu-satunya admin aktif" in flashes(admin.get("/admin/users"))
    deactivate = web.post(admin, f"/admin/users/{me.id}", {"action": "deactivate"})
    assert deactivate.status_code == 303
    with web.session() as s:
        row = s.get(User, me.id)
        assert row.role == "admin" and row.active
    staff = web.user("staff")
    web.post(admin, f"/admin/users/{staff.id}", {"action": "role", "role": "admin"})
    web.post(admin, f"/admin/users/{staff.id}", {"action": "password",
                                                 "password": "kata-sandi-baru-99"})
    short = web.post(admin, f"/admin/users/{staff.id}", {"action": "password",
                                                         "password": "123"})
    assert short.status_code == 303
    assert "minimal 10 karakter" in flashes(admin.get("/admin/users"))
    anon = web.anonymous()
    assert web.login(anon, staff.email, PASSWORD).status_code == 401
    assert web.login(anon, staff.email, "kata-sandi-baru-99").status_code == 303
    # Now another admin exists: this one may step down.
    assert web.post(admin, f"/admin/users/{me.id}", {"action": "role",
                                                     "role": "manager"}).status_code == 303
    with web.session() as s:
        assert s.get(User, me.id).role == "manager"
        assert s.get(User, staff.id).role == "admin"
    assert admin.get("/admin/users").status_code == 303  # the role change ended the session
    other = web.anonymous()
    assert web.login(other, staff.email, "kata-sandi-baru-99").status_code == 303
    other.user = staff
    web.post(other, f"/admin/users/{me.id}", {"action": "deactivate"})
    assert web.login(web.anonymous(), me.email).status_code == 401
    web.post(other, f"/admin/users/{me.id}", {"action": "reactivate"})
    assert web.login(web.anonymous(), me.email).status_code == 303
    with web.session() as s:
        actions = {e.action for e in s.exec(select(AuditLog))}
    assert {"user.role", "user.password_reset", "user.deactivate", "user.reactivate"} <= actions


# -- audit log --------------------------------------------------------------------------------
def actions_shown(page: str) -> list[str]:
    """The action column of the audit table, as a person reads it."""
    cells = re.findall(r"<tr>\s*<td>[^<]*</td>\s*<td>[^<]*</td>\s*<td>(.*?)</td>", page, re.S)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in cells]


def test_audit_log_newest_first_filtered_paginated_and_masked(web):
    admin = web.client("admin")
    old = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)  # 12.00 WITA on 1 March
    with web.session() as s:
        for i in range(120):
            s.add(AuditLog(at=old + timedelta(minutes=i), actor="clock", action="plan.run",
                           detail={"n": i}))
        s.add(AuditLog(at=old + timedelta(days=10), actor="kepala@perpustakaan.test",
                       action="account.connect", object_type="account", object_id="7",
                       detail={"platform": "x", "access_token": "tok-very-secret-1",
                               "nested": {"password": "pw-very-secret-2", "ok": True}}))
        s.commit()
    page = admin.get("/admin/audit")
    assert page.status_code == 200
    rows = actions_shown(page.text)
    # Newest first; known actions in words, others as their code.
    assert rows[:3] == ["masuk", "menyambungkan akun platform", "plan.run"]
    assert len(rows) == 50 and "Halaman 1 dari 3" in page.text
    assert "tok-very-secret-1" not in page.text and "pw-very-secret-2" not in page.text
    assert f"access_token:</strong> {S}" in page.text
    assert "nested → ok:</strong> True" in page.text  # a nested name, part by part
    assert "122 catatan" in page.text  # and the admin's sign-in
    third = admin.get("/admin/audit?page=3")
    assert "Halaman 3 dari 3" in third.text
    assert len(actions_shown(third.text)) == 122 - 100
    by_actor = admin.get("/admin/audit?actor=KEPALA")
    assert actions_shown(by_actor.text) == ["menyambungkan akun platform"]
    assert "<code>plan.run</code>" not in by_actor.text
    by_action = admin.get("/admin/audit?action=plan.")
    assert "120 catatan" in by_action.text
    by_day = admin.get("/admin/audit?start=2026-03-11&end=2026-03-11")
    assert actions_shown(by_day.text) == ["menyambungkan akun platform"]
    assert "1 catatan" in by_day.text
    none = admin.get("/admin/audit?start=2026-03-02&end=2026-03-10")
    assert "Tidak ada catatan yang cocok" in none.text
    bad = admin.get("/admin/audit?start=kemarin")
    assert bad.status_code == 200 and "TTTT-BB-HH" in bad.text


def test_detail_lines_mask_secret_looking_keys():
    lines = dict(detail_lines({"platform": "x", "page_token": "abc", "session": {"id": "s"},
                               "fields": ["access_token", "page_id"], "none": None}))
    assert lines == {"platform": "x", "page_token": S, "session": S,
                     "fields": "access_token, page_id", "none": "—"}
