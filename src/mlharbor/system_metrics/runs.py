"""Which runs of this process have a system-metrics monitor, started and stopped with the run."""

from __future__ import annotations

import threading

from mlharbor.environment_variables import MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING

_monitors: dict[str, object] = {}
_lock = threading.Lock()


def start_for_run(
    run_id: str, log_system_metrics: bool | None, tracking_uri: str, resumed: bool
) -> None:
    """Start a monitor for ``run_id`` when asked, or when the environment variable says so."""
    wanted = (
        MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING.get()
        if log_system_metrics is None
        else log_system_metrics
    )
    if not wanted:
        return
    from mlharbor.system_metrics.monitor import SystemMetricsMonitor

    monitor = SystemMetricsMonitor(run_id, tracking_uri=tracking_uri, resume_logging=resumed)
    with _lock:
        _monitors[run_id] = monitor
    monitor.start()


def stop_for_run(run_id: str) -> None:
    """Stop the monitor of ``run_id``, if it has one, after logging its last samples."""
    with _lock:
        monitor = _monitors.pop(run_id, None)
    if monitor is not None:
        monitor.finish()  # type: ignore[attr-defined]
