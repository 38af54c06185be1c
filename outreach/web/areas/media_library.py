"""The media library page: the images staff keep (thumbnail, alt text, how many posts use each,
who uploaded it and when), an upload form, and editing an image's alt text. The composer offers
the same images under "Pilih dari pustaka media" (compose.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlmodel import select
from starlette.datastructures import UploadFile

from outreach.desk.media_library import MAX_ALT, LibraryError, keep, library, set_alt
from outreach.models import MediaAsset
from outreach.web.areas._staff import page_number, query, see_other
from outreach.web.areas.compose import _read_upload
from outreach.web.auth import DB, PostedForm, Staff
from outreach.web.pages import _, flash, render

router = APIRouter()
PER_PAGE = 24


def _page_number(request: Request) -> int:
    return page_number(request.query_params.get("page"))


def library_page(request: Request, session: Any, *, errors: dict[str, str] | None = None,
                 form: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    page = _page_number(request)
    items, more = library(session, page=page, per_page=PER_PAGE)
    return render(request, "media_library.html", {
        "items": items, "page": page, "errors": errors or {}, "form": form or {},
        "max_alt": MAX_ALT,
        "prev_url": "/media-library" + query(request, page=page - 1 if page > 2 else None)
        if page > 1 else None,
        "next_url": "/media-library" + query(request, page=page + 1) if more else None,
    }, status_code=status_code)


@router.get("/media-library")
def media_library(request: Request, user: Staff, session: DB) -> Response:
    return library_page(request, session)


@router.post("/media-library")
def upload(request: Request, user: Staff, session: DB, form: PostedForm) -> Response:
    alt = " ".join(str(form.get("alt") or "").split())
    file = form.get("file")
    errors = {}
    if not isinstance(file, UploadFile) or not file.filename:
        errors["file"] = _(request, "Pilih berkas gambar yang akan diunggah.")
    if not alt:
        errors["alt"] = _(request, "Tulis teks alternatif: jelaskan isi gambarnya untuk pembaca "
                                   "tunanetra.")
    elif len(alt) > MAX_ALT:
        errors["alt"] = _(request, "Teks alternatif terlalu panjang (paling banyak %(n)s "
                                   "karakter).", n=MAX_ALT)
    slot = None
    if "file" not in errors:
        slot, error = _read_upload(request, session, file, alt, 1)
        if error:
            errors["file"] = error
    if errors:
        session.rollback()
        return library_page(request, session, errors=errors, form={"alt": alt},
                            status_code=422)
    asset = session.exec(select(MediaAsset).where(MediaAsset.token == slot.token)).one()
    keep(session, asset, alt=alt, actor=user.email, user_id=user.id)
    session.commit()
    flash(request, _(request, "Gambar disimpan di pustaka media."))
    return see_other("/media-library")


@router.post("/media-library/{asset_id}/alt")
def edit_alt(request: Request, asset_id: int, user: Staff, session: DB,
             form: PostedForm) -> Response:
    alt = str(form.get("alt") or "")
    try:
        set_alt(session, asset_id, alt, actor=user.email, user_id=user.id)
    except LibraryError as exc:
        session.rollback()
        words = {
            "missing": _(request, "Gambar itu tidak ada di pustaka media."),
            "empty": _(request, "Teks alternatif tidak boleh kosong: jelaskan isi gambarnya."),
            "long": _(request, "Teks alternatif terlalu panjang (paling banyak %(n)s "
                               "karakter).", n=MAX_ALT),
        }
        return library_page(request, session, errors={f"alt-{asset_id}": words[exc.code]},
                            form={f"alt-{asset_id}": alt},
                            status_code=404 if exc.code == "missing" else 422)
    flash(request, _(request, "Teks alternatif disimpan. Kiriman berikutnya yang memakai gambar "
                              "ini memakai teks baru; kiriman yang sudah ada tidak berubah."))
    return see_other(f"/media-library#asset-{asset_id}")
