"""``mlharbor.artifacts``: download, list and read artifacts by URI, as ``mlflow.artifacts``.

Accepted URIs: ``runs:/<run_id>/<path>`` (a run artifact, else the logged model of that name
the run produced), ``models:/...`` (logged or registered models), ``mlflow-artifacts:/...``,
``file:`` / plain paths, ``s3://`` and ``http(s)://`` artifact locations.
"""

from __future__ import annotations

import json
import os
import posixpath
import tempfile
import urllib.parse
from typing import Any

from mlharbor.entities import FileInfo
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist

__all__ = ["download_artifacts", "list_artifacts", "load_dict", "load_image", "load_text"]


def _client(tracking_uri: str | None, registry_uri: str | None = None) -> Any:
    from mlharbor.client.client import MlharborClient

    return MlharborClient(tracking_uri, registry_uri)


def _split_runs_uri(uri: str) -> tuple[str, str]:
    parsed = urllib.parse.urlparse(uri)
    parts = [p for p in (parsed.netloc + parsed.path).split("/") if p]
    if not parts:
        raise InvalidParameterValue(
            f"Not a proper runs:/ URI: {uri}. Runs URIs must be of the form "
            "'runs:/<run_id>/run-relative/path/to/artifact'"
        )
    return parts[0], "/".join(parts[1:])


def _location(artifact_uri: str, client: Any) -> tuple[str, str]:
    """Split a storage URI into (parent location, leaf path) for a repository download."""
    from mlharbor.client.artifacts import resolve_artifact_uri

    resolved = resolve_artifact_uri(artifact_uri, client.tracking_uri)
    parsed = urllib.parse.urlparse(resolved)
    parent_path, leaf = posixpath.split(parsed.path.rstrip("/"))
    return urllib.parse.urlunparse(parsed._replace(path=parent_path or "/")), leaf


def _download_uri(artifact_uri: str, dst_path: str | None, client: Any) -> str:
    from mlharbor.store.artifact.factory import get_artifact_repository

    scheme = urllib.parse.urlparse(artifact_uri).scheme
    if scheme in ("models", "runs"):
        from mlharbor.models.uri import resolve_model_uri

        artifact_uri = resolve_model_uri(artifact_uri, client)
    parent, leaf = _location(artifact_uri, client)
    destination = dst_path or tempfile.mkdtemp(prefix="mlharbor-download-")
    return get_artifact_repository(parent).download_artifacts(leaf, destination)


def download_artifacts(
    artifact_uri: str | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
    dst_path: str | None = None,
    tracking_uri: str | None = None,
    registry_uri: str | None = None,
) -> str:
    """Download a file or directory and return its local path.

    Give either ``artifact_uri`` or ``run_id`` (with an optional ``artifact_path``);
    ``registry_uri`` names the model registry a ``models:/<name>/...`` URI is looked up in.

    Raises:
        InvalidParameterValue: for a wrong combination of arguments.
        ResourceDoesNotExist: when nothing exists at the location.
    """
    if (artifact_uri is None) == (run_id is None):
        raise InvalidParameterValue("Exactly one of `run_id` or `artifact_uri` must be specified")
    if artifact_uri is not None and artifact_path is not None:
        raise InvalidParameterValue("`artifact_path` cannot be specified with `artifact_uri`")
    if dst_path is not None:
        os.makedirs(dst_path, exist_ok=True)
    client = _client(tracking_uri, registry_uri)
    if run_id is not None:
        return str(client.download_artifacts(run_id, artifact_path or "", dst_path))
    assert artifact_uri is not None
    if urllib.parse.urlparse(artifact_uri).scheme == "runs":
        run_id, path = _split_runs_uri(artifact_uri)
        try:
            return str(client.download_artifacts(run_id, path, dst_path))
        except ResourceDoesNotExist:
            if not path:
                raise
    return _download_uri(artifact_uri, dst_path, client)


def list_artifacts(
    artifact_uri: str | None = None,
    run_id: str | None = None,
    artifact_path: str | None = None,
    tracking_uri: str | None = None,
) -> list[FileInfo]:
    """Direct children of a directory named by ``artifact_uri`` or ``run_id``/``artifact_path``.

    Raises:
        InvalidParameterValue: for a wrong combination of arguments.
    """
    if (artifact_uri is None) == (run_id is None):
        raise InvalidParameterValue("Exactly one of `run_id` or `artifact_uri` must be specified")
    client = _client(tracking_uri)
    if run_id is not None:
        return list(client.list_artifacts(run_id, artifact_path))
    assert artifact_uri is not None
    if urllib.parse.urlparse(artifact_uri).scheme == "runs":
        run_id, path = _split_runs_uri(artifact_uri)
        return list(client.list_artifacts(run_id, path or None))
    from mlharbor.client.artifacts import resolve_artifact_uri
    from mlharbor.store.artifact.factory import get_artifact_repository

    location = resolve_artifact_uri(artifact_uri, client.tracking_uri)
    return get_artifact_repository(location).list_artifacts(artifact_path)


def load_text(artifact_uri: str) -> str:
    """The content of a text artifact (UTF-8)."""
    with tempfile.TemporaryDirectory(prefix="mlharbor-load-") as tmp:
        path = download_artifacts(artifact_uri, dst_path=tmp)
        with open(path, encoding="utf-8") as handle:
            return handle.read()


def load_dict(artifact_uri: str) -> Any:
    """The object stored in a JSON or YAML artifact.

    Raises:
        InvalidParameterValue: when the artifact is neither valid JSON nor YAML.
    """
    try:
        text = load_text(artifact_uri)
    except UnicodeDecodeError:
        raise InvalidParameterValue(
            f"Unable to form a JSON or YAML object from artifact {artifact_uri!r}"
        ) from None
    try:
        return json.loads(text)
    except ValueError:
        import yaml

        try:
            return yaml.safe_load(text)
        except yaml.YAMLError:
            raise InvalidParameterValue(
                f"Unable to form a JSON or YAML object from artifact {artifact_uri!r}"
            ) from None


def load_image(artifact_uri: str) -> Any:
    """The image artifact as a loaded PIL image."""
    from PIL import Image

    with tempfile.TemporaryDirectory(prefix="mlharbor-load-") as tmp:
        path = download_artifacts(artifact_uri, dst_path=tmp)
        with Image.open(path) as image:
            image.load()
            return image.copy()
