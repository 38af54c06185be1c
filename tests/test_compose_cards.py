"""Image cards, covers fetched from the catalogue (a local HTTP server, never the internet),
alt text, and OPAC links with UTM parameters."""

from __future__ import annotations

import http.server
import io
import threading
import time
from collections.abc import Iterator

import pytest
from PIL import Image

from outreach.compose.build import event_image, title_image
from outreach.compose.cards import Bounds, Card, bounds_for, fit_cover, render_card
from outreach.compose.context import sample_event, title_dict
from outreach.compose.links import opac_link, with_utm
from outreach.config import load_settings
from outreach.models import Title
from outreach.platforms import platform_class

INSTAGRAM = Bounds(min_aspect=0.8, max_aspect=1.91, min_width=320, max_width=1440,
                   max_bytes=8 * 1024 * 1024)


def png(size: tuple[int, int], mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 128) if mode == "RGBA" else "red").save(out, "PNG")
    return out.getvalue()


def opened(data_or_path) -> Image.Image:
    if isinstance(data_or_path, bytes):
        return Image.open(io.BytesIO(data_or_path))
    return Image.open(data_or_path)


def within(img: Image.Image, bounds: Bounds) -> bool:
    ratio = img.width / img.height
    return (img.format == "JPEG" and bounds.min_aspect - 0.005 <= ratio <= bounds.max_aspect
            and bounds.min_width <= img.width <= bounds.max_width)


def test_card_is_a_branded_jpeg_within_instagram_bounds(monkeypatch, tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(png((300, 300)))
    monkeypatch.setenv("OUTREACH_CARD_BACKGROUND", "#112233")
    monkeypatch.setenv("OUTREACH_CARD_LOGO", str(logo))
    settings = load_settings()
    card = Card("Koleksi baru", "Sejarah " * 60, ["karya Awang Darmawan"], "Perpustakaan Kota")
    img = opened(render_card(card, settings, INSTAGRAM))
    assert within(img, INSTAGRAM) and img.size == (1080, 1350)
    r, g, b = img.convert("RGB").getpixel((1070, 700))
    assert abs(r - 0x11) < 8 and abs(g - 0x22) < 8 and abs(b - 0x33) < 8
    assert card.alt_text().startswith("Kartu bergambar bertuliskan: Koleksi baru. “Sejarah")
    assert card.alt_text("en").startswith("Image card reading: Koleksi baru.")


def test_bounds_come_from_the_declared_limits():
    bounds = bounds_for([platform_class("instagram").limits, platform_class("facebook").limits])
    assert bounds.min_aspect == pytest.approx(0.8) and bounds.max_aspect == pytest.approx(1.91)
    assert bounds.min_width == 320 and bounds.max_width == 1440


@pytest.mark.parametrize("size", [(200, 320), (2400, 600), (3000, 3000), (120, 90)])
def test_covers_are_padded_never_cropped_into_bounds(size):
    img = opened(fit_cover(png(size), load_settings(), INSTAGRAM, footer="Perpustakaan"))
    assert within(img, INSTAGRAM), (img.size, img.format)


def test_unreadable_cover_is_refused_plainly():
    from outreach.compose.cards import CardError

    with pytest.raises(CardError, match="not an image"):
        fit_cover(b"<html>not found</html>", load_settings(), INSTAGRAM)


class _Covers(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        if self.path == "/cover.png":
            body, kind = png((400, 600), "RGB"), "image/png"
        elif self.path == "/page":
            body, kind = b"<html></html>", "text/html"
        elif self.path == "/slow.png":
            time.sleep(1.5)
            body, kind = png((400, 600), "RGB"), "image/png"
        else:
            self.send_error(404)
            return
        try:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped waiting (the slow cover): that is the point

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def cover_server(monkeypatch) -> Iterator[str]:
    monkeypatch.setenv("OUTREACH_COVER_HOSTS", "127.0.0.1")  # the library's own server
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Covers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def a_title(cover_url: str | None) -> Title:
    return Title(id=3, source="slims", source_id="33", title="Ejaan Tanpa Ragu",
                 authors=["Hutapea, Marlina"], call_number="499.221 HUT e", cover_url=cover_url,
                 content_hash="h")


def image_for(cover_url, settings):
    data = title_dict(a_title(cover_url), settings, "instagram", "koleksi-baru")
    return title_image(data, settings, INSTAGRAM)


def test_cover_from_the_catalogue_with_its_alt_text(cover_server, tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path))
    path, alt = image_for(cover_server + "/cover.png", load_settings())
    assert alt == "Sampul buku ‘Ejaan Tanpa Ragu’ karya Marlina Hutapea."
    assert within(opened(path), INSTAGRAM)


@pytest.mark.parametrize("where", ["/missing.png", "/page", "/slow.png"])
def test_no_usable_cover_means_a_card(cover_server, tmp_path, monkeypatch, where):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path))
    monkeypatch.setenv("OUTREACH_COVER_TIMEOUT_SECONDS", "0.5")
    path, alt = image_for(cover_server + where, load_settings())
    assert alt.startswith("Kartu bergambar bertuliskan: Koleksi baru. “Ejaan Tanpa Ragu”. "
                          "Karya Marlina Hutapea. Nomor panggil: 499.221 HUT e.")
    assert within(opened(path), INSTAGRAM)


def test_cover_files_and_the_switch(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    cover = tmp_path / "sampul.png"
    cover.write_bytes(png((300, 450), "RGB"))
    assert image_for(cover.as_uri(), load_settings())[1].startswith("Sampul buku")
    monkeypatch.setenv("OUTREACH_FETCH_COVERS", "false")
    assert image_for(cover.as_uri(), load_settings())[1].startswith("Kartu bergambar")


def test_event_card_shows_date_time_and_place(tmp_path, monkeypatch):
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path))
    settings = load_settings()
    from outreach.compose.context import event_dict

    event = event_dict(sample_event(), settings, "instagram", "pelatihan")
    path, alt = event_image("workshop", event, settings, INSTAGRAM)
    assert alt == ("Kartu bergambar bertuliskan: Pelatihan. “Pelatihan Literasi Digital”. "
                   "Sabtu, 5 Desember 2026. Pukul 09.00–12.00 WITA. Ruang Multimedia. "
                   "Perpustakaan Kota Bontang.")
    assert within(opened(path), INSTAGRAM)


def test_opac_links_follow_the_configured_pattern(monkeypatch):
    title = Title(id=9, source="koha", source_id="4521", isbn="9786020000001", title="T",
                  content_hash="h")
    monkeypatch.setenv("OUTREACH_OPAC_URL", "https://opac.example.id/")
    assert opac_link(title, load_settings()) == \
        "https://opac.example.id/index.php?p=show_detail&id=4521"
    monkeypatch.setenv("OUTREACH_OPAC_LINK_PATTERN",
                       "cgi-bin/koha/opac-detail.pl?biblionumber={source_id}")
    assert opac_link(title, load_settings()) == \
        "https://opac.example.id/cgi-bin/koha/opac-detail.pl?biblionumber=4521"
    monkeypatch.setenv("OUTREACH_OPAC_LINK_PATTERN", "https://books.example.org/isbn/{isbn}")
    assert opac_link(title, load_settings()) == "https://books.example.org/isbn/9786020000001"
    title.isbn = None
    assert opac_link(title, load_settings()) is None
    title.opac_url = "https://slims.example.id/index.php?p=show_detail&id=7"
    assert opac_link(title, load_settings()) == title.opac_url


def test_bad_opac_pattern_names_the_variable(monkeypatch):
    from outreach.config import SettingsError

    monkeypatch.setenv("OUTREACH_OPAC_LINK_PATTERN", "index.php?id={biblio}")
    with pytest.raises(SettingsError, match="OUTREACH_OPAC_LINK_PATTERN"):
        load_settings()


def test_utm_parameters_per_platform_and_campaign():
    url = "https://opac.example.id/index.php?p=show_detail&id=7&utm_source=old"
    assert with_utm(url, "instagram", "koleksi-baru", "title-7") == (
        "https://opac.example.id/index.php?p=show_detail&id=7&utm_source=instagram"
        "&utm_medium=social&utm_campaign=koleksi-baru&utm_content=title-7")
