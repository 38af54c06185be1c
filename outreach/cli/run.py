"""Long-running commands: worker, run, serve, sandbox and demo."""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from typing import Annotated

import typer

from outreach.cli.base import app, command, out, ready

Host = Annotated[str, typer.Option("--host", help="Address to listen on.")]


def _serve_web(host: str, port: int) -> None:
    from outreach.web.app import create_app, serve_web

    serve_web(create_app(), host, port)


def _worker_thread() -> tuple[threading.Thread, threading.Event]:
    from outreach.clock import worker_loop

    stop = threading.Event()
    thread = threading.Thread(target=worker_loop, args=(stop,), name="worker", daemon=True)
    thread.start()
    return thread, stop


@app.command()
@command
def worker() -> None:
    """Publish due posts until stopped (SIGTERM or Ctrl-C finish what is in flight first)."""
    from outreach.clock import worker_loop

    ready()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    out.print("Worker running; stop with Ctrl-C or SIGTERM.")
    worker_loop(stop)
    out.print("Worker stopped.")


@app.command()
@command
def serve(host: Host = "127.0.0.1",
          port: Annotated[int, typer.Option("--port")] = 8000) -> None:
    """Serve the web application (and /healthz) only."""
    ready()
    out.print(f"Web: http://{host}:{port}/  (health: http://{host}:{port}/healthz)")
    _serve_web(host, port)


@app.command()
@command
def run(host: Host = "127.0.0.1", port: Annotated[int, typer.Option("--port")] = 8000) -> None:
    """Everything for one library on one machine: the clock, a worker and the web application."""
    from outreach.clock import Clock

    ready()
    clock = Clock()
    clock.start()
    thread, stop = _worker_thread()
    out.print(f"Library Outreach running. Web: http://{host}:{port}/  "
              f"(health: http://{host}:{port}/healthz)")
    try:
        _serve_web(host, port)
    finally:
        stop.set()
        thread.join(timeout=60)
        clock.stop()


@app.command()
@command
def sandbox(host: Host = "127.0.0.1",
            port: Annotated[int, typer.Option("--port")] = 8765,
            seed: Annotated[int, typer.Option("--seed", help="Seed of the simulated metrics.")]
            = 0) -> None:
    """Serve the local emulator of the X, Facebook and Instagram APIs (for trying and testing)."""
    from outreach.sandbox.server import serve as serve_sandbox

    out.print(f"Sandbox: http://{host}:{port}/  — point the service at it with "
              f"OUTREACH_X_API_URL=http://{host}:{port}/x and "
              f"OUTREACH_GRAPH_API_URL=http://{host}:{port}/graph")
    serve_sandbox(host, port, seed)


@app.command()
@command
def demo(
    host: Host = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port of the service; the sandbox "
                                      "uses the next one.")] = 8000,
    folder: Annotated[Path, typer.Option("--dir", help="Folder for the demo's database and "
                                         "files (started afresh).")] = Path("outreach-demo"),
) -> None:
    """Try everything on invented Bontang data: a fresh SQLite database, the platform sandbox,
    the service, and the first posts published within a minute. Ctrl-C stops it."""
    from outreach.demo import run_demo

    run_demo(host=host, port=port, folder=folder, say=out.print)
