"""One post, per-platform versions, through the real app: a platform's own text kept apart from
the common text, saving and moving the whole post or one platform, a returned post edited from
"Posting saya" and sent again, and "Duplikat"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from staff_kit import accounts, compose, deliveries, jpeg, ready_client, textarea

from outreach.desk.review import Reviewer, reject

COMMON = "Pameran foto Bontang tempo dulu dibuka Sabtu ini di lantai 2. #Bontang"
X_OWN = "Pameran foto Bontang tempo dulu, Sabtu ini di lantai 2 🗓️"


def _field(at: datetime, tz) -> str:
    return at.astimezone(tz).strftime("%Y-%m-%dT%H:%M")


def _post(web, client, *, image: bool = True) -> list:
    found = accounts(web)
    at = datetime.now(UTC) + timedelta(days=2)
    data = {"text": COMMON, "text_x": X_OWN,
            # A tab still holding the common text follows it: not a version of its own.
            "text_facebook": COMMON,
            "account": [str(a.id) for a in found.values()],
            "at": _field(at, web.settings.tz), "action": "submit"}
    files = None
    if image:
        data["alt_1"] = "Foto hitam-putih Pelabuhan Bontang"
        files = {"file_1": ("pelabuhan.jpg", jpeg(), "image/jpeg")}
    response = compose(web, client, data, files=files)
    assert response.status_code == 303, response.text
    return deliveries(web)


def test_a_platform_version_is_kept_apart_and_read_back(sandbox_env, web):
    client = ready_client(web, "staff")
    made = _post(web, client)
    texts = {d.platform: d.text for d in made}
    assert texts["x"] == X_OWN
    assert texts["facebook"] == COMMON and texts["instagram"] == COMMON
    page = client.get(f"/compose?post={made[0].post_id}").text
    assert textarea(page) == COMMON
    assert textarea(page, "text_x") == X_OWN
    assert textarea(page, "text_facebook") == ""  # follows the common text
    assert f'name="post_id" value="{made[0].post_id}"' in page


def test_saving_the_whole_post_or_one_platform(sandbox_env, web):
    client = ready_client(web, "staff")
    made = _post(web, client)
    post_id = made[0].post_id
    later = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=4)
    changed = "Pameran foto Bontang tempo dulu dibuka MINGGU ini di lantai 2. #Bontang"
    page = client.get(f"/compose?post={post_id}").text
    token = page.split('name="token_1" value="')[1].split('"')[0]
    saved = web.post(client, "/compose", {
        "post_id": str(post_id), "text": changed, "text_x": X_OWN, "scope": "all",
        "at": _field(later, web.settings.tz), "token_1": token,
        "alt_1": "Foto hitam-putih Pelabuhan Bontang", "action": "submit"})
    assert saved.status_code == 303, saved.text
    rows = {d.platform: d for d in deliveries(web)}
    assert rows["facebook"].text == changed and rows["instagram"].text == changed
    assert rows["x"].text == X_OWN  # its own version stays apart
    assert {d.scheduled_at for d in rows.values()} == {later}
    # One platform only: Facebook gets a new time and text, the others stay.
    fb_only = later + timedelta(hours=3)
    saved = web.post(client, "/compose", {
        "post_id": str(post_id), "text": "Teks baru hanya untuk Facebook.", "scope": "facebook",
        "at": _field(fb_only, web.settings.tz), "token_1": token,
        "alt_1": "Foto hitam-putih Pelabuhan Bontang", "action": "submit"})
    assert saved.status_code == 303, saved.text
    rows = {d.platform: d for d in deliveries(web)}
    assert rows["facebook"].text == "Teks baru hanya untuk Facebook."
    assert rows["facebook"].scheduled_at == fb_only
    assert rows["instagram"].text == changed and rows["instagram"].scheduled_at == later


def test_a_broken_version_saves_nothing(sandbox_env, web):
    client = ready_client(web, "staff")
    made = _post(web, client)
    post_id = made[0].post_id
    page = client.get(f"/compose?post={post_id}").text
    token = page.split('name="token_1" value="')[1].split('"')[0]
    tags = " ".join(f"#tag{i}" for i in range(12))
    refused = web.post(client, "/compose", {
        "post_id": str(post_id), "text": COMMON, "text_instagram": f"Koleksi baru {tags}",
        "scope": "all", "at": "", "token_1": token,
        "alt_1": "Foto hitam-putih Pelabuhan Bontang", "action": "submit"})
    assert refused.status_code == 422
    assert textarea(refused.text, "text_instagram") == f"Koleksi baru {tags}"
    assert {d.text for d in deliveries(web)} == {COMMON, X_OWN}


def test_moving_and_cancelling_from_the_delivery_page_act_on_the_whole_post(sandbox_env, web):
    client = ready_client(web, "manager")
    made = _post(web, client)
    first = made[0]
    page = client.get(f"/deliveries/{first.id}").text
    assert 'name="scope" value="all" checked' in page
    later = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(days=5)
    moved = web.post(client, f"/deliveries/{first.id}/reschedule",
                     {"at": _field(later, web.settings.tz), "scope": "all"})
    assert moved.status_code == 303
    assert {d.scheduled_at for d in deliveries(web)} == {later}
    one = later + timedelta(hours=1)
    web.post(client, f"/deliveries/{first.id}/reschedule",
             {"at": _field(one, web.settings.tz), "scope": "one"})
    times = {d.id: d.scheduled_at for d in deliveries(web)}
    assert times[first.id] == one and sorted(times.values()).count(later) == 2
    cancelled = web.post(client, f"/deliveries/{made[1].id}/cancel",
                         {"scope": "one", "next": f"/deliveries/{made[1].id}"})
    assert cancelled.status_code == 303
    assert {d.id: d.status for d in deliveries(web)}[made[1].id] == "cancelled"
    assert {d.id: d.status for d in deliveries(web)}[first.id] == "scheduled"
    web.post(client, f"/deliveries/{first.id}/cancel",
             {"scope": "all", "next": f"/deliveries/{first.id}"})
    assert {d.status for d in deliveries(web)} == {"cancelled"}


def test_a_returned_post_is_edited_from_my_posts_and_sent_again(sandbox_env, web):
    client = ready_client(web, "staff")
    made = _post(web, client)
    post_id = made[0].post_id
    manager = web.user("manager")
    with web.session() as s:
        reject(s, post_id, Reviewer(manager.email, manager.id), "Tanggalnya salah.")
    mine = client.get("/approvals/mine").text
    assert f'href="/compose?post={post_id}"' in mine and f'href="/compose?copy={post_id}"' in mine
    page = client.get(f"/compose?post={post_id}").text
    assert "Tanggalnya salah." in page and 'value="resubmit"' in page
    token = page.split('name="token_1" value="')[1].split('"')[0]
    fixed = COMMON.replace("Sabtu", "Senin")
    sent = web.post(client, "/compose", {
        "post_id": str(post_id), "text": fixed, "text_x": X_OWN, "scope": "all", "at": "",
        "token_1": token, "alt_1": "Foto hitam-putih Pelabuhan Bontang",
        "action": "resubmit"})
    assert sent.status_code == 303 and sent.headers["location"] == "/approvals/mine"
    rows = {d.platform: d for d in deliveries(web)}
    assert {d.status for d in rows.values()} == {"pending_review"}
    assert rows["facebook"].text == fixed and rows["x"].text == X_OWN
    # Someone else's waiting post does not open for editing.
    other = web.client("staff")
    refused = other.get(f"/compose?post={post_id}")
    assert refused.status_code == 303 and refused.headers["location"] == "/approvals/mine"


def test_duplicate_makes_a_new_draft_with_every_version_and_image(sandbox_env, web):
    client = ready_client(web, "staff")
    made = _post(web, client)
    page = client.get(f"/compose?copy={made[0].post_id}").text
    assert 'name="post_id"' not in page
    assert textarea(page) == COMMON and textarea(page, "text_x") == X_OWN
    assert 'value="Foto hitam-putih Pelabuhan Bontang"' in page
    token = page.split('name="token_1" value="')[1].split('"')[0]
    found = accounts(web)
    at = datetime.now(UTC) + timedelta(days=6)
    response = compose(web, client, {
        "text": COMMON, "text_x": X_OWN, "account": [str(a.id) for a in found.values()],
        "at": _field(at, web.settings.tz), "token_1": token,
        "alt_1": "Foto hitam-putih Pelabuhan Bontang", "action": "submit"})
    assert response.status_code == 303
    rows = deliveries(web)
    assert len(rows) == 6 and len({d.post_id for d in rows}) == 2
    assert rows[3].media == rows[0].media and rows[3].alt_text == rows[0].alt_text
