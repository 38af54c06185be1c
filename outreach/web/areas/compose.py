"""Writing a post: free text or started from a title or an event, for the accounts chosen, at a
time in the library's zone, with images that each carry alt text; a live preview per platform
(`POST /compose/preview`, JSON) and the same preview without JavaScript (the "Pratinjau" button).

Nothing typed is lost on an error: the page comes back with the text, the accounts, the time and
the alt texts, and uploaded images are kept (stored at once, referred to by their media token, so
a form can never point the service at a file of its choosing).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlmodel import select
from starlette.datastructures import UploadFile

from outreach.desk.editing import (
    Check,
    EditError,
    check_text,
    may_edit,
    schedule_or_default,
    target_of,
)
from outreach.desk.media_library import chosen, keep, library
from outreach.desk.post_versions import ALL, save_post, text_for, versions
from outreach.desk.prefill import PrefillError, prefill
from outreach.desk.queue import NewPost, QueueError, create_post
from outreach.desk.review import REJECTED
from outreach.desk.users import role_at_least
from outreach.media import ensure_asset, store_bytes
from outreach.models import Account, AccountHealth, Delivery, MediaAsset, Post, Role, utcnow
from outreach.platforms import UnknownPlatform, platform_class, sync_env_accounts
from outreach.web.areas._compose_cards import cards, rhythm, suggestions
from outreach.web.areas._staff import local_time, see_other, whole
from outreach.web.auth import DB, PostedForm, PostedJSON, Staff
from outreach.web.pages import _, error_text, flash, render, render_fragment, request_lang

router = APIRouter()
SLOTS = 4  # image fields shown on an empty form
MAX_SLOTS = 10  # the most any platform takes in one post
MAX_UPLOAD = 15 * 1024 * 1024
LIBRARY_OFFER = 24  # library images the composer offers (the newest)
MAX_TEXT = 70_000  # beyond every platform's limit: longer texts are refused before counting
SUFFIX = {"JPEG": ".jpg", "PNG": ".png", "GIF": ".gif", "WEBP": ".webp"}
# An image chosen in the browser but not uploaded yet has no file to measure: the live preview
# checks it as a remote image (count and alt text only); the file itself is checked on submit.
PENDING = "https://pending.invalid/"


@dataclass
class Slot:
    index: int
    alt: str = ""
    token: str | None = None
    path: str | None = None
    url: str | None = None  # where the page shows it (/media/{token}/{name})


@dataclass
class Draft:
    text: str = ""
    account_ids: list[int] = field(default_factory=list)
    at: str = ""
    slots: list[Slot] = field(default_factory=list)
    title_id: int | None = None
    event_id: int | None = None
    own: dict[str, str] = field(default_factory=dict)  # platform -> its kept-apart version
    post_id: int | None = None  # editing this post (a draft, or one a manager returned)
    scope: str = ALL  # what saving an edited post touches: every platform, or one
    returned: str | None = None  # the manager's reason, when the post was sent back

    @property
    def images(self) -> list[Slot]:
        return [s for s in self.slots if s.path]


def usable_accounts(session: Any, settings: Any) -> list[Account]:
    sync_env_accounts(session, settings)
    session.commit()
    return list(session.exec(select(Account).where(Account.source != "removed")
                             .order_by(Account.platform, Account.name, Account.id)))


def _slot_of(asset: MediaAsset, index: int, alt: str) -> Slot:
    return Slot(index, alt, asset.token, asset.path, f"/media/{asset.token}/{asset.filename}")


def _padded(slots: list[Slot]) -> list[Slot]:
    """Every image field in place (errors name them by number): at least SLOTS, and one empty
    field after the last one used, up to MAX_SLOTS."""
    used = {s.index: s for s in slots}
    total = min(MAX_SLOTS, max(SLOTS, max(used, default=0) + 1))
    return [used.get(i) or Slot(i) for i in range(1, total + 1)]


def checks(settings: Any, accounts: list[Account], draft: Draft, lang: str,
           media: list[tuple[str, str]] | None = None) -> dict[int, Check]:
    """Each chosen account's view of the draft; `media`: (file, alt text) pairs, by default the
    draft's images."""
    schedule = schedule_or_default(settings)
    pairs = media if media is not None else [(s.path, s.alt) for s in draft.images]
    files, alts = [p for p, _a in pairs], [a for _p, a in pairs]
    found = {}
    for account in (a for a in accounts if a.id in draft.account_ids):
        try:
            target = target_of(account, settings, schedule)
        except (UnknownPlatform, NotImplementedError, ImportError):
            continue  # a backend missing from this installation: create_post says so
        found[account.id] = check_text(target, text_for(account.platform, draft.text,
                                                        draft.own), files, alts, lang)
    return found


def form_page(request: Request, session: Any, user: Any, accounts: list[Account], draft: Draft,
              *, errors: dict[str, Any] | None = None, notice: str | None = None,
              start: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    settings = request.app.state.settings
    lang = request_lang(request)
    found = checks(settings, accounts, draft, lang) if draft.text.strip() else {}
    platforms = list(dict.fromkeys(a.platform for a in accounts))
    try:
        at = local_time(draft.at, settings.tz)
    except ValueError:
        at = None
    return render(request, "compose_form.html", {
        "platforms": platforms, "chosen": draft.account_ids,
        "cards": cards(accounts, found, [{"src": s.url, "alt": s.alt} for s in draft.images]),
        "rhythm": rhythm(session, settings, accounts, draft.account_ids, at, draft.post_id),
        "suggested": [] if draft.post_id else suggestions(session, settings, accounts),
        "draft": draft, "slots": _padded(draft.slots), "accounts": accounts,
        "checks": found, "errors": errors or {}, "notice": notice, "start": start,
        "reviewed": not role_at_least(user.role, Role.manager),
        "weighted": {a.id for a in accounts if _counting(a) == "weighted"},
        # The library's newest images, offered instead of uploading one again.
        "library": [i.asset for i in library(session, per_page=LIBRARY_OFFER)[0]
                    if i.asset.token not in {s.token for s in draft.images}],
    }, status_code=status_code)


def _counting(account: Account) -> str:
    try:
        return platform_class(account.platform, account.backend).limits.text_counting
    except (UnknownPlatform, NotImplementedError, ImportError):
        return "characters"


def _int(value: Any) -> int | None:
    return whole(value) if isinstance(value, str | int) else None


def _from_post(request: Request, session: Any, user: Any, post_id: int,
               copy: bool) -> Draft | None:
    """A post read back into the composer: to edit it (its open deliveries), or as a new draft
    (`copy`: every platform version, image and alt text; no time, no post yet)."""
    settings = request.app.state.settings
    found = versions(session, settings, post_id, open_only=not copy)
    if found is None or not found.deliveries:
        return None
    draft = Draft(text=found.common, own=dict(found.own),
                  account_ids=list(dict.fromkeys(found.account_ids)),
                  title_id=found.post.title_id, event_id=found.post.event_id)
    for i, (path, alt) in enumerate(zip(found.media, found.alt_text, strict=False), 1):
        draft.slots.append(_slot_of(ensure_asset(session, path, alt or None), i, alt))
    session.commit()
    if not copy:
        draft.post_id = post_id
        draft.at = found.at.astimezone(settings.tz).strftime("%Y-%m-%dT%H:%M") \
            if found.at else ""
        if found.deliveries[0].last_error_kind == REJECTED:
            draft.returned = found.post.review_note or ""
    return draft


def _editable(session: Any, user: Any, post_id: int) -> bool:
    post = session.get(Post, post_id)
    rows = session.exec(select(Delivery).where(Delivery.post_id == post_id,
                                               Delivery.status != "cancelled")).all()
    return bool(rows) and all(may_edit(d, post, user.id, user.email, user.role) for d in rows)


@router.get("/compose")
def compose_page(request: Request, user: Staff, session: DB) -> Response:
    settings = request.app.state.settings
    accounts = usable_accounts(session, settings)
    params = request.query_params
    for key, copy in (("post", False), ("copy", True)):
        post_id = _int(params.get(key))
        if post_id is None:
            continue
        if not copy and not _editable(session, user, post_id):
            flash(request, _(request, "Unggahan itu tidak dapat diubah lagi (sudah terbit, "
                                      "dibatalkan, atau menunggu persetujuan orang lain)."))
            return see_other("/approvals/mine")
        draft = _from_post(request, session, user, post_id, copy)
        if draft is None:
            return form_page(request, session, user, accounts, Draft(), status_code=404,
                             notice=_(request, "Unggahan itu tidak ditemukan."))
        return form_page(request, session, user, accounts, draft,
                         notice=_(request, "Salinan unggahan #%(id)s: periksa lalu simpan "
                                           "sebagai kiriman baru.", id=post_id)
                         if copy else None)
    # An account that cannot publish now (reconnect, paused, out of credits) starts unticked;
    # the page says why next to it.
    draft = Draft(account_ids=[a.id for a in accounts if a.health == AccountHealth.ok],
                  title_id=_int(params.get("title_id")), event_id=_int(params.get("event_id")))
    if draft.title_id is None and draft.event_id is None:
        return form_page(request, session, user, accounts, draft)
    chosen = [a for a in accounts if a.id in draft.account_ids]
    try:
        made = prefill(session, settings, chosen, title_id=draft.title_id,
                       event_id=draft.event_id)
    except PrefillError:
        draft.title_id = draft.event_id = None
        return form_page(request, session, user, accounts, draft, status_code=404,
                         notice=_(request, "Judul atau acara itu tidak ditemukan; tulis kiriman "
                                           "dari awal."))
    wanted = params.get("for")
    platform = wanted if wanted in made.texts else next(iter(made.texts), None)
    draft.text = made.texts.get(platform, "") if platform else ""
    if made.image is not None:
        path, alt = made.image
        draft.slots = [_slot_of(ensure_asset(session, path, alt), 1, alt)]
        session.commit()
    start = {"kind": made.kind, "subject": made.subject, "platform": platform,
             "platforms": list(made.texts), "problems": made.problems,
             "base": f"/compose?{'title_id' if draft.title_id else 'event_id'}="
                     f"{draft.title_id or draft.event_id}"}
    return form_page(request, session, user, accounts, draft, start=start)


def _read_upload(request: Request, session: Any, upload: UploadFile, alt: str,
                       index: int) -> tuple[Slot | None, str | None]:
    """Store an uploaded image; (its slot, None) or (None, why it was refused)."""
    from PIL import Image

    data = upload.file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return None, _(request, "Gambar %(n)s terlalu besar (paling besar %(mb)s MB).",
                       n=index, mb=MAX_UPLOAD // (1024 * 1024))
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind = img.format or ""
            img.verify()
    except Exception:  # noqa: BLE001 - anything Pillow cannot read is not an image we take
        kind = ""
    if kind not in SUFFIX:
        return None, _(request, "Berkas %(n)s bukan gambar JPEG, PNG, GIF atau WebP.", n=index)
    path = store_bytes(request.app.state.settings, data, SUFFIX[kind])
    return _slot_of(ensure_asset(session, path, alt or None), index, alt), None


def read_form(request: Request, session: Any, form: Any) -> tuple[Draft, str, dict[str, Any]]:
    """The posted form as a draft (uploads stored), the action asked for, and input errors."""
    errors: dict[str, Any] = {}
    draft = Draft(text=str(form.get("text") or ""), at=str(form.get("at") or "").strip(),
                  title_id=_int(form.get("title_id")), event_id=_int(form.get("event_id")))
    draft.account_ids = [i for i in (_int(v) for v in form.getlist("account")) if i]
    for key in form:
        if key.startswith("text_") and str(form.get(key) or "").strip():
            draft.own[key[5:]] = str(form.get(key))
    # A platform's tab still holding the common text follows it: not a version of its own.
    draft.own = {p: t for p, t in draft.own.items() if t.strip() != draft.text.strip()}
    draft.post_id = _int(form.get("post_id"))
    draft.scope = str(form.get("scope") or ALL)
    count = min(MAX_SLOTS, _int(form.get("slots")) or SLOTS)
    for i in range(1, count + 1):
        alt = " ".join(str(form.get(f"alt_{i}") or "").split())
        upload = form.get(f"file_{i}")
        slot = None
        if isinstance(upload, UploadFile) and upload.filename:
            slot, error = _read_upload(request, session, upload, alt, i)
            if error:
                errors[f"file_{i}"] = error
        elif form.get(f"token_{i}") and not form.get(f"remove_{i}"):
            asset = session.exec(select(MediaAsset).where(
                MediaAsset.token == str(form.get(f"token_{i}")))).first()
            if asset is None:
                errors[f"file_{i}"] = _(request, "Gambar %(n)s tidak ditemukan lagi; unggah "
                                                 "ulang.", n=i)
            else:
                slot = _slot_of(asset, i, alt)
        elif alt:  # alt text typed for an image not chosen: keep it, and say so
            slot = Slot(i, alt)
            errors[f"file_{i}"] = _(request, "Ada teks alternatif tanpa gambar di kolom "
                                             "%(n)s: pilih gambarnya atau kosongkan teksnya.",
                                    n=i)
        if slot is not None:
            draft.slots.append(slot)
    # Images chosen from the library fill the next free fields, with the library's alt text.
    have = {s.token for s in draft.slots if s.token}
    free = (i for i in range(1, MAX_SLOTS + 1) if i not in {s.index for s in draft.slots})
    for asset in chosen(session, [str(t) for t in form.getlist("library")]):
        if asset.token in have:
            continue
        index = next(free, None)
        if index is None:
            break
        draft.slots.append(_slot_of(asset, index, asset.alt_text or ""))
    draft.slots.sort(key=lambda s: s.index)
    session.commit()  # uploads are kept even when the form comes back with errors
    for slot in draft.images:
        if not slot.alt:
            errors[f"alt_{slot.index}"] = _(
                request, "Gambar %(n)s perlu teks alternatif: jelaskan isi gambarnya untuk "
                         "pembaca tunanetra.", n=slot.index)
    return draft, str(form.get("action") or "submit"), errors


@router.post("/compose")
def compose_submit(request: Request, user: Staff, session: DB, form: PostedForm) -> Response:
    settings = request.app.state.settings
    accounts = usable_accounts(session, settings)
    draft, action, errors = read_form(request, session, form)
    known = {a.id for a in accounts}
    draft.account_ids = [i for i in draft.account_ids if i in known]
    platforms = {a.platform for a in accounts}
    draft.own = {p: t for p, t in draft.own.items() if p in platforms}
    if draft.post_id is not None:
        return _save_edit(request, session, user, accounts, draft, action, errors)
    if len(draft.text) > MAX_TEXT:
        errors["text"] = _(request, "Teks terlalu panjang untuk platform mana pun.")
    elif not draft.text.strip():
        errors["text"] = _(request, "Tulis teks kiriman.")
    if not draft.account_ids:
        errors["accounts"] = _(request, "Pilih paling sedikit satu akun.")
    try:
        at = local_time(draft.at, settings.tz)
    except ValueError:
        at = None
        errors["at"] = _(request, "Waktu tidak dapat dibaca; pilih tanggal dan jam.")
    now = utcnow()
    if at is not None and at < now.replace(second=0, microsecond=0):
        errors["at"] = _(request, "Waktu itu sudah lewat; pilih waktu yang akan datang, atau "
                                  "kosongkan untuk menerbitkan secepatnya.")
    if action == "preview":
        return form_page(request, session, user, accounts, draft, errors=errors,
                         notice=_(request, "Pratinjau diperbarui; kiriman belum dibuat."))
    lang = request_lang(request)
    broken = {i: c for i, c in checks(settings, accounts, draft, lang).items() if c.problems} \
        if draft.text.strip() and len(draft.text) <= MAX_TEXT else {}
    if broken:
        errors["platforms"] = _(request, "Kiriman melanggar batas platform; lihat pratinjau di "
                                         "bawah.")
    if errors:
        return form_page(request, session, user, accounts, draft, errors=errors,
                         status_code=422)
    try:
        made = create_post(session, settings, NewPost(
            platforms=[], account_ids=draft.account_ids, text=draft.text,
            images=[s.path for s in draft.images], alt_texts=[s.alt for s in draft.images],
            at=at or now, author=user.email, author_role=user.role, author_id=user.id,
            title_id=draft.title_id, event_id=draft.event_id, texts=draft.own))
    except QueueError as exc:
        session.rollback()
        return form_page(request, session, user, accounts, draft,
                         errors={"form": error_text(request, exc)}, status_code=422)
    # Images that went out with a post join the library (with their alt text) for reuse.
    for slot in draft.images:
        asset = session.exec(select(MediaAsset).where(MediaAsset.token == slot.token)).first()
        if asset is not None:
            keep(session, asset, alt=slot.alt, actor=user.email, user_id=user.id)
    session.commit()
    first = made[0]
    if first.status == "pending_review":
        flash(request, _(request, "Kiriman dibuat untuk %(n)s akun dan menunggu persetujuan "
                                  "manajer.", n=len(made)))
    else:
        flash(request, _(request, "Kiriman dibuat untuk %(n)s akun dan dijadwalkan.",
                         n=len(made)))
    return see_other(f"/deliveries/{first.id}")


def _save_edit(request: Request, session: Any, user: Any, accounts: list[Account], draft: Draft,
               action: str, errors: dict[str, Any]) -> Response:
    """Save an edited post (every platform, or the one chosen), and send a returned post
    back for review when asked."""
    settings = request.app.state.settings
    post = session.get(Post, draft.post_id)
    if post is None or not _editable(session, user, draft.post_id):
        flash(request, _(request, "Unggahan itu tidak dapat diubah lagi (sudah terbit, "
                                  "dibatalkan, atau menunggu persetujuan orang lain)."))
        return see_other("/approvals/mine")
    rows = session.exec(select(Delivery).where(Delivery.post_id == post.id,
                                               Delivery.status != "cancelled")).all()
    draft.account_ids = [d.account_id for d in rows]
    if rows and rows[0].last_error_kind == REJECTED:
        draft.returned = post.review_note or ""
    if not draft.text.strip():
        errors["text"] = _(request, "Tulis teks kiriman.")
    try:
        at = local_time(draft.at, settings.tz)
    except ValueError:
        at, errors["at"] = None, _(request, "Waktu tidak dapat dibaca; pilih tanggal dan jam.")
    if action == "preview" or errors:
        return form_page(request, session, user, accounts, draft, errors=errors,
                         status_code=422 if errors and action != "preview" else 200,
                         notice=_(request, "Pratinjau diperbarui; perubahan belum disimpan.")
                         if action == "preview" else None)
    if at is not None and all(d.scheduled_at == at for d in rows):
        at = None  # the time was not changed: a past time stays where it is
    try:
        done = save_post(session, settings, post.id, draft.text, draft.own,
                         [s.alt for s in draft.images], at, scope=draft.scope,
                         media=[s.path for s in draft.images],
                         actor=user.email, user_id=user.id, role=user.role,
                         locale=request_lang(request))
    except EditError as exc:
        session.rollback()
        errors["form"] = error_text(request, exc)
        return form_page(request, session, user, accounts, draft, errors=errors,
                         status_code=422)
    if action == "resubmit" and draft.returned is not None:
        from outreach.desk.review import resubmit
        from outreach.web.areas.approvals import reviewer

        resubmit(session, post.id, reviewer(user), manager=role_at_least(user.role,
                                                                         Role.manager))
        flash(request, _(request, "Unggahan #%(id)s disimpan dan dikirim lagi untuk "
                                  "disetujui.", id=post.id))
        return see_other("/approvals/mine")
    flash(request, _(request, "Perubahan disimpan pada %(n)s akun.", n=len(done.changed))
          if done.changed else _(request, "Tidak ada yang berubah."))
    return see_other(f"/deliveries/{rows[0].id}")


@router.post("/compose/preview")
def compose_preview(request: Request, user: Staff, session: DB, body: PostedJSON) -> Response:
    """JSON in: {"text", "accounts": [id], "images": [{"token"?, "alt", "name"?}]}; JSON out:
    per account, the text as it will be posted (thread parts), its length as the platform
    counts it, the limit, and warnings in plain words."""
    if not isinstance(body, dict):
        return JSONResponse({"error": _(request, "Permintaan pratinjau tidak valid.")},
                            status_code=400)
    text = body.get("text") if isinstance(body.get("text"), str) else ""
    if len(text) > MAX_TEXT:
        return JSONResponse({"error": _(request, "Teks terlalu panjang untuk platform mana "
                                                 "pun.")}, status_code=413)
    settings = request.app.state.settings
    accounts = usable_accounts(session, settings)
    ids = body.get("accounts") if isinstance(body.get("accounts"), list) else []
    draft = Draft(text=text, account_ids=[i for i in (_int(v) for v in ids) if i])
    own = body.get("own") if isinstance(body.get("own"), dict) else {}
    draft.own = {str(k): v for k, v in own.items()
                 if isinstance(v, str) and v.strip() and len(v) <= MAX_TEXT}
    media: list[tuple[str, str]] = []
    shown: list[dict[str, Any]] = []
    images = body.get("images") if isinstance(body.get("images"), list) else []
    for n, image in enumerate(images[:MAX_SLOTS], 1):
        if not isinstance(image, dict):
            continue
        alt = " ".join(str(image.get("alt") or "").split())
        asset = None
        if image.get("token"):
            asset = session.exec(select(MediaAsset).where(
                MediaAsset.token == str(image["token"]))).first()
        media.append((asset.path if asset is not None else f"{PENDING}{n}", alt))
        shown.append({"src": f"/media/{asset.token}/{asset.filename}" if asset else None,
                      "alt": alt})
    found = checks(settings, accounts, draft, request_lang(request), media)
    names = {a.id: a.name for a in accounts}
    try:
        at = local_time(str(body.get("at") or ""), settings.tz)
    except ValueError:
        at = None
    post_id = _int(body.get("post_id"))
    html = render_fragment(request, "_compose_cards.html", {
        "accounts": accounts, "checks": found, "chosen": draft.account_ids,
        "cards": cards(accounts, found, shown),
        "rhythm": rhythm(session, settings, accounts, draft.account_ids, at, post_id),
        "weighted": {a.id for a in accounts if _counting(a) == "weighted"}})
    return JSONResponse({"results": [{"account_id": i, "account": names[i], **c.as_json()}
                                     for i, c in found.items()], "html": html})
