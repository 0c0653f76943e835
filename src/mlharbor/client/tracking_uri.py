"""Where tracking and registry data go: the process-wide tracking and registry URIs.

Resolution order for the tracking URI: :func:`set_tracking_uri`, then ``MLHARBOR_TRACKING_URI``,
then ``MLFLOW_TRACKING_URI``, then ``mlflow.db`` (SQLite) in the current working directory, as an
absolute ``sqlite:`` URL, which is MLflow's default too: a server later started in that folder
with ``--backend-store-uri sqlite:///mlflow.db`` (or its default) sees the same runs.
The registry URI defaults to the tracking URI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "DEFAULT_TRACKING_URI",
    "get_registry_uri",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "resolve_registry_uri",
    "set_registry_uri",
    "set_tracking_uri",
    "uris_applied",
]

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"

_tracking_uri: str | None = None
_registry_uri: str | None = None


def _normalize(uri: str | Path) -> str:
    return os.fspath(uri)


def set_tracking_uri(uri: str | Path | None) -> None:
    """Send tracking data to ``uri`` (a database URL, a directory or an HTTP server) from now on.

    Like MLflow, the URI is also exported as ``MLFLOW_TRACKING_URI`` so child processes (model
    serving, projects) track to the same place; ``None`` clears both.
    """
    global _tracking_uri
    if uri is None:
        _tracking_uri = None
        os.environ.pop("MLFLOW_TRACKING_URI", None)
        return
    _tracking_uri = _normalize(uri)
    os.environ["MLFLOW_TRACKING_URI"] = _tracking_uri


def is_tracking_uri_set() -> bool:
    """True when a tracking URI was set explicitly or through the environment."""
    return bool(
        _tracking_uri
        or os.environ.get("MLHARBOR_TRACKING_URI")
        or os.environ.get("MLFLOW_TRACKING_URI")
    )


def get_tracking_uri() -> str:
    """Return the tracking URI in effect (see the module docstring for the order)."""
    if _tracking_uri:
        return _tracking_uri
    configured = os.environ.get("MLHARBOR_TRACKING_URI") or os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        return configured
    return "sqlite:///" + os.path.abspath(DEFAULT_TRACKING_URI[len("sqlite:///") :])


def set_registry_uri(uri: str | Path | None) -> None:
    """Send model-registry data to ``uri`` from now on."""
    global _registry_uri
    _registry_uri = _normalize(uri) if uri is not None else None


def _configured_registry_uri() -> str | None:
    return (
        _registry_uri
        or os.environ.get("MLHARBOR_REGISTRY_URI")
        or os.environ.get("MLFLOW_REGISTRY_URI")
        or None
    )


def get_registry_uri() -> str:
    """Return the registry URI: the one set, ``MLHARBOR_REGISTRY_URI``, ``MLFLOW_REGISTRY_URI``,
    else the tracking URI."""
    return _configured_registry_uri() or get_tracking_uri()


def resolve_registry_uri(registry_uri: str | None, tracking_uri: str | None) -> str:
    """The registry a client uses: ``registry_uri``, else a configured registry URI, else
    ``tracking_uri`` (the tracking URI in effect when None), as MLflow's client decides."""
    return registry_uri or _configured_registry_uri() or tracking_uri or get_tracking_uri()


@contextmanager
def uris_applied(tracking: str | None, registry: str | None) -> Iterator[None]:
    """Use ``tracking`` and ``registry`` (those given) inside the block; on leaving it, the
    URIs and ``MLFLOW_TRACKING_URI`` are as they were before."""
    global _tracking_uri, _registry_uri
    saved = (_tracking_uri, _registry_uri, os.environ.get("MLFLOW_TRACKING_URI"))
    try:
        if tracking:
            set_tracking_uri(tracking)
        if registry:
            set_registry_uri(registry)
        yield
    finally:
        _tracking_uri, _registry_uri, saved_env = saved
        if saved_env is None:
            os.environ.pop("MLFLOW_TRACKING_URI", None)
        else:
            os.environ["MLFLOW_TRACKING_URI"] = saved_env
