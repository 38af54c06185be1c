"""The media library through the real app: uploading an image with its alt text, editing the
alt text, choosing a library image in the composer instead of uploading it again, and which
images are kept (library) so that a clean-up of orphaned uploads leaves them alone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlmodel import select
from staff_kit import accounts, compose, deliveries, jpeg, ready_client

from outreach.models import AuditLog, MediaAsset

ALT = "Sampul buku Laut Bercerita karya Leila S. Chudori, biru tua dengan ikan"


def _assets(web) -> list[MediaAsset]:
    with web.session() as s:
        return list(s.exec(select(MediaAsset).order_by(MediaAsset.id)))


def _upload(web, client, alt: str = ALT, data: bytes | None = None, name: str = "sampul.jpg"):
    return web.post(client, "/media-library", {"alt": alt},
                    files={"file": (name, data if data is not None else jpeg(), "image/jpeg")})


def test_upload_lists_the_image_with_its_alt_text_uploader_and_uses(web):
    person = web.user("staff", name="Rina Wulandari")
    client = web.client(user=person)
    empty = client.get("/media-library")
    assert empty.status_code == 200 and "Pustaka media masih kosong" in empty.text
    answer = _upload(web, client)
    assert answer.status_code == 303 and answer.headers["location"] == "/media-library"
    [asset] = _assets(web)
    assert asset.kept and asset.alt_text == ALT
    assert (asset.uploaded_by, asset.uploaded_by_id) == (person.email, person.id)
    page = client.get("/media-library").text
    assert "Gambar disimpan di pustaka media." in page
    assert f'src="/media/{asset.token}/{asset.filename}" alt="{ALT}"' in page
    assert "Dipakai di 0 unggahan" in page and "diunggah oleh Rina Wulandari" in page
    assert client.get(f"/media/{asset.token}/{asset.filename}").status_code == 200


def test_upload_refuses_without_alt_text_or_an_image_and_keeps_what_was_typed(web):
    client = web.client("staff")
    no_alt = _upload(web, client, alt="  ")
    assert no_alt.status_code == 422 and "Tulis teks alternatif" in no_alt.text
    not_image = _upload(web, client, alt="Poster acara", data=b"bukan gambar", name="x.jpg")
    assert not_image.status_code == 422
    assert "bukan gambar JPEG, PNG, GIF atau WebP" in not_image.text
    assert 'value="Poster acara"' in not_image.text
    assert [a for a in _assets(web) if a.kept] == []
    no_csrf = client.post("/media-library", data={"alt": ALT},
                          files={"file": ("a.jpg", jpeg(), "image/jpeg")})
    assert no_csrf.status_code == 403 and _assets(web) == []


def test_alt_text_is_edited_in_the_library_and_audited(web):
    client = web.client("staff")
    _upload(web, client)
    [asset] = _assets(web)
    better = "Sampul Laut Bercerita: laut biru tua, ikan-ikan kecil, judul putih"
    saved = web.post(client, f"/media-library/{asset.id}/alt", {"alt": better})
    assert saved.status_code == 303
    assert _assets(web)[0].alt_text == better
    empty = web.post(client, f"/media-library/{asset.id}/alt", {"alt": " "})
    assert empty.status_code == 422 and "tidak boleh kosong" in empty.text
    assert _assets(web)[0].alt_text == better
    assert web.post(client, "/media-library/9999/alt", {"alt": "x"}).status_code == 404
    with web.session() as s:
        actions = [a.action for a in s.exec(select(AuditLog).where(
            AuditLog.object_type == "media").order_by(AuditLog.id))]
    assert actions == ["media.keep", "media.alt_text"]


def test_composer_uses_a_library_image_instead_of_a_new_upload(sandbox_env, web):
    client = ready_client(web, "staff")
    _upload(web, client)
    [asset] = _assets(web)
    form = client.get("/compose").text
    assert "Pilih dari pustaka media" in form
    assert f'name="library" value="{asset.token}"' in form
    fb = accounts(web)["facebook"]
    at = (datetime.now(UTC) + timedelta(days=2)).astimezone(web.settings.tz)
    # Previewed first: the chosen image comes back as image 1 with the library's alt text.
    preview = compose(web, client, {"text": "Buku baru minggu ini: Laut Bercerita.",
                                    "account": [str(fb.id)], "library": asset.token,
                                    "at": at.strftime("%Y-%m-%dT%H:%M"), "action": "preview"})
    assert preview.status_code == 200
    assert f'name="token_1" value="{asset.token}"' in preview.text
    assert re.search(rf'id="f-alt_1"[^>]*value="{re.escape(ALT)}"', preview.text)
    # Sent directly with the library box ticked: the delivery carries the same file.
    made = compose(web, client, {"text": "Buku baru minggu ini: Laut Bercerita.",
                                 "account": [str(fb.id)], "library": asset.token,
                                 "at": at.strftime("%Y-%m-%dT%H:%M"), "action": "submit"})
    assert made.status_code == 303, made.text
    [d] = deliveries(web)
    assert d.media == [asset.path] and d.alt_text == [ALT]
    assert len(_assets(web)) == 1  # nothing stored again
    assert "Dipakai di 1 unggahan" in client.get("/media-library").text


def test_images_sent_with_a_post_join_the_library_and_previews_do_not(sandbox_env, web):
    client = ready_client(web, "staff")
    x = accounts(web)["x"]
    preview = compose(web, client, {"text": "Pratinjau saja", "account": [str(x.id)],
                                    "alt_1": "Gambar yang hanya dipratinjau",
                                    "action": "preview"},
                      files={"file_1": ("coba.jpg", jpeg(colour="#a33"), "image/jpeg")})
    assert preview.status_code == 200
    [tried] = _assets(web)
    assert not tried.kept  # a preview upload: the clean-up may remove it after a day
    sent = compose(web, client, {"text": "Jam buka baru perpustakaan", "account": [str(x.id)],
                                 "alt_1": "Papan jam buka perpustakaan", "action": "submit"},
                   files={"file_1": ("jam.jpg", jpeg(colour="#37a"), "image/jpeg")})
    assert sent.status_code == 303, sent.text
    kept = [a for a in _assets(web) if a.kept]
    assert [(a.alt_text, a.uploaded_by) for a in kept] == [
        ("Papan jam buka perpustakaan", client.user.email)]
    assert not _assets(web)[0].kept
