"""The SQL every report figure shares: a delivery joined to its post, account and latest
snapshot, and the per-post interaction and rate expressions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import case

from outreach.models import Account, Delivery, EngagementSnapshot, Event, Post, Title
from outreach.reports.period import Period

D, S, P, A = (Delivery.__table__.c, EngagementSnapshot.__table__.c, Post.__table__.c,
              Account.__table__.c)
T, E = Title.__table__.c, Event.__table__.c

# Per delivery, from its latest snapshot (kept on the delivery by the sync, engagement/sync.py):
# NULL when it has none yet.
INTERACTIONS = D.last_interactions  # likes + comments + shares + saves
BASE = D.last_base  # reach, else views
RATED = case((BASE.is_not(None), INTERACTIONS), else_=None)  # interactions of posts with a base
MEASURED = D.last_snapshot_id


def joined(*, account: bool = True, subject: bool = False):  # noqa: ANN201 - a FROM clause
    """delivery ⋈ post (⋈ account) ⟕ its latest snapshot (one primary-key lookup per post)
    (⟕ the post's title and event, with `subject`)."""
    found = Delivery.__table__.join(Post.__table__, P.id == D.post_id)
    if account:
        found = found.join(Account.__table__, A.id == D.account_id)
    if subject:
        found = (found.outerjoin(Title.__table__, T.id == P.title_id)
                 .outerjoin(Event.__table__, E.id == P.event_id))
    return found.outerjoin(EngagementSnapshot.__table__, S.id == D.last_snapshot_id)


def in_period(period: Period, column=D.published_at) -> list:  # noqa: ANN001
    where = [column.is_not(None)]
    if period.start is not None:
        where.append(column >= period.start)
    if period.end is not None:
        where.append(column < period.end)
    if period.platform is not None:
        where.append(D.platform == period.platform)
    return where


def rate(interactions: int | None, base: int | None) -> float | None:
    return interactions / base if interactions is not None and base else None


def to_int(value: Any) -> int | None:
    return None if value is None else int(value)
