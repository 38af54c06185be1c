"""schedules/*.yaml: validation with clear errors, merging, and finding free posting times."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from outreach.planning.booking import Booking
from outreach.planning.schedule import QuietDate, Rhythm, Schedule, ScheduleError, load_schedule

WITA = ZoneInfo("Asia/Makassar")
MONDAY_0830 = datetime(2026, 11, 30, 8, 30, tzinfo=WITA)


def write(tmp_path, text: str):
    (tmp_path / "default.yaml").write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("text", "expected"), [
    ("platforms:\n  x: {slots: ['9 pagi']}\n", "platforms.x.slots"),
    ("platforms:\n  x: {slots: ['9 pagi']}\n", "write HH:MM"),
    ("platforms:\n  mastodon: {}\n", "unknown platform 'mastodon'"),
    ("acquisitions:\n  platforms: [tiktok]\n", "acquisitions.platforms"),
    ("quiet_dates: ['25 Desember']\n", "not a date such as 2026-12-25"),
    ("quiet_dates: [{from: 2026-12-26, to: 2026-12-24}]\n", "ends (2026-12-24) before"),
    ("digest:\n  weekday: senin\n", "digest.weekday"),
    ("platforms:\n  x: {max_per_day: 0}\n", "greater than or equal to 1"),
    ("workshops:\n  announce_days_before: -1\n", "workshops.announce_days_before"),
    ("approval:\n  free: maybe\n", "approval.free"),
    ("acquisition:\n  platforms: [x]\n", "Extra inputs are not permitted"),
    ("jobs: [\n", "line 2: not valid YAML"),
])
def test_bad_schedules_are_refused_with_the_key_and_what_is_expected(tmp_path, text, expected):
    with pytest.raises(ScheduleError) as info:
        load_schedule(folder=write(tmp_path, text))
    assert expected in str(info.value)


def test_plan_command_reports_a_bad_schedule_plainly(db_url, tmp_path, monkeypatch):
    from outreach.cli import app

    folder = tmp_path / "sched"
    folder.mkdir()
    write(folder, "platforms:\n  x: {slots: ['25:00']}\n")
    monkeypatch.setenv("OUTREACH_SCHEDULES_DIR", str(folder))
    result = CliRunner().invoke(app, ["plan", "--dry-run"])
    assert result.exit_code == 1
    assert "platforms.x.slots" in result.output and "Traceback" not in result.output


def test_files_merge_key_by_key(tmp_path):
    (tmp_path / "default.yaml").write_text("platforms:\n  x: {slots: ['09:00'], max_per_day: 2}\n")
    (tmp_path / "local.yaml").write_text("platforms:\n  x: {max_per_day: 1}\n"
                                         "quiet_dates: ['12-25', {date: 2026-03-20, name: Idul"
                                         "fitri}, {from: 2026-12-30, to: 2027-01-02}]\n")
    s = load_schedule(folder=tmp_path)
    assert s.rhythm("x").slots == ["09:00"] and s.rhythm("x").max_per_day == 1
    assert s.is_quiet(date(2031, 12, 25)) and s.is_quiet(date(2026, 3, 20))
    assert s.is_quiet(date(2027, 1, 1)) and not s.is_quiet(date(2027, 1, 3))


def test_shipped_schedule_is_valid_and_says_what_the_issue_asks():
    s = load_schedule()
    assert s.acquisitions.platforms == ["facebook", "instagram"]
    assert (s.digest.platforms, s.digest.weekday, s.digest.time) == (["x"], "monday", "09:00")
    assert (s.workshops.announce_days_before, s.workshops.remind_days_before) == (14, 1)
    assert s.events.announce_days_before == 7
    assert s.approval.free == "review" and s.approval.acquisition == "automatic"
    assert s.is_quiet(date(2026, 8, 17))


def booking(rhythm: Rhythm, taken=(), quiet=(), horizon=14, now=MONDAY_0830) -> Booking:
    sched = Schedule(horizon_days=horizon, quiet_dates=[QuietDate.model_validate(q)
                                                        for q in quiet])
    return Booking(rhythm, sched, WITA, now.astimezone(UTC), list(taken))


def local(when: datetime | None) -> str:
    return f"{when.astimezone(WITA):%a %d %H:%M}" if when else "none"


def test_slots_daily_maximum_spacing_and_quiet_days():
    b = booking(Rhythm(slots=["09:00", "09:30", "16:00"], max_per_day=2, spacing_minutes=60),
                quiet=["2026-12-01"])
    got = [local(b.take(MONDAY_0830)) for _ in range(5)]
    # 09:30 is too close to 09:00; Tuesday is quiet; at most two a day.
    assert got == ["Mon 30 09:00", "Mon 30 16:00", "Wed 02 09:00", "Wed 02 16:00", "Thu 03 09:00"]


def test_existing_posts_count_and_horizon_stops():
    taken = [datetime(2026, 11, 30, 9, 0, tzinfo=WITA)]
    b = booking(Rhythm(slots=["09:00", "12:30"], max_per_day=1), taken=taken, horizon=2)
    assert local(b.take(MONDAY_0830)) == "Tue 01 09:00"
    assert b.take(MONDAY_0830) is None  # Wednesday 09:00 is past the 2-day horizon


def test_latest_and_preferred_times():
    b = booking(Rhythm(slots=["12:30"], spacing_minutes=30))
    deadline = datetime(2026, 11, 30, 12, 0, tzinfo=WITA)
    assert b.take(MONDAY_0830, latest=deadline) is None  # no slot before the event starts
    prefer = datetime(2026, 11, 30, 9, 0, tzinfo=WITA)
    assert local(b.take(prefer, prefer=prefer)) == "Mon 30 09:00"
    assert local(b.take(MONDAY_0830)) == "Mon 30 12:30"  # the missed deadline did not close it


def test_every_minutes_posts_right_away_then_on_the_grid():
    b = booking(Rhythm(every_minutes=1, max_per_day=1000, spacing_minutes=1))
    first, second = b.take(MONDAY_0830), b.take(MONDAY_0830)
    assert first == MONDAY_0830
    assert second - first == timedelta(minutes=1)


def test_many_bookings_fill_the_slots_in_order():
    b = booking(Rhythm(slots=["09:00", "12:30", "16:00"], max_per_day=3), horizon=4000)
    times = [b.take(MONDAY_0830) for _ in range(6000)]
    assert None not in times and times == sorted(set(times))
    assert local(times[0]) == "Mon 30 09:00" and local(times[5]) == "Tue 01 16:00"
    assert times[-1] - times[0] < timedelta(days=2000)  # three a day, none skipped


@pytest.mark.parametrize("seed", range(6))
def test_a_run_of_new_titles_books_as_the_general_search_would(seed):
    """New titles book with no deadline (a search that goes on from the last one); the times
    must be those the general search finds, also between events' bookings and a release."""
    import random

    rng = random.Random(seed)
    rhythm = rng.choice([Rhythm(slots=["09:00", "12:30", "16:00"], max_per_day=2,
                                spacing_minutes=120),
                         Rhythm(slots=["08:00", "08:30", "19:00"], max_per_day=3,
                                spacing_minutes=45),
                         Rhythm(every_minutes=90, max_per_day=5, spacing_minutes=100)])
    taken = [MONDAY_0830 + timedelta(minutes=rng.randrange(0, 20 * 1440, 30))
             for _ in range(rng.randrange(0, 25))]
    quiet = [f"2026-12-{d:02d}" for d in rng.sample(range(1, 20), 4)]
    streamed, general = (booking(rhythm, taken, quiet, horizon=20) for _ in range(2))
    never = MONDAY_0830 + timedelta(days=400)  # a deadline past the horizon: the general search
    for step in range(80):
        if rng.random() < 0.2:  # an event's booking in between, with its own deadline
            earliest = MONDAY_0830 + timedelta(hours=rng.randrange(0, 15 * 24))
            latest = earliest + timedelta(days=rng.randrange(1, 4))
            assert streamed.take(earliest, latest) == general.take(earliest, latest), step
        elif rng.random() < 0.05:
            when = streamed.taken[rng.randrange(len(streamed.taken))] if streamed.taken else None
            if when is not None:
                streamed.release(when)
                general.release(when)
        else:
            assert streamed.take(MONDAY_0830) == general.take(MONDAY_0830, never), step
    assert streamed.taken == general.taken
