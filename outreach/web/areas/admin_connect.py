"""Admin: connecting accounts by signing in — "Sambungkan dengan Facebook" (Pages and their
Instagram accounts) and "Sambungkan dengan X" (OAuth 2.0). The flows live in
`outreach.desk.connect`; this module sends the browser to the platform, takes it back, and
words what happened.

Starting a sign-in is a GET link: the CSP's `form-action 'self'` would stop a form's redirect to
the platform's page, and starting one changes nothing but the admin's own pending sign-in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from outreach.desk import connect as core
from outreach.desk.accounts import AccountError
from outreach.web.auth import DB, Admin, PostedForm
from outreach.web.pages import N_, _, flash, render

router = APIRouter()
PROVIDERS = {"x": "X", "meta": "Facebook"}
# What each group of Meta permissions is needed for, in plain words.
NEEDED_FOR = {
    "publish": N_("untuk menerbitkan kiriman di Halaman dan Instagram"),
    "figures": N_("untuk membaca angka jangkauan dan tayangan"),
    "comments": N_("untuk membaca komentar dan balasan"),
    "business": N_("untuk Halaman yang dikelola lewat Business Manager"),
}


def _error_text(request: Request, exc: AccountError) -> str:
    p = exc.params
    label = PROVIDERS.get(p.get("provider", ""), "")
    code = exc.code
    if code == "not_configured":
        names = ("OUTREACH_X_CLIENT_ID" if p["provider"] == "x"
                 else "OUTREACH_META_APP_ID dan OUTREACH_META_APP_SECRET")
        return _(request, "Masuk dengan %(platform)s belum disiapkan: atur %(names)s di server "
                          "(lihat panduan platform).", platform=label, names=names)
    if code == "no_public_url":
        return _(request, "OUTREACH_PUBLIC_BASE_URL belum diatur: platform perlu alamat itu "
                          "untuk mengembalikan Anda ke sini setelah masuk.")
    if code == "no_secret_key":
        return _(request, "OUTREACH_SECRET_KEY belum diatur di server, jadi token tidak dapat "
                          "disimpan terenkripsi. Tidak ada yang disimpan.")
    if code in ("state", "state_expired"):
        return _(request, "Permintaan masuk ini tidak dikenali, sudah dipakai, atau sudah "
                          "kedaluwarsa (10 menit). Tidak ada yang disimpan; mulai lagi dari "
                          "halaman Akun platform.")
    if code == "denied":
        return _(request, "Masuk dengan %(platform)s dibatalkan, jadi tidak ada yang "
                          "disambungkan.", platform=label)
    if code == "missing_permissions":
        parts = [_(request, "%(perms)s (%(why)s)", perms=", ".join(perms),
                   why=_(request, NEEDED_FOR[group])) for group, perms in p["missing"].items()]
        return _(request, "Izin berikut tidak diberikan: %(parts)s. Tanpa izin untuk "
                          "menerbitkan, tidak ada yang disimpan. Masuk lagi dan biarkan izin "
                          "itu tercentang.", parts="; ".join(parts))
    if code == "missing_scopes":
        return _(request, "X tidak memberikan izin berikut: %(perms)s. Tidak ada yang "
                          "disimpan.", perms=", ".join(p["missing"]))
    if code == "no_pages":
        return _(request, "Tidak ada Halaman Facebook yang dipilih saat masuk. Masuk lagi dan "
                          "pilih Halaman perpustakaan.")
    if code == "nothing_chosen":
        return _(request, "Pilih setidaknya satu Halaman atau akun Instagram.")
    if code == "exchange":
        return _(request, "%(platform)s tidak menyelesaikan proses masuk (%(why)s). Tidak ada "
                          "yang disimpan; coba lagi.", platform=label, why=p.get("why", ""))
    if code == "refused":
        return _(request, "Platform menolak pemeriksaan akun: %(said)s Tidak ada yang disimpan.",
                 said=p.get("message", ""))
    if code == "env_account":
        return _(request, "Akun %(name)s diatur lewat variabel lingkungan server.",
                 name=p.get("name", ""))
    if code == "other_account":
        return _(request, "Anda masuk sebagai akun lain (%(found)s), bukan %(name)s. Tidak ada "
                          "yang disimpan.", found=p["found"], name=p["name"])
    return _(request, "Akun tidak dapat disambungkan. Tidak ada yang disimpan.")


def _failed(request: Request, exc: AccountError) -> Response:
    return render(request, "admin_connect.html", {"error": _error_text(request, exc)},
                  status_code=400)


def _connected(request: Request, results: list[Any]) -> str:
    names = ", ".join(r.account.name for r in results)
    text = _(request, "Tersambung: %(names)s. Token disimpan terenkripsi.", names=names)
    released = sum(r.released for r in results)
    if released:
        text += " " + _(request, "%(n)s kiriman yang ditahan kembali ke antrean.", n=released)
    return text


@router.get("/admin/accounts/connect/x")
def start_x(request: Request, user: Admin, account: int | None = None) -> Response:
    try:
        url = core.begin_x(request.app.state.settings, request.session, account)
    except AccountError as exc:
        return _failed(request, exc)
    return RedirectResponse(url, status_code=303)


@router.get("/admin/accounts/connect/x/callback")
def x_callback(request: Request, user: Admin, session: DB) -> Response:
    try:
        result = core.finish_x(session, request.app.state.settings, request.session,
                               dict(request.query_params), actor=user.email, user_id=user.id)
    except AccountError as exc:
        session.rollback()
        return _failed(request, exc)
    flash(request, _connected(request, [result]), "ok")
    return RedirectResponse("/admin/accounts", status_code=303)


@router.get("/admin/accounts/connect/meta")
def start_meta(request: Request, user: Admin) -> Response:
    try:
        url = core.begin_meta(request.app.state.settings, request.session)
    except AccountError as exc:
        return _failed(request, exc)
    return RedirectResponse(url, status_code=303)


@router.get("/admin/accounts/connect/meta/callback")
def meta_callback(request: Request, user: Admin) -> Response:
    try:
        grant = core.finish_meta(request.app.state.settings, request.session,
                                 dict(request.query_params))
    except AccountError as exc:
        return _failed(request, exc)
    missing = [{"perms": ", ".join(perms), "why": NEEDED_FOR[group]}
               for group, perms in grant.missing.items()]
    return render(request, "admin_connect.html", {"grant": grant, "missing": missing,
                                                  "error": None})


@router.post("/admin/accounts/connect/meta/pick")
def meta_pick(request: Request, user: Admin, session: DB, form: PostedForm) -> Response:
    chosen = [str(v) for v in form.getlist("choose")]
    try:
        results = core.connect_meta(session, request.app.state.settings, request.session,
                                    chosen, actor=user.email, user_id=user.id)
    except AccountError as exc:
        session.rollback()
        return _failed(request, exc)
    flash(request, _connected(request, results), "ok")
    return RedirectResponse("/admin/accounts", status_code=303)
