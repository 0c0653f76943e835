"""Which span is current, which traces are open, and what happens when a trace ends.

The current span lives in a :class:`contextvars.ContextVar`, so threads and asyncio tasks each
see their own. A trace is kept in memory until its root span ends; it is then handed to the
exporter and traced code carries on at once.
"""

from __future__ import annotations

import contextvars
import json
import os
import random
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any

from mlharbor.tracing.span import NO_OP_SPAN, LiveSpan, NoOpSpan, dumps

__all__ = [
    "configure",
    "current_span",
    "end_span",
    "last_trace_id",
    "start_live_span",
    "update_trace",
]

PREVIEW_CHARS = 1000
TOKEN_USAGE_METADATA = "mlflow.trace.tokenUsage"

_current: contextvars.ContextVar[LiveSpan | NoOpSpan | None] = contextvars.ContextVar(
    "mlharbor_current_span", default=None
)
_lock = threading.Lock()


@dataclass
class _OpenTrace:
    experiment_id: str
    root: LiveSpan
    spans: list[LiveSpan] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    metadata: dict[str, str] = field(default_factory=dict)
    previews: dict[str, str] = field(default_factory=dict)
    client_request_id: str | None = None
    tracking_uri: str | None = None


_open: dict[str, _OpenTrace] = {}
_settings: dict[str, Any] = {"sampling_ratio": None}
_last_trace_id: list[str | None] = [None]


def configure(sampling_ratio: float | None = None) -> None:
    """Trace only this fraction of root calls (1.0: all; overrides
    ``MLFLOW_TRACE_SAMPLING_RATIO``)."""
    if sampling_ratio is not None and not 0.0 <= sampling_ratio <= 1.0:
        raise ValueError("sampling_ratio must be between 0 and 1")
    _settings["sampling_ratio"] = sampling_ratio


def _sampled() -> bool:
    ratio = _settings["sampling_ratio"]
    if ratio is None:
        ratio = float(os.environ.get("MLFLOW_TRACE_SAMPLING_RATIO", "1.0"))
    return bool(ratio >= 1.0 or random.random() < ratio)


def _tracing_disabled() -> bool:
    return os.environ.get("MLFLOW_TRACING_ENABLED", "true").lower() in ("false", "0")


def _experiment_id_for_new_trace() -> str:
    """The active experiment; "0" when it cannot be resolved, so traced code never fails."""
    from mlharbor.client.active_run import _experiment_id

    try:
        return _experiment_id()
    except Exception:  # e.g. the server is down while resolving a name
        return "0"


def current_span() -> LiveSpan | None:
    span = _current.get()
    return span if isinstance(span, LiveSpan) else None


def start_live_span(
    name: str,
    span_type: str | None = None,
    experiment_id: str | None = None,
    tracking_uri: str | None = None,
) -> tuple[LiveSpan | NoOpSpan, contextvars.Token[LiveSpan | NoOpSpan | None]]:
    """Open a span under the current one (or a new trace) and make it current.

    A new trace goes to ``experiment_id`` at ``tracking_uri`` (default: the active experiment
    at the tracking URI in effect)."""
    parent = _current.get()
    if isinstance(parent, NoOpSpan) or (parent is None and (_tracing_disabled() or not _sampled())):
        return NO_OP_SPAN, _current.set(NO_OP_SPAN)
    if parent is None:
        otel_trace_id = secrets.token_hex(16)
        span = LiveSpan(name, f"tr-{otel_trace_id}", otel_trace_id, None, span_type)
        experiment_id = experiment_id or _experiment_id_for_new_trace()
        with _lock:
            _open[span.trace_id] = _OpenTrace(experiment_id, span, tracking_uri=tracking_uri)
    else:
        span = LiveSpan(name, parent.trace_id, parent.otel_trace_id, parent.span_id, span_type)
    return span, _current.set(span)


def end_span(span: LiveSpan) -> None:
    """Record an ended span; the root's end completes its trace and queues it for export."""
    with _lock:
        trace = _open.get(span.trace_id)
        if trace is None:
            return
        trace.spans.append(span)
        if span is not trace.root:
            return
        del _open[span.trace_id]
    _last_trace_id[0] = span.trace_id
    from mlharbor.tracing.export import submit

    spans = [s.to_otlp_json() for s in trace.spans]
    submit(trace.experiment_id, _trace_info(trace), spans, trace.tracking_uri)


def last_trace_id() -> str | None:
    return _last_trace_id[0]


def update_trace(
    tags: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    client_request_id: str | None = None,
    request_preview: str | None = None,
    response_preview: str | None = None,
) -> None:
    """Add tags and metadata to the trace of the current span."""
    span = current_span()
    if span is None:
        return
    with _lock:
        trace = _open.get(span.trace_id)
        if trace is None:
            return
        trace.tags.update({k: str(v) for k, v in (tags or {}).items()})
        trace.metadata.update({k: str(v) for k, v in (metadata or {}).items()})
        if client_request_id is not None:
            trace.client_request_id = client_request_id
        if request_preview is not None:
            trace.previews["request_preview"] = request_preview
        if response_preview is not None:
            trace.previews["response_preview"] = response_preview


def _preview(value: Any) -> str:
    return (value if isinstance(value, str) else dumps(value))[:PREVIEW_CHARS]


def _token_usage(spans: list[LiveSpan]) -> dict[str, int] | None:
    total: dict[str, int] = {}
    for span in spans:
        usage = span.get_attribute("mlflow.chat.tokenUsage")
        if isinstance(usage, dict):
            for key in ("input_tokens", "output_tokens", "total_tokens"):
                if isinstance(usage.get(key), int):
                    total[key] = total.get(key, 0) + usage[key]
    return total or None


def _trace_info(trace: _OpenTrace) -> dict[str, Any]:
    """The trace's ``TraceInfoV3`` message."""
    from mlharbor.client.active_run import active_run
    from mlharbor.wire.traces import duration_json, timestamp_json

    root = trace.root
    end = root.end_time_ns or root.start_time_ns
    metadata = {"mlflow.trace_schema.version": "3", **trace.metadata}
    run = active_run()
    if run is not None:
        metadata.setdefault("mlflow.sourceRun", run.info.run_id)
    usage = _token_usage(trace.spans)
    if usage is not None:
        metadata[TOKEN_USAGE_METADATA] = json.dumps(usage)
    info: dict[str, Any] = {
        "trace_id": root.trace_id,
        "trace_location": {
            "type": "MLFLOW_EXPERIMENT",
            "mlflow_experiment": {"experiment_id": trace.experiment_id},
        },
        "request_time": timestamp_json(root.start_time_ns // 1_000_000),
        "execution_duration": duration_json((end - root.start_time_ns) // 1_000_000),
        "state": "ERROR" if root.status == "ERROR" else "OK",
        "request_preview": trace.previews.get("request_preview", _preview(root.inputs)),
        "response_preview": trace.previews.get("response_preview", _preview(root.outputs)),
        "trace_metadata": metadata,
        "tags": {"mlflow.traceName": root.name, **trace.tags},
    }
    if trace.client_request_id:
        info["client_request_id"] = trace.client_request_id
    return info
