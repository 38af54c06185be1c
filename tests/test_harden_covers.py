"""Covers from catalogue data are fetched like requests made for a stranger (issue 18): http(s)
to public addresses only unless the host is the library's, size and pixels capped before
decoding, fetched once; SLiMS image names stay inside the images folder."""

from __future__ import annotations

import http.server
import io
import struct
import threading
import zlib
from collections.abc import Iterator

import pytest
from PIL import Image

from outreach.compose import covers
from outreach.compose.cards import CardError, fit_cover
from outreach.compose.covers import fetch_cover, public_address
from outreach.config import load_settings
from outreach.sources.base import RecordError, TitleRecord
from outreach.sources.slims_csv import read_slims_csv


def png(size=(300, 450)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def huge_png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims width × height: tiny on the wire, enormous once decoded."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


class Server(http.server.ThreadingHTTPServer):
    hits: list[str]


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.server.hits.append(self.path)
        port = self.server.server_address[1]
        if self.path == "/cover.png":
            body = png()
        elif self.path == "/bomb.png":
            body = huge_png_header(12000, 12000)
        elif self.path == "/endless.png":  # no Content-Length: read until the cap
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b"\x00" * 65536)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        elif self.path == "/hop.png":  # a trusted host sending the fetch elsewhere
            self.send_response(302)
            self.send_header("Location", f"http://localhost:{port}/cover.png")
            self.end_headers()
            return
        elif self.path == "/file.png":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch) -> Iterator[Server]:
    monkeypatch.setenv("OUTREACH_MEDIA_DIR", str(tmp_path / "media"))
    srv = Server(("127.0.0.1", 0), _Handler)
    srv.hits = []
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def base(srv: Server, host: str = "127.0.0.1") -> str:
    return f"http://{host}:{srv.server_address[1]}"


def test_loopback_and_private_hosts_are_refused_without_a_request(server, monkeypatch):
    for host in ("127.0.0.1", "localhost"):
        assert fetch_cover(base(server, host) + "/cover.png", load_settings()) is None
    assert server.hits == []


def test_the_opac_and_listed_hosts_may_be_on_the_intranet(server, monkeypatch):
    monkeypatch.setenv("OUTREACH_OPAC_URL", base(server))
    assert fetch_cover(base(server) + "/cover.png", load_settings()) == png()
    monkeypatch.delenv("OUTREACH_OPAC_URL")
    monkeypatch.setenv("OUTREACH_COVER_HOSTS", "opac.perpus.local, LOCALHOST")
    assert fetch_cover(base(server, "localhost") + "/cover.png", load_settings()) == png()


def test_each_redirect_hop_is_checked_again(server, monkeypatch):
    monkeypatch.setenv("OUTREACH_COVER_HOSTS", "127.0.0.1")
    assert fetch_cover(base(server) + "/hop.png", load_settings()) is None
    assert server.hits == ["/hop.png"]  # localhost (loopback, not listed) was never asked
    assert fetch_cover(base(server) + "/file.png", load_settings()) is None


def test_size_and_pixels_are_capped_before_decoding(server, monkeypatch):
    monkeypatch.setenv("OUTREACH_COVER_HOSTS", "127.0.0.1")
    monkeypatch.setattr(covers, "MAX_COVER_BYTES", 512 * 1024)
    assert fetch_cover(base(server) + "/endless.png", load_settings()) is None
    assert fetch_cover(base(server) + "/bomb.png", load_settings()) is None
    for size in ((12000, 12000), (6001, 6001)):  # Pillow's own refusal, and ours below it
        with pytest.raises(CardError, match="pixels"):
            fit_cover(huge_png_header(*size), load_settings())


def test_a_cover_is_fetched_once_and_then_read_from_disk(server, monkeypatch):
    monkeypatch.setenv("OUTREACH_COVER_HOSTS", "127.0.0.1")
    settings = load_settings()
    for _ in range(3):
        assert fetch_cover(base(server) + "/cover.png", settings) == png()
        assert fetch_cover(base(server) + "/missing.png", settings) is None
    assert server.hits == ["/cover.png", "/missing.png"]


@pytest.mark.parametrize(("address", "public"), [
    ("93.184.216.34", True), ("2606:2800:220:1:248:1893:25c8:1946", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("0.0.0.0", False), ("224.0.0.1", False), ("240.0.0.1", False),
    ("::1", False), ("fe80::1", False), ("fc00::1", False), ("::ffff:127.0.0.1", False),
    ("100.64.0.1", False), ("not-an-ip", False),
])
def test_public_addresses(address, public):
    assert public_address(address) is public


def test_slims_image_names_stay_inside_the_images_folder(tmp_path, monkeypatch):
    images = tmp_path / "images"
    images.mkdir()
    (images / "b1.jpg").write_bytes(png())
    (tmp_path / "x.jpg").write_bytes(png())
    (images / "link.jpg").symlink_to(tmp_path / "x.jpg")
    biblio = tmp_path / "biblio.csv"
    rows = [("1", "Buku Satu", "b1.jpg"), ("2", "Buku Dua", "../x.jpg"),
            ("3", "Buku Tiga", "/etc/passwd"), ("4", "Buku Empat", "link.jpg")]
    biblio.write_text("biblio_id,title,image\n" + "".join(f"{i},{t},{m}\n" for i, t, m in rows),
                      encoding="utf-8")
    found = list(read_slims_csv(str(biblio), images=str(images),
                                opac_url="https://opac.example.id"))
    titles = {t.source_id: t for t in found if isinstance(t, TitleRecord)}
    assert titles["1"].cover_url == str((images / "b1.jpg").resolve())
    assert titles["2"].cover_url is None and titles["3"].cover_url is None
    assert titles["4"].cover_url is None
    warnings = [e for e in found if isinstance(e, RecordError) and "cover" in e.message]
    assert [w.where for w in warnings] == ["biblio.csv line 3", "biblio.csv line 4",
                                           "biblio.csv line 5"]
    assert "'../x.jpg'" in warnings[0].message
