"""/healthz for monitors (issue 18): 503 with the same JSON and a reason when posts are overdue
or the clock is silent, 200 otherwise; host names and process ids only for a signed-in admin."""

from __future__ import annotations

import socket
from datetime import timedelta

from staff_kit import make_delivery

from outreach.models import Heartbeat, utcnow


def beat(web, minutes_ago: float, process: str = "clock-1") -> None:
    with web.session() as s:
        s.merge(Heartbeat(process_id=f"{socket.gethostname()}:4242:{process}", role="clock",
                          host=socket.gethostname(), pid=4242,
                          last_tick_at=utcnow() - timedelta(minutes=minutes_ago)))
        s.commit()


def test_healthy_service_answers_200_without_hosts_for_strangers(web):
    beat(web, 0.2)
    health = web.anonymous().get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["status"] == "ok" and body["reason"] is None
    assert body["clock"]["last_tick"] is not None and "deliveries" in body
    assert socket.gethostname() not in health.text and "4242" not in health.text
    assert "processes" not in body["clock"] and "version" not in body
    for role in ("staff", "manager"):
        assert "processes" not in web.client(role).get("/healthz").json()["clock"]
    admin = web.client("admin").get("/healthz").json()
    assert admin["clock"]["processes"][0]["id"].startswith(socket.gethostname())
    assert admin["version"]


def test_a_clock_that_never_ticked_is_not_silent(web):
    assert web.anonymous().get("/healthz").status_code == 200  # just started, no clock yet


def test_silent_clock_and_overdue_posts_answer_503_with_a_reason(web):
    beat(web, 6)
    silent = web.anonymous().get("/healthz")
    assert silent.status_code == 503
    assert silent.json()["status"] == "stalled" and "clock" in silent.json()["reason"]
    assert silent.json()["clock_silent_seconds"] >= 300
    beat(web, 0.1)
    make_delivery(web, at=utcnow() - timedelta(minutes=3))
    overdue = web.anonymous().get("/healthz")
    assert overdue.status_code == 503 and "overdue" in overdue.json()["reason"]
    assert overdue.json()["deliveries"]["scheduled"] == 1
