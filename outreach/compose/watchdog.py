"""A time limit for template rendering that no template can dodge.

Checking the clock from the sandbox's hooks (attribute access, calls) misses loops that touch
neither, e.g. three nested `for` over one `range`. Instead, one daemon thread keeps the deadlines of
the renders in progress and, when one passes, raises `RenderTimeout` inside the rendering thread
(CPython's PyThreadState_SetAsyncExc: delivered between two bytecodes, so any pure-Python loop
stops). Starting and stopping a watch costs a lock and a heap push, not a thread.
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import os
import threading
import time


class RenderTimeout(Exception):
    """Raised inside a render that ran past its deadline."""


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()  # set when a watch ends sooner than the one awaited
        self._active: dict[int, int] = {}  # token -> id of the rendering thread
        self._heap: list[tuple[float, int]] = []  # (deadline, token), stale ones dropped lazily
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def start(self, seconds: float) -> int:
        token = next(self._tokens)
        deadline = time.monotonic() + seconds
        with self._lock:
            self._active[token] = threading.get_ident()
            heapq.heappush(self._heap, (deadline, token))
            earliest = self._heap[0][1] == token
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="template-watchdog",
                                                daemon=True)
                self._thread.start()
        if earliest:
            self._wake.set()
        return token

    def stop(self, token: int) -> None:
        """The render is over; after this returns no RenderTimeout is sent for it."""
        with self._lock:
            self._active.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)
                wait = None
                if self._heap:
                    deadline, token = self._heap[0]
                    wait = deadline - time.monotonic()
                    if wait <= 0:
                        heapq.heappop(self._heap)
                        ident = self._active.pop(token)
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(ident), ctypes.py_object(RenderTimeout))
                        continue
            self._wake.wait(wait)
            self._wake.clear()


watchdog = Watchdog()


# A forked child (a server's worker process) has no watchdog thread: start afresh.
os.register_at_fork(after_in_child=watchdog.__init__)
