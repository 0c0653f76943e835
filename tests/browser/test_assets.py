"""The UI's page and static files as served: security headers, exact-name lookup,
compression and caching."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from email.message import Message

import pytest

from mlharbor.server.ui.assets import CONTENT_SECURITY_POLICY, STATIC_DIR
from tests.fixtures.servers import RunningServer


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_index_page_carries_the_security_headers(ui_server: RunningServer) -> None:
    status, headers, body = _get(ui_server.url + "/")
    assert status == 200
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body == (STATIC_DIR / "index.html").read_bytes()


def test_static_files_are_compressed_and_revalidated(ui_server: RunningServer) -> None:
    url = ui_server.url + "/static-files/vendor/echarts.min.js"
    status, headers, body = _get(url, {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert headers["Content-Type"].startswith("text/javascript")
    assert gzip.decompress(body) == (STATIC_DIR / "vendor" / "echarts.min.js").read_bytes()
    assert _get(url, {"If-None-Match": headers["ETag"]})[0] == 304


@pytest.mark.parametrize(
    "path",
    [
        "../assets.py",
        "..%2fassets.py",
        "js/../../assets.py",
        "%2e%2e/csrf.py",
        "/etc/passwd",
        "js",
        "missing.js",
    ],
)
def test_only_files_of_the_static_directory_are_served(ui_server: RunningServer, path: str) -> None:
    status, _, body = _get(f"{ui_server.url}/static-files/{path}")
    assert status == 404
    assert b"import" not in body
