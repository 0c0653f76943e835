"""Traces of LLM and agent code (MLflow 3's trace model): trace info, spans, assessments."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

__all__ = ["TRACE_STATES", "Trace", "TraceInfo"]

TRACE_STATES = ("OK", "ERROR", "IN_PROGRESS", "STATE_UNSPECIFIED")


@dataclass(frozen=True)
class TraceInfo:
    """What is known about one trace besides its spans.

    Times are milliseconds; ``assessments`` are the wire form of MLflow's ``Assessment`` in the
    store, and the client's assessment objects in traces read back by the client.
    """

    trace_id: str
    experiment_id: str
    request_time: int
    state: str
    execution_duration: int | None = None
    client_request_id: str | None = None
    request_preview: str | None = None
    response_preview: str | None = None
    tags: dict[str, str] = field(default_factory=dict)
    trace_metadata: dict[str, str] = field(default_factory=dict)
    assessments: list[Any] = field(default_factory=list)

    @property
    def token_usage(self) -> dict[str, int] | None:
        """Token counts summed over the trace's LLM calls, when its spans reported them."""
        raw = self.trace_metadata.get("mlflow.trace.tokenUsage")
        if not raw:
            return None
        usage: dict[str, int] = json.loads(raw)
        return usage

    @property
    def status(self) -> str:
        return self.state


@dataclass(frozen=True)
class Trace:
    """A trace: its info and its spans, each span in OTLP-JSON form with hex ids."""

    info: TraceInfo
    spans: list[dict[str, Any]] = field(default_factory=list)
