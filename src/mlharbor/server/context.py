"""What every handler of one server instance shares: its stores and artifact settings."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from mlharbor.server.artifact_access import ArtifactAccess, is_local_uri
from mlharbor.store.tracking.protocol import TrackingStore
from mlharbor.utils.paths import file_uri_to_local_path

__all__ = ["ServerContext", "served_local_roots"]

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
        local_roots: the absolute local directories whose artifact locations the server reads
            (see :func:`served_local_roots`); any other local location is refused.
    """

    store: TrackingStore
    backend_store_uri: str
    default_artifact_root: str
    artifacts: ArtifactAccess | None
    local_roots: tuple[str, ...] = ()
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


def served_local_roots(
    default_artifact_root: str, artifacts: ArtifactAccess | None
) -> tuple[str, ...]:
    """The local directories a server reads artifact locations below: its default artifact
    root and its proxied destination when they are local, and ``./mlruns`` of the directory it
    started in, where clients that log without a server write (all resolved absolute)."""
    roots = [os.path.abspath("mlruns")]
    if is_local_uri(default_artifact_root):
        roots.append(os.path.abspath(file_uri_to_local_path(default_artifact_root)))
    if artifacts is not None and artifacts.is_local:
        roots.append(artifacts.root)
    return tuple(dict.fromkeys(roots))
