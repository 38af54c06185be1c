"""The audit log in words: each recorded action (`user.login`) as a short phrase, and the
names in its details (`before.text`) as labels, both Indonesian msgids translated by the .po
catalogues like every other page string. An action or name not listed is shown as recorded."""

from __future__ import annotations

from outreach.web.pages import N_

ACTIONS: dict[str, str] = {
    "account.connect": N_("menyambungkan akun platform"),
    "account.pause": N_("menjeda akun platform"),
    "account.reconnect": N_("menyambungkan ulang akun platform"),
    "account.remove": N_("menghapus akun platform"),
    "account.resume": N_("melanjutkan akun platform"),
    "delivery.cancel": N_("membatalkan kiriman"),
    "delivery.edit": N_("menyunting teks kiriman"),
    "delivery.mark_published": N_("menandai kiriman sudah terbit"),
    "delivery.reschedule": N_("memindahkan jadwal kiriman"),
    "delivery.retry": N_("mencoba lagi kiriman"),
    "feedback.replied": N_("membalas komentar"),
    "feedback.reply_failed": N_("balasan komentar gagal"),
    "media.alt_text": N_("mengubah teks alternatif gambar"),
    "media.keep": N_("menyimpan gambar di pustaka media"),
    "post.approve": N_("menyetujui unggahan"),
    "post.create": N_("menulis unggahan"),
    "post.recompose": N_("menyusun ulang unggahan"),
    "post.reject": N_("menolak dan mengembalikan unggahan"),
    "post.resubmit": N_("mengajukan ulang unggahan"),
    "template.refused": N_("templat ditolak"),
    "template.reset": N_("mengembalikan templat bawaan"),
    "template.save": N_("menyimpan templat"),
    "user.create": N_("membuat pengguna"),
    "user.login": N_("masuk"),
    "user.notifications": N_("mengubah pilihan notifikasi"),
    "user.password_change": N_("mengganti kata sandi"),
    "user.password_reset": N_("mengatur ulang kata sandi"),
    "user.password_reset_requested": N_("meminta tautan atur ulang kata sandi"),
    "user.role": N_("mengubah peran pengguna"),
    "user.sessions_end": N_("mengakhiri semua sesi"),
}

OBJECTS: dict[str, str] = {
    "delivery": N_("kiriman"), "post": N_("unggahan"), "account": N_("akun"),
    "user": N_("pengguna"), "template": N_("templat"), "feedback": N_("masukan"),
    "media": N_("gambar"), "event": N_("acara"), "title": N_("judul"),
}

# Parts of a detail's dotted name ("before.text" -> "sebelumnya → teks").
NAMES: dict[str, str] = {
    "before": N_("sebelumnya"), "after": N_("sesudahnya"), "text": N_("teks"),
    "scheduled_at": N_("waktu terbit"), "role": N_("peran"), "reason": N_("alasan"),
    "platform": N_("platform"), "account": N_("akun"), "name": N_("nama"),
    "email": N_("e-mail"), "status": N_("status"), "alt_text": N_("teks alternatif"),
    "media": N_("gambar"), "link": N_("tautan"), "error": N_("galat"), "ip": N_("alamat IP"),
    "from": N_("dari"), "to": N_("ke"), "count": N_("jumlah"), "kind": N_("jenis"),
}
