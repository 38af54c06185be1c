"""What planning reads from and writes to the database: the titles to announce, what is queued
already, and the planned posts and deliveries, written in batches (`planning.Planner` decides;
this module only stores)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, func, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from outreach.audit import audit
from outreach.compose.context import TitleRow
from outreach.config import Settings
from outreach.models import AuditLog, Delivery, DeliveryStatus, Event, Post, PostKind, Title
from outreach.planning.rows import bulk_rows, insert_rows

if TYPE_CHECKING:
    from outreach.planning.planner import PlanResult

S = DeliveryStatus
OPEN = (S.draft, S.pending_review, S.scheduled, S.retry_wait, S.held)
# Never tried yet and not on its way: composing such a delivery again changes nothing that went
# out (a retry may be half a thread in, so retry_wait is left alone).
REFRESHABLE = (S.draft, S.pending_review, S.scheduled, S.held)
BATCH = 500  # subjects written per statement batch
# (subject key, id of its existing post or None, the new post's values, its deliveries' values)
Row = tuple[str, int | None, dict[str, Any], list[dict[str, Any]]]


def new_titles(session: Session, settings: Settings, now: datetime) -> list[TitleRow]:
    """Titles to announce, as the columns composition reads (Core: loading 10,000 ORM objects
    cost planning nearly as much as a bare render of all 30,000 posts)."""
    since = now - timedelta(days=settings.announce_window_days)
    columns = Title.__table__.c
    return [TitleRow._make(row) for row in session.execute(
        select(*(columns[name] for name in TitleRow._fields))
        .where(Title.withdrawn_at.is_(None), Title.catalogued_at.is_not(None),
               Title.catalogued_at >= since, Title.catalogued_at <= now)
        .order_by(Title.catalogued_at, Title.id))]


def digest_title_ids(session: Session, since: datetime, until: datetime) -> list[int]:
    """New titles since `since` that no earlier digest listed, oldest first."""
    listed: set[int] = set()
    for ids in session.exec(select(Post.subject_title_ids).where(
            Post.kind == PostKind.digest, Post.created_at >= since - timedelta(days=60))):
        listed.update(ids or [])
    rows = session.exec(select(Title.id).where(
        Title.withdrawn_at.is_(None), Title.catalogued_at > since, Title.catalogued_at <= until)
        .order_by(Title.catalogued_at, Title.id))
    return [i for i in rows if i not in listed]


def taken_keys(session: Session, keys: set[str]) -> set[tuple[int, str]]:
    """(account id, subject key) of every delivery already queued for these subjects."""
    found: set[tuple[int, str]] = set()
    ordered = sorted(keys)
    for i in range(0, len(ordered), BATCH):
        found.update(session.exec(select(Delivery.account_id, Delivery.subject_key).where(
            Delivery.subject_key.in_(ordered[i:i + BATCH]))))
    return found


def post_ids(session: Session, keys: set[str]) -> dict[str, int]:
    """Subject key -> its first post, for subjects that have one."""
    found: dict[str, int] = {}
    ordered = sorted(keys)
    for i in range(0, len(ordered), BATCH):
        for key, post_id in session.exec(select(Post.subject_key, func.min(Post.id)).where(
                Post.subject_key.in_(ordered[i:i + BATCH])).group_by(Post.subject_key)):
            found[key] = post_id
    return found


SUBJECT_CHANGED = "subject_changed"  # Delivery.last_error_kind: kept for a person to check
CHANGED_AFTER_EDIT = (
    "Data judul atau acara ini berubah di sumber setelah teks ini disunting, jadi teksnya tidak "
    "disusun ulang. Periksa tanggal, jam, tempat, dan isinya, lalu simpan untuk melanjutkan.",
    "The title or event changed at the source after this text was edited by hand, so it was not "
    "composed again. Check its date, time, place and wording, then save it to go on.")


def drop_stale(session: Session, keys: set[str], now: datetime, locale: str = "id"
               ) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Remove the queued, never tried deliveries of these subjects whose title or event changed
    since their post was composed (a workshop moved to another day, a title corrected), so that
    this planning run composes them again with the new details and times; the post remembers the
    new hash. A delivery staff edited by hand is not thrown away: it becomes a draft that says
    why, for a person to check (the inbox lists it). Returns (subject key, account id) of the
    deliveries removed, and of those kept for a person."""
    current = func.coalesce(Event.content_hash, Title.content_hash)
    rows = session.execute(
        select(Delivery.id, Delivery.subject_key, Delivery.account_id, Post.id, current)
        .join(Post, Post.id == Delivery.post_id)
        .outerjoin(Event, Event.id == Post.event_id)
        .outerjoin(Title, Title.id == Post.title_id)
        .where(Post.subject_hash.is_not(None), current.is_not(None),
               Post.subject_hash != current, Delivery.status.in_(REFRESHABLE),
               Delivery.attempts == 0)).all()
    rows = [r for r in rows if r[1] in keys]
    edited = _edited_by_hand(session, [r[0] for r in rows])
    dropped: list[tuple[str, int]] = []
    kept: list[tuple[str, int]] = []
    message = CHANGED_AFTER_EDIT[1 if locale.startswith("en") else 0]
    for i in range(0, len(rows), BATCH):
        batch = rows[i:i + BATCH]
        # The dispatcher may have claimed one since: its status is then no longer refreshable.
        still = (Delivery.status.in_(REFRESHABLE), Delivery.attempts == 0)
        drop = [r[0] for r in batch if r[0] not in edited]
        keep = [r[0] for r in batch if r[0] in edited]
        gone = set(session.execute(
            delete(Delivery).where(Delivery.id.in_(drop), *still)
            .returning(Delivery.id)).scalars()) if drop else set()
        held = set(session.execute(
            update(Delivery).where(Delivery.id.in_(keep), *still)
            .values(status=S.draft, next_attempt_at=None, last_error=message,
                    last_error_kind=SUBJECT_CHANGED, updated_at=now)
            .returning(Delivery.id)).scalars()) if keep else set()
        dropped += [(r[1], r[2]) for r in batch if r[0] in gone]
        kept += [(r[1], r[2]) for r in batch if r[0] in held]
    for post_id, digest in {r[3]: r[4] for r in rows}.items():
        session.execute(update(Post).where(Post.id == post_id)
                        .values(subject_hash=digest, updated_at=now))
    post_of = {r[1]: r[3] for r in rows}
    composed, checked = Counter(k for k, _ in dropped), Counter(k for k, _ in kept)
    for key in sorted(set(composed) | set(checked)):  # the audit log says why
        audit(session, "system", "post.recompose", "post", post_of[key],
              {"subject": key, "deliveries": composed[key], "kept_for_review": checked[key],
               "why": "the title or event changed at the source"})
    return dropped, kept


def _edited_by_hand(session: Session, ids: list[int]) -> set[int]:
    """Which of these deliveries staff edited (their text is a person's work: not replaced)."""
    found: set[int] = set()
    for i in range(0, len(ids), BATCH):
        names = [str(d) for d in ids[i:i + BATCH]]
        found |= {int(d) for d in session.execute(
            select(AuditLog.object_id).where(AuditLog.action == "delivery.edit",
                                             AuditLog.object_type == "delivery",
                                             AuditLog.object_id.in_(names))).scalars()}
    return found


def write(session: Session, rows: list[Row], now: datetime, result: PlanResult) -> None:
    """Store the planned rows in batches and commit. A subject another planner stored first is
    left to it: it leaves `result.planned` with the reason in `result.skipped`."""
    for i in range(0, len(rows), BATCH):
        batch = rows[i:i + BATCH]
        try:
            with session.begin_nested():
                _insert(session, batch, now)
        except IntegrityError:
            # Another planner got some of these first: write one by one, keep the rest.
            for row in batch:
                try:
                    with session.begin_nested():
                        _insert(session, [row], now)
                except IntegrityError:
                    key = row[0]
                    result.skipped.append(f"{key}: already planned by another process")
                    result.planned = [p for p in result.planned if p.subject != key]
    session.commit()


def _insert(session: Session, rows: list[Row], now: datetime) -> None:
    # Posts by Core with RETURNING (the ORM's bulk insert writes the same, but on SQLite one
    # statement per post to return ids in order): new posts' ids are matched by subject key,
    # one new post per subject in a batch. Deliveries by insert_rows (no ids needed back).
    posts = Post.__table__
    new = [post for _, post_id, post, _ in rows if post_id is None]
    ids: dict[str, int] = {}
    if new:
        ids = dict(session.execute(
            insert(posts).returning(posts.c.subject_key, posts.c.id),
            bulk_rows(Post, new, now)).all())
    values = [{**d, "post_id": post_id if post_id is not None else ids[post["subject_key"]]}
              for _, post_id, post, deliveries in rows for d in deliveries]
    insert_rows(session, Delivery.__table__, bulk_rows(Delivery, values, now))


def take_off_cancelled(session: Session, now: datetime) -> int:
    """Deliveries of cancelled events and withdrawn titles never go out: cancels the open ones,
    returns how many."""
    gone = (select(Post.id).join(Event, Event.id == Post.event_id)
            .where(Event.cancelled.is_(True))
            .union(select(Post.id).join(Title, Title.id == Post.title_id)
                   .where(Title.withdrawn_at.is_not(None))))
    query = (update(Delivery).where(Delivery.post_id.in_(gone), Delivery.status.in_(OPEN))
             .values(status=S.cancelled, updated_at=now, last_error_kind="withdrawn",
                     last_error="Dibatalkan: acara dibatalkan atau judul ditarik di sumber "
                                "data. / Cancelled: the event was cancelled or the title "
                                "withdrawn at the source."))
    return session.execute(query).rowcount or 0
