"""Live spans: what traced code writes to while it runs, encoded as OTLP/JSON when it ends.

Attribute values follow MLflow's convention: every value is stored JSON-encoded, so inputs,
outputs and span types read back unchanged by MLflow's client and by ours.
"""

from __future__ import annotations

import json
import secrets
import time
import traceback
from typing import Any

from mlharbor.wire.spans import SPAN_INPUTS, SPAN_OUTPUTS, SPAN_TYPE, TRACE_REQUEST_ID

__all__ = ["NO_OP_SPAN", "LiveSpan", "NoOpSpan", "SpanEvent", "dumps"]

_STATUS_CODES = {"UNSET": 0, "OK": 1, "ERROR": 2}


def dumps(value: Any) -> str:
    """JSON text of ``value``; objects JSON cannot encode are written as their ``str``."""
    try:
        return json.dumps(value, default=_fallback, ensure_ascii=False)
    except (TypeError, ValueError):
        return json.dumps(str(value))


def _fallback(value: Any) -> Any:
    for method in ("model_dump", "to_dict", "dict"):
        convert = getattr(value, method, None)
        if callable(convert):
            try:
                return convert()
            except Exception:  # any failure falls back to str()
                break
    return str(value)


class SpanEvent:
    """A point in time inside a span, such as a raised exception."""

    def __init__(
        self, name: str, timestamp: int | None = None, attributes: dict[str, Any] | None = None
    ) -> None:
        self.name = name
        self.timestamp = timestamp if timestamp is not None else time.time_ns()
        self.attributes = dict(attributes or {})


class LiveSpan:
    """A span being recorded; see :func:`mlharbor.start_span` and :func:`mlharbor.trace`."""

    def __init__(
        self,
        name: str,
        trace_id: str,
        otel_trace_id: str,
        parent_id: str | None,
        span_type: str | None = None,
    ) -> None:
        self.name = name
        self.trace_id = trace_id
        self.otel_trace_id = otel_trace_id
        self.span_id = secrets.token_hex(8)
        self.parent_id = parent_id
        self.start_time_ns = time.time_ns()
        self.end_time_ns: int | None = None
        self.status = "OK"
        self.status_message = ""
        self.events: list[SpanEvent] = []
        self._attributes: dict[str, str] = {TRACE_REQUEST_ID: dumps(trace_id)}
        self._inputs: Any = None
        self._outputs: Any = None
        self.span_type = span_type or "UNKNOWN"
        self._attributes[SPAN_TYPE] = dumps(self.span_type)

    @property
    def request_id(self) -> str:
        return self.trace_id

    @property
    def inputs(self) -> Any:
        return self._inputs

    @property
    def outputs(self) -> Any:
        return self._outputs

    @property
    def attributes(self) -> dict[str, Any]:
        return {key: json.loads(value) for key, value in self._attributes.items()}

    def set_inputs(self, inputs: Any) -> None:
        self._inputs = inputs
        self._attributes[SPAN_INPUTS] = dumps(inputs)

    def set_outputs(self, outputs: Any) -> None:
        self._outputs = outputs
        self._attributes[SPAN_OUTPUTS] = dumps(outputs)

    def set_attribute(self, key: str, value: Any) -> None:
        self._attributes[key] = dumps(value)

    def set_attributes(self, attributes: dict[str, Any]) -> None:
        for key, value in attributes.items():
            self.set_attribute(key, value)

    def get_attribute(self, key: str) -> Any:
        value = self._attributes.get(key)
        return None if value is None else json.loads(value)

    def set_span_type(self, span_type: str) -> None:
        self.span_type = span_type
        self._attributes[SPAN_TYPE] = dumps(span_type)

    def set_status(self, status: str, description: str = "") -> None:
        """``"OK"``, ``"ERROR"`` or ``"UNSET"`` (an object with ``status_code`` also works)."""
        code = getattr(status, "status_code", status)
        code = str(getattr(code, "value", code)).upper()
        if code not in _STATUS_CODES:
            raise ValueError(f"Invalid span status {status!r}: use OK, ERROR or UNSET")
        self.status = code
        self.status_message = description or getattr(status, "description", "") or ""

    def add_event(self, event: SpanEvent | str, attributes: dict[str, Any] | None = None) -> None:
        self.events.append(
            event if isinstance(event, SpanEvent) else SpanEvent(event, None, attributes)
        )

    def record_exception(self, exception: BaseException) -> None:
        """Mark the span ERROR and add OpenTelemetry's ``exception`` event."""
        stack = "".join(traceback.format_exception(exception))
        self.add_event(
            "exception",
            {
                "exception.type": type(exception).__name__,
                "exception.message": str(exception),
                "exception.stacktrace": stack,
            },
        )
        self.set_status("ERROR", f"{type(exception).__name__}: {exception}")

    def end(self, end_time_ns: int | None = None) -> None:
        """Finish the span (spans opened by :func:`start_span` end on leaving the block)."""
        from mlharbor.tracing.provider import end_span

        if self.end_time_ns is None:
            self.end_time_ns = end_time_ns or time.time_ns()
            end_span(self)

    def to_otlp_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "traceId": self.otel_trace_id,
            "spanId": self.span_id,
            "name": self.name,
            "kind": 1,
            "startTimeUnixNano": str(self.start_time_ns),
            "endTimeUnixNano": str(self.end_time_ns or time.time_ns()),
            "attributes": [
                {"key": key, "value": {"stringValue": value}}
                for key, value in self._attributes.items()
            ],
            "status": {"code": _STATUS_CODES[self.status], "message": self.status_message},
        }
        if self.parent_id:
            out["parentSpanId"] = self.parent_id
        if self.events:
            out["events"] = [
                {
                    "name": event.name,
                    "timeUnixNano": str(event.timestamp),
                    "attributes": [
                        {"key": k, "value": {"stringValue": v if isinstance(v, str) else dumps(v)}}
                        for k, v in event.attributes.items()
                    ],
                }
                for event in self.events
            ]
        return out

    def __repr__(self) -> str:
        return f"LiveSpan(name={self.name!r}, trace_id={self.trace_id!r}, span_id={self.span_id!r})"


class NoOpSpan:
    """Stands in for a span when tracing is off or the trace was not sampled."""

    name = ""
    trace_id = request_id = span_id = ""
    parent_id = None
    inputs = outputs = None
    attributes: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: None


NO_OP_SPAN = NoOpSpan()
