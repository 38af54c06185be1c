"""The render time limit: a watch fires on time, whatever other watches are running, and never
after it was stopped.

"On time" is shown by what happens, not by a stopwatch (which a busy machine makes flaky): the
work under a watch lasts far longer than its limit, so a watch that fires stops the work, and
one that fires late (or not at all) lets it finish, which fails the test."""

from __future__ import annotations

import threading
import time

import pytest

from outreach.compose.templates import TemplateError, render_string
from outreach.compose.watchdog import RenderTimeout, Watchdog


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_a_loop_is_stopped_and_said_so():
    # 10^10 iterations never end by themselves: the error is the proof the watch stopped it.
    with pytest.raises(TemplateError, match="rendering took longer than 2 s"):
        render_string("{% set r = range(10000) %}{% for i in r %}{% for j in r %}{% endfor %}"
                      "{% endfor %}", {})


def test_a_short_watch_fires_while_a_long_one_waits():
    dog = Watchdog()
    results: dict[str, float | str] = {}

    def render(name: str, limit: float, work: float) -> None:
        try:
            token = dog.start(limit)
            try:
                _spin(work)
            finally:
                dog.stop(token)
            results[name] = "finished"
        except RenderTimeout:
            results[name] = "stopped"

    long = threading.Thread(target=render, args=("long", 30.0, 1.0))
    long.start()
    time.sleep(0.05)  # the daemon now sleeps until the long watch's deadline
    # A daemon still asleep until the long watch's deadline (30 s) would let the short work
    # (5 s, 25 times its limit) finish.
    short = threading.Thread(target=render, args=("short", 0.2, 5.0))
    short.start()
    short.join(10)
    long.join(10)
    assert results == {"long": "finished", "short": "stopped"}


def test_many_quick_watches_then_one_slow():
    """Thousands of renders in a row (planning) leave the daemon asleep, yet the next slow one is
    stopped on time."""
    dog = Watchdog()
    for _ in range(20_000):
        dog.stop(dog.start(0.5))
    with pytest.raises(RenderTimeout):  # raised inside work 15 times longer than the limit
        token = dog.start(0.3)
        try:
            _spin(5)
        finally:
            dog.stop(token)


def test_nothing_arrives_after_stop():
    dog = Watchdog()
    token = dog.start(0.1)
    dog.stop(token)
    _spin(0.4)  # well past the deadline: a late RenderTimeout would fail this test
    assert not dog._active
