"""Engagement sync: snapshots of every published post's metrics, read less often as it ages.

docs/architecture.md and docs/reports.md. A published delivery is due when `next_sync_at` has come
(dispatch sets it to the publishing time: "a published delivery without a snapshot is due"). Each
pass takes, per account, the due deliveries in batches of the platform's maximum
(`limits.metrics_batch`: X 100 ids a call, a Graph batch of 50), appends one snapshot per post
(history is never overwritten), and sets the next time from the aging schedule
(OUTREACH_ENGAGEMENT_SCHEDULE; default hourly for the first day, every 6 hours to day 7, daily to
day 30, weekly to day 90, then never).

Rules that keep it honest and inside the platforms' limits:

- a post missing from two successful answers in a row is marked removed (`removed_at`) and no
  longer polled; a failed call proves nothing (one miss may be a sub-request that failed, so a
  miss is checked again after `RECHECK`), and neither does a post the platform says it could not
  read this time (`metrics_unread`: read again after `RETRY`, no miss counted);
- figures the platform withheld (insights of a post seen by few people, a Page under 100 likes,
  a token without the insights permission) leave the rest of the snapshot standing; why is kept
  on the delivery (`last_error`, kind `metrics_partial`, shown on its page) and in the pass's
  `notes`;
- a rate-limited account stops until the reset the platform gave, and so does an account whose
  metrics window says "0 left" (no call is wasted on a certain 429); an account that is not
  healthy (needs reconnect, paused) is not polled;
- deliveries are claimed with a guarded update before the call, so two syncs running at once
  never read the same post twice;
- when a post's comment count grew, its new comments are fetched into the feedback inbox.

`sync_due()` is one pass for the clock and says whether more work is waiting.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, exists, func, insert, or_, update
from sqlmodel import Session, select

from outreach.config import Settings, get_settings
from outreach.db import get_engine
from outreach.engagement import feedback
from outreach.models import (
    METRICS,
    Account,
    AccountHealth,
    Delivery,
    DeliveryStatus,
    EngagementSnapshot,
    utcnow,
)
from outreach.platforms import ErrorKind, Platform, PublishError, client_for

log = logging.getLogger(__name__)

CLAIM = timedelta(minutes=10)  # a claimed batch is retried after this if the process dies
RETRY = timedelta(minutes=15)  # after a failed call
RECHECK = timedelta(minutes=10)  # after a post was missing from one answer
RATE_FALLBACK = timedelta(minutes=15)  # a rate limit without a reset time
BATCHES_PER_PASS = 50  # per account; the rest waits for the next pass (`more`)
PARTIAL = "metrics_partial"  # Delivery.last_error_kind: some figures withheld, see last_error
COMMENT_FETCHES_PER_PASS = 100  # posts per account and pass whose new comments are fetched


@dataclass
class SyncResult:
    snapshots: int = 0
    removed: int = 0  # posts found deleted on the platform
    calls: int = 0  # metric calls made (each one batch)
    comment_calls: int = 0
    comments: int = 0  # new comments in the feedback inbox
    questions: int = 0
    waiting: list[str] = field(default_factory=list)  # accounts waiting for a rate limit
    errors: list[str] = field(default_factory=list)  # plain words, for people
    # Figures a platform withheld or could not give this time (plain words, per account).
    notes: list[str] = field(default_factory=list)
    more: bool = False  # due work remains that this pass did not reach

    def merge(self, other: SyncResult) -> None:
        for name in ("snapshots", "removed", "calls", "comment_calls", "comments", "questions"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.waiting += other.waiting
        self.errors += other.errors
        self.notes += other.notes
        self.more = self.more or other.more


def next_sync(published_at: datetime, taken_at: datetime,
              steps: list[tuple[timedelta, timedelta]]) -> datetime | None:
    """When to read a post's metrics again after reading them at `taken_at`; None: never.

    The step is chosen by the post's age; a last reading falls exactly on the final age, so the
    history ends with the post's settled figures."""
    age = taken_at - published_at
    final = published_at + steps[-1][0]
    for until, every in steps:
        if age < until:
            return min(taken_at + every, final)
    return None


def figures(metrics: dict) -> dict[str, int | None]:
    """What reports rank and group posts by, kept on the delivery with its latest snapshot:
    interactions (likes + comments + shares + saves) and their base (reach, else views)."""
    return {"inter": sum(metrics.get(m) or 0 for m in ("likes", "comments", "shares", "saves")),
            "base": metrics.get("reach") or metrics.get("views") or None}


def _session(settings: Settings) -> Session:
    return Session(get_engine(settings.database_url), expire_on_commit=False)


def _due(now: datetime):  # noqa: ANN202 - a list of SQL conditions
    return [Delivery.status == DeliveryStatus.published, Delivery.remote_id.is_not(None),
            Delivery.removed_at.is_(None), Delivery.next_sync_at <= now]


def due_accounts(session: Session, now: datetime) -> list[int]:
    """Accounts with due deliveries that may be polled now: healthy, and not out of calls."""
    # Accounts are few: ask each whether it has a due delivery (the next_sync_at index), rather
    # than grouping the whole delivery table.
    rows = session.exec(
        select(Account.id)
        .where(Account.health == AccountHealth.ok,
               or_(Account.rate_reset_at.is_(None), Account.rate_reset_at <= now,
                   Account.rate_remaining.is_(None), Account.rate_remaining > 0),
               exists(select(Delivery.id).where(Delivery.account_id == Account.id,
                                                *_due(now))))
        .order_by(Account.id))
    return list(rows)


def _claim(session: Session, account_id: int, now: datetime, size: int) -> list[tuple]:
    """Take up to `size` due deliveries of the account: (id, remote_id, published_at,
    comments_seen, sync_misses) of those this process got."""
    conn = session.connection()
    ids = [r[0] for r in conn.execute(
        select(Delivery.id).where(Delivery.account_id == account_id, *_due(now))
        .order_by(Delivery.next_sync_at, Delivery.id).limit(size))]
    if not ids:
        return []
    # The guard is the time alone: the rows were just chosen as due, and a time still due
    # means no other sync took them meanwhile (by the primary key, not a status index).
    rows = conn.execute(
        update(Delivery).where(Delivery.id.in_(ids), Delivery.next_sync_at <= now)
        .values(next_sync_at=now + CLAIM)
        .returning(Delivery.id, Delivery.remote_id, Delivery.published_at,
                   Delivery.comments_seen, Delivery.sync_misses)).all()
    session.commit()
    return sorted((tuple(r) for r in rows), key=lambda r: ids.index(r[0]))


def _postpone(session: Session, account_id: int, ids: list[int], until: datetime) -> None:
    """Put claimed deliveries back, and every due one of the account, until `until`."""
    conn = session.connection()
    if ids:
        conn.execute(update(Delivery).where(Delivery.id.in_(ids)).values(next_sync_at=until))
    conn.execute(update(Delivery).where(Delivery.account_id == account_id,
                                        *_due(until - timedelta(microseconds=1)))
                 .values(next_sync_at=until))
    session.commit()


def _record(session: Session, claimed: list[tuple], found: dict[str, dict], now: datetime,
            settings: Settings, result: SyncResult, client: Platform | None = None
            ) -> list[tuple[int, str, int, int]]:
    """Append the snapshots, set the next times, count misses, keep the platform's notes.
    Returns (id, remote_id, comments_seen, comments now) of the posts whose comment count
    grew."""
    notes = client.metrics_notes if client is not None else {}
    unread = client.metrics_unread if client is not None else frozenset()
    steps = settings.sync_steps
    conn = session.connection()
    present = [r for r in claimed if str(r[1]) in found]
    snapshot_ids: dict[int, int] = {}
    if present:
        rows = [{"delivery_id": r[0], "taken_at": now,
                 **{m: found[str(r[1])].get(m) for m in METRICS}} for r in present]
        for sid, did in conn.execute(
                insert(EngagementSnapshot).returning(EngagementSnapshot.id,
                                                     EngagementSnapshot.delivery_id,
                                                     sort_by_parameter_order=True), rows):
            snapshot_ids[did] = sid
        conn.execute(
            update(Delivery).where(Delivery.id == bindparam("did"))
            .values(last_snapshot_id=bindparam("sid"), next_sync_at=bindparam("nxt"),
                    last_interactions=bindparam("inter"), last_base=bindparam("base"),
                    sync_misses=0).execution_options(synchronize_session=False),
            [{"did": r[0], "sid": snapshot_ids[r[0]], "nxt": next_sync(r[2], now, steps),
              **figures(found[str(r[1])])} for r in present])
        result.snapshots += len(present)
        _keep_notes(conn, present, notes)
    for r in claimed:
        if str(r[1]) in found:
            continue
        if str(r[1]) in unread:  # the platform could not say this time: no proof of anything
            conn.execute(update(Delivery).where(Delivery.id == r[0]).values(
                next_sync_at=now + RETRY))
            continue
        if (r[4] or 0) + 1 >= 2:  # missing from two successful answers: deleted there
            conn.execute(update(Delivery).where(Delivery.id == r[0]).values(
                removed_at=now, next_sync_at=None, sync_misses=(r[4] or 0) + 1,
                updated_at=now))
            result.removed += 1
        else:
            conn.execute(update(Delivery).where(Delivery.id == r[0]).values(
                next_sync_at=now + RECHECK, sync_misses=(r[4] or 0) + 1))
    session.commit()
    grown = []
    for r in present:
        count = found[str(r[1])].get("comments")
        # Changed, not only grown: a deleted comment and a new one leave the count as it was
        # only when both happen between two readings.
        if isinstance(count, int) and count > 0 and count != (r[3] or 0):
            grown.append((r[0], str(r[1]), r[3] or 0, count))
    return grown


def _keep_notes(conn, present: list[tuple], notes) -> None:  # noqa: ANN001 - a Connection
    """Why some figures of a post are missing, on the delivery (its page shows `last_error`);
    cleared once the platform gives them all again. Only a published delivery's own note is
    touched (kind `metrics_partial` or none)."""
    noted = [{"did": r[0], "note": notes[str(r[1])]} for r in present if str(r[1]) in notes]
    if noted:
        conn.execute(
            update(Delivery).where(Delivery.id == bindparam("did"),
                                   or_(Delivery.last_error_kind.is_(None),
                                       Delivery.last_error_kind == PARTIAL))
            .values(last_error=bindparam("note"), last_error_kind=PARTIAL)
            .execution_options(synchronize_session=False), noted)
    clear = [r[0] for r in present if str(r[1]) not in notes]
    if clear:
        conn.execute(update(Delivery).where(Delivery.id.in_(clear),
                                            Delivery.last_error_kind == PARTIAL)
                     .values(last_error=None, last_error_kind=None))


def _summarise_notes(account: Account, notes, result: SyncResult) -> None:  # noqa: ANN001
    """One line per distinct note of the account (for the log and the CLI)."""
    counts: dict[str, int] = {}
    for note in notes.values():
        counts[note] = counts.get(note, 0) + 1
    for note, n in counts.items():
        result.notes.append(f"{account.platform} {account.name}: {n} post(s): {note}")


def _stop_for_rate(session: Session, account: Account, claimed_ids: list[int],
                   reset_at: datetime, result: SyncResult, why: str) -> None:
    _postpone(session, account.id, claimed_ids, reset_at)
    result.waiting.append(f"{account.platform} {account.name}: {why}")
    log.info("engagement: %s %s waits until %s (%s)", account.platform, account.name,
             reset_at.isoformat(), why)


def _exhausted(client: Platform, now: datetime) -> datetime | None:
    """The reset time when the metrics endpoint's window has no calls left."""
    state = client.metrics_rate_state
    if state is not None and state.remaining == 0 and state.reset_at and state.reset_at > now:
        return state.reset_at
    return None


def sync_account(account_id: int, settings: Settings, now: datetime,
                 max_batches: int = BATCHES_PER_PASS, client: Platform | None = None
                 ) -> SyncResult:
    """Read the metrics of one account's due deliveries, batch by batch."""
    result = SyncResult()
    with _session(settings) as session:
        account = session.get(Account, account_id)
        if account is None or account.health != AccountHealth.ok:
            return result
        try:
            client = client or client_for(account, settings)
        except PublishError as exc:
            result.errors.append(f"{account.platform} {account.name}: {exc.message}")
            return result
        except Exception as exc:  # noqa: BLE001 - e.g. credentials that cannot be opened
            result.errors.append(f"{account.platform} {account.name}: {exc}")
            return result
        size = max(1, min(client.limits_for(settings).metrics_batch,
                          client.limits.metrics_batch))
        # Comments are one call per post: at most twice a metrics batch per pass (instagrapi's
        # small batches keep the unofficial API's bursts small here too).
        comment_budget = min(COMMENT_FETCHES_PER_PASS, 2 * size)
        comments_supported = True
        for batch in range(max_batches + 1):
            claimed = _claim(session, account_id, now, size if batch < max_batches else 1)
            if not claimed:
                break
            if batch == max_batches:  # one more was due: put it back, say so
                session.execute(update(Delivery).where(Delivery.id == claimed[0][0])
                                .values(next_sync_at=now))
                session.commit()
                result.more = True
                break
            ids = [r[0] for r in claimed]
            try:
                result.calls += 1
                found = client.fetch_metrics([str(r[1]) for r in claimed])
            except PublishError as exc:
                _failed(session, account, ids, exc, now, result)
                break
            except NotImplementedError as exc:
                _postpone(session, account_id, ids, now + timedelta(days=1))
                result.errors.append(f"{account.platform} {account.name}: {exc}")
                break
            grown = _record(session, claimed, found, now, settings, result, client)
            _summarise_notes(account, client.metrics_notes, result)
            if comments_supported and grown and comment_budget > 0:
                fetched, comments_supported = _comments(session, client, account, grown[
                    :comment_budget], settings, result)
                comment_budget -= fetched
            reset = _exhausted(client, now)
            if reset is not None:
                _stop_for_rate(session, account, [], reset, result, "no metric calls left "
                               "in the platform's window")
                break
        _keep_rate_state(session, account, client, now)
    return result


def _failed(session: Session, account: Account, ids: list[int], exc: PublishError,
            now: datetime, result: SyncResult) -> None:
    where = f"{account.platform} {account.name}"
    if exc.kind == ErrorKind.rate_limited:
        wait = timedelta(seconds=exc.retry_after) if exc.retry_after else RATE_FALLBACK
        _stop_for_rate(session, account, ids, now + wait, result, exc.message)
        return
    _postpone(session, account.id, ids, now + RETRY)
    result.errors.append(f"{where}: {exc.message}")
    if exc.kind in (ErrorKind.auth_expired, ErrorKind.out_of_credits):
        from outreach.dispatch.outcomes import hold_account

        # The same as when publishing finds it: flag the account, hold what waits to go out
        # (reading costs credits too: an account out of them is not polled either).
        hold_account(session, account, exc.message, now, exc.kind)
        session.add(account)
        session.commit()


def _comments(session: Session, client: Platform, account: Account,
              grown: list[tuple[int, str, int, int]], settings: Settings,
              result: SyncResult) -> tuple[int, bool]:
    """Fetch the new comments of posts whose count grew, all at once (`fetch_comments_many`:
    Graph already has them from the metrics batch). Returns (posts handled, supported?)."""
    sinces = [feedback.latest_comment_at(session, did) for did, *_ in grown]
    # One `since` for all: the earliest (None when a post has none yet); comments already
    # stored are skipped by store_comments.
    since = None if any(s is None for s in sinces) else min(sinces)
    before = client.requests_made
    try:
        found = client.fetch_comments_many([rid for _, rid, _, _ in grown], since=since)
    except NotImplementedError:
        return len(grown), False
    except PublishError as exc:
        # The counts stay behind, so the comments are fetched at the next snapshot.
        where = f"{account.platform} {account.name}: comments"
        if exc.kind == ErrorKind.rate_limited:
            result.waiting.append(f"{where}: {exc.message}")
        else:
            result.errors.append(f"{where}: {exc.message}")
        return len(grown), True
    finally:
        after = client.requests_made
        result.comment_calls += (after - before) if before is not None and after is not None \
            else len(grown)
    for delivery_id, remote_id, _seen, count in grown:
        if remote_id not in found:
            continue
        added, questions = feedback.store_comments(session, delivery_id, account.platform,
                                                   found[remote_id], settings)
        session.execute(update(Delivery).where(Delivery.id == delivery_id)
                        .values(comments_seen=count))
        session.commit()
        result.comments += added
        result.questions += questions
    return len(grown), True


def _keep_rate_state(session: Session, account: Account, client: Platform,
                     now: datetime) -> None:
    """When the account's shared quota is used up (Meta's usage headers), the publisher must
    know too: it reads Account.rate_remaining / rate_reset_at."""
    state = client.rate_state
    if state is not None and state.remaining == 0 and state.reset_at and state.reset_at > now:
        session.execute(update(Account).where(Account.id == account.id).values(
            rate_remaining=0, rate_reset_at=state.reset_at))
        session.commit()


def sync_pass(settings: Settings | None = None, *, now: datetime | None = None,
              max_batches: int = BATCHES_PER_PASS) -> SyncResult:
    """One pass over every account with due deliveries (accounts in parallel)."""
    settings = settings or get_settings()
    now = now or utcnow()
    with _session(settings) as session:
        accounts = due_accounts(session, now)
    result = SyncResult()
    if not accounts:
        return result
    workers = max(1, min(settings.worker_concurrency, len(accounts)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="engagement") as pool:
        for part in pool.map(lambda a: sync_account(a, settings, now, max_batches), accounts):
            result.merge(part)
    return result


def sync_due(settings: Settings | None = None) -> bool:
    """The clock's job: one pass; True when more due work is waiting (call again soon)."""
    result = sync_pass(settings)
    if result.snapshots or result.removed or result.errors:
        log.info("engagement: %d snapshots, %d removed, %d new comments, %d errors",
                 result.snapshots, result.removed, result.comments, len(result.errors))
    for error in result.errors:
        log.warning("engagement: %s", error)
    for note in result.notes:
        log.info("engagement: %s", note)
    return result.more


def next_sync_at(settings: Settings | None = None) -> datetime | None:
    """When the next delivery is due for a snapshot (for the clock and `status`)."""
    settings = settings or get_settings()
    with _session(settings) as session:
        return session.exec(
            select(func.min(Delivery.next_sync_at)).where(
                Delivery.status == DeliveryStatus.published, Delivery.removed_at.is_(None))
        ).first()


def history(session: Session, delivery_id: int) -> list[EngagementSnapshot]:
    """Every snapshot of one delivery, oldest first (a post's curve, for the web UI)."""
    return list(session.exec(
        select(EngagementSnapshot).where(EngagementSnapshot.delivery_id == delivery_id)
        .order_by(EngagementSnapshot.taken_at, EngagementSnapshot.id)))
