"""Refusal of cross-site state-changing requests.

A page on another site can make the user's browser send a POST to the tracking server (a form
or ``fetch`` with a simple content type). Browsers mark such requests: they send ``Origin``
and, in current versions, ``Sec-Fetch-Site``. Requests with those marks are answered only when
they come from the server's own origin; the UI's calls below ``/ajax-api/`` must also carry the
custom :data:`CSRF_HEADER`, which no cross-site page can add without a CORS preflight that this
server never grants. Programmatic clients (the official ``mlflow`` client, ``curl``) send
neither mark and are unaffected.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterable

from mlharbor.exceptions import PermissionDenied

__all__ = ["CSRF_HEADER", "check_cross_site"]

CSRF_HEADER = "x-mlharbor-csrf"
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_SAME_SITE_VALUES = {"same-origin", "none"}


def _headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[str, str]:
    return {bytes(k).decode("latin-1").lower(): bytes(v).decode("latin-1") for k, v in raw}


def _origin_host(origin: str) -> str | None:
    parsed = urllib.parse.urlsplit(origin)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return None
    default_port = {"http": 80, "https": 443}[parsed.scheme]
    host = parsed.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parsed.port
    return host if port in (None, default_port) else f"{host}:{port}"


def _normal_host(host: str) -> str:
    host = host.strip().lower()
    for suffix in (":80", ":443"):
        if host.endswith(suffix):
            return host[: -len(suffix)]
    return host


def check_cross_site(method: str, path: str, raw_headers: Iterable[tuple[bytes, bytes]]) -> None:
    """Raise :class:`PermissionDenied` for a browser request that changes state and is not
    from this server's own pages.

    Args:
        method: the request method; safe methods always pass.
        path: the request path, used to find calls below ``/ajax-api/``.
        raw_headers: the ASGI header pairs.
    """
    if method in _SAFE_METHODS:
        return
    headers = _headers(raw_headers)
    origin = headers.get("origin")
    fetch_site = headers.get("sec-fetch-site")
    if origin is None and fetch_site is None:
        return
    if fetch_site is not None and fetch_site.lower() not in _SAME_SITE_VALUES:
        raise PermissionDenied("Cross-site request refused.")
    if origin is not None:
        expected = _normal_host(headers.get("host", ""))
        actual = _origin_host(origin)
        if actual is None or actual.lower() != expected:
            raise PermissionDenied("Cross-site request refused.")
    if "/ajax-api/" in path and CSRF_HEADER not in headers:
        raise PermissionDenied(f"Request refused: the {CSRF_HEADER} header is missing.")
