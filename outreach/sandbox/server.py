"""Serving the sandbox: in a background thread (tests, the demo) or in the foreground
(`outreach sandbox`)."""

from __future__ import annotations

import logging
import socket
import threading
import time

import uvicorn

from outreach.sandbox.app import create_app
from outreach.sandbox.state import SandboxState

log = logging.getLogger(__name__)


def _config(app, host: str, port: int, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        # h11 explicitly: the fault injection's dropped connections rely on its request cycle.
        http="h11",
        lifespan="off",
        proxy_headers=False,
        access_log=False,
        log_level=log_level,
        # A `timeout` fault may still be hanging when the server stops.
        timeout_graceful_shutdown=1,
    )


class SandboxServer:
    """The sandbox on a loopback port, served by uvicorn in a daemon thread."""

    def __init__(self, seed: int = 0, **app_options) -> None:
        self.app = create_app(seed, **app_options)
        self.sandbox: SandboxState = self.app.state.sandbox
        self.url: str | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, host: str = "127.0.0.1", port: int = 0, *, wait: float = 10.0) -> None:
        """Serve on `host:port` (port 0: any free port) and return once it accepts connections."""
        if self._thread is not None:
            raise RuntimeError("the sandbox is already running")
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        # proto IPPROTO_TCP, not 0: asyncio only sets TCP_NODELAY on such sockets, and without
        # it every answer (headers, then body) waits ~40 ms for a delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        port = sock.getsockname()[1]
        self._server = uvicorn.Server(_config(self.app, host, port, "warning"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="sandbox", daemon=True
        )
        self._thread.start()
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}"
        deadline = time.monotonic() + wait
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the sandbox did not start on {self.url}")
            time.sleep(0.01)
        with socket.create_connection((host, port), timeout=wait):
            pass

    def reset(self) -> None:
        """Forget posts, faults, rate-limit windows; put the clock back."""
        self.sandbox.reset()

    def state(self) -> dict:
        """What was posted (with current metrics), as `GET /_sandbox/state` shows it."""
        return self.sandbox.snapshot()

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None


def serve(host: str = "127.0.0.1", port: int = 8765, seed: int = 0) -> None:
    """Serve the sandbox in the foreground until interrupted (`outreach sandbox`)."""
    log.info("Sandbox on http://%s:%s (X API under /x)", host, port)
    uvicorn.Server(_config(create_app(seed), host, port, "info")).run()
