"""Post templates (managers): every template with where it comes from, an editor that previews an
edit on the library's own data through the planning sandbox, saving (refused when the sandbox
refuses it) and going back to the file version. Every change goes to the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from outreach.audit import audit
from outreach.compose.overrides import remove_override
from outreach.compose.template_words import translate
from outreach.compose.templates import MAX_SOURCE, TemplateError
from outreach.desk import template_editing as te
from outreach.models import User
from outreach.reports.words import kind_labels
from outreach.web.auth import DB, Manager
from outreach.web.pages import N_, _, error_text, flash, render, request_lang

router = APIRouter()
BASE = "/templates/{kind}/{platform}/{lang}"

ORIGIN_LABELS = {"override": N_("Diubah di web"), "library": N_("Folder perpustakaan"),
                 "default": N_("Bawaan"), "fallback": N_("Memakai templat Bahasa Indonesia")}
LANGUAGE_LABELS = {"id": N_("Bahasa Indonesia"), "en": N_("Inggris")}
# What a refusal means, by its family (TemplateError.code), in the manager's language; the
# sandbox's own message (English, with the line) follows it.
REFUSALS = {
    "unsafe": N_("Templat memakai sesuatu yang tidak diizinkan: atribut tersembunyi, fungsi "
                 "Python, atau format yang tidak aman."),
    "too_big": N_("Templat meminta teks, angka, atau memori yang terlalu besar."),
    "too_slow": N_("Templat terlalu lama dijalankan dan dihentikan."),
    "too_deep": N_("Makro atau perulangan di templat memanggil dirinya sendiri terlalu dalam."),
    "no_include": N_("Templat harus lengkap sendiri: include, import, dan extends tidak bisa "
                     "dipakai. Salin teks yang diperlukan ke templat ini."),
    "not_printable": N_("Templat mencetak objek Python, bukan teks atau angka."),
    "busy": N_("Templat lain sedang diperiksa. Coba lagi sebentar lagi."),
}


def _entry(request: Request, session: Session, kind: str, platform: str,
           lang: str) -> te.TemplateEntry:
    found = te.entry(session, request.app.state.settings, kind, platform, lang)
    if found is None:
        raise HTTPException(status_code=404)
    return found


def _clean(source: str) -> str:
    # Browsers send textarea lines with CRLF; templates are stored with plain newlines.
    return source.replace("\r\n", "\n").replace("\r", "\n")


def _editor(request: Request, session: Session, entry: te.TemplateEntry, source: str, *,
            refused: str | None = None, status_code: int = 200) -> Response:
    settings = request.app.state.settings
    preview = te.render_preview(session, settings, entry.kind, entry.platform, entry.language,
                                source, ui_locale=request_lang(request))
    # TemplateError keeps English (CLI, audit); the page says it in the page's language
    preview.error = translate(preview.error, request_lang(request)) if preview.error else None
    return render(request, "tpl_edit.html", {
        "entry": entry, "source": source, "max_source": MAX_SOURCE,
        "file_source": te.file_source(settings, entry.kind, entry.platform, entry.language),
        "preview": preview, "refused": refused, "variables": te.variables(entry.kind, settings),
        "kinds": kind_labels(request_lang(request)), "origins": ORIGIN_LABELS,
        "languages": LANGUAGE_LABELS, "refusals": REFUSALS,
        "action": BASE.format(kind=entry.kind, platform=entry.platform, lang=entry.language),
    }, status_code=status_code)


@router.get("/templates")
def templates_list(request: Request, user: Manager, session: DB) -> Response:
    by_kind: dict[str, list[te.TemplateEntry]] = {}
    for item in te.entries(session, request.app.state.settings):
        by_kind.setdefault(item.kind, []).append(item)
    return render(request, "tpl_list.html", {
        "by_kind": by_kind, "kinds": kind_labels(request_lang(request)), "origins": ORIGIN_LABELS,
        "languages": LANGUAGE_LABELS,
    })


@router.get(BASE)
def template_edit(request: Request, kind: str, platform: str, lang: str, user: Manager,
                  session: DB) -> Response:
    entry = _entry(request, session, kind, platform, lang)
    source = te.current_source(session, request.app.state.settings, kind, platform, lang)
    return _editor(request, session, entry, source)


@router.post(BASE + "/preview")
def template_preview(request: Request, kind: str, platform: str, lang: str, user: Manager,
                     session: DB, source: Annotated[str, Form()] = "") -> Response:
    """Render the edited source without saving it."""
    entry = _entry(request, session, kind, platform, lang)
    return _editor(request, session, entry, _clean(source))


@router.post(BASE)
def template_save(request: Request, kind: str, platform: str, lang: str, user: Manager,
                  session: DB, source: Annotated[str, Form()] = "") -> Response:
    entry = _entry(request, session, kind, platform, lang)
    source = _clean(source)
    settings = request.app.state.settings
    try:
        te.save(session, settings, kind, platform, lang, source, user.email)
    except TemplateError as exc:
        session.rollback()
        _audit(session, user, "template.refused", entry, {"error": str(exc)[:500]})
        session.commit()
        message = _(request, "Templat tidak disimpan: sistem menolaknya. Perbaiki lalu coba lagi.")
        if exc.code in REFUSALS:
            message += " " + _(request, REFUSALS[exc.code])
        said = error_text(request, exc)
        return _editor(request, session, entry, source, refused=f"{message}\n{said}",
                       status_code=422)
    _audit(session, user, "template.save", entry,
           {"previous": entry.origin, "characters": len(source)})
    session.commit()
    flash(request, _(request, "Templat disimpan. Perencanaan berikutnya memakainya."))
    return RedirectResponse(BASE.format(kind=kind, platform=platform, lang=lang),
                            status_code=303)


@router.post(BASE + "/reset")
def template_reset(request: Request, kind: str, platform: str, lang: str, user: Manager,
                   session: DB) -> Response:
    entry = _entry(request, session, kind, platform, lang)
    if remove_override(session, entry.name):
        _audit(session, user, "template.reset", entry, {})
        session.commit()
        flash(request, _(request, "Perubahan dihapus: templat kembali ke versi berkas."))
    else:
        flash(request, _(request, "Templat ini belum pernah diubah di web."), "warn")
    return RedirectResponse(BASE.format(kind=kind, platform=platform, lang=lang),
                            status_code=303)


def _audit(session: Session, user: User, action: str, entry: te.TemplateEntry,
           detail: dict[str, Any]) -> None:
    audit(session, user.email, action, "template", entry.name, detail, user_id=user.id)
