"""The rules behind the staff pages, below the web (outreach/desk/editing.py,
outreach/desk/browse.py):
what may be edited or moved when, what status an edit leaves, and local days in the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from outreach.config import Settings
from outreach.db import get_engine
from outreach.desk.browse import QueueFilter, calendar, queue_page
from outreach.desk.editing import EditError, edit_delivery, may_edit, reschedule
from outreach.models import Account, AuditLog, Delivery, Post, utcnow


@pytest.fixture
def session(db_url):
    with Session(get_engine(db_url), expire_on_commit=False) as s:
        yield s


def _delivery(s: Session, *, status: str = "scheduled", kind: str = "free", text: str = "Halo",
              at: datetime | None = None, platform: str = "facebook",
              last_error_kind: str | None = None, author: str = "system") -> Delivery:
    account = s.exec(select(Account).where(Account.platform == platform)).first()
    if account is None:
        account = Account(platform=platform, external_id="1", name=platform)
        s.add(account)
        s.flush()
    post = Post(kind=kind, author=author)
    s.add(post)
    s.flush()
    when = at or utcnow() + timedelta(days=1)
    d = Delivery(post_id=post.id, account_id=account.id, platform=platform, text=text,
                 scheduled_at=when, next_attempt_at=when, status=status,
                 last_error_kind=last_error_kind,
                 last_error="broken" if last_error_kind else None)
    s.add(d)
    s.commit()
    return d


def test_a_fixed_planning_draft_goes_on_as_the_approval_policy_says(session, db_url):
    d = _delivery(session, status="draft", kind="acquisition", last_error_kind="invalid")
    assert edit_delivery(session, Settings(), d.id, "Buku baru!", [], actor="rina@p.test",
                         user_id=None, role="staff")
    session.refresh(d)
    assert d.status == "scheduled" and d.last_error is None  # acquisitions are automatic
    entry = session.exec(select(AuditLog).where(AuditLog.action == "delivery.edit")).one()
    assert entry.detail["before"]["text"] == "Halo"
    assert entry.detail["after"]["text"] == "Buku baru!"


def test_a_manager_rejection_stays_a_draft_until_it_is_sent_again(session):
    d = _delivery(session, status="draft", last_error_kind="rejected")
    edit_delivery(session, Settings(), d.id, "Diperbaiki", [], actor="rina@p.test",
                  user_id=None, role="staff")
    session.refresh(d)
    assert d.status == "draft" and d.text == "Diperbaiki"


@pytest.mark.parametrize("status", ["publishing", "published", "unconfirmed", "cancelled"])
def test_what_may_be_out_already_cannot_be_edited_or_moved(session, status):
    d = _delivery(session, status=status)
    assert not may_edit(d, None, 1, "a@p.test", "admin")
    with pytest.raises(EditError):
        edit_delivery(session, Settings(), d.id, "Baru", [], actor="a@p.test", user_id=1,
                      role="admin")
    with pytest.raises(EditError):
        reschedule(session, d.id, utcnow() + timedelta(days=1), actor="a@p.test", user_id=1,
                   role="admin")
    session.refresh(d)
    assert d.text == "Halo" and d.status == status


def test_a_too_long_text_is_refused_with_the_platforms_words(session):
    d = _delivery(session, platform="instagram", text="Pendek")
    with pytest.raises(EditError) as caught:
        edit_delivery(session, Settings(), d.id, "x" * 2300, [], actor="a@p.test", user_id=1,
                      role="manager", locale="en")
    assert "The text for Instagram is too long: 2300 of 2200 characters" in str(caught.value)
    session.refresh(d)
    assert d.text == "Pendek"


def test_moving_a_missed_delivery_schedules_it_again_and_the_past_is_refused(session):
    d = _delivery(session, status="missed", at=utcnow() - timedelta(hours=9),
                  last_error_kind="missed")
    with pytest.raises(EditError, match="already passed"):
        reschedule(session, d.id, utcnow() - timedelta(minutes=5), actor="a@p.test",
                   user_id=1, role="staff")
    later = utcnow() + timedelta(hours=3)
    reschedule(session, d.id, later, actor="a@p.test", user_id=None, role="staff")
    session.refresh(d)
    assert d.status == "scheduled" and d.scheduled_at == d.next_attempt_at
    assert abs((d.scheduled_at - later).total_seconds()) < 1 and d.last_error is None


@pytest.fixture(params=["sqlite", "postgresql"])
def any_session(request):
    """A session on SQLite, and on PostgreSQL when a server is configured (the calendar's SQL
    differs between the two: a union of limited subqueries)."""
    from outreach.db import init_db

    url = request.getfixturevalue("db_url" if request.param == "sqlite" else "pg_url")
    init_db(url)
    with Session(get_engine(url), expire_on_commit=False) as s:
        yield s


def test_calendar_days_follow_the_zone_across_a_clock_change(any_session):
    session = any_session
    berlin = ZoneInfo("Europe/Berlin")  # summer time ends 25 October 2026, 03:00 -> 02:00
    before = _delivery(session, at=datetime(2026, 10, 25, 22, 30, tzinfo=UTC))  # 23:30 CET
    after = _delivery(session, at=datetime(2026, 10, 25, 23, 30, tzinfo=UTC))  # 00:30 on 26th
    days = {d.day: [r.id for r in d.rows] for d in
            calendar(session, berlin, date(2026, 10, 24), date(2026, 10, 27))}
    assert days[date(2026, 10, 25)] == [before.id]
    assert days[date(2026, 10, 26)] == [after.id]
    rows, more = queue_page(session, berlin, QueueFilter(date_from=date(2026, 10, 26),
                                                         date_to=date(2026, 10, 26)))
    assert [r.id for r in rows] == [after.id] and not more
    busy = [_delivery(session, at=datetime(2026, 10, 27, 8, i, tzinfo=UTC)) for i in range(5)]
    [day] = calendar(session, berlin, date(2026, 10, 27), date(2026, 10, 27), per_day=3)
    assert [r.id for r in day.rows] == [d.id for d in busy[:3]] and day.total == 5
    assert day.more == 2
