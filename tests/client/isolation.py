"""Helpers that isolate client tests from each other and from the caller's environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlharbor.client import active_model, active_run, fluent, tracking_uri
from mlharbor.store.tracking.factory import clear_tracking_store_cache


def reset_client_state() -> None:
    """End active runs and forget tracking URIs, cached stores and fluent state."""
    while fluent.active_run() is not None:
        fluent.end_run()
    tracking_uri.set_tracking_uri(None)
    tracking_uri.set_registry_uri(None)
    active_run._active_experiment_id = None
    os.environ.pop("MLFLOW_EXPERIMENT_ID", None)  # set_experiment exports it, as MLflow does
    active_run._state.last_run_id = None
    active_model._state = active_model._ThreadState()
    clear_tracking_store_cache()


def isolated_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in ``tmp_path`` as cwd with no MLFLOW_/MLHARBOR_ variables and fresh state."""
    for name in list(os.environ):
        if name.startswith(("MLFLOW_", "MLHARBOR_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    reset_client_state()
    yield tmp_path
    reset_client_state()
