"""The audit log: who did what, when. Every change a person or the system makes to posts,
accounts, templates and users leaves one `AuditLog` row, written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from outreach.models import AuditLog


def audit(session: Session, actor: str, action: str, object_type: str | None = None,
          object_id: Any = None, detail: dict | None = None, user_id: int | None = None) -> None:
    session.add(AuditLog(actor=actor, action=action, object_type=object_type,
                         object_id=None if object_id is None else str(object_id),
                         detail=detail or {}, user_id=user_id))
