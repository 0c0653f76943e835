"""``POST /v1/traces``: OpenTelemetry's OTLP/HTTP trace export, in protobuf or JSON.

Spans land in the experiment named by the ``x-mlflow-experiment-id`` header (how MLflow's
client and any OTLP exporter configured with that header address an experiment). The protobuf
decoder (``opentelemetry-proto``, the ``tracing`` extra) loads on the first protobuf request.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.responses import Response

from mlharbor.exceptions import InvalidParameterValue, NotImplementedFeature
from mlharbor.server.app import read_body
from mlharbor.server.context import ServerContext
from mlharbor.server.routes import Routes
from mlharbor.server.routes.traces import trace_store
from mlharbor.wire.spans import span_from_proto_json

routes = Routes()

EXPERIMENT_HEADER = "x-mlflow-experiment-id"
_PROTOBUF = "application/x-protobuf"


def _decode_protobuf(raw: bytes) -> dict[str, Any]:
    try:
        from google.protobuf.json_format import MessageToDict
        from google.protobuf.message import DecodeError
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )
    except ImportError:
        raise NotImplementedFeature(
            "OTLP protobuf needs the 'opentelemetry-proto' package "
            "(pip install 'mlharbor[tracing]'); send OTLP/JSON instead."
        ) from None
    request = ExportTraceServiceRequest()
    try:
        request.ParseFromString(raw)
    except DecodeError:
        raise InvalidParameterValue("Invalid OTLP protobuf body") from None
    decoded: dict[str, Any] = MessageToDict(request)
    return decoded


def _spans(body: dict[str, Any], *, base64_ids: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for resource_spans in body.get("resourceSpans") or []:
        for scope_spans in resource_spans.get("scopeSpans") or []:
            for span in scope_spans.get("spans") or []:
                out.append(span_from_proto_json(span) if base64_ids else span)
    return out


@routes.raw("POST", "/v1/traces", mount="root")
async def export_traces(ctx: ServerContext, request: Request) -> Response:
    experiment_id = request.headers.get(EXPERIMENT_HEADER)
    if not experiment_id:
        raise InvalidParameterValue(
            f"OTLP trace export needs the '{EXPERIMENT_HEADER}' header naming an experiment."
        )
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw = await read_body(request.scope, request.receive)
    if content_type == _PROTOBUF:
        spans = _spans(_decode_protobuf(raw), base64_ids=True)
    elif content_type == "application/json":
        try:
            body = orjson.loads(raw) if raw.strip() else {}
        except orjson.JSONDecodeError:
            raise InvalidParameterValue("Invalid OTLP JSON body") from None
        if not isinstance(body, dict):
            raise InvalidParameterValue("Invalid OTLP JSON body: expected an object")
        spans = _spans(body, base64_ids=False)
    else:
        raise InvalidParameterValue(
            f"Unsupported content type {content_type!r}: use {_PROTOBUF} or application/json"
        )
    if spans:
        await anyio.to_thread.run_sync(trace_store(ctx).log_spans, experiment_id, spans)
    if content_type == _PROTOBUF:
        return Response(b"", media_type=_PROTOBUF)
    return Response(b"{}", media_type="application/json")
