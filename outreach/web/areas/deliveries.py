"""One delivery: its text, images, times and attempts, and what a person may do with it now
(edit the text and alt text, move it to another time; cancel, retry and mark-published are in
inbox.py, shared with the inbox)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from outreach.desk.browse import detail
from outreach.desk.causes import blocked_by_account
from outreach.desk.editing import (
    EditError,
    edit_delivery,
    may_edit,
    schedule_or_default,
    stored_check,
    target_of,
)
from outreach.desk.post_versions import move_post
from outreach.desk.users import role_at_least
from outreach.models import NEEDS_PERSON, DeliveryStatus, Role, utcnow
from outreach.platforms import UnknownPlatform
from outreach.web.areas._staff import local_time, see_other
from outreach.web.auth import DB, PostedForm, Staff
from outreach.web.pages import _, error_lines, error_text, flash, render, request_lang

router = APIRouter()
S = DeliveryStatus
CANCELLABLE_NOT = (S.published, S.publishing, S.cancelled)
RETRYABLE = (*NEEDS_PERSON, S.retry_wait)


def page(request: Request, session: Any, user: Any, delivery_id: int, *,
         errors: dict[str, Any] | None = None, form: dict[str, Any] | None = None,
         status_code: int = 200) -> Response:
    """The delivery page; after a refused change, with what the person typed and why."""
    found = detail(session, delivery_id)
    if found is None:
        raise HTTPException(status_code=404)
    d = found.delivery
    settings = request.app.state.settings
    lang = request_lang(request)
    try:
        check = stored_check(target_of(found.account, settings, schedule_or_default(settings)),
                             d, lang)
    except (UnknownPlatform, NotImplementedError):
        check = None
    editable = may_edit(d, found.post, user.id, user.email, user.role)
    form = form or {}
    return render(request, "delivery_detail.html", {
        "d": d, "account": found.account, "post": found.post, "attempts": found.attempts,
        "media": found.media, "siblings": found.siblings, "check": check,
        "open_siblings": [s for s, _a in found.siblings if s.status not in CANCELLABLE_NOT],
        "editable": editable,
        "waits_for_author": d.status == S.pending_review and not editable,
        "can_cancel": d.status not in CANCELLABLE_NOT,
        # Not while a broken account holds it: reconnecting releases it by itself.
        "can_retry": d.status in RETRYABLE and not blocked_by_account(session, d),
        "can_mark": d.status in NEEDS_PERSON,
        "is_admin": role_at_least(user.role, Role.admin),
        "is_manager": role_at_least(user.role, Role.manager),
        "errors": errors or {},
        "text_value": form.get("text", d.text),
        "alt_values": form.get("alts", [alt for _f, alt, _a in found.media]),
        "at_value": form.get("at"),
        "mark_url": form.get("mark_url") or "",
        "missed_hours": settings.missed_after_hours,
        "next": f"/deliveries/{d.id}",
    }, status_code=status_code)


@router.get("/deliveries/{delivery_id}")
def show(request: Request, delivery_id: int, user: Staff, session: DB) -> Response:
    return page(request, session, user, delivery_id)


@router.post("/deliveries/{delivery_id}/edit")
def edit(request: Request, delivery_id: int, user: Staff, session: DB,
         form: PostedForm) -> Response:
    found = detail(session, delivery_id)
    if found is None:
        raise HTTPException(status_code=404)
    text = str(form.get("text") or "")
    alts = [str(form.get(f"alt_{i}") or "").strip() for i in range(1, len(found.media) + 1)]
    kept = {"text": text, "alts": alts}
    errors: dict[str, Any] = {}
    if not may_edit(found.delivery, found.post, user.id, user.email, user.role):
        errors["edit"] = [_refusal(request, found.delivery.status)]
        return page(request, session, user, delivery_id, errors=errors, form=kept,
                    status_code=409)
    for i, alt in enumerate(alts, 1):
        if not alt:
            errors[f"alt_{i}"] = _(request, "Gambar %(n)s perlu teks alternatif: jelaskan isi "
                                            "gambarnya untuk pembaca tunanetra.", n=i)
    if not text.strip():
        errors["text"] = _(request, "Teks kiriman tidak boleh kosong.")
    changed = False
    if not errors:
        try:
            changed = edit_delivery(session, request.app.state.settings, delivery_id, text,
                                    alts, actor=user.email, user_id=user.id, role=user.role,
                                    locale=request_lang(request))
        except EditError as exc:
            session.rollback()
            errors["edit"] = error_lines(request, exc)
    if errors:
        return page(request, session, user, delivery_id, errors=errors, form=kept,
                    status_code=422)
    flash(request, _(request, "Perubahan kiriman disimpan.") if changed
          else _(request, "Tidak ada yang berubah."))
    return see_other(f"/deliveries/{delivery_id}")


@router.post("/deliveries/{delivery_id}/reschedule")
def move(request: Request, delivery_id: int, user: Staff, session: DB,
         form: PostedForm) -> Response:
    found = detail(session, delivery_id)
    if found is None:
        raise HTTPException(status_code=404)
    raw = str(form.get("at") or "")
    kept = {"at": raw}
    settings = request.app.state.settings
    error = None
    try:
        at = local_time(raw, settings.tz)
    except ValueError:
        at = None
        error = _(request, "Waktu tidak dapat dibaca; pilih tanggal dan jam.")
    if error is None and at is None:
        error = _(request, "Pilih waktu baru.")
    if error is None and at <= utcnow():
        error = _(request, "Waktu itu sudah lewat; pilih waktu yang akan datang.")
    if error is None and not may_edit(found.delivery, found.post, user.id, user.email,
                                      user.role):
        error = _refusal(request, found.delivery.status)
    moved = None
    if error is None:
        # The delivery page moves the whole post unless "only this account" is chosen; a
        # form without the choice (older pages, scripts) moves this delivery alone.
        scope = "all" if form.get("scope") == "all" else "one"
        try:
            moved = move_post(session, delivery_id, at, scope, actor=user.email,
                              user_id=user.id, role=user.role)
        except EditError as exc:  # changed meanwhile (e.g. it went out)
            session.rollback()
            error = error_text(request, exc)
    if error is not None:
        return page(request, session, user, delivery_id, errors={"at": error}, form=kept,
                    status_code=422)
    if moved and len(moved.changed) > 1:
        flash(request, _(request, "Unggahan dijadwalkan ulang di %(n)s akun.",
                         n=len(moved.changed)))
    else:
        flash(request, _(request, "Kiriman dijadwalkan ulang."))
    if moved and moved.refused:
        flash(request, _(request, "%(n)s akun lain tidak dapat dipindahkan (sudah terbit atau "
                                  "menunggu persetujuan orang lain).", n=len(moved.refused)))
    return see_other(f"/deliveries/{delivery_id}")


def _refusal(request: Request, status: str) -> str:
    if status == S.pending_review:
        return _(request, "Kiriman ini menunggu persetujuan; hanya penulisnya atau manajer yang "
                          "dapat mengubahnya.")
    return _(request, "Kiriman dengan status ini tidak dapat diubah lagi.")
