"""What every handler of one server instance shares: its stores and artifact settings."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mlharbor.server.artifact_access import ArtifactAccess
from mlharbor.store.tracking.protocol import TrackingStore

__all__ = ["ServerContext"]

T = TypeVar("T")


@dataclass
class ServerContext:
    """Shared state of one server.

    Attributes:
        store: the tracking store every tracking handler calls.
        backend_store_uri: the URI ``store`` was opened from; other stores (the model registry)
            open the same database through :meth:`shared`.
        default_artifact_root: root of new experiments' artifact locations
            (``mlflow-artifacts:`` when the server proxies artifacts).
        artifacts: access to the proxied artifact destination, or ``None`` when the server
            does not serve artifacts.
    """

    store: TrackingStore
    backend_store_uri: str
    default_artifact_root: str
    artifacts: ArtifactAccess | None
    _shared: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def shared(self, key: str, factory: Callable[[], T]) -> T:
        """Return the object cached under ``key``, building it once with ``factory``.

        Route modules use this for their own long-lived objects (e.g. the registry store), so
        the context needs no knowledge of them.
        """
        with self._lock:
            if key not in self._shared:
                self._shared[key] = factory()
            value: T = self._shared[key]
            return value
