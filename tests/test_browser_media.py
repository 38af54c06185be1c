"""The media library in a real browser (Debian's chromium under Playwright): uploading an image
with its alt text, editing the alt text, and choosing it in the composer ("Pilih dari pustaka
media") instead of uploading it again; axe-core on each page, pictures at 1366 px and 390 px."""

from __future__ import annotations

import re

from browser_data import image
from browser_kit import PHONE, axe_check, login, no_horizontal_scroll, shot
from playwright.sync_api import expect
from sqlmodel import select

from outreach.models import Delivery, MediaAsset

WIDE = {"width": 1366, "height": 800}
ALT = "Poster pameran: peta lama Kalimantan Timur di atas meja kayu"


def test_library_upload_alt_text_and_choosing_it_in_the_composer(live, open_page, tmp_path):
    from engagement_kit import accounts

    accounts()  # the sandbox_env accounts, registered as the service registers them
    staff = live.user("staff", name="Rina Wulandari")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, staff.email)
    page.get_by_role("link", name="Pustaka media").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Pustaka media"

    # Upload with its alt text.
    page.get_by_text("Unggah gambar ke pustaka").click()
    page.set_input_files("#lib-file", image(tmp_path))
    page.get_by_label("Teks alternatif", exact=True).fill(ALT)
    page.get_by_role("button", name="Unggah", exact=True).click()
    page.wait_for_load_state()
    assert "Gambar disimpan di pustaka media." in page.locator("main .flash").inner_text()
    item = page.locator(".library-item").first
    expect(item.locator("img")).to_have_attribute("alt", ALT)
    page.wait_for_function("() => { const i = document.querySelector('.library-item img');"
                           " return i.complete && i.naturalWidth > 0; }")  # served, shown
    assert "Dipakai di 0 unggahan" in item.inner_text()
    assert "diunggah oleh Rina Wulandari" in item.inner_text()

    # The alt text edited in place.
    better = ALT + ", dengan kompas di sudut kanan"
    item.locator("textarea").fill(better)
    item.get_by_role("button", name=re.compile("Simpan teks alternatif")).click()
    page.wait_for_load_state()
    expect(page.locator(".library-item img").first).to_have_attribute("alt", better)
    for width in (WIDE, PHONE):
        page.set_viewport_size(width)
        assert no_horizontal_scroll(page)
        axe_check(page, f"media-library-{width['width']}")
    page.set_viewport_size(WIDE)
    shot(page, "media-library", phone=True, docs="both")

    # In the composer: chosen from the library, the preview counts it, the post carries it.
    page.goto("/compose")
    page.locator("#f-text").fill("Pameran peta lama Kalimantan Timur, Sabtu pukul 09.00 WITA.")
    ig = page.locator("input[name=account][data-platform=instagram]").get_attribute("value")
    expect(page.locator(f"#warn-{ig}")).to_contain_text("gambar")  # Instagram needs one
    page.get_by_text("Pilih dari pustaka media").click()
    with live.session() as s:
        asset = s.exec(select(MediaAsset)).one()
    page.locator(f"input[name=library][value='{asset.token}']").check()
    expect(page.locator(f"#warn-{ig} li")).to_have_count(0)  # the live preview sees the image
    axe_check(page, "compose-library")
    shot(page, "compose-library", phone=True, docs="both")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page)
    page.set_viewport_size(WIDE)
    page.get_by_role("button", name="Kirim untuk disetujui").click()
    page.wait_for_load_state()
    assert re.search(r"/deliveries/\d+$", page.url), page.url
    with live.session() as s:
        made = list(s.exec(select(Delivery)))
        assert len(s.exec(select(MediaAsset)).all()) == 1  # not stored a second time
    assert len(made) == 3 and all(d.media == [asset.path] and d.alt_text == [better]
                                  for d in made)
    page.goto("/media-library")
    assert "Dipakai di 1 unggahan" in page.locator(".library-item").first.inner_text()
    assert not page.problems.take()
