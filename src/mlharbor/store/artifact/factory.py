"""Pick the artifact repository for an artifact URI by its scheme.

Remote repositories are imported only when a URI of their scheme is used, so local work never
loads an HTTP or S3 library.
"""

from __future__ import annotations

import importlib
import urllib.parse
from collections.abc import Callable

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.artifact.protocol import ArtifactRepository

__all__ = ["get_artifact_repository", "register_artifact_repository"]

RepositoryFactory = Callable[[str], ArtifactRepository]


def _lazy(target: str) -> RepositoryFactory:
    module_name, _, class_name = target.partition(":")

    def build(uri: str) -> ArtifactRepository:
        repository_class = getattr(importlib.import_module(module_name), class_name)
        repository: ArtifactRepository = repository_class(uri)
        return repository

    return build


_LOCAL = _lazy("mlharbor.store.artifact.local:LocalArtifactRepository")
_HTTP = _lazy("mlharbor.store.artifact.http:HttpArtifactRepository")

_REGISTRY: dict[str, RepositoryFactory] = {
    "": _LOCAL,
    "file": _LOCAL,
    "mlflow-artifacts": _HTTP,
    "http": _HTTP,
    "https": _HTTP,
    "s3": _lazy("mlharbor.store.artifact.s3:S3ArtifactRepository"),
}


def register_artifact_repository(scheme: str, factory: RepositoryFactory) -> None:
    """Use ``factory(uri)`` for artifact URIs of ``scheme`` (replaces an existing entry)."""
    _REGISTRY[scheme.lower()] = factory


def get_artifact_repository(uri: str) -> ArtifactRepository:
    """Return the repository for ``uri``.

    Raises:
        InvalidParameterValue: for a scheme no repository is registered for.
    """
    scheme = urllib.parse.urlparse(uri).scheme.lower()
    # A Windows drive letter parses as a one-letter scheme; it is a local path.
    if len(scheme) == 1:
        scheme = ""
    factory = _REGISTRY.get(scheme)
    if factory is None:
        raise InvalidParameterValue(
            f"Could not find a registered artifact repository for: {uri}. "
            f"Currently registered schemes are: {sorted(s for s in _REGISTRY if s)}"
        )
    return factory(uri)
