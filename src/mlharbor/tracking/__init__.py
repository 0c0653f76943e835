"""``mlharbor.tracking``: the tracking client under MLflow's import path.

``from mlflow.tracking import MlflowClient`` ports as ``from mlharbor.tracking import
MlflowClient``.
"""

from __future__ import annotations

from mlharbor.client.client import MlflowClient, MlharborClient
from mlharbor.client.tracking_uri import (
    get_registry_uri,
    get_tracking_uri,
    is_tracking_uri_set,
    set_registry_uri,
    set_tracking_uri,
)

__all__ = [
    "MlflowClient",
    "MlharborClient",
    "get_registry_uri",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "set_registry_uri",
    "set_tracking_uri",
]
