"""Spans on the wire: OTLP spans as JSON, with the conversions the trace APIs need.

Inside mlharbor a span is the OTLP/JSON object (lowerCamel field names) with **hex** trace and
span ids, as the OTLP/JSON encoding writes them. Protobuf's JSON mapping (used by MLflow's v3
trace API and by ``MessageToDict``) writes those ids as **base64**; :func:`span_from_proto_json`
and :func:`span_to_proto_json` convert between the two.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "SPAN_INPUTS",
    "SPAN_OUTPUTS",
    "SPAN_TYPE",
    "TRACE_REQUEST_ID",
    "SpanColumns",
    "attribute_values",
    "mlflow_trace_id",
    "span_columns",
    "span_from_proto_json",
    "span_status",
    "span_to_proto_json",
]

SPAN_INPUTS = "mlflow.spanInputs"
SPAN_OUTPUTS = "mlflow.spanOutputs"
SPAN_TYPE = "mlflow.spanType"
TRACE_REQUEST_ID = "mlflow.traceRequestId"
TOKEN_USAGE = "mlflow.chat.tokenUsage"

_ID_FIELDS = ("traceId", "spanId", "parentSpanId")
_STATUS_NAMES = {0: "UNSET", 1: "OK", 2: "ERROR"}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _camel_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {_camel(k): _camel_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel_keys(v) for v in value]
    return value


def _b64_to_hex(value: str) -> str:
    try:
        return base64.b64decode(value, validate=True).hex()
    except (binascii.Error, ValueError):
        raise InvalidParameterValue(f"Invalid span id {value!r}: expected base64") from None


def _hex_to_b64(value: str) -> str:
    try:
        return base64.b64encode(bytes.fromhex(value)).decode("ascii")
    except ValueError:
        raise InvalidParameterValue(f"Invalid span id {value!r}: expected hex") from None


def span_from_proto_json(span: dict[str, Any]) -> dict[str, Any]:
    """A span in protobuf's JSON mapping (base64 ids, either field spelling) as OTLP/JSON."""
    out: dict[str, Any] = _camel_keys(span)
    for key in _ID_FIELDS:
        if out.get(key):
            out[key] = _b64_to_hex(out[key])
    return out


def span_to_proto_json(span: dict[str, Any]) -> dict[str, Any]:
    """An OTLP/JSON span in protobuf's JSON mapping (base64 ids), as MLflow's client reads it."""
    out = dict(span)
    for key in _ID_FIELDS:
        if out.get(key):
            out[key] = _hex_to_b64(out[key])
    status = out.get("status")
    if isinstance(status, dict) and isinstance(status.get("code"), int):
        out["status"] = {
            **status,
            "code": f"STATUS_CODE_{_STATUS_NAMES.get(status['code'], 'UNSET')}",
        }
    return out


def _any_value(value: dict[str, Any]) -> Any:
    if "stringValue" in value:
        return value["stringValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "intValue" in value:
        return int(value["intValue"])
    if "doubleValue" in value:
        return float(value["doubleValue"])
    if "arrayValue" in value:
        return [_any_value(v) for v in value["arrayValue"].get("values", [])]
    if "kvlistValue" in value:
        return {
            kv["key"]: _any_value(kv.get("value", {}))
            for kv in value["kvlistValue"].get("values", [])
        }
    return None


def attribute_values(span: dict[str, Any]) -> dict[str, Any]:
    """The span's attributes as plain Python values (MLflow's stay JSON-encoded strings)."""
    return {
        item["key"]: _any_value(item.get("value") or {})
        for item in span.get("attributes") or []
        if isinstance(item, dict) and "key" in item
    }


def _decoded(value: Any) -> Any:
    """An MLflow attribute value: JSON text when it parses, else as is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def span_status(span: dict[str, Any]) -> str:
    """``OK``, ``ERROR`` or ``UNSET``."""
    code = (span.get("status") or {}).get("code", 0)
    if isinstance(code, str):
        return code.removeprefix("STATUS_CODE_") or "UNSET"
    return _STATUS_NAMES.get(int(code), "UNSET")


def mlflow_trace_id(span: dict[str, Any]) -> str:
    """The MLflow trace id of a span: its ``mlflow.traceRequestId`` or ``tr-<otel trace id>``."""
    found = _decoded(attribute_values(span).get(TRACE_REQUEST_ID))
    if isinstance(found, str) and found:
        return found
    trace_id = span.get("traceId")
    if not trace_id:
        raise InvalidParameterValue("A span has no traceId")
    return f"tr-{trace_id}"


class SpanColumns:
    """The values of one span that search uses, read once from its attributes."""

    def __init__(self, span: dict[str, Any]) -> None:
        attributes = attribute_values(span)
        self.span_id: str = span.get("spanId") or ""
        if not self.span_id:
            raise InvalidParameterValue("A span has no spanId")
        self.parent_span_id: str | None = span.get("parentSpanId") or None
        self.name: str = str(span.get("name") or "")[:1000]
        span_type = _decoded(attributes.get(SPAN_TYPE))
        self.span_type: str | None = str(span_type)[:100] if span_type else None
        self.status = span_status(span)
        self.start_time_ns = int(span.get("startTimeUnixNano") or 0)
        end = span.get("endTimeUnixNano")
        self.end_time_ns: int | None = int(end) if end else None
        self.duration_ns = (
            self.end_time_ns - self.start_time_ns if self.end_time_ns is not None else None
        )
        self.inputs = attributes.get(SPAN_INPUTS)
        self.outputs = attributes.get(SPAN_OUTPUTS)
        usage = _decoded(attributes.get(TOKEN_USAGE))
        if not isinstance(usage, dict):
            usage = {
                "input_tokens": attributes.get("gen_ai.usage.input_tokens"),
                "output_tokens": attributes.get("gen_ai.usage.output_tokens"),
            }
        self.input_tokens = _int_or_none(usage.get("input_tokens"))
        self.output_tokens = _int_or_none(usage.get("output_tokens"))
        total = _int_or_none(usage.get("total_tokens"))
        if total is None and (self.input_tokens is not None or self.output_tokens is not None):
            total = (self.input_tokens or 0) + (self.output_tokens or 0)
        self.total_tokens = total


def span_columns(span: dict[str, Any]) -> SpanColumns:
    return SpanColumns(span)


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
