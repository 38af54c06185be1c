"""Staff pages through the real app, part 2: the queue, the calendar, one delivery (edit,
reschedule, cancel) and the inbox of what needs a person. Part 1: tests/test_web_staff.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from staff_kit import (
    WITA,
    accounts,
    audit_actions,
    deliveries,
    jpeg,
    make_delivery,
    ready_client,
    textarea,
)

from outreach.models import Account, Attempt, utcnow


# -- queue --------------------------------------------------------------------------------------
def test_queue_filters_and_pages_newest_first(web):
    base = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    made = [make_delivery(web, platform=("x", "facebook")[i % 2],
                          status=("scheduled", "failed", "published")[i % 3],
                          at=base + timedelta(hours=i), text=f"Kiriman nomor {i}")
            for i in range(60)]
    client = web.client("staff")
    page = client.get("/queue")
    assert page.status_code == 200
    ids = [int(i) for i in re.findall(r'href="/deliveries/(\d+)"', page.text)]
    assert ids == [d.id for d in reversed(made)][:50]  # newest scheduled first, 50 a page
    assert 'rel="next"' in page.text
    second = client.get("/queue?page=2")
    assert [int(i) for i in re.findall(r'href="/deliveries/(\d+)"', second.text)] == \
        [d.id for d in reversed(made)][50:]
    failed = client.get("/queue?status=failed").text
    shown = {int(i) for i in re.findall(r'href="/deliveries/(\d+)"', failed)}
    assert shown == {d.id for d in made if d.status == "failed"}
    assert '<option value="failed" selected>' in failed
    fb = client.get("/queue?platform=facebook&status=published").text
    shown = {int(i) for i in re.findall(r'href="/deliveries/(\d+)"', fb)}
    assert shown == {d.id for d in made if d.platform == "facebook" and d.status == "published"}
    account = accounts(web)["x"].id
    by_account = client.get(f"/queue?account={account}").text
    assert {int(i) for i in re.findall(r'href="/deliveries/(\d+)"', by_account)} == \
        {d.id for d in made if d.platform == "x"}
    # Local days (WITA, UTC+8): 2026-12-01 02:00 UTC is 10:00 WITA; hour 16 UTC is the next day.
    day = client.get("/queue?date_from=2026-12-01&date_to=2026-12-01").text
    assert {int(i) for i in re.findall(r'href="/deliveries/(\d+)"', day)} == \
        {d.id for d in made[:14]}
    bad = client.get("/queue?status=nonsense&date_from=kemarin")
    assert bad.status_code == 200 and "Tanggal tidak valid" in bad.text
    assert "Kiriman nomor 59" in page.text


# -- calendar -----------------------------------------------------------------------------------
def _day_section(html: str, day: str) -> str:
    match = re.search(rf'<section[^>]*aria-labelledby="day-{day}">(.*?)</section>', html, re.S)
    assert match, f"no section for {day}"
    return match.group(1)


def test_calendar_puts_deliveries_on_their_local_day(web):
    assert web.settings.timezone == WITA
    # 23:30 WITA on Saturday 5 December is 15:30 UTC; 00:15 WITA on the 6th is 16:15 UTC on the 5th.
    late = make_delivery(web, at=datetime(2026, 12, 5, 15, 30, tzinfo=UTC), text="Larut malam")
    early = make_delivery(web, at=datetime(2026, 12, 5, 16, 15, tzinfo=UTC), status="published",
                          text="Dini hari")
    gone = make_delivery(web, at=datetime(2026, 12, 5, 3, 0, tzinfo=UTC), status="cancelled")
    client = web.client("staff")
    week = client.get("/calendar?view=week&date=2026-12-05")
    assert week.status_code == 200
    saturday = _day_section(week.text, "2026-12-05")
    sunday = _day_section(week.text, "2026-12-06")
    assert f"/deliveries/{late.id}" in saturday and f"/deliveries/{late.id}" not in sunday
    assert f"/deliveries/{early.id}" in sunday and f"/deliveries/{early.id}" not in saturday
    assert "23.30" in saturday and "00.15" in sunday
    assert f"/deliveries/{gone.id}" not in week.text
    assert 'href="/calendar?view=week&amp;date=2026-11-23"' in week.text  # previous week
    assert 'href="/calendar?view=week&amp;date=2026-12-07"' in week.text
    month = client.get("/calendar?view=month&date=2026-12-20").text
    assert f"/deliveries/{late.id}" in _day_section(month, "2026-12-05")
    assert f"/deliveries/{early.id}" in _day_section(month, "2026-12-06")
    assert 'date=2026-11-01"' in month and 'date=2027-01-01"' in month
    assert client.get("/calendar?date=bukan-tanggal").status_code == 200


def test_calendar_caps_a_busy_day_and_links_to_the_queue(web):
    at = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)
    for i in range(15):
        make_delivery(web, at=at + timedelta(minutes=i))
    page = web.client("staff").get("/calendar?view=week&date=2026-12-08").text
    day = _day_section(page, "2026-12-08")
    assert len(re.findall(r'href="/deliveries/', day)) == 12
    assert "dan 3 lainnya" in day and "date_from=2026-12-08" in day


# -- one delivery: edit, reschedule, cancel ----------------------------------------------------
def test_edit_reschedule_and_cancel_a_delivery(sandbox_env, web):
    client = ready_client(web, "staff")
    d = make_delivery(web, platform="x", text="Teks lama", kind="acquisition")
    page = client.get(f"/deliveries/{d.id}")
    assert page.status_code == 200 and "Teks lama" in page.text
    saved = web.post(client, f"/deliveries/{d.id}/edit", {"text": "Teks baru yang lebih jelas"})
    assert saved.status_code == 303 and saved.headers["location"] == f"/deliveries/{d.id}"
    [after] = deliveries(web, id=d.id)
    assert after.text == "Teks baru yang lebih jelas"
    assert after.status == "scheduled"  # announcements go out without review (schedule policy)
    too_long = " ".join(f"kata{i}" for i in range(1800))
    refused = web.post(client, f"/deliveries/{d.id}/edit", {"text": too_long})
    assert refused.status_code == 422 and "terlalu panjang" in refused.text
    assert textarea(refused.text) == too_long
    assert deliveries(web, id=d.id)[0].text == "Teks baru yang lebih jelas"
    past = (datetime.now(UTC) - timedelta(hours=1)).astimezone(web.settings.tz)
    late = web.post(client, f"/deliveries/{d.id}/reschedule",
                    {"at": past.strftime("%Y-%m-%dT%H:%M")})
    assert late.status_code == 422 and "sudah lewat" in late.text
    future = (datetime.now(UTC) + timedelta(days=4)).astimezone(web.settings.tz)
    moved = web.post(client, f"/deliveries/{d.id}/reschedule",
                     {"at": future.strftime("%Y-%m-%dT%H:%M")})
    assert moved.status_code == 303
    [after] = deliveries(web, id=d.id)
    assert after.scheduled_at == future.replace(second=0, microsecond=0).astimezone(UTC)
    assert after.next_attempt_at == after.scheduled_at
    cancelled = web.post(client, f"/deliveries/{d.id}/cancel", {"next": f"/deliveries/{d.id}"})
    assert cancelled.status_code == 303
    assert deliveries(web, id=d.id)[0].status == "cancelled"
    assert f"Kiriman #{d.id} dibatalkan." in client.get(f"/deliveries/{d.id}").text
    uid = client.user.id
    assert audit_actions(web, d.id) == [("delivery.edit", uid), ("delivery.reschedule", uid),
                                        ("delivery.cancel", uid)]
    again = web.post(client, f"/deliveries/{d.id}/cancel", {"next": f"/deliveries/{d.id}"})
    assert again.status_code == 409


def test_staff_change_to_an_approved_free_post_needs_review_again(sandbox_env, web):
    client = ready_client(web, "staff")
    d = make_delivery(web, platform="facebook", text="Disetujui manajer")
    assert web.post(client, f"/deliveries/{d.id}/edit",
                    {"text": "Diubah staf sesudahnya"}).status_code == 303
    [after] = deliveries(web, id=d.id)
    assert after.text == "Diubah staf sesudahnya" and after.status == "pending_review"


def test_alt_text_is_edited_and_never_emptied(sandbox_env, web, tmp_path):
    image = tmp_path / "poster.jpg"
    image.write_bytes(jpeg())
    client = ready_client(web, "manager")
    d = make_delivery(web, platform="facebook", media=[str(image)], alt=["Poster"])
    empty = web.post(client, f"/deliveries/{d.id}/edit", {"text": "Halo", "alt_1": ""})
    assert empty.status_code == 422 and "Gambar 1 perlu teks alternatif" in empty.text
    ok = web.post(client, f"/deliveries/{d.id}/edit",
                  {"text": "Halo", "alt_1": "Poster lomba mewarnai, latar kuning"})
    assert ok.status_code == 303
    [after] = deliveries(web, id=d.id)
    assert after.alt_text == ["Poster lomba mewarnai, latar kuning"]
    assert after.status == "scheduled"  # a manager's change needs no second look
    same = web.post(client, f"/deliveries/{d.id}/edit",
                    {"text": "Halo", "alt_1": "Poster lomba mewarnai, latar kuning"})
    assert same.status_code == 303
    assert "Tidak ada yang berubah." in client.get(f"/deliveries/{d.id}").text
    assert audit_actions(web, d.id) == [("delivery.edit", client.user.id)]


def test_pending_post_can_be_edited_by_its_author_only(sandbox_env, web):
    author = web.user("staff")
    other = web.client("staff")
    mine = web.client(user=author)
    d = make_delivery(web, status="pending_review", author=author.email, author_id=author.id)
    assert "Ubah teks" not in other.get(f"/deliveries/{d.id}").text
    refused = web.post(other, f"/deliveries/{d.id}/edit", {"text": "Bukan punya saya"})
    assert refused.status_code == 409
    assert deliveries(web, id=d.id)[0].text == "Halo pembaca perpustakaan"
    assert web.post(other, f"/deliveries/{d.id}/cancel",
                    {"next": f"/deliveries/{d.id}"}).status_code == 409
    assert deliveries(web, id=d.id)[0].status == "pending_review"
    assert web.post(mine, f"/deliveries/{d.id}/edit", {"text": "Perbaikan"}).status_code == 303
    [after] = deliveries(web, id=d.id)
    assert after.text == "Perbaikan" and after.status == "pending_review"


# -- inbox --------------------------------------------------------------------------------------
def test_inbox_lists_what_needs_a_person_with_reasons_and_actions(web):
    failed = make_delivery(web, status="failed", last_error_kind="rejected",
                           last_error="Status is a duplicate.")
    held = make_delivery(web, platform="facebook", status="held", last_error_kind="auth_expired",
                         last_error="The Page token has expired.")
    missed = make_delivery(web, status="missed", last_error_kind="missed",
                           at=utcnow() - timedelta(hours=9),
                           last_error="Not published within 6 hours of its time.")
    unsure = make_delivery(web, status="unconfirmed", last_error_kind="unknown_outcome",
                           last_error="The connection was reset after sending.")
    calm = make_delivery(web, status="scheduled")
    with web.session() as s:
        s.add(Attempt(delivery_id=unsure.id, number=1, worker="w1", outcome="unknown_outcome",
                      message="Read timed out after 30 s."))
        s.commit()
    with web.session() as s:
        account = s.get(Account, held.account_id)
        account.health = "needs_reconnect"
        s.add(account)
        s.commit()
    staff = web.client("staff")
    page = staff.get("/inbox").text
    for d in (failed, unsure):
        assert f'id="d-{d.id}"' in page
    # Held and missed ones are cards of their cause (account, why), listing their posts.
    assert f'id="c-{held.account_id}-reconnect"' in page
    assert f'id="c-{missed.account_id}-missed"' in page
    for d in (held, missed):
        assert f'href="/deliveries/{d.id}"' in page and f'id="d-{d.id}"' not in page
    assert f'id="d-{calm.id}"' not in page and f'href="/deliveries/{calm.id}"' not in page
    assert "Status is a duplicate." in page and "Platform menolak isi kiriman" in page
    assert "Facebook perlu disambungkan ulang" in page and "Minta admin" in page
    assert "Read timed out after 30 s." in page
    reconnect = f'href="/admin/accounts/{held.account_id}/reconnect"'
    assert reconnect not in page
    assert reconnect in web.client("admin").get("/inbox").text
    retried = web.post(staff, f"/deliveries/{failed.id}/retry", {"next": "/inbox"})
    assert retried.status_code == 303 and retried.headers["location"] == "/inbox"
    assert deliveries(web, id=failed.id)[0].status == "scheduled"
    bad = web.post(staff, f"/deliveries/{unsure.id}/mark-published",
                   {"url": "x.com/perpus/1", "next": "/inbox"})
    assert bad.status_code == 422 and "diawali https://" in bad.text
    assert 'value="x.com/perpus/1"' in bad.text
    url = "https://x.com/perpusbontang/status/1866"
    marked = web.post(staff, f"/deliveries/{unsure.id}/mark-published",
                      {"url": url, "next": "/inbox"})
    assert marked.status_code == 303
    [after] = deliveries(web, id=unsure.id)
    assert after.status == "published" and after.remote_url == url
    assert web.post(staff, f"/deliveries/{missed.id}/cancel",
                    {"next": "/inbox"}).status_code == 303
    assert deliveries(web, id=missed.id)[0].status == "cancelled"
    page = staff.get("/inbox").text
    assert f'href="/deliveries/{held.id}"' in page and f'id="d-{failed.id}"' not in page
    uid = staff.user.id
    assert audit_actions(web, failed.id) == [("delivery.retry", uid)]
    assert audit_actions(web, unsure.id) == [("delivery.mark_published", uid)]
    assert audit_actions(web, missed.id) == [("delivery.cancel", uid)]
    # Retrying something that is already scheduled is refused with the page shown again.
    assert web.post(staff, f"/deliveries/{calm.id}/retry", {"next": "/inbox"}).status_code == 409


@pytest.mark.parametrize("path", ["/queue", "/calendar", "/compose", "/inbox"])
def test_pages_are_translated_to_english(web, path):
    client = web.client("staff")
    client.post("/lang", data={"lang": "en", "next": "/", "csrf_token": web.csrf(client)})
    page = client.get(path)
    assert page.status_code == 200 and '<html lang="en">' in page.text
    assert "Antrean" not in page.text and "Queue" in page.text
