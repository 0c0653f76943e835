"""Prometheus metrics of one scoring-server process, in the text exposition format 0.0.4.

Counters live in this process; with several uvicorn workers each worker answers ``/metrics``
for itself (scrape them through the pod, as Prometheus does per target).
"""

from __future__ import annotations

import math
import re
import threading
from bisect import bisect_left
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mlharbor.monitoring import DriftSnapshot

__all__ = ["LATENCY_BUCKETS", "ServingMetrics", "render_drift"]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


_USERINFO = re.compile(r"//[^/@\s]+@")


def _redacted(uri: str) -> str:
    """``uri`` without credentials (``scheme://user:secret@host`` -> ``scheme://***@host``)."""
    return _USERINFO.sub("//***@", uri)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return repr(float(value)) if value != int(value) else f"{int(value)}"


def _sample(value: float) -> str:
    """A sample value, with the exposition format's spellings of infinities and NaN."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return _number(value)


class _Histogram:
    __slots__ = ("buckets", "count", "total")

    def __init__(self) -> None:
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self.count = 0
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        self.count += 1
        self.total += seconds


class ServingMetrics:
    """Request counts by route and status, latencies by route, errors, and the model served."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, int], int] = {}
        self._latency: dict[str, _Histogram] = {}
        self._errors: dict[str, int] = {}
        self._model_uri = ""
        self._model_version = ""
        self._swaps = 0
        self._loaded_at = 0.0

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Record one finished request."""
        with self._lock:
            key = (route, status)
            self._requests[key] = self._requests.get(key, 0) + 1
            histogram = self._latency.get(route)
            if histogram is None:
                histogram = self._latency[route] = _Histogram()
            histogram.observe(seconds)
            if status >= 400:
                self._errors[route] = self._errors.get(route, 0) + 1

    def set_model(
        self, model_uri: str, version: str | None, loaded_at: float, *, swap: bool
    ) -> None:
        """Record the model now served (``swap``: it replaced another one)."""
        with self._lock:
            self._model_uri = _redacted(model_uri)
            self._model_version = version or ""
            self._loaded_at = loaded_at
            if swap:
                self._swaps += 1

    def render(self) -> str:
        """The exposition text."""
        with self._lock:
            requests = sorted(self._requests.items())
            latency = sorted(
                (route, list(h.buckets), h.count, h.total) for route, h in self._latency.items()
            )
            errors = sorted(self._errors.items())
            uri, version, swaps, loaded_at = (
                self._model_uri,
                self._model_version,
                self._swaps,
                self._loaded_at,
            )
        lines = [
            "# HELP mlharbor_serving_requests_total Requests answered, by route and status.",
            "# TYPE mlharbor_serving_requests_total counter",
        ]
        for (route, status), count in requests:
            lines.append(
                f'mlharbor_serving_requests_total{{route="{_label(route)}",status="{status}"}} '
                f"{count}"
            )
        lines += [
            "# HELP mlharbor_serving_request_duration_seconds Time to answer a request.",
            "# TYPE mlharbor_serving_request_duration_seconds histogram",
        ]
        for route, buckets, count, total in latency:
            name = "mlharbor_serving_request_duration_seconds"
            cumulative = 0
            for bound, hits in zip((*LATENCY_BUCKETS, None), buckets, strict=True):
                cumulative += hits
                le = "+Inf" if bound is None else _number(bound)
                lines.append(f'{name}_bucket{{route="{_label(route)}",le="{le}"}} {cumulative}')
            lines.append(f'{name}_sum{{route="{_label(route)}"}} {total!r}')
            lines.append(f'{name}_count{{route="{_label(route)}"}} {count}')
        lines += [
            "# HELP mlharbor_serving_errors_total Requests answered with a 4xx or 5xx status.",
            "# TYPE mlharbor_serving_errors_total counter",
        ]
        for route, count in errors:
            lines.append(f'mlharbor_serving_errors_total{{route="{_label(route)}"}} {count}')
        lines += [
            "# HELP mlharbor_serving_model_info The model served (value is always 1).",
            "# TYPE mlharbor_serving_model_info gauge",
            f'mlharbor_serving_model_info{{model_uri="{_label(uri)}",'
            f'version="{_label(version)}"}} 1',
            "# HELP mlharbor_serving_model_loaded_timestamp_seconds When the served model loaded.",
            "# TYPE mlharbor_serving_model_loaded_timestamp_seconds gauge",
            f"mlharbor_serving_model_loaded_timestamp_seconds {loaded_at!r}",
            "# HELP mlharbor_serving_model_swaps_total New model versions swapped in.",
            "# TYPE mlharbor_serving_model_swaps_total counter",
            f"mlharbor_serving_model_swaps_total {swaps}",
        ]
        return "\n".join(lines) + "\n"


def render_drift(snapshot: DriftSnapshot) -> str:
    """Exposition text for drift monitoring: row and check counters, then the latest verdict.

    The drift gauges appear once the first window has been checked; before that there is no
    value to report, and a made-up 0 would read as "no drift".
    """
    lines = [
        "# HELP mlharbor_monitoring_rows_total Scored input rows recorded for drift monitoring.",
        "# TYPE mlharbor_monitoring_rows_total counter",
        f"mlharbor_monitoring_rows_total {snapshot.rows_total}",
        "# HELP mlharbor_monitoring_checks_total Drift checks of a full window finished.",
        "# TYPE mlharbor_monitoring_checks_total counter",
        f"mlharbor_monitoring_checks_total {snapshot.checks_total}",
        "# HELP mlharbor_monitoring_check_failures_total Drift checks that failed (see the log).",
        "# TYPE mlharbor_monitoring_check_failures_total counter",
        f"mlharbor_monitoring_check_failures_total {snapshot.failures_total}",
    ]
    report = snapshot.report
    if report is not None:
        lines += [
            "# HELP mlharbor_data_drift_share Share of columns drifted in the last window.",
            "# TYPE mlharbor_data_drift_share gauge",
            f"mlharbor_data_drift_share {_sample(report.share_of_drifted_columns)}",
            "# HELP mlharbor_data_drift_detected 1 when the last window drifted as a dataset.",
            "# TYPE mlharbor_data_drift_detected gauge",
            f"mlharbor_data_drift_detected {int(report.dataset_drift)}",
            "# HELP mlharbor_data_drift_column_score Score of the column's test in the last window"
            " (p-value for ks and chisquare, distance otherwise).",
            "# TYPE mlharbor_data_drift_column_score gauge",
        ]
        for drift in report.columns.values():
            lines.append(
                f'mlharbor_data_drift_column_score{{column="{_label(drift.column)}",'
                f'stattest="{drift.stattest}"}} {_sample(drift.statistic)}'
            )
        lines += [
            "# HELP mlharbor_data_drift_column_detected 1 when the column drifted.",
            "# TYPE mlharbor_data_drift_column_detected gauge",
        ]
        for drift in report.columns.values():
            lines.append(
                f'mlharbor_data_drift_column_detected{{column="{_label(drift.column)}"}} '
                f"{int(drift.drift_detected)}"
            )
        lines += [
            "# HELP mlharbor_data_drift_checked_timestamp_seconds When the last check finished.",
            "# TYPE mlharbor_data_drift_checked_timestamp_seconds gauge",
            f"mlharbor_data_drift_checked_timestamp_seconds {snapshot.checked_at!r}",
        ]
    return "\n".join(lines) + "\n"
