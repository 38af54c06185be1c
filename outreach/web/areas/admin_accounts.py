"""Admin: connected platform accounts — health, rate limits, connect (checked against the
platform, stored encrypted, never shown again), pause, resume or reconnect, remove.

The rules live in `outreach.desk.accounts`; this module turns its results into pages and words.
The credential fields come from the platform classes (`credential_fields`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import select

from outreach.desk import accounts as core
from outreach.desk import connect
from outreach.models import Account, Delivery, utcnow
from outreach.platforms import (
    BACKENDS,
    PLATFORMS,
    UnknownPlatform,
    platform_class,
    platform_classes,
    sync_env_accounts,
)
from outreach.platforms.base import ErrorKind, Platform
from outreach.web.auth import DB, Admin, PostedForm
from outreach.web.pages import N_, _, flash, render

router = APIRouter()
FIELD_PREFIX = "cred_"  # form names of credential inputs, apart from the form's own fields

REFUSED = {
    ErrorKind.auth_expired: N_("%(platform)s tidak menerima kredensial ini. Periksa apakah "
                               "semua nilai disalin lengkap dan berasal dari akun dan aplikasi "
                               "yang sama."),
    ErrorKind.rate_limited: N_("%(platform)s sedang membatasi permintaan dari akun atau "
                               "aplikasi ini. Coba lagi beberapa menit lagi."),
    ErrorKind.rejected: N_("%(platform)s menolak pemeriksaan ini. Periksa isiannya (misalnya "
                           "ID harus berupa angka)."),
    ErrorKind.transient: N_("%(platform)s tidak dapat dihubungi atau tidak menjawab dengan "
                            "jelas. Coba lagi nanti."),
}
REFUSED[ErrorKind.unknown_outcome] = REFUSED[ErrorKind.transient]


def _class(platform: str | None, backend: str | None) -> type[Platform] | None:
    if not platform:
        return None
    try:
        return platform_class(platform, backend or None)
    except (UnknownPlatform, NotImplementedError):
        return None


def _options() -> list[dict[str, Any]]:
    return [{"platform": c.name, "backend": c.backend or "", "label": c.label,
             "unofficial": c.unofficial, "alternatives": c.name in BACKENDS}
            for c in platform_classes()]


def _key_missing(request: Request) -> bool:
    key = request.app.state.settings.secret_key
    return key is None or not key.get_secret_value()


def _error_text(request: Request, exc: core.AccountError, cls: type[Platform] | None) -> str:
    """An AccountError in plain words, in the page's language."""
    p = exc.params
    label = cls.label if cls else ""
    code = exc.code
    if code == "missing":
        fields = ", ".join(_(request, f) for f in p["fields"])
        return _(request, "Isian berikut wajib diisi: %(fields)s.", fields=fields)
    if code == "no_secret_key":
        return _(request, "OUTREACH_SECRET_KEY belum diatur di server, jadi kredensial tidak "
                          "dapat disimpan terenkripsi. Tambahkan variabel itu, mulai ulang "
                          "layanan, lalu coba lagi. Tidak ada yang disimpan.")
    if code == "refused":
        text = _(request, REFUSED[ErrorKind(p["kind"])], platform=label)
        said = _(request, "Pesan %(platform)s: %(said)s", platform=label, said=p["message"])
        return f"{text} {said} {_(request, 'Tidak ada yang disimpan.')}"
    if code == "env_account":
        return _(request, "Akun %(name)s diatur lewat variabel lingkungan server; ubah "
                          "kredensialnya di server, bukan di sini.", name=p["name"])
    if code == "other_account":
        return _(request, "Kredensial ini milik akun lain (%(found)s), bukan %(name)s. Untuk "
                          "akun lain, pakai Sambungkan akun. Tidak ada yang disimpan.",
                 found=p["found"], name=p["name"])
    if code == "removed":
        return _(request, "Akun %(name)s sudah dihapus.", name=p["name"])
    if code == "env_missing":
        return _(request, "Variabel lingkungan untuk %(name)s tidak lagi diatur di server; "
                          "atur lagi lalu mulai ulang layanan.", name=p["name"])
    if code == "publishing":
        return _(request, "Akun %(name)s sedang menerbitkan %(n)s kiriman; tunggu sebentar "
                          "lalu coba lagi.", name=p["name"], n=p["n"])
    if code == "busy":
        return _(request, "Akun %(name)s tidak dihapus: masih ada %(n)s kiriman yang menunggu "
                          "(draf, menunggu persetujuan, terjadwal, atau ditahan). Centang "
                          "Batalkan juga kiriman yang menunggu untuk membatalkannya, atau "
                          "jeda akunnya saja.", name=p["name"], n=p["n"])
    return _(request, "Akun %(name)s perlu disambungkan ulang: masukkan kredensial baru.",
             name=p.get("name", ""))


def _get(session: Any, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise HTTPException(status_code=404)
    return account


def _back() -> RedirectResponse:
    return RedirectResponse("/admin/accounts", status_code=303)


@router.get("/admin/accounts")
def accounts_page(request: Request, user: Admin, session: DB) -> Response:
    settings = request.app.state.settings
    sync_env_accounts(session, settings)  # accounts the environment defines get their rows
    session.commit()
    waiting = dict(session.exec(
        select(Delivery.account_id, func.count()).where(Delivery.status.in_(core.WAITING))
        .group_by(Delivery.account_id)).all())
    now = utcnow()
    groups: dict[str, list[dict[str, Any]]] = {name: [] for name in PLATFORMS}
    for a in session.exec(select(Account).order_by(Account.platform, Account.name, Account.id)):
        cls = _class(a.platform, a.backend)
        groups.setdefault(a.platform, []).append({
            "a": a,
            "unofficial": bool(cls and cls.unofficial),
            "shown": core.shown_credentials(a, settings),
            "env": a.source == "env",
            "env_missing": a.source == "env" and cls is not None
            and cls.env_account(settings) is None,
            "removed": a.source == core.REMOVED,
            "limited_until": a.rate_reset_at if a.rate_remaining == 0 and a.rate_reset_at
            and a.rate_reset_at > now else None,
            "waiting": waiting.get(a.id, 0),
            "signin": connect.signin_url(a),
        })
    ending = [{"name": a.name, "ends": connect.access_ends(a)} for a in connect.ending_soon(
        [r["a"] for rows in groups.values() for r in rows if not r["removed"]], now)]
    uris = [connect.redirect_uri(settings, p) for p in ("meta", "x")
            if connect.configured(settings, p)]
    return render(request, "admin_accounts.html", {
        "groups": [(name, rows) for name, rows in groups.items()],
        "options": _options(), "key_missing": _key_missing(request),
        "ending": ending, "redirect_uris": [u for u in uris if u]})


def _form(request: Request, cls: type[Platform] | None, *, account: Account | None = None,
          values: dict[str, str] | None = None, name: str = "", error: str | None = None,
          status_code: int = 200) -> Response:
    return render(request, "admin_account_form.html", {
        "cls": cls, "account": account, "options": _options(), "values": values or {},
        "name": name, "error": error, "prefix": FIELD_PREFIX,
        "key_missing": _key_missing(request)}, status_code=status_code)


@router.get("/admin/accounts/new")
def new_account(request: Request, user: Admin, platform: str = "",
                backend: str = "") -> Response:
    return _form(request, _class(platform, backend))


def _submitted(form: Any, cls: type[Platform]) -> tuple[dict[str, str], str]:
    values = {f.name: str(form.get(FIELD_PREFIX + f.name) or "") for f in cls.credential_fields}
    return values, str(form.get("name") or "").strip()


def _plain_values(cls: type[Platform], values: dict[str, str]) -> dict[str, str]:
    """What a form shown again may keep: never a secret (it is typed again)."""
    return {f.name: values.get(f.name, "") for f in cls.credential_fields if not f.secret}


def _connected_message(request: Request, result: core.Connected) -> str:
    name = result.account.name
    if result.created:
        text = _(request, "Akun %(name)s tersambung; kredensialnya disimpan terenkripsi.",
                 name=name)
    else:
        text = _(request, "Kredensial %(name)s diperbarui dan disimpan terenkripsi.", name=name)
    if result.released:
        text += " " + _(request, "%(n)s kiriman yang ditahan kembali ke antrean.",
                        n=result.released)
    return text


@router.post("/admin/accounts")
def connect_account(request: Request, user: Admin, session: DB, form: PostedForm) -> Response:
    cls = _class(str(form.get("platform") or ""), str(form.get("backend") or ""))
    if cls is None:
        return _form(request, None, error=_(request, "Pilih platform yang akan disambungkan."),
                     status_code=400)
    values, name = _submitted(form, cls)
    try:
        result = core.connect(session, request.app.state.settings, cls, values,
                              actor=user.email, user_id=user.id, name=name)
    except core.AccountError as exc:
        session.rollback()
        return _form(request, cls, values=_plain_values(cls, values), name=name,
                     error=_error_text(request, exc, cls), status_code=400)
    flash(request, _connected_message(request, result), "ok")
    return _back()


@router.get("/admin/accounts/{account_id}/reconnect")
def reconnect_form(request: Request, account_id: int, user: Admin, session: DB) -> Response:
    account = _get(session, account_id)
    cls = _class(account.platform, account.backend)
    if cls is None:
        raise HTTPException(status_code=404)
    if account.source == "env":
        flash(request, _error_text(request, core.AccountError("env_account", name=account.name),
                                   cls), "warn")
        return _back()
    shown = core.shown_credentials(account, request.app.state.settings) or []
    values = {s.field.name: s.value or "" for s in shown if not s.field.secret}
    return _form(request, cls, account=account, values=values, name=account.name)


@router.post("/admin/accounts/{account_id}/reconnect")
def reconnect(request: Request, account_id: int, user: Admin, session: DB,
              form: PostedForm) -> Response:
    account = _get(session, account_id)
    cls = _class(account.platform, account.backend)
    if cls is None:
        raise HTTPException(status_code=404)
    values, name = _submitted(form, cls)
    try:
        result = core.connect(session, request.app.state.settings, cls, values,
                              actor=user.email, user_id=user.id, name=name, account=account)
    except core.AccountError as exc:
        session.rollback()
        return _form(request, cls, account=account, values=_plain_values(cls, values),
                     name=name, error=_error_text(request, exc, cls), status_code=400)
    flash(request, _connected_message(request, result), "ok")
    return _back()


@router.post("/admin/accounts/{account_id}/pause")
def pause(request: Request, account_id: int, user: Admin, session: DB) -> Response:
    account = _get(session, account_id)
    try:
        core.pause(session, account, actor=user.email, user_id=user.id)
    except core.AccountError as exc:
        flash(request, _error_text(request, exc, None), "error")
        return _back()
    flash(request, _(request, "Akun %(name)s dijeda: tidak ada yang diterbitkan lewat akun ini "
                              "sampai dilanjutkan.", name=account.name), "ok")
    return _back()


@router.post("/admin/accounts/{account_id}/resume")
def resume(request: Request, account_id: int, user: Admin, session: DB) -> Response:
    account = _get(session, account_id)
    cls = _class(account.platform, account.backend)
    try:
        released = core.resume(session, request.app.state.settings, account, actor=user.email)
    except core.AccountError as exc:
        if exc.code == "reconnect":
            flash(request, _error_text(request, exc, cls), "warn")
            return RedirectResponse(f"/admin/accounts/{account.id}/reconnect", status_code=303)
        flash(request, _error_text(request, exc, cls), "error")
        return _back()
    text = _(request, "Akun %(name)s aktif lagi.", name=account.name)
    if released:
        text += " " + _(request, "%(n)s kiriman yang ditahan kembali ke antrean.", n=released)
    flash(request, text, "ok")
    return _back()


# What `desk.account_check` found, in the page's language (its English text is for the CLI).
CHECKED = {
    "platform": N_("Platform akun ini tidak dikenal: %(message)s"),
    "credentials": N_("Kredensial akun ini tidak dapat dipakai: %(message)s"),
    "token": N_("Token ditolak. Pesan platform: %(message)s"),
    "other_account": N_("Kredensial ini milik akun lain (%(found)s)."),
    "permissions_unread": N_("Izin token tidak dapat dibaca: %(message)s"),
    "permission": N_("Token tidak memiliki izin %(permission)s."),
    "media_url": N_("Tautan gambar untuk Instagram tidak dapat dibuat: %(message)s"),
    "media_unreachable": N_("Gambar uji di %(url)s tidak dapat dibuka (%(reason)s): Instagram "
                            "juga tidak akan bisa mengambil gambar."),
    "media_type": N_("Gambar uji di %(url)s tidak dikirim sebagai gambar (%(content_type)s)."),
    "local_address": N_("Gambar dapat dibuka dari server ini, tetapi %(host)s adalah alamat "
                        "lokal yang tidak dapat dijangkau Instagram dari internet."),
    "not_checkable": N_("Kredensial platform ini tidak dapat diperiksa langsung."),
}


@router.post("/admin/accounts/{account_id}/check")
def check(request: Request, account_id: int, user: Admin, session: DB) -> Response:
    """The "Periksa" button: the same live check as `outreach accounts check`."""
    from outreach.desk.account_check import check_account

    account = _get(session, account_id)
    result = check_account(request.app.state.settings, account)
    for finding in result.problems:
        flash(request, _(request, CHECKED[finding.code], **finding.params), "error")
    for finding in result.notes:
        flash(request, _(request, CHECKED[finding.code], **finding.params), "warn")
    if result.ok:
        text = _(request, "Akun %(name)s diperiksa: token diterima, izinnya lengkap, dan gambar "
                          "uji dapat dibuka.", name=account.name) if result.media else \
            _(request, "Akun %(name)s diperiksa: token diterima.", name=account.name)
        flash(request, text, "ok")
    return _back()


@router.post("/admin/accounts/{account_id}/remove")
def remove(request: Request, account_id: int, user: Admin, session: DB,
           form: PostedForm) -> Response:
    account = _get(session, account_id)
    name = account.name
    cancel = form.get("cancel_waiting") == "1"
    try:
        cancelled, deleted = core.remove(session, account, cancel=cancel, actor=user.email,
                                         user_id=user.id, settings=request.app.state.settings)
    except core.AccountError as exc:
        flash(request, _error_text(request, exc, None), "error")
        return _back()
    if deleted:
        text = _(request, "Akun %(name)s dihapus.", name=name)
    else:
        text = _(request, "Akun %(name)s dihapus; kredensialnya dilupakan, kiriman yang sudah "
                          "terbit tetap ada di laporan.", name=name)
    if cancelled:
        text += " " + _(request, "%(n)s kiriman yang menunggu dibatalkan.", n=cancelled)
    flash(request, text, "ok")
    return _back()

