"""Admin: people who use the service (add, role, deactivate, reset a password) and the audit
log. Platform accounts are in `admin_accounts.py`.

The rules (password length, e-mail form, never leaving the service without an active admin)
live in `outreach.desk.users`; password hashes never reach a page."""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import func
from sqlmodel import select

from outreach.audit import audit
from outreach.desk.users import (
    MIN_PASSWORD,
    ROLES,
    LastAdminError,
    UserError,
    change_user,
    check_password_rules,
    create_user,
    find_user,
    normalise_email,
    set_password,
)
from outreach.models import AuditLog, User
from outreach.notify.password_reset import available as reset_available
from outreach.web.areas._staff import page_number
from outreach.web.audit_words import ACTIONS, NAMES, OBJECTS
from outreach.web.auth import DB, Admin
from outreach.web.pages import _, flash, render

router = APIRouter()
PER_PAGE = 50
MASK = "••••"
# Parts of a detail key that say its value may be a secret (`access_token`, `session.cookie`):
# such values are never shown, whatever they hold.
SECRET_PARTS = {"password", "passwd", "secret", "token", "key", "session", "cookie", "cookies",
                "credential", "credentials", "authorization", "auth", "hash", "totp", "seed",
                "signature", "apikey", "pin"}
MAX_VALUE = 300  # characters of one detail value shown


# -- users ------------------------------------------------------------------------------------
def _users_page(request: Request, session: Any, *, errors: list[str] | None = None,
                values: dict[str, str] | None = None, status_code: int = 200) -> Response:
    users = session.exec(select(User).order_by(User.active.desc(), User.email)).all()
    rows = [{"id": u.id, "email": u.email, "name": u.name, "role": u.role, "active": u.active,
             "created_at": u.created_at, "last_login_at": u.last_login_at}
            for u in users]  # plain values: the hash never reaches the template
    settings = request.app.state.settings
    return render(request, "admin_users.html", {
        "mail_enabled": settings.mail_enabled, "reset_available": reset_available(settings),
        "mail_from": settings.mail_from, "rows": rows, "roles": ROLES,
        "min_password": MIN_PASSWORD, "errors": errors or [],
        "values": values or {"email": "", "name": "", "role": "staff"}},
        status_code=status_code)


@router.get("/admin/users")
def users_page(request: Request, user: Admin, session: DB) -> Response:
    return _users_page(request, session)


@router.post("/admin/users")
def add_user(request: Request, user: Admin, session: DB,
             email: Annotated[str, Form()] = "", name: Annotated[str, Form()] = "",
             role: Annotated[str, Form()] = "staff",
             password: Annotated[str, Form()] = "") -> Response:
    errors = []
    try:
        email = normalise_email(email)
    except UserError:
        errors.append(_(request, "%(email)s bukan alamat e-mail yang sah.",
                        email=email.strip() or "—"))
    if role not in ROLES:
        errors.append(_(request, "Pilih peran: staf, manajer, atau admin."))
    try:
        check_password_rules(password)
    except UserError:
        errors.append(_(request, "Kata sandi awal perlu minimal %(n)s karakter.",
                        n=MIN_PASSWORD))
    if not errors and find_user(session, email) is not None:
        errors.append(_(request, "Sudah ada pengguna dengan e-mail %(email)s.", email=email))
    if not errors:
        try:
            created = create_user(session, email, role, password, name=name.strip() or None)
        except UserError:
            errors.append(_(request, "Pengguna tidak dapat ditambahkan; periksa isiannya."))
    if errors:
        session.rollback()
        return _users_page(request, session, errors=errors, status_code=400,
                           values={"email": email, "name": name, "role": role})
    audit(session, user.email, "user.create", "user", created.id,
          {"email": created.email, "role": created.role}, user_id=user.id)
    session.commit()
    flash(request, _(request, "Pengguna %(email)s ditambahkan sebagai %(role)s.",
                     email=created.email, role=_role(request, created.role)), "ok")
    return RedirectResponse("/admin/users", status_code=303)


def _role(request: Request, role: str) -> str:
    labels = {"staff": _(request, "staf"), "manager": _(request, "manajer"),
              "admin": _(request, "admin")}
    return labels.get(role, role)


@router.post("/admin/users/{user_id}")
def change(request: Request, user_id: int, user: Admin, session: DB,
           action: Annotated[str, Form()] = "", role: Annotated[str, Form()] = "",
           password: Annotated[str, Form()] = "") -> Response:
    target = session.get(User, user_id)
    if target is None:
        raise HTTPException(status_code=404)
    back = RedirectResponse("/admin/users", status_code=303)
    who = target.email
    try:
        if action == "role":
            changes = change_user(session, target, role=role)
            if changes:
                audit(session, user.email, "user.role", "user", target.id,
                      {"email": who, "from": changes["role"][0], "to": changes["role"][1]},
                      user_id=user.id)
                message = _(request, "Peran %(email)s kini %(role)s.", email=who,
                            role=_role(request, role))
            else:
                message = _(request, "Peran %(email)s tidak berubah.", email=who)
        elif action in ("deactivate", "reactivate"):
            active = action == "reactivate"
            if change_user(session, target, active=active):
                audit(session, user.email, f"user.{action}", "user", target.id, {"email": who},
                      user_id=user.id)
            message = (_(request, "%(email)s dapat masuk lagi.", email=who) if active else
                       _(request, "%(email)s dinonaktifkan dan tidak dapat masuk lagi; "
                                  "sesinya berakhir.", email=who))
        elif action == "password":
            set_password(session, target, password)
            audit(session, user.email, "user.password_reset", "user", target.id,
                  {"email": who}, user_id=user.id)
            message = _(request, "Kata sandi %(email)s diganti; sesi lamanya berakhir.",
                        email=who)
        else:
            flash(request, _(request, "Tindakan tidak dikenal."), "error")
            return back
    except LastAdminError:
        session.rollback()
        flash(request, _(request, "%(email)s adalah satu-satunya admin aktif: jadikan orang "
                                  "lain admin dulu, lalu coba lagi.", email=who), "error")
        return back
    except UserError:
        session.rollback()
        if action == "password":
            text = _(request, "Kata sandi baru perlu minimal %(n)s karakter; tidak ada yang "
                              "diubah.", n=MIN_PASSWORD)
        else:
            text = _(request, "Pilih peran: staf, manajer, atau admin.")
        flash(request, text, "error")
        return back
    session.commit()
    flash(request, message, "ok")
    return back


# -- audit log --------------------------------------------------------------------------------
def _is_secret(key: str) -> bool:
    return any(part in SECRET_PARTS for part in re.split(r"[^a-z0-9]+", key.lower()) if part)


def _name(request: Request, dotted: str) -> str:
    """A detail's dotted name in the page's language, part by part."""
    return " → ".join(_(request, NAMES[p]) if p in NAMES else p for p in dotted.split("."))


def detail_lines(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    """An audit entry's detail as readable `key: value` lines; values under secret-looking keys
    are masked, nested objects flattened (`a.b`)."""
    if not isinstance(detail, dict):
        return [] if detail in (None, "", []) else [(prefix or "detail", _text(detail))]
    lines: list[tuple[str, str]] = []
    for key, value in detail.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if _is_secret(str(key)):
            lines.append((name, MASK))
        elif isinstance(value, dict):
            lines.extend(detail_lines(value, name))
        else:
            lines.append((name, _text(value)))
    return lines


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        text = ", ".join(_text(v) for v in value) or "—"
    elif value is None:
        text = "—"
    elif isinstance(value, dict):
        text = "; ".join(f"{k}: {MASK if _is_secret(str(k)) else _text(v)}"
                         for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def _day(value: str) -> date | None:
    return date.fromisoformat(value.strip()) if value.strip() else None


@router.get("/admin/audit")
def audit_page(request: Request, user: Admin, session: DB, actor: str = "", action: str = "",
               start: str = "", end: str = "", page: str = "1") -> Response:
    tz = request.app.state.settings.tz
    where = []
    errors = []
    if actor.strip():
        where.append(func.lower(AuditLog.actor).contains(actor.strip().lower(), autoescape=True))
    if action.strip():
        where.append(AuditLog.action.startswith(action.strip(), autoescape=True))
    try:  # dates are the library's local days
        first, last = _day(start), _day(end)
    except ValueError:
        errors.append(_(request, "Tanggal tidak dapat dibaca; pakai format TTTT-BB-HH."))
        first = last = None
    if first:
        where.append(AuditLog.at >= datetime.combine(first, time.min, tzinfo=tz))
    if last:
        where.append(AuditLog.at < datetime.combine(last + timedelta(days=1), time.min,
                                                     tzinfo=tz))
    total = session.exec(select(func.count()).select_from(AuditLog).where(*where)).one()
    pages = max(1, math.ceil(total / PER_PAGE))
    number = page_number(page)
    number = min(max(1, number), pages)
    entries = session.exec(select(AuditLog).where(*where)
                           .order_by(AuditLog.at.desc(), AuditLog.id.desc())
                           .offset((number - 1) * PER_PAGE).limit(PER_PAGE)).all()
    rows = [{"at": e.at, "actor": e.actor, "action": e.action, "object_type": e.object_type,
             "object_id": e.object_id, "lines": [(_name(request, k), v)
                                                  for k, v in detail_lines(e.detail)]}
            for e in entries]
    filters = {"actor": actor, "action": action, "start": start, "end": end}

    def link(n: int) -> str:
        from urllib.parse import urlencode

        return "/admin/audit?" + urlencode({**{k: v for k, v in filters.items() if v},
                                            "page": n})

    return render(request, "admin_audit.html", {
        "rows": rows, "filters": filters, "errors": errors, "total": total, "page": number,
        "pages": pages, "prev_link": link(number - 1) if number > 1 else None,
        "next_link": link(number + 1) if number < pages else None,
        "actions": ACTIONS, "objects": OBJECTS})
