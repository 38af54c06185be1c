"""Each person's e-mail notifications: which kinds they get and in which language.

Only the kinds their role may get are shown (notify/prefs.py); without a choice of their own the
role's default holds, and the page shows it ticked or not accordingly."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from outreach.audit import audit
from outreach.models import NotificationPreference
from outreach.notify import prefs
from outreach.web.auth import DB, PostedForm, Staff
from outreach.web.pages import N_, _, flash, render

router = APIRouter()
LABELS = {
    "accounts": (N_("Akun platform perlu disambungkan ulang atau aksesnya segera berakhir"),
                 N_("Paling lambat 7 hari sebelum akses berakhir; setiap hari selama akun "
                    "bermasalah.")),
    "failed_mine": (N_("Kiriman saya gagal atau terlewat"),
                    N_("Satu surel per putaran, berisi semua kiriman Anda yang baru gagal.")),
    "failed_all": (N_("Kiriman siapa pun gagal atau terlewat"),
                   N_("Untuk staf yang menjaga halaman Perlu tindakan.")),
    "approvals": (N_("Unggahan menunggu persetujuan"),
                  N_("Posting yang ditulis staf dan perlu Anda setujui.")),
    "weekly": (N_("Ringkasan mingguan"),
               N_("Setiap Senin pagi: posting terbit, posting teratas, jumlah interaksi.")),
}


@router.get("/settings/notifications")
def notifications_page(request: Request, user: Staff, session: DB) -> Response:
    settings = request.app.state.settings
    pref = session.get(NotificationPreference, user.id)
    kinds = [{"name": k.name, "label": LABELS[k.name][0], "help": LABELS[k.name][1],
              "on": prefs.wants(user, k.name, pref)} for k in prefs.available(user)]
    return render(request, "notifications.html", {
        "kinds": kinds, "language": pref.language if pref else None,
        "mail_enabled": settings.mail_enabled})


@router.post("/settings/notifications")
def save_notifications(request: Request, user: Staff, session: DB, form: PostedForm) -> Response:
    chosen = {k.name: form.get(f"kind-{k.name}") == "on" for k in prefs.available(user)}
    lang = form.get("language")
    prefs.save(session, user, chosen, lang if isinstance(lang, str) else None)
    audit(session, user.email, "user.notifications", "user", user.id,
          {"kinds": chosen, "language": lang or None}, user_id=user.id)
    session.commit()
    flash(request, _(request, "Pilihan notifikasi tersimpan."), "ok")
    return RedirectResponse("/settings/notifications", status_code=303)
