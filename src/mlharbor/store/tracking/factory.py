"""Turn a tracking URI into a tracking store; one store is kept per resolved URI.

=================================  ==========================================================
URI                                store
=================================  ==========================================================
``sqlite:``, ``postgresql:``,      ``SqlTrackingStore``; artifacts default to ``./mlruns`` of
``postgresql+psycopg:``            the current directory
``http:``, ``https:``              ``RestTrackingStore`` talking to a tracking server
a directory path or ``file:``      ``SqlTrackingStore`` on ``<dir>/mlharbor.db``, artifacts in
                                   that directory
=================================  ==========================================================
"""

from __future__ import annotations

import os
import threading
import urllib.parse

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.protocol import TrackingStore
from mlharbor.utils.paths import file_uri_to_local_path

__all__ = ["clear_tracking_store_cache", "get_tracking_store", "resolve_tracking_uri"]

_SQL_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg", "postgres")
_DIRECTORY_DB = "mlharbor.db"

_lock = threading.Lock()
_stores: dict[tuple[str, str | None], TrackingStore] = {}
_by_call: dict[tuple[str, str | None, str], TrackingStore] = {}


def resolve_tracking_uri(uri: str) -> str:
    """Return ``uri`` in a form independent of the current directory.

    A relative SQLite path (``sqlite:///mlflow.db``) becomes absolute, a directory path or
    ``file:`` URI becomes the ``sqlite:`` URL of ``<dir>/mlharbor.db``; other URIs are returned
    unchanged.
    """
    scheme = urllib.parse.urlparse(uri).scheme.lower()
    if scheme == "sqlite":
        prefix = "sqlite:///"
        if uri.startswith(prefix) and not uri.startswith("sqlite:////"):
            path = uri[len(prefix) :]
            if path and path != ":memory:" and not path.startswith(":"):
                return prefix + os.path.abspath(path)
        return uri
    if scheme in _SQL_SCHEMES or scheme in ("http", "https"):
        return uri
    if scheme in ("", "file") or len(scheme) == 1:
        directory = os.path.abspath(file_uri_to_local_path(uri))
        return "sqlite:///" + os.path.join(directory, _DIRECTORY_DB)
    raise InvalidParameterValue(
        f"Could not find a registered tracking store for: {uri}. Supported URI schemes are: "
        "sqlite, postgresql, http, https, file or a local directory path."
    )


def _default_artifact_root(uri: str) -> str:
    scheme = urllib.parse.urlparse(uri).scheme.lower()
    if scheme in ("", "file") or len(scheme) == 1:
        return os.path.abspath(file_uri_to_local_path(uri))
    return os.path.abspath("mlruns")


def get_tracking_store(uri: str, artifact_root: str | None = None) -> TrackingStore:
    """Return the (cached) tracking store for ``uri``.

    Args:
        uri: a tracking URI (see the module table).
        artifact_root: default artifact root for new experiments of a database store; ``None``
            means ``./mlruns`` of the current directory (or the directory itself for a directory
            URI). Ignored by REST stores, whose server decides.

    Raises:
        InvalidParameterValue: for an unsupported URI.
    """
    # Resolving a relative URI costs path work on every call; the same URI, root and working
    # directory always resolve to the same store.
    fast_key = (uri, artifact_root, os.getcwd())
    cached = _by_call.get(fast_key)
    if cached is not None:
        return cached
    resolved = resolve_tracking_uri(uri)
    scheme = urllib.parse.urlparse(resolved).scheme.lower()
    is_rest = scheme in ("http", "https")
    root = None if is_rest else artifact_root or _default_artifact_root(uri)
    key = (resolved, root)
    with _lock:
        store = _stores.get(key)
        if store is None:
            if root is None:
                store = _build_rest_store(resolved)
            else:
                store = _build_sql_store(resolved, root)
            _stores[key] = store
        _by_call[fast_key] = store
        return store


def _build_sql_store(db_uri: str, artifact_root: str) -> TrackingStore:
    from mlharbor.store.tracking.sql import SqlTrackingStore

    if db_uri.startswith("sqlite:///"):
        directory = os.path.dirname(db_uri[len("sqlite:///") :])
        if directory:
            os.makedirs(directory, exist_ok=True)
    store: TrackingStore = SqlTrackingStore(db_uri, artifact_root)
    return store


def _build_rest_store(uri: str) -> TrackingStore:
    from mlharbor.store.tracking.rest import RestTrackingStore

    store: TrackingStore = RestTrackingStore(uri)
    return store


def clear_tracking_store_cache() -> None:
    """Forget every cached store (tests and long-lived processes switching databases)."""
    with _lock:
        _stores.clear()
        _by_call.clear()
