"""``/mlflow/logged-models/*``: MLflow 3 logged models (create, finalize, search, tags, params,
artifact browsing)."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

from mlharbor.entities import LoggedModelStatus
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.artifacts import list_location, send_location_file
from mlharbor.server.routes.common import check_max_results, key_value_pairs, page_reply
from mlharbor.wire import file_info_to_json, logged_model_status_from_json, logged_model_to_json
from mlharbor.wire.values import decode_bool, decode_str, missing_value

routes = Routes()

_MODEL_ID = Field("model_id", required=True)
_BASE = "mlflow/logged-models"
SEARCH_DEFAULT_MAX_RESULTS = 50
SEARCH_MAX_RESULTS_LIMIT = 50000
_FINAL_STATUSES = {LoggedModelStatus.READY, LoggedModelStatus.FAILED}


@routes.json(
    "POST",
    _BASE,
    Field("experiment_id", required=True),
    Field("name"),
    Field("model_type"),
    Field("source_run_id"),
    Field("params", Kind.OBJECT_LIST),
    Field("tags", Kind.OBJECT_LIST),
)
def create_logged_model(ctx: ServerContext, p: Params) -> JsonDict:
    model = ctx.store.create_logged_model(
        experiment_id=p["experiment_id"],
        name=p["name"],
        source_run_id=p["source_run_id"] or None,
        tags=key_value_pairs(p["tags"], "tags"),
        params=key_value_pairs(p["params"], "params"),
        model_type=p["model_type"],
    )
    return {"model": logged_model_to_json(model)}


@routes.json("GET", f"{_BASE}/{{model_id}}", _MODEL_ID)
def get_logged_model(ctx: ServerContext, p: Params) -> JsonDict:
    return {"model": logged_model_to_json(ctx.store.get_logged_model(p["model_id"]))}


@routes.json("PATCH", f"{_BASE}/{{model_id}}", _MODEL_ID, Field("status", Kind.ENUM, required=True))
def finalize_logged_model(ctx: ServerContext, p: Params) -> JsonDict:
    status = logged_model_status_from_json(p["status"])
    if status not in _FINAL_STATUSES:
        raise InvalidParameterValue(
            f"Invalid value {p['status']!r} for parameter 'status': a logged model is finalized "
            f"as {LoggedModelStatus.READY.proto_name} or {LoggedModelStatus.FAILED.proto_name}."
        )
    model = ctx.store.finalize_logged_model(p["model_id"], status)
    return {"model": logged_model_to_json(model)}


@routes.json("DELETE", f"{_BASE}/{{model_id}}", _MODEL_ID)
def delete_logged_model(ctx: ServerContext, p: Params) -> None:
    ctx.store.delete_logged_model(p["model_id"])


@routes.json("PATCH", f"{_BASE}/{{model_id}}/tags", _MODEL_ID, Field("tags", Kind.OBJECT_LIST))
def set_logged_model_tags(ctx: ServerContext, p: Params) -> None:
    ctx.store.set_logged_model_tags(p["model_id"], key_value_pairs(p["tags"], "tags"))


@routes.json(
    "DELETE", f"{_BASE}/{{model_id}}/tags/{{tag_key}}", _MODEL_ID, Field("tag_key", required=True)
)
def delete_logged_model_tag(ctx: ServerContext, p: Params) -> None:
    ctx.store.delete_logged_model_tag(p["model_id"], p["tag_key"])


@routes.json("POST", f"{_BASE}/{{model_id}}/params", _MODEL_ID, Field("params", Kind.OBJECT_LIST))
def log_logged_model_params(ctx: ServerContext, p: Params) -> None:
    ctx.store.log_logged_model_params(p["model_id"], key_value_pairs(p["params"], "params"))


def _order_by(items: list[dict[str, Any]]) -> list[dict[str, object]]:
    clauses: list[dict[str, object]] = []
    for item in items:
        field_name = item.get("field_name")
        if not field_name:
            raise missing_value("field_name")
        clause: dict[str, object] = {
            "field_name": decode_str(field_name, "field_name"),
            "ascending": decode_bool(item.get("ascending", True), "ascending"),
        }
        for key in ("dataset_name", "dataset_digest"):
            if item.get(key):
                clause[key] = decode_str(item[key], key)
        clauses.append(clause)
    return clauses


def _datasets(items: list[dict[str, Any]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for item in items:
        if not item.get("dataset_name"):
            raise missing_value("dataset_name")
        entry = {"dataset_name": decode_str(item["dataset_name"], "dataset_name")}
        if item.get("dataset_digest"):
            entry["dataset_digest"] = decode_str(item["dataset_digest"], "dataset_digest")
        out.append(entry)
    return out


@routes.json(
    "POST",
    f"{_BASE}/search",
    Field("experiment_ids", Kind.STR_LIST, required=True),
    Field("filter"),
    Field("datasets", Kind.OBJECT_LIST),
    Field("max_results", Kind.INT),
    Field("order_by", Kind.OBJECT_LIST),
    Field("page_token"),
)
def search_logged_models(ctx: ServerContext, p: Params) -> JsonDict:
    page = ctx.store.search_logged_models(
        experiment_ids=p["experiment_ids"],
        filter_string=p["filter"] or None,
        datasets=_datasets(p["datasets"]) or None,
        max_results=check_max_results(
            p["max_results"], SEARCH_DEFAULT_MAX_RESULTS, SEARCH_MAX_RESULTS_LIMIT
        ),
        order_by=_order_by(p["order_by"]) or None,
        page_token=p["page_token"] or None,
    )
    return page_reply("models", page, logged_model_to_json)


@routes.json(
    "GET",
    f"{_BASE}/{{model_id}}/artifacts/directories",
    _MODEL_ID,
    Field("artifact_directory_path"),
    Field("page_token"),
)
def list_logged_model_artifacts(ctx: ServerContext, p: Params) -> JsonDict:
    root_uri = ctx.store.get_logged_model(p["model_id"]).artifact_location
    out: JsonDict = {"root_uri": root_uri}
    files = list_location(ctx, root_uri, p["artifact_directory_path"] or "")
    if files:
        out["files"] = [file_info_to_json(f) for f in files]
    return out


@routes.raw("GET", f"{_BASE}/{{model_id}}/artifacts/files")
async def get_logged_model_artifact(ctx: ServerContext, request: Request) -> Response:
    path = request.query_params.get("artifact_file_path")
    if not path:
        raise missing_value("artifact_file_path")
    model = await anyio.to_thread.run_sync(
        ctx.store.get_logged_model, request.path_params["model_id"]
    )
    return await send_location_file(ctx, model.artifact_location, path)
