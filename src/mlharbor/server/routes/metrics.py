"""``/mlflow/metrics/*``: the full history of one metric, and sampled histories for charts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.common import check_max_results, page_reply
from mlharbor.server.routes.runs import RUN_ID
from mlharbor.store.tracking.protocol import MetricHistoryChunks, StreamsMetricHistory
from mlharbor.wire import metric_to_json

routes = Routes()

MAX_HISTORY_RESULTS = 2**31 - 1
MAX_BULK_RUNS = 100
MAX_BULK_POINTS = 25000
MAX_SAMPLE_POINTS = 2500


@routes.json(
    "GET",
    "mlflow/metrics/get-history",
    RUN_ID,
    Field("metric_key", required=True),
    Field("max_results", Kind.INT),
    Field("page_token"),
)
def get_metric_history(ctx: ServerContext, p: Params) -> JsonDict | Response:
    max_results = check_max_results(p["max_results"], None, MAX_HISTORY_RESULTS)
    token = p["page_token"] or None
    if isinstance(ctx.store, StreamsMetricHistory):
        stream = ctx.store.metric_history_stream(p["run_id"], p["metric_key"], max_results, token)
        return StreamingResponse(_history_json(stream), media_type="application/json")
    page = ctx.store.get_metric_history(
        p["run_id"], p["metric_key"], max_results=max_results, page_token=token
    )
    return page_reply("metrics", page, metric_to_json)


def _history_json(stream: MetricHistoryChunks) -> Iterator[bytes]:
    """The body ``page_reply`` would build, encoded chunk by chunk as rows leave the cursor."""
    chunks = stream.chunks()
    first = next(chunks, None)
    if first is None:
        yield b"{}"
        return
    yield b'{"metrics":[' + _points_json(stream.key, first)
    for chunk in chunks:
        yield b"," + _points_json(stream.key, chunk)
    tail = b"]"
    if stream.next_page_token:
        tail += b',"next_page_token":' + orjson.dumps(stream.next_page_token)
    yield tail + b"}"


def _points_json(key: str, rows: list[tuple[Any, ...]]) -> bytes:
    """``metric_to_json`` of each ``(value, is_nan, timestamp, step)`` row, comma-separated.

    Stored values are finite or NaN (infinities are clamped when logged)."""
    points = [
        {"key": key, "value": "NaN" if is_nan else value, "timestamp": timestamp, "step": step}
        for value, is_nan, timestamp, step in rows
    ]
    return orjson.dumps(points)[1:-1]


@routes.json(
    "GET",
    "mlflow/metrics/get-history-bulk-interval",
    Field("run_ids", Kind.STR_LIST, required=True),
    Field("metric_key", required=True),
    Field("start_step", Kind.INT),
    Field("end_step", Kind.INT),
    Field("max_results", Kind.INT),
)
def get_history_bulk_interval(ctx: ServerContext, p: Params) -> JsonDict:
    run_ids: list[str] = p["run_ids"]
    if len(run_ids) > MAX_BULK_RUNS:
        raise InvalidParameterValue(
            f"GetMetricHistoryBulkInterval request must specify at most {MAX_BULK_RUNS} run_ids. "
            f"Received {len(run_ids)} run_ids."
        )
    limit = MAX_SAMPLE_POINTS if p["max_results"] is None else p["max_results"]
    if not 1 <= limit <= MAX_SAMPLE_POINTS:
        raise InvalidParameterValue(f"max_results must be between 1 and {MAX_SAMPLE_POINTS}.")
    sampled = ctx.store.get_metric_history_bulk_interval(
        run_ids, p["metric_key"], limit, p["start_step"], p["end_step"]
    )
    if not sampled:
        return {}
    return {"metrics": [metric_to_json(metric, include_run_id=True) for metric in sampled]}


@routes.json(
    "GET",
    "mlflow/metrics/get-history-bulk",
    Field("run_id", Kind.STR_LIST, required=True),
    Field("metric_key", required=True),
    Field("max_results", Kind.INT),
)
def get_history_bulk(ctx: ServerContext, p: Params) -> JsonDict:
    """Full histories of one metric for several runs (the UI's comparison charts), capped at
    ``max_results`` points in total."""
    run_ids: list[str] = p["run_id"]
    if len(run_ids) > MAX_BULK_RUNS:
        raise InvalidParameterValue(
            f"GetMetricHistoryBulk request cannot specify more than {MAX_BULK_RUNS} run_ids. "
            f"Received {len(run_ids)} run_ids."
        )
    limit = check_max_results(p["max_results"], MAX_BULK_POINTS, MAX_BULK_POINTS)
    assert limit is not None
    metrics: list[JsonDict] = []
    for run_id in run_ids:
        # Read only the points that still fit, not the whole history.
        history = ctx.store.get_metric_history(
            run_id, p["metric_key"], max_results=limit - len(metrics)
        )
        for metric in history:
            encoded = metric_to_json(metric)
            encoded["run_id"] = run_id
            metrics.append(encoded)
        if len(metrics) >= limit:
            break
    return {"metrics": metrics} if metrics else {}
