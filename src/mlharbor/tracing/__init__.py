"""Tracing for LLM and agent code, compatible with MLflow 3's traces.

``@mlharbor.trace`` and ``mlharbor.start_span`` record spans; a finished trace is exported in
the background to the tracking URI in effect (a server, or a local database).
"""

from mlharbor.tracing.fluent import (
    flush_trace_async_logging,
    get_assessment,
    get_current_active_span,
    get_last_active_trace_id,
    get_trace,
    log_expectation,
    log_feedback,
    search_traces,
    start_span,
    trace,
    update_current_trace,
)
from mlharbor.tracing.provider import configure
from mlharbor.tracing.span import LiveSpan, SpanEvent

__all__ = [
    "LiveSpan",
    "SpanEvent",
    "configure",
    "flush_trace_async_logging",
    "get_assessment",
    "get_current_active_span",
    "get_last_active_trace_id",
    "get_trace",
    "log_expectation",
    "log_feedback",
    "search_traces",
    "start_span",
    "trace",
    "update_current_trace",
]
