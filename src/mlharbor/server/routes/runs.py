"""``/mlflow/runs/*``: run lifecycle, search, and logging of metrics, params, tags and inputs."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from typing import Any

from mlharbor.entities import Metric, Param, RunTag
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.common import check_max_results, key_value_pairs, page_reply, view_type
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_DEFAULT, SEARCH_MAX_RESULTS_LIMIT
from mlharbor.wire import (
    dataset_input_from_json,
    model_input_from_json,
    model_output_from_json,
    run_info_to_json,
    run_status_from_json,
    run_to_json,
)
from mlharbor.wire.values import decode_double, decode_int, decode_str, invalid_type, missing_value

routes = Routes()

# Where a run created without an experiment goes (the permission rules check the same id).
DEFAULT_EXPERIMENT_ID = "0"

# Clients send both spellings; MLflow accepts either and names the field ``run_id`` in errors.
RUN_ID = Field("run_id", required=True, aliases=("run_uuid",))
_RUN_ID_ONLY = Field("run_id", required=True)

MAX_BATCH_METRICS = 1000
MAX_BATCH_PARAMS = 100
MAX_BATCH_TAGS = 100
MAX_BATCH_ENTITIES = 1000


def _tags(items: list[dict[str, Any]]) -> list[RunTag]:
    return [RunTag(k, v) for k, v in key_value_pairs(items, "tags")]


@routes.json(
    "POST",
    "mlflow/runs/create",
    Field("experiment_id"),
    Field("user_id"),
    Field("run_name"),
    Field("start_time", Kind.INT),
    Field("tags", Kind.OBJECT_LIST),
)
def create_run(ctx: ServerContext, p: Params) -> JsonDict:
    run = ctx.store.create_run(
        experiment_id=p["experiment_id"] or DEFAULT_EXPERIMENT_ID,
        user_id=p["user_id"] or "",
        start_time=p["start_time"],
        tags=_tags(p["tags"]),
        run_name=p["run_name"] or None,
    )
    encoded = run_to_json(run)
    # A new run has no outputs yet, and MLflow's create reply leaves the field out.
    if not encoded["outputs"]:
        del encoded["outputs"]
    return {"run": encoded}


@routes.json("GET", "mlflow/runs/get", RUN_ID)
def get_run(ctx: ServerContext, p: Params) -> JsonDict:
    return {"run": run_to_json(ctx.store.get_run(p["run_id"]))}


def _status(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(run_status_from_json(value))
    except InvalidParameterValue:
        # MLflow's server ignores enum names it does not know.
        return None


@routes.json(
    "POST",
    "mlflow/runs/update",
    RUN_ID,
    Field("status", Kind.ENUM),
    Field("end_time", Kind.INT),
    Field("run_name"),
)
def update_run(ctx: ServerContext, p: Params) -> JsonDict:
    info = ctx.store.update_run_info(
        p["run_id"], _status(p["status"]), p["end_time"], p["run_name"] or None
    )
    return {"run_info": run_info_to_json(info)}


@routes.json("POST", "mlflow/runs/delete", _RUN_ID_ONLY)
def delete_run(ctx: ServerContext, p: Params) -> None:
    ctx.store.delete_run(p["run_id"])


@routes.json("POST", "mlflow/runs/restore", _RUN_ID_ONLY)
def restore_run(ctx: ServerContext, p: Params) -> None:
    ctx.store.restore_run(p["run_id"])


@routes.json(
    "POST",
    "mlflow/runs/search",
    Field("experiment_ids", Kind.STR_LIST),
    Field("filter"),
    Field("run_view_type", Kind.ENUM),
    Field("max_results", Kind.INT),
    Field("order_by", Kind.STR_LIST),
    Field("page_token"),
)
def search_runs(ctx: ServerContext, p: Params) -> JsonDict:
    max_results = p["max_results"]
    if max_results is not None and not 0 < max_results <= SEARCH_MAX_RESULTS_LIMIT:
        if max_results <= 0:
            check_max_results(max_results, None, SEARCH_MAX_RESULTS_LIMIT)
        raise invalid_type("max_results", max_results)
    page = ctx.store.search_runs(
        experiment_ids=p["experiment_ids"],
        filter_string=p["filter"] or None,
        run_view_type=view_type(p["run_view_type"]),
        max_results=max_results or SEARCH_MAX_RESULTS_DEFAULT,
        order_by=p["order_by"] or None,
        page_token=p["page_token"] or None,
    )
    return page_reply("runs", page, run_to_json)


def metric_from_request(data: Mapping[str, Any], run_id: str) -> Metric:
    """A metric from a request message, enforcing MLflow's required fields."""
    key, value, timestamp, step = (data.get(f) for f in ("key", "value", "timestamp", "step"))
    if (
        type(key) is str
        and key
        and (type(value) is float or type(value) is int)
        and type(timestamp) is int
        and (step is None or type(step) is int)
        and data.get("dataset_name") is None
        and data.get("dataset_digest") is None
        and data.get("model_id") is None
    ):
        # The message every client sends, read without the general decoding below (a batch
        # holds a thousand of them); the result is the same.
        return Metric(key, float(value), timestamp, step or 0, run_id=run_id)
    for required in ("key", "value", "timestamp"):
        if data.get(required) is None or data.get(required) == "":
            raise missing_value(required)
    optional = {}
    for name in ("dataset_name", "dataset_digest", "model_id"):
        value = data.get(name)
        optional[name] = None if value is None or value == "" else decode_str(value, name)
    return Metric(
        key=decode_str(data["key"], "key"),
        value=decode_double(data["value"], "value"),
        timestamp=decode_int(data["timestamp"], "timestamp"),
        step=0 if step is None or step == "" else decode_int(step, "step"),
        run_id=run_id,
        **optional,
    )


@routes.json(
    "POST",
    "mlflow/runs/log-metric",
    RUN_ID,
    Field("key"),
    Field("value", Kind.ANY),
    Field("timestamp", Kind.ANY),
    Field("step", Kind.ANY),
    Field("model_id"),
    Field("dataset_name"),
    Field("dataset_digest"),
)
def log_metric(ctx: ServerContext, p: Params) -> None:
    ctx.store.log_metric(p["run_id"], metric_from_request(p, p["run_id"]))


@routes.json(
    "POST", "mlflow/runs/log-parameter", RUN_ID, Field("key", required=True), Field("value")
)
def log_param(ctx: ServerContext, p: Params) -> None:
    ctx.store.log_param(p["run_id"], Param(p["key"], p["value"] or ""))


@routes.json("POST", "mlflow/runs/set-tag", RUN_ID, Field("key", required=True), Field("value"))
def set_tag(ctx: ServerContext, p: Params) -> None:
    ctx.store.set_tag(p["run_id"], RunTag(p["key"], p["value"] or ""))


@routes.json("POST", "mlflow/runs/delete-tag", _RUN_ID_ONLY, Field("key", required=True))
def delete_tag(ctx: ServerContext, p: Params) -> None:
    ctx.store.delete_tag(p["run_id"], p["key"])


def _check_batch_limits(metrics: int, params: int, tags: int) -> None:
    def too_many(limit: int, count: int, what: str) -> InvalidParameterValue:
        return InvalidParameterValue(
            f"A batch logging request can contain at most {limit} {what}. Got {count} {what}. "
            f"Please split up {what} across multiple requests and try again."
        )

    if metrics > MAX_BATCH_METRICS:
        raise too_many(MAX_BATCH_METRICS, metrics, "metrics")
    if params > MAX_BATCH_PARAMS:
        raise too_many(MAX_BATCH_PARAMS, params, "params")
    if tags > MAX_BATCH_TAGS:
        raise too_many(MAX_BATCH_TAGS, tags, "tags")
    total = metrics + params + tags
    if total > MAX_BATCH_ENTITIES:
        raise too_many(MAX_BATCH_ENTITIES, total, "metrics, params, and tags")


@routes.json(
    "POST",
    "mlflow/runs/log-batch",
    _RUN_ID_ONLY,
    Field("metrics", Kind.OBJECT_LIST),
    Field("params", Kind.OBJECT_LIST),
    Field("tags", Kind.OBJECT_LIST),
)
def log_batch(ctx: ServerContext, p: Params) -> None:
    run_id = p["run_id"]
    _check_batch_limits(len(p["metrics"]), len(p["params"]), len(p["tags"]))
    params = [Param(k, v) for k, v in key_value_pairs(p["params"], "params")]
    counts = Counter(x.key for x in params)
    duplicates = sorted(key for key, n in counts.items() if n > 1)
    if duplicates:
        raise InvalidParameterValue(
            f"Duplicate parameter keys have been submitted: {duplicates}. Please ensure the "
            "request contains only one param value per param key."
        )
    ctx.store.log_batch(
        run_id,
        metrics=[metric_from_request(m, run_id) for m in p["metrics"]],
        params=params,
        tags=_tags(p["tags"]),
    )


@routes.json(
    "POST",
    "mlflow/runs/log-inputs",
    _RUN_ID_ONLY,
    Field("datasets", Kind.OBJECT_LIST),
    Field("models", Kind.OBJECT_LIST),
)
def log_inputs(ctx: ServerContext, p: Params) -> None:
    for item in p["datasets"]:
        dataset = item.get("dataset")
        if not isinstance(dataset, dict):
            raise missing_value("dataset")
        for required in ("name", "digest", "source_type", "source"):
            if not dataset.get(required):
                raise missing_value(required)
    for item in p["models"]:
        if not item.get("model_id"):
            raise missing_value("model_id")
    ctx.store.log_inputs(
        p["run_id"],
        datasets=[dataset_input_from_json(d) for d in p["datasets"]],
        models=[model_input_from_json(m) for m in p["models"]],
    )


@routes.json(
    "POST", "mlflow/runs/outputs", _RUN_ID_ONLY, Field("models", Kind.OBJECT_LIST, required=True)
)
def log_outputs(ctx: ServerContext, p: Params) -> None:
    for item in p["models"]:
        if not item.get("model_id"):
            raise missing_value("model_id")
    ctx.store.log_outputs(p["run_id"], [model_output_from_json(m) for m in p["models"]])


LOG_MODEL_HISTORY_TAG = "mlflow.log-model.history"
_MODEL_JSON_KEYS = ("artifact_path", "flavors", "utc_time_created", "run_id")


@routes.json("POST", "mlflow/runs/log-model", _RUN_ID_ONLY, Field("model_json", required=True))
def log_model(ctx: ServerContext, p: Params) -> None:
    """MLflow 2's record of a model logged into a run: appended to a JSON-list run tag."""
    try:
        model = json.loads(p["model_json"])
    except ValueError:
        raise InvalidParameterValue("Malformed model info. 'model_json' is not JSON.") from None
    if not isinstance(model, dict):
        raise InvalidParameterValue("Malformed model info. 'model_json' must be an object.")
    missing = [key for key in _MODEL_JSON_KEYS if key not in model]
    if missing:
        raise InvalidParameterValue(f"Model json is missing mandatory fields: {missing}")
    run = ctx.store.get_run(p["run_id"])
    history = json.loads(run.data.tags.get(LOG_MODEL_HISTORY_TAG, "[]"))
    history.append(model)
    ctx.store.set_tag(p["run_id"], RunTag(LOG_MODEL_HISTORY_TAG, json.dumps(history)))
