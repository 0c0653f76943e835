"""Process-wide settings in one place, as ``mlflow.config`` offers them."""

from __future__ import annotations

from mlharbor.client.tracking_uri import (
    get_registry_uri,
    get_tracking_uri,
    is_tracking_uri_set,
    set_registry_uri,
    set_tracking_uri,
)
from mlharbor.environment_variables import MLFLOW_ENABLE_ASYNC_LOGGING
from mlharbor.system_metrics import (
    disable_system_metrics_logging,
    enable_system_metrics_logging,
    set_system_metrics_node_id,
    set_system_metrics_samples_before_logging,
    set_system_metrics_sampling_interval,
)

__all__ = [
    "disable_system_metrics_logging",
    "enable_async_logging",
    "enable_system_metrics_logging",
    "get_registry_uri",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "set_registry_uri",
    "set_system_metrics_node_id",
    "set_system_metrics_samples_before_logging",
    "set_system_metrics_sampling_interval",
    "set_tracking_uri",
]


def enable_async_logging(enable: bool = True) -> None:
    """Log params, metrics and tags asynchronously (True) or synchronously (False) by default."""
    MLFLOW_ENABLE_ASYNC_LOGGING.set(enable)
