"""Fault injection: the platforms' bad days, on demand.

A fault names an endpoint (`x.create_tweet`, `x.*` or `*`) and a mode:

- `status`: answer with that status and the platform's error body, without acting;
- `rate_limit`: answer 429 with a reset `seconds` ahead;
- `latency`: wait `ms` milliseconds, then act normally;
- `timeout`: hang `seconds` (longer than the client's read timeout), then close without answer;
- `reset`: close the connection without an answer, before acting;
- `lost`: act (the post exists), then close the connection without an answer.

It fires `count` times (default once), or with probability `rate` (seeded, reproducible).

Closing without an answer: uvicorn answers 500 when an application fails before starting its
response, so `ConnectionDropper` (the outermost ASGI layer) reaches the connection's transport
through uvicorn's `send` and aborts it with a TCP reset; the client sees a `ConnectionError`.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import NoReturn

from starlette.requests import Request
from starlette.responses import Response

MODES = ("status", "rate_limit", "latency", "timeout", "reset", "lost")
SCOPE_KEY = "outreach.sandbox.link"


class FaultError(ValueError):
    """A fault description the sandbox cannot use (answered with 400)."""


@dataclass(slots=True)
class Fault:
    endpoint: str
    mode: str
    status: int = 503
    detail: str | None = None
    count: int | None = None
    rate: float | None = None
    seconds: float | None = None  # rate_limit: reset ahead (60); timeout: hang (server default)
    ms: int = 1000  # latency
    code: int | None = None  # status: the platform's own error code (Graph: 190, 368, 506, ...)
    subcode: int | None = None  # status: Graph's error_subcode
    fired: int = 0

    @classmethod
    def parse(cls, data: object, endpoints: set[str]) -> Fault:
        if not isinstance(data, Mapping):
            raise FaultError("a fault is a JSON object such as "
                             '{"endpoint": "x.create_tweet", "mode": "status", "status": 503}')
        known = {"endpoint", "mode", "status", "detail", "count", "rate", "seconds", "ms", "code",
                 "subcode"}
        unknown = set(data) - known
        if unknown:
            raise FaultError(f"unknown field(s): {', '.join(sorted(unknown))}")
        endpoint = str(data.get("endpoint", "*"))
        platforms = {e.split(".")[0] for e in endpoints}
        if not (
            endpoint == "*"
            or endpoint in endpoints
            or (endpoint.endswith(".*") and endpoint[:-2] in platforms)
        ):
            raise FaultError(
                f"unknown endpoint {endpoint!r}: use one of {', '.join(sorted(endpoints))}, "
                "'<platform>.*' or '*'"
            )
        mode = data.get("mode")
        if mode not in MODES:
            raise FaultError(f"mode must be one of {', '.join(MODES)}")
        try:
            fault = cls(
                endpoint=endpoint,
                mode=mode,
                status=int(data.get("status", 503)),
                detail=None if data.get("detail") is None else str(data["detail"]),
                count=None if data.get("count") is None else int(data["count"]),
                rate=None if data.get("rate") is None else float(data["rate"]),
                seconds=None if data.get("seconds") is None else float(data["seconds"]),
                ms=int(data.get("ms", 1000)),
                code=None if data.get("code") is None else int(data["code"]),
                subcode=None if data.get("subcode") is None else int(data["subcode"]),
            )
        except (TypeError, ValueError) as exc:
            raise FaultError(f"bad number in fault: {exc}") from None
        if not 100 <= fault.status <= 599:
            raise FaultError("status must be an HTTP status code")
        if fault.count is not None and fault.count < 1:
            raise FaultError("count must be 1 or more")
        if fault.rate is not None and not 0 <= fault.rate <= 1:
            raise FaultError("rate is a probability between 0 and 1")
        if fault.count is None and fault.rate is None:
            fault.count = 1
        return fault

    def matches(self, endpoint: str) -> bool:
        if self.endpoint in ("*", endpoint):
            return True
        return self.endpoint.endswith(".*") and endpoint.startswith(self.endpoint[:-1])


class FaultBook:
    """The faults in force, first added first considered."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self, seed: int | None = None) -> None:
        with self._lock:
            self._faults.clear()
            if seed is not None:
                self._rng.seed(seed)

    def take(self, endpoint: str) -> Fault | None:
        """The fault that fires for this call, if any (counted as used)."""
        with self._lock:
            for fault in self._faults:
                if not fault.matches(endpoint):
                    continue
                if fault.rate is not None and self._rng.random() >= fault.rate:
                    continue
                fault.fired += 1
                if fault.count is not None and fault.fired >= fault.count:
                    self._faults.remove(fault)
                return fault
        return None

    def describe(self) -> list[dict]:
        with self._lock:
            return [asdict(f) for f in self._faults]


# -- answers that never arrive ------------------------------------------------------------------
class DropConnection(Exception):
    """Raised (by `drop_connection`) to end an exchange without any answer."""


class _Link:
    def __init__(self, send: Callable) -> None:
        self._send = send
        self.dropped = False  # no more messages may reach the client
        self.closed = False  # the TCP connection was really aborted

    def drop(self) -> None:
        self.dropped = True
        # uvicorn's `send` is a bound method of its request cycle, which holds the transport.
        transport = getattr(getattr(self._send, "__self__", None), "transport", None)
        if transport is None or transport.is_closing():
            self.closed = transport is not None
            return
        sock = transport.get_extra_info("socket")
        if sock is not None:
            try:  # linger 0: abort() then sends a TCP reset, as a dropped connection does
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
        transport.abort()
        self.closed = True


def drop_connection(request: Request) -> NoReturn:
    """Close the client's connection now, without an answer."""
    link = request.scope.get(SCOPE_KEY)
    if link is not None:
        link.drop()
    raise DropConnection("the sandbox closed the connection without an answer")


class ConnectionDropper:
    """The outermost ASGI layer: lets a route close the connection without any answer.

    After a drop, every later message (the 500 that Starlette's error middleware would send for
    the exception) is swallowed; the exception itself ends here when the connection really
    closed. Without a transport (an in-process test client) it propagates to the caller.
    """

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        link = _Link(send)
        scope[SCOPE_KEY] = link

        async def guarded_send(message: dict) -> None:
            if not link.dropped:
                await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except DropConnection:
            if not link.closed:
                raise
        if link.closed:
            # Let the server notice the lost connection before it checks whether we answered,
            # or it logs "returned without starting response" and writes a 500 into the void.
            for _ in range(5):
                await asyncio.sleep(0)


async def before_call(
    request: Request,
    fault: Fault | None,
    *,
    hang_seconds: float,
    status_reply: Callable[[Fault], Response],
    rate_limited_reply: Callable[[float], Response],
) -> Response | None:
    """Apply the part of a fault that happens before the platform acts: an answer to send
    instead, a delay, or a dropped connection. `lost` acts after (see `after_call`)."""
    if fault is None:
        return None
    if fault.mode == "latency":
        await asyncio.sleep(fault.ms / 1000)
        return None
    if fault.mode == "status":
        return status_reply(fault)
    if fault.mode == "rate_limit":
        return rate_limited_reply(fault.seconds if fault.seconds is not None else 60.0)
    if fault.mode == "timeout":
        await asyncio.sleep(fault.seconds if fault.seconds is not None else hang_seconds)
        drop_connection(request)
    if fault.mode == "reset":
        drop_connection(request)
    return None


def after_call(request: Request, fault: Fault | None) -> None:
    """`lost`: the platform acted, and the answer never reaches the client."""
    if fault is not None and fault.mode == "lost":
        drop_connection(request)
