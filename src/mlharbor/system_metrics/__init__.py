"""System metrics: CPU, memory, disk, network and GPU figures logged beside a run's metrics.

The switches below only set MLflow's environment variables, so a setting made here also reaches
child processes and MLflow code in the same process. Sampling lives in :mod:`.monitor`, which
loads ``psutil`` only when a run asks for system metrics.
"""

from __future__ import annotations

from mlharbor.environment_variables import (
    MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING,
    MLFLOW_SYSTEM_METRICS_NODE_ID,
    MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING,
    MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL,
)

__all__ = [
    "disable_system_metrics_logging",
    "enable_system_metrics_logging",
    "set_system_metrics_node_id",
    "set_system_metrics_samples_before_logging",
    "set_system_metrics_sampling_interval",
]


def enable_system_metrics_logging() -> None:
    """Log system metrics for every run started from now on (unless it opts out)."""
    MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING.set(True)


def disable_system_metrics_logging() -> None:
    """Stop logging system metrics for runs started from now on."""
    MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING.set(False)


def set_system_metrics_sampling_interval(interval: float | None) -> None:
    """Seconds between two samples; None restores the default (10 seconds)."""
    if interval is None:
        MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL.unset()
    else:
        MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL.set(interval)


def set_system_metrics_samples_before_logging(samples: int | None) -> None:
    """Samples averaged into one logged step; None restores the default (1)."""
    if samples is None:
        MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING.unset()
    else:
        MLFLOW_SYSTEM_METRICS_SAMPLES_BEFORE_LOGGING.set(samples)


def set_system_metrics_node_id(node_id: str | None) -> None:
    """Name this node so its metrics log as ``system/<node_id>/...``; None removes it."""
    if node_id is None:
        MLFLOW_SYSTEM_METRICS_NODE_ID.unset()
    else:
        MLFLOW_SYSTEM_METRICS_NODE_ID.set(node_id)
