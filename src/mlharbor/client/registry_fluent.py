"""Fluent registry API (``mlflow.register_model`` and the registry searches) and the resolution
of ``models:/`` URIs to the place a model's files are stored."""

from __future__ import annotations

import json
import posixpath
import sys
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from mlharbor.client.paging import collect_pages
from mlharbor.entities import LoggedModel, ModelVersion, RegisteredModel
from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
)
from mlharbor.store.registry.uris import parse_models_uri

if TYPE_CHECKING:
    from mlharbor.client.client import MlharborClient

__all__ = [
    "register_model",
    "resolve_models_uri",
    "search_model_versions",
    "search_registered_models",
    "set_model_version_tag",
]

MODEL_VERSIONS_TAG = "mlflow.modelVersions"
_MLMODEL = "MLmodel"


def _client() -> MlharborClient:
    from mlharbor.client.client import MlharborClient

    return MlharborClient()


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def _split_runs_uri(uri: str) -> tuple[str, str]:
    parsed = urllib.parse.urlparse(uri)
    run_id, _, path = parsed.path.lstrip("/").partition("/")
    if parsed.scheme != "runs" or not run_id:
        raise InvalidParameterValue(
            f"Not a proper runs:/ URI: {uri}. "
            "Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'"
        )
    return run_id, path.strip("/")


def _logged_model_of_run(client: MlharborClient, run_id: str, artifact_path: str) -> str:
    """The id of the logged model named ``artifact_path`` that run ``run_id`` produced."""
    run = client.get_run(run_id)
    found: list[LoggedModel] = []
    token: str | None = None
    # bounded by the number of pages the server hands out
    while True:
        page = client.search_logged_models(
            experiment_ids=[run.info.experiment_id],
            filter_string=f"name = '{artifact_path}'",
            page_token=token,
        )
        found.extend(m for m in page if m.source_run_id == run_id)
        token = page.token
        if not token:
            break
    if not found:
        raise MlharborException(
            f"Unable to find a logged_model with artifact_path {artifact_path} under run {run_id}",
            error_code="NOT_FOUND",
        )
    if len(found) == 1:
        return str(found[0].model_id)
    steps = {out.model_id: out.step for out in run.outputs.model_outputs}
    return str(max(found, key=lambda m: steps.get(m.model_id, -1)).model_id)


def _source_of(client: MlharborClient, model_uri: str) -> tuple[str, str | None, str | None]:
    """(source, run_id, model_id) to register for ``model_uri``.

    A ``runs:/`` URI whose directory holds an ``MLmodel`` registers that directory; otherwise
    it stands for the logged model of that name the run produced (MLflow 3 models live outside
    the run's artifacts). ``models:/<model_id>`` registers the logged model.
    """
    if model_uri.startswith("runs:"):
        run_id, path = _split_runs_uri(model_uri)
        listed = client.list_artifacts(run_id, path or None)
        if any(posixpath.basename(f.path) == _MLMODEL for f in listed):
            root = client.get_run(run_id).info.artifact_uri.rstrip("/")
            return (f"{root}/{path}" if path else root), run_id, None
        model_id = _logged_model_of_run(client, run_id, path)
        return f"models:/{model_id}", run_id, model_id
    if model_uri.startswith("models:"):
        target = parse_models_uri(model_uri)
        if target.model_id is not None:
            return model_uri, None, target.model_id
    return model_uri, None, None


def _record_on_logged_model(client: MlharborClient, model_id: str, version: ModelVersion) -> None:
    """Append this registration to the logged model's ``mlflow.modelVersions`` tag."""
    try:
        model = client.get_logged_model(model_id)
    except MlharborException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return
        raise
    entries: list[Any] = []
    if existing := model.tags.get(MODEL_VERSIONS_TAG):
        try:
            loaded = json.loads(existing)
        except ValueError:
            loaded = []
        entries = loaded if isinstance(loaded, list) else []
    # The registry may have recorded this version already (as a number, like MLflow's store).
    if any(
        isinstance(e, dict)
        and e.get("name") == version.name
        and str(e.get("version")) == str(version.version)
        for e in entries
    ):
        return
    entries.append({"name": version.name, "version": version.version})
    client.set_logged_model_tags(model_id, {MODEL_VERSIONS_TAG: json.dumps(entries)})


def register_model(
    model_uri: str,
    name: str,
    await_registration_for: int = 300,
    *,
    tags: Mapping[str, Any] | None = None,
) -> ModelVersion:
    """Register the model at ``model_uri`` as a new version of ``name`` (created if missing).

    Args:
        model_uri: ``runs:/<run_id>/<path>``, ``models:/<model_id>``, ``models:/<name>/<v>``
            or any artifact URI.
        name: the registered model.
        await_registration_for: seconds to wait while the version is still being registered.
        tags: tags of the new version.

    Returns:
        The new version.
    """
    client = _client()
    try:
        client.create_registered_model(name)
        _say(f"Successfully registered model '{name}'.")
    except MlharborException as exc:
        if exc.error_code not in ("RESOURCE_ALREADY_EXISTS", "ALREADY_EXISTS"):
            raise
        _say(f"Registered model {name!r} already exists. Creating a new version of this model...")
    source, run_id, model_id = _source_of(client, model_uri)
    version = client.create_model_version(
        name,
        source,
        run_id=run_id,
        tags=tags,
        await_creation_for=await_registration_for,
        model_id=model_id,
    )
    _say(f"Created version '{version.version}' of model '{version.name}'.")
    if model_id:
        _record_on_logged_model(client, model_id, version)
    return version


def search_registered_models(
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[RegisteredModel]:
    """Every registered model matching ``filter_string`` (all pages), at most ``max_results``."""
    client = _client()
    return collect_pages(
        lambda size, token: client.search_registered_models(filter_string, size, order_by, token),
        SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        max_results,
    )


def search_model_versions(
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: Sequence[str] | None = None,
) -> list[ModelVersion]:
    """Every model version matching ``filter_string`` (all pages), at most ``max_results``."""
    client = _client()
    return collect_pages(
        lambda size, token: client.search_model_versions(filter_string, size, order_by, token),
        SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        max_results,
    )


def set_model_version_tag(
    name: str, version: str | None = None, key: str | None = None, value: Any = None
) -> None:
    """Set tag ``key`` of version ``version`` of registered model ``name``."""
    _client().set_model_version_tag(name=name, version=version, key=key, value=value)


def resolve_models_uri(uri: str, client: MlharborClient) -> str:
    """The storage URI of the files a ``models:/`` URI names, with any sub-path appended.

    ``models:/<model_id>`` is the logged model's artifact location; ``models:/<name>/<version>``,
    ``/latest``, ``/<stage>`` (any case) and ``@<alias>`` are the registered version's download
    URI. The result may still be relative to the tracking server (``mlflow-artifacts:``) or a
    ``runs:/`` URI, as MLflow stores it.

    Raises:
        InvalidParameterValue: a malformed URI.
        ResourceDoesNotExist: no such model, version, stage or alias.
    """
    from mlharbor.client.registry_client import resolve_model_version

    target = parse_models_uri(uri)
    if target.model_id is not None:
        base = client.get_logged_model(target.model_id).artifact_location
    else:
        version = resolve_model_version(client._registry_store, uri)
        base = client.get_model_version_download_uri(version.name, version.version)
    if not base:
        raise ResourceDoesNotExist(f"Model URI {uri!r} has no stored location")
    if not target.sub_path:
        return base
    return base.rstrip("/") + "/" + target.sub_path
