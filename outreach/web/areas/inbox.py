"""What needs a person: deliveries that are unconfirmed, failed, missed or held, each with the
platform's reason in plain words, and the actions on them (retry, mark published, cancel), which
the delivery page uses too; and events that changed after an announcement of them went out
(`changed_events`), with a link to write a correction."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from outreach.desk.causes import (
    GROUPED,
    KINDS,
    Cause,
    Filter,
    blocked_by_account,
    counts,
    groups,
    members,
    retry_many,
    singles,
)
from outreach.desk.changed_events import announced_then_changed, mark_seen
from outreach.desk.editing import may_edit
from outreach.desk.lifetimes import RECONNECT, attention
from outreach.desk.moves import cancel_many
from outreach.desk.post_versions import cancel_post
from outreach.desk.queue import MARKABLE, QueueError, cancel, mark_published, retry
from outreach.desk.review import Reviewer
from outreach.desk.users import role_at_least
from outreach.models import NEEDS_PERSON, Account, Delivery, DeliveryStatus, Event, Post, Role
from outreach.platforms import UnknownPlatform, platform_class
from outreach.web.areas import deliveries
from outreach.web.areas._staff import back_to, page_number, platforms, query, see_other, whole
from outreach.web.areas._triage import summary
from outreach.web.auth import DB, PostedForm, Staff
from outreach.web.pages import _, error_text, flash, render

router = APIRouter()
S = DeliveryStatus
PER_PAGE = 50
MAX_URL = 2000


def _filter(request: Request) -> tuple[Filter, list[str]]:
    params, problems = request.query_params, []
    filt = Filter()
    kind = params.get("kind") or None
    if kind and kind not in KINDS:
        problems.append(_(request, "Jenis masalah tidak dikenal diabaikan."))
    else:
        filt.kind = kind
    platform = params.get("platform") or None
    if platform and platform not in dict(platforms()):
        problems.append(_(request, "Platform tidak dikenal diabaikan."))
    else:
        filt.platform = platform
    return filt, problems


def inbox_page(request: Request, session: Any, user: Any, *, errors: dict[int, str] | None = None,
               urls: dict[int, str] | None = None, status_code: int = 200) -> Response:
    number = page_number(request.query_params.get("page"))
    filt, problems = _filter(request)
    rows, more = singles(session, filt, number, PER_PAGE)
    names = dict(platforms())
    first = number == 1
    changed = announced_then_changed(session) if first and not filt.kind else []
    causes = groups(session, filt) if first else []
    # Accounts whose access ends soon (or ended) but hold nothing yet: a warning of their own;
    # those that need reconnecting are cause cards.
    access = [a for a in attention(session) if a.kind != RECONNECT and (
        not filt.platform or a.account.platform == filt.platform)] \
        if first and filt.kind in (None, RECONNECT) else []
    for c in changed:
        c.platforms = [names.get(p, p) for p in c.platforms]
    filtered = bool(filt.kind or filt.platform)
    return render(request, "inbox_list.html", {
        "rows": rows, "page": number, "changed": changed, "access": access, "causes": causes,
        "errors": errors or {},
        # A refusal about a delivery not shown on its own card (one of a cause): said on top.
        "loose": [f"#{i}: {text}" for i, text in (errors or {}).items()
                  if i not in {r.id for r in rows}],
        "problems": problems, "filt": filt, "filtered": filtered,
        "counts": counts(session, filt.platform), "kinds": KINDS, "platforms": platforms(),
        "urls": urls or {}, "platform_names": names,
        "is_admin": role_at_least(user.role, Role.admin),
        "missed_hours": request.app.state.settings.missed_after_hours,
        "prev_url": query(request, page=number - 1 if number > 2 else None) if number > 1
        else None,
        "next_url": query(request, page=number + 1) if more else None,
        "here": "/inbox" + query(request),
    }, status_code=status_code)


@router.get("/inbox")
def inbox(request: Request, user: Staff, session: DB) -> Response:
    return inbox_page(request, session, user)


@router.post("/inbox/bulk")
def inbox_bulk(request: Request, user: Staff, session: DB, form: PostedForm) -> Response:
    """A cause card's bulk action: cancel all of its deliveries, or retry all of them where a
    retry can succeed. Acts on the cause's deliveries as they are now, not as the page was."""
    origin = back_to(form.get("next"), "/inbox")
    action = str(form.get("action") or "")
    kind = str(form.get("kind") or "")
    account = session.get(Account, whole(str(form.get("account") or "")) or 0)
    if action not in ("cancel", "retry") or kind not in GROUPED or account is None:
        flash(request, _(request, "Tindakan itu tidak dikenal; muat ulang halaman lalu coba "
                                  "lagi."), "error")
        return see_other(origin)
    ids = members(session, account.id, kind)
    who = Reviewer(user.email, user.id)
    if action == "cancel":
        outcome = cancel_many(session, ids, who=who, role=user.role)
    elif not Cause(kind, account, len(ids)).can_retry:
        flash(request, _(request, "Kiriman ini tidak dapat dicoba lagi selama akunnya belum "
                                  "dipulihkan; setelah itu kiriman berjalan lagi sendiri."),
              "error")
        return see_other(origin)
    else:
        outcome = retry_many(session, ids, user.email, user.id)
    for level, text in summary(request, action, outcome):
        flash(request, text, level)
    return see_other(origin)


def _refuse(request: Request, session: Any, user: Any, origin: str, delivery_id: int,
            message: str, status_code: int, url: str | None = None) -> Response:
    """Show the page the person came from again, with why the action was not taken."""
    if origin.startswith("/inbox"):
        return inbox_page(request, session, user, errors={delivery_id: message},
                          urls={delivery_id: url} if url is not None else None,
                          status_code=status_code)
    form = {"mark_url": url} if url is not None else None
    return deliveries.page(request, session, user, delivery_id,
                           errors={"action": message}, form=form, status_code=status_code)


def _target(request: Request, session: Any, delivery_id: int,
            form: Any) -> tuple[Delivery, str, Any]:
    d = session.get(Delivery, delivery_id)
    if d is None:
        raise HTTPException(status_code=404)
    return d, back_to(form.get("next"), f"/deliveries/{delivery_id}"), form


@router.post("/deliveries/{delivery_id}/retry")
def retry_delivery(request: Request, delivery_id: int, user: Staff, session: DB,
                   form: PostedForm) -> Response:
    d, origin, _form = _target(request, session, delivery_id, form)
    if d.status not in (*NEEDS_PERSON, S.retry_wait):
        return _refuse(request, session, user, origin, delivery_id,
                       _(request, "Kiriman ini tidak dapat dicoba lagi dalam statusnya "
                                  "sekarang."), 409)
    if blocked_by_account(session, d):
        return _refuse(request, session, user, origin, delivery_id,
                       _(request, "Akun kiriman ini belum dapat menerbitkan: sambungkan ulang "
                                  "akunnya (atau lanjutkan setelah kreditnya ditambah). "
                                  "Setelah itu kiriman yang ditahan berjalan lagi sendiri."),
                       409)
    try:
        retry(session, delivery_id, user.email, user.id)
    except QueueError as exc:
        session.rollback()
        return _refuse(request, session, user, origin, delivery_id, error_text(request, exc), 409)
    flash(request, _(request, "Kiriman #%(id)s dijadwalkan untuk dicoba lagi sekarang.",
                     id=delivery_id))
    return see_other(origin)


@router.post("/deliveries/{delivery_id}/cancel")
def cancel_delivery(request: Request, delivery_id: int, user: Staff, session: DB,
                    form: PostedForm) -> Response:
    d, origin, _form = _target(request, session, delivery_id, form)
    if d.status in (S.published, S.publishing, S.cancelled):
        return _refuse(request, session, user, origin, delivery_id,
                       _(request, "Kiriman yang sudah terbit, sedang terbit, atau sudah "
                                  "dibatalkan tidak dapat dibatalkan."), 409)
    if d.status == S.pending_review and not may_edit(
            d, _post(session, d), user.id, user.email, user.role):
        return _refuse(request, session, user, origin, delivery_id,
                       _(request, "Kiriman ini menunggu persetujuan; hanya penulisnya atau "
                                  "manajer yang dapat membatalkannya."), 409)
    if form.get("scope") == "all":  # the delivery page: the whole post unless one is chosen
        done = cancel_post(session, delivery_id, "all", actor=user.email, user_id=user.id,
                           role=user.role)
        flash(request, _(request, "Unggahan dibatalkan di %(n)s akun.", n=len(done.changed)))
        return see_other(origin)
    try:
        cancel(session, delivery_id, user.email, user.id)
    except QueueError as exc:
        session.rollback()
        return _refuse(request, session, user, origin, delivery_id, error_text(request, exc), 409)
    flash(request, _(request, "Kiriman #%(id)s dibatalkan.", id=delivery_id))
    return see_other(origin)


@router.post("/deliveries/{delivery_id}/mark-published")
def mark_delivery(request: Request, delivery_id: int, user: Staff, session: DB,
                  form: PostedForm) -> Response:
    d, origin, form = _target(request, session, delivery_id, form)
    url = str(form.get("url") or "").strip()
    message, code = None, 422
    if d.status == S.published:
        message = _(request, "Kiriman ini sudah tercatat terbit.")
    elif d.status not in MARKABLE:
        message, code = _(request, "Hanya kiriman yang gagal, belum pasti, ditahan, atau "
                                   "terlewat yang dapat dicatat sudah terbit."), 409
    elif not url.startswith(("https://", "http://")) or len(url) > MAX_URL or " " in url:
        message = _(request, "Isi alamat kiriman di platform, diawali https:// (salin dari "
                             "peramban).")
    elif (cls := _platform_of(session, d)) is not None and not cls.is_post_url(url):
        message = _(request, "Alamat itu bukan halaman kiriman %(platform)s; salin alamat "
                             "kiriman dari %(hosts)s.", platform=cls.label,
                    hosts=" / ".join(cls.post_hosts))
    if message is None:
        try:
            mark_published(session, delivery_id, url, user.email, user.id)
        except QueueError as exc:
            session.rollback()
            message = error_text(request, exc)
    if message is not None:
        return _refuse(request, session, user, origin, delivery_id, message, code, url=url)
    flash(request, _(request, "Kiriman #%(id)s dicatat sudah terbit.", id=delivery_id))
    return see_other(origin)


@router.post("/events/{event_id}/change-seen")
def change_seen(request: Request, event_id: int, user: Staff, session: DB,
                form: PostedForm) -> Response:
    """The change of this event needs no correction post (or one was made elsewhere)."""
    event = session.get(Event, event_id)
    if event is None:
        raise HTTPException(status_code=404)
    mark_seen(session, event, user.email, user.id)
    session.commit()
    flash(request, _(request, "Perubahan acara “%(title)s” ditandai sudah ditangani.",
                     title=event.title))
    return see_other("/inbox")


def _post(session: Any, d: Delivery) -> Post | None:
    return session.get(Post, d.post_id)


def _platform_of(session: Any, d: Delivery) -> Any:
    account = session.get(Account, d.account_id)
    try:
        return platform_class(d.platform, account.backend if account else None)
    except (UnknownPlatform, NotImplementedError):
        return None
