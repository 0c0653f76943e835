"""Metrics that training reports round by round, sent to the run in batches."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

from mlharbor.autologging import warn_failure

__all__ = ["MetricRecorder"]


class MetricRecorder:
    """Per-round metrics, sent in batches while training runs (so long trainings show them
    live) and re-sent linked to the logged model once there is one."""

    _FLUSH_SECONDS = 5.0
    _FLUSH_POINTS = 1000

    def __init__(self, client: Any, run_id: str, *, silent: bool) -> None:
        self.client = client
        self.run_id = run_id
        self.silent = silent
        self.rounds: list[dict[str, float]] = []
        self.points: list[Any] = []
        self._sent = 0
        self._last_flush = time.monotonic()

    def record(self, values: dict[str, float], step: int) -> None:
        """Record one round's evaluation results."""
        from mlharbor.entities import Metric

        now = int(time.time() * 1000)
        self.log([Metric(k, float(v), now, step) for k, v in values.items()])
        self.rounds.append(values)

    def log(self, metrics: list[Any]) -> None:
        self.points += metrics
        pending = len(self.points) - self._sent
        if (
            pending >= self._FLUSH_POINTS
            or time.monotonic() - self._last_flush > self._FLUSH_SECONDS
        ):
            self.flush()

    def flush(self) -> None:
        pending = self.points[self._sent :]
        self._sent = len(self.points)
        self._last_flush = time.monotonic()
        if pending:
            self._send(pending)

    def link(self, model_id: str | None) -> None:
        """Send what is pending; with a model, every point again carrying its id (the run's
        history keeps one copy, the model's metrics gain them)."""
        self.flush()
        if model_id is not None and self.points:
            self._send([replace(m, model_id=model_id) for m in self.points])

    def _send(self, metrics: list[Any]) -> None:
        try:
            for start in range(0, len(metrics), self._FLUSH_POINTS):
                self.client.log_batch(
                    self.run_id, metrics=metrics[start : start + self._FLUSH_POINTS]
                )
        except Exception as exc:
            warn_failure("Autologging of metrics failed", exc, silent=self.silent)
