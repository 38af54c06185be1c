"""Staff pages through the real app, part 1: writing a post (compose, with the live preview
and the preview without JavaScript, started from a title or an event). Accounts come from the
sandbox environment (synced by outreach.platforms.sync_env_accounts); everything is checked in
what the page says and in the database. Part 2: tests/test_web_staff_queue.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import unescape

from staff_kit import accounts, compose, deliveries, jpeg, ready_client, textarea

from outreach.models import Event, Post, Title, utcnow
from outreach.platforms.x import weighted_length


# -- compose ------------------------------------------------------------------------------------
def test_staff_compose_for_three_platforms_waits_for_review(sandbox_env, web):
    client = ready_client(web, "staff")
    found = accounts(web)
    assert set(found) == {"x", "facebook", "instagram"}
    page = client.get("/compose").text
    for a in found.values():
        assert f'id="f-account-{a.id}"' in page and f'for="f-account-{a.id}"' in page
    at = (datetime.now(UTC) + timedelta(days=2)).astimezone(web.settings.tz)
    response = compose(web, client, {
        "text": "Pameran foto Bontang tempo dulu dibuka Sabtu ini di lantai 2. #Bontang",
        "account": [str(a.id) for a in found.values()],
        "at": at.strftime("%Y-%m-%dT%H:%M"),
        "alt_1": "Foto hitam-putih Pelabuhan Bontang tahun 1970-an",
        "action": "submit",
    }, files={"file_1": ("pelabuhan.jpg", jpeg(), "image/jpeg")})
    assert response.status_code == 303, response.text
    made = deliveries(web)
    assert len(made) == 3
    assert {d.platform for d in made} == {"x", "facebook", "instagram"}
    assert {d.status for d in made} == {"pending_review"}
    for d in made:
        assert d.alt_text == ["Foto hitam-putih Pelabuhan Bontang tahun 1970-an"]
        assert len(d.media) == 1 and d.media[0].endswith(".jpg")
        assert d.scheduled_at == at.replace(second=0, microsecond=0).astimezone(UTC)
    with web.session() as s:
        post = s.get(Post, made[0].post_id)
        assert post.author == client.user.email and post.author_id == client.user.id
    assert response.headers["location"] == f"/deliveries/{made[0].id}"
    shown = client.get(response.headers["location"]).text
    assert "menunggu persetujuan manajer" in shown
    assert "Foto hitam-putih Pelabuhan Bontang" in shown


def test_manager_compose_is_scheduled_at_once(sandbox_env, web):
    client = ready_client(web, "manager")
    x = accounts(web)["x"]
    response = compose(web, client, {"text": "Perpustakaan buka sampai pukul 20.00 WITA hari ini.",
                                     "account": [str(x.id)], "at": "", "action": "submit"})
    assert response.status_code == 303
    [d] = deliveries(web)
    assert d.status == "scheduled" and d.platform == "x"
    assert abs((d.scheduled_at - utcnow()).total_seconds()) < 60  # empty time: now


def test_too_long_x_text_is_refused_and_everything_typed_is_kept(sandbox_env, web):
    client = ready_client(web, "staff")
    found = accounts(web)
    # Too long even as a 25-part thread: X refuses it, with the weighted count.
    text = " ".join(f"kata{i}" for i in range(1800))
    at = (datetime.now(UTC) + timedelta(days=3)).astimezone(web.settings.tz)
    at_field = at.strftime("%Y-%m-%dT%H:%M")
    chosen = [str(found["x"].id), str(found["facebook"].id)]
    response = compose(web, client, {"text": text, "account": chosen, "at": at_field,
                                     "alt_1": "Peta lokasi perpustakaan", "action": "submit"},
                       files={"file_1": ("peta.jpg", jpeg(1200, 900), "image/jpeg")})
    assert response.status_code == 422
    page = response.text
    over = weighted_length(text) - 280
    assert f"Teks untuk X terlalu panjang: {weighted_length(text)} dari 280" in page
    assert f"Persingkat {over} karakter" in page
    assert textarea(page) == text
    assert f'value="{at_field}"' in page
    assert re.search(rf'id="f-account-{found["x"].id}"[^>]*checked', page)
    assert not re.search(rf'id="f-account-{found["instagram"].id}"[^>]*checked', page)
    assert 'value="Peta lokasi perpustakaan"' in page
    token = re.search(r'name="token_1" value="([^"]+)"', page)
    assert token, "the uploaded image is kept for the next try"
    assert deliveries(web) == []
    # Shortened, sent again with the kept image: accepted.
    again = compose(web, client, {"text": "Peta baru perpustakaan.", "account": chosen,
                                  "at": at_field, "token_1": token.group(1),
                                  "alt_1": "Peta lokasi perpustakaan", "action": "submit"})
    assert again.status_code == 303
    assert [d.alt_text for d in deliveries(web)] == [["Peta lokasi perpustakaan"]] * 2


def test_image_without_alt_text_is_refused(sandbox_env, web):
    client = ready_client(web, "staff")
    ig = accounts(web)["instagram"]
    response = compose(web, client, {"text": "Sampul buku baru minggu ini", "account": [str(ig.id)],
                                     "alt_1": "  ", "action": "submit"},
                       files={"file_1": ("sampul.jpg", jpeg(), "image/jpeg")})
    assert response.status_code == 422
    assert "Gambar 1 perlu teks alternatif" in response.text
    assert 'aria-invalid="true"' in response.text
    assert textarea(response.text) == "Sampul buku baru minggu ini"
    assert deliveries(web) == []
    not_image = compose(web, client, {"text": "x", "account": [str(ig.id)], "alt_1": "a",
                                      "action": "submit"},
                        files={"file_1": ("notes.jpg", b"not an image at all", "image/jpeg")})
    assert not_image.status_code == 422
    assert "bukan gambar JPEG, PNG, GIF atau WebP" in not_image.text


def test_compose_refuses_a_past_time_and_no_account(sandbox_env, web):
    client = ready_client(web, "staff")
    past = (datetime.now(UTC) - timedelta(hours=2)).astimezone(web.settings.tz)
    response = compose(web, client, {"text": "Halo", "at": past.strftime("%Y-%m-%dT%H:%M"),
                                     "action": "submit"})
    assert response.status_code == 422
    assert "Pilih paling sedikit satu akun" in response.text
    assert "Waktu itu sudah lewat" in response.text
    assert deliveries(web) == []


def test_preview_json_counts_the_platform_way(sandbox_env, web):
    client = ready_client(web, "staff")
    found = accounts(web)
    token = web.csrf(client)
    text = "Klub baca 📚 Sabtu pagi: https://perpustakaan.bontangkota.go.id/klub-baca-anak #Baca"
    body = {"text": text, "accounts": [a.id for a in found.values()],
            "images": [{"alt": "", "name": "poster.jpg"}]}
    response = client.post("/compose/preview", json=body, headers={"X-CSRF-Token": token})
    assert response.status_code == 200
    results = {r["platform"]: r for r in response.json()["results"]}
    assert results["x"]["length"] == weighted_length(text) != len(text)
    assert results["x"]["max_length"] == 280 and results["x"]["counting"] == "weighted"
    assert results["facebook"]["length"] == len(text)
    assert results["instagram"]["max_length"] == 2200
    assert any("teks alternatif" in w for w in results["x"]["warnings"])
    body["images"] = []
    text_only = client.post("/compose/preview", json=body, headers={"X-CSRF-Token": token})
    results = {r["platform"]: r for r in text_only.json()["results"]}
    assert results["instagram"]["warnings"] == [
        "Instagram memerlukan gambar: tambahkan satu gambar beserta teks alternatifnya."]
    assert results["x"]["ok"] and results["x"]["warnings"] == []
    long = client.post("/compose/preview", json={**body, "text": "Halo perpustakaan. " * 40},
                       headers={"X-CSRF-Token": token}).json()["results"]
    x = next(r for r in long if r["platform"] == "x")
    assert len(x["parts"]) > 1 and all(p["length"] <= 280 for p in x["parts"])
    assert x["parts"][0]["text"].endswith(f"(1/{len(x['parts'])})")
    assert client.post("/compose/preview", json=body).status_code == 403  # no CSRF header


def test_preview_button_works_without_javascript(sandbox_env, web):
    client = ready_client(web, "staff")
    x = accounts(web)["x"]
    text = "Lomba mewarnai untuk anak, Minggu 09.00 WITA"
    response = compose(web, client, {"text": text, "account": [str(x.id)], "action": "preview"})
    assert response.status_code == 200
    assert f'id="count-{x.id}"' in response.text
    assert f"{weighted_length(text)} / 280" in response.text
    assert "kiriman belum dibuat" in response.text
    assert deliveries(web) == []


def test_compose_starts_from_a_title_and_an_event(sandbox_env, web):
    with web.session() as s:
        title = Title(source="slims", source_id="77", title="Hikayat Sungai Mahakam",
                      authors=["Darmawan, Awang"], call_number="398.2 DAR h",
                      catalogued_at=utcnow(), content_hash="t")
        event = Event(source="ics", source_id="e1", kind="workshop",
                      title="Pelatihan Literasi Digital", starts_at=utcnow() + timedelta(days=5),
                      location="Ruang Multimedia", content_hash="e")
        s.add(title)
        s.add(event)
        s.commit()
        title_id, event_id = title.id, event.id
    client = ready_client(web, "staff")
    page = client.get(f"/compose?title_id={title_id}&for=facebook")
    assert page.status_code == 200
    assert "Hikayat Sungai Mahakam" in textarea(page.text)
    assert "Awang Darmawan" in textarea(page.text)  # the template's catalogue-name handling
    assert 'name="token_1"' in page.text  # the card or cover planning would attach
    alt = re.search(r'name="alt_1"[^>]*value="([^"]+)"', page.text)
    assert alt and "Hikayat Sungai Mahakam" in unescape(alt.group(1))
    assert f'name="title_id" value="{title_id}"' in page.text
    workshop = client.get(f"/compose?event_id={event_id}")
    assert "Pelatihan Literasi Digital" in textarea(workshop.text)
    assert client.get("/compose?title_id=999999").status_code == 404


# -- the public's questions ---------------------------------------------------------------------
def test_staff_read_questions_with_the_book_or_event_they_are_about(web):
    from manager_kit import accounts as fresh_accounts

    from outreach.models import Delivery, Feedback

    ids = fresh_accounts(web)
    now = utcnow()
    with web.session() as s:
        book = Title(source="slims", source_id="b1", title="Laskar Pelangi", content_hash="h1")
        event = Event(source="ical", source_id="e1", title="Lomba Mewarnai Anak",
                      starts_at=now + timedelta(days=3), content_hash="h2")
        s.add_all([book, event])
        s.flush()
        rows = {}
        for key, post, platform in (
                ("book", Post(kind="acquisition", title_id=book.id), "facebook"),
                ("event", Post(kind="event", event_id=event.id), "instagram"),
                ("free", Post(kind="free", text="Jam buka libur"), "x")):
            s.add(post)
            s.flush()
            d = Delivery(post_id=post.id, account_id=ids[platform], platform=platform,
                         text=f"📚 Koleksi baru {key}", scheduled_at=now, published_at=now,
                         status="published", remote_id=f"r-{key}",
                         remote_url=f"https://example.org/{platform}/{key}")
            s.add(d)
            s.flush()
            rows[key] = d.id
        s.add_all([
            Feedback(delivery_id=rows["book"], platform="facebook", remote_id="c1",
                     text="Mantap!", created_at=now - timedelta(minutes=5)),
            Feedback(delivery_id=rows["book"], platform="facebook", remote_id="c2",
                     text="Apakah buku ini bisa dipinjam hari Sabtu?", is_question=True,
                     created_at=now - timedelta(hours=3)),
            Feedback(delivery_id=rows["event"], platform="instagram", remote_id="c3",
                     text="Boleh bawa anak-anak ke acara ini?", is_question=True,
                     created_at=now - timedelta(hours=1)),
            Feedback(delivery_id=rows["free"], platform="x", remote_id="c4",
                     text="Kapan buka lagi?", is_question=True,
                     created_at=now - timedelta(hours=2))])
        s.commit()
    staff = web.client("staff")
    answer = staff.get("/feedback")
    assert answer.status_code == 200
    html = unescape(answer.text)
    # Questions first (newest first among them), remarks after.
    order = [html.index(t) for t in ("Boleh bawa anak-anak", "Kapan buka lagi?",
                                     "Apakah buku ini", "Mantap!")]
    assert order == sorted(order)
    assert f'Tentang buku: <a href="/catalogue/{book.id}">Laskar Pelangi</a>' in html
    assert f'Tentang acara: <a href="/events/{event.id}">Lomba Mewarnai Anak</a>' in html
    assert 'href="https://example.org/facebook/book"' in html
    assert "Lihat unggahan di Instagram" in html
    assert "Pada unggahan: 📚 Koleksi baru free" in html  # a free post has no subject
    # The pages the subject links to open for staff, as does the menu item.
    assert staff.get(f"/catalogue/{book.id}").status_code == 200
    assert staff.get(f"/events/{event.id}").status_code == 200
    assert 'href="/feedback"' in staff.get("/").text
    assert staff.get("/feedback?platform=instagram&questions=1").text.count("<article") == 1


def test_home_tile_of_waiting_posts_leads_staff_to_their_own_posts(web):
    staff = web.client("staff")
    home = staff.get("/").text
    assert 'href="/approvals/mine"' in home and 'href="/approvals"' not in home
    assert staff.get("/approvals/mine").status_code == 200
    manager = web.client("manager")
    assert 'href="/approvals"' in manager.get("/").text


def test_home_lists_what_needs_each_role_today_with_links_they_may_open(web):
    import re as _re

    from manager_kit import accounts as fresh_accounts

    from outreach.models import Account, Delivery, Feedback

    ids = fresh_accounts(web)
    staff, manager, admin = (web.client(r) for r in ("staff", "manager", "admin"))
    now = utcnow()
    with web.session() as s:
        mine = Post(kind="free", text="Lomba baca puisi", author=staff.user.email,
                    author_id=staff.user.id)
        other = Post(kind="free", text="Bukan milik saya", author="orang@lain.test")
        waiting = Post(kind="free", text="Menunggu", author="orang@lain.test")
        s.add_all([mine, other, waiting])
        s.flush()
        failed = Delivery(post_id=mine.id, account_id=ids["x"], platform="x",
                          text="Lomba baca puisi Sabtu ini", scheduled_at=now, status="failed")
        s.add_all([failed,
                   Delivery(post_id=other.id, account_id=ids["x"], platform="x",
                            text="Bukan milik saya", scheduled_at=now, status="failed"),
                   Delivery(post_id=waiting.id, account_id=ids["facebook"],
                            platform="facebook", text="Menunggu", status="pending_review",
                            scheduled_at=now + timedelta(days=1))])
        published = Delivery(post_id=other.id, account_id=ids["facebook"], platform="facebook",
                             text="Terbit", scheduled_at=now, status="published",
                             remote_id="p1")
        s.add(published)
        s.flush()
        s.add(Feedback(delivery_id=published.id, platform="facebook", remote_id="q1",
                       text="Kapan buka?", is_question=True, created_at=now))
        account = s.get(Account, ids["instagram"])
        account.health = "needs_reconnect"
        s.add(account)
        s.commit()
        failed_id = failed.id

    def todo(client) -> str:
        html = unescape(client.get("/").text)
        return html[html.index('id="todo-h"'):html.index('class="tiles"')]

    mine_todo = todo(staff)
    assert "1</strong> Kiriman saya yang gagal atau tertahan" in mine_todo
    assert f'href="/deliveries/{failed_id}"' in mine_todo and "Bukan milik saya" not in mine_todo
    assert '1</strong> Pertanyaan masyarakat yang belum dijawab' in mine_todo
    assert "persetujuan" not in mine_todo and "Akun platform" not in mine_todo
    assert 'pertanyaan belum dijawab' in staff.get("/").text  # the tile counts them too
    for client, wanted in ((staff, 2), (manager, 2), (admin, 3)):
        links = _re.findall(r'href="([^"]+)"', todo(client))
        assert len(links) >= wanted
        for href in links:  # every line leads to a page this role may open
            assert client.get(href).status_code == 200, (client.user.role, href)
    assert "1</strong> Unggahan menunggu persetujuan Anda" in todo(manager)
    assert "1</strong> Akun platform yang perlu diperhatikan" in todo(admin)
    assert "Akun platform" not in todo(manager)
