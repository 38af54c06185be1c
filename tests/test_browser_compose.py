"""One post with per-platform versions in a real browser (Debian's chromium under Playwright):
the composer's tabs (an Instagram version kept apart), moving the whole post from the delivery
page, a post a manager returned edited from "Unggahan saya" and sent again, "Duplikat", and the
preview's fold marker and clash warning with its "next free time" button. Each page is scanned
by axe-core; the composer is photographed at 1366 px and 390 px for the staff guide
(UPDATE_DOCS_SHOTS=1)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from browser_data import image
from browser_kit import PHONE, axe_check, login, no_horizontal_scroll, shot
from playwright.sync_api import expect
from sqlmodel import select
from staff_kit import make_delivery

from outreach.models import Account, Delivery

TZ = ZoneInfo("Asia/Makassar")  # the test settings' OUTREACH_TIMEZONE and the browser's zone
WIDE = {"width": 1366, "height": 800}
COMMON = ("Pameran foto Bontang tempo dulu dibuka Sabtu ini di lantai 2 Perpustakaan Kota "
          "Bontang, pukul 09.00–15.00 WITA. Gratis untuk umum.")
IG_OWN = ("Pameran foto Bontang tempo dulu!\nSabtu ini, lantai 2. Tautan pendaftaran di bio.\n\n"
          "#PerpustakaanKotaBontang #BontangTempoDulu")
ALT = "Foto hitam-putih Pelabuhan Bontang tahun 1970-an"


def _field(day_offset: int, hour: int, minute: int = 0) -> tuple[str, datetime]:
    """A datetime-local value in the library's zone and the UTC moment it names."""
    day = datetime.now(TZ).date() + timedelta(days=day_offset)
    local = datetime.combine(day, time(hour, minute), TZ)
    return local.strftime("%Y-%m-%dT%H:%M"), local.astimezone(UTC)


def _post_rows(live, post_id: int) -> dict[str, Delivery]:
    with live.session() as s:
        return {d.platform: d for d in s.exec(select(Delivery).where(
            Delivery.post_id == post_id).order_by(Delivery.id))}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _compose(page, tmp_path, at: str) -> None:
    """Fill the composer: the common text, an Instagram version of its own, one image, a time."""
    page.goto("/compose")
    boxes = page.locator("input[name=account]")
    assert boxes.count() == 3 and all(boxes.nth(i).is_checked() for i in range(3))
    page.locator("#f-text").fill(COMMON)
    tab = page.get_by_role("tab", name="Instagram")
    tab.click()
    expect(tab).to_have_attribute("aria-selected", "true")
    ig = page.locator("#f-text_instagram")
    expect(ig).to_have_value(COMMON)  # a platform's version starts as the common text
    ig.fill(IG_OWN)
    expect(page.locator("#panel-common")).to_be_hidden()
    page.set_input_files("#f-file_1", image(tmp_path))
    page.locator("#f-alt_1").fill(ALT)
    page.locator("#f-at").fill(at)


def test_compose_versions_edit_one_tab_and_move_the_whole_post(live, open_page, tmp_path):
    staff = live.user("staff", name="Rina Wulandari")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, staff.email)
    at, _when = _field(3, 10)
    _compose(page, tmp_path, at)
    ig_id = page.locator("input[name=account][data-platform=instagram]").get_attribute("value")
    x_id = page.locator("input[name=account][data-platform=x]").get_attribute("value")
    # The live preview: Instagram's card shows its own version folded after two lines, X's the
    # common text, each with the image and its alt text.
    expect(page.locator(f"#card-{ig_id} .feed-text")).to_contain_text("Pameran foto Bontang "
                                                                      "tempo dulu!")
    expect(page.locator(f"#card-{ig_id} .fold")).to_contain_text("lihat selengkapnya")
    expect(page.locator(f"#card-{x_id} .feed-text")).to_contain_text("dibuka Sabtu ini")
    expect(page.locator(f"#card-{ig_id} figcaption")).to_contain_text(ALT)
    # "Pratinjau" (the way without JavaScript) stores the image and loses nothing typed.
    page.get_by_role("button", name="Pratinjau").click()
    page.wait_for_load_state()
    expect(page.locator("input[name=token_1]")).to_have_count(1)
    expect(page.locator("#f-alt_1")).to_have_value(ALT)
    expect(page.locator("#f-at")).to_have_value(at)
    expect(page.locator(f"#card-{ig_id} img")).to_have_attribute("alt", ALT)
    tab = page.get_by_role("tab", name=re.compile("Instagram"))
    expect(tab).to_contain_text("(diubah)")
    tab.click()
    expect(page.locator("#f-text_instagram")).to_have_value(IG_OWN)
    assert no_horizontal_scroll(page), "the composer scrolls sideways at 1366 px"
    axe_check(page, "compose-versions")
    shot(page, "compose-versions", phone=True, docs="both")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page), "the composer scrolls sideways on a phone"
    axe_check(page, "compose-versions-phone")
    page.set_viewport_size(WIDE)

    page.get_by_role("button", name="Kirim untuk disetujui").click()
    page.wait_for_load_state()
    assert re.search(r"/deliveries/\d+$", page.url), page.url
    first = int(page.url.rsplit("/", 1)[1])
    with live.session() as s:
        post_id = s.get(Delivery, first).post_id
    rows = _post_rows(live, post_id)
    assert {p: d.text for p, d in rows.items()} == {
        "x": COMMON, "facebook": COMMON, "instagram": IG_OWN}
    assert all(d.alt_text == [ALT] and len(d.media) == 1 for d in rows.values())

    # Open it again: the Instagram tab is marked as changed; change only Instagram, save.
    page.get_by_role("link", name="Ubah seluruh unggahan di penyusun").click()
    page.wait_for_load_state()
    tab = page.get_by_role("tab", name=re.compile("Instagram"))
    expect(tab).to_contain_text("(diubah)")
    expect(page.locator("#f-text")).to_have_value(COMMON)
    tab.click()
    edited = IG_OWN.replace("Sabtu ini", "Sabtu dan Minggu ini")
    page.locator("#f-text_instagram").fill(edited)
    page.get_by_label(re.compile("^Hanya Instagram")).check()
    axe_check(page, "compose-edit")
    page.get_by_role("button", name="Simpan perubahan").click()
    page.wait_for_load_state()
    expect(page.locator("main .flash").first).to_have_text("Perubahan disimpan pada 1 akun.")
    after = _post_rows(live, post_id)
    assert {p: d.text for p, d in after.items()} == {
        "x": COMMON, "facebook": COMMON, "instagram": edited}

    # The delivery page moves the whole post by default: every platform at the new time.
    page.goto(f"/deliveries/{after['facebook'].id}")
    axe_check(page, "delivery-post")
    new_at, new_when = _field(5, 14, 30)
    mover = page.locator("form[action$='/reschedule']")
    expect(mover.get_by_label(re.compile("^Seluruh unggahan"))).to_be_checked()
    mover.get_by_label("Waktu baru").fill(new_at)
    mover.get_by_role("button", name="Simpan waktu").click()
    page.wait_for_load_state()
    expect(page.locator("main .flash").first).to_have_text(
        "Unggahan dijadwalkan ulang di 3 akun.")
    moved = _post_rows(live, post_id)
    assert {p: _utc(d.scheduled_at) for p, d in moved.items()} == {
        p: new_when for p in ("x", "facebook", "instagram")}
    assert {d.status for d in moved.values()} == {"pending_review"}

    # "Only this account" moves one platform and leaves the others.
    later_at, later = _field(6, 9)
    mover = page.locator("form[action$='/reschedule']")
    mover.get_by_label(re.compile("^Hanya Facebook")).check()
    mover.get_by_label("Waktu baru").fill(later_at)
    mover.get_by_role("button", name="Simpan waktu").click()
    page.wait_for_load_state()
    expect(page.locator("main .flash").first).to_have_text("Kiriman dijadwalkan ulang.")
    final = _post_rows(live, post_id)
    assert _utc(final["facebook"].scheduled_at) == later
    assert _utc(final["x"].scheduled_at) == _utc(final["instagram"].scheduled_at) == new_when
    assert not page.problems.take()


def test_a_returned_post_is_edited_from_my_posts_and_sent_again_then_duplicated(
        live, open_page, tmp_path):
    staff = live.user("staff", name="Rina Wulandari")
    manager = live.user("manager", name="Dewi Lestari")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, staff.email)
    at, when = _field(4, 11)
    _compose(page, tmp_path, at)
    page.get_by_role("button", name="Kirim untuk disetujui").click()
    page.wait_for_load_state()
    first = int(page.url.rsplit("/", 1)[1])
    with live.session() as s:
        post_id = s.get(Delivery, first).post_id

    # The manager sends it back with a reason.
    boss = open_page()
    login(boss, manager.email)
    boss.goto("/approvals")
    card = boss.locator("article.review", has_text="Rina Wulandari")
    reason = "Sebutkan bahwa pameran juga buka hari Minggu."
    card.get_by_label("Alasan penolakan (dibaca penulis)").fill(reason)
    card.get_by_role("button", name="Tolak dan kembalikan").click()
    boss.wait_for_load_state()
    assert {d.status for d in _post_rows(live, post_id).values()} == {"draft"}

    # Its author finds it in "Unggahan saya", opens it with "Ubah di penyusun".
    page.get_by_role("link", name="Unggahan saya").first.click()
    page.wait_for_load_state()
    returned = page.locator("article.review", has_text=f"Unggahan #{post_id}")
    expect(returned).to_contain_text(reason)
    axe_check(page, "my-posts-returned")
    shot(page, "my-posts-returned", phone=True, docs="desktop")
    returned.get_by_role("link", name="Ubah di penyusun").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/compose?post={post_id}")
    expect(page.locator("#returned-note")).to_contain_text(reason)
    expect(page.locator("#f-at")).to_have_value(at)
    common = COMMON.replace("Sabtu ini", "Sabtu dan Minggu ini")
    page.locator("#f-text").fill(common)
    axe_check(page, "compose-returned")
    shot(page, "compose-returned", docs="desktop")
    page.get_by_role("button", name="Simpan dan kirim lagi untuk disetujui").click()
    page.wait_for_load_state()
    assert page.url.endswith("/approvals/mine")
    expect(page.locator("main .flash").first).to_have_text(
        f"Unggahan #{post_id} disimpan dan dikirim lagi untuk disetujui.")
    rows = _post_rows(live, post_id)
    assert {p: d.text for p, d in rows.items()} == {
        "x": common, "facebook": common, "instagram": IG_OWN}  # its own version stays apart
    assert {d.status for d in rows.values()} == {"pending_review"}
    assert {_utc(d.scheduled_at) for d in rows.values()} == {when}
    waiting = page.locator("li", has_text=f"Unggahan #{post_id}")
    expect(waiting.get_by_role("link", name=f"Ubah unggahan #{post_id}")).to_be_visible()
    axe_check(page, "my-posts-waiting")

    # "Duplikat" from the delivery page: a new draft with the same versions and images.
    page.goto(f"/deliveries/{rows['x'].id}")
    page.get_by_role("link", name="Duplikat").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/compose?copy={post_id}")
    expect(page.locator("main .flash-warn").first).to_contain_text(
        f"Salinan unggahan #{post_id}")
    expect(page.locator("#f-text")).to_have_value(common)
    expect(page.get_by_role("tab", name=re.compile("Instagram"))).to_contain_text("(diubah)")
    page.get_by_role("tab", name=re.compile("Instagram")).click()
    expect(page.locator("#f-text_instagram")).to_have_value(IG_OWN)
    expect(page.locator("#f-alt_1")).to_have_value(ALT)
    expect(page.locator("input[name=token_1]")).to_have_count(1)
    expect(page.locator("#f-at")).to_have_value("")  # a copy gets a time of its own
    copy_at, copy_when = _field(8, 10)
    page.locator("#f-at").fill(copy_at)
    page.get_by_role("button", name="Kirim untuk disetujui").click()
    page.wait_for_load_state()
    made = int(page.url.rsplit("/", 1)[1])
    with live.session() as s:
        copy_id = s.get(Delivery, made).post_id
    assert copy_id != post_id
    copies = _post_rows(live, copy_id)
    assert {p: d.text for p, d in copies.items()} == {p: d.text for p, d in rows.items()}
    assert {p: (d.media, d.alt_text) for p, d in copies.items()} == {
        p: (d.media, d.alt_text) for p, d in rows.items()}
    assert {_utc(d.scheduled_at) for d in copies.values()} == {copy_when}
    assert {p: (d.text, d.status) for p, d in _post_rows(live, post_id).items()} == {
        p: (d.text, d.status) for p, d in rows.items()}  # the original is untouched
    assert not page.problems.take() and not boss.problems.take()


def test_preview_folds_a_long_facebook_text_and_offers_the_next_free_time(live, open_page):
    staff = live.user("staff", name="Rina Wulandari")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, staff.email)
    page.goto("/compose")  # the accounts from the environment are registered on first visit
    busy_at, busy = _field(3, 10)
    with live.session() as s:
        fb = s.exec(select(Account).where(Account.platform == "facebook")).one()
    make_delivery(live, platform="facebook", at=busy, kind="acquisition",
                  text="Koleksi baru: Laut Bercerita")
    page.reload()
    long_text = " ".join(["Pameran foto Bontang tempo dulu di lantai 2."] * 20)
    page.locator("#f-text").fill(long_text)
    card = page.locator(f"#card-{fb.id}")
    expect(card.locator(".fold")).to_have_text(" … lihat selengkapnya")
    shown = card.locator(".feed-text").inner_text()
    assert len(shown) < len(long_text)

    near, _near = _field(3, 10, 10)
    page.locator("#f-at").fill(near)
    warning = page.locator("#rhythm")
    expect(warning).to_contain_text("terlalu dekat dengan unggahan otomatis pukul")
    assert re.search(r"menit\)\. Waktu kosong berikutnya:", warning.inner_text())
    offer = warning.locator("button.use-time")
    expect(offer).to_have_count(1)
    offered = offer.get_attribute("data-at")
    assert offered > near
    axe_check(page, "compose-clash")
    shot(page, "compose-clash", phone=True, docs="desktop")
    offer.click()
    expect(page.locator("#f-at")).to_have_value(offered)
    expect(page.locator("#f-at")).to_be_focused()
    expect(page.locator("#rhythm")).to_have_count(0)  # the offered time keeps the rhythm
    assert not page.problems.take()
