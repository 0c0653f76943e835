"""``/mlflow/traces*``: MLflow 3's trace API (v3 and the v2 paths its client still calls)."""

from __future__ import annotations

from typing import Any

from mlharbor.exceptions import InvalidParameterValue, NotImplementedFeature
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.common import check_max_results
from mlharbor.store.tracking.sql.traces import TracesMixin
from mlharbor.wire.traces import (
    spans_from_trace_json,
    trace_info_from_json,
    trace_info_to_json,
    trace_to_json,
)
from mlharbor.wire.values import missing_value

routes = Routes()

_BASE = "mlflow/traces"
_V3 = ("3.0",)
_BOTH = ("2.0", "3.0")
_TRACE_ID = Field("trace_id", required=True, aliases=("request_id",))
SEARCH_DEFAULT_MAX_RESULTS = 100
SEARCH_MAX_RESULTS_LIMIT = 500
BATCH_GET_LIMIT = 100


def trace_store(ctx: ServerContext) -> TracesMixin:
    """The tracking store as a trace store; traces need the SQL store."""
    if not isinstance(ctx.store, TracesMixin):
        raise NotImplementedFeature("This tracking store does not keep traces.")
    return ctx.store


@routes.json("POST", _BASE, Field("trace", Kind.OBJECT, required=True), versions=_V3)
def start_trace(ctx: ServerContext, p: Params) -> JsonDict:
    """Record a finished trace's info, and its spans when the message carries them."""
    trace = p["trace"]
    body = trace.get("trace_info") or trace.get("traceInfo")
    if not isinstance(body, dict):
        raise missing_value("trace.trace_info")
    store = trace_store(ctx)
    info = trace_info_from_json(body)
    spans = spans_from_trace_json(trace)
    if spans:
        store.log_spans(info.experiment_id, spans)
    return {"trace": {"trace_info": trace_info_to_json(store.start_trace(info))}}


@routes.json("GET", f"{_BASE}/{{trace_id}}", _TRACE_ID, versions=_V3)
def get_trace_info(ctx: ServerContext, p: Params) -> JsonDict:
    info = trace_store(ctx).get_trace_info(p["trace_id"])
    return {"trace": {"trace_info": trace_info_to_json(info)}}


@routes.json("GET", f"{_BASE}/get", _TRACE_ID, Field("allow_partial", Kind.BOOL), versions=_V3)
def get_trace(ctx: ServerContext, p: Params) -> JsonDict:
    store = trace_store(ctx)
    store.get_trace_info(p["trace_id"])  # RESOURCE_DOES_NOT_EXIST for an unknown id
    return {"trace": trace_to_json(store.batch_get_traces([p["trace_id"]])[0])}


def _trace_ids(p: Params) -> list[str]:
    ids: list[str] = p["trace_ids"]
    if len(ids) > BATCH_GET_LIMIT:
        raise InvalidParameterValue(
            f"At most {BATCH_GET_LIMIT} trace ids can be fetched at once; got {len(ids)}."
        )
    return ids


_BATCH_FIELDS = (
    Field("trace_ids", Kind.STR_LIST, required=True),
    Field("experiment_ids", Kind.STR_LIST),
)


@routes.json("GET", f"{_BASE}/batchGet", *_BATCH_FIELDS, versions=_V3)
def batch_get_traces(ctx: ServerContext, p: Params) -> JsonDict:
    traces = trace_store(ctx).batch_get_traces(_trace_ids(p), p["experiment_ids"] or None)
    return {"traces": [trace_to_json(trace) for trace in traces]}


@routes.json("POST", f"{_BASE}/batchGetInfos", *_BATCH_FIELDS, versions=_V3)
def batch_get_trace_infos(ctx: ServerContext, p: Params) -> JsonDict:
    traces = trace_store(ctx).batch_get_traces(_trace_ids(p), p["experiment_ids"] or None)
    return {"trace_infos": [trace_info_to_json(trace.info) for trace in traces]}


def _location_experiments(locations: list[dict[str, Any]]) -> list[str]:
    ids: list[str] = []
    for location in locations:
        experiment = location.get("mlflow_experiment") or location.get("mlflowExperiment") or {}
        experiment_id = experiment.get("experiment_id") or experiment.get("experimentId")
        if not experiment_id:
            raise InvalidParameterValue(
                "Only MLflow experiment locations are supported: "
                "{'mlflow_experiment': {'experiment_id': ...}}"
            )
        ids.append(str(experiment_id))
    return ids


def _search(ctx: ServerContext, experiment_ids: list[str], p: Params) -> JsonDict:
    if not experiment_ids:
        raise missing_value("locations")
    page = trace_store(ctx).search_traces(
        experiment_ids,
        filter_string=p["filter"] or None,
        max_results=check_max_results(
            p["max_results"], SEARCH_DEFAULT_MAX_RESULTS, SEARCH_MAX_RESULTS_LIMIT
        )
        or SEARCH_DEFAULT_MAX_RESULTS,
        order_by=p["order_by"] or None,
        page_token=p["page_token"] or None,
    )
    out: JsonDict = {"traces": [trace_info_to_json(info) for info in page]}
    if page.token:
        out["next_page_token"] = page.token
    return out


_SEARCH_FIELDS = (
    Field("filter"),
    Field("max_results", Kind.INT),
    Field("order_by", Kind.STR_LIST),
    Field("page_token"),
)


@routes.json(
    "POST", f"{_BASE}/search", Field("locations", Kind.OBJECT_LIST), *_SEARCH_FIELDS, versions=_V3
)
def search_traces(ctx: ServerContext, p: Params) -> JsonDict:
    return _search(ctx, _location_experiments(p["locations"]), p)


@routes.json("GET", _BASE, Field("experiment_ids", Kind.STR_LIST), *_SEARCH_FIELDS)
def search_traces_v2(ctx: ServerContext, p: Params) -> JsonDict:
    """The v2 search, which answers ``TraceInfoV3`` messages as MLflow 3's server does."""
    return _search(ctx, p["experiment_ids"], p)


_TAG_KEY = Field("key", required=True)


@routes.json(
    "PATCH", f"{_BASE}/{{trace_id}}/tags", _TRACE_ID, _TAG_KEY, Field("value"), versions=_BOTH
)
def set_trace_tag(ctx: ServerContext, p: Params) -> None:
    trace_store(ctx).set_trace_tag(p["trace_id"], p["key"], p["value"] or "")


@routes.json("DELETE", f"{_BASE}/{{trace_id}}/tags", _TRACE_ID, _TAG_KEY, versions=_BOTH)
def delete_trace_tag(ctx: ServerContext, p: Params) -> None:
    trace_store(ctx).delete_trace_tag(p["trace_id"], p["key"])


@routes.json(
    "POST",
    f"{_BASE}/delete-traces",
    Field("experiment_id", required=True),
    Field("max_timestamp_millis", Kind.INT),
    Field("max_traces", Kind.INT),
    Field("request_ids", Kind.STR_LIST, aliases=("trace_ids",)),
    versions=_BOTH,
)
def delete_traces(ctx: ServerContext, p: Params) -> JsonDict:
    deleted = trace_store(ctx).delete_traces(
        p["experiment_id"],
        max_timestamp_millis=p["max_timestamp_millis"],
        max_traces=p["max_traces"],
        trace_ids=p["request_ids"] or None,
    )
    return {"traces_deleted": deleted}


@routes.json(
    "POST",
    f"{_BASE}/link-to-run",
    Field("trace_ids", Kind.STR_LIST, required=True),
    Field("run_id", required=True),
    versions=_BOTH,
)
def link_traces_to_run(ctx: ServerContext, p: Params) -> None:
    trace_store(ctx).link_traces_to_run(p["trace_ids"], p["run_id"])


_ASSESSMENT_ID = Field("assessment_id", required=True)


def _snake(name: str) -> str:
    """A field mask path (lowerCamel in JSON) as the proto field name."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


@routes.json(
    "POST",
    f"{_BASE}/{{trace_id}}/assessments",
    _TRACE_ID,
    Field("assessment", Kind.OBJECT, required=True),
    versions=_V3,
)
def create_assessment(ctx: ServerContext, p: Params) -> JsonDict:
    assessment = {**p["assessment"], "trace_id": p["trace_id"]}
    return {"assessment": trace_store(ctx).create_assessment(assessment)}


@routes.json(
    "GET",
    f"{_BASE}/{{trace_id}}/assessments/{{assessment_id}}",
    _TRACE_ID,
    _ASSESSMENT_ID,
    versions=_V3,
)
def get_assessment(ctx: ServerContext, p: Params) -> JsonDict:
    return {"assessment": trace_store(ctx).get_assessment(p["trace_id"], p["assessment_id"])}


@routes.json(
    "PATCH",
    f"{_BASE}/{{trace_id}}/assessments/{{assessment_id}}",
    _TRACE_ID,
    _ASSESSMENT_ID,
    Field("assessment", Kind.OBJECT, required=True),
    Field("update_mask", Kind.ANY),
    versions=_V3,
)
def update_assessment(ctx: ServerContext, p: Params) -> JsonDict:
    changes = dict(p["assessment"])
    mask = p["update_mask"]
    if isinstance(mask, str) and mask:
        # A field mask ("feedback,rationale") names the fields to take from the message.
        wanted = {_snake(path.strip().split(".")[0]) for path in mask.split(",")}
        changes = {k: v for k, v in changes.items() if k in wanted}
    for fixed in ("assessment_id", "trace_id", "create_time"):
        changes.pop(fixed, None)
    updated = trace_store(ctx).update_assessment(p["trace_id"], p["assessment_id"], changes)
    return {"assessment": updated}


@routes.json(
    "DELETE",
    f"{_BASE}/{{trace_id}}/assessments/{{assessment_id}}",
    _TRACE_ID,
    _ASSESSMENT_ID,
    versions=_V3,
)
def delete_assessment(ctx: ServerContext, p: Params) -> None:
    trace_store(ctx).delete_assessment(p["trace_id"], p["assessment_id"])
