"""Fetching a title's cover from the catalogue (its `cover_url`), briefly, within bounds, once.

Covers are a nicety: when fetching is off (OUTREACH_FETCH_COVERS=false), slow (more than
OUTREACH_COVER_TIMEOUT_SECONDS), too big, not an image, or unreachable, the caller uses an image
card instead and the post still goes out. Supported: http(s) URLs (the library's own server, e.g.
SLiMS's `images/docs/<file>`), file:// URLs and plain paths (covers exported beside a catalogue;
only the SLiMS readers make those, from names they kept inside the images folder).

A cover URL is catalogue data, which anyone who can edit a record (or a harvested repository)
controls, so the fetch is guarded like any request made on someone else's behalf:

- http(s) only, at most a few redirects, each hop checked again;
- the host must resolve to public addresses only (not loopback, private, link-local, multicast,
  reserved), checked on the address actually connected to, so a name that resolves to a public
  address when checked and to 127.0.0.1 when connecting (DNS rebinding) is still refused. The
  library's OPAC (OUTREACH_OPAC_URL) and the hosts in OUTREACH_COVER_HOSTS are trusted: an OPAC
  on the library's intranet keeps working;
- the body is read in chunks and dropped past MAX_COVER_BYTES; the pixel count is read from the
  image header and checked before anything decodes it (a small PNG can claim 12000×12000);
- each URL is fetched once: the bytes (or the fact that there was nothing usable) are kept in
  the media folder's `covers/` folder, so opening the compose page again reads the disk.
"""

from __future__ import annotations

import hashlib
import io
import ipaddress
import logging
import socket
import time
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests
from PIL import Image
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError
from urllib3.util import connection as u3conn

from outreach.config import Settings

log = logging.getLogger(__name__)
MAX_COVER_BYTES = 10 * 1024 * 1024  # bigger than any cover; stops a wrong URL filling memory
# 6000 × 6000: more than any scan of a cover. Decoding 12000 × 12000 takes 576 MB (RGBA).
MAX_COVER_PIXELS = 36_000_000
# Pillow's own guard for every image this process opens (uploads too): it warns past this and
# refuses twice as many pixels when the header is read, before anything is decoded.
Image.MAX_IMAGE_PIXELS = MAX_COVER_PIXELS
MAX_REDIRECTS = 3
KEEP_FOUND = 30 * 86400  # a cover rarely changes; a month later it is fetched again
KEEP_MISSING = 86400  # a cover that could not be used is tried again the next day
USER_AGENT = "LibraryOutreach/0.1 (cover fetch)"


class CoverRefused(OSError):
    """The cover's address is not one this service fetches from (the message says why)."""


def fetch_cover(url: str | None, settings: Settings) -> bytes | None:
    """The cover's bytes, or None (and a log line saying why) when there is none to use."""
    if not url or not settings.fetch_covers:
        return None
    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        return _cached(url, settings)
    try:
        path = Path(unquote(parts.path)) if parts.scheme == "file" else Path(url)
        if parts.scheme not in ("", "file") or not path.is_file():
            log.info("cover %s: not a URL or file that can be read", url)
            return None
        if path.stat().st_size > MAX_COVER_BYTES:
            log.info("cover %s: larger than %d bytes", url, MAX_COVER_BYTES)
            return None
        data = path.read_bytes()
    except (OSError, ValueError) as exc:
        log.info("cover %s not used: %s", url, exc)
        return None
    return data if _pixels_ok(url, data) else None


def _cached(url: str, settings: Settings) -> bytes | None:
    from outreach.media import media_dir

    folder = media_dir(settings) / "covers"
    folder.mkdir(exist_ok=True)
    key = hashlib.sha256(url.encode("utf-8")).hexdigest()[:40]
    found, missing = folder / f"{key}.img", folder / f"{key}.none"
    now = time.time()
    try:
        if found.is_file() and now - found.stat().st_mtime < KEEP_FOUND:
            return found.read_bytes()
        if missing.is_file() and now - missing.stat().st_mtime < KEEP_MISSING:
            return None
    except OSError:
        pass
    data = _fetch(url, settings)
    target = found if data is not None else missing
    tmp = target.with_name(target.name + f".{time.monotonic_ns()}.part")
    try:
        tmp.write_bytes(data or b"")
        tmp.replace(target)
        (missing if data is not None else found).unlink(missing_ok=True)
    except OSError as exc:  # a full disk costs a fetch per view, not the post
        log.warning("cover %s could not be kept: %s", url, exc)
        tmp.unlink(missing_ok=True)
    return data


def _fetch(url: str, settings: Settings) -> bytes | None:
    timeout = settings.cover_timeout_seconds
    try:
        with _session(trusted_hosts(settings)) as session, session.get(
                url, stream=True, timeout=(timeout, timeout), allow_redirects=True,
                headers={"User-Agent": USER_AGENT}) as response:
            if response.status_code != 200:
                log.info("cover %s: the server answered HTTP %s", url, response.status_code)
                return None
            kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if not kind.startswith("image/"):
                log.info("cover %s: the server sent %s, not an image", url, kind or "no type")
                return None
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_COVER_BYTES:
                log.info("cover %s: larger than %d bytes", url, MAX_COVER_BYTES)
                return None
            data = bytearray()
            deadline = time.monotonic() + 4 * timeout  # a server dripping bytes stops too
            for chunk in response.iter_content(64 * 1024):
                data += chunk
                if len(data) > MAX_COVER_BYTES:
                    log.info("cover %s: larger than %d bytes", url, MAX_COVER_BYTES)
                    return None
                if time.monotonic() > deadline:
                    log.info("cover %s: too slow", url)
                    return None
    except (requests.RequestException, OSError, ValueError) as exc:
        log.info("cover %s not used: %s", url, _reason(exc))
        return None
    return bytes(data) if _pixels_ok(url, bytes(data)) else None


def _pixels_ok(url: str, data: bytes) -> bool:
    """Whether the image header declares a size small enough to decode (nothing is decoded)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            width, height = img.size
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        log.info("cover %s: not an image that can be read (%s)", url, exc)
        return False
    if width * height > MAX_COVER_PIXELS:
        log.info("cover %s: %d × %d pixels is more than a cover needs", url, width, height)
        return False
    return True


def _reason(exc: BaseException) -> str:
    seen = exc
    for _ in range(6):  # the refusal is wrapped by urllib3 and requests
        if isinstance(seen, CoverRefused):
            return str(seen)
        nxt = seen.__cause__ or seen.__context__ or next(
            (a for a in getattr(seen, "args", ()) if isinstance(a, BaseException)), None)
        if nxt is None:
            break
        seen = nxt
    return f"{type(exc).__name__}: {exc}"


# -- where covers may come from ----------------------------------------------------------------
def trusted_hosts(settings: Settings) -> frozenset[str]:
    """The library's own hosts: the OPAC's and OUTREACH_COVER_HOSTS; any address is fine."""
    hosts = {h.lower().rstrip(".") for h in settings.cover_hosts}
    if settings.opac_url and (host := urlsplit(settings.opac_url).hostname):
        hosts.add(host.lower().rstrip("."))
    return frozenset(hosts)


def public_address(address: str) -> bool:
    """Whether an IP address is on the public internet (not this machine nor a private net)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local)


def _guarded_socket(host: str, port: int, timeout, source_address, socket_options,  # noqa: ANN001
                    trusted: frozenset[str]) -> socket.socket:
    """Resolve `host` once, refuse it unless every address is public (or it is trusted), and
    connect to the address that was checked; then check the peer once more."""
    name = host.strip("[]").lower().rstrip(".")
    if name in trusted:
        return u3conn.create_connection((host, port), timeout, source_address=source_address,
                                        socket_options=socket_options)
    infos = socket.getaddrinfo(name, port, 0, socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    bad = [a for a in addresses if not public_address(a)]
    if not addresses or bad:
        shown = ", ".join(bad) or "no address"
        raise CoverRefused(f"{name} is not on the public internet ({shown}); add it to "
                           "OUTREACH_COVER_HOSTS if it is the library's")
    sock = u3conn.create_connection((addresses[0], port), timeout,
                                    source_address=source_address,
                                    socket_options=socket_options)
    peer = sock.getpeername()[0]
    if not public_address(peer):
        sock.close()
        raise CoverRefused(f"{name} connected to {peer}, which is not on the public internet")
    return sock


def _session(trusted: frozenset[str]) -> requests.Session:
    class Guard:
        def _new_conn(self) -> socket.socket:
            try:
                return _guarded_socket(self._dns_host, self.port, self.timeout,
                                       self.source_address, self.socket_options, trusted)
            except CoverRefused as exc:
                raise NewConnectionError(self, str(exc)) from exc

    class GuardedHTTP(Guard, HTTPConnection):
        pass

    class GuardedHTTPS(Guard, HTTPSConnection):
        pass

    class HTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTP

    class HTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPS

    class Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}

    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: the guard must see the host
    session.max_redirects = MAX_REDIRECTS
    session.mount("http://", Adapter(max_retries=0))
    session.mount("https://", Adapter(max_retries=0))
    return session
