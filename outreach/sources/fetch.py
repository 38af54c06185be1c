"""Reading a source from a file or over HTTP: one place for time limits, the User-Agent, and
errors in plain words (a catalogue server that is down must read as such, not as a traceback).

Readers get a binary stream either way (`open_source`), or the streaming response itself
(`get`, for OAI-PMH pages). Bodies are streamed: a large feed never sits in memory whole.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests

from outreach import __version__
from outreach.config import get_settings
from outreach.sources.base import SourceUnreadable, sentence

USER_AGENT = f"LibraryOutreach/{__version__} (library data import)"
_SECRET_WORDS = ("pass", "pwd", "token", "secret", "key", "auth")
# OAI-PMH flow control: a busy repository answers 503 with Retry-After
# (https://www.openarchives.org/OAI/openarchivesprotocol.html#FlowControl). Wait, within bounds.
_MAX_RETRIES = 3
_MAX_WAIT_SECONDS = 30.0


def is_url(source: str) -> bool:
    return urlsplit(str(source)).scheme in ("http", "https")


def mask_url(source: str) -> str:
    """The source as it may be stored and shown: passwords and tokens in a URL are hidden."""
    parts = urlsplit(str(source))
    if not parts.netloc:
        return str(source)  # a file path
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, host = netloc.rsplit("@", 1)
        netloc = f"{userinfo.split(':', 1)[0]}:***@{host}" if ":" in userinfo else netloc
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        masked = [(k, "***" if any(w in k.lower() for w in _SECRET_WORDS) else v)
                  for k, v in pairs]
        query = urlencode(masked, safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _why(exc: requests.RequestException, host: str, timeout: float) -> str:
    """A network failure in words an IT person can act on."""
    chain, cause = [], exc
    while cause is not None and len(chain) < 8:
        chain.append(cause)
        cause = cause.__cause__ or cause.__context__ or (
            cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None)
    names = " ".join(type(c).__name__ + " " + str(c) for c in chain)
    if "NameResolution" in names or "gaierror" in names or "Name or service not known" in names:
        return f"the host name {host} could not be found (DNS); check the address"
    if isinstance(exc, requests.Timeout):
        return f"{host} did not answer within {timeout:g} seconds"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"the secure connection to {host} failed (certificate or TLS problem)"
    if "Connection refused" in names or "ConnectionRefused" in names:
        return f"{host} refused the connection (is the server running, is the port right)"
    if "RemoteDisconnected" in names or "reset by peer" in names:
        return f"{host} closed the connection without a complete answer"
    if isinstance(exc, requests.ConnectionError):
        return f"could not connect to {host}"
    return f"the request to {host} failed ({type(exc).__name__})"


@contextmanager
def get(url: str, params: dict[str, str] | None = None) -> Iterator[requests.Response]:
    """A streaming GET that raises SourceUnreadable, in plain words, for every failure."""
    settings = get_settings()
    timeout = settings.source_timeout_seconds
    host = urlsplit(url).hostname or url
    shown = mask_url(url)
    response = None
    for attempt in range(_MAX_RETRIES + 1):
        try:
            response = requests.get(url, params=params, stream=True,
                                    timeout=(min(timeout, 15.0), timeout),
                                    headers={"User-Agent": USER_AGENT})
        except requests.RequestException as exc:
            raise SourceUnreadable(f"Cannot read {shown}: {_why(exc, host, timeout)}.") from None
        if response.status_code == 503 and attempt < _MAX_RETRIES:
            wait = _retry_after(response.headers.get("Retry-After"))
            response.close()
            if wait is not None:
                time.sleep(wait)
                continue
            raise SourceUnreadable(f"Cannot read {shown}: {host} is unavailable (HTTP 503).")
        break
    assert response is not None
    try:
        if response.status_code >= 400:
            reason = response.reason or ""
            hint = {401: sentence("it asks for a login"),
                    403: sentence("access is forbidden to this service"),
                    404: sentence("no such page: check the address"),
                    500: sentence("the server had an internal error")}.get(response.status_code, "")
            raise SourceUnreadable(
                f"Cannot read {shown}: {host} answered HTTP {response.status_code} {reason}"
                + (f" ({hint})" if hint else "") + ".")
        response.raw.decode_content = True
        yield response
    finally:
        response.close()


def _retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else 5.0
    except ValueError:
        seconds = 5.0
    return min(max(seconds, 0.0), _MAX_WAIT_SECONDS)


def read_chunks(response: requests.Response, where: str, size: int = 1 << 16
                ) -> Iterator[bytes]:
    """The body in chunks; a connection lost half-way is SourceUnreadable."""
    try:
        yield from response.iter_content(size)
    except requests.RequestException as exc:
        host = urlsplit(response.url).hostname or response.url
        why = _why(exc, host, get_settings().source_timeout_seconds)
        raise SourceUnreadable(f"Reading {where} stopped: {why}.") from None


class _ChunkReader:
    """A read()-able view of a response body (for csv/xml readers that want a file)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self.chunks = chunks
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            try:
                self.buffer += next(self.chunks)
            except StopIteration:
                break
        if size < 0:
            data, self.buffer = self.buffer, b""
        else:
            data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


@contextmanager
def open_source(source: str, what: str = "file") -> Iterator[BinaryIO]:
    """A local file or an http(s) URL as a binary stream; SourceUnreadable when it cannot be."""
    if is_url(source):
        with get(source) as response:
            yield _ChunkReader(read_chunks(response, mask_url(source)))  # type: ignore[misc]
        return
    path = os.fspath(source)
    if os.path.isdir(path):
        raise SourceUnreadable(f"{path} is a folder, not a {what}.")
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise SourceUnreadable(f"The file {path} does not exist.") from None
    except PermissionError:
        raise SourceUnreadable(f"No permission to read {path}.") from None
    except OSError as exc:
        raise SourceUnreadable(f"Cannot open {path}: {exc.strerror or exc}.") from None
    with handle:
        yield handle
