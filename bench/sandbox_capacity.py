"""The sandbox's own capacity: requests per second it answers, per kind of call.

Later figures (publishing throughput, metric sync) run against the sandbox; this one shows it is
not their bottleneck. The sandbox runs in its own process (as `outreach sandbox` does); a few
client threads send plain HTTP requests in the platforms' wire formats over keep-alive sessions.

`python -m bench sandbox_capacity [--quick]`, or standalone `python -m bench.sandbox_capacity`.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import requests

from bench import percentile

OAUTH = ('OAuth oauth_consumer_key="bench", oauth_token="1500-bench", '
         'oauth_signature_method="HMAC-SHA1", oauth_signature="c2ln"')
PAGE = "104857600123"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sandbox-threads", type=int, default=4,
                        help="client threads sending requests to the sandbox (default 4)")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start() -> tuple[subprocess.Popen, str]:
    port = _free_port()
    code = ("import logging; logging.disable(logging.INFO);"
            "from outreach.sandbox.server import serve;"
            f"serve('127.0.0.1', {port}, 0)")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(url + "/_sandbox/state", timeout=1).raise_for_status()
            return proc, url
        except requests.RequestException:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise RuntimeError("the sandbox did not start") from None
            time.sleep(0.1)


def _calls(url: str) -> dict[str, Any]:
    """name -> function(session, n) sending one request of that kind."""
    def create_tweet(s: requests.Session, n: int) -> requests.Response:
        return s.post(f"{url}/x/2/tweets", json={"text": f"Buku baru nomor {n}"},
                      headers={"Authorization": OAUTH})

    def get_tweets(s: requests.Session, n: int) -> requests.Response:
        return s.get(f"{url}/x/2/tweets", params={"ids": "1234567890123456789",
                                                  "tweet.fields": "public_metrics"},
                     headers={"Authorization": OAUTH})

    def facebook_feed(s: requests.Session, n: int) -> requests.Response:
        return s.post(f"{url}/graph/v23.0/{PAGE}/feed",
                      data={"message": f"Kegiatan nomor {n}", "access_token": "bench"})

    def graph_batch_50(s: requests.Session, n: int) -> requests.Response:
        batch = [{"method": "GET", "relative_url": f"{PAGE}_100000000000001?fields=shares"}] * 50
        return s.post(f"{url}/graph/v23.0/", data={"batch": json.dumps(batch),
                                                   "access_token": "bench"})

    return {"x create_tweet": create_tweet, "x get_tweets": get_tweets,
            "facebook feed post": facebook_feed, "graph batch (50 reads)": graph_batch_50}


def _load(call, url: str, total: int, threads: int) -> dict[str, float]:  # noqa: ANN001
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        nonlocal errors
        session = requests.Session()
        mine, bad = [], 0
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            started = time.perf_counter()
            answer = call(session, n)
            mine.append(time.perf_counter() - started)
            bad += answer.status_code >= 400
        with lock:
            latencies.extend(mine)
            errors += bad

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    seconds = time.perf_counter() - started
    return {"requests": total, "seconds": seconds, "req_per_s": total / seconds,
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": percentile(latencies, 0.95) * 1000, "errors": errors}


def run(args: argparse.Namespace) -> list[dict]:
    quick = getattr(args, "quick", False)
    threads = getattr(args, "sandbox_threads", 4)
    total = 100 if quick else 3000
    proc, url = _start()
    try:
        for endpoint in ("x.create_tweet", "x.get_tweets"):
            requests.post(f"{url}/_sandbox/limits",
                          json={"endpoint": endpoint, "limit": 10**7}).raise_for_status()
        requests.post(f"{url}/_sandbox/limits", json={"endpoint": "facebook.calls",
                                                      "limit": 10**7}).raise_for_status()
        # One post for the reads to find.
        requests.post(f"{url}/graph/v23.0/{PAGE}/feed",
                      data={"message": "Halo", "access_token": "bench"}).raise_for_status()
        rows = []
        for name, call in _calls(url).items():
            count = total // 10 if "batch" in name else total
            rows.append({"call": name, "threads": threads, **_load(call, url, count, threads)})
        return rows
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sandbox_capacity", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    add_arguments(parser)
    from bench.__main__ import format_table

    print(format_table(run(parser.parse_args())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
