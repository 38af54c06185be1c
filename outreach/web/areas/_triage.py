"""What a bulk action or a calendar move did, in plain words: how many it acted on, and for each
one it left alone, why (the desk's `Skip` codes worded in the page's language)."""

from __future__ import annotations

from babel.dates import format_date, format_time
from fastapi import Request

from outreach.desk.moves import Outcome, Skip
from outreach.web.pages import N_, _, request_lang

STATUS_WORDS = {
    "draft": N_("Draf"), "pending_review": N_("Menunggu persetujuan"),
    "scheduled": N_("Terjadwal"), "publishing": N_("Sedang diterbitkan"),
    "retry_wait": N_("Menunggu dicoba lagi"), "published": N_("Terbit"),
    "unconfirmed": N_("Belum pasti"), "failed": N_("Gagal"), "held": N_("Ditahan"),
    "missed": N_("Terlewat"), "cancelled": N_("Dibatalkan"),
}
DONE = {
    "move": N_("%(n)s kiriman dipindahkan."),
    "cancel": N_("%(n)s kiriman dibatalkan."),
    "approve": N_("%(n)s kiriman disetujui dan dijadwalkan."),
    "retry": N_("%(n)s kiriman dijadwalkan untuk dicoba lagi sekarang."),
}
NONE_DONE = {
    "move": N_("Tidak ada kiriman yang dipindahkan."),
    "cancel": N_("Tidak ada kiriman yang dibatalkan."),
    "approve": N_("Tidak ada kiriman yang disetujui."),
    "retry": N_("Tidak ada kiriman yang dicoba lagi."),
}
SHOWN = 8  # reasons named one by one; the rest are counted


def reason(request: Request, skip: Skip) -> str:
    """Why one delivery was left as it was, as one short sentence."""
    lang = request_lang(request)
    tz = request.app.state.settings.tz
    f = skip.facts

    def day() -> str:
        return format_date(f["day"], "long", locale=lang)

    status = _(request, STATUS_WORDS.get(f.get("status", ""), f.get("status", "")))
    words = {
        "missing": lambda: _(request, "kiriman ini tidak ada lagi"),
        "status": lambda: _(request, "statusnya \u201c%(s)s\u201d, tidak dapat diubah lagi",
                            s=status),
        "review_locked": lambda: _(request, "menunggu persetujuan; hanya penulisnya atau "
                                            "manajer yang dapat mengubahnya"),
        "past": lambda: _(request, "waktu itu sudah lewat"),
        "same_day": lambda: _(request, "kiriman ini sudah pada hari itu"),
        "quiet": lambda: (_(request, "%(d)s adalah hari tanpa unggahan (%(name)s)", d=day(),
                            name=f["name"]) if f.get("name")
                          else _(request, "%(d)s adalah hari tanpa unggahan", d=day())),
        "full": lambda: _(request, "akun ini sudah punya %(n)s kiriman pada %(d)s, batas "
                                   "hariannya", n=f["max"], d=day()),
        "spacing": lambda: _(request, "akun ini sudah punya kiriman pukul %(t)s; jarak antar "
                                      "kiriman paling sedikit %(m)s menit",
                             t=format_time(f["near"], "HH.mm", tzinfo=tz, locale=lang),
                             m=f["minutes"]),
        "no_room": lambda: _(request, "tidak ada lagi waktu pada %(d)s dengan jarak %(m)s "
                                      "menit dari kiriman lain akun ini", d=day(),
                             m=f["minutes"]),
        "not_waiting": lambda: _(request, "tidak sedang menunggu persetujuan (statusnya "
                                          "\u201c%(s)s\u201d)", s=status),
        "own_post": lambda: _(request, "Anda menulisnya sendiri; manajer lain yang harus "
                                       "menyetujuinya"),
        "account": lambda: _(request, "akunnya belum dipulihkan; kiriman berjalan lagi sendiri "
                                      "setelah akun disambungkan ulang"),
        "too_late": lambda: _(request, "waktu terbitnya sudah lama lewat; pilih waktu baru di "
                                       "halaman persetujuan"),
    }
    found = words.get(skip.code)
    return found() if found else _(request, "tidak dapat dilakukan")


def summary(request: Request, action: str, outcome: Outcome) -> list[tuple[str, str]]:
    """(flash kind, text) pairs: what was done, then what was skipped and why."""
    out = []
    if outcome.done:
        out.append(("ok", _(request, DONE[action], n=len(outcome.done))))
    elif not outcome.skipped:
        out.append(("warn", _(request, NONE_DONE[action])))
    if outcome.skipped:
        parts = [_(request, "#%(id)s: %(why)s", id=s.id, why=reason(request, s))
                 for s in outcome.skipped[:SHOWN]]
        rest = len(outcome.skipped) - SHOWN
        if rest > 0:
            parts.append(_(request, "dan %(n)s lainnya", n=rest))
        out.append(("warn", _(request, "%(n)s kiriman dilewati \u2014 %(list)s.",
                              n=len(outcome.skipped), list="; ".join(parts))))
    return out
