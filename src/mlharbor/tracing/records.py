"""Traces read back from the store: trace info, spans and assessments as Python objects."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mlharbor.entities import TraceInfo
from mlharbor.tracing.span import SpanEvent
from mlharbor.wire.spans import (
    SPAN_INPUTS,
    SPAN_OUTPUTS,
    SPAN_TYPE,
    attribute_values,
    span_from_proto_json,
    span_status,
)
from mlharbor.wire.traces import trace_info_from_json

__all__ = ["Assessment", "AssessmentSource", "Span", "Trace", "TraceData", "trace_from_json"]


def _loads(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass(frozen=True)
class Span:
    """One recorded span."""

    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    start_time_ns: int
    end_time_ns: int | None
    status: str
    attributes: dict[str, Any]
    events: list[SpanEvent] = field(default_factory=list)

    @property
    def span_type(self) -> str | None:
        value = self.attributes.get(SPAN_TYPE)
        return value if isinstance(value, str) else None

    @property
    def inputs(self) -> Any:
        return self.attributes.get(SPAN_INPUTS)

    @property
    def outputs(self) -> Any:
        return self.attributes.get(SPAN_OUTPUTS)

    def get_attribute(self, key: str) -> Any:
        return self.attributes.get(key)

    @classmethod
    def from_otlp(cls, span: dict[str, Any]) -> Span:
        attributes = {k: _loads(v) for k, v in attribute_values(span).items()}
        trace_id = attributes.get("mlflow.traceRequestId") or f"tr-{span.get('traceId', '')}"
        end = span.get("endTimeUnixNano")
        return cls(
            trace_id=str(trace_id),
            span_id=span.get("spanId", ""),
            parent_id=span.get("parentSpanId") or None,
            name=span.get("name", ""),
            start_time_ns=int(span.get("startTimeUnixNano") or 0),
            end_time_ns=int(end) if end else None,
            status=span_status(span),
            attributes=attributes,
            events=[
                SpanEvent(
                    event.get("name", ""),
                    int(event.get("timeUnixNano") or 0),
                    attribute_values(event),
                )
                for event in span.get("events") or []
            ],
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "trace_id": self.trace_id,
            "span_id": self.span_id,
            "parent_span_id": self.parent_id,
            "name": self.name,
            "start_time_unix_nano": self.start_time_ns,
            "end_time_unix_nano": self.end_time_ns,
            "status": self.status,
            "attributes": self.attributes,
            "events": [
                {"name": e.name, "timestamp": e.timestamp, "attributes": e.attributes}
                for e in self.events
            ],
        }


@dataclass(frozen=True)
class AssessmentSource:
    source_type: str | None
    source_id: str | None


@dataclass(frozen=True)
class Assessment:
    """A feedback or an expectation attached to a trace (MLflow's wire form in ``raw``)."""

    raw: dict[str, Any]

    @property
    def assessment_id(self) -> str:
        return str(self.raw.get("assessment_id", ""))

    @property
    def name(self) -> str:
        return str(self.raw.get("assessment_name", ""))

    @property
    def trace_id(self) -> str:
        return str(self.raw.get("trace_id", ""))

    @property
    def value(self) -> Any:
        body = self.raw.get("feedback") or self.raw.get("expectation") or {}
        return body.get("value")

    @property
    def rationale(self) -> str | None:
        return self.raw.get("rationale")

    @property
    def source(self) -> AssessmentSource:
        source = self.raw.get("source") or {}
        return AssessmentSource(source.get("source_type"), source.get("source_id"))

    @property
    def kind(self) -> str:
        return "feedback" if "feedback" in self.raw else "expectation"

    def to_dictionary(self) -> dict[str, Any]:
        return dict(self.raw)


@dataclass(frozen=True)
class TraceData:
    spans: list[Span]

    @property
    def request(self) -> Any:
        root = next((s for s in self.spans if s.parent_id is None), None)
        return root.inputs if root else None

    @property
    def response(self) -> Any:
        root = next((s for s in self.spans if s.parent_id is None), None)
        return root.outputs if root else None


@dataclass(frozen=True)
class Trace:
    info: TraceInfo
    data: TraceData

    @property
    def assessments(self) -> list[Assessment]:
        return list(self.info.assessments)

    @property
    def token_usage(self) -> dict[str, int] | None:
        return self.info.token_usage

    def search_spans(self, name: str | None = None, span_type: str | None = None) -> list[Span]:
        return [
            s
            for s in self.data.spans
            if (name is None or s.name == name) and (span_type is None or s.span_type == span_type)
        ]


def trace_from_json(body: dict[str, Any]) -> Trace:
    """A ``Trace`` message (``trace_info`` and base64-id spans) as a :class:`Trace`."""
    info_json = body.get("trace_info") or body.get("traceInfo") or {}
    info = trace_info_from_json(info_json)
    assessments = info_json.get("assessments") or []
    if assessments:
        info = TraceInfo(**{**info.__dict__, "assessments": [Assessment(a) for a in assessments]})
    spans = [Span.from_otlp(span_from_proto_json(s)) for s in body.get("spans") or []]
    spans.sort(key=lambda s: (s.parent_id is not None, s.start_time_ns))
    return Trace(info, TraceData(spans))
