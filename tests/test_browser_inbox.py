"""The inbox by cause in a real browser (Debian's chromium under Playwright): one expired
Instagram token holding 45 posts is one card beside the post the platform refused; the filter
by cause; "cancel all" of a cause after its confirmation. axe-core at 1366 px and on a 390 px
phone, and the staff guide's pictures (UPDATE_DOCS_SHOTS=1)."""

from __future__ import annotations

from datetime import timedelta

from browser_kit import PHONE, axe_check, login, no_horizontal_scroll, shot
from playwright.sync_api import expect
from staff_kit import make_delivery

from outreach.models import Account, Delivery, utcnow

WIDE = {"width": 1366, "height": 800}
REASON = "Error validating access token: Session has expired on Saturday, 05-Dec-26."


def _seed(live) -> tuple[list[Delivery], Delivery]:
    held = [make_delivery(live, platform="instagram", status="held",
                          last_error_kind="auth_expired", last_error=REASON,
                          at=utcnow() + timedelta(hours=2 + i),
                          text=f"Koleksi baru minggu ini: judul nomor {i} sudah bisa dipinjam")
            for i in range(45)]
    with live.session() as s:
        account = s.get(Account, held[0].account_id)
        account.health, account.health_reason = "needs_reconnect", REASON
        s.add(account)
        s.commit()
    refused = make_delivery(live, platform="x", status="failed", last_error_kind="rejected",
                            last_error="Status is a duplicate.",
                            text="Perpustakaan tutup pada hari libur nasional")
    make_delivery(live, platform="facebook", status="unconfirmed",
                  last_error_kind="unknown_outcome", last_error="Read timed out after 30 s.",
                  text="Lomba resensi buku untuk pelajar")
    make_delivery(live, platform="x", status="missed", last_error_kind="missed",
                  at=utcnow() - timedelta(hours=9), text="Jam buka selama Ramadan")
    return held, refused


def test_inbox_by_cause_in_a_browser(live, open_page):
    held, refused = _seed(live)
    admin = live.user("admin", name="Budi Santoso")
    page = open_page()
    page.set_viewport_size(WIDE)
    login(page, admin.email)
    page.goto("/inbox")
    account = held[0].account_id
    card = page.locator(f"#c-{account}-reconnect")
    expect(card.locator("h3")).to_have_text("Instagram perlu disambungkan ulang — 45 kiriman "
                                            "tertahan")
    expect(card.get_by_role("link", name="Sambungkan ulang")).to_have_attribute(
        "href", f"/admin/accounts/{account}/reconnect")
    expect(card.get_by_role("button", name="Coba lagi")).to_have_count(0)
    expect(page.locator(f"#d-{refused.id}").get_by_role("link", name="Sunting")).to_be_visible()
    # The page stays short: the 45 are one card, not 45 (the old page was 22,000 px tall).
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 4000, f"the inbox is {height} px tall"
    assert no_horizontal_scroll(page)
    axe_check(page, "inbox-causes")
    shot(page, "inbox-causes", phone=True, docs="both")
    page.set_viewport_size(PHONE)
    assert no_horizontal_scroll(page), "the inbox scrolls sideways on a phone"
    axe_check(page, "inbox-causes-phone")
    page.set_viewport_size(WIDE)

    # The filter by cause: only the refused post.
    page.get_by_label("Penyebab").select_option("rejected")
    page.get_by_role("button", name="Saring").click()
    page.wait_for_load_state()
    expect(page.locator(f"#d-{refused.id}")).to_be_visible()
    expect(page.locator(f"#c-{account}-reconnect")).to_have_count(0)
    axe_check(page, "inbox-filtered")

    # Cancel all 45 after the confirmation; the card is gone, the refused post stays.
    page.goto("/inbox")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(f"#c-{account}-reconnect").get_by_role(
        "button", name="Batalkan semua (45)").click()
    page.wait_for_load_state()
    expect(page.locator(".flash-ok").first).to_contain_text("45 kiriman dibatalkan.")
    expect(page.locator(f"#c-{account}-reconnect")).to_have_count(1)  # still to reconnect
    expect(page.locator(f"#c-{account}-reconnect h3")).to_have_text(
        "Instagram perlu disambungkan ulang")
    expect(page.locator(f"#d-{refused.id}")).to_be_visible()
    with live.session() as s:
        assert {s.get(Delivery, d.id).status for d in held} == {"cancelled"}
    assert not page.problems.take()
