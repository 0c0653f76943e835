"""Where a dataset came from: an artifact location, an HTTP URL, or the running code."""

from __future__ import annotations

import abc
import json
import urllib.parse
from typing import Any

__all__ = [
    "ArtifactDatasetSource",
    "CodeDatasetSource",
    "DatasetSource",
    "HTTPDatasetSource",
    "resolve_dataset_source",
    "source_from_json",
]

# URI scheme -> MLflow's source_type for artifact-store sources.
_ARTIFACT_SOURCE_TYPES = {
    "": "local",
    "file": "local",
    "s3": "s3",
    "s3a": "s3",
    "gs": "gcs",
    "wasbs": "wasbs",
    "abfss": "abfss",
    "hdfs": "hdfs",
    "viewfs": "viewfs",
    "sftp": "sftp",
    "ftp": "ftp",
    "dbfs": "dbfs",
    "runs": "runs",
    "models": "models",
    "mlflow-artifacts": "mlflow_artifacts",
}


class DatasetSource(abc.ABC):
    """Base of dataset sources: a ``source_type`` and a JSON description."""

    source_type = "unknown"

    @abc.abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """The JSON-able description stored as the dataset's ``source``."""

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def _get_source_type(self) -> str:
        return self.source_type

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"


class ArtifactDatasetSource(DatasetSource):
    """A file or directory in a filesystem or artifact store (``{"uri": ...}``)."""

    def __init__(self, uri: str, source_type: str) -> None:
        self.uri = uri
        self.source_type = source_type

    def to_dict(self) -> dict[str, Any]:
        return {"uri": self.uri}


class HTTPDatasetSource(DatasetSource):
    """A dataset downloadable from an HTTP(S) URL (``{"url": ...}``)."""

    source_type = "http"

    def __init__(self, url: str) -> None:
        self.url = url

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url}


class CodeDatasetSource(DatasetSource):
    """Data built in code: described by the run-context tags of the code that made it."""

    source_type = "code"

    def __init__(self, tags: dict[str, str]) -> None:
        self.tags = tags

    def to_dict(self) -> dict[str, Any]:
        return {"tags": self.tags}

    @classmethod
    def from_context(cls) -> CodeDatasetSource:
        from mlharbor.client.run_context import resolve_run_tags

        return cls(resolve_run_tags())


def source_from_json(source_type: str, source_json: str) -> DatasetSource:
    """Rebuild the source a run's dataset input records (its type and JSON description).

    Raises:
        InvalidParameterValue: the JSON does not describe a source of that type.
    """
    from mlharbor.exceptions import InvalidParameterValue

    try:
        spec = json.loads(source_json)
        if source_type == "http":
            return HTTPDatasetSource(spec["url"])
        if source_type == "code":
            return CodeDatasetSource(dict(spec.get("tags", {})))
        return ArtifactDatasetSource(spec["uri"], source_type)
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidParameterValue(
            f"Cannot read a {source_type!r} dataset source from {source_json!r}"
        ) from error


def resolve_dataset_source(source: str | DatasetSource | None) -> DatasetSource:
    """Turn a URI, path or URL (or None: the running code) into a :class:`DatasetSource`."""
    if isinstance(source, DatasetSource):
        return source
    if source is None:
        return CodeDatasetSource.from_context()
    text = str(source)
    scheme = urllib.parse.urlparse(text).scheme.lower()
    if scheme in ("http", "https"):
        return HTTPDatasetSource(text)
    if len(scheme) == 1:  # a Windows drive letter
        scheme = ""
    return ArtifactDatasetSource(text, _ARTIFACT_SOURCE_TYPES.get(scheme, scheme))
