"""Turn a registry URI into a registry store; one store is kept per resolved URI.

The URI forms are the tracking store's (:func:`mlharbor.store.tracking.factory.
resolve_tracking_uri`): a database URI or directory gives :class:`SqlRegistryStore` on the same
database as the tracking data, ``http(s):`` gives :class:`RestRegistryStore`.
"""

from __future__ import annotations

import os
import threading
import urllib.parse

from mlharbor.store.registry.protocol import RegistryStore
from mlharbor.store.tracking.factory import resolve_tracking_uri

__all__ = ["clear_registry_store_cache", "get_registry_store"]

_lock = threading.Lock()
_stores: dict[str, RegistryStore] = {}


def get_registry_store(uri: str) -> RegistryStore:
    """Return the (cached) registry store for ``uri``.

    Raises:
        InvalidParameterValue: for an unsupported URI.
    """
    resolved = resolve_tracking_uri(uri)
    with _lock:
        store = _stores.get(resolved)
        if store is None:
            store = _build(resolved)
            _stores[resolved] = store
        return store


def _build(uri: str) -> RegistryStore:
    if urllib.parse.urlparse(uri).scheme.lower() in ("http", "https"):
        from mlharbor.store.registry.rest import RestRegistryStore

        return RestRegistryStore(uri)
    from mlharbor.store.registry.sql.store import SqlRegistryStore

    if uri.startswith("sqlite:///"):
        directory = os.path.dirname(uri[len("sqlite:///") :])
        if directory:
            os.makedirs(directory, exist_ok=True)
    return SqlRegistryStore(uri)


def clear_registry_store_cache() -> None:
    """Forget every cached store (tests and processes switching databases)."""
    with _lock:
        _stores.clear()
