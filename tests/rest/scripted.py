"""A scripted HTTP server on a loopback port for tests of the HTTP client side.

It answers from a queue of canned responses (the last one repeats), so retries, back-off and
error mapping can be driven deterministically, and records every request it receives.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from mlharbor.utils.http import HostCreds


@dataclass
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Script:
    """Responses to serve in order (the last one repeats) and the requests seen."""

    responses: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    seen: list[Recorded] = field(default_factory=list)

    def answer(self, status: int, body: bytes | dict[str, object] = b"", **headers: str) -> None:
        raw = json.dumps(body).encode() if isinstance(body, dict) else body
        self.responses.append((status, headers, raw))


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        self.script.seen.append(
            Recorded(
                self.command,
                parts.path,
                parse_qsl(parts.query, keep_blank_values=True),
                {k.lower(): v for k, v in self.headers.items()},
                body,
                time.monotonic(),
            )
        )
        responses = self.script.responses
        status, headers, raw = responses.pop(0) if len(responses) > 1 else responses[0]
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    # BaseHTTPRequestHandler dispatches to these exact names.
    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve  # noqa: N815

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@contextmanager
def scripted_server() -> Iterator[tuple[HostCreds, Script]]:
    """Run a scripted server; yield credentials for it and its script."""
    script = Script()
    handler = type("Handler", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield HostCreds(f"http://127.0.0.1:{server.server_address[1]}"), script
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
