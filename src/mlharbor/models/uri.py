"""Model URIs: turn ``runs:/``, ``models:/``, ``file:``, artifact-store URIs and plain paths into
a local model directory.

Resolution follows MLflow's client: ``runs:/<run>/<path>`` is a run artifact when it exists,
else the logged model named ``<path>`` that the run produced; ``models:/<model_id>`` is a logged
model; ``models:/<name>/<version|stage|latest>`` and ``models:/<name>@<alias>`` go through the
model registry. Local directories are read in place; remote ones are downloaded first.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist

if TYPE_CHECKING:
    from mlharbor.client.client import MlharborClient

__all__ = ["ModelsUri", "download_model", "parse_models_uri", "resolve_model_uri"]

_LOGGED_MODEL_ID = re.compile(r"^m-[0-9a-f]{32}$")
_SEARCH_PAGES_LIMIT = 100


@dataclass(frozen=True)
class ModelsUri:
    """The parts of a ``models:/`` URI; exactly one of the selectors is set."""

    model_id: str | None = None
    name: str | None = None
    version: str | None = None
    stage: str | None = None
    alias: str | None = None
    latest: bool = False
    sub_path: str = ""


def _invalid_models_uri(uri: str) -> InvalidParameterValue:
    return InvalidParameterValue(
        f"Not a proper models:/ URI: {uri}. Models URIs must be of the form "
        "'models:/model_name/suffix' or 'models:/model_name@alias' where suffix is a model "
        "version, stage, or the string 'latest' and where alias is a registered model alias. "
        "Only one of suffix or alias can be defined at a time."
    )


def parse_models_uri(uri: str) -> ModelsUri:
    """Split a ``models:/`` URI into its selector.

    Raises:
        InvalidParameterValue: for a malformed URI.
    """
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme != "models" or parsed.netloc:
        raise _invalid_models_uri(uri)
    parts = [p for p in parsed.path.split("/") if p]
    if not parts:
        raise _invalid_models_uri(uri)
    first = parts[0]
    if _LOGGED_MODEL_ID.match(first):
        return ModelsUri(model_id=first, sub_path="/".join(parts[1:]))
    if "@" in first:
        name, _, alias = first.partition("@")
        if not name or not alias:
            raise _invalid_models_uri(uri)
        return ModelsUri(name=name, alias=alias, sub_path="/".join(parts[1:]))
    if len(parts) < 2:
        raise _invalid_models_uri(uri)
    name, selector, rest = first, parts[1], "/".join(parts[2:])
    if selector.isdigit():
        return ModelsUri(name=name, version=selector, sub_path=rest)
    if selector.lower() == "latest":
        return ModelsUri(name=name, latest=True, sub_path=rest)
    return ModelsUri(name=name, stage=selector, sub_path=rest)


def _client() -> MlharborClient:
    from mlharbor.client.client import MlharborClient

    return MlharborClient()


def _join(base: str, sub_path: str) -> str:
    return base.rstrip("/") + "/" + sub_path if sub_path else base


def _registry_source(client: Any, ref: ModelsUri) -> str:
    if ref.alias is not None:
        version = str(client.get_model_version_by_alias(ref.name, ref.alias).version)
    elif ref.version is not None:
        version = ref.version
    else:
        stages = None if ref.latest else [ref.stage]
        versions = client.get_latest_versions(ref.name, stages)
        if not versions:
            wanted = "latest" if ref.latest else f"stage '{ref.stage}'"
            raise ResourceDoesNotExist(
                f"No versions of model with name '{ref.name}' and {wanted} found"
            )
        version = str(max(int(v.version) for v in versions))
    return str(client.get_model_version_download_uri(ref.name, version))


def _logged_model_of_run(client: Any, run: Any, path: str) -> str | None:
    name, _, sub_path = path.partition("/")
    quoted = name.replace("'", "\\'")
    matches = []
    token = None
    for _ in range(_SEARCH_PAGES_LIMIT):
        page = client.search_logged_models(
            [run.info.experiment_id], filter_string=f"name = '{quoted}'", page_token=token
        )
        matches += [m for m in page if m.source_run_id == run.info.run_id]
        token = page.token
        if not token:
            break
    if not matches:
        return None
    newest = max(matches, key=lambda m: m.creation_timestamp)
    return _join(newest.artifact_location, sub_path)


def resolve_model_uri(model_uri: str, client: Any = None) -> str:
    """Return the artifact URI (or local path) holding the model that ``model_uri`` names.

    Raises:
        ResourceDoesNotExist: when a run, logged model, version or alias does not exist.
        InvalidParameterValue: for a malformed URI.
    """
    uri = str(model_uri)
    scheme = urllib.parse.urlparse(uri).scheme
    if scheme == "models":
        ref = parse_models_uri(uri)
        client = client or _client()
        if ref.model_id is not None:
            base = client.get_logged_model(ref.model_id).artifact_location
        else:
            base = _registry_source(client, ref)
            if urllib.parse.urlparse(base).scheme == "models":
                base = resolve_model_uri(base, client)
        return _join(base, ref.sub_path)
    if scheme == "runs":
        parsed = urllib.parse.urlparse(uri)
        parts = [p for p in (parsed.netloc + parsed.path).split("/") if p]
        if not parts:
            raise InvalidParameterValue(
                f"Not a proper runs:/ URI: {uri}. Runs URIs must be of the form "
                "'runs:/<run_id>/run-relative/path/to/artifact'"
            )
        run_id, path = parts[0], "/".join(parts[1:])
        client = client or _client()
        run = client.get_run(run_id)
        if path:
            from mlharbor.client.artifacts import resolve_artifact_uri
            from mlharbor.store.artifact.factory import get_artifact_repository

            repo = get_artifact_repository(
                resolve_artifact_uri(run.info.artifact_uri, client.tracking_uri)
            )
            if repo.list_artifacts(path):
                return _join(run.info.artifact_uri, path)
            logged = _logged_model_of_run(client, run, path)
            if logged is not None:
                return logged
        raise ResourceDoesNotExist(
            f"Unable to find a model at '{uri}': the run has no artifacts at '{path}' and no "
            f"logged model named '{path.split('/')[0]}'."
        )
    return uri


def _local_path(uri: str) -> str | None:
    parsed = urllib.parse.urlparse(uri)
    if parsed.scheme == "file":
        return urllib.request.url2pathname(parsed.path)
    if parsed.scheme == "" or (len(parsed.scheme) == 1 and os.name == "nt"):
        return uri
    return None


def download_model(model_uri: str, dst_path: str | None = None) -> str:
    """Return a local directory holding the model named by ``model_uri``.

    Local models are used in place unless ``dst_path`` is given; remote ones are downloaded to
    ``dst_path`` (a new temporary directory when None).
    """
    client = None
    scheme = urllib.parse.urlparse(str(model_uri)).scheme
    if scheme in ("models", "runs"):
        client = _client()
    source = resolve_model_uri(str(model_uri), client)
    local = _local_path(source)
    if local is not None and dst_path is None:
        if not os.path.exists(local):
            raise ResourceDoesNotExist(f"No model exists at '{model_uri}' (path '{local}')")
        return os.path.abspath(local)
    from mlharbor.client.artifacts import resolve_artifact_uri
    from mlharbor.store.artifact.factory import get_artifact_repository

    tracking_uri = client.tracking_uri if client is not None else _tracking_uri()
    parsed = urllib.parse.urlparse(source)
    parent_path, leaf = posixpath.split(parsed.path.rstrip("/"))
    parent = urllib.parse.urlunparse(parsed._replace(path=parent_path or "/"))
    repo = get_artifact_repository(resolve_artifact_uri(parent, tracking_uri))
    destination = dst_path or tempfile.mkdtemp(prefix="mlharbor-model-")
    return repo.download_artifacts(leaf, destination)


def _tracking_uri() -> str:
    from mlharbor.client.tracking_uri import get_tracking_uri

    return get_tracking_uri()
