"""``/mlflow/model-versions/*``: create, read, update, delete, search, tag and transition model
versions, and resolve their download location.

Creating a version checks its ``source`` first (:mod:`mlharbor.store.registry.sources`): the
server later serves those files, so a source must lie inside the run or logged model the
request names.
"""

from __future__ import annotations

import urllib.parse

from mlharbor.entities import ModelVersion, ModelVersionTag
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.common import page_reply
from mlharbor.server.routes.registered_models import registry_store, search_max_results
from mlharbor.store.registry.protocol import (
    SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
    SEARCH_MODEL_VERSION_MAX_RESULTS_LIMIT,
)
from mlharbor.store.registry.sources import validate_source
from mlharbor.store.registry.sql.store import SqlRegistryStore
from mlharbor.store.registry.uris import parse_models_uri
from mlharbor.wire.registry import model_version_tags_from_json, model_version_to_json

__all__ = ["routes"]

routes = Routes()

_NAME = Field("name", required=True)
_VERSION = Field("version", required=True)


def _invalid_source(source: str, why: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Invalid model version source: '{source}'. {why}")


def _referenced_version(store: SqlRegistryStore, source: str) -> ModelVersion | None:
    """The registered version a ``models:/<name>/…`` source copies, or None for other sources."""
    parsed = urllib.parse.urlparse(source)
    if parsed.scheme != "models":
        return None
    if parsed.netloc:
        raise _invalid_source(
            source, "Registered model sources must use the active model registry."
        )
    try:
        target = parse_models_uri(source)
    except InvalidParameterValue:
        raise _invalid_source(
            source,
            "The model_id request parameter must identify the resource that contains the source.",
        ) from None
    if target.model_id is not None or target.name is None:
        return None
    if target.alias is not None:
        return store.get_model_version_by_alias(target.name, target.alias)
    if target.version is not None:
        return store.get_model_version(target.name, target.version)
    stages = None if target.latest else [target.stage or ""]
    latest = store.get_latest_versions(target.name, stages)
    if not latest:
        raise _invalid_source(source, "It names no registered model version.")
    return max(latest, key=lambda mv: int(mv.version))


@routes.json(
    "POST",
    "mlflow/model-versions/create",
    _NAME,
    Field("source", required=True),
    Field("run_id"),
    Field("tags", Kind.OBJECT_LIST),
    Field("run_link"),
    Field("description"),
    Field("model_id"),
)
def create_model_version(ctx: ServerContext, p: Params) -> JsonDict:
    store = registry_store(ctx)
    source: str = p["source"]
    run_id: str | None = p["run_id"]
    model_id: str | None = p["model_id"]
    copied = _referenced_version(store, source)
    if copied is not None:
        if (run_id is not None and run_id != (copied.run_id or "")) or (
            model_id is not None and model_id != (copied.model_id or "")
        ):
            raise _invalid_source(
                source,
                "The run_id and model_id request parameters must match the referenced model "
                "version.",
            )
        source = f"models:/{copied.name}/{copied.version}"
        run_id = run_id or copied.run_id
        model_id = model_id or copied.model_id
    validate_source(
        source,
        run_id,
        model_id,
        run_root=store.run_artifact_root,
        model_root=store.logged_model_root,
    )
    version = store.create_model_version(
        name=p["name"],
        source=source,
        run_id=run_id,
        tags=model_version_tags_from_json(p["tags"]),
        run_link=p["run_link"],
        description=p["description"],
        model_id=model_id,
    )
    return {"model_version": model_version_to_json(version)}


@routes.json("GET", "mlflow/model-versions/get", _NAME, _VERSION)
def get_model_version(ctx: ServerContext, p: Params) -> JsonDict:
    version = registry_store(ctx).get_model_version(p["name"], p["version"])
    return {"model_version": model_version_to_json(version)}


@routes.json("PATCH", "mlflow/model-versions/update", _NAME, _VERSION, Field("description"))
def update_model_version(ctx: ServerContext, p: Params) -> JsonDict:
    version = registry_store(ctx).update_model_version(p["name"], p["version"], p["description"])
    return {"model_version": model_version_to_json(version)}


@routes.json("DELETE", "mlflow/model-versions/delete", _NAME, _VERSION)
def delete_model_version(ctx: ServerContext, p: Params) -> None:
    registry_store(ctx).delete_model_version(p["name"], p["version"])


@routes.json(
    "POST",
    "mlflow/model-versions/transition-stage",
    _NAME,
    _VERSION,
    Field("stage", required=True),
    Field("archive_existing_versions", Kind.BOOL),
)
def transition_model_version_stage(ctx: ServerContext, p: Params) -> JsonDict:
    version = registry_store(ctx).transition_model_version_stage(
        p["name"], p["version"], p["stage"], bool(p["archive_existing_versions"])
    )
    return {"model_version": model_version_to_json(version)}


@routes.json(
    "GET",
    "mlflow/model-versions/search",
    Field("filter"),
    Field("max_results", Kind.INT),
    Field("order_by", Kind.STR_LIST),
    Field("page_token"),
)
def search_model_versions(ctx: ServerContext, p: Params) -> JsonDict:
    max_results = search_max_results(
        p["max_results"],
        SEARCH_MODEL_VERSION_MAX_RESULTS_DEFAULT,
        SEARCH_MODEL_VERSION_MAX_RESULTS_LIMIT,
    )
    page = registry_store(ctx).search_model_versions(
        p["filter"] or None, max_results, p["order_by"] or None, p["page_token"] or None
    )
    return page_reply(
        "model_versions", page, lambda mv: model_version_to_json(mv, with_aliases=False)
    )


@routes.json("GET", "mlflow/model-versions/get-download-uri", _NAME, _VERSION)
def get_model_version_download_uri(ctx: ServerContext, p: Params) -> JsonDict:
    uri = registry_store(ctx).get_model_version_download_uri(p["name"], p["version"])
    return {"artifact_uri": uri}


@routes.json(
    "POST",
    "mlflow/model-versions/set-tag",
    _NAME,
    _VERSION,
    Field("key", required=True),
    Field("value"),
)
def set_model_version_tag(ctx: ServerContext, p: Params) -> None:
    tag = ModelVersionTag(p["key"], p["value"] or "")
    registry_store(ctx).set_model_version_tag(p["name"], p["version"], tag)


@routes.json(
    "DELETE",
    "mlflow/model-versions/delete-tag",
    _NAME,
    _VERSION,
    Field("key", required=True),
)
def delete_model_version_tag(ctx: ServerContext, p: Params) -> None:
    registry_store(ctx).delete_model_version_tag(p["name"], p["version"], p["key"])
