"""Background export of finished traces through a bounded queue.

Traced code only ever enqueues (``put_nowait``): it never waits on the network. One worker
thread sends each trace, retrying with backoff while the server is slow or down, so traces wait
in the queue rather than being lost; only when the queue is full is a new trace dropped. Each
kind of trouble is reported by one warning, not one per trace. ``MLFLOW_ENABLE_ASYNC_TRACE_LOGGING
=false`` exports inline instead; :func:`flush` waits for the queue to drain.
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time
from typing import Any

from mlharbor.tracing.backend import RestTraceBackend, SqlTraceBackend, trace_backend
from mlharbor.utils.http import RetrySettings

__all__ = ["flush", "submit"]

_logger = logging.getLogger(__name__)

QUEUE_SIZE = int(os.environ.get("MLHARBOR_TRACE_QUEUE_SIZE", "1000"))
# Per-trace patience: retries back off from 0.5 s up to 30 s between attempts.
MAX_ATTEMPTS = int(os.environ.get("MLHARBOR_TRACE_EXPORT_ATTEMPTS", "8"))
_SINGLE_TRY = RetrySettings(max_retries=0, timeout=10.0)

_Item = tuple[RestTraceBackend | SqlTraceBackend, str, dict[str, Any], list[dict[str, Any]]]
_queue: queue.Queue[_Item] = queue.Queue(maxsize=QUEUE_SIZE)
_worker: list[threading.Thread] = []
_start_lock = threading.Lock()
_warned: set[str] = set()


def _warn_once(kind: str, message: str) -> None:
    if kind not in _warned:
        _warned.add(kind)
        _logger.warning(message)


def _send(item: _Item, attempts: int) -> None:
    backend, experiment_id, info, spans = item
    delay = 0.5
    for attempt in range(1, attempts + 1):
        try:
            backend.export(experiment_id, info, spans, retry=_SINGLE_TRY)
            return
        except Exception as error:  # traced code must never see export errors
            _warn_once(
                "unreachable",
                f"Could not export trace {info['trace_id']} ({error}); traced code keeps "
                "running and traces are retried in the background.",
            )
            if attempt < attempts:
                time.sleep(delay)
                delay = min(delay * 2, 30.0)
    _warn_once("lost", f"Gave up exporting trace {info['trace_id']} after {attempts} attempts.")


def _run() -> None:
    while True:
        item = _queue.get()
        try:
            _send(item, MAX_ATTEMPTS)
        finally:
            _queue.task_done()


def _ensure_worker() -> None:
    with _start_lock:
        if _worker and _worker[0].is_alive():
            return
        thread = threading.Thread(target=_run, name="mlharbor-trace-export", daemon=True)
        thread.start()
        _worker[:] = [thread]


def submit(
    experiment_id: str,
    info: dict[str, Any],
    spans: list[dict[str, Any]],
    tracking_uri: str | None = None,
) -> None:
    """Hand a finished trace to the exporter; never blocks and never raises."""
    try:
        item: _Item = (trace_backend(tracking_uri), experiment_id, info, spans)
    except Exception as error:
        _warn_once("backend", f"Tracing is not exported: {error}")
        return
    if os.environ.get("MLFLOW_ENABLE_ASYNC_TRACE_LOGGING", "true").lower() in ("false", "0"):
        _send(item, 1)
        return
    _ensure_worker()
    try:
        _queue.put_nowait(item)
    except queue.Full:
        _warn_once(
            "full",
            f"The trace export queue is full ({QUEUE_SIZE} traces); new traces are dropped "
            "until the tracking server catches up.",
        )


def flush(timeout: float = 30.0) -> bool:
    """Wait until every queued trace is exported (or given up); False on timeout."""
    deadline = time.monotonic() + timeout
    while _queue.unfinished_tasks:
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


atexit.register(flush, 10.0)
