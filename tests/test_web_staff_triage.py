"""Staff pages through the real app, part 3: triage. The queue with today's deliveries first and
its multi-select (move, cancel, approve), and the calendar's move to another day, all held to
the account's rules (spacing, daily maximum, quiet dates) with every refusal said in words."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from staff_kit import make_delivery

from outreach.desk.browse import day_start
from outreach.models import Delivery

TZ = ZoneInfo("Asia/Makassar")


def _today() -> date:
    return datetime.now(TZ).date()


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ).astimezone(UTC)


@pytest.fixture
def rules(tmp_path, monkeypatch):
    """The shipped schedule, with X at most 3 a day and 30 minutes apart, and a quiet day five
    days from now (a yearly date, named)."""
    from outreach.config import default_dir

    folder = tmp_path / "schedules"
    shutil.copytree(default_dir("schedules"), folder)
    quiet = _today() + timedelta(days=5)
    (folder / "zz-triage.yaml").write_text(
        "platforms:\n  x: {max_per_day: 3, spacing_minutes: 30}\n"
        f"quiet_dates:\n  - {{date: \"{quiet.month:02d}-{quiet.day:02d}\", name: Hari Buku}}\n",
        encoding="utf-8")
    monkeypatch.setenv("OUTREACH_SCHEDULES_DIR", str(folder))
    return quiet


def _flashes(client, path: str = "/queue") -> list[str]:
    html = client.get(path).text
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", m)).split())
            for m in re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', html, re.S)]


def _get(web, delivery_id: int) -> Delivery:
    with web.session() as s:
        return s.get(Delivery, delivery_id)


def test_queue_lists_today_first_then_ahead_then_earlier(rules, web):
    today = _today()
    early = make_delivery(web, at=day_start(today, TZ) + timedelta(minutes=1), text="Pagi ini")
    late = make_delivery(web, at=day_start(today, TZ) + timedelta(hours=23), text="Malam ini")
    yesterday = make_delivery(web, at=_local(today - timedelta(days=1), 10), status="published")
    last_week = make_delivery(web, at=_local(today - timedelta(days=7), 10), status="published")
    tomorrow = make_delivery(web, at=_local(today + timedelta(days=1), 9))
    next_week = make_delivery(web, at=_local(today + timedelta(days=7), 9))
    html = web.client("staff").get("/queue").text
    ids = [int(i) for i in re.findall(r'href="/deliveries/(\d+)"', html)]
    assert ids == [early.id, late.id, tomorrow.id, next_week.id, yesterday.id, last_week.id]
    heads = re.findall(r'<tr class="group-row group-(\w+)"><th colspan="6" scope="colgroup">'
                       r'([^<]+)</th>', html)
    assert heads == [("today", "Hari ini"), ("ahead", "Akan datang"),
                     ("before", "Sebelumnya")]
    # Every row can be ticked; the bulk form carries the CSRF token.
    assert sorted(int(i) for i in re.findall(r'name="ids" value="(\d+)"', html)) == sorted(ids)
    form = html[html.index('action="/queue/bulk"'):]
    assert 'name="csrf_token"' in form[:form.index("</fieldset>")]


def test_queue_pages_across_the_groups_in_order(rules, web):
    today = _today()
    made = ([make_delivery(web, at=_local(today + timedelta(days=1 + i), 9)) for i in range(3)]
            + [make_delivery(web, at=_local(today - timedelta(days=1 + i), 9),
                             status="published") for i in range(3)])
    from outreach.desk.browse import QueueFilter, queue_page

    with web.session() as s:
        first, more = queue_page(s, TZ, QueueFilter(), 1, 4)
        second, more2 = queue_page(s, TZ, QueueFilter(), 2, 4)
    assert [r.id for r in first + second] == [d.id for d in made]
    assert more and not more2
    assert [r.group for r in first] == ["ahead"] * 3 + ["before"]


def test_bulk_move_keeps_each_accounts_spacing_and_says_what_it_skipped(rules, web):
    today = _today()
    at = _local(today + timedelta(days=2), 8)
    xs = [make_delivery(web, platform="x", at=at + timedelta(hours=i)) for i in range(3)]
    fb = make_delivery(web, platform="facebook", at=at)
    done = make_delivery(web, platform="x", status="published", at=at - timedelta(days=3))
    client = web.client("staff")
    target = today + timedelta(days=3)
    answer = web.post(client, "/queue/bulk", {
        "action": "move", "ids": [d.id for d in (*xs, fb, done)],
        "at": f"{target.isoformat()}T10:00", "next": "/queue?status=scheduled"})
    assert answer.status_code == 303 and answer.headers["location"] == "/queue?status=scheduled"
    said = _flashes(client)
    assert said[0] == "4 kiriman dipindahkan."
    assert said[1] == f"1 kiriman dilewati — #{done.id}: statusnya “Terbit”, tidak dapat " \
                      "diubah lagi."
    # X's three are 30 minutes apart from the chosen time; Facebook's keeps the time itself.
    assert [_get(web, d.id).scheduled_at for d in xs] == [
        _local(target, 10), _local(target, 10, 30), _local(target, 11)]
    assert _get(web, fb.id).scheduled_at == _local(target, 10)
    assert _get(web, done.id).status == "published"


def test_bulk_move_respects_the_daily_maximum_and_quiet_dates(rules, web):
    quiet = rules
    day = _today() + timedelta(days=2)
    xs = [make_delivery(web, platform="x", at=_local(day, 8) + timedelta(hours=i))
          for i in range(4)]
    client = web.client("staff")
    web.post(client, "/queue/bulk", {"action": "move", "ids": [d.id for d in xs],
                                     "at": f"{(day + timedelta(days=1)).isoformat()}T09:00"})
    said = _flashes(client)
    assert said[0] == "3 kiriman dipindahkan."
    assert re.fullmatch(rf"1 kiriman dilewati — #{xs[3].id}: akun ini sudah punya 3 kiriman "
                        r"pada \d+ \w+ \d{4}, batas hariannya\.", said[1]), said
    assert _get(web, xs[3].id).scheduled_at == _local(day, 11)  # left where it was
    web.post(client, "/queue/bulk", {"action": "move", "ids": [xs[3].id],
                                     "at": f"{quiet.isoformat()}T09:00"})
    said = _flashes(client)
    assert said[0].startswith(f"1 kiriman dilewati — #{xs[3].id}: ")
    assert said[0].endswith("adalah hari tanpa unggahan (Hari Buku).")
    assert "Tidak ada kiriman" not in " ".join(said)
    # Nothing chosen, or no time: said, and nothing moves.
    web.post(client, "/queue/bulk", {"action": "move", "at": f"{day.isoformat()}T09:00"})
    assert _flashes(client) == ["Belum ada kiriman yang dipilih: centang kiriman di daftar lalu "
                                "pilih tindakannya."]
    web.post(client, "/queue/bulk", {"action": "move", "ids": [xs[3].id], "at": ""})
    assert _flashes(client) == ["Pilih tanggal dan jam tujuan untuk memindahkan kiriman."]


def test_bulk_cancel_and_approve_by_role(rules, web):
    author = web.user("staff")
    other = web.user("staff")
    mine = make_delivery(web, status="pending_review", author=author.email,
                         author_id=author.id)
    theirs = make_delivery(web, status="pending_review", author=other.email,
                           author_id=other.id)
    plain = make_delivery(web, status="scheduled")
    client = web.client(user=author)
    # Without the CSRF token nothing happens.
    refused = client.post("/queue/bulk", data={"action": "cancel", "ids": [plain.id]})
    assert refused.status_code == 403 and _get(web, plain.id).status == "scheduled"
    web.post(client, "/queue/bulk", {"action": "cancel", "ids": [mine.id, theirs.id]})
    said = _flashes(client)
    assert said == ["1 kiriman dibatalkan.",
                    f"1 kiriman dilewati — #{theirs.id}: menunggu persetujuan; hanya penulisnya "
                    "atau manajer yang dapat mengubahnya."]
    assert _get(web, mine.id).status == "cancelled"
    assert _get(web, theirs.id).status == "pending_review"
    # Staff cannot approve; the page offers the button only to managers.
    assert 'value="approve"' not in client.get("/queue").text
    web.post(client, "/queue/bulk", {"action": "approve", "ids": [theirs.id]})
    assert _flashes(client) == ["Hanya manajer yang dapat menyetujui kiriman."]
    assert _get(web, theirs.id).status == "pending_review"
    manager = web.user("manager")
    own = make_delivery(web, status="pending_review", author=manager.email,
                        author_id=manager.id)
    boss = web.client(user=manager)
    assert 'value="approve"' in boss.get("/queue").text
    web.post(boss, "/queue/bulk", {"action": "approve", "ids": [theirs.id, own.id, plain.id]})
    said = _flashes(boss)
    assert said[0] == "1 kiriman disetujui dan dijadwalkan."
    assert f"#{own.id}: Anda menulisnya sendiri; manajer lain yang harus menyetujuinya" in said[1]
    assert f"#{plain.id}: tidak sedang menunggu persetujuan (statusnya “Terjadwal”)" in said[1]
    assert said[1].startswith("2 kiriman dilewati")
    assert _get(web, theirs.id).status == "scheduled"
    assert _get(web, own.id).status == "pending_review"


def test_calendar_move_keeps_the_time_of_day_and_refuses_in_words(rules, web):
    day = _today() + timedelta(days=2)
    d = make_delivery(web, platform="x", at=_local(day, 9, 15))
    blocker = make_delivery(web, platform="x", at=_local(day + timedelta(days=1), 9, 30))
    client = web.client("staff")
    page = client.get(f"/calendar?view=week&date={day.isoformat()}").text
    assert f'draggable="true" data-id="{d.id}"' in page
    assert f'id="mv-{d.id}" name="day" value="{day.isoformat()}"' in page
    # A drop (the script asks for JSON) next to another X post: refused, said, unchanged.
    answer = web.post(client, "/calendar/move", {"id": d.id,
                                                 "day": (day + timedelta(days=1)).isoformat()},
                      headers={"Accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json() == {"ok": False, "message": (
        f"1 kiriman dilewati — #{d.id}: akun ini sudah punya kiriman pukul 09.30; jarak antar "
        "kiriman paling sedikit 30 menit.")}
    assert _get(web, d.id).scheduled_at == _local(day, 9, 15)
    # The "Pindahkan" form (no script): moved, same time of day, back to the calendar.
    target = day + timedelta(days=2)
    moved = web.post(client, "/calendar/move", {"id": d.id, "day": target.isoformat(),
                                                "next": f"/calendar?date={day.isoformat()}"})
    assert moved.status_code == 303
    assert moved.headers["location"] == f"/calendar?date={day.isoformat()}"
    assert _get(web, d.id).scheduled_at == _local(target, 9, 15)
    assert _flashes(client, "/calendar") == ["1 kiriman dipindahkan."]
    # The quiet day and the past are refused too.
    web.post(client, "/calendar/move", {"id": d.id, "day": rules.isoformat()})
    assert "hari tanpa unggahan (Hari Buku)" in _flashes(client, "/calendar")[0]
    web.post(client, "/calendar/move", {"id": blocker.id,
                                        "day": (_today() - timedelta(days=1)).isoformat()})
    assert _flashes(client, "/calendar") == [
        f"1 kiriman dilewati — #{blocker.id}: waktu itu sudah lewat."]
    bad = web.post(client, "/calendar/move", {"id": d.id, "day": "besok"},
                   headers={"Accept": "application/json"})
    assert bad.status_code == 400 and "Pilih tanggal tujuan" in bad.json()["message"]
