"""Staff-edited templates are checked and previewed in a child process, never in the service's own.

The sandbox's bounds (`compose.bounds`) and the watchdog stop what they know of; a template that
finds a C call they miss would hold the GIL of the process rendering it, and with it every thread
of the web app, the worker or the clock. So a template from the web is first rendered in a fresh
interpreter (`python -m outreach.compose.isolation`) that, once the template engine is imported
and before it reads the template, limits itself to
- RLIMIT_AS: MEMORY_MB of address space above what it uses then;
- RLIMIT_CPU: CPU_SECONDS of CPU time, then the kernel stops it;
and is killed when it has not answered after WALL_SECONDS (a process stuck in C, or asleep).
The caller only waits on a pipe, holding no lock the rest of the service needs, and at most SLOTS
children run at once. The job goes in as a pickle (from the service: trusted), the answer comes
back as JSON (from a process that ran a hostile template: never unpickled). The child gets no
OUTREACH_* variables (no secrets). A fresh interpreter rather than a fork of the service: a fork
would copy its threads' held locks; multiprocessing's fork server re-imports the service's main
module in each child.

Used by saving an edit (`compose.overrides.check_template`), the editor's preview
(`desk.template_editing`), and once per edited source and process before the planner or the
compose page renders it in-process (`vet`, passed to `TemplateSet`).
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping
from typing import Any

from outreach.compose.templates import TemplateError, environment_for, locale_for, render_in
from outreach.config import Settings, get_settings

MEMORY_MB = 256
CPU_SECONDS = 4
WALL_SECONDS = 8.0  # an interpreter's start (~0.5 s on a busy machine) + CPU_SECONDS + margin
SLOTS = 2  # children at once (the machine has few cores; a third caller waits for a slot)

_slots = threading.BoundedSemaphore(SLOTS)


def render_string_isolated(source: str, context: Mapping[str, Any], *, name: str | None = None,
                           settings: Settings | None = None, locale: str | None = None) -> str:
    """`templates.render_string`, in a limited child process."""
    settings = settings or get_settings()
    return render_isolated(source, context, name=name, tz_name=settings.timezone,
                           locale=locale_for(settings, locale))


def render_isolated(source: str, context: Mapping[str, Any], *, name: str | None,
                    tz_name: str, locale: str, memory_mb: int = MEMORY_MB,
                    cpu_seconds: int = CPU_SECONDS, wall_seconds: float = WALL_SECONDS) -> str:
    """`render_in(environment_for(tz_name, locale), ...)` in a limited child; the text, or
    TemplateError (also when the child had to be stopped)."""
    if not _slots.acquire(timeout=wall_seconds):
        raise TemplateError("other templates are being checked; try again in a moment",
                            name=name, code="busy")
    try:
        job = pickle.dumps({"source": source, "context": dict(context), "name": name,
                            "tz_name": tz_name, "locale": locale, "memory_mb": memory_mb,
                            "cpu_seconds": cpu_seconds})
        return _run(job, name, tz_name, locale, cpu_seconds, wall_seconds)
    finally:
        _slots.release()


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    # The same modules as this process (a work tree on PYTHONPATH, tests' paths).
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    return env


_spare_box: list[subprocess.Popen[bytes] | None] = [None]
_spare_lock = threading.Lock()


def _start(tz_name: str, locale: str) -> subprocess.Popen[bytes]:
    # The sandbox of this job's time zone and locale is built before the job comes (Babel's
    # locale data and the filters: most of a first render's time).
    return subprocess.Popen(
        [sys.executable, "-m", "outreach.compose.isolation", tz_name, locale],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_child_env(), close_fds=True)


def _take(tz_name: str, locale: str) -> subprocess.Popen[bytes]:
    """A child for one job: the spare started after the previous job (its imports done while
    nobody waited: a check then costs milliseconds, not the ~1 s of an interpreter's start),
    and a new spare for the next. Each child renders one template and exits; a spare left
    over exits when this process does (its stdin closes)."""
    with _spare_lock:
        process, _spare_box[0] = _spare_box[0], None
    if process is None or process.poll() is not None or process.args[-2:] != [tz_name, locale]:
        if process is not None:
            process.kill()  # a spare for another locale (or dead): replaced
            process.wait()
        process = _start(tz_name, locale)
    return process


def _replenish(tz_name: str, locale: str) -> None:
    """A spare for the next job, started once this one is done (not competing with it for the
    CPU)."""
    with _spare_lock:
        if _spare_box[0] is None:
            _spare_box[0] = _start(tz_name, locale)


def _run(job: bytes, name: str | None, tz_name: str, locale: str, cpu_seconds: int,
         wall_seconds: float) -> str:
    process = _take(tz_name, locale)
    try:
        out, _ = process.communicate(job, timeout=wall_seconds)
    except subprocess.TimeoutExpired:
        process.kill()  # the hard stop: nothing else interrupts C code holding its GIL
        process.communicate()
        raise TemplateError(f"checking the template took longer than {wall_seconds:g} s",
                            name=name, code="too_slow") from None
    finally:
        _replenish(tz_name, locale)
    try:
        answer = json.loads(out.decode("utf-8").strip().splitlines()[-1])
    except (ValueError, IndexError):
        answer = None  # it died without a word: a limit stopped it
    if answer is None:
        if process.returncode == -signal.SIGXCPU:
            raise TemplateError(f"the template used more than {cpu_seconds} s of CPU time",
                                name=name, code="too_slow")
        raise TemplateError("the template needs too much memory", name=name, code="too_big")
    if answer.get("text") is not None:
        return str(answer["text"])
    raise TemplateError(str(answer.get("detail")), answer.get("line"), name, answer.get("code"))


def _vm_bytes() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    """In the child: read the job, limit this process, render, print one JSON line."""
    if len(sys.argv) == 3:  # the template engine loaded before the job comes
        environment_for(sys.argv[1], sys.argv[2])
    data = sys.stdin.buffer.read()
    if not data:
        return  # a spare whose service has stopped
    job = pickle.loads(data)
    limit = _vm_bytes() + job["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    used = resource.getrusage(resource.RUSAGE_SELF)
    cpu = int(used.ru_utime + used.ru_stime) + 1 + job["cpu_seconds"]  # its imports not counted
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        env = environment_for(job["tz_name"], job["locale"])
        answer: dict[str, Any] = {"text": render_in(env, job["source"], job["context"],
                                                    job["name"])}
    except TemplateError as exc:
        answer = {"detail": exc.detail, "line": exc.line, "code": exc.code}
    except MemoryError:
        answer = {"detail": "the template needs too much memory", "code": "too_big"}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    os._exit(0)  # no interpreter teardown: the caller waits for this process's end


# -- once per edited source and process, before it is rendered in-process ---------------------
_vetted: set[tuple[str, str, str]] = set()
_vetted_lock = threading.Lock()


def vet(name: str, source: str, context: Mapping[str, Any], tz_name: str, locale: str) -> None:
    """Raise TemplateError unless `source` renders `context` in a limited child; remembered
    for this process once it has (each edit is checked on save as well: this covers edits
    stored before these checks, or by other means)."""
    key = (hashlib.sha256(source.encode("utf-8")).hexdigest(), tz_name, locale)
    with _vetted_lock:
        if key in _vetted:
            return
    render_isolated(source, context, name=name, tz_name=tz_name, locale=locale)
    with _vetted_lock:
        _vetted.add(key)


if __name__ == "__main__":
    main()
