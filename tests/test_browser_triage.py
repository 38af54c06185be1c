"""Triage in a real browser (Debian's chromium under Playwright): the queue's multi-select
(move, approve, cancel), the calendar's drag and drop and its keyboard alternative, and the
pages that broke at 1366 px and on a 390 px phone. Each page is scanned by axe-core and
photographed at both widths (the staff guide's pictures: UPDATE_DOCS_SHOTS=1)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from browser_kit import PHONE, axe_check, login, no_horizontal_scroll, shot
from playwright.sync_api import expect
from staff_kit import make_delivery

from outreach.models import Delivery

TZ = ZoneInfo("Asia/Makassar")  # the test settings' OUTREACH_TIMEZONE and the browser's zone
WIDE = {"width": 1366, "height": 800}


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ).astimezone(UTC)


def _next_monday() -> date:
    today = datetime.now(TZ).date()
    return today + timedelta(days=7 - today.weekday())


def _status(live, delivery_id: int) -> tuple[str, datetime]:
    with live.session() as s:
        d = s.get(Delivery, delivery_id)
        return d.status, d.scheduled_at


def _both_widths(page, name: str, docs: str = "") -> None:
    """No sideways scrolling at 1366 px and at 390 px; axe at both; pictures of both."""
    page.set_viewport_size(WIDE)
    assert no_horizontal_scroll(page), f"{name} scrolls sideways at 1366 px"
    axe_check(page, name)
    shot(page, name, phone=True, docs=docs)
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page), f"{name} scrolls sideways on a phone"
    axe_check(page, name + "-phone")
    page.set_viewport_size(WIDE)


def test_queue_multi_select_moves_approves_and_cancels(live, open_page):
    monday = _next_monday()
    staff = live.user("staff", name="Rina Wulandari")
    manager = live.user("manager", name="Dewi Lestari")
    xs = [make_delivery(live, platform="x", at=_local(monday, 8 + i), text=f"Koleksi baru {i}")
          for i in range(2)]
    waiting = make_delivery(live, platform="facebook", status="pending_review",
                            author=staff.email, author_id=staff.id, at=_local(monday, 10),
                            text="Kelas menulis cerpen untuk remaja, Sabtu pagi")
    gone = make_delivery(live, platform="x", status="published",
                         at=datetime.now(UTC) - timedelta(days=1), text="Sudah terbit kemarin")
    today = make_delivery(live, platform="instagram", status="retry_wait",
                          at=datetime.combine(datetime.now(TZ).date(), time(23, 50), TZ)
                          .astimezone(UTC), text="Jam buka perpustakaan hari ini")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, manager.email)
    page.goto("/queue")
    groups = page.locator("table.queue tr.group-row").all_inner_texts()
    assert groups == ["Hari ini", "Akan datang", "Sebelumnya"]
    first = page.locator("table.queue tbody tr:not(.group-row)").first
    assert first.locator("input[name=ids]").get_attribute("value") == str(today.id)
    _both_widths(page, "queue-bulk", docs="both")

    # Select all (the script's box), then only three of them, and move them.
    page.get_by_label("Pilih semua kiriman di halaman ini").check()
    expect(page.locator("#bulk-count")).to_have_text("5 kiriman dipilih.")
    page.get_by_label("Pilih semua kiriman di halaman ini").uncheck()
    for d in (*xs, gone):
        page.get_by_label(f"Pilih kiriman #{d.id}").check()
    expect(page.locator("#bulk-count")).to_have_text("3 kiriman dipilih.")
    target = monday + timedelta(days=1)
    page.get_by_label("Pindahkan ke (waktu setempat)").fill(f"{target.isoformat()}T09:00")
    page.get_by_role("button", name="Pindahkan yang dipilih").click()
    page.wait_for_load_state()
    flashes = page.locator("main .flash").all_inner_texts()
    assert flashes[0] == "2 kiriman dipindahkan."
    assert flashes[1] == (f"1 kiriman dilewati — #{gone.id}: statusnya “Terbit”, tidak dapat "
                          "diubah lagi.")
    # X's default spacing (30 minutes) keeps the two apart.
    assert [_status(live, d.id)[1] for d in xs] == [_local(target, 9), _local(target, 9, 30)]
    shot(page, "queue-bulk-done", docs="desktop")

    # Approve the one waiting for review; cancel one (the browser asks first).
    page.get_by_label(f"Pilih kiriman #{waiting.id}").check()
    page.get_by_role("button", name="Setujui yang dipilih").click()
    page.wait_for_load_state()
    assert page.locator("main .flash").all_inner_texts() == [
        "1 kiriman disetujui dan dijadwalkan."]
    assert _status(live, waiting.id)[0] == "scheduled"
    page.get_by_label(f"Pilih kiriman #{xs[1].id}").check()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Batalkan yang dipilih").click()
    page.wait_for_load_state()
    assert page.locator("main .flash").all_inner_texts() == ["1 kiriman dibatalkan."]
    assert _status(live, xs[1].id)[0] == "cancelled"
    assert not page.problems.take()

    # Staff see no approve button; the rest works the same for them.
    other = open_page()
    login(other, staff.email)
    other.goto("/queue")
    assert other.get_by_role("button", name="Setujui yang dipilih").count() == 0
    assert other.get_by_role("button", name="Batalkan yang dipilih").is_visible()


def test_calendar_drag_and_drop_and_the_keyboard_alternative(live, open_page):
    monday = _next_monday()
    staff = live.user("staff")
    a = make_delivery(live, platform="x", at=_local(monday, 9, 15), text="Dongeng anak Senin")
    b = make_delivery(live, platform="x", at=_local(monday + timedelta(days=1), 9, 30),
                      text="Klub baca Selasa")
    make_delivery(live, platform="instagram", status="retry_wait",
                  at=_local(monday + timedelta(days=3), 16),
                  text="Status panjang yang dulu keluar dari kotak harinya")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, staff.email)
    page.goto(f"/calendar?view=week&date={monday.isoformat()}")

    def day(d: date):
        return page.locator(f"section.cal-day[data-day='{d.isoformat()}']")

    # Dragged onto Wednesday: moved, at the same time of day.
    wednesday = monday + timedelta(days=2)
    page.locator(f".cal-item[data-id='{a.id}']").drag_to(day(wednesday))
    page.wait_for_load_state()
    expect(day(wednesday).locator(f".cal-item[data-id='{a.id}']")).to_be_visible()
    assert _status(live, a.id)[1] == _local(wednesday, 9, 15)
    assert "1 kiriman dipindahkan." in page.locator("main .flash").first.inner_text()
    # Dragged onto Tuesday, 15 minutes from another X post: refused in words, left in place.
    page.locator(f".cal-item[data-id='{a.id}']").drag_to(day(monday + timedelta(days=1)))
    status = page.locator("#cal-status")
    expect(status).to_be_visible()
    expect(status).to_contain_text("jarak antar kiriman paling sedikit 30 menit")
    assert _status(live, a.id)[1] == _local(wednesday, 9, 15)

    # The keyboard: the item's "Pindahkan" button, a date, Enter.
    summary = day(monday + timedelta(days=1)).locator(f".cal-item[data-id='{b.id}'] summary")
    summary.focus()
    page.keyboard.press("Enter")
    field = page.locator(f"#mv-{b.id}")
    expect(field).to_be_visible()
    page.keyboard.press("Tab")
    assert field.evaluate("el => el === document.activeElement")
    thursday = monday + timedelta(days=3)
    field.fill(thursday.isoformat())
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the item's form
    assert _status(live, b.id)[1] == _local(thursday, 9, 30)
    expect(day(thursday).locator(f".cal-item[data-id='{b.id}']")).to_be_visible()
    assert not page.problems.take()
    day(thursday).locator(f".cal-item[data-id='{b.id}'] summary").click()
    _both_widths(page, "calendar-move", docs="both")

    # Month view at 1366 px: every badge stays inside its day.
    page.goto(f"/calendar?view=month&date={thursday.isoformat()}")
    spilled = page.evaluate("""() => [...document.querySelectorAll('.cal-day .badge')]
        .filter(b => { const d = b.closest('.cal-day').getBoundingClientRect();
                       const r = b.getBoundingClientRect();
                       return r.left < d.left - 0.5 || r.right > d.right + 0.5; })
        .map(b => b.textContent)""")
    assert spilled == []
    _both_widths(page, "calendar-month", docs="desktop")


def test_accounts_dashboard_and_reports_fit_1366_and_a_phone(live, open_page, sandbox_env,
                                                              tmp_path):
    from browser_data import fill

    staff = live.user("staff")
    fill(live, sandbox_env, tmp_path, staff.email)
    admin = live.user("admin", name="Budi Santoso")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, admin.email)

    page.goto("/admin/accounts")
    narrowest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('.creds dd')]
        .map(dd => dd.getBoundingClientRect().width))""")
    assert narrowest >= 150, f"a credential value is {narrowest} px wide at 1366 px"
    _both_widths(page, "admin-accounts-layout")

    for path, name in (("/dashboard", "dashboard-layout"), ("/reports", "reports-layout")):
        page.goto(path)
        shot(page, name, phone=True)
        cut = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')]
            .filter(w => w.scrollWidth > w.clientWidth + 1)
            .map(w => `${w.scrollWidth} > ${w.clientWidth}`)""")
        assert cut == [], f"{path}: a table is cut (scrolls inside its box) at 1366 px"
        clipped = page.evaluate("""() => [...document.querySelectorAll('figure.chart svg')]
            .flatMap(svg => { const box = svg.getBoundingClientRect();
                return [...svg.querySelectorAll('text')].filter(t => {
                    const r = t.getBoundingClientRect();
                    return r.width && (r.left < box.left - 1 || r.right > box.right + 1); })
                    .map(t => t.textContent); })""")
        assert clipped == [], f"{path}: chart labels cut at 1366 px: {clipped}"
        _both_widths(page, name, docs="both" if path == "/dashboard" else "")
