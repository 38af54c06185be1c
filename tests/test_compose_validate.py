"""Platform rules as composition applies them: X's weighted count and threads, hashtag caps,
images (format, ratio, width, size), alt text — each broken rule explained in plain words."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from outreach.compose.fit import Target, fit_text, hashtags_in
from outreach.compose.validate import problems
from outreach.config import load_settings
from outreach.platforms import platform_class
from outreach.platforms.base import Limits
from outreach.platforms.x import XPlatform, weighted_length


@pytest.fixture
def x() -> Target:
    return Target.of(XPlatform, load_settings())


def photo_target(**overrides) -> Target:
    """A platform declaring Instagram's published rules (docs/platforms.md): the validation engine
    is tested against declared data; the real Instagram class is tested below when it exists."""
    limits = Limits(max_text=2200, max_media=10, media_required=True,
                    media_formats=("image/jpeg",), min_aspect=0.8, max_aspect=1.91,
                    min_width=320, max_width=1440, max_image_bytes=8 * 1024 * 1024,
                    max_hashtags=30, max_alt_text=1000)
    values = {"name": "photos", "label": "Photos", "limits": limits, "count": len,
              "hashtag_cap": 5} | overrides
    return Target(**values)


def image(tmp_path, name: str, size: tuple[int, int], fmt: str = "JPEG") -> str:
    path = tmp_path / name
    Image.new("RGB", size, "teal").save(path, fmt)
    return str(path)


def test_x_counts_links_and_emoji_by_twitter_text(x):
    text = "Buku baru 📚 " + "https://opac.example.id/" + "a" * 200
    assert x.count(text) == weighted_length(text) == len("Buku baru ") + 2 + 1 + 23
    assert problems(x, text) == []


def test_too_long_for_x_becomes_numbered_thread_within_limits(x):
    text = "\n\n".join(f"Paragraf {i}: " + "kata " * 40 for i in range(1, 6)) + "\n\n#BukuBaru"
    assert x.count(text) > 280
    parts = fit_text(x, text)
    assert len(parts) > 1
    for i, part in enumerate(parts, 1):
        assert part.endswith(f"({i}/{len(parts)})")
        assert weighted_length(part) <= 280
    assert "#BukuBaru" in parts[-1]
    assert problems(x, parts[0], thread=parts[1:]) == []


def test_trailing_hashtags_are_dropped_before_a_thread_is_made(x):
    body = "a" * 250
    text = body + "\n\n#PerpustakaanKotaBontang #BukuBaru"
    (fitted,) = fit_text(x, text)
    assert fitted.startswith(body) and weighted_length(fitted) <= 280
    assert "#BukuBaru" not in fitted


def test_too_long_explained_in_indonesian_and_english(x):
    text = "x" * 300
    (message,) = problems(x, text)
    assert "terlalu panjang" in message and "300 dari 280" in message and "20" in message
    (english,) = problems(x, text, locale="en")
    assert "too long" in english and "300 of 280" in english


def test_hashtag_cap(tmp_path):
    target = photo_target()
    text = "Koleksi baru " + " ".join(f"#Tag{i}" for i in range(7))
    assert len(hashtags_in(text)) == 7
    found = problems(target, text, [image(tmp_path, "a.jpg", (1080, 1350))], ["Sampul"])
    assert found == ["Terlalu banyak tagar untuk Photos: 7, paling banyak 5. Hapus 2 tagar."]


def test_hashtag_cap_counts_hashtags_not_hash_signs(tmp_path):
    """Many '#' but few hashtags (the count is skipped only when '#' alone cannot exceed it)."""
    target = photo_target()
    media = [image(tmp_path, "a.jpg", (1080, 1350))]
    text = "C# & F# di lantai 2, rak #3A " + " ".join(f"#Tag{i}" for i in range(4)) + " ## #"
    assert text.count("#") > 5 and len(hashtags_in(text)) == 5
    assert problems(target, text, media, ["Sampul"]) == []
    assert problems(target, text + " #Lagi", media, ["Sampul"]) == [
        "Terlalu banyak tagar untuk Photos: 6, paling banyak 5. Hapus 1 tagar."]


@pytest.mark.parametrize(("size", "fmt", "expected"), [
    ((1080, 1350), "JPEG", None),
    ((1080, 1080), "PNG", "hanya menerima JPEG"),
    ((1000, 1600), "JPEG", "terlalu tinggi"),
    ((1400, 600), "JPEG", "terlalu lebar untuk Photos: lebar:tinggi 2.33"),
    ((300, 300), "JPEG", "lebar 300 piksel, paling sedikit 320"),
    ((2000, 2000), "JPEG", "2000 piksel, paling banyak 1440"),
])
def test_image_rules(tmp_path, size, fmt, expected):
    path = image(tmp_path, "img." + fmt.lower(), size, fmt)
    found = problems(photo_target(), "Teks", [path], ["Sampul buku"])
    if expected is None:
        assert found == []
    else:
        assert len(found) == 1 and expected in found[0], found


def test_image_required_alt_text_required_and_files_checked(tmp_path):
    target = photo_target()
    assert problems(target, "Teks") == ["Photos memerlukan gambar: tambahkan satu gambar beserta "
                                        "teks alternatifnya."]
    path = image(tmp_path, "a.jpg", (1080, 1350))
    assert "belum punya teks alternatif" in problems(target, "Teks", [path], ["  "])[0]
    assert "tidak ditemukan" in problems(target, "Teks", [str(tmp_path / "no.jpg")], ["alt"])[0]
    (tmp_path / "junk.jpg").write_bytes(b"not an image")
    assert "tidak dapat dibaca" in problems(target, "Teks", [str(tmp_path / "junk.jpg")],
                                            ["alt"])[0]
    too_big = photo_target(limits=Limits(max_text=2200, max_media=1, max_image_bytes=1000))
    buf = io.BytesIO()
    Image.effect_noise((400, 400), 80).convert("RGB").save(buf, "JPEG", quality=95)
    (tmp_path / "big.jpg").write_bytes(buf.getvalue())
    assert "terlalu besar" in problems(too_big, "Teks", [str(tmp_path / "big.jpg")], ["alt"])[0]


def test_x_takes_four_images_at_most(x, tmp_path):
    paths = [image(tmp_path, f"{i}.jpg", (800, 600)) for i in range(5)]
    found = problems(x, "Teks", paths, ["alt"] * 5)
    assert found == ["Terlalu banyak gambar untuk X: 5, paling banyak 4."]


def test_hashtag_cap_setting_is_in_force(monkeypatch):
    monkeypatch.setenv("OUTREACH_INSTAGRAM_MAX_HASHTAGS", "3")
    assert Target.of(platform_class("instagram"), load_settings()).hashtag_cap == 3


def test_real_instagram_class_rules(tmp_path):
    target = Target.of(platform_class("instagram"), load_settings())
    assert target.hashtag_cap == 5  # OUTREACH_INSTAGRAM_MAX_HASHTAGS's default
    assert not target.links  # a URL in a caption cannot be clicked
    assert target.limits.media_required
    assert problems(target, "Teks", [image(tmp_path, "a.jpg", (1080, 1350))], ["alt"]) == []
    assert problems(target, "Teks", [image(tmp_path, "b.png", (1080, 1350), "PNG")], ["alt"])
    assert problems(target, "Teks " * 500, [image(tmp_path, "c.jpg", (1080, 1350))], ["alt"])


def test_threads_are_stored_the_way_the_x_platform_publishes_them(x):
    from outreach.compose.fit import join_thread, split_thread
    from outreach.platforms.x import thread_parts

    text = "\n\n".join("Baris yang cukup panjang untuk sebuah utas. " * 3 for _ in range(6))
    parts = fit_text(x, text)
    assert len(parts) > 1
    stored = join_thread(parts)
    assert thread_parts(stored) == parts == split_thread(x, stored)
    # A thread staff wrote by hand is kept as written.
    assert fit_text(x, "Bagian satu\n---\nBagian dua") == ["Bagian satu", "Bagian dua"]
    # Where there are no threads, "---" is just text.
    assert split_thread(photo_target(), "a\n---\nb") == ["a\n---\nb"]


def test_a_link_on_a_platform_that_bills_it_higher_gets_a_note():
    from outreach.compose.fit import Target
    from outreach.config import load_settings
    from outreach.desk.editing import check_text
    from outreach.platforms import platform_class

    settings = load_settings()
    x = Target.of(platform_class("x"), settings)
    facebook = Target.of(platform_class("facebook"), settings)
    text = "Koleksi baru: https://opac.example.org/detail?id=12"
    [note] = check_text(x, text).notes
    assert "13× lebih mahal" in note and "links: false" in note
    assert "13× as much" in check_text(x, text, locale="en").notes[0]
    checked = check_text(x, text)
    assert checked.as_json()["notes"] == [note] and checked.as_json()["ok"]  # not a broken rule
    assert check_text(x, "Koleksi baru minggu ini").notes == []
    assert check_text(facebook, text).notes == []
