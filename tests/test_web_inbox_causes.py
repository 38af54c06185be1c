"""The inbox by cause, through the real app: one expired Instagram token holding 45 posts is one
card with its one action (not 45 cards burying the post the platform refused); filters by cause
and platform; bulk cancel and retry (CSRF-checked, acting only where it can succeed); and the
buttons of each cause say what will really happen."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from staff_kit import audit_actions, deliveries, make_delivery

from outreach.models import Account, utcnow

REASON = "Error validating access token: Session has expired."


def _flashes(client, path: str = "/inbox") -> list[str]:
    html = client.get(path).text
    return [" ".join(unescape(re.sub(r"<[^>]+>", "", m)).split())
            for m in re.findall(r'<div class="flash flash-\w+" role="\w+">(.*?)</div>', html, re.S)]


def _account(web, account_id: int, **values) -> None:
    with web.session() as s:
        account = s.get(Account, account_id)
        for key, value in values.items():
            setattr(account, key, value)
        s.add(account)
        s.commit()


def _card(html: str, card_id: str) -> str:
    match = re.search(rf'<li class="card[^"]*" id="{card_id}">(.*?)(?=<li class="card|</section>)',
                      html, re.S)
    assert match, f"no card {card_id}"
    return match.group(1)


def _expired_instagram(web, n: int = 45) -> list:
    held = [make_delivery(web, platform="instagram", status="held",
                          last_error_kind="auth_expired", last_error=REASON,
                          at=utcnow() + timedelta(hours=1 + i), text=f"Koleksi baru nomor {i}")
            for i in range(n)]
    _account(web, held[0].account_id, health="needs_reconnect", health_reason=REASON)
    return held


def test_45_held_posts_are_one_card_and_the_refused_post_stands_apart(web):
    held = _expired_instagram(web)
    refused = make_delivery(web, platform="x", status="failed", last_error_kind="rejected",
                            last_error="Status is a duplicate.", text="Jam buka hari libur")
    staff = web.client("staff")
    page = staff.get("/inbox").text
    account = held[0].account_id
    cards = re.findall(r'<li class="card[^"]*" id="([a-z]-[\w-]+)"', page)
    assert cards == [f"c-{account}-reconnect", f"d-{refused.id}"]  # two cards, not 46
    card = _card(page, f"c-{account}-reconnect")
    assert "Instagram perlu disambungkan ulang — 45 kiriman tertahan" in " ".join(card.split())
    assert card.count(REASON) == 1  # the platform's words once, not per post
    # A few of its posts (the soonest), and the queue filtered to the rest.
    shown = [int(i) for i in re.findall(r'href="/deliveries/(\d+)"', card)]
    assert shown == [d.id for d in held[:3]]
    assert f'href="/queue?status=held&amp;account={account}"' in card
    assert "Lihat 42 kiriman lainnya di antrean" in card
    # No retry a broken account cannot make: reconnecting is the action (admins), or asking.
    assert "/retry" not in card and "Coba lagi" not in card
    assert "Minta admin untuk menyambungkan ulang akun ini." in card
    assert "Batalkan semua (45)" in card
    # The refused post is its own card, under its own heading, with its own fix.
    singles = page[page.index('id="singles-h"'):]
    assert f'id="d-{refused.id}"' in singles and "Perlu diperbaiki satu per satu" in page
    one = _card(page, f"d-{refused.id}")
    assert "Status is a duplicate." in one and ">Sunting<" in one
    assert f'href="/deliveries/{refused.id}#edit"' in one
    assert len(page) < len(web.client("staff").get("/queue").text) * 2  # a short page

    admin_card = _card(web.client("admin").get("/inbox").text, f"c-{account}-reconnect")
    assert f'href="/admin/accounts/{account}/reconnect"' in admin_card
    assert ">Sambungkan ulang<" in admin_card and "Minta admin" not in admin_card

    # Retrying one held post by hand is refused in words; it stays held for the reconnect.
    tried = web.post(staff, f"/deliveries/{held[0].id}/retry", {"next": "/inbox"})
    assert tried.status_code == 409 and "sambungkan ulang akunnya" in tried.text
    assert deliveries(web, id=held[0].id)[0].status == "held"
    detail = staff.get(f"/deliveries/{held[0].id}").text  # the delivery's page promises none
    assert f'action="/deliveries/{held[0].id}/retry"' not in detail

    english = web.client("staff")
    web.post(english, "/lang", {"lang": "en", "next": "/inbox"})
    text = " ".join(english.get("/inbox").text.split())
    assert "Instagram needs reconnecting — 45 posts held" in text
    assert "Fix one by one" in text


def test_filters_by_cause_and_platform(web):
    held = _expired_instagram(web, 4)
    refused = make_delivery(web, platform="x", status="failed", last_error_kind="rejected",
                            last_error="Too long.")
    unsure = make_delivery(web, platform="facebook", status="unconfirmed",
                           last_error_kind="unknown_outcome", last_error="Read timed out.")
    staff = web.client("staff")
    page = staff.get("/inbox").text
    assert '<option value="reconnect">Akun perlu disambungkan ulang (4)</option>' in page
    assert '<option value="rejected">Ditolak platform (1)</option>' in page

    only = staff.get("/inbox?kind=rejected").text
    assert f'id="d-{refused.id}"' in only and f'id="d-{unsure.id}"' not in only
    assert "-reconnect" not in only.split('id="i-kind"')[1].split("</form>")[1]
    assert '<option value="rejected" selected>' in only

    insta = staff.get("/inbox?platform=instagram").text
    assert f'id="c-{held[0].account_id}-reconnect"' in insta
    assert f'id="d-{refused.id}"' not in insta and f'id="d-{unsure.id}"' not in insta
    assert 'href="/inbox">Hapus saringan' in insta

    fb = staff.get("/inbox?platform=facebook&kind=unconfirmed").text
    assert f'id="d-{unsure.id}"' in fb and f'id="d-{refused.id}"' not in fb

    odd = staff.get("/inbox?kind=nonsense&platform=myspace")
    assert odd.status_code == 200 and "Jenis masalah tidak dikenal diabaikan." in odd.text
    assert "Platform tidak dikenal diabaikan." in odd.text and f'id="d-{refused.id}"' in odd.text


def test_bulk_cancel_and_retry_act_only_where_they_can(web):
    held = _expired_instagram(web, 5)
    account = held[0].account_id
    missed = [make_delivery(web, platform="x", status="missed", last_error_kind="missed",
                            at=utcnow() - timedelta(hours=9 + i)) for i in range(3)]
    other = make_delivery(web, platform="x", status="failed", last_error_kind="rejected",
                          last_error="Duplicate.")
    staff = web.client("staff")
    x_account = missed[0].account_id
    # Without the CSRF token nothing happens.
    refused = staff.post("/inbox/bulk", data={"action": "cancel", "account": account,
                                             "kind": "reconnect"})
    assert refused.status_code == 403
    assert {d.status for d in deliveries(web, account_id=account)} == {"held"}

    # Retrying all on an account that still needs reconnecting: refused, nothing changes.
    web.post(staff, "/inbox/bulk", {"action": "retry", "account": account, "kind": "reconnect",
                                    "next": "/inbox"})
    assert _flashes(staff)[0].startswith("Kiriman ini tidak dapat dicoba lagi selama akunnya")
    assert {d.status for d in deliveries(web, account_id=account)} == {"held"}

    # Missed posts can be published now, all at once; the refused one is left alone.
    page = staff.get("/inbox").text
    assert "Terbitkan semua sekarang (3)" in _card(page, f"c-{x_account}-missed")
    done = web.post(staff, "/inbox/bulk", {"action": "retry", "account": x_account,
                                           "kind": "missed", "next": "/inbox?platform=x"})
    assert done.status_code == 303 and done.headers["location"] == "/inbox?platform=x"
    assert _flashes(staff) == ["3 kiriman dijadwalkan untuk dicoba lagi sekarang."]
    assert {d.status for d in deliveries(web, account_id=x_account) if d.id != other.id} == \
        {"scheduled"}
    assert deliveries(web, id=other.id)[0].status == "failed"
    assert audit_actions(web, missed[0].id) == [("delivery.retry", staff.user.id)]

    # Cancel all of a cause: every held post of that account, nothing else.
    web.post(staff, "/inbox/bulk", {"action": "cancel", "account": account, "kind": "reconnect",
                                    "next": "/inbox"})
    assert _flashes(staff)[0] == "5 kiriman dibatalkan."
    assert {d.status for d in deliveries(web, account_id=account)} == {"cancelled"}
    assert deliveries(web, id=other.id)[0].status == "failed"

    # Once the account is healthy again, held posts left behind can be retried all at once.
    more = _expired_instagram(web, 2)
    _account(web, account, health="ok", health_reason=None)
    card = _card(staff.get("/inbox").text, f"c-{account}-reconnect")
    assert "Coba lagi semua (2)" in card
    web.post(staff, "/inbox/bulk", {"action": "retry", "account": account, "kind": "reconnect",
                                    "next": "/inbox"})
    assert {deliveries(web, id=d.id)[0].status for d in more} == {"scheduled"}

    # A made-up action or cause is refused in words.
    web.post(staff, "/inbox/bulk", {"action": "explode", "account": account, "kind": "missed"})
    assert _flashes(staff)[0].startswith("Tindakan itu tidak dikenal")


def test_each_cause_offers_its_own_honest_action(web):
    credits = make_delivery(web, platform="x", status="held", last_error_kind="out_of_credits",
                            last_error="Your enrolled account does not have any credits.")
    _account(web, credits.account_id, health="out_of_credits",
             health_reason="Your enrolled account does not have any credits.")
    limited = make_delivery(web, platform="facebook", status="retry_wait",
                            last_error_kind="rate_limited", last_error="Too many calls.")
    unsure = make_delivery(web, platform="facebook", status="unconfirmed",
                           last_error_kind="unknown_outcome", last_error="Read timed out.")
    gave_up = make_delivery(web, platform="facebook", status="failed",
                            last_error_kind="transient", last_error="502 Gave up after 5 tries.")
    calm = make_delivery(web, platform="facebook", status="retry_wait",
                         last_error_kind="transient")  # retries by itself: not listed
    admin_page = web.client("admin").get("/inbox").text
    staff_page = web.client("staff").get("/inbox").text

    card = _card(admin_page, f"c-{credits.account_id}-credits")
    assert f'action="/admin/accounts/{credits.account_id}/resume"' in card
    assert "Lanjutkan setelah kredit ditambah" in card and "Coba lagi" not in card
    assert "Minta admin untuk menambah kredit" in _card(staff_page,
                                                         f"c-{credits.account_id}-credits")

    card = _card(staff_page, f"c-{limited.account_id}-rate_limited")
    with web.session() as s:
        from outreach.models import Delivery

        until = s.get(Delivery, limited.id).next_attempt_at
    from babel.dates import format_time

    hhmm = format_time(until, "HH.mm", tzinfo=web.settings.tz, locale="id")
    assert f"menunggu sampai {hhmm}" in card
    assert "Coba lagi" not in card and "Tidak perlu tindakan" in card

    one = _card(staff_page, f"d-{unsure.id}")
    assert "Periksa di platform" in one and "Catat sudah terbit" in one
    assert "Belum ada: terbitkan lagi" in one and "Sunting" not in one

    assert "Coba lagi semua (1)" in _card(staff_page, f"c-{gave_up.account_id}-transient")
    assert f"/deliveries/{calm.id}" not in staff_page
