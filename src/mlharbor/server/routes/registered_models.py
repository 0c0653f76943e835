"""``/mlflow/registered-models/*``: create, read, rename, update, delete, search, tag and alias
registered models, and list their latest versions."""

from __future__ import annotations

from mlharbor.entities import RegisteredModelTag
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.common import page_reply
from mlharbor.store.registry.protocol import (
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
    SEARCH_REGISTERED_MODEL_MAX_RESULTS_LIMIT,
)
from mlharbor.store.registry.sql.store import SqlRegistryStore
from mlharbor.wire.registry import (
    model_version_to_json,
    registered_model_tags_from_json,
    registered_model_to_json,
)

__all__ = ["registry_store", "routes", "search_max_results"]

routes = Routes()

_NAME = Field("name", required=True)


def registry_store(ctx: ServerContext) -> SqlRegistryStore:
    """The server's registry store, on the same database (and engine) as its tracking store."""
    from mlharbor.store.tracking.factory import resolve_tracking_uri

    return ctx.shared(
        "registry_store", lambda: SqlRegistryStore(resolve_tracking_uri(ctx.backend_store_uri))
    )


def search_max_results(value: int | None, default: int, limit: int) -> int:
    """``max_results`` of a registry search; MLflow words an out-of-range value as a type error
    of the query text."""
    if value is None:
        return default
    if value < 0 or value > limit:
        raise InvalidParameterValue(
            f"Invalid value \"{value}\" for parameter 'max_results' supplied:  "
            "Hint: Value was of type 'str'. "
            "See the API docs for more information about request parameters."
        )
    return value


@routes.json(
    "POST",
    "mlflow/registered-models/create",
    _NAME,
    Field("tags", Kind.OBJECT_LIST),
    Field("description"),
    Field("deployment_job_id"),
)
def create_registered_model(ctx: ServerContext, p: Params) -> JsonDict:
    model = registry_store(ctx).create_registered_model(
        p["name"], registered_model_tags_from_json(p["tags"]), p["description"]
    )
    return {"registered_model": registered_model_to_json(model)}


@routes.json("GET", "mlflow/registered-models/get", _NAME)
def get_registered_model(ctx: ServerContext, p: Params) -> JsonDict:
    return {
        "registered_model": registered_model_to_json(
            registry_store(ctx).get_registered_model(p["name"])
        )
    }


@routes.json("POST", "mlflow/registered-models/rename", _NAME, Field("new_name", required=True))
def rename_registered_model(ctx: ServerContext, p: Params) -> JsonDict:
    model = registry_store(ctx).rename_registered_model(p["name"], p["new_name"])
    return {"registered_model": registered_model_to_json(model)}


@routes.json("PATCH", "mlflow/registered-models/update", _NAME, Field("description"))
def update_registered_model(ctx: ServerContext, p: Params) -> JsonDict:
    model = registry_store(ctx).update_registered_model(p["name"], p["description"])
    return {"registered_model": registered_model_to_json(model)}


@routes.json("DELETE", "mlflow/registered-models/delete", _NAME)
def delete_registered_model(ctx: ServerContext, p: Params) -> None:
    registry_store(ctx).delete_registered_model(p["name"])


_SEARCH_FIELDS = (
    Field("filter"),
    Field("max_results", Kind.INT),
    Field("order_by", Kind.STR_LIST),
    Field("page_token"),
)


@routes.json("GET", "mlflow/registered-models/search", *_SEARCH_FIELDS)
def search_registered_models(ctx: ServerContext, p: Params) -> JsonDict:
    max_results = search_max_results(
        p["max_results"],
        SEARCH_REGISTERED_MODEL_MAX_RESULTS_DEFAULT,
        SEARCH_REGISTERED_MODEL_MAX_RESULTS_LIMIT,
    )
    page = registry_store(ctx).search_registered_models(
        p["filter"] or None, max_results, p["order_by"] or None, p["page_token"] or None
    )
    return page_reply("registered_models", page, registered_model_to_json)


_LATEST_FIELDS = (_NAME, Field("stages", Kind.STR_LIST))


def get_latest_versions(ctx: ServerContext, p: Params) -> JsonDict:
    versions = registry_store(ctx).get_latest_versions(p["name"], p["stages"] or None)
    if not versions:
        return {}
    return {"model_versions": [model_version_to_json(mv) for mv in versions]}


routes.json("POST", "mlflow/registered-models/get-latest-versions", *_LATEST_FIELDS)(
    get_latest_versions
)
routes.json("GET", "mlflow/registered-models/get-latest-versions", *_LATEST_FIELDS)(
    get_latest_versions
)


@routes.json(
    "POST",
    "mlflow/registered-models/set-tag",
    _NAME,
    Field("key", required=True),
    Field("value"),
)
def set_registered_model_tag(ctx: ServerContext, p: Params) -> None:
    tag = RegisteredModelTag(p["key"], p["value"] or "")
    registry_store(ctx).set_registered_model_tag(p["name"], tag)


@routes.json("DELETE", "mlflow/registered-models/delete-tag", _NAME, Field("key", required=True))
def delete_registered_model_tag(ctx: ServerContext, p: Params) -> None:
    registry_store(ctx).delete_registered_model_tag(p["name"], p["key"])


@routes.json(
    "POST",
    "mlflow/registered-models/alias",
    _NAME,
    Field("alias", required=True),
    Field("version", required=True),
)
def set_registered_model_alias(ctx: ServerContext, p: Params) -> None:
    registry_store(ctx).set_registered_model_alias(p["name"], p["alias"], p["version"])


@routes.json("DELETE", "mlflow/registered-models/alias", _NAME, Field("alias", required=True))
def delete_registered_model_alias(ctx: ServerContext, p: Params) -> None:
    registry_store(ctx).delete_registered_model_alias(p["name"], p["alias"])


@routes.json("GET", "mlflow/registered-models/alias", _NAME, Field("alias", required=True))
def get_model_version_by_alias(ctx: ServerContext, p: Params) -> JsonDict:
    version = registry_store(ctx).get_model_version_by_alias(p["name"], p["alias"])
    return {"model_version": model_version_to_json(version)}
