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
import threading
import time


class RenderTimeout(Exception):
    """Raised inside a render that ran past its deadline."""


class Watchdog:
    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._active: dict[int, int] = {}  # token -> id of the rendering thread
        self._heap: list[tuple[float, int]] = []  # (deadline, token), stale ones dropped lazily
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def start(self, seconds: float) -> int:
        token = next(self._tokens)
        deadline = time.monotonic() + seconds
        with self._cond:
            self._active[token] = threading.get_ident()
            heapq.heappush(self._heap, (deadline, token))
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="template-watchdog",
                                                daemon=True)
                self._thread.start()
            elif self._heap[0][1] == token:
                self._cond.notify()
        return token

    def stop(self, token: int) -> None:
        """The render is over; after this returns no RenderTimeout is sent for it."""
        with self._cond:
            self._active.pop(token, None)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][1] not in self._active:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                deadline, token = self._heap[0]
                wait = deadline - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                heapq.heappop(self._heap)
                ident = self._active.pop(token)
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident),
                                                           ctypes.py_object(RenderTimeout))


watchdog = Watchdog()
