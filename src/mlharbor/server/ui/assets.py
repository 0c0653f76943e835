"""Routes serving the UI's page (``/``) and its files (``/static-files/...``).

Assets are looked up by exact name in a table built from the package directory, so no part of
a request path ever reaches the file system. Each file is read once and kept in memory with a
gzip copy; responses carry an ETag and long-lived caching for everything but the page itself.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mlharbor.server.context import ServerContext
from mlharbor.server.errors import not_found
from mlharbor.server.routes import Routes

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "routes"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

# Scripts only from this server: stored data can never run as code even if it were inserted
# as markup. Inline styles stay allowed because the chart library positions its tooltips so.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
_COMPRESSIBLE = {".js", ".css", ".html", ".svg", ".json"}
_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}

routes = Routes()


@dataclass(frozen=True)
class _Asset:
    body: bytes
    gzipped: bytes | None
    media_type: str
    etag: str


class _AssetTable:
    """Static files by their path relative to :data:`STATIC_DIR`, loaded on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._names = {p.relative_to(root).as_posix(): p for p in root.rglob("*") if p.is_file()}
        self._loaded: dict[str, _Asset] = {}
        self._lock = threading.Lock()

    def get(self, name: str) -> _Asset | None:
        path = self._names.get(name)
        if path is None:
            return None
        with self._lock:
            asset = self._loaded.get(name)
            if asset is None:
                asset = self._load(path)
                self._loaded[name] = asset
            return asset

    @staticmethod
    def _load(path: Path) -> _Asset:
        body = path.read_bytes()
        media_type = _TYPES.get(path.suffix) or (
            mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        )
        gzipped = gzip.compress(body, 6, mtime=0) if path.suffix in _COMPRESSIBLE else None
        return _Asset(body, gzipped, media_type, '"' + hashlib.sha1(body).hexdigest() + '"')


_ASSETS = _AssetTable(STATIC_DIR)


def _send(request: Request, asset: _Asset, cache_control: str) -> Response:
    headers = {
        "ETag": asset.etag,
        "Cache-Control": cache_control,
        "X-Content-Type-Options": "nosniff",
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)


@routes.raw("GET", "/", mount="root")
async def index(ctx: ServerContext, request: Request) -> Response:
    """The application page; every view lives behind its ``#/...`` fragment."""
    asset = _ASSETS.get("index.html")
    if asset is None:
        return not_found()
    response = _send(request, asset, "no-cache")
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    return response


@routes.raw("GET", "", mount="root")
async def index_without_slash(ctx: ServerContext, request: Request) -> Response:
    """Under a static prefix, ``/prefix`` moves to ``/prefix/`` so relative URLs resolve."""
    return RedirectResponse(request.url.path + "/", status_code=308)


@routes.raw("GET", "/static-files/{name:path}", mount="root")
async def static_file(ctx: ServerContext, request: Request) -> Response:
    """One file of the UI's static directory, by exact name."""
    asset = _ASSETS.get(request.path_params["name"])
    if asset is None:
        return not_found()
    # The page references assets by fixed names, so revalidation with the ETag is enough.
    return _send(request, asset, "no-cache")
