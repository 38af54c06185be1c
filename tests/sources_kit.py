"""Helpers for the source tests: a real HTTP server on 127.0.0.1 serving fixtures (OAI-PMH, RSS,
iCalendar), the shared samples, and the `outreach import --json` command run in-process."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from typer.testing import CliRunner

# The team's samples beside the repository; read them through the `shared_samples` fixture
# (conftest.py), which skips when they are absent, never at import time.
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "samples"

Answer = tuple[int, str, bytes]  # status, content type, body
Handler = Callable[[str, dict[str, str]], Answer]


@dataclass
class Served:
    url: str
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = field(default_factory=list)

    def queries(self) -> list[dict[str, str]]:
        return [q for _, q, _ in self.requests]


@contextmanager
def serve(handler: Handler) -> Iterator[Served]:
    """Serve `handler(path, query) -> (status, content_type, body)` over real HTTP."""
    served = Served("")

    class _Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            served.requests.append((parts.path, query, dict(self.headers)))
            status, kind, body = handler(parts.path, query)
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def run_import_cli(kind: str, source: str, *extra: str) -> tuple[int, dict]:
    """`outreach import KIND SOURCE --json`: (exit code, the one JSON object on stdout)."""
    from outreach.cli import app

    result = CliRunner().invoke(app, ["import", kind, source, "--json", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1, result.stdout
    return result.exit_code, json.loads(lines[0])


def oai_envelope(body: str, *, verb: str = "ListRecords",
                 response_date: str = "2026-03-02T01:00:00Z") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
        f"<responseDate>{response_date}</responseDate>\n"
        f'<request verb="{verb}">http://perpus.example/oai2.php</request>\n'
        f"{body}\n</OAI-PMH>\n"
    ).encode()


def oai_error(code: str, text: str = "") -> bytes:
    return oai_envelope(f'<error code="{code}">{text}</error>')


def slims_record(biblio_id: int, title: str, *, base: str = "http://perpus.example",
                 isbn: str | None = None, image: str | None = None,
                 authors: tuple[str, ...] = (), datestamp: str = "2026-02-20T09:15:00Z",
                 deleted: bool = False, call_number: str = "005.1 Ray c",
                 classification: str = "005.1 22") -> str:
    """One record the way SLiMS 9's oai2.php writes it (record_dc.php)."""
    status = ' status="deleted"' if deleted else ""
    header = (f"<header{status}>"
              f"<identifier>oai:perpus.example:slims-{biblio_id}</identifier>"
              f"<datestamp>{datestamp}</datestamp><setSpec>2026</setSpec></header>")
    if deleted:
        return f"<record>{header}</record>"
    thumb = (f"{base}/lib/minigalnano/createthumb.php?filename=images/docs/{image}&amp;width=200"
             if image else None)
    parts = [f"<dc:title>{title}</dc:title>"]
    parts += [f"<dc:creator>{a}</dc:creator>" for a in authors]
    parts += ["<dc:subject>Open source software</dc:subject>",
              "<dc:publisher>Penerbit Borneo</dc:publisher>", "<dc:date>2025</dc:date>",
              "<dc:language>id</dc:language>", "<dc:type>Text</dc:type>",
              f"<dc:identifier>{base}/index.php?p=show_detail&amp;id={biblio_id}</dc:identifier>"]
    if isbn:
        parts.append(f"<dc:identifier_isbn>{isbn}</dc:identifier_isbn>")
    parts.append(f"<dc:identifier>{call_number}</dc:identifier>")
    parts.append("<dc:coverage>Bontang</dc:coverage>")
    if thumb:
        parts.append(f"<dc:identifier>{thumb}</dc:identifier>")
    parts.append(f"<dc:subject>{classification}</dc:subject>")
    parts.append(f"<image>{thumb or base + '/images/default/image.png'}</image>")
    return (f"<record>{header}<metadata>"
            '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">'
            + "".join(parts) + "</oai_dc:dc></metadata></record>")


def list_records(records: list[str], token: str | None = None, **kw: str) -> bytes:
    resumption = f"<resumptionToken>{token}</resumptionToken>" if token else ""
    return oai_envelope(f"<ListRecords>{''.join(records)}{resumption}</ListRecords>", **kw)
