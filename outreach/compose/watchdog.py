"""A time limit for template rendering that no template can dodge.

Checking the clock from the sandbox's hooks (attribute access, calls) misses loops that touch
neither, e.g. three nested `for` over one `range`. Instead, one daemon thread keeps the deadlines of
the renders in progress and, when one passes, raises `RenderTimeout` inside the rendering thread
(CPython's PyThreadState_SetAsyncExc: delivered between two bytecodes, so any pure-Python loop
stops). Starting and stopping a watch costs a lock and a dict entry, not a thread, and seldom
wakes the daemon: it sleeps until the earliest deadline it knows of, and is woken only by a watch
that ends sooner than that (or the first after it found none).
"""

from __future__ import annotations

import ctypes
import itertools
import math
import os
import threading
import time


class RenderTimeout(Exception):
    """Raised inside a render that ran past its deadline."""


class Watchdog:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Event()  # set when a watch ends sooner than the daemon sleeps
        # token -> (deadline, id of the rendering thread): one entry per render in progress, so
        # a scan is short (a heap kept every watch of the last seconds: ~100,000 when planning).
        self._active: dict[int, tuple[float, int]] = {}
        self._until = math.inf  # when the daemon wakes up next (under the lock)
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def start(self, seconds: float) -> int:
        token = next(self._tokens)
        deadline = time.monotonic() + seconds
        with self._lock:
            self._active[token] = (deadline, threading.get_ident())
            sooner = deadline < self._until
            if sooner:
                self._until = deadline  # no second wake for the next watch
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="template-watchdog",
                                                daemon=True)
                self._thread.start()
        if sooner:
            self._wake.set()
        return token

    def stop(self, token: int) -> None:
        """The render is over; after this returns no RenderTimeout is sent for it."""
        with self._lock:
            self._active.pop(token, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                until = math.inf
                for token, (deadline, ident) in list(self._active.items()):
                    if deadline <= now:
                        del self._active[token]
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(ident), ctypes.py_object(RenderTimeout))
                    else:
                        until = min(until, deadline)
                self._until = until
                # Cleared under the lock: a watch started from here on sets it again if needed.
                self._wake.clear()
            self._wake.wait(None if until == math.inf else until - now)


watchdog = Watchdog()


# A forked child (a server's worker process) has no watchdog thread: start afresh.
os.register_at_fork(after_in_child=watchdog.__init__)
